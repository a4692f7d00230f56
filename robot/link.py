"""The link between layers in different processes: fast heartbeats and their watch.

Each layer process of a split stack (`robot node`, `robot up`) beats on
`Heartbeat/link/<layer>` every `LINK_BEAT_S`. A side that depends on another watches its
beats: the arm stops a running skill when the brain's go silent for `LINK_LOST_S`, and
the brain ends its plan when the arm's do. Silence means the same whether the peer
died, hung, or the network between them failed: nothing here can tell those apart, and
each wants the arm held.

Beats alone cannot be quick: a beat from a Python process may wait for the interpreter
lock behind a physics step or a decode, so the watch must allow `LINK_LOST_S`. So each
layer also announces its presence on the bus (a Zenoh liveliness token, kept by Zenoh's
own threads): when the peer's process dies or its session's link closes, the watch hears
within milliseconds. Silent beats with the presence still there mean a hung peer, or a
network cut the transport has not noticed yet (Zenoh's lease, 10 s: a lease short enough
to matter, 80 ms, dropped healthy links, because our callbacks run on Zenoh's receiving
threads and wait there for the interpreter lock).

The node-level `Heartbeat` (once a second, robot/node.py) says a node is alive for
people; these beats are for machines, on their own topic, so recordings of the
one-process stack are not filled with them.
"""

from __future__ import annotations

import threading
import time

from core.msgs import Heartbeat
from robot.bus import Bus, latest


def link_topic(layer: str) -> str:
    """The topic name of a layer's fast heartbeats: one topic per layer, so a mailbox of
    one holds that layer's newest beat and no other's."""
    return f"link/{layer}"


BRAIN_LINK_LOST = "lost the brain's link"
"""How a skill stopped for a silent brain begins its reason: the brain, if it hears it
later, gives the request up instead of replanning (only a new request moves the arm)."""
LINK_BEAT_S = 0.02
"""How often a layer process beats (s)."""
LINK_LOST_S = 1.0
"""Silence after which a peer counts as gone (s): what a hung peer, or a cut cable no
packet reports, costs. A peer that dies is heard at once (its presence goes). The beats
are Python's: in a process that steps PyBullet, whose calls hold the interpreter lock
for up to 150 ms with the tea's liquid, beats were measured arriving 160 ms apart and
the watch polled up to 335 ms apart; 200 ms stopped 6 of 10 healthy split episodes
(benchmarks/split_episodes.py). So a second (docs/network.md)."""


class LinkBeat:
    """Beats for `layer` from a daemon thread until `close()`."""

    def __init__(self, bus: Bus, layer: str, period_s: float = LINK_BEAT_S) -> None:
        self._withdraw = bus.backend.announce(link_topic(layer))
        self._pub = bus.publisher(Heartbeat, link_topic(layer))
        self._layer = layer
        self._period_s = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"link:{layer}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._period_s):
            self._pub.publish(Heartbeat(node=self._layer))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1.0)
        self._withdraw()


class LinkWatch:
    """Whether `peer` is still linked: its presence, and when its beats were last heard.
    Thread-safe; never blocks.

    The first beat (or presence) starts the watch: before it, the peer is not known to be
    gone (it may not have started yet); `heard` says whether it ever was.
    """

    def __init__(self, bus: Bus, peer: str, lost_after_s: float = LINK_LOST_S) -> None:
        self.peer = peer
        self.lost_after_s = lost_after_s
        self._beats = bus.subscribe(Heartbeat, link_topic(peer), policy=latest)
        self._last: float | None = None
        self._present: bool | None = None
        """None until the peer's presence is first seen; then whether it still is."""
        bus.backend.watch_presence(link_topic(peer), self._on_presence)

    def _on_presence(self, present: bool) -> None:
        self._present = present
        if present and self._last is None:
            self._last = time.monotonic()

    def _take(self) -> None:
        if self._beats.poll() is not None:
            self._last = time.monotonic()

    @property
    def heard(self) -> bool:
        self._take()
        return self._last is not None

    def silent_for_s(self) -> float:
        """Seconds since the peer's last beat (0 before the first)."""
        self._take()
        return 0.0 if self._last is None else time.monotonic() - self._last

    @property
    def departed(self) -> bool:
        """The peer's presence was withdrawn: its process or its link is gone."""
        return self._present is False

    def lost(self) -> bool:
        return self.departed or self.silent_for_s() >= self.lost_after_s

    def why(self) -> str:
        """How the peer was lost, in a few words."""
        silent_ms = self.silent_for_s() * 1e3
        if self.departed:
            return f"its process or link closed; last beat {silent_ms:.0f} ms ago"
        return f"{silent_ms:.0f} ms silent"

    def close(self) -> None:
        self._beats.close()


def lost_brain(watch: LinkWatch | None) -> str | None:
    """The sentence for a brain gone silent, or None while it beats (or is not watched)."""
    if watch is None or not watch.lost():
        return None
    return f"{BRAIN_LINK_LOST} ({watch.why()}): skill stopped, arm held until a new request"
