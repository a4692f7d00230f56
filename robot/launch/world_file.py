"""A `WorldState` from a file, for an arm with no simulator behind it.

On a real cell, where objects, surfaces and people are comes from the cell's fixture
file until a perception node exists (docs/architecture.md, "World state"). `WorldFile`
publishes the `WorldState` a JSON file holds (msgspec's JSON of `core.msgs.WorldState`),
reading it again whenever it changes, so the same node serves a static fixture file and
a file something keeps rewriting: `robot servo emulate --twin ... --world-out FILE`
writes the twin's ground truth there, which lets the serial stack run tasks against a
twin in its own process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import msgspec

from core.errors import ConfigError, MessageError
from core.msgs import WorldState, decode_json
from robot.bus import Bus
from robot.node import Node

PERIOD_S = 0.05
"""How often the file is checked and its state published (s), as the hil stack's
ground truth is."""


def read_world(path: Path) -> WorldState:
    """The `WorldState` in `path`; `ConfigError` naming the file when it is not one."""
    try:
        return decode_json(path.read_bytes(), WorldState)
    except OSError as err:
        raise ConfigError(f"world file {path}: {err.strerror}") from err
    except MessageError as err:
        raise ConfigError(f"world file {path}: {err}") from err


class WorldFile(Node):
    """Publishes the file's `WorldState` every `PERIOD_S` (re-read when it changed)."""

    def __init__(self, bus: Bus, path: Path) -> None:
        super().__init__(bus, "world", period_s=PERIOD_S)
        self.path = path
        self._pub = bus.publisher(WorldState)
        self._seen: tuple[int, int] | None = None
        self.latest = read_world(path)  # a bad file fails at build, not mid-run

    def state(self) -> WorldState:
        """The latest state read."""
        return self.latest

    def tick(self) -> None:
        stat = os.stat(self.path)
        if (stat.st_mtime_ns, stat.st_size) != self._seen:
            self._seen = (stat.st_mtime_ns, stat.st_size)
            self.latest = read_world(self.path)
        self._pub.publish(msgspec.structs.replace(self.latest, stamp_ns=time.monotonic_ns()))
