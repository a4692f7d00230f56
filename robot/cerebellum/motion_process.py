"""The real-time loop in its own process, seen from the stack: `MotionProcess`, a
`MotionPort` the skills use as they use `MotionCore` in simulated time.

Why a process: a loop thread shares the interpreter lock with every other Python
thread of its process (the skills' IK, the bus, a twin's physics), and waits for it
after each sleep. In its own process on SCHED_FIFO the loop met the jitter targets
where a thread did not (robot/cerebellum/README.md has the figures). The child is
started with "spawn": a fresh interpreter, its own garbage collector (the loop
disables it process-wide), and, under `mlockall`, only its own memory locked. What it
does, what crosses and how it ends: `robot.cerebellum.motion_child`.

Liveness: every tick stamps a heartbeat word beside the shared state (apart from its
lock); a parent that sees no beat for the stall limit (`stall_limit_s`) takes the loop
as hung, kills it
(the servos hold their last goal) and says so. A dead child is noticed at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from core.errors import RobotError
from core.msgs import EStop, JointState, LoopStats, SafetyEvent
from core.processes import reap, spawn_context
from robot.cerebellum.motion import MotionRequest
from robot.cerebellum.motion_child import (
    SETTLE_MAX_S,
    ChildLog,
    Failed,
    Finished,
    Hand,
    MotionSpec,
    Ready,
    ReportReader,
    Stop,
    Target,
    serve,
)
from robot.cerebellum.realtime import throttle_gap_s
from robot.cerebellum.shared_state import MotionSnapshot, SharedMotionState

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
"""Spawning an interpreter, importing numpy and ruckig, opening the limb: seconds on
a busy machine; past this the child is taken as hung."""
STOP_TIMEOUT_S = 0.5
"""How long `stop()` waits for the child beyond its settling (s), then each of
terminate and kill: the loop exits within a tick of being told; a child that does not
is stuck, and killing it leaves the servos holding their last goal."""
LOOP_STALL_S = 0.05
"""No tick for this long (s) means a loop on SCHED_FIFO hangs: 50 ticks at 1 kHz, 10 on
a 200 Hz serial bus, ten times the longest overrun measured here (docs/realtime.md)."""
LOOP_STALL_NORMAL_S = 0.5
"""The same for a loop the OS kept on the normal scheduler (real time refused, warned
about): there the machine's other work can hold a tick back for tens of ms."""
STALL_GRACE_S = 0.02
"""A loop that stopped ticking because it failed reports why within this long (s)."""


def stall_limit_s(realtime: bool, worst_cycle_s: float = 0.0) -> float:
    """No tick for this long (s) is a hang. On SCHED_FIFO, `LOOP_STALL_S` plus what the
    kernel's real-time throttling may take away (50 ms of each second by default): on
    two CPUs the loop, the emulator's bus and the planner can use up the real-time share
    and the loop then waits just over 50 ms (false hangs of 54-83 ms, docs/realtime.md;
    one of them failed CI). And never less than `LOOP_STALL_S` past the limb's worst
    cycle (`worst_cycle_s`): a tick whose replies all time out is slow, not hung (the
    twin's bus, with its 50 ms host margin, takes 100 ms then; the limb raises when the
    silence lasts). Either way the servos hold their last goal meanwhile."""
    base = LOOP_STALL_S + throttle_gap_s() if realtime else LOOP_STALL_NORMAL_S
    return max(base, LOOP_STALL_S + worst_cycle_s)


class MotionProcessError(RobotError):
    """The loop's child process failed: the limb did not open, a tick raised, or the
    child died. The message carries the child's traceback when there is one."""


# -- the parent -----------------------------------------------------------------------


class MotionProcess:
    """The loop of `spec` in a child process, seen as a `MotionPort`.

    on_event / on_stats: receive the child's `SafetyEvent`s and `LoopStats` from
    `pump()`, in the thread that calls it. `start()` returns once the loop runs;
    `stop()` ends it and reaps the child. Requests and E-stops may come from any
    thread.
    """

    def __init__(
        self,
        spec: MotionSpec,
        *,
        on_event: Callable[[SafetyEvent], None] = lambda _: None,
        on_stats: Callable[[LoopStats], None] = lambda _: None,
        stall_s: float | None = None,
    ) -> None:
        self.on_event = on_event
        self.on_stats = on_stats
        ctx = spawn_context()
        self.shared = SharedMotionState(len(spec.model.limits.lower), ctx)
        child_commands, self._commands = ctx.Pipe(duplex=False)
        reports, child_reports = ctx.Pipe(duplex=False)
        self._reports = ReportReader(reports)
        # daemon: should the owner never stop() it, the child ends when the parent does.
        self._process = ctx.Process(
            target=serve,
            args=(spec, child_commands, child_reports, self.shared),
            name="cerebellum-loop",
            daemon=True,
        )
        self._child_ends = (child_commands, child_reports)
        self._send_lock = threading.Lock()
        self._sent = 0
        self._stopping = False
        self._pid: int | None = None
        self.rate_hz = 0.0
        self.cycle_s = 0.0
        self.stall_s = stall_s
        """No tick for this long (s) is a hang; None until the loop runs, then by its
        scheduling (`stall_limit_s`)."""
        self.finished: Finished | None = None
        self.failure: str | None = None
        """Why the child failed or died, once it has (set by `pump`, `start`, `stop`)."""

    @property
    def pid(self) -> int | None:
        """The child's process id (None before `start`)."""
        return self._pid

    # -- life cycle -----------------------------------------------------------------

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the child and wait until its loop runs; raise `MotionProcessError` if
        it fails (with the child's error: a limb's names its port or servo) or does not
        get there in `timeout_s`."""
        self._process.start()
        self._pid = self._process.pid  # kept: the process object is closed once reaped
        # Our copies of the child's ends must go: a dead child then reads as EOF.
        for end in self._child_ends:
            end.close()
        deadline = time.monotonic() + timeout_s
        while self.rate_hz == 0.0:
            remaining = deadline - time.monotonic()
            if self.failure is None and remaining <= 0:
                self.failure = f"did not start its loop within {timeout_s:.0f} s"
            if self.failure is not None:
                self.stop()
                raise MotionProcessError(f"the cerebellum's loop process {self.failure}")
            self.pump(timeout_s=min(remaining, 0.1))

    def pump(self, timeout_s: float = 0.0) -> None:
        """Hand what the child reported to `on_event` / `on_stats`, waiting up to
        `timeout_s` for the first report; notes a failure, a death or a hang (no tick
        for `stall_s`: the child is then killed) in `failure`."""
        self._drain(timeout_s)
        if self.failure is not None or self._stopping:
            return
        process = self._process
        if not process.is_alive():
            self.failure = (
                f"(pid {process.pid}) died with exit code {process.exitcode}; "
                "the servos hold their last goal"
            )
        elif self.stall_s is not None and (stall_s := self.since_last_tick_s()) > self.stall_s:
            self._drain(STALL_GRACE_S)  # a loop that failed says why; a hung one cannot
            if self.failure is None:
                process.kill()
                self.failure = (
                    f"(pid {process.pid}) stopped ticking ({stall_s * 1e3:.0f} ms without a "
                    "tick): killed it; the servos hold their last goal"
                )

    def _drain(self, timeout_s: float) -> None:
        """Take every report waiting, waiting up to `timeout_s` for the first; after
        the child closed its end (it is exiting), nothing: `pump` notices."""
        try:
            if self._reports.poll(timeout_s):
                for report in self._reports.read():
                    self._take(report)
        except OSError:
            pass  # the pipe is gone: the child is gone; `pump` notices

    def since_last_tick_s(self) -> float:
        """Seconds since the loop last ticked (0 before its first tick)."""
        beat = self.shared.last_beat_ns
        return (time.monotonic_ns() - beat) / 1e9 if beat else 0.0

    def _take(self, report: object) -> None:
        if isinstance(report, LoopStats):
            self.on_stats(report)
        elif isinstance(report, SafetyEvent):
            self.on_event(report)
        elif isinstance(report, Ready):
            self.rate_hz, self.cycle_s = report.rate_hz, report.cycle_s
            if self.stall_s is None:
                self.stall_s = stall_limit_s(report.realtime, report.worst_cycle_s)
        elif isinstance(report, Finished):
            self.finished = report
        elif isinstance(report, Failed):
            log.debug("the cerebellum's loop process failed:\n%s", report.traceback)
            self.failure = self.failure or f"failed: {report.what}"
        elif isinstance(report, ChildLog):
            logging.getLogger(report.name).log(report.level, "%s", report.message)

    def stop(self, reason: str = "the stack is stopping") -> None:
        """End the loop with a controlled stop (hold; settle what the latest request
        names) that leaves the servos holding their last goal, collect what it
        reported, and reap the child; safe twice. Takes at most SETTLE_MAX_S +
        STOP_TIMEOUT_S, then terminates and kills a stuck child."""
        if self._stopping:
            return
        self._stopping = True
        process = self._process
        if process.is_alive():
            with contextlib.suppress(MotionProcessError):
                self._send(Stop(reason))
        # Drain while it exits: the child waits until its last report is read (a
        # kept tick history is a few hundred kB, more than a pipe holds). A loop that
        # stops ticking before it has finished is hung: it is killed, not waited for.
        deadline = time.monotonic() + SETTLE_MAX_S + STOP_TIMEOUT_S
        stall_s = self.stall_s or LOOP_STALL_NORMAL_S
        while process.is_alive() and time.monotonic() < deadline:
            self.pump(timeout_s=0.01)
            if self.finished is None and self.since_last_tick_s() > stall_s:
                process.kill()
        self.pump()
        if process.pid is not None:
            reap(process, STOP_TIMEOUT_S)
        self._commands.close()
        self._reports.conn.close()

    # -- MotionPort -------------------------------------------------------------------

    def _send(self, command: object) -> None:
        with self._send_lock:
            self._send_locked(command)

    def _send_locked(self, command: object) -> None:
        try:
            self._commands.send(command)
        except OSError as err:  # BrokenPipeError: the child is gone; closed: stopped
            raise MotionProcessError(
                f"the cerebellum's loop process (pid {self._pid}) is gone; cannot send {command!r}"
            ) from err

    def request(self, request: MotionRequest) -> None:
        with self._send_lock:
            self._sent += 1
            self._send_locked(Target(self._sent, request))

    def estop(self, msg: EStop) -> None:
        """Engage or reset the E-stop (the child applies it at its next tick)."""
        self._send(msg)

    def set_hand(self, position: tuple[float, float, float] | None) -> None:
        """The reaching hand of a person near the arm (m, world), or None."""
        self._send(Hand(position))

    def snapshot(self) -> MotionSnapshot | None:
        return self.shared.read()

    @property
    def idle(self) -> bool:
        snapshot = self.shared.read()
        return snapshot is not None and snapshot.idle and snapshot.applied == self._sent

    @property
    def latest_state(self) -> JointState | None:
        snapshot = self.shared.read()
        return snapshot.state if snapshot is not None else None

    @property
    def commanded(self) -> tuple[float, ...]:
        snapshot = self.shared.read()
        return snapshot.commanded if snapshot is not None else ()

    @property
    def holding(self) -> bool:
        snapshot = self.shared.read()
        return snapshot is not None and snapshot.holding

    @property
    def estop_engaged(self) -> bool:
        snapshot = self.shared.read()
        return snapshot is not None and snapshot.estop_engaged
