"""The link watch: a peer is lost when its presence goes, or its beats stop."""

from __future__ import annotations

import time

from robot.bus import Bus
from robot.link import LinkBeat, LinkWatch, lost_brain


def test_a_peer_that_leaves_is_lost_at_once_and_one_that_hangs_after_the_silence() -> None:
    bus = Bus()
    watch = LinkWatch(bus, "brain", lost_after_s=0.2)
    assert not watch.heard and not watch.lost()  # not started yet is not gone
    beat = LinkBeat(bus, "brain", period_s=0.01)
    time.sleep(0.05)
    assert watch.heard and not watch.lost()
    assert lost_brain(watch) is None
    beat.close()  # withdraws the presence, as a dying process's session does
    assert watch.departed and watch.lost()
    assert "closed" in (lost_brain(watch) or "")


def test_silent_beats_with_the_presence_still_there_are_a_loss_after_the_silence() -> None:
    bus = Bus()
    withdraw = bus.backend.announce("link/brain")  # present, but never beats: hung
    watch = LinkWatch(bus, "brain", lost_after_s=0.05)
    assert watch.heard and not watch.lost()
    time.sleep(0.08)
    assert watch.lost() and not watch.departed
    assert "ms silent" in watch.why()
    withdraw()


def test_an_unwatched_brain_is_never_lost() -> None:
    assert lost_brain(None) is None
