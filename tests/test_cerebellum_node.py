"""The Cerebellum node on the bus: skill calls in, statuses and loop stats out."""

from __future__ import annotations

from functools import partial

import pytest

from core.msgs import EStop, JointCommand, JointState, LoopStats, SkillCall, SkillStatus, Step
from core.profile import load_profile
from robot.bus import Bus, fifo
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.echo_limb import EchoLimb
from robot.cerebellum.node import Cerebellum

PROFILE = load_profile("so101")
WAIT_S = 10.0


@pytest.fixture
def running(no_thread_left: None):
    bus = Bus()
    node = Cerebellum(bus, ArmModel.from_profile(PROFILE, BasePose()), partial(EchoLimb, PROFILE))
    statuses = bus.subscribe(SkillStatus, policy=fifo(16))
    stats = bus.subscribe(LoopStats, policy=fifo(16))
    states = bus.subscribe(JointState)
    node.start()
    try:
        yield bus, node, statuses, stats, states
    finally:
        node.stop()
    assert node.failure is None


def test_runs_a_skill_call_and_reports_its_status(running) -> None:
    bus, node, statuses, stats, states = running
    assert node.rate_hz == 1000.0  # an echo limb cycles in microseconds
    bus.publish(SkillCall(plan_seq=7, index=0, step=Step("go_home")))
    first = statuses.get(timeout=WAIT_S)
    assert (first.plan_seq, first.index, first.state) == (7, 0, "running")
    done = statuses.get(timeout=WAIT_S)
    assert done.state == "succeeded", done.reason
    assert states.get(timeout=WAIT_S).position
    loop = stats.get(timeout=WAIT_S)
    assert loop.period_us == 1000.0 and loop.ticks > 0


def test_estop_fails_the_running_skill_with_a_reason(running) -> None:
    bus, _, statuses, _, _ = running
    bus.publish(EStop(engaged=True, source="test"))
    bus.publish(SkillCall(plan_seq=1, index=0, step=Step("go_home")))
    assert statuses.get(timeout=WAIT_S).state == "running"
    failed = statuses.get(timeout=WAIT_S)
    assert failed.state == "failed" and failed.reason == "protective stop"


def test_an_unknown_object_fails_at_once_with_a_reason(running) -> None:
    bus, _, statuses, _, _ = running
    bus.publish(SkillCall(plan_seq=2, index=0, step=Step("pick", {"object": "unicorn"})))
    status = statuses.get(timeout=WAIT_S)
    assert status.state == "failed"
    assert "unicorn" in status.reason


def test_the_loop_runs_at_the_rate_asked_when_the_limb_keeps_up(no_thread_left: None) -> None:
    # A serial launch's [rates] control_hz; a slow bus would lower it (rate_for_cycle_time).
    node = Cerebellum(
        Bus(), ArmModel.from_profile(PROFILE, BasePose()), partial(EchoLimb, PROFILE), rate_hz=250.0
    )
    node.start()
    try:
        assert node.rate_hz == 250.0
    finally:
        node.stop()
    assert node.failure is None


def test_each_reading_is_published_with_the_command_sent_beside_it(no_thread_left: None) -> None:
    bus = Bus()
    states = bus.subscribe(JointState, policy=fifo(4096))
    commands = bus.subscribe(JointCommand, policy=fifo(4096))
    node = Cerebellum(bus, ArmModel.from_profile(PROFILE, BasePose()), partial(EchoLimb, PROFILE))
    node.start()
    try:
        command = commands.get(timeout=WAIT_S)
    finally:
        node.stop()
    assert node.failure is None
    by_stamp = {s.stamp_ns: s for s in iter(states.poll, None)}
    assert command.stamp_ns in by_stamp  # paired by stamp: a dataset frame's state and action
    assert len(command.position) == len(PROFILE.joints)
    # An echo limb reads back what it was sent last tick.
    assert command.position == pytest.approx(by_stamp[command.stamp_ns].position, abs=1e-6)


def test_a_call_that_arrives_with_the_first_world_is_started_seeing_it(
    no_thread_left: None,
) -> None:
    """A kiosk visitor may ask before the camera's first world reaches the cerebellum:
    the call and that world then wait together, and the call must not fail for want of
    a world it has been sent."""
    from core.msgs import ObjectState, WorldState

    bus = Bus()
    statuses = bus.subscribe(SkillStatus, policy=fifo(16))
    node = Cerebellum(bus, ArmModel.from_profile(PROFILE, BasePose()), partial(EchoLimb, PROFILE))
    bus.publish(SkillCall(plan_seq=1, index=0, step=Step("pick", {"object": "cup_red"})))
    cup = ObjectState(position=(0.25, 0.0, 0.0), orientation=(0.0, 0.0, 0.0, 1.0))
    bus.publish(WorldState(scene="tea", objects={"cup_red": cup}))
    node.dispatch()  # both waiting, as in one turn of the node's thread
    first = statuses.poll()
    assert first is not None
    assert "no world state" not in first.reason, first.reason
