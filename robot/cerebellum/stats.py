"""Tick timing of the real-time loop, recorded without allocating per tick.

Each tick stores two integers (wake-up lateness and compute time, both ns) into
lists allocated once; percentiles are computed with numpy only when a summary is
asked for (once a second for `LoopStats`, once at the end of a benchmark).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NS_PER_US = 1_000.0


@dataclass(frozen=True)
class TimingSummary:
    """Percentiles of a window of ticks, in microseconds."""

    ticks: int
    jitter_p50_us: float
    jitter_p99_us: float
    jitter_p999_us: float
    jitter_max_us: float
    compute_p50_us: float
    compute_p99_us: float
    compute_max_us: float


class TickRecorder:
    """A ring of the last `capacity` ticks' lateness and compute time (ns).

    `record` writes two list slots and bumps a counter: no allocation beyond the
    integers the clock already returned.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1 tick, got {capacity}")
        self.capacity = capacity
        self._late_ns = [0] * capacity
        self._compute_ns = [0] * capacity
        self._index = 0
        self.count = 0
        """Ticks recorded since the last `reset` (may exceed `capacity`)."""

    def record(self, late_ns: int, compute_ns: int) -> None:
        """Store one tick: how late it woke (ns) and how long its body ran (ns)."""
        i = self._index
        self._late_ns[i] = late_ns
        self._compute_ns[i] = compute_ns
        i += 1
        self._index = 0 if i == self.capacity else i
        self.count += 1

    def reset(self) -> None:
        """Forget the window (the slots stay allocated)."""
        self._index = 0
        self.count = 0

    def warm_up(self) -> None:
        """Compute one summary on a dummy tick and forget it: the first percentile call
        of a fresh process costs ~10-30 ms (numpy's lazy set-up), too much to pay
        inside a 1 ms tick."""
        self.record(0, 0)
        self.summary()
        self.reset()

    def late_us(self) -> np.ndarray:
        """Lateness of the recorded ticks (us), oldest first is not guaranteed."""
        n = min(self.count, self.capacity)
        return np.asarray(self._late_ns[:n], dtype=np.float64) / NS_PER_US

    def compute_us(self) -> np.ndarray:
        """Compute time of the recorded ticks (us)."""
        n = min(self.count, self.capacity)
        return np.asarray(self._compute_ns[:n], dtype=np.float64) / NS_PER_US

    def summary(self) -> TimingSummary:
        """Percentiles over the ticks in the ring (zeros when empty)."""
        late = self.late_us()
        compute = self.compute_us()
        if late.size == 0:
            return TimingSummary(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        lp50, lp99, lp999 = np.percentile(late, (50.0, 99.0, 99.9))
        cp50, cp99 = np.percentile(compute, (50.0, 99.0))
        return TimingSummary(
            ticks=int(late.size),
            jitter_p50_us=float(lp50),
            jitter_p99_us=float(lp99),
            jitter_p999_us=float(lp999),
            jitter_max_us=float(late.max()),
            compute_p50_us=float(cp50),
            compute_p99_us=float(cp99),
            compute_max_us=float(compute.max()),
        )
