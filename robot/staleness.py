"""How late a message from another process arrives, and which are too late to act on.

A message's `stamp_ns` is its sender's monotonic clock. On one host every process
shares that clock; across hosts the clocks differ by an unknown offset and drift apart
by tens of ppm. So a message's lateness is measured against its own sender: the transit
time `arrival - stamp` minus the least transit any message from that sender showed in
the last `WINDOW_S` (the offset plus the link's best latency). No clock synchronisation
is needed, and drift is followed as the window moves. What this sees is delay in
queues, buffers and a link coming back, which is what makes a message stale; the link's
fixed latency it does not count.

Each topic's patience is its message type's (`MAX_AGE_S`): a joint command 100 ms old
would move the arm from where it was, a skill call a second old is from a plan that
may be over. An engaging `EStop` is never too old: stopping is always safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.msgs import (
    CameraFrame,
    EStop,
    JointCommand,
    JointState,
    Message,
    SkillCall,
    SkillStatus,
    WorldState,
)

WINDOW_S = 10.0
"""How long a sender's least transit is remembered (s): long enough that a burst of
delayed messages does not become the new normal, short enough to follow clock drift
(50 ppm: 0.5 ms in a window)."""

MAX_AGE_S: dict[type[Message], float] = {
    JointState: 0.1,
    JointCommand: 0.1,
    WorldState: 0.5,
    CameraFrame: 0.5,
    SkillCall: 1.0,
    SkillStatus: 2.0,
}
"""Delay beyond which a message of the type is dropped (s). Types not listed (plans,
instructions, what is said, safety events) are delivered however late; so are
heartbeats, whose lateness the link's watch judges (robot/link.py)."""


RELEASE_MAX_AGE_S = 1.0
"""A stop's release is acted on only fresh: one held back by the network may be older
than a stop engaged since (s)."""


def max_age_s(msg: Message) -> float:
    """How late `msg` may arrive and still be acted on (s); inf for never stale."""
    if isinstance(msg, EStop):
        return RELEASE_MAX_AGE_S if not msg.engaged else math.inf
    return MAX_AGE_S.get(type(msg), math.inf)


@dataclass
class _Transit:
    window_start_ns: int
    least_ns: int
    previous_least_ns: int


class Lateness:
    """Per sender, the least transit seen lately; `late_s` of each arrival against it."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self._window_ns = int(window_s * 1e9)
        self._senders: dict[bytes, _Transit] = {}

    def late_s(self, sender: bytes, stamp_ns: int, arrival_ns: int) -> float:
        """How much later than its sender's quickest message this one arrived (s)."""
        transit = arrival_ns - stamp_ns
        seen = self._senders.get(sender)
        if seen is None:
            self._senders[sender] = _Transit(arrival_ns, transit, transit)
            return 0.0
        if arrival_ns - seen.window_start_ns > self._window_ns:
            seen.window_start_ns = arrival_ns
            seen.previous_least_ns = seen.least_ns
            seen.least_ns = transit
        seen.least_ns = min(seen.least_ns, transit)
        return max(0.0, (transit - min(seen.least_ns, seen.previous_least_ns)) / 1e9)
