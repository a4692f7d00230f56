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
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from robot.brain.model import DEFAULT_THREADS
from robot.brain.planner import DEFAULT_MODEL_DIR, PlanResult
from robot.brain.world import WorldModel
from robot.errors import RobotError
from robot.processes import ignore_interrupts, reap, spawn_context
from robot.scenes import SceneSpec

log = logging.getLogger(__name__)

__all__ = ["PlannerProcess", "PlannerProcessError"]

START_TIMEOUT_S = 120.0
"""Spawning an interpreter, importing onnxruntime and loading the model: seconds on a
busy machine; past this the child is taken as hung."""
CLOSE_TIMEOUT_S = 5.0
"""How long `close()` waits for the child at each step (finish the plan in hand, exit
on request, exit on SIGTERM) before the next, harder one."""

_READY = "ready"
_RESULT = "result"
_ERROR = "error"
_STOP = "stop"
_PLAN = "plan"


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
    """The child's main: load the planner, then answer plan requests until told to stop
    or the parent's end of the pipe closes."""
    ignore_interrupts()
    from robot.brain.planner import Planner

    try:
        planner = Planner(model_dir, threads=threads, **options)
    except Exception as err:  # reported to the parent, which raises it
        conn.send((_ERROR, _remote_error(err)))
        conn.close()
        return
    conn.send((_READY, planner.load_ms))
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the parent went away without close(): nothing left to serve
            break
        if request[0] == _STOP:
            break
        _, args, kwargs = request
        try:
            reply: tuple[str, Any] = (_RESULT, planner.plan(*args, **kwargs))
        except Exception as err:  # the parent raises it; the child keeps serving
            reply = (_ERROR, _remote_error(err))
        conn.send(reply)
    conn.close()


class PlannerProcess:
    """A `Planner` loaded and run in a child process (see the module docstring).

    model_dir, threads, use_screen, constrained: as `Planner` (threads: onnxruntime
    intra-op threads in the child). The constructor returns once the model is loaded;
    a model that does not load raises `PlannerProcessError` naming `model_dir`.
    One plan runs at a time; calls from several threads wait their turn.
    """

    def __init__(
        self,
        model_dir: Path | str = DEFAULT_MODEL_DIR,
        threads: int = DEFAULT_THREADS,
        use_screen: bool = True,
        constrained: bool = True,
        start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        self.model_dir = str(model_dir)
        self._lock = threading.Lock()
        self._closed = False
        ctx = spawn_context()
        self._conn, child_conn = ctx.Pipe()
        options = {"use_screen": use_screen, "constrained": constrained}
        # daemon: should the caller never close(), the child is ended when it exits.
        self._process = ctx.Process(
            target=_serve,
            args=(child_conn, self.model_dir, threads, options),
            name="planner",
            daemon=True,
        )
        self._process.start()
        assert self._process.pid is not None  # set by start()
        self._pid: int = self._process.pid
        # Our copy of the child's end must go, or a dead child would never read as EOF.
        child_conn.close()
        try:
            self._load_ms = self._await_ready(start_timeout_s)
        except BaseException:
            self.close()
            raise
        log.info(
            "planner process pid %d loaded %s in %.0f ms", self.pid, self.model_dir, self._load_ms
        )

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
        return not self._closed and self._process.is_alive()

    def _await_ready(self, timeout_s: float) -> float:
        kind, payload = self._receive(f"loading the planner from {self.model_dir}", timeout_s)
        if kind == _ERROR:
            raise PlannerProcessError(
                f"the planner process could not load {self.model_dir}: "
                f"{payload.type_name}: {payload.message}",
                payload.type_name,
            )
        return float(payload)

    def _receive(self, doing: str, timeout_s: float | None = None) -> tuple[str, Any]:
        """The child's next message; a dead or silent child is a `PlannerProcessError`.
        Waiting here (select + read) releases the interpreter lock."""
        ready = wait([self._conn, self._process.sentinel], timeout_s)
        if self._conn in ready:
            try:
                return self._conn.recv()
            except (EOFError, ConnectionResetError):
                pass  # the child closed its end: it is exiting; report it below
        if not ready:
            raise PlannerProcessError(
                f"the planner process (pid {self.pid}) did not answer within "
                f"{timeout_s:.0f} s while {doing}"
            )
        self._process.join(CLOSE_TIMEOUT_S)
        raise PlannerProcessError(
            f"the planner process (pid {self.pid}) died while {doing} "
            f"(exit code {self._process.exitcode}); restart the stack, and check the log "
            "for what killed it (memory, a signal)"
        )

    def plan(
        self,
        spec: SceneSpec,
        instruction: str,
        world: WorldModel | None = None,
        attempt: int = 0,
        language: str = "",
        use_cache: bool = True,
    ) -> PlanResult:
        """`Planner.plan` in the child (same arguments and result)."""
        args = (spec, instruction, world, attempt, language)
        doing = f"planning {instruction!r} in scene {getattr(spec, 'name', spec)!r}"
        with self._lock:
            if self._closed:
                raise PlannerProcessError(f"the planner process is closed; cannot go on {doing}")
            try:
                self._conn.send((_PLAN, args, {"use_cache": use_cache}))
            except (BrokenPipeError, ConnectionResetError) as err:
                self._process.join(CLOSE_TIMEOUT_S)
                raise PlannerProcessError(
                    f"the planner process (pid {self.pid}) is gone (exit code "
                    f"{self._process.exitcode}); cannot go on {doing}; restart the stack"
                ) from err
            kind, payload = self._receive(doing)
        if kind == _ERROR:
            raise PlannerProcessError(
                f"the planner process failed {doing}: {payload.type_name}: {payload.message}\n"
                f"{payload.traceback}",
                payload.type_name,
            )
        return payload

    def close(self) -> None:
        """Stop the child and reap it (no zombie left); safe to call twice.

        Waits for a plan in hand to finish (up to `CLOSE_TIMEOUT_S`), asks the child to
        exit, then terminates and at last kills it if it does not."""
        if self._closed:
            return
        process = self._process
        if self._lock.acquire(timeout=CLOSE_TIMEOUT_S):
            try:
                self._closed = True
                if process.is_alive():
                    # A child already exiting closed its end: the joins below reap it.
                    with contextlib.suppress(OSError):
                        self._conn.send((_STOP,))
            finally:
                self._lock.release()
        self._closed = True
        reap(process, CLOSE_TIMEOUT_S)
        self._conn.close()

    def __enter__(self) -> PlannerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
