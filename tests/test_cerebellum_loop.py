"""The real-time loop's bookkeeping: ticks, skipped overruns, stats, gc handling.

No timing figures are asserted here (they live in benchmarks/cerebellum_loop.py):
only counts that hold on any machine, however loaded.
"""

from __future__ import annotations

import gc
import threading
import time

import numpy as np

from core.msgs import LoopStats
from robot.cerebellum.loop import RealTimeLoop, rate_for_cycle_time
from robot.cerebellum.stats import TickRecorder

PERIOD_S = 0.001


def test_runs_the_requested_ticks_with_gc_off_inside_and_restored_after() -> None:
    seen: list[bool] = []
    loop = RealTimeLoop(lambda: seen.append(gc.isenabled()), PERIOD_S)
    was = gc.isenabled()
    loop.run(threading.Event(), max_ticks=50)
    assert loop.ticks == 50 and len(seen) == 50
    assert not any(seen)
    assert gc.isenabled() == was


def test_an_overrun_skips_the_missed_periods_instead_of_bursting() -> None:
    ticks: list[int] = []
    stall_s = 0.0055  # 5.5 periods: at least 5 deadlines pass during the stall

    def tick() -> None:
        ticks.append(time.monotonic_ns())
        if len(ticks) == 5:
            time.sleep(stall_s)

    loop = RealTimeLoop(tick, PERIOD_S)
    loop.run(threading.Event(), max_ticks=10)
    assert loop.overruns >= 5
    # After the stall the next tick waits for a grid deadline: no back-to-back burst.
    gap_after_stall = ticks[5] - ticks[4]
    assert gap_after_stall >= stall_s * 1e9


def test_stop_event_ends_the_loop() -> None:
    stop = threading.Event()
    count = [0]

    def tick() -> None:
        count[0] += 1
        if count[0] == 20:
            stop.set()

    RealTimeLoop(tick, PERIOD_S).run(stop)
    assert count[0] == 20


def test_publishes_loop_stats_every_window() -> None:
    stats: list[LoopStats] = []
    loop = RealTimeLoop(lambda: None, PERIOD_S, stats_period_s=0.02, on_stats=stats.append)
    loop.run(threading.Event(), max_ticks=100)
    assert len(stats) >= 2
    assert all(s.period_us == 1000.0 and s.ticks > 0 for s in stats)
    assert all(s.jitter_p50_us <= s.jitter_p99_us <= s.jitter_max_us for s in stats)


def test_tick_recorder_percentiles_match_numpy_and_wrap_around() -> None:
    rec = TickRecorder(1000)
    values = np.arange(1, 1501) * 1000  # 1..1500 us, the ring keeps the last 1000
    for v in values:
        rec.record(int(v), int(v) // 2)
    summary = rec.summary()
    kept = values[-1000:] / 1000.0
    assert summary.ticks == 1000
    assert summary.jitter_p99_us == np.percentile(kept, 99.0)
    assert summary.jitter_max_us == 1500.0
    assert summary.compute_p99_us == np.percentile(kept / 2, 99.0)
    rec.reset()
    assert rec.summary().ticks == 0


def test_rate_follows_the_limb_cycle_time() -> None:
    assert rate_for_cycle_time(0.0001) == 1000.0  # the twin: full rate
    assert rate_for_cycle_time(0.004) == 200.0  # a serial bus at 4 ms: 200 Hz
    assert rate_for_cycle_time(0.0) == 1000.0
