"""Typed message queues between the layers.

A topic is a message type plus an optional name. A subscriber chooses how it
receives:

- `latest`: a mailbox of one, for state streams (`JointState`, `WorldState`): a new
  message replaces an unread one, and that is the point.
- `fifo(n)`: a queue of n, for commands and plans: when it is full the *publisher*
  gets `QueueFull`; nothing is ever dropped silently.

    bus = Bus()
    states = bus.subscribe(JointState, policy=latest)
    bus.publish(JointState(position=(0.0,) * 6))
    state = states.get(timeout=0.1)

Delivery goes through a `Backend`. `InProcessBackend` is the default; a network
backend carries the same types between processes without callers changing.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic

import msgspec

from core.errors import BusError, QueueFull, ReceiveTimeout
from core.msgs import M, Message, is_message_type


@dataclass(frozen=True)
class Topic:
    """A message type plus an optional name ("" for the default topic of that type)."""

    type: type[Message]
    name: str = ""

    def __post_init__(self) -> None:
        if not is_message_type(self.type):
            raise BusError(f"{self.type!r} is not a message type from core.msgs")

    @property
    def key(self) -> str:
        """Stable text form, used as the recording channel and network key."""
        return self.type.__name__ + (f"/{self.name}" if self.name else "")


@dataclass(frozen=True)
class Latest:
    """Mailbox of one: keep only the newest message."""


@dataclass(frozen=True)
class Fifo:
    """Queue of `depth` messages; a publish into a full queue raises `QueueFull`."""

    depth: int

    def __post_init__(self) -> None:
        if self.depth < 1:
            raise BusError(f"fifo depth must be >= 1, got {self.depth}")


Policy = Latest | Fifo
latest = Latest()


def fifo(depth: int) -> Fifo:
    return Fifo(depth)


class Subscription(Generic[M]):
    """The receiving end of a topic. Thread-safe; one reader at a time is expected.

    `wake`, if given, is set on every delivery so one thread can wait on many
    subscriptions (see `robot.node.Node`).
    """

    def __init__(
        self,
        topic: Topic,
        policy: Policy,
        wake: threading.Event | None,
        detach: Callable[[Subscription[M]], None],
    ) -> None:
        self.topic = topic
        self.policy = policy
        self._capacity = 1 if isinstance(policy, Latest) else policy.depth
        self._queue: collections.deque[M] = collections.deque(maxlen=self._capacity)
        self._ready = threading.Condition(threading.Lock())
        self._wake = wake
        self._detach = detach
        self.closed = False

    def is_full(self) -> bool:
        """True when a fifo has no room left (a `latest` mailbox is never full)."""
        return isinstance(self.policy, Fifo) and len(self._queue) >= self._capacity

    def deliver(self, msg: M) -> None:
        """Called by the backend. For a fifo the backend checks `is_full` first."""
        with self._ready:
            self._queue.append(msg)
            self._ready.notify()
        if self._wake is not None:
            self._wake.set()

    def poll(self) -> M | None:
        """The next message, or None if there is none. Never blocks."""
        with self._ready:
            return self._queue.popleft() if self._queue else None

    def get(self, timeout: float | None = None) -> M:
        """The next message, waiting up to `timeout` seconds (None: forever).

        Raises `ReceiveTimeout` when nothing arrives in time and `BusError` when the
        subscription is closed while waiting.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._ready:
            while not self._queue:
                if self.closed:
                    raise BusError(f"subscription to {self.topic.key} is closed")
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise ReceiveTimeout(f"no {self.topic.key} within {timeout} s")
                self._ready.wait(remaining)
            return self._queue.popleft()

    def __iter__(self) -> Iterator[M]:
        """Yield messages as they arrive until the subscription is closed."""
        while True:
            try:
                yield self.get()
            except BusError:
                if self.closed:
                    return
                raise

    def close(self) -> None:
        """Stop receiving; wakes a blocked `get` or iterator."""
        if self.closed:
            return
        self._detach(self)
        with self._ready:
            self.closed = True
            self._ready.notify_all()


class Backend(ABC):
    """How messages travel. Subclass for a transport; callers never see it."""

    @abstractmethod
    def attach(self, sub: Subscription) -> None:
        """Start delivering the subscription's topic to it."""

    @abstractmethod
    def detach(self, sub: Subscription) -> None:
        """Stop delivering to the subscription."""

    @abstractmethod
    def send(self, topic: Topic, msg: Message) -> None:
        """Deliver to every subscriber of the topic, or raise `QueueFull` and deliver to none."""

    @abstractmethod
    def announce(self, name: str) -> Callable[[], None]:
        """Say that `name` is here for as long as this process and its links live;
        returns how to withdraw it."""

    @abstractmethod
    def watch_presence(self, name: str, on_change: Callable[[bool], None]) -> None:
        """Call `on_change(True)` when `name` is announced (at once if it is already),
        `on_change(False)` when it is withdrawn or the link to it is lost."""

    def newest(self, topic: Topic) -> Newest:
        """The newest message on `topic`, kept by the transport until taken. For beats
        whose age matters more than their order: a network backend keeps them without
        waiting for the interpreter lock, so a busy process still sees how fresh they
        are when it looks."""
        sub: Subscription = Subscription(topic, latest, None, self.detach)
        self.attach(sub)
        return _PolledNewest(sub)

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release transport resources."""


class Newest(ABC):
    """The newest message of one topic, taken when asked (`Backend.newest`)."""

    @abstractmethod
    def take(self) -> tuple[Message, float] | None:
        """The newest message since the last take and its age on arrival here (s, from
        its sending), or None if none came."""

    @abstractmethod
    def close(self) -> None:
        """Stop keeping the topic's messages."""


class _PolledNewest(Newest):
    """Through an ordinary mailbox: in one process, a message's stamp is this clock."""

    def __init__(self, sub: Subscription) -> None:
        self._sub = sub

    def take(self) -> tuple[Message, float] | None:
        msg = self._sub.poll()
        if msg is None:
            return None
        return msg, max(0.0, (time.monotonic_ns() - msg.stamp_ns) / 1e9)

    def close(self) -> None:
        self._sub.close()


class InProcessBackend(Backend):
    """Delivery between threads of one process: a list of subscribers per topic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Copy-on-write tuples: publishers read them without taking the table lock.
        self._subs: dict[Topic, tuple[Subscription, ...]] = {}
        self._topic_locks: dict[Topic, threading.Lock] = {}
        self._present: collections.Counter[str] = collections.Counter()
        self._watchers: dict[str, list[Callable[[bool], None]]] = {}

    def announce(self, name: str) -> Callable[[], None]:
        with self._lock:
            self._present[name] += 1
            watchers = list(self._watchers.get(name, ()))
        for on_change in watchers:
            on_change(True)

        def withdraw() -> None:
            with self._lock:
                self._present[name] -= 1
                gone = self._present[name] == 0
                watchers = list(self._watchers.get(name, ()))
            for on_change in watchers if gone else ():
                on_change(False)

        return withdraw

    def watch_presence(self, name: str, on_change: Callable[[bool], None]) -> None:
        with self._lock:
            self._watchers.setdefault(name, []).append(on_change)
            here = self._present[name] > 0
        if here:
            on_change(True)

    def attach(self, sub: Subscription) -> None:
        with self._lock:
            self._subs[sub.topic] = (*self._subs.get(sub.topic, ()), sub)
            self._topic_locks.setdefault(sub.topic, threading.Lock())

    def detach(self, sub: Subscription) -> None:
        with self._lock:
            self._subs[sub.topic] = tuple(s for s in self._subs.get(sub.topic, ()) if s is not sub)

    def send(self, topic: Topic, msg: Message) -> None:
        subs = self._subs.get(topic)
        if not subs:
            return
        # One lock per topic makes check-then-deliver atomic across publishers.
        with self._topic_locks[topic]:
            for sub in subs:
                if sub.is_full():
                    raise QueueFull(
                        f"{topic.key}: a fifo({sub.policy.depth}) subscriber is full; "
                        "it is not keeping up, nothing was delivered"
                    )
            for sub in subs:
                sub.deliver(msg)


class Publisher(Generic[M]):
    """Publishes on one topic and numbers its messages (`seq` = 1, 2, ...)."""

    def __init__(self, backend: Backend, topic: Topic) -> None:
        self.topic = topic
        self._backend = backend
        self._counter = itertools.count(1)

    def publish(self, msg: M) -> M:
        """Send `msg` with this publisher's next sequence number; returns what was sent.

        Raises `QueueFull` if a fifo subscriber has no room (then nobody got it).
        """
        if type(msg) is not self.topic.type:
            raise BusError(f"cannot publish {type(msg).__name__} on topic {self.topic.key}")
        msg = msgspec.structs.replace(msg, seq=next(self._counter))
        self._backend.send(self.topic, msg)
        return msg


class Bus:
    """The stack's message bus. Cheap to create; one per process is typical."""

    def __init__(self, backend: Backend | None = None) -> None:
        self.backend = backend or InProcessBackend()
        self._default_publishers: dict[Topic, Publisher] = {}
        self._lock = threading.Lock()

    def publisher(self, type_: type[M], name: str = "") -> Publisher[M]:
        """A publisher with its own sequence numbers; one per source is the rule."""
        return Publisher(self.backend, Topic(type_, name))

    def publish(self, msg: Message, name: str = "") -> Message:
        """Publish through the bus's shared publisher for this topic (convenient, numbered)."""
        topic = Topic(type(msg), name)
        with self._lock:
            pub = self._default_publishers.get(topic)
            if pub is None:
                pub = self._default_publishers[topic] = Publisher(self.backend, topic)
        return pub.publish(msg)

    def subscribe(
        self,
        type_: type[M],
        name: str = "",
        *,
        policy: Policy = latest,
        wake: threading.Event | None = None,
    ) -> Subscription[M]:
        """Subscribe to a topic. Fails here, not later, if `type_` is not a message type."""
        if not isinstance(policy, Latest | Fifo):
            raise BusError(f"policy must be `latest` or `fifo(n)`, got {policy!r}")
        sub: Subscription[M] = Subscription(Topic(type_, name), policy, wake, self.backend.detach)
        self.backend.attach(sub)
        return sub

    def close(self) -> None:
        self.backend.close()
