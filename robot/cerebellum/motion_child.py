"""The loop's own process: it opens the limb, runs `MotionCore` under `RealTimeLoop`,
takes the parent's commands and reports back. `robot.cerebellum.motion_process` starts
it (`serve` is its main) and is the stack's side of it.

What crosses, and how, so that the loop never waits on the parent:

- parent -> child, a pipe of commands: a motion request (numbered, `Target`), an
  `EStop`, the position of a person's hand near the arm (`Hand`), `Stop`. The loop
  drains it without blocking at the start of every tick (`Connection.poll`, ~3 us).
- child -> parent, the latest tick in `SharedMotionState` (written after every tick,
  skipped when the reader holds it; its heartbeat word written every tick regardless),
  and a second pipe for the rest: `Ready` after the first tick, safety events,
  `LoopStats` once a second, log records, `Finished` or `Failed`. The loop's thread
  writes it itself, non-blocking, never tearing a message (`ReportWriter`): the child
  runs no other thread, so nothing in it can hold the interpreter lock when the loop
  wakes. (A `multiprocessing.Queue` would add one, its feeder thread, which can be
  preempted while it holds the lock and so stall the loop: docs/realtime.md, "The loop
  in its own process".) The child's logging goes the same way: written to its stderr, a
  line could block the loop on a pipe nobody reads.

How it ends. Every stop is a controlled one (IEC 60204-1 category 2): `Stop`, or the
parent's end of the pipe closing (the parent died), engages the protective stop in
the loop, which holds at once and settles what the latest request names (a poured
vessel tipped back upright, at most `SETTLE_MAX_S`); then the loop ends and the child
closes the limb, which leaves the servos holding their last goal. A fault of the limb
(a lost bus, implausible readings: `LimbFault`) is said from the tick that finds it, as
a `SafetyEvent` naming the servo, port and cause, and ends the loop too; torque goes
off only when the fault says holding is itself unsafe (a servo reports overload).
"""

from __future__ import annotations

import logging
import os
import pickle
import statistics
import struct
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from core.errors import RobotError
from core.msgs import EStop, JointCommand, SafetyEvent
from core.processes import ignore_interrupts
from firmware_bridge.errors import BridgeError
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.loop import RealTimeLoop, rate_for_cycle_time
from robot.cerebellum.motion import MotionCore, MotionRequest
from robot.cerebellum.realtime import RealtimeRequest
from robot.cerebellum.safety import SafetyConfig
from robot.cerebellum.shared_state import SharedMotionState
from robot.cerebellum.stats import TickRecorder
from robot.limbs.base import Limb, LimbFault

CYCLE_SAMPLES = 20
"""Read+write cycles timed at start-up to choose the loop rate."""
MAX_RATE_HZ = 1000.0
SETTLE_MAX_S = 1.2
"""Longest a stop may spend settling before the loop ends (s): tipping a vessel back
from the deepest pour (120 degrees) at the supervisor's settle speed takes ~0.8 s.
A stop that holds at once ends within a tick."""
DEFAULT_REALTIME = RealtimeRequest()
"""The loop on SCHED_FIFO 50, memory locked, any CPU, where permitted: the measured
default (robot/cerebellum/README.md)."""


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
    pickle); rate_hz: the loop's rate (Hz), lowered to what the limb's measured
    cycle sustains; velocity_scale: fraction (0..1] of the joints' speed limits for planned
    motion; realtime: scheduling for the loop (None: the normal scheduler);
    keep_ticks: keep the timing of this many ticks and return it at the end
    (benchmarks; 0 keeps none).
    """

    model: ArmModel
    limb: Callable[[], Limb]
    rate_hz: float = MAX_RATE_HZ
    safety: SafetyConfig | None = None
    velocity_scale: float = 1.0
    realtime: RealtimeRequest | None = DEFAULT_REALTIME
    keep_ticks: int = 0


# -- what crosses ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A motion request, numbered: `MotionSnapshot.applied` says which the loop took up."""

    seq: int
    request: MotionRequest


@dataclass(frozen=True)
class Hand:
    """Where a person's hand reaches near the arm (m, world), or None."""

    position: tuple[float, float, float] | None


@dataclass(frozen=True)
class Stop:
    """End the loop with a controlled stop, the servos left holding."""

    reason: str = "the stack is stopping"


@dataclass(frozen=True)
class Ready:
    """The loop runs (sent from its first tick): its rate (Hz), the limb's measured
    cycle (s), whether it got real-time scheduling, and the limb's worst cycle (s)."""

    rate_hz: float
    cycle_s: float
    realtime: bool = False
    worst_cycle_s: float = 0.0
    """The longest a tick may wait on the limb without anything being wrong (s):
    its replies' timeouts (`Limb.worst_cycle_s`)."""


@dataclass(frozen=True)
class Finished:
    """The loop ended on request after `ticks` ticks and `overruns` skipped periods.
    history: the timing of the last `MotionSpec.keep_ticks` ticks (None: none kept)."""

    ticks: int
    overruns: int
    history: TickRecorder | None


@dataclass(frozen=True)
class Failed:
    """What went wrong in the child: `what` for the person (an error of ours or of
    the OS carries its advice: its message is enough), `traceback` for the log."""

    what: str
    traceback: str


def _failed(doing: str, err: BaseException) -> Failed:
    """A failure report: one line for an error of ours or the OS's (it carries its
    advice), the traceback for the log."""
    trace = traceback.format_exc()
    if isinstance(err, (RobotError, BridgeError, OSError)):
        return Failed(f"{doing}: {err}", trace)
    return Failed(f"{doing}: {type(err).__name__}: {err} (a bug: see the debug log)", trace)


# -- the child ------------------------------------------------------------------------


FRAME_HEADER = struct.Struct("!I")
"""A report on the pipe: its pickle's length (bytes), then the pickle."""

READ_CHUNK = 1 << 16
"""Bytes the parent reads from the report pipe at a time (a Linux pipe holds 64 kB)."""


class ReportWriter:
    """The child's end of the report pipe, written by the loop's thread without ever
    blocking. A report is pickled and framed, then written as far as the pipe takes
    it; what does not fit stays in `unsent`, written first by the next `flush` (every
    tick flushes when something waits). So a report is never sent twice nor torn
    (`Connection.send` on a non-blocking pipe can write part of a large one and raise:
    a Ctrl-C in the soak ended in "UnpicklingError: invalid load key"). When the parent
    is gone (a broken pipe), reports are dropped."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.unsent = bytearray()
        self.parent_gone = False
        os.set_blocking(conn.fileno(), False)

    @property
    def pending(self) -> bool:
        return bool(self.unsent)

    def put(self, report: object) -> None:
        if not self.parent_gone:
            frame = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
            self.unsent += FRAME_HEADER.pack(len(frame)) + frame
            self.flush()

    def flush(self) -> None:
        unsent = self.unsent
        while unsent and not self.parent_gone:
            try:
                written = os.write(self.conn.fileno(), unsent)
            except BlockingIOError:  # the parent has not read yet: next tick
                return
            except (BrokenPipeError, ConnectionResetError):
                self.parent_gone = True
                unsent.clear()
                return
            del unsent[:written]

    def put_last(self, report: object) -> None:
        """Send what waits, then `report`, waiting as long as it takes (the loop has
        ended; a kept tick history is larger than a pipe holds)."""
        os.set_blocking(self.conn.fileno(), True)
        self.put(report)


class ReportReader:
    """The parent's end of the report pipe, read without blocking: the bytes there are
    taken and whole reports returned; a report's tail still in the child (its loop
    writes on, next tick) waits in `partial`. A blocking read would wait for that tail
    forever if the child hung, and the parent could not notice the hang."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.partial = bytearray()
        self.closed = False
        os.set_blocking(conn.fileno(), False)

    def poll(self, timeout_s: float) -> bool:
        """Whether bytes (or the end) wait, waiting up to `timeout_s` (s); once closed,
        never, after the same wait (a caller paced by it must not spin)."""
        if self.closed:
            time.sleep(timeout_s)
            return False
        return self.conn.poll(timeout_s)

    def read(self) -> list[object]:
        """Every whole report that has arrived; `closed` once the child's end is."""
        while not self.closed:
            try:
                data = os.read(self.conn.fileno(), READ_CHUNK)
            except BlockingIOError:
                break
            self.partial += data
            self.closed = not data
        reports: list[object] = []
        buffer, start = self.partial, 0
        while len(buffer) - start >= FRAME_HEADER.size:
            (size,) = FRAME_HEADER.unpack_from(buffer, start)
            end = start + FRAME_HEADER.size + size
            if end > len(buffer):
                break
            reports.append(pickle.loads(buffer[start + FRAME_HEADER.size : end]))
            start = end
        del buffer[:start]
        return reports


class _Server:
    """The child's tick: take the parent's commands, tick the core, share the outcome."""

    def __init__(
        self,
        core: MotionCore,
        commands: Connection,
        reports: ReportWriter,
        shared: SharedMotionState,
    ) -> None:
        self.core = core
        self.commands = commands
        self.reports = reports
        self.shared = shared
        self.applied = 0
        self.stop = threading.Event()
        """Set when the loop may end: a stop was asked for and the arm is at rest."""
        self.stopping: Stop | None = None
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
                self.begin_stop(Stop("the stack's process is gone"))
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
        hold their last goal, unless the fault says holding is unsafe (then `serve`
        turns torque off)."""
        self.fault = fault
        hold = "the servos hold their last goal"
        then = "torque goes off: holding is unsafe" if fault.hold_unsafe else hold
        self.reports.put(
            SafetyEvent(kind="fault", severity="stop", joint=fault.joint, detail=f"{fault}; {then}")
        )
        self.stop.set()

    def begin_stop(self, stop: Stop) -> None:
        """Engage the protective stop; the loop ends once the arm is at rest."""
        if self.stopping is not None:
            return
        self.stopping = stop
        self._settle_deadline = time.monotonic() + SETTLE_MAX_S
        self.core.apply_estop(EStop(engaged=True, source="stop", reason=stop.reason))

    def apply(self, command: object) -> None:
        core = self.core
        if isinstance(command, Target):
            core.request(command.request)
            self.applied = command.seq
        elif isinstance(command, EStop):
            core.apply_estop(command)
        elif isinstance(command, Hand):
            core.supervisor.set_hand(command.position)
        elif isinstance(command, Stop):
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
class ChildLog:
    """A log record of the child, for the parent's logging (console, debug log)."""

    name: str
    level: int
    message: str


class _LogToParent(logging.Handler):
    """The child's logging goes up the report pipe, never blocking: written to the
    child's stderr, a line could block the loop's thread on a pipe nobody reads (a
    paused pager), and the parent's debug log would not have it."""

    def __init__(self, reports: ReportWriter) -> None:
        super().__init__()
        self.reports = reports

    def emit(self, record: logging.LogRecord) -> None:
        self.reports.put(ChildLog(record.name, record.levelno, self.format(record)))


def serve(
    spec: MotionSpec, commands: Connection, report_pipe: Connection, shared: SharedMotionState
) -> None:
    """The child's main: open the limb, run the loop until stopped, close the limb
    (torque as the stop or the fault left it: on, unless holding was unsafe)."""
    ignore_interrupts()
    reports = ReportWriter(report_pipe)
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


def _on_fault(limb: Limb, fault: LimbFault, reports: ReportWriter) -> None:
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
    reports: ReportWriter,
    shared: SharedMotionState,
) -> Finished:
    """Run the loop until stopped (or the parent is gone); what it did."""
    cycle_s = measure_cycle_s(limb)
    rate_hz = rate_for_cycle_time(cycle_s, spec.rate_hz)
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
        rate_hz,
        cycle_s,
        loop.scheduling is not None and loop.scheduling.realtime,
        limb.worst_cycle_s,
    )
    loop.run(server.stop)
    if server.fault is not None:
        raise server.fault
    return Finished(loop.ticks, loop.overruns, history)
