"""Feetech SCS/STS protocol: packets, checksum, status errors.

Instruction: FF FF | ID | LEN | INST | params | CHK, with LEN = len(params) + 2 and
CHK = ~(ID + LEN + INST + sum(params)) & 0xFF.
Status:      FF FF | ID | LEN | ERR | params | CHK.
Status packets carry no marker, so the caller says which kind it expects (`decode`'s
`status` flag). STS/SMS values are little-endian; signed values are sign-magnitude
(see `control_tables`). SYNC_WRITE gets no reply; SYNC_READ gets one status per servo.
Source: Feetech FT-SCS protocol manual and the vendor's Python SDK (scservo_sdk).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from firmware_bridge.errors import (
    ChecksumError,
    ElectricalShockError,
    EncoderError,
    InputVoltageError,
    OverheatingError,
    OverloadError,
    ProtocolError,
    ServoError,
)
from firmware_bridge.packet import BROADCAST_ID, STATUS, Packet

__all__ = ["BROADCAST_ID", "STATUS", "Instruction", "Packet"]

HEADER = b"\xff\xff"
HEADER_SIZE = 4
"""Bytes up to and including LEN: FF FF ID LEN."""
STATUS_OVERHEAD = 6
"""Bytes of a status packet besides its params: FF FF ID LEN ERR CHK."""
MAX_LENGTH = 250
"""Largest LEN the vendor SDK accepts; longer claims are garbage."""


class Instruction(IntEnum):
    PING = 0x01
    READ = 0x02
    WRITE = 0x03
    REG_WRITE = 0x04
    ACTION = 0x05
    FACTORY_RESET = 0x06
    """RESET in Feetech's manual: restore the memory table to factory values."""
    REBOOT = 0x08
    SYNC_READ = 0x82
    SYNC_WRITE = 0x83


def checksum(data: bytes | bytearray | memoryview) -> int:
    """Checksum of ID..last param (everything between the header and the checksum)."""
    return ~sum(data) & 0xFF


def encode(servo_id: int, instruction: int, params: bytes = b"") -> bytes:
    """An instruction packet with its checksum."""
    if not 0 <= servo_id <= BROADCAST_ID:
        raise ValueError(f"servo ID {servo_id} outside 0..{BROADCAST_ID}")
    if len(params) + 2 > MAX_LENGTH:
        raise ValueError(f"Feetech packet too long: {len(params)} parameter bytes")
    body = bytes((servo_id, len(params) + 2, instruction)) + params
    return HEADER + body + bytes((checksum(body),))


def encode_status(servo_id: int, error: int = 0, params: bytes = b"") -> bytes:
    """A status packet as a servo sends it (used by the virtual bus and tests)."""
    body = bytes((servo_id, len(params) + 2, error)) + params
    return HEADER + body + bytes((checksum(body),))


def ping(servo_id: int) -> bytes:
    return encode(servo_id, Instruction.PING)


def read(servo_id: int, address: int, length: int) -> bytes:
    return encode(servo_id, Instruction.READ, bytes((address, length)))


def write(servo_id: int, address: int, data: bytes) -> bytes:
    return encode(servo_id, Instruction.WRITE, bytes((address,)) + data)


def action(servo_id: int = BROADCAST_ID) -> bytes:
    return encode(servo_id, Instruction.ACTION)


def reboot(servo_id: int) -> bytes:
    return encode(servo_id, Instruction.REBOOT)


def factory_reset(servo_id: int) -> bytes:
    return encode(servo_id, Instruction.FACTORY_RESET)


def sync_read(servo_ids: Iterable[int], address: int, length: int) -> bytes:
    """One request; every listed servo answers with one status packet, in list order."""
    return encode(BROADCAST_ID, Instruction.SYNC_READ, bytes((address, length, *servo_ids)))


def sync_write(address: int, length: int, data: Iterable[tuple[int, bytes]]) -> bytes:
    """Write `length` bytes at `address` of each (servo ID, data); no servo answers."""
    params = bytearray((address, length))
    for servo_id, chunk in data:
        if len(chunk) != length:
            raise ValueError(f"sync write to servo {servo_id}: {len(chunk)} bytes, need {length}")
        params.append(servo_id)
        params += chunk
    return encode(BROADCAST_ID, Instruction.SYNC_WRITE, bytes(params))


def find_frame(buf: bytes | bytearray, start: int = 0) -> tuple[int, int]:
    """Locate the next frame in `buf[start:]` by its framing (header, plausible length).

    Same contract as `dynamixel.find_frame`: (begin, end) with end == -1 when the frame
    at `begin` is incomplete; bytes before `begin` are garbage.
    """
    size = len(buf)
    i = start
    while True:
        i = buf.find(HEADER, i)
        if i < 0:
            keep = 1 if buf.endswith(b"\xff") else 0
            return max(start, size - keep), -1
        if size < i + HEADER_SIZE:
            return i, -1
        servo_id, length = buf[i + 2], buf[i + 3]
        # FF FF FF...: the header may start one byte later.
        if servo_id == 0xFF or not 2 <= length <= MAX_LENGTH:
            i += 1
            continue
        end = i + HEADER_SIZE + length
        return (i, end) if end <= size else (i, -1)


def decode(frame: bytes | bytearray, status: bool = True) -> Packet:
    """Decode exactly one packet; `status` says whether it is a reply or an instruction.

    Raises ProtocolError / ChecksumError.
    """
    frame = bytes(frame)
    if len(frame) < HEADER_SIZE + 2:
        raise ProtocolError(f"Feetech packet too short: {len(frame)} bytes, {frame.hex(' ')}")
    if not frame.startswith(HEADER):
        raise ProtocolError(f"no Feetech header (FF FF): {frame[:2].hex(' ')}")
    servo_id, length = frame[2], frame[3]
    if length + HEADER_SIZE != len(frame):
        raise ProtocolError(
            f"Feetech packet length field says {length + HEADER_SIZE} bytes, got {len(frame)}"
        )
    if servo_id == 0xFF:
        raise ProtocolError("Feetech packet with ID 0xFF (not a valid ID)")
    if checksum(frame[2:-1]) != frame[-1]:
        raise ChecksumError(f"Feetech checksum mismatch from ID {servo_id}: {frame.hex(' ')}")
    code, params = frame[4], frame[5:-1]
    if status:
        return Packet(servo_id, STATUS, code, params)
    return Packet(servo_id, code, 0, params)


# Status error byte bits, most severe first (the first set bit picks the error type).
ERROR_BITS: tuple[tuple[int, type[ServoError], str], ...] = (
    (0x08, ElectricalShockError, "over-current"),
    (0x02, EncoderError, "angle sensor error"),
    (0x04, OverheatingError, "overheating"),
    (0x20, OverloadError, "overload"),
    (0x01, InputVoltageError, "input voltage error"),
)


def status_error(servo_id: int, error: int, port: str = "") -> ServoError | None:
    """The typed error for a status packet's error byte, or None when it is clear."""
    if not error:
        return None
    flags = tuple(name for bit, _, name in ERROR_BITS if error & bit)
    for bit, cls, _ in ERROR_BITS:
        if error & bit:
            return cls(servo_id, flags, port=port)
    return ServoError(servo_id, (f"unknown error bits 0x{error:02x}",), port=port)
