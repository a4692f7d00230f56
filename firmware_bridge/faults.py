"""Faults injected into the virtual servo bus on a schedule, for tests and soak runs.

Kinds, each applied to one request the bus receives:
- "flip":   flip `bits` random bits of one servo's reply (its checksum or CRC then fails,
            unless two flips cancel in Feetech's additive checksum);
- "drop":   drop one servo's reply (a silent servo: "drop" for its ID over a window);
- "unplug": the cable is pulled: the request reaches no servo (a write is lost) and
            nothing comes back;
- "delay":  the replies leave `delay_s` late (a latency spike);
- "forge":  swap two adjacent, different bytes inside one servo's reply params and
            recompute the checksum or CRC: a valid packet with a wrong value, which only
            the limb's plausibility checks can catch.

Which requests: those in the window `at_request` .. `at_request + requests` (counted from
0, the schedule's first request) and `at_s` .. `at_s + for_s` (seconds since that first
request); a window left open runs forever. `rate` < 1 applies the fault to each request
of its window with that probability: the random mode. Every random choice (which
request, servo, bit or bytes) comes from one `random.Random(seed)`, so a run repeats.
`servo_id` picks the servo whose reply is hit (flip, drop, forge); by default one of
the replies at random. Requests without replies (sync writes) are counted but only
"unplug" and "delay" change anything for them.

A file for `robot servo emulate --faults FILE` (TOML, or JSON with the same keys):

    seed = 7
    [[faults]]
    kind = "forge"
    rate = 0.01
    [[faults]]
    kind = "unplug"
    at_s = 30.0
"""

from __future__ import annotations

import dataclasses
import json
import random
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from firmware_bridge import dynamixel, feetech
from firmware_bridge.errors import ProtocolError, SetupError

if TYPE_CHECKING:
    from firmware_bridge.virtual_bus import Reply

FaultKind = Literal["flip", "drop", "unplug", "delay", "forge"]
DEFAULT_DELAY_S = 0.02
"""A latency spike: longer than a reply timeout at the default host margin (5 ms)."""
_ID_OFFSET = {"feetech": 2, "dynamixel": 4}
"""Where a status packet carries the servo's ID: after FF FF, or after FF FF FD 00."""


class Fault(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One kind of fault over a window of requests; see the module docstring."""

    kind: FaultKind
    at_request: int = 0
    requests: int | None = None
    at_s: float = 0.0
    for_s: float | None = None
    rate: float = 1.0
    servo_id: int | None = None
    bits: int = 1
    delay_s: float = DEFAULT_DELAY_S

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate = {self.rate} is outside 0..1")
        for name in ("at_request", "requests", "at_s", "for_s", "delay_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} = {value} is negative")
        if self.bits < 1:
            raise ValueError(f"bits = {self.bits}: flip at least 1")

    def covers(self, request: int, seconds: float) -> bool:
        """Whether the window holds request number `request`, made `seconds` in."""
        return (
            request >= self.at_request
            and (self.requests is None or request < self.at_request + self.requests)
            and seconds >= self.at_s
            and (self.for_s is None or seconds < self.at_s + self.for_s)
        )


class FaultSchedule:
    """Faults for a `VirtualBus` (its `faults` attribute). Called by the bus's thread.

    requests: how many requests it has seen; applied: how many times each kind changed
    something (a forge finds no two different bytes to swap, a drop no reply: not counted).
    """

    def __init__(self, faults: Iterable[Fault] = (), *, seed: int = 0) -> None:
        self.faults = tuple(faults)
        self.seed = seed
        self.requests = 0
        self.applied: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._start: float | None = None
        self.pulled = False
        """The cable pulled by hand, until put back (`robot servo emulate` toggles it on
        SIGUSR1): as "unplug", for as long as it is set."""

    def apply(self, protocol: str, now: float, execute: Callable[[], list[Reply]]) -> list[Reply]:
        """The replies to one request, faults applied. `execute` carries the request out
        and returns the servos' replies; it is not called when the cable is pulled.
        now: the bus's clock (s)."""
        if self._start is None:
            self._start = now
        number, seconds = self.requests, now - self._start
        self.requests += 1
        rng = self._rng
        active = [
            f
            for f in self.faults
            if f.covers(number, seconds) and (f.rate >= 1.0 or rng.random() < f.rate)
        ]
        if self.pulled or any(f.kind == "unplug" for f in active):
            self.applied["unplug"] += 1
            return []
        replies = execute()
        for fault in active:
            if fault.kind == "delay":
                if replies:
                    first = replies[0]
                    replies[0] = dataclasses.replace(first, delay_s=first.delay_s + fault.delay_s)
                    self.applied["delay"] += 1
                continue
            k = self._target(fault, protocol, replies)
            if k is None:
                continue
            if fault.kind == "drop":
                del replies[k]
            else:
                data = replies[k].data
                changed = (
                    self._flip(data, fault.bits)
                    if fault.kind == "flip"
                    else self._forge(protocol, data)
                )
                if changed is None:
                    continue
                replies[k] = dataclasses.replace(replies[k], data=changed)
            self.applied[fault.kind] += 1
        return replies

    def _target(self, fault: Fault, protocol: str, replies: list[Reply]) -> int | None:
        """Index of the reply `fault` hits, or None when there is none to hit."""
        if not replies:
            return None
        if fault.servo_id is None:
            return self._rng.randrange(len(replies))
        at = _ID_OFFSET[protocol]
        for k, reply in enumerate(replies):
            if reply.data[at] == fault.servo_id:
                return k
        return None

    def _flip(self, data: bytes, bits: int) -> bytes:
        flipped = bytearray(data)
        for _ in range(bits):
            bit = self._rng.randrange(8 * len(flipped))
            flipped[bit // 8] ^= 1 << (bit % 8)
        return bytes(flipped)

    def _forge(self, protocol: str, data: bytes) -> bytes | None:
        """The packet with two adjacent different param bytes swapped, its checksum or
        CRC recomputed; None when no two adjacent bytes differ or it is no valid packet."""
        try:
            if protocol == "dynamixel":
                packet, codec = dynamixel.decode(data), dynamixel
            else:
                packet, codec = feetech.decode(data, status=True), feetech
        except ProtocolError:  # already corrupted by another fault: nothing to forge
            return None
        params = bytearray(packet.params)
        pairs = [j for j in range(len(params) - 1) if params[j] != params[j + 1]]
        if not pairs:
            return None
        j = self._rng.choice(pairs)
        params[j], params[j + 1] = params[j + 1], params[j]
        return codec.encode_status(packet.servo_id, packet.error, bytes(params))


class _FaultFile(msgspec.Struct, forbid_unknown_fields=True):
    faults: list[Fault] = []
    seed: int = 0


def load_fault_schedule(path: str | Path) -> FaultSchedule:
    """A schedule from a TOML or JSON file (format: the module docstring).

    Raises SetupError naming the file and the entry at fault.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise SetupError(f"cannot read fault file {path}: {err.strerror}") from err
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except ValueError as err:  # json.JSONDecodeError and tomllib.TOMLDecodeError
        kind = "JSON" if path.suffix == ".json" else "TOML"
        raise SetupError(f"{path} is not {kind}: {err}") from err
    try:
        spec = msgspec.convert(data, type=_FaultFile)
    except msgspec.ValidationError as err:
        raise SetupError(f"{path}: {err}") from err
    return FaultSchedule(spec.faults, seed=spec.seed)
