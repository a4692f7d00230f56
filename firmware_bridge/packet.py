"""The decoded form of a packet, shared by both protocols."""

from __future__ import annotations

from typing import NamedTuple

STATUS = 0x55
"""`Packet.instruction` of a status (reply) packet. On Dynamixel 2.0 this is the byte on
the wire; Feetech status packets carry no marker, the decoder sets it."""

BROADCAST_ID = 0xFE
"""Every servo executes a packet sent to this ID (and, except for PING and sync/bulk
reads, none answers)."""


class Packet(NamedTuple):
    """One instruction or status packet.

    servo_id: 0..253, or BROADCAST_ID. instruction: the instruction code, or STATUS for
    a reply. error: the status packet's error byte (0 for instructions). params: the
    parameter bytes, after Dynamixel byte stuffing was removed.
    """

    servo_id: int
    instruction: int
    error: int
    params: bytes

    @property
    def is_status(self) -> bool:
        return self.instruction == STATUS
