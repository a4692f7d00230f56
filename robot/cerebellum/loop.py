"""The real-time spine of the cerebellum: call `tick()` on a fixed grid of deadlines.

- Absolute deadlines: tick k is due at `start + k * period`; lateness never
  accumulates into drift because the next deadline is computed from the grid, not
  from when the last tick ended.
- Sleep-then-spin: `time.sleep` until `spin_s` before the deadline (the kernel's
  timer slack makes a plain sleep ~50-100 us late), then busy-wait on the clock.
- Overruns are handled as ros2_control does: when a tick ends after the next
  deadline, the missed deadlines are skipped (`ceil(late / period)` of them) and
  counted; the loop never bursts to catch up.
- The garbage collector is frozen (existing objects moved out of its sight) and
  disabled while the loop runs, and restored afterwards. `gc.disable` is
  process-wide: run the loop in its own process when the rest of the process
  allocates heavily for a long time.
- Real-time scheduling (optional, `realtime=RealtimeRequest()`): the thread that
  runs the loop is put on SCHED_FIFO (optionally pinned to a CPU, memory locked) for
  the duration of `run` and put back afterwards; refused permissions fall back to
  the normal scheduler with one warning (see robot/cerebellum/realtime.py). The
  obtained policy is in `scheduling` and in every `LoopStats`.
- Every `stats_period_s` the loop summarises its window into `LoopStats` and hands
  it to `on_stats` (once a second: the only allocation the loop itself makes).
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Callable

from core.msgs import LoopStats
from robot.cerebellum.realtime import RealtimeRequest, Scheduling, realtime_section
from robot.cerebellum.stats import TickRecorder

NS_PER_S = 1_000_000_000
DEFAULT_PERIOD_S = 0.001
"""1 kHz, the rate of Franka FCI and of ros2_control on real-time kernels."""
DEFAULT_SPIN_S = 0.0003
"""Busy-wait the last 300 us before a deadline under the normal scheduler: above the
~80-110 us (p50-p99) a 0.7 ms sleep overshoots there (50 us of it is timer slack)."""
REALTIME_SPIN_S = 0.00015
"""Busy-wait under SCHED_FIFO: the kernel gives real-time threads no timer slack, and
with the CPUs held awake (realtime.py) the same sleep overshoots ~25 us (median) and
40-80 us (p99) on the development VM (~50 and 100-160 us when they may halt), so a
shorter spin keeps the real-time thread off its core longer. A longer spin was no
better there: 450 us gave a worse p99 (the hypervisor preempts a vCPU that spins)."""
STATS_PERIOD_S = 1.0
THREAD_SWITCH_INTERVAL_S = 5e-5
"""Switch interval to use when the loop shares its process with busy threads."""


class RealTimeLoop:
    """Calls `tick()` every `period_s` seconds until `stop` is set.

    tick: the cycle's work; must not block. It runs in the thread that calls `run`.
    on_stats: receives a `LoopStats` every `stats_period_s` (may be None).
    history: an optional extra recorder that keeps every tick (benchmarks).
    switch_interval_s: while running, the interpreter's thread switch interval
    (`sys.setswitchinterval`, process-wide). In a thread beside busy Python threads
    the default 5 ms is how long this loop can wait for the interpreter lock after
    a sleep; 50 us bounds that wait (see robot/cerebellum/README.md for figures).
    spin_s: busy-wait before each deadline (s); None: `REALTIME_SPIN_S` when
    SCHED_FIFO was obtained, else `DEFAULT_SPIN_S`.
    realtime: ask for SCHED_FIFO (and a CPU, locked memory) for the running thread;
    None leaves its scheduling alone.
    """

    def __init__(
        self,
        tick: Callable[[], None],
        period_s: float = DEFAULT_PERIOD_S,
        *,
        spin_s: float | None = None,
        stats_period_s: float = STATS_PERIOD_S,
        on_stats: Callable[[LoopStats], None] | None = None,
        history: TickRecorder | None = None,
        manage_gc: bool = True,
        switch_interval_s: float | None = None,
        realtime: RealtimeRequest | None = None,
    ) -> None:
        if period_s <= 0:
            raise ValueError(f"loop period must be > 0 s, got {period_s}")
        self.tick = tick
        self.period_ns = round(period_s * NS_PER_S)
        self.spin_s = spin_s
        self.spin_ns = round((DEFAULT_SPIN_S if spin_s is None else spin_s) * NS_PER_S)
        self.stats_period_ns = round(stats_period_s * NS_PER_S)
        self.on_stats = on_stats
        self.history = history
        self.manage_gc = manage_gc
        self.switch_interval_s = switch_interval_s
        self.realtime = realtime
        self.scheduling: Scheduling | None = None
        """What the loop's thread obtained in the current or last `run` (None before)."""
        ticks_per_window = max(1, round(stats_period_s / period_s))
        # Room for a window plus slack: a window can hold a few more ticks than nominal.
        self.window = TickRecorder(ticks_per_window + ticks_per_window // 10 + 16)
        self.ticks = 0
        self.overruns = 0
        self._window_overruns = 0

    @property
    def rate_hz(self) -> float:
        return NS_PER_S / self.period_ns

    def run(self, stop: threading.Event, max_ticks: int | None = None) -> None:
        """Run until `stop` is set (checked every tick) or `max_ticks` ticks ran."""
        gc_was_enabled = gc.isenabled()
        switch_interval = sys.getswitchinterval()
        if self.switch_interval_s is not None:
            sys.setswitchinterval(self.switch_interval_s)
        # Pay numpy's first-call cost here, not in the tick that publishes LoopStats.
        self.window.warm_up()
        if self.manage_gc:
            gc.collect()
            gc.freeze()
            gc.disable()
        try:
            with realtime_section(self.realtime) as scheduling:
                self.scheduling = scheduling
                if self.spin_s is None:
                    spin_s = REALTIME_SPIN_S if scheduling.realtime else DEFAULT_SPIN_S
                    self.spin_ns = round(spin_s * NS_PER_S)
                self._run(stop, max_ticks)
        finally:
            if self.manage_gc:
                gc.unfreeze()
                if gc_was_enabled:
                    gc.enable()
            sys.setswitchinterval(switch_interval)

    def _run(self, stop: threading.Event, max_ticks: int | None) -> None:
        # Locals: attribute and global look-ups cost ~50 ns each, per tick.
        clock = time.monotonic_ns
        sleep = time.sleep
        tick = self.tick
        record = self.window.record
        history = self.history.record if self.history is not None else None
        is_stopped = stop.is_set
        period = self.period_ns
        spin = self.spin_ns
        limit = -1 if max_ticks is None else max_ticks

        deadline = clock() + period
        next_stats = deadline + self.stats_period_ns
        ticks = 0
        while ticks != limit and not is_stopped():
            remaining = deadline - clock()
            if remaining > spin:
                sleep((remaining - spin) / NS_PER_S)
            now = clock()
            while now < deadline:
                now = clock()
            tick()
            end = clock()
            late = now - deadline
            record(late, end - now)
            if history is not None:
                history(late, end - now)
            ticks += 1
            deadline += period
            if end > deadline:
                # Overran into the next period(s): skip them, as ros2_control does.
                missed = (end - deadline) // period + 1
                deadline += missed * period
                self.overruns += missed
                self._window_overruns += missed
            if end >= next_stats:
                next_stats = end + self.stats_period_ns
                self.ticks = ticks
                self._publish_stats()
        self.ticks = ticks

    @property
    def _sched_policy(self) -> str:
        return self.scheduling.policy if self.scheduling is not None else "SCHED_OTHER"

    @property
    def _sched_priority(self) -> int:
        return self.scheduling.priority if self.scheduling is not None else 0

    def _publish_stats(self) -> None:
        summary = self.window.summary()
        overruns = self._window_overruns
        self.window.reset()
        self._window_overruns = 0
        if self.on_stats is None:
            return
        self.on_stats(
            LoopStats(
                period_us=self.period_ns / 1_000.0,
                ticks=summary.ticks,
                overruns=overruns,
                jitter_p50_us=summary.jitter_p50_us,
                jitter_p99_us=summary.jitter_p99_us,
                jitter_p999_us=summary.jitter_p999_us,
                jitter_max_us=summary.jitter_max_us,
                compute_p99_us=summary.compute_p99_us,
                sched_policy=self._sched_policy,
                sched_priority=self._sched_priority,
            )
        )


def rate_for_cycle_time(cycle_s: float, max_rate_hz: float = 1_000.0) -> float:
    """The loop rate (Hz) a limb can keep: its measured read+write cycle time (s)
    with 25 % headroom, capped at `max_rate_hz`. A serial bus at 4 ms per cycle
    gives 200 Hz; the twin at 0.1 ms keeps the 1 kHz default."""
    if cycle_s <= 0:
        return max_rate_hz
    headroom = 1.25
    return min(max_rate_hz, 1.0 / (cycle_s * headroom))
