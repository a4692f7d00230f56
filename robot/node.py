"""Nodes: each layer runs as a node with `start()` / `stop()` in its own thread.

A node reacts to messages and, optionally, to a periodic tick:

    class Echo(Node):
        def __init__(self, bus):
            super().__init__(bus, "echo", period_s=None)
            self.handle(Utterance, self.on_utterance, policy=fifo(16))

        def on_utterance(self, msg: Utterance) -> None:
            print(msg.text)

Handlers and `tick()` run in the node's thread, never in the publisher's, so a slow
node cannot stall a fast one. A node with its own timing (the cerebellum's real-time
loop) overrides `run()` and checks `self.stopping` often.

An exception in a handler stops that node, is kept in `failure` (with `failed_at`)
and logged with its traceback at debug level: `run_nodes` raises the first failure
as one `NodeFailed`; nothing is swallowed.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from core.errors import RobotError
from core.msgs import Heartbeat, M
from robot.bus import Bus, Policy, Subscription, latest

log = logging.getLogger(__name__)

HEARTBEAT_PERIOD_S = 1.0
STOP_TIMEOUT_S = 1.0
"""How long `stop()` waits for a node's thread; Ctrl-C must end everything within a second."""


class Node:
    """A unit of the stack with its own thread.

    period_s: call `tick()` every `period_s` seconds (None: only on messages). Timing
    is best-effort; real-time work belongs in the cerebellum's loop.
    """

    stop_timeout_s = STOP_TIMEOUT_S
    """How long `run_nodes` waits for this node's thread to end (s)."""

    def __init__(self, bus: Bus, name: str, period_s: float | None = None) -> None:
        self.bus = bus
        self.name = name
        self.period_s = period_s
        self._failure: BaseException | None = None
        self.failed_at: float | None = None
        """When `failure` was first set (monotonic s): the first failure is the cause."""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._handlers: list[tuple[Subscription[Any], Callable[[Any], None]]] = []
        self._thread: threading.Thread | None = None
        self._heartbeat = bus.publisher(Heartbeat)

    # -- wiring (before start) -------------------------------------------------

    def handle(
        self,
        type_: type[M],
        handler: Callable[[M], None],
        name: str = "",
        *,
        policy: Policy = latest,
    ) -> Subscription[M]:
        """Call `handler(msg)` in this node's thread for each message on the topic."""
        sub = self.bus.subscribe(type_, name, policy=policy, wake=self._wake)
        self._handlers.append((sub, handler))
        return sub

    # -- life cycle ------------------------------------------------------------

    @property
    def failure(self) -> BaseException | None:
        """The exception that stopped the node (the first, when there were several)."""
        return self._failure

    @failure.setter
    def failure(self, err: BaseException | None) -> None:
        """Keeps the first failure: a later one is often its consequence (logged)."""
        if err is None or self._failure is None:
            self.failed_at = None if err is None else time.monotonic()
            self._failure = err
        elif err is not self._failure:
            log.debug("node %s: after %r, also %r", self.name, self._failure, err)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"node {self.name!r} already started")
        self._thread = threading.Thread(target=self._main, name=f"node:{self.name}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the node to stop without waiting (safe from a signal handler)."""
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the thread and wait up to `timeout` s (default `stop_timeout_s`); raise
        if it does not end."""
        timeout = self.stop_timeout_s if timeout is None else timeout
        self.request_stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"node {self.name!r} did not stop within {timeout} s")
        for sub, _ in self._handlers:
            sub.close()

    # -- hooks -----------------------------------------------------------------

    def setup(self) -> None:
        """Runs first in the node's thread (open devices, load models)."""

    def tick(self) -> None:
        """Runs every `period_s` seconds in the node's thread."""

    def teardown(self) -> None:
        """Runs last in the node's thread, even after a failure."""

    def run(self) -> None:
        """The node's loop: dispatch messages, tick, beat. Override for custom timing."""
        next_tick = time.monotonic()
        next_beat = next_tick
        while not self.stopping:
            now = time.monotonic()
            if now >= next_beat:
                self._heartbeat.publish(Heartbeat(node=self.name))
                next_beat = now + HEARTBEAT_PERIOD_S
            if self.period_s is not None and now >= next_tick:
                self.tick()
                # Skip missed ticks instead of bursting to catch up.
                next_tick += self.period_s * max(1, int((now - next_tick) / self.period_s) + 1)
            deadline = next_beat if self.period_s is None else min(next_tick, next_beat)
            self._wake.wait(max(0.0, deadline - time.monotonic()))
            self._wake.clear()
            self.dispatch()

    def dispatch(self) -> int:
        """Hand every waiting message to its handler; returns how many."""
        count = 0
        for sub, handler in self._handlers:
            while (msg := sub.poll()) is not None:
                handler(msg)
                count += 1
        return count

    def _main(self) -> None:
        try:
            self.setup()
            self.run()
        except BaseException as err:  # kept and re-raised by run_nodes: not swallowed
            self.failure = err
            log.debug("node %s failed", self.name, exc_info=True)
        finally:
            try:
                self.teardown()
            except Exception as err:
                self.failure = self.failure or err
                log.debug("node %s failed in teardown", self.name, exc_info=True)


class StuckNode(RobotError):
    """A node's thread did not end within its `stop_timeout_s`."""


class NodeFailed(RobotError):
    """A node stopped because of an exception (the first one, which is the cause;
    later ones are often its consequences). `node` names it."""

    def __init__(self, node: Node) -> None:
        self.node = node
        err = node.failure
        # Our errors and the OS's say what to do; anything else is a bug: name its type.
        what = (
            str(err) if isinstance(err, (RobotError, OSError)) else f"{type(err).__name__}: {err}"
        )
        super().__init__(f"the {node.name} failed: {what}")


def kill_children() -> None:
    """SIGKILL every child process of ours (a second Ctrl-C: stop waiting). The loop's
    servos hold their last goal; the planner keeps nothing."""
    for child in multiprocessing.active_children():
        child.kill()


def run_nodes(
    nodes: Iterable[Node],
    until: Callable[[], bool] | None = None,
    poll_s: float = 0.02,
) -> None:
    """Start the nodes, wait until `until()` is true, a node fails, or Ctrl-C / SIGTERM,
    then stop them all (in reverse order) within about a second (each within its
    `stop_timeout_s`). A second Ctrl-C / SIGTERM while they stop kills the child
    processes, so nothing waits on them.

    Raises `NodeFailed` with the first node that failed. Must be called from the main
    thread for the signal handling; elsewhere it works without it.
    """
    nodes = list(nodes)
    signals = 0
    in_main = threading.current_thread() is threading.main_thread()
    previous: dict[int, Any] = {}

    # A handler runs between two bytecodes of the main thread, perhaps inside a lock's
    # code: taking a lock here (an Event's) deadlocks when a second signal comes while
    # the first one's handler holds it. So it only counts, and the loop below looks.
    def on_signal(*_: object) -> None:
        nonlocal signals
        signals += 1
        if signals > 1:
            kill_children()

    if in_main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        for node in nodes:
            node.start()
        while not signals:
            if until is not None and until():
                break
            if any(n.failure is not None or not n.running for n in nodes):
                break
            time.sleep(poll_s)
    finally:
        for node in nodes:
            node.request_stop()
        for node in reversed(nodes):
            if node._thread is not None:
                try:
                    node.stop()
                except RuntimeError as err:  # stuck: say so, and stop the others still
                    node.failure = node.failure or StuckNode(str(err))
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [n for n in nodes if n.failure is not None]
    if failed:
        first = min(failed, key=lambda n: n.failed_at or 0.0)
        raise NodeFailed(first) from first.failure
