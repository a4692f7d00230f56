"""The planner in a child process: decoding never holds the stack's interpreter lock.

`PlannerProcess` is a drop-in for `robot.brain.planner.Planner` where `BrainNode` and
`robot.brain.replan.next_plan` use one (`plan(...) -> PlanResult`, `load_ms`), plus
`close()`. It starts a child with the multiprocessing "spawn" start method (a fresh
interpreter: forking a process that already runs threads copies locks that may be
held), loads the `Planner` there and answers each `plan` call over a `Pipe`. The
caller waits in the pipe's `recv`, a system call that releases the interpreter lock,
so the stack's other threads (the cerebellum's skills and the relay that forwards
E-stops to the loop's process) keep running while the child decodes
(docs/realtime.md has the measurements from when the loop was such a thread).

Arguments and results cross the pipe pickled: `SceneSpec`, `WorldModel` and
`PlanResult` (its `Plan`, `Decoded` and `GrammarState`) are plain dataclasses and
msgspec structs; each plan costs two small pickles (~1 kB) besides the decoding.

When the child fails, the stack goes on: the planner keeps no state between plans.

- A plan that does not come back within `plan_budget_s` is refused ("I couldn't
  finish planning that in time"); the child is killed and a fresh one started for the
  next request. A child that dies while planning (onnxruntime crashing on an input)
  refuses that request the same way.
- Idle, the child beats every `BEAT_PERIOD_S`; `check()` restarts one that died or
  stopped beating for `BEAT_TIMEOUT_S`, so a hung planner is found before a person
  asks it something.
- The child exits when its parent is gone (its beat finds the pipe closed, or its
  parent process changed), so a killed stack leaves no planner behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from core.errors import RobotError
from core.processes import ignore_interrupts, reap, spawn_context
from core.scenes import SceneSpec
from robot.brain import PLAN_BUDGET_S
from robot.brain.model import DEFAULT_THREADS
from robot.brain.planner import DEFAULT_MODEL_DIR, PlanResult, refusal
from robot.brain.world import WorldModel

log = logging.getLogger(__name__)

__all__ = ["PlannerProcess", "PlannerProcessError"]

START_TIMEOUT_S = 120.0
"""Spawning an interpreter, importing onnxruntime and loading the model: seconds on a
busy machine; past this the child is taken as hung."""
BEAT_PERIOD_S = 0.2
"""How often an idle child says it is alive (s)."""
BEAT_TIMEOUT_S = 1.0
"""An idle child silent for this long (s) is taken as hung and restarted."""
CLOSE_TIMEOUT_S = 0.15
"""How long `close()` waits at each step (the plan in hand, exit on request, exit on
SIGTERM) before the next, harder one: the planner keeps nothing worth waiting for,
and Ctrl-C must end the stack within a second, a hung planner included."""

_READY = "ready"
_RESULT = "result"
_ERROR = "error"
_STOP = "stop"
_PLAN = "plan"
_BEAT = "beat"


class _Silent(Exception):
    """The child did not answer in time."""


class _Died(Exception):
    """The child is gone."""


class PlannerProcessError(RobotError):
    """The planner's child process failed: it could not load, a plan raised in it, or
    it died. `remote_type` names the exception raised in the child ("" when the child
    died or did not answer)."""

    def __init__(self, message: str, remote_type: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type


@dataclass(frozen=True)
class _RemoteError:
    """An exception raised in the child, as text (the exception itself may not pickle)."""

    type_name: str
    message: str
    traceback: str


def _remote_error(err: BaseException) -> _RemoteError:
    return _RemoteError(type(err).__name__, str(err), traceback.format_exc())


def _serve(conn: Connection, model_dir: str, threads: int, options: dict[str, bool]) -> None:
    """The child's main: load the planner, then answer plan requests and beat while
    idle, until told to stop or the parent is gone."""
    ignore_interrupts()
    parent = os.getppid()
    from robot.brain.planner import Planner

    try:
        planner = Planner(model_dir, threads=threads, **options)
    except Exception as err:  # reported to the parent, which raises it
        conn.send((_ERROR, _remote_error(err)))
        conn.close()
        return
    try:
        conn.send((_READY, planner.load_ms))
        while os.getppid() == parent:
            if not conn.poll(BEAT_PERIOD_S):
                conn.send((_BEAT,))
                continue
            request = conn.recv()
            if request[0] == _STOP:
                break
            _, args, kwargs = request
            try:
                reply: tuple[str, Any] = (_RESULT, planner.plan(*args, **kwargs))
            except Exception as err:  # the parent raises it; the child keeps serving
                reply = (_ERROR, _remote_error(err))
            conn.send(reply)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the parent went away without close(): nothing left to serve
    finally:
        conn.close()


class PlannerProcess:
    """A `Planner` loaded and run in a child process (see the module docstring).

    model_dir, threads, use_screen, constrained: as `Planner` (threads: onnxruntime
    intra-op threads in the child). plan_budget_s: longest a plan may take before it
    is refused. The constructor returns once the model is loaded; a model that does
    not load raises `PlannerProcessError` naming `model_dir`. One plan runs at a time;
    calls from several threads wait their turn.
    """

    def __init__(
        self,
        model_dir: Path | str = DEFAULT_MODEL_DIR,
        threads: int = DEFAULT_THREADS,
        use_screen: bool = True,
        constrained: bool = True,
        start_timeout_s: float = START_TIMEOUT_S,
        plan_budget_s: float = PLAN_BUDGET_S,
    ) -> None:
        self.model_dir = str(model_dir)
        self.plan_budget_s = plan_budget_s
        self.restarts = 0
        """Children started after the first (a hang, a crash, a death)."""
        self._threads = threads
        self._options = {"use_screen": use_screen, "constrained": constrained}
        self._start_timeout_s = start_timeout_s
        self._lock = threading.Lock()
        self._closed = False
        self._ended = True
        """The current child has been ended (a restart starts the next)."""
        self._start()

    def _start(self) -> None:
        """Start a child and wait until its planner has loaded."""
        ctx = spawn_context()
        self._conn, child_conn = ctx.Pipe()
        # daemon: should the caller never close(), the child is ended when it exits.
        self._process = ctx.Process(
            target=_serve,
            args=(child_conn, self.model_dir, self._threads, self._options),
            name="planner",
            daemon=True,
        )
        self._process.start()
        self._ended = False
        assert self._process.pid is not None  # set by start()
        self._pid: int = self._process.pid
        # Our copy of the child's end must go, or a dead child would never read as EOF.
        child_conn.close()
        try:
            self._load_ms = self._await_ready(self._start_timeout_s)
        except BaseException:
            self._end_child()
            raise
        self._last_beat = time.monotonic()
        log.info(
            "planner process pid %d loaded %s in %.0f ms", self.pid, self.model_dir, self._load_ms
        )

    def _restart(self, why: str) -> None:
        """End the child (it is dead or hung) and start a fresh one."""
        log.warning("the planner process (pid %d) %s: starting a new one", self.pid, why)
        if not self._ended:
            self._end_child()
        self.restarts += 1
        self._start()

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._pid

    @property
    def load_ms(self) -> float:
        """How long the child took to load the model (ms), as `Planner.load_ms`."""
        return self._load_ms

    @property
    def alive(self) -> bool:
        return not self._closed and not self._ended and self._process.is_alive()

    def _await_ready(self, timeout_s: float) -> float:
        doing = f"loading the planner from {self.model_dir}"
        try:
            kind, payload = self._receive(timeout_s)
        except _Silent:
            raise PlannerProcessError(
                f"the planner process (pid {self.pid}) did not answer within "
                f"{timeout_s:.0f} s while {doing}"
            ) from None
        except _Died:
            raise PlannerProcessError(
                f"the planner process (pid {self.pid}) died while {doing} (exit code "
                f"{self._process.exitcode}); check the log for what killed it (memory, a signal)"
            ) from None
        if kind == _ERROR:
            raise PlannerProcessError(
                f"the planner process could not load {self.model_dir}: "
                f"{payload.type_name}: {payload.message}",
                payload.type_name,
            )
        return float(payload)

    def _receive(self, timeout_s: float | None) -> tuple[str, Any]:
        """The child's next message that is not a beat; raises `_Silent` after
        `timeout_s`, `_Died` when the child is gone. Waiting here (select + read)
        releases the interpreter lock."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = wait([self._conn, self._process.sentinel], left)
            if self._conn in ready:
                try:
                    message = self._conn.recv()
                except (EOFError, ConnectionResetError, OSError):
                    raise _Died from None  # the child closed its end: it is exiting
                if message[0] == _BEAT:
                    self._last_beat = time.monotonic()
                    continue
                return message
            if ready:
                raise _Died
            raise _Silent

    def check(self) -> str | None:
        """Between plans: restart a child that died or stopped beating; what was done,
        or None when it is well (or busy planning: the budget watches that)."""
        if self._closed or not self._lock.acquire(blocking=False):
            return None
        try:
            with contextlib.suppress(_Silent, _Died):
                while self._conn.poll():
                    self._receive(0.0)  # only beats arrive between plans
            if self._ended:
                why = "was ended after a failed plan"
            elif not self._process.is_alive():
                why = f"died (exit code {self._process.exitcode})"
            elif time.monotonic() - self._last_beat > BEAT_TIMEOUT_S:
                why = f"stopped beating (silent for {time.monotonic() - self._last_beat:.1f} s)"
            else:
                return None
            self._restart(why)
            return f"the planner process {why}: restarted it"
        finally:
            self._lock.release()

    def plan(
        self,
        spec: SceneSpec,
        instruction: str,
        world: WorldModel | None = None,
        attempt: int = 0,
        language: str = "",
        use_cache: bool = True,
    ) -> PlanResult:
        """`Planner.plan` in the child (same arguments and result). A plan the child
        does not finish within `plan_budget_s`, or dies making, is refused."""
        args = (spec, instruction, world, attempt, language)
        doing = f"planning {instruction!r} in scene {getattr(spec, 'name', spec)!r}"
        with self._lock:
            if self._closed:
                raise PlannerProcessError(f"the planner process is closed; cannot go on {doing}")
            # Twice when the child dies: it may have died before this request reached it
            # (the next child plans it); a request that kills a child twice is refused.
            for tries_left in (1, 0):
                if self._ended:
                    self._restart("was ended after a failed plan")
                elif not self._process.is_alive():
                    self._restart(f"had died (exit code {self._process.exitcode})")
                try:
                    self._conn.send((_PLAN, args, {"use_cache": use_cache}))
                    kind, payload = self._receive(self.plan_budget_s)
                    break
                except (_Silent, _Died, BrokenPipeError, ConnectionResetError) as err:
                    hung = isinstance(err, _Silent)
                    what = f"took longer than {self.plan_budget_s:.0f} s" if hung else "died"
                    log.warning("the planner process (pid %d) %s %s", self.pid, what, doing)
                    self._end_child()  # the next plan starts a fresh one
                    if hung or not tries_left:
                        code, detail = (
                            ("timeout", "") if hung else ("invalid", "the planner stopped")
                        )
                        return refusal(instruction, language, code, detail, attempt, "planner")
        if kind == _ERROR:
            raise PlannerProcessError(
                f"the planner process failed {doing}: {payload.type_name}: {payload.message}",
                payload.type_name,
            )
        return payload

    def _end_child(self) -> None:
        """Stop the child and reap it (no zombie): ask, then terminate, then kill."""
        process = self._process
        if process.is_alive():
            with contextlib.suppress(OSError):
                self._conn.send((_STOP,))
        reap(process, CLOSE_TIMEOUT_S)
        self._conn.close()
        self._ended = True

    def close(self) -> None:
        """Stop the child and reap it (no zombie left); safe to call twice. Waits for a
        plan in hand at most `CLOSE_TIMEOUT_S`."""
        if self._closed:
            return
        locked = self._lock.acquire(timeout=CLOSE_TIMEOUT_S)
        try:
            self._closed = True
            if not self._ended:
                self._end_child()
        finally:
            if locked:
                self._lock.release()

    def __enter__(self) -> PlannerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
