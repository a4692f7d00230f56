"""Stop requests: any peer engages on `EStop`; only `EStop/release` releases."""

from __future__ import annotations

import pytest

from core.errors import ReceiveTimeout
from core.msgs import ESTOP_RELEASE, EStop
from robot.bus import Bus
from robot.cerebellum.stop_requests import StopRequests


def test_a_release_on_the_engaging_topic_is_ignored() -> None:
    bus = Bus()
    stops = StopRequests(bus, 4)
    bus.publish(EStop(engaged=False, source="stranger"))
    assert stops.poll() is None
    assert stops.ignored == 1
    bus.publish(EStop(engaged=False, source="operator"), ESTOP_RELEASE)
    assert stops.get(timeout=1).source == "operator"


def test_release_and_engagement_waiting_together_end_engaged() -> None:
    bus = Bus()
    stops = StopRequests(bus, 4)
    bus.publish(EStop(engaged=True, source="kiosk"))
    bus.publish(EStop(engaged=False, source="operator"), ESTOP_RELEASE)
    order = [stops.poll(), stops.poll()]
    assert [m.engaged for m in order if m is not None] == [False, True]
    assert stops.poll() is None


def test_get_times_out_naming_nothing_waiting() -> None:
    stops = StopRequests(Bus(), 4)
    with pytest.raises(ReceiveTimeout):
        stops.get(timeout=0.01)
