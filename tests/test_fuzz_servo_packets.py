"""Fuzzing the servo packet layer (firmware_bridge): status decoding of well-framed
packets of any content, Dynamixel byte stuffing, and the servo bus's transactions and
stream resynchronisation over replies made of any bytes, arriving in pieces.

The only errors allowed are the serial layer's own: `firmware_bridge.errors.BridgeError`
and its subclasses (ProtocolError, ChecksumError, BusTimeout, ServoError...).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from types import ModuleType

import pytest
from fuzz_support import FAST, SLOW, time_limit
from hypothesis import given
from hypothesis import strategies as st

from firmware_bridge import dynamixel, feetech
from firmware_bridge.errors import BridgeError, ProtocolError
from firmware_bridge.packet import STATUS, Packet
from firmware_bridge.servo_bus import DynamixelBus, FeetechBus, PingReply, ServoBus

CODECS: dict[str, ModuleType] = {"dynamixel": dynamixel, "feetech": feetech}
BUSES: dict[str, type[ServoBus]] = {"dynamixel": DynamixelBus, "feetech": FeetechBus}
IDS = (1, 2, 3)
ADDRESS = 56
MARKERS = (0xFF, 0xFD, 0x00, 0x55)
"""Header, stuffing and status bytes: random bytes rich in them reach the odd paths."""

marker_rich = st.lists(st.one_of(st.sampled_from(MARKERS), st.integers(0, 255)), max_size=60).map(
    bytes
)


def framed(protocol: str, servo_id: int, body: bytes) -> bytes:
    """`body` (instruction or status byte onwards) in a frame with a right length and
    checksum, whatever the body says: the decoder's checks past the framing run."""
    if protocol == "dynamixel":
        length = len(body) + 2
        head = dynamixel.HEADER + bytes((servo_id, length & 0xFF, length >> 8))
        crc = dynamixel.crc16(head + body)
        return head + body + bytes((crc & 0xFF, crc >> 8))
    rest = bytes((servo_id, len(body) + 1)) + body
    return feetech.HEADER + rest + bytes((feetech.checksum(rest),))


def decode_status(protocol: str, frame: bytes) -> Packet:
    return dynamixel.decode(frame) if protocol == "dynamixel" else feetech.decode(frame)


# -- single packets --------------------------------------------------------------------
@FAST
@given(st.sampled_from(list(CODECS)), st.integers(0, 255), marker_rich)
def test_well_framed_packets_of_any_content_decode_or_raise_protocol_errors(
    protocol: str, servo_id: int, body: bytes
) -> None:
    with time_limit():
        try:
            packet = decode_status(protocol, framed(protocol, servo_id, body))
        except ProtocolError:
            return
    assert packet.servo_id == servo_id
    if protocol == "feetech":
        assert (packet.error, packet.params) == (body[0], body[1:])


@FAST
@given(marker_rich)
def test_stuffing_round_trips_and_never_leaves_a_header_in_the_body(data: bytes) -> None:
    stuffed = dynamixel.stuff(data)
    assert dynamixel.unstuff(stuffed) == data
    at = stuffed.find(b"\xff\xff\xfd")
    while at >= 0:
        assert stuffed[at + 3 : at + 4] == b"\xfd", stuffed.hex(" ")
        at = stuffed.find(b"\xff\xff\xfd", at + 4)


@FAST
@given(
    st.integers(0, dynamixel.BROADCAST_ID),
    st.integers(0, 255).filter(lambda i: i != STATUS),
    st.integers(0, 255),
    marker_rich,
)
def test_dynamixel_packets_with_any_params_round_trip_through_the_stream_parser(
    servo_id: int, instruction: int, error: int, params: bytes
) -> None:
    from firmware_bridge.servo_bus import parse_all

    request = dynamixel.encode(servo_id, instruction, params)
    status = dynamixel.encode_status(servo_id, error, params)
    assert dynamixel.decode(request) == Packet(servo_id, instruction, 0, params)
    stream = bytearray(request + status)
    assert parse_all(stream, dynamixel.find_frame, dynamixel.decode) == [
        Packet(servo_id, instruction, 0, params),
        Packet(servo_id, STATUS, error, params),
    ]


# -- the bus: transactions over replies of any bytes --------------------------------------
class ScriptedTransport:
    """A transport whose replies are scripted: each request gets the next burst, whose
    pieces arrive one after the other while the bus waits (`fill`)."""

    port = "fuzz"
    baud = 1_000_000
    byte_time_s = 1e-5
    latency_s = 0.0

    def __init__(self, bursts: list[list[bytes]]) -> None:
        self.bursts = deque(bursts)
        self.buffer = bytearray()
        self._arriving: deque[bytes] = deque()

    def reply_timeout(self, *_: float) -> float:
        return 0.0

    def send(self, packet: bytes) -> None:
        self.buffer.clear()  # as the real one: unread bytes of an earlier reply are dropped
        self._arriving = deque(self.bursts.popleft() if self.bursts else ())

    def fill(self, size: int, deadline: float) -> bool:
        while len(self.buffer) < size:
            if not self._arriving:
                return False  # the deadline passed
            self.buffer += self._arriving.popleft()
        return True

    def close(self) -> None:
        pass


def status_frames(protocol: str, length: int) -> st.SearchStrategy[bytes]:
    """Replies as servos send them: mostly healthy and of the asked length, sometimes
    with an error, another length, another ID, cut short or with a flipped byte."""
    codec = CODECS[protocol]
    good = st.builds(
        codec.encode_status,
        st.sampled_from([*IDS, 7]),
        st.sampled_from([0, 0, 0, 0x80, 0x01, 0x20, 0x7F]),
        st.one_of(st.binary(min_size=length, max_size=length), marker_rich),
    )
    return st.one_of(
        good,
        st.tuples(good, st.integers(1, 12)).map(lambda g: g[0][: -g[1]]),
        st.tuples(good, st.integers(0, 200), st.integers(1, 255)).map(
            lambda g: bytes(b ^ (g[2] if i == g[1] % len(g[0]) else 0) for i, b in enumerate(g[0]))
        ),
    )


def bursts(protocol: str, length: int) -> st.SearchStrategy[list[list[bytes]]]:
    """Per request, pieces of any kind, or every servo's healthy reply amid such pieces
    (so that some transactions get through and the paths after them run too)."""
    codec = CODECS[protocol]
    piece = st.one_of(status_frames(protocol, length), marker_rich, st.binary(max_size=30))
    every_reply = st.lists(
        st.binary(min_size=length, max_size=length), min_size=len(IDS), max_size=len(IDS)
    ).map(lambda data: [codec.encode_status(i, 0, d) for i, d in zip(IDS, data, strict=True)])
    around = st.lists(piece, max_size=2)
    answered = st.tuples(around, every_reply, around).map(lambda b: b[0] + b[1] + b[2])
    return st.lists(st.one_of(st.lists(piece, max_size=6), answered), max_size=5)


Call = Callable[[ServoBus, int], object]
CALLS: dict[str, Call] = {
    "read_bytes": lambda bus, n: bus.read_bytes(1, ADDRESS, n),
    "sync_read_bytes": lambda bus, n: bus.sync_read_bytes(IDS, ADDRESS, n),
    "sync_reader": lambda bus, n: bus.sync_reader(IDS, ADDRESS, n).read(),
    "ping": lambda bus, n: bus.ping(1),
    "try_ping": lambda bus, n: bus.try_ping(1),
    "write_bytes": lambda bus, n: bus.write_bytes(1, ADDRESS, bytes(n)),
}


def check_result(call: str, result: object, length: int) -> None:
    if call == "read_bytes":
        assert isinstance(result, bytes) and len(result) == length
    elif call == "sync_read_bytes":
        assert isinstance(result, dict) and set(result) == set(IDS)
        assert all(len(v) == length for v in result.values())
    elif call == "sync_reader":
        assert isinstance(result, list) and [len(v) for v in result] == [length] * len(IDS)
    elif call == "ping":
        assert isinstance(result, PingReply) and result.servo_id == 1
    elif call == "try_ping":
        assert isinstance(result, list)


def run_call(protocol: str, call: str, length: int, replies: list[list[bytes]]) -> None:
    bus = BUSES[protocol](ScriptedTransport(replies), return_delay_s=0.0)  # type: ignore[arg-type]
    with time_limit():
        try:
            result = CALLS[call](bus, length)
        except BridgeError:
            return
    check_result(call, result, length)


@st.composite
def transactions(draw: st.DrawFn) -> tuple[str, str, int, list[list[bytes]]]:
    protocol = draw(st.sampled_from(list(CODECS)))
    length = draw(st.integers(1, 6))
    return protocol, draw(st.sampled_from(list(CALLS))), length, draw(bursts(protocol, length))


@FAST
@given(transactions())
def test_bus_calls_over_any_replies_return_or_raise_bridge_errors(
    case: tuple[str, str, int, list[list[bytes]]],
) -> None:
    run_call(*case)


@pytest.mark.slow
@SLOW
@given(transactions())
def test_bus_calls_over_any_replies_return_or_raise_bridge_errors_long(
    case: tuple[str, str, int, list[list[bytes]]],
) -> None:
    run_call(*case)


@FAST
@given(
    st.sampled_from(list(CODECS)),
    st.lists(st.binary(min_size=4, max_size=4), min_size=len(IDS), max_size=len(IDS)),
    st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\xff", b"\x00")), min_size=4),
    st.lists(st.integers(1, 9), min_size=1),
)
def test_sync_reads_find_every_reply_between_garbage_arriving_in_pieces(
    protocol: str, params: list[bytes], noise: list[bytes], cuts: list[int]
) -> None:
    codec = CODECS[protocol]
    stream = b""
    for k, (sid, data) in enumerate(zip(IDS, params, strict=True)):
        stream += noise[k] + codec.encode_status(sid, 0, data)
    stream += noise[-1]
    pieces, at = [], 0
    for cut in cuts * len(stream):
        if at >= len(stream):
            break
        pieces.append(stream[at : at + cut])
        at += cut
    bus = BUSES[protocol](ScriptedTransport([pieces]), return_delay_s=0.0)  # type: ignore[arg-type]
    with time_limit():
        got = bus.sync_read_bytes(IDS, ADDRESS, 4)
    assert got == dict(zip(IDS, params, strict=True))
