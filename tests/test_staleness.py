"""Late messages from another process are dropped by type, measured against their sender."""

from __future__ import annotations

import math
import time

import pytest
from test_bus_zenoh import receive_first, two_buses  # noqa: F401 - fixture

from core.errors import ReceiveTimeout
from core.msgs import ESTOP_RELEASE, EStop, JointState, Plan, SafetyEvent, SkillCall, Step
from robot.bus import fifo
from robot.staleness import Lateness, max_age_s

MS = 1_000_000


def test_lateness_is_measured_against_the_senders_quickest_transit() -> None:
    lateness = Lateness(window_s=10)
    offset = 5_000 * MS  # another host's clock, five seconds behind ours
    assert lateness.late_s(b"a", 0, offset + 1 * MS) == 0.0
    assert lateness.late_s(b"a", 10 * MS, offset + 11 * MS) == 0.0
    assert lateness.late_s(b"a", 20 * MS, offset + 81 * MS) == pytest.approx(0.060)
    assert lateness.late_s(b"b", 20 * MS, 90 * MS) == 0.0  # senders apart


def test_lateness_follows_a_drifting_clock() -> None:
    lateness = Lateness(window_s=1)
    lateness.late_s(b"a", 0, 1 * MS)
    drift_per_s = 5 * MS  # 5 ms a second: far beyond a real clock's, to see it followed
    late = [
        lateness.late_s(b"a", t * 100 * MS, t * 100 * MS + 1 * MS + t * drift_per_s // 10)
        for t in range(1, 40)
    ]
    assert late[-1] < 0.011  # two windows of drift at most, not the four seconds' 19 ms


def test_patience_by_type() -> None:
    assert max_age_s(EStop(engaged=True)) == math.inf
    assert max_age_s(EStop(engaged=False)) == 1.0
    assert max_age_s(SafetyEvent(kind="estop")) == math.inf
    assert max_age_s(JointState(position=(0.0,))) == 0.1
    assert max_age_s(Plan(instruction="x")) == math.inf


def test_a_late_message_from_another_bus_is_dropped_and_counted(two_buses) -> None:  # noqa: F811
    arm, brain = two_buses
    calls = arm.subscribe(SkillCall, policy=fifo(8))
    stops = arm.subscribe(EStop, policy=fifo(8))
    releases = arm.subscribe(EStop, ESTOP_RELEASE, policy=fifo(8))
    step = Step("go_home")
    receive_first(calls, lambda: brain.publish(SkillCall(plan_seq=1, index=0, step=step)))
    held_back = time.monotonic_ns() - 3_000 * MS  # as if it waited 3 s in a buffer
    brain.publish(SkillCall(plan_seq=1, index=1, step=step, stamp_ns=held_back))
    brain.publish(EStop(engaged=False, stamp_ns=held_back), ESTOP_RELEASE)
    brain.publish(EStop(engaged=True, source="kiosk", stamp_ns=held_back))
    assert stops.get(timeout=5).source == "kiosk"  # a stop is never too late
    brain.publish(SkillCall(plan_seq=1, index=2, step=step))
    assert calls.get(timeout=5).index == 2  # fresh ones pass; the late one did not
    with pytest.raises(ReceiveTimeout):
        releases.get(timeout=0.2)
    assert arm.backend.stale == {"SkillCall": 1, "EStop/release": 1}
