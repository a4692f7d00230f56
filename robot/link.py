"""The link between layers in different processes: fast heartbeats and their watch.

Each layer process of a split stack (`robot node`, `robot up`) beats on
`Heartbeat/link/<layer>` every `LINK_BEAT_S`. A side that depends on another watches its
beats: the arm stops a running skill when the brain's newest beat is `BRAIN_LOST_S` old,
and the brain ends its plan when the arm's is `ARM_LOST_S` old. Silence means the same
whether the peer died, hung, or the network between them failed: nothing here can tell
those apart, and each wants the arm held.

The watcher does not receive the beats through Python callbacks, which would wait for the
interpreter lock behind a physics step: the transport keeps the newest beat
(`Backend.newest`, in Zenoh's own threads) with what it needs to tell its age, and the
watch takes it when it looks. Each layer also announces its presence on the bus (a Zenoh
liveliness token): when the peer's process dies or its session's link closes, the watch
hears at once. Silent beats with the presence still there mean a hung peer, or a network
cut the transport has not noticed (Zenoh's lease, 10 s: docs/network.md says why it is
left so).

The node-level `Heartbeat` (once a second, robot/node.py) says a node is alive for
people; these beats are for machines, on their own topic, so recordings of the
one-process stack are not filled with them.
"""

from __future__ import annotations

import threading
import time

from core.msgs import Heartbeat
from robot.bus import Bus, Topic


def link_topic(layer: str) -> str:
    """The topic name of a layer's fast heartbeats: one topic per layer, so a mailbox of
    one holds that layer's newest beat and no other's."""
    return f"link/{layer}"


BRAIN_LINK_LOST = "lost the brain's link"
"""How a skill stopped for a silent brain begins its reason: the brain, if it hears it
later, gives the request up instead of replanning (only a new request moves the arm)."""
LINK_BEAT_S = 0.01
"""How often a layer process beats (s)."""
BRAIN_LOST_S = 0.07
"""Silence after which the arm counts the brain as gone (s): the newest beat the arm can
take was sent this long ago. Beats are kept by Zenoh's threads until the arm looks
(`Backend.newest`), so a physics step holding the interpreter lock in the arm's process
delays the looking, not the beats. Healthy split episodes showed beats up to 44 ms old,
and 50 ms stopped one in twenty (benchmarks/split_episodes.py); a cut link holds the arm
within 77 ms (benchmarks/link_loss.py)."""
ARM_LOST_S = 1.0
"""Silence after which the brain counts the arm as gone (s). The arm's beats are sent by
a Python thread of a process that, with the twin, steps PyBullet: its calls hold the
interpreter lock for up to 150 ms with the tea's liquid, and the beats wait behind them.
Nothing is moving on the brain's word then: the arm holds itself when it loses the brain."""


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

    def __init__(self, bus: Bus, peer: str, lost_after_s: float) -> None:
        self.peer = peer
        self.lost_after_s = lost_after_s
        self._beats = bus.backend.newest(Topic(Heartbeat, link_topic(peer)))
        self._last: float | None = None
        """When the newest beat taken was sent, on this process's clock."""
        self._present: bool | None = None
        """None until the peer's presence is first seen; then whether it still is."""
        self.longest_silence_s = 0.0
        """The longest silence `lost()` saw while the peer was linked: the margin to
        `lost_after_s` that a healthy link kept."""
        bus.backend.watch_presence(link_topic(peer), self._on_presence)

    def _on_presence(self, present: bool) -> None:
        self._present = present
        if present and self._last is None:
            self._last = time.monotonic()

    def _take(self) -> None:
        if (taken := self._beats.take()) is not None:
            sent = time.monotonic() - taken[1]
            self._last = sent if self._last is None else max(self._last, sent)

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
        if self.departed:
            return True
        silent_s = self.silent_for_s()
        if silent_s >= self.lost_after_s:
            return True
        self.longest_silence_s = max(self.longest_silence_s, silent_s)
        return False

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
