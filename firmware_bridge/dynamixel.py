"""Dynamixel Protocol 2.0: packets, CRC-16, byte stuffing, status errors.

Instruction: FF FF FD 00 | ID | LEN_L LEN_H | INST | params | CRC_L CRC_H, where
LEN = len(params) + 3 (instruction byte and CRC), counted after byte stuffing.
Status:      FF FF FD 00 | ID | LEN_L LEN_H | 55 | ERR | params | CRC_L CRC_H.
CRC-16: polynomial 0x8005, initial value 0, not reflected, over every byte before the CRC.
Byte stuffing: inside instruction + params, each FF FF FD gets an extra FD so that the
header never appears inside a packet. Multi-byte values are little-endian.
Source: ROBOTIS e-Manual, "DYNAMIXEL Protocol 2.0".
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from firmware_bridge.errors import (
    AccessError,
    ChecksumError,
    DataLengthError,
    DataLimitError,
    DataRangeError,
    ElectricalShockError,
    EncoderError,
    InputVoltageError,
    InstructionNotSupported,
    OverheatingError,
    OverloadError,
    ProtocolError,
    ResultFail,
    ServoCrcError,
    ServoError,
)
from firmware_bridge.packet import BROADCAST_ID, STATUS, Packet

__all__ = ["BROADCAST_ID", "STATUS", "Instruction", "Packet"]

HEADER = b"\xff\xff\xfd\x00"
_HEADER3 = HEADER[:3]
_STUFFED = b"\xff\xff\xfd\xfd"
HEADER_SIZE = 7
"""Bytes before the instruction: header (4), ID, LEN_L, LEN_H."""
STATUS_OVERHEAD = 11
"""Bytes of a status packet besides its params: header, ID, LEN (2), 0x55, ERR, CRC (2)."""
MAX_LENGTH = 1024
"""Largest LEN we accept when scanning; longer claims are garbage (RX buffers are smaller)."""


class Instruction(IntEnum):
    PING = 0x01
    READ = 0x02
    WRITE = 0x03
    REG_WRITE = 0x04
    ACTION = 0x05
    FACTORY_RESET = 0x06
    REBOOT = 0x08
    CLEAR = 0x10
    STATUS = STATUS
    SYNC_READ = 0x82
    SYNC_WRITE = 0x83
    FAST_SYNC_READ = 0x8A
    BULK_READ = 0x92
    BULK_WRITE = 0x93
    FAST_BULK_READ = 0x9A


def _crc_table() -> tuple[int, ...]:
    polynomial = 0x8005
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ polynomial) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


CRC_TABLE = _crc_table()


def crc16(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC-16 of Protocol 2.0 (poly 0x8005, init 0, not reflected). `crc` continues a prefix."""
    table = CRC_TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFF00) ^ table[(crc >> 8) ^ byte]
    return crc


def stuff(body: bytes) -> bytes:
    """Add byte stuffing to instruction + params (FF FF FD -> FF FF FD FD)."""
    # The pattern cannot overlap itself, so one left-to-right replace is exact.
    return body.replace(_HEADER3, _STUFFED) if _HEADER3 in body else body


def unstuff(body: bytes) -> bytes:
    """Remove byte stuffing (FF FF FD FD -> FF FF FD)."""
    return body.replace(_STUFFED, _HEADER3) if _STUFFED in body else body


def _frame(servo_id: int, body: bytes) -> bytes:
    body = stuff(body)
    length = len(body) + 2
    head = HEADER + bytes((servo_id, length & 0xFF, length >> 8))
    packet = head + body
    crc = crc16(packet)
    return packet + bytes((crc & 0xFF, crc >> 8))


def encode(servo_id: int, instruction: int, params: bytes = b"") -> bytes:
    """An instruction packet, stuffed and with its CRC."""
    if not 0 <= servo_id <= BROADCAST_ID:
        raise ValueError(f"servo ID {servo_id} outside 0..{BROADCAST_ID}")
    return _frame(servo_id, bytes((instruction,)) + params)


def encode_status(servo_id: int, error: int = 0, params: bytes = b"") -> bytes:
    """A status packet as a servo sends it (used by the virtual bus and tests)."""
    return _frame(servo_id, bytes((STATUS, error)) + params)


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "little")


def ping(servo_id: int) -> bytes:
    return encode(servo_id, Instruction.PING)


def read(servo_id: int, address: int, length: int) -> bytes:
    return encode(servo_id, Instruction.READ, _u16(address) + _u16(length))


def write(servo_id: int, address: int, data: bytes) -> bytes:
    return encode(servo_id, Instruction.WRITE, _u16(address) + data)


def action(servo_id: int = BROADCAST_ID) -> bytes:
    return encode(servo_id, Instruction.ACTION)


def reboot(servo_id: int) -> bytes:
    return encode(servo_id, Instruction.REBOOT)


FACTORY_RESET_ALL = 0xFF
FACTORY_RESET_KEEP_ID = 0x01
FACTORY_RESET_KEEP_ID_AND_BAUD = 0x02


def factory_reset(servo_id: int, option: int = FACTORY_RESET_KEEP_ID_AND_BAUD) -> bytes:
    """Reset the control table; by default keep ID and baud so the servo stays reachable."""
    return encode(servo_id, Instruction.FACTORY_RESET, bytes((option,)))


def sync_read(servo_ids: Iterable[int], address: int, length: int) -> bytes:
    """One request; every listed servo answers with one status packet, in list order."""
    return encode(
        BROADCAST_ID, Instruction.SYNC_READ, _u16(address) + _u16(length) + bytes(servo_ids)
    )


def sync_write(address: int, length: int, data: Iterable[tuple[int, bytes]]) -> bytes:
    """Write `length` bytes at `address` of each (servo ID, data); no servo answers."""
    params = bytearray(_u16(address) + _u16(length))
    for servo_id, chunk in data:
        if len(chunk) != length:
            raise ValueError(f"sync write to servo {servo_id}: {len(chunk)} bytes, need {length}")
        params.append(servo_id)
        params += chunk
    return encode(BROADCAST_ID, Instruction.SYNC_WRITE, bytes(params))


def bulk_read(items: Iterable[tuple[int, int, int]]) -> bytes:
    """Read (servo ID, address, length) for each item; each servo answers in turn."""
    params = b"".join(bytes((sid,)) + _u16(addr) + _u16(n) for sid, addr, n in items)
    return encode(BROADCAST_ID, Instruction.BULK_READ, params)


def find_frame(buf: bytes | bytearray, start: int = 0) -> tuple[int, int]:
    """Locate the next frame in `buf[start:]` by its framing (header, plausible length).

    Returns (begin, end). end > begin: `buf[begin:end]` is a whole frame (checksum not yet
    checked: `decode` does that). end == -1: a frame starts at `begin` but is not complete,
    or `begin` is where a header might start; bytes before `begin` are garbage that the
    caller may drop.
    """
    size = len(buf)
    i = start
    while True:
        i = buf.find(_HEADER3, i)
        if i < 0:
            # Keep a trailing partial header ("FF" or "FF FF") for the next read.
            keep = 2 if buf.endswith(b"\xff\xff") else 1 if buf.endswith(b"\xff") else 0
            return max(start, size - keep), -1
        if size < i + HEADER_SIZE:
            return i, -1
        length = buf[i + 5] | (buf[i + 6] << 8)
        if buf[i + 3] != 0 or buf[i + 4] > BROADCAST_ID or not 3 <= length <= MAX_LENGTH:
            i += 1
            continue
        end = i + HEADER_SIZE + length
        return (i, end) if end <= size else (i, -1)


def decode(frame: bytes | bytearray) -> Packet:
    """Decode exactly one packet (instruction or status). Raises ProtocolError/ChecksumError."""
    frame = bytes(frame)
    if len(frame) < HEADER_SIZE + 3:
        raise ProtocolError(f"Dynamixel packet too short: {len(frame)} bytes, {frame.hex(' ')}")
    if not frame.startswith(HEADER):
        raise ProtocolError(f"no Dynamixel 2.0 header (FF FF FD 00): {frame[:4].hex(' ')}")
    length = frame[5] | (frame[6] << 8)
    if length + HEADER_SIZE != len(frame):
        raise ProtocolError(
            f"Dynamixel packet length field says {length + HEADER_SIZE} bytes, got {len(frame)}"
        )
    crc = frame[-2] | (frame[-1] << 8)
    if crc16(frame[:-2]) != crc:
        raise ChecksumError(f"Dynamixel CRC mismatch from ID {frame[4]}: {frame.hex(' ')}")
    body = unstuff(frame[HEADER_SIZE:-2])
    servo_id, instruction = frame[4], body[0]
    if instruction == STATUS:
        if len(body) < 2:
            raise ProtocolError(f"Dynamixel status packet from ID {servo_id} has no error byte")
        return Packet(servo_id, STATUS, body[1], body[2:])
    return Packet(servo_id, instruction, 0, body[1:])


# Status packet error byte: bit 7 alert, bits 0..6 an error number.
ALERT_BIT = 0x80
_STATUS_ERRORS: dict[int, tuple[type[ServoError], str]] = {
    1: (ResultFail, "result fail"),
    2: (InstructionNotSupported, "instruction error"),
    3: (ServoCrcError, "CRC error"),
    4: (DataRangeError, "data range error"),
    5: (DataLengthError, "data length error"),
    6: (DataLimitError, "data limit error"),
    7: (AccessError, "access error"),
}

HARDWARE_ERROR_STATUS_ADDRESS = 70
# Hardware_Error_Status bits, most severe first (the first set bit picks the error type).
_HARDWARE_ERRORS: tuple[tuple[int, type[ServoError], str], ...] = (
    (0x10, ElectricalShockError, "electrical shock"),
    (0x08, EncoderError, "motor encoder error"),
    (0x04, OverheatingError, "overheating"),
    (0x20, OverloadError, "overload"),
    (0x01, InputVoltageError, "input voltage error"),
)


def status_error(servo_id: int, error: int, port: str = "") -> ServoError | None:
    """The typed error for a status packet's error number (alert bit ignored), or None."""
    number = error & 0x7F
    if number == 0:
        return None
    cls, name = _STATUS_ERRORS.get(number, (ServoError, f"unknown error number {number}"))
    return cls(servo_id, (name,), port=port)


def hardware_error(servo_id: int, status: int, port: str = "") -> ServoError | None:
    """The typed alarm for a Hardware_Error_Status value (address 70), or None if clear."""
    flags = tuple(name for bit, _, name in _HARDWARE_ERRORS if status & bit)
    for bit, cls, _ in _HARDWARE_ERRORS:
        if status & bit:
            return cls(servo_id, flags, port=port)
    return None
