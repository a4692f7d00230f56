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

An exception in a handler stops that node, is logged, and is kept in `failure`:
`run_nodes` reports it; nothing is swallowed.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from robot.bus import Bus, Policy, Subscription, latest
from robot.msgs import Heartbeat, M

log = logging.getLogger(__name__)

HEARTBEAT_PERIOD_S = 1.0
STOP_TIMEOUT_S = 1.0
"""How long `stop()` waits for a node's thread; Ctrl-C must end everything within a second."""


class Node:
    """A unit of the stack with its own thread.

    period_s: call `tick()` every `period_s` seconds (None: only on messages). Timing
    is best-effort; real-time work belongs in the cerebellum's loop.
    """

    def __init__(self, bus: Bus, name: str, period_s: float | None = None) -> None:
        self.bus = bus
        self.name = name
        self.period_s = period_s
        self.failure: BaseException | None = None
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

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop the thread and wait up to `timeout` s; raise if it does not end."""
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
            log.exception("node %s failed", self.name)
        finally:
            try:
                self.teardown()
            except Exception as err:
                self.failure = self.failure or err
                log.exception("node %s failed in teardown", self.name)


class NodeFailed(RuntimeError):
    """A node stopped because of an exception; the original is the cause."""


def run_nodes(
    nodes: Iterable[Node],
    until: Callable[[], bool] | None = None,
    poll_s: float = 0.02,
) -> None:
    """Start the nodes, wait until `until()` is true, a node fails, or Ctrl-C / SIGTERM,
    then stop them all (in reverse order) within about a second.

    Raises `NodeFailed` if a node failed. Must be called from the main thread for the
    signal handling; elsewhere it works without it.
    """
    nodes = list(nodes)
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous: dict[int, Any] = {}
    if in_main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        for node in nodes:
            node.start()
        while not stop.is_set():
            if until is not None and until():
                break
            if any(n.failure is not None or not n.running for n in nodes):
                break
            stop.wait(poll_s)
    finally:
        for node in nodes:
            node.request_stop()
        for node in reversed(nodes):
            if node._thread is not None:
                node.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [n for n in nodes if n.failure is not None]
    if failed:
        raise NodeFailed(f"node {failed[0].name!r} failed: {failed[0].failure!r}") from failed[
            0
        ].failure
