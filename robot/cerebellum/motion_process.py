"""The real-time loop in its own process: limb, `MotionCore` and `RealTimeLoop` in a
child; the skills see them through `MotionProcess`, a `MotionPort`.

Why a process: a loop thread shares the interpreter lock with every other Python
thread of its process (the skills' IK, the bus, a twin's physics), and waits for it
after each sleep. In its own process on SCHED_FIFO the loop met the jitter targets
where a thread did not (robot/cerebellum/README.md has the figures). The child is
started with "spawn": a fresh interpreter, its own garbage collector (the loop
disables it process-wide), and, under `mlockall`, only its own memory locked.

What crosses, and how, so that the loop never waits on the parent:

- parent -> child, a pipe of commands: a motion request (numbered), an `EStop`, the
  position of a person's hand near the arm, stop. The loop drains it without
  blocking at the start of every tick (`Connection.poll`, ~3 us).
- child -> parent, the latest tick in `SharedMotionState` (written after every tick,
  skipped when the reader holds it), and a second pipe for the rest: readiness,
  safety events, `LoopStats` once a second, the end or a failure. The loop's thread
  writes it itself, non-blocking (`_Reports`): the child runs no other thread, so
  nothing in it can hold the interpreter lock when the loop wakes. (A
  `multiprocessing.Queue` would add one, its feeder thread, which can be preempted
  while it holds the lock: with a queue, one benchmark run had a 33 ms stall; none
  over 4.3 ms in four runs since.)

How it ends. Every stop is a controlled one (IEC 60204-1 category 2): a stop command,
or the parent's end of the pipe closing (the parent died), engages the protective
stop in the loop, which holds at once and settles what the latest request names (a
poured vessel tipped back upright, at most `SETTLE_MAX_S`); then the loop ends and
the child closes the limb, which leaves the servos holding their last goal. A fault
of the limb (a lost bus, implausible readings: `LimbFault`) ends the loop too, with a
`SafetyEvent` naming the servo, port and cause; torque goes off only when the fault
says holding is itself unsafe (a servo reports overload).

Liveness: every tick stamps the shared state's heartbeat (`SharedMotionState.beat`,
a word apart from its lock); a parent that sees no beat for `LOOP_STALL_S` takes the
loop as hung, kills it (the servos hold their last goal) and says so.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import statistics
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from firmware_bridge.errors import BridgeError
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.loop import RealTimeLoop, rate_for_cycle_time
from robot.cerebellum.motion import MotionCore, MotionRequest
from robot.cerebellum.realtime import RealtimeRequest
from robot.cerebellum.safety import SafetyConfig
from robot.cerebellum.shared_state import MotionSnapshot, SharedMotionState
from robot.cerebellum.stats import TickRecorder
from robot.errors import RobotError
from robot.limbs.base import Limb, LimbFault
from robot.msgs import EStop, JointCommand, JointState, LoopStats, SafetyEvent
from robot.processes import ignore_interrupts, reap, spawn_context

log = logging.getLogger(__name__)

CYCLE_SAMPLES = 20
"""Read+write cycles timed at start-up to choose the loop rate."""
MAX_RATE_HZ = 1000.0
START_TIMEOUT_S = 60.0
"""Spawning an interpreter, importing numpy and ruckig, opening the limb: seconds on
a busy machine; past this the child is taken as hung."""
SETTLE_MAX_S = 1.2
"""Longest a stop may spend settling before the loop ends (s): tipping a vessel back
from the deepest pour (120 degrees) at the supervisor's settle speed takes ~0.8 s.
A stop that holds at once ends within a tick."""
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
DEFAULT_REALTIME = RealtimeRequest()
"""The loop on SCHED_FIFO 50, memory locked, any CPU, where permitted: the measured
default (robot/cerebellum/README.md)."""


class MotionProcessError(RobotError):
    """The loop's child process failed: the limb did not open, a tick raised, or the
    child died. The message carries the child's traceback when there is one."""


def measure_cycle_s(limb: Limb, samples: int = CYCLE_SAMPLES) -> float:
    """Median time (s) of one limb read plus a write of the position just read."""
    durations = []
    for _ in range(samples):
        start = time.perf_counter()
        state = limb.read()
        limb.write(JointCommand(position=state.position))
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


@dataclass(frozen=True)
class MotionSpec:
    """Everything the child needs to build the loop; it crosses to the child pickled.

    limb: opens the limb in the child (a class or a `functools.partial`: it must
    pickle); rate_hz: loop rate (None: from the limb's measured cycle, at most
    1 kHz); velocity_scale: fraction (0..1] of the joints' speed limits for planned
    motion; realtime: scheduling for the loop (None: the normal scheduler);
    keep_ticks: keep the timing of this many ticks and return it at the end
    (benchmarks; 0 keeps none).
    """

    model: ArmModel
    limb: Callable[[], Limb]
    rate_hz: float | None = None
    safety: SafetyConfig | None = None
    velocity_scale: float = 1.0
    realtime: RealtimeRequest | None = DEFAULT_REALTIME
    keep_ticks: int = 0


# -- what crosses ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    seq: int
    request: MotionRequest


@dataclass(frozen=True)
class _Hand:
    position: tuple[float, float, float] | None


@dataclass(frozen=True)
class _Stop:
    """End the loop with a controlled stop, the servos left holding."""

    reason: str = "the stack is stopping"


@dataclass(frozen=True)
class Ready:
    """The loop runs (sent from its first tick): its rate (Hz), the limb's measured
    cycle (s), and whether it got real-time scheduling."""

    rate_hz: float
    cycle_s: float
    realtime: bool = False


@dataclass(frozen=True)
class Finished:
    """The loop ended on request after `ticks` ticks and `overruns` skipped periods.
    history: the timing of the last `MotionSpec.keep_ticks` ticks (None: none kept)."""

    ticks: int
    overruns: int
    history: TickRecorder | None


@dataclass(frozen=True)
class _Failed:
    """What went wrong in the child: `what` for the person (an error of ours or of
    the OS carries its advice: its message is enough), `traceback` for the log."""

    what: str
    traceback: str


def _failed(doing: str, err: BaseException) -> _Failed:
    """A failure report: one line for an error of ours or the OS's (it carries its
    advice), the traceback for the log."""
    trace = traceback.format_exc()
    if isinstance(err, (RobotError, BridgeError, OSError)):
        return _Failed(f"{doing}: {err}", trace)
    return _Failed(f"{doing}: {type(err).__name__}: {err} (a bug: see the debug log)", trace)


# -- the child ------------------------------------------------------------------------


class _Reports:
    """The child's end of the report pipe, written by the loop's thread without ever
    blocking: what does not fit waits in `pending` for the next `flush` (every tick
    flushes when something waits). A message the loop sends pickles to well under
    PIPE_BUF (4 kB), so a non-blocking write of it is whole or refused, never torn.
    When the parent is gone (a broken pipe), reports are dropped."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: collections.deque[object] = collections.deque()
        self.parent_gone = False
        os.set_blocking(conn.fileno(), False)

    def put(self, report: object) -> None:
        self.pending.append(report)
        self.flush()

    def flush(self) -> None:
        pending = self.pending
        while pending and not self.parent_gone:
            try:
                self.conn.send(pending[0])
            except BlockingIOError:  # the parent has not read yet: next tick
                return
            except (BrokenPipeError, ConnectionResetError):
                self.parent_gone = True
                pending.clear()
                return
            pending.popleft()

    def put_last(self, report: object) -> None:
        """Send what waits, then `report`, waiting as long as it takes (the loop has
        ended; a kept tick history is larger than a pipe holds)."""
        os.set_blocking(self.conn.fileno(), True)
        self.pending.append(report)
        self.flush()


class _Server:
    """The child's tick: take the parent's commands, tick the core, share the outcome."""

    def __init__(
        self, core: MotionCore, commands: Connection, reports: _Reports, shared: SharedMotionState
    ) -> None:
        self.core = core
        self.commands = commands
        self.reports = reports
        self.shared = shared
        self.applied = 0
        self.stop = threading.Event()
        """Set when the loop may end: a stop was asked for and the arm is at rest."""
        self.stopping: _Stop | None = None
        self._settle_deadline = 0.0
        self._parent_gone = False
        self.fault: LimbFault | None = None
        """What ended the loop, when the limb failed."""
        self.ready: Callable[[], Ready] | None = None
        """Makes the `Ready` the first tick sends once done: the loop then runs."""

    def tick(self) -> None:
        commands = self.commands
        while not self._parent_gone and commands.poll():
            try:
                self.apply(commands.recv())
            except EOFError:  # the parent is gone: nobody is left to command the arm
                self._parent_gone = True
                self.begin_stop(_Stop("the stack's process is gone"))
        try:
            self.core.tick()
        except LimbFault as fault:
            self.on_fault(fault)
            return
        self.share()
        if self.ready is not None:  # the first tick is done (it warms caches up: slow)
            self.reports.put(self.ready())
            self.ready = None
        if self.reports.pending:
            self.reports.flush()
        if self.stopping is not None and (
            self.core.at_rest or time.monotonic() > self._settle_deadline
        ):
            self.stop.set()

    def on_fault(self, fault: LimbFault) -> None:
        """The limb failed: say so now, from this tick (a `SafetyEvent` naming servo,
        port and cause), and end the loop; nothing more is commanded, so the servos
        hold their last goal, unless the fault says holding is unsafe (then `_serve`
        turns torque off)."""
        self.fault = fault
        hold = "the servos hold their last goal"
        then = "torque goes off: holding is unsafe" if fault.hold_unsafe else hold
        self.reports.put(
            SafetyEvent(kind="fault", severity="stop", joint=fault.joint, detail=f"{fault}; {then}")
        )
        self.stop.set()

    def begin_stop(self, stop: _Stop) -> None:
        """Engage the protective stop; the loop ends once the arm is at rest."""
        if self.stopping is not None:
            return
        self.stopping = stop
        self._settle_deadline = time.monotonic() + SETTLE_MAX_S
        self.core.apply_estop(EStop(engaged=True, source="stop", reason=stop.reason))

    def apply(self, command: object) -> None:
        core = self.core
        if isinstance(command, _Target):
            core.request(command.request)
            self.applied = command.seq
        elif isinstance(command, EStop):
            core.apply_estop(command)
        elif isinstance(command, _Hand):
            core.supervisor.set_hand(command.position)
        elif isinstance(command, _Stop):
            self.begin_stop(command)
        else:
            raise TypeError(f"the loop's process got an unknown command {command!r}")

    def share(self) -> None:
        core = self.core
        assert core.latest_state is not None  # read by core.start()
        self.shared.beat()
        self.shared.write(
            core.latest_state,
            core.commanded,
            applied=self.applied,
            idle=core.idle,
            holding=core.holding,
            estop_engaged=core.estop_engaged,
        )


@dataclass(frozen=True)
class _Log:
    """A log record of the child, for the parent's logging (console, debug log)."""

    name: str
    level: int
    message: str


class _LogToParent(logging.Handler):
    """The child's logging goes up the report pipe, never blocking: written to the
    child's stderr, a line could block the loop's thread on a pipe nobody reads (a
    paused pager), and the parent's debug log would not have it."""

    def __init__(self, reports: _Reports) -> None:
        super().__init__()
        self.reports = reports

    def emit(self, record: logging.LogRecord) -> None:
        self.reports.put(_Log(record.name, record.levelno, self.format(record)))


def _serve(
    spec: MotionSpec, commands: Connection, report_pipe: Connection, shared: SharedMotionState
) -> None:
    """The child's main: open the limb, run the loop until stopped, close the limb
    (torque as the stop or the fault left it: on, unless holding was unsafe)."""
    ignore_interrupts()
    reports = _Reports(report_pipe)
    root = logging.getLogger()
    root.addHandler(_LogToParent(reports))
    root.setLevel(logging.INFO)
    try:
        limb = spec.limb()
    except BaseException as err:
        reports.put_last(_failed("could not open the limb", err))
        return
    try:
        reports.put_last(_run(spec, limb, commands, reports, shared))
    except LimbFault as fault:
        _on_fault(limb, fault, reports)
    except BaseException as err:
        reports.put_last(_failed("the loop stopped", err))
    finally:
        try:
            limb.close()
        except BaseException as err:
            reports.put_last(_failed("closing the limb failed", err))


def _on_fault(limb: Limb, fault: LimbFault, reports: _Reports) -> None:
    """The limb failed (the tick said so already): turn torque off when holding is
    itself unsafe, and report the failure."""
    if fault.hold_unsafe:
        try:
            limb.disable()
        except BaseException as err:  # the bus may be gone too: say what happened
            reports.put_last(_failed(f"the arm stopped ({fault}); turning torque off failed", err))
            return
    reports.put_last(_failed("the arm stopped", fault))


def _run(
    spec: MotionSpec,
    limb: Limb,
    commands: Connection,
    reports: _Reports,
    shared: SharedMotionState,
) -> Finished:
    """Run the loop until stopped (or the parent is gone); what it did."""
    cycle_s = measure_cycle_s(limb)
    rate_hz = spec.rate_hz or rate_for_cycle_time(cycle_s, MAX_RATE_HZ)
    dt = 1.0 / rate_hz
    core = MotionCore.for_arm(
        spec.model, limb, dt, spec.safety, spec.velocity_scale, on_event=reports.put
    )
    limb.enable()
    core.start()
    server = _Server(core, commands, reports, shared)
    server.share()
    history = TickRecorder(spec.keep_ticks) if spec.keep_ticks else None
    loop = RealTimeLoop(
        server.tick,
        dt,
        on_stats=reports.put,
        history=history,
        realtime=spec.realtime,
    )
    server.ready = lambda: Ready(
        rate_hz, cycle_s, loop.scheduling is not None and loop.scheduling.realtime
    )
    loop.run(server.stop)
    if server.fault is not None:
        raise server.fault
    return Finished(loop.ticks, loop.overruns, history)


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
        self._reports, child_reports = ctx.Pipe(duplex=False)
        # daemon: should the owner never stop() it, the child ends when the parent does.
        self._process = ctx.Process(
            target=_serve,
            args=(spec, child_commands, child_reports, self.shared),
            name="cerebellum-loop",
            daemon=True,
        )
        self._child_ends = (child_commands, child_reports)
        self._send_lock = threading.Lock()
        self._sent = 0
        self._stopping = False
        self.rate_hz = 0.0
        self.cycle_s = 0.0
        self.stall_s = stall_s
        """No tick for this long (s) is a hang; None until the loop runs, then by its
        scheduling (`LOOP_STALL_S` on SCHED_FIFO, else `LOOP_STALL_NORMAL_S`)."""
        self.finished: Finished | None = None
        self.failure: str | None = None
        """Why the child failed or died, once it has (set by `pump`, `start`, `stop`)."""

    @property
    def pid(self) -> int | None:
        """The child's process id (None before `start`)."""
        return self._process.pid

    # -- life cycle -----------------------------------------------------------------

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the child and wait until its loop runs; raise `MotionProcessError` if
        it fails (with the child's error: a limb's names its port or servo) or does not
        get there in `timeout_s`."""
        self._process.start()
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
        for `LOOP_STALL_S`: the child is then killed) in `failure`."""
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
        """Take every report waiting, waiting up to `timeout_s` for the first."""
        reports = self._reports
        try:
            if reports.poll(timeout_s):
                while True:
                    self._take(reports.recv())
                    if not reports.poll():
                        break
        except (EOFError, OSError):
            pass  # the child closed its end: it is exiting; `pump` notices

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
                self.stall_s = LOOP_STALL_S if report.realtime else LOOP_STALL_NORMAL_S
        elif isinstance(report, Finished):
            self.finished = report
        elif isinstance(report, _Failed):
            log.debug("the cerebellum's loop process failed:\n%s", report.traceback)
            self.failure = self.failure or f"failed: {report.what}"
        elif isinstance(report, _Log):
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
                self._send(_Stop(reason))
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
        self._reports.close()

    # -- MotionPort -------------------------------------------------------------------

    def _send(self, command: object) -> None:
        with self._send_lock:
            self._send_locked(command)

    def _send_locked(self, command: object) -> None:
        try:
            self._commands.send(command)
        except OSError as err:  # BrokenPipeError: the child is gone
            raise MotionProcessError(
                f"the cerebellum's loop process (pid {self._process.pid}) is gone "
                f"(exit code {self._process.exitcode}); cannot send {command!r}"
            ) from err

    def request(self, request: MotionRequest) -> None:
        with self._send_lock:
            self._sent += 1
            self._send_locked(_Target(self._sent, request))

    def estop(self, msg: EStop) -> None:
        """Engage or reset the E-stop (the child applies it at its next tick)."""
        self._send(msg)

    def set_hand(self, position: tuple[float, float, float] | None) -> None:
        """The reaching hand of a person near the arm (m, world), or None."""
        self._send(_Hand(position))

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
