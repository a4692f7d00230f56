"""The link watch: a peer is lost when its presence goes, or its beats stop."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from polling import eventually

from robot.bus import Bus
from robot.bus_zenoh import ZenohBackend, free_port
from robot.link import BRAIN_LOST_S, LinkBeat, LinkWatch, lost_brain

ROOT = Path(__file__).resolve().parents[1]


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


BEATER = """
import sys, time
from robot.bus import Bus
from robot.bus_zenoh import ZenohBackend
from robot.link import LinkBeat
bus = Bus(ZenohBackend(connect=[sys.argv[1]]))
beat = LinkBeat(bus, "brain")
print("beating", flush=True)
sys.stdin.read()
"""


def test_beats_from_another_process_stay_fresh_while_the_watcher_holds_the_interpreter() -> None:
    """The watcher's process keeps the interpreter lock for 300 ms (as a physics step
    does); the beats are kept by Zenoh meanwhile, so when it looks, the newest is fresh:
    a watch fed by Python callbacks would find the brain 300 ms silent."""
    endpoint = f"tcp/127.0.0.1:{free_port()}"
    bus = Bus(ZenohBackend(listen=[endpoint]))
    beater = subprocess.Popen(
        [sys.executable, "-c", BEATER, endpoint],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert beater.stdout is not None and beater.stdout.readline().strip() == "beating"
        watch = LinkWatch(bus, "brain", lost_after_s=BRAIN_LOST_S)
        assert eventually(lambda: watch.heard, timeout=10.0)
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(10.0)  # no other thread of ours runs while we spin
        try:
            end = time.monotonic() + 0.3
            while time.monotonic() < end:
                pass
            silent_s = watch.silent_for_s()
        finally:
            sys.setswitchinterval(switch_interval)
        assert silent_s < BRAIN_LOST_S, f"{silent_s * 1e3:.0f} ms silent"
        assert not watch.lost()
    finally:
        beater.kill()
        beater.wait()
        bus.close()
