"""The motion loop's latest state in shared memory, for a reader in another process.

The loop's process writes after every tick; the skills' process reads when it
needs to. Only the newest value matters (a mailbox of one, like the bus's
`latest`), so there is no queue to fill and nothing for the loop to wait on:

- the writer takes the lock without blocking, and skips this tick's write when the
  reader holds it (the next tick writes again, 1 ms later at 1 kHz);
- the reader blocks on the lock, which the writer holds for a few microseconds.

The lock (a POSIX semaphore) is also the memory barrier: a reader never sees half a
write, on x86 or ARM.

    shared = SharedMotionState(joints=6, context=multiprocessing.get_context("spawn"))
    shared.write(state, commanded, applied=3, idle=True, holding=False, estop=False)
    snapshot = shared.read()          # MotionSnapshot, or None before the first write
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from multiprocessing.context import BaseContext

from core.msgs import JointState

# Slots of the integer block.
_VERSION, _STAMP_NS, _APPLIED, _IDLE, _HOLDING, _ESTOP, _VELOCITIES, _EFFORTS = range(8)
_INTS = 8


@dataclass(frozen=True)
class MotionSnapshot:
    """One tick's outcome as the loop's process wrote it.

    state: the limb's reading (rad, rad/s, N*m); commanded: the position sent (rad);
    applied: sequence number of the last motion request the loop took up; idle: the
    trajectory reached that request's target; holding / estop_engaged: the safety
    supervisor's flags; version: counts writes.
    """

    version: int
    state: JointState
    commanded: tuple[float, ...]
    applied: int
    idle: bool
    holding: bool
    estop_engaged: bool


class SharedMotionState:
    """Latest `MotionSnapshot` for an arm of `joints` joints, shared between processes.

    Create it in the parent with the context the child is started from and pass it
    to the child as a `Process` argument.
    """

    def __init__(self, joints: int, context: BaseContext) -> None:
        self.joints = joints
        self._lock = context.Lock()
        self._ints = context.RawArray("q", _INTS)
        # position, velocity, effort, commanded: four blocks of `joints` values.
        self._floats = context.RawArray("d", 4 * joints)
        # The loop's heartbeat, apart from the lock: a reader that holds the lock (and is
        # preempted there) must not make a ticking loop look hung.
        self._tick_ns = context.RawArray("q", 1)

    def write(
        self,
        state: JointState,
        commanded: tuple[float, ...],
        *,
        applied: int,
        idle: bool,
        holding: bool,
        estop_engaged: bool,
    ) -> bool:
        """Store a tick's outcome unless the reader holds the lock; True if stored."""
        if not self._lock.acquire(False):
            return False
        try:
            n = self.joints
            floats = self._floats
            floats[0:n] = state.position
            if state.velocity:
                floats[n : 2 * n] = state.velocity
            if state.effort:
                floats[2 * n : 3 * n] = state.effort
            if commanded:
                floats[3 * n : 4 * n] = commanded
            ints = self._ints
            ints[_STAMP_NS] = state.stamp_ns
            ints[_APPLIED] = applied
            ints[_IDLE] = idle
            ints[_HOLDING] = holding
            ints[_ESTOP] = estop_engaged
            ints[_VELOCITIES] = len(state.velocity)
            ints[_EFFORTS] = len(state.effort)
            ints[_VERSION] += 1
        finally:
            self._lock.release()
        return True

    def read(self) -> MotionSnapshot | None:
        """The newest outcome, or None before the loop's first write."""
        with self._lock:
            ints = self._ints[:]
            floats = self._floats[:]
        if ints[_VERSION] == 0:
            return None
        n = self.joints
        state = JointState(
            position=tuple(floats[0:n]),
            velocity=tuple(floats[n : 2 * n]) if ints[_VELOCITIES] else (),
            effort=tuple(floats[2 * n : 3 * n]) if ints[_EFFORTS] else (),
            stamp_ns=ints[_STAMP_NS],
        )
        return MotionSnapshot(
            version=ints[_VERSION],
            state=state,
            commanded=tuple(floats[3 * n : 4 * n]),
            applied=ints[_APPLIED],
            idle=bool(ints[_IDLE]),
            holding=bool(ints[_HOLDING]),
            estop_engaged=bool(ints[_ESTOP]),
        )

    def beat(self) -> None:
        """The loop ticked now (every tick, whether or not `write` got the lock)."""
        self._tick_ns[0] = time.monotonic_ns()

    @property
    def last_beat_ns(self) -> int:
        """`time.monotonic_ns()` of the loop's latest tick (0 before the first). One
        aligned 64-bit word, written and read whole without the lock."""
        return self._tick_ns[0]
