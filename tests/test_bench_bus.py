"""benchmarks/bus.py across processes: messages cross over Zenoh between processes (and
between network namespaces, where they can be made) and are timed with sane values.

No timing figure is asserted: machines are noisy, and `make bench` checks the target.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest

from benchmarks.bus import (
    STREAMS,
    NamespacesUnavailable,
    Run,
    figures,
    loopback_pair,
    main,
    measure,
    netns_pair,
)

COUNT = 200
"""Messages per latency run: enough to see every one arrive, short enough for `make test`."""
FLOOD_S = 0.2
"""Seconds of camera frames."""


def assert_every_message_timed(run: Run) -> None:
    assert run.sent == COUNT
    seqs = [seq for seq, _, _ in run.records]
    assert seqs == list(range(seqs[0], seqs[0] + COUNT)), "lost, repeated or reordered"
    latencies = run.latencies_us()
    assert all(0 < us < math.inf for us in latencies)


def assert_frames_counted(run: Run) -> None:
    assert 0 < len(run.records) <= run.sent
    got = figures(run)
    assert got["camera_jpeg_frames_per_s"] > 0 and got["camera_jpeg_mb_per_s"] > 0
    assert 0 < got["camera_jpeg_p50_us"] < math.inf


def test_messages_cross_between_processes_on_loopback(no_thread_left: None) -> None:
    with loopback_pair() as (receiver, publisher):
        for name in ("jointstate", "skillcall"):
            assert_every_message_timed(measure(receiver, publisher, STREAMS[name], COUNT))
        assert_frames_counted(measure(receiver, publisher, STREAMS["camera_jpeg"], FLOOD_S))


def test_messages_cross_between_network_namespaces(no_thread_left: None) -> None:
    try:
        with netns_pair() as (receiver, publisher):
            jointstates = measure(receiver, publisher, STREAMS["jointstate"], COUNT)
            frames = measure(receiver, publisher, STREAMS["camera_jpeg"], FLOOD_S)
    except NamespacesUnavailable as why:
        pytest.skip(f"network namespaces cannot be made here: {why}")
    assert_every_message_timed(jointstates)
    assert_frames_counted(frames)
    # The benchmark names its namespaces and links after its pid: none may outlive it.
    tag = f"bb{os.getpid()}"
    assert tag not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert tag not in subprocess.run(["ip", "link"], capture_output=True, text=True).stdout


def test_the_json_has_every_path_and_the_target_verdict(tmp_path: Path) -> None:
    out = tmp_path / "bus.json"
    args = ["--seconds", "0.2", "--camera-seconds", "0.1", "--no-netns", "--json", str(out)]
    assert main(args) == 0
    got = json.loads(out.read_text())
    for key in ("bus_latency_p99_us", "zenoh_loopback_jointstate_p99_us"):
        assert 0 < got[key] < math.inf, key
    assert got["zenoh_loopback_skillcall_lost"] == 0
    assert got["zenoh_loopback_camera_rgb8_frames_per_s"] > 0
    met = got["zenoh_loopback_jointstate_p99_us"] <= got["zenoh_loopback_jointstate_p99_target_us"]
    assert got["zenoh_loopback_jointstate_p99_target_met"] is met
    assert got["zenoh_netns_skipped"] == "not asked for (--no-netns)"
    assert not any(key.startswith("zenoh_netns_") and key != "zenoh_netns_skipped" for key in got)
