"""The loop with real-time scheduling requested, and the benchmark's JSON keys.

No timing is asserted: whether SCHED_FIFO is granted depends on the machine, so the
tests check that the loop runs either way and reports what it got.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from core.msgs import LoopStats
from robot.cerebellum import realtime
from robot.cerebellum.loop import DEFAULT_SPIN_S, REALTIME_SPIN_S, RealTimeLoop
from robot.cerebellum.realtime import RealtimeRequest, current_scheduling

PERIOD_S = 0.001
REQUEST = RealtimeRequest(lock_memory=False)
"""Leave the test process's memory unlocked (mlockall is process-wide)."""
BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "cerebellum_loop.py"
ISSUE_KEYS = (
    "jitter_p50_us",
    "jitter_p99_us",
    "jitter_p999_us",
    "overruns_per_10k",
    "tick_compute_p99_us_6_joints",
    "tick_compute_p99_us_12_joints",
    "tick_compute_p99_us_30_joints",
)


def test_the_loop_runs_with_realtime_requested_and_reports_what_it_got() -> None:
    before = current_scheduling()
    stats: list[LoopStats] = []
    loop = RealTimeLoop(
        lambda: None, PERIOD_S, stats_period_s=0.01, on_stats=stats.append, realtime=REQUEST
    )
    loop.run(threading.Event(), max_ticks=40)
    assert loop.ticks == 40
    got = loop.scheduling
    assert got is not None
    assert stats and all(
        (s.sched_policy, s.sched_priority) == (got.policy, got.priority) for s in stats
    )
    expected_spin = REALTIME_SPIN_S if got.realtime else DEFAULT_SPIN_S
    assert loop.spin_ns == round(expected_spin * 1e9)
    assert current_scheduling() == before  # the thread is put back after the run


def test_the_loop_runs_on_when_realtime_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(pid: int, policy: int, param: os.sched_param) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

    if realtime.supported():
        monkeypatch.setattr(os, "sched_setscheduler", refused)
    loop = RealTimeLoop(lambda: None, PERIOD_S, realtime=REQUEST)
    loop.run(threading.Event(), max_ticks=20)
    assert loop.ticks == 20
    assert loop.scheduling is not None and not loop.scheduling.realtime
    assert loop.scheduling.problems


def test_the_loop_stops_from_another_thread_with_realtime_requested() -> None:
    stop = threading.Event()
    loop = RealTimeLoop(lambda: None, PERIOD_S, realtime=REQUEST)
    runner = threading.Thread(target=loop.run, args=(stop,))
    runner.start()
    while loop.scheduling is None and runner.is_alive():
        runner.join(0.01)
    stop.set()
    runner.join(5.0)
    assert not runner.is_alive()
    assert loop.scheduling is not None


def load_benchmark() -> ModuleType:
    """benchmarks/ is not an installed package: load the script by its path."""
    spec = importlib.util.spec_from_file_location("cerebellum_loop_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_json_has_the_issues_keys_and_every_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load_benchmark()

    def stand_in_brain(stop: threading.Event, ready: threading.Event) -> None:
        # The real planner loads a model: too slow for the default test run.
        ready.set()
        while not stop.is_set():
            sum(range(1000))

    monkeypatch.setattr(bench, "brain_planning", stand_in_brain)
    out = tmp_path / "figures.json"
    args = ["--seconds", "0.05", "--mode", "thread", "--realtime", "both", "--load", "both"]
    args += ["--compute-ticks", "30", "--json", str(out)]
    try:
        assert bench.main(args) == 0
    finally:
        del sys.modules["cerebellum_loop_benchmark"]
    figures = json.loads(out.read_text())
    for key in ISSUE_KEYS:
        assert isinstance(figures[key], float), key
    for config in ("thread_ts_alone", "thread_rt_alone", "thread_ts_loaded", "thread_rt_loaded"):
        for key in ("jitter_p99_us", "overruns_per_10k", "realtime_obtained", "steal_ms"):
            assert f"{config}_{key}" in figures
    assert figures["thread_ts_loaded_realtime_obtained"] == 0.0
    # Without the default configuration in the run, the first one stands in for it.
    assert (figures["loop_in_own_process"], figures["realtime_requested"]) == (0.0, 0.0)
    assert figures["jitter_p99_us"] == figures["thread_ts_loaded_jitter_p99_us"]
    assert "alone_jitter_p99_us" in figures and "loadavg_1min_before" in figures
    # The tick's cost beside the floor (a tick that only reads and writes the limb).
    for arm in ("floor", "6_joints", "12_joints", "30_joints"):
        median, p99 = figures[f"tick_compute_p50_us_{arm}"], figures[f"tick_compute_p99_us_{arm}"]
        assert 0.0 < median <= p99, arm
        assert f"tick_wall_p99_us_{arm}" in figures


def test_the_stack_mode_measures_the_loop_in_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load_benchmark()
    brains: list[bool] = []

    def stand_in_brain(stop: threading.Event, ready: threading.Event, remote: bool) -> None:
        brains.append(remote)
        ready.set()
        stop.wait()

    monkeypatch.setattr(bench, "brain_planning", stand_in_brain)
    out = tmp_path / "figures.json"
    args = ["--seconds", "0.5", "--mode", "stack", "--realtime", "off", "--load", "loaded"]
    args += ["--no-compute", "--json", str(out)]
    try:
        assert bench.main(args) == 0
    finally:
        del sys.modules["cerebellum_loop_benchmark"]
    figures = json.loads(out.read_text())
    assert brains == [True]  # the stack's brain plans through a PlannerProcess
    assert figures["loop_in_own_process"] == 1.0
    assert figures["stack_ts_loaded_realtime_obtained"] == 0.0
    # Half a second at 1 kHz, timed by the child's own loop and sent back at the end.
    assert figures["stack_ts_loaded_ticks"] >= 300
    assert figures["jitter_max_us"] > 0.0


def test_the_stall_probe_sorts_stalls_by_where_the_time_went(tmp_path: Path) -> None:
    bench = load_benchmark()
    try:
        schedstat = tmp_path / "schedstat"
        # (cpu ns, run-queue wait ns, times put on a CPU) read at the start of ticks 0..4
        samples = ["100 0 1", "200 0 2", "300 2000000 3", "400 2000000 6", "500 2000000 7"]
        schedstat.write_text("0 0 0\n")  # the probe opens the file once, up front
        probe = bench.StallProbe(len(samples), path=str(schedstat))
        for line in samples:
            schedstat.write_text(line + "\n")
            probe.sample()
        probe.close()
        late_us = np.array([0.0, 0.0, 2500.0, 2500.0, 1500.0])
        compute_us = np.array([1500.0, 100.0, 100.0, 100.0, 100.0])
        got = probe.classify(late_us, compute_us, periods=10)
    finally:
        del sys.modules["cerebellum_loop_benchmark"]
    # tick 2 waited 2 ms in the run queue; tick 3 was put on a CPU 3 times (blocked);
    # tick 4's lateness and tick 0's long body show in neither: outside the guest.
    assert got["stalls_runqueue_per_10k"] == 1000.0
    assert got["stalls_blocked_per_10k"] == 1000.0
    assert got["stalls_outside_guest_per_10k"] == 2000.0
    assert got["stalls_per_10k"] == 4000.0
    assert got["stall_ms"] == 8.0


def test_the_unprefixed_keys_are_the_default_configuration_under_load() -> None:
    bench = load_benchmark()
    try:
        configs = bench.configurations(["thread", "stack"], [False, True], [False, True])
        results = {c: {"jitter_p99_us": float(i)} for i, c in enumerate(configs)}
        flat = bench.flatten(results)
        default = bench.RunConfig(bench.DEFAULT_MODE, bench.DEFAULT_REALTIME, True)
        alone = bench.RunConfig(bench.DEFAULT_MODE, bench.DEFAULT_REALTIME, False)
    finally:
        del sys.modules["cerebellum_loop_benchmark"]
    assert flat["jitter_p99_us"] == results[default]["jitter_p99_us"]
    assert flat["alone_jitter_p99_us"] == results[alone]["jitter_p99_us"]
    assert flat[f"{default.key}_jitter_p99_us"] == results[default]["jitter_p99_us"]
    assert len({k for k in flat if k.endswith("_jitter_p99_us")}) == len(configs) + 1
