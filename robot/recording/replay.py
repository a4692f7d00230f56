"""Publish a recording onto a bus again, at the recorded pace or faster."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from robot.bus import Bus, Publisher
from robot.recording.reader import RecordedMessage, read_messages


def paced(
    messages: Iterable[RecordedMessage],
    speed: float = 1.0,
    stop: threading.Event | None = None,
) -> Iterator[RecordedMessage]:
    """Yield messages at their recorded pace divided by `speed` (`math.inf`: no waiting).

    Ends early when `stop` is set.
    """
    if not speed > 0:
        raise ValueError(f"replay speed must be > 0, got {speed}")
    stop = stop or threading.Event()
    first_ns: int | None = None
    start = time.monotonic()
    for msg in messages:
        first_ns = msg.log_time_ns if first_ns is None else first_ns
        if not math.isinf(speed):
            delay = start + (msg.log_time_ns - first_ns) / 1e9 / speed - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return
        if stop.is_set():
            return
        yield msg


def replay(
    bus: Bus,
    path: str | Path,
    speed: float = 1.0,
    topics: set[str] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Publish every recorded message on its topic; returns how many were published.

    speed: 1.0 keeps the recorded timing, 2.0 is twice as fast, `math.inf` as fast as
    possible. Messages get new sequence numbers from the replaying publishers.
    """
    publishers: dict[str, Publisher] = {}
    count = 0
    for recorded in paced(read_messages(path, topics), speed, stop):
        pub = publishers.get(recorded.topic)
        if pub is None:
            name = recorded.topic.partition("/")[2]
            pub = publishers[recorded.topic] = bus.publisher(type(recorded.message), name)
        pub.publish(recorded.message)
        count += 1
    return count
