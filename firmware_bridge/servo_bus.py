"""Transactions on a servo bus: ping, read, write, sync read/write, reboot, factory reset.

`ServoBus` holds what both protocols share: send a request, collect the status packets
it calls for, resynchronise past garbage, corrupted or interleaved bytes, retry a
bounded number of times, and turn error bytes into typed errors naming port and servo.
`DynamixelBus` and `FeetechBus` add what differs (packet layout, ping, alarms).

A sync read that misses some servos asks again for those only, so one flaky servo
does not blind the others; after `retries` more attempts it raises `BusTimeout` naming
the silent servos.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar

from firmware_bridge import dynamixel, feetech
from firmware_bridge.control_tables import Register, model_by_number
from firmware_bridge.errors import BusTimeout, ProtocolError, ServoError
from firmware_bridge.packet import BROADCAST_ID, Packet
from firmware_bridge.transport import Transport

ParamsLength = int | Mapping[int, int] | None
"""The params a reply carries: one count for every servo, one per servo ID, or unknown."""

DEFAULT_RETRIES = 2
"""Extra attempts after a timeout or a corrupted reply (bounded: a dead servo costs
(1 + retries) timeouts, not a hang)."""
MAX_RETURN_DELAY_S = 254 * 2e-6
"""Largest return delay time a servo can be set to (register 254, unit 2 us); the
timeout assumes it until told the real value."""


@dataclass(frozen=True)
class PingReply:
    """What a servo says about itself."""

    servo_id: int
    model_number: int
    firmware: str

    @property
    def model(self) -> str:
        return _model_name(self.model_number)


def _model_name(number: int) -> str:
    for protocol in ("feetech", "dynamixel"):
        table = model_by_number(protocol, number)
        if table is not None:
            return table.model
    return f"unknown model {number}"


class ServoBus:
    """One bus of servos of one protocol behind one serial port. Not thread-safe."""

    protocol: ClassVar[str]
    codec: ClassVar[ModuleType]
    status_overhead: ClassVar[int]

    def __init__(
        self,
        transport: Transport,
        *,
        retries: int = DEFAULT_RETRIES,
        return_delay_s: float = MAX_RETURN_DELAY_S,
    ) -> None:
        self.transport = transport
        self.retries = retries
        self.return_delay_s = return_delay_s
        """Per-servo return delay the timeouts allow for; set it lower once known."""
        self.corrupted = 0
        """Count of corrupted packets skipped since the bus was opened."""
        self.stale = 0
        """Count of late replies (to an earlier, timed-out request) skipped."""

    @classmethod
    def open(cls, port: str, baud: int, **kwargs: float) -> ServoBus:
        """Open `port` at `baud`; keyword arguments go to `Transport` (host_margin_s)."""
        return cls(Transport(port, baud, **kwargs))

    @property
    def port(self) -> str:
        return self.transport.port

    @property
    def baud(self) -> int:
        return self.transport.baud

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> ServoBus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- protocol specifics (overridden) ---------------------------------------------
    def _decode_status(self, frame: bytes | bytearray) -> Packet:
        raise NotImplementedError

    def _raise_for_status(self, packet: Packet) -> None:
        """Raise the typed error a status packet's error byte calls for."""
        raise NotImplementedError

    def ping(self, servo_id: int) -> PingReply:
        """Model number and firmware of a servo; BusTimeout if it does not answer."""
        raise NotImplementedError

    # -- transactions ------------------------------------------------------------------
    def _collect(
        self,
        packet: bytes,
        ids: Sequence[int],
        params_len: ParamsLength,
        timeout: float | None = None,
    ) -> dict[int, Packet]:
        """Send `packet`, gather one status packet per ID in `ids` (what arrives in time).

        params_len: the params each reply carries (one count for all, or one per ID),
        when known: it sizes the first read, and a healthy reply of another length is
        a late answer to an earlier request, skipped.
        """
        t = self.transport
        lengths = _lengths(ids, params_len)
        need = self.status_overhead * len(ids) + sum(lengths.values() if lengths else ())
        if timeout is None:
            timeout = t.reply_timeout(len(packet), need, self.return_delay_s * len(ids))
        t.send(packet)
        return self._gather(ids, need, time.monotonic() + timeout, lengths)

    def _gather(
        self,
        ids: Sequence[int],
        need: int,
        deadline: float,
        lengths: Mapping[int, int] | None = None,
    ) -> dict[int, Packet]:
        """Parse status packets for `ids` from the bytes received so far and those that
        arrive before `deadline`; `need`: the bytes all replies take at least.

        lengths: the params each ID's reply carries. A reply without an error and of
        another length answers an earlier request that timed out (its servo was slow,
        the reply came after we sent again): it is counted in `stale` and skipped.
        """
        t = self.transport
        rx = t.buffer
        want = set(ids)
        got: dict[int, Packet] = {}
        find = self.codec.find_frame
        pos = 0
        timed_out = False
        while True:
            while want:
                begin, end = find(rx, pos)
                if end < 0:
                    pos = begin
                    break
                try:
                    reply = self._decode_status(rx[begin:end])
                except ProtocolError:
                    self.corrupted += 1
                    pos = begin + 1  # resynchronise on the next header
                    continue
                pos = end
                if reply.is_status and reply.servo_id in want:
                    if _is_stale(reply, lengths):
                        self.stale += 1
                        continue
                    want.discard(reply.servo_id)
                    got[reply.servo_id] = reply
            if not want:
                return got
            if not timed_out:
                # Parse again whatever arrived, whether or not the wait completed.
                timed_out = not t.fill(max(need, len(rx) + 1), deadline)
            elif pos < len(rx):
                # Out of time with an incomplete frame: its length field may have been
                # corrupted and hide good packets behind it. Step past its first byte.
                pos += 1
            else:
                return got

    def _transact(
        self,
        make_packet: Callable[[list[int]], bytes],
        ids: Sequence[int],
        params_len: ParamsLength,
        got: dict[int, Packet] | None = None,
    ) -> dict[int, Packet]:
        """Request with bounded retries; re-ask only the servos that did not answer.

        got: replies already in hand (then only the rest are asked for, `retries` times).
        """
        attempts = self.retries if got is not None else 1 + self.retries
        got = dict(got or {})
        missing = [i for i in ids if i not in got]
        while missing and attempts > 0:
            attempts -= 1
            got.update(self._collect(make_packet(missing), missing, params_len))
            missing = [i for i in ids if i not in got]
        if missing:
            raise BusTimeout(tuple(missing), self.port, self.baud)
        for sid in ids:
            self._raise_for_status(got[sid])
        return got

    def read_bytes(self, servo_id: int, address: int, length: int) -> bytes:
        """`length` bytes of a servo's control table from `address`."""
        reply = self._transact(
            lambda _: self.codec.read(servo_id, address, length), [servo_id], length
        )[servo_id]
        self._check_length(reply, length)
        return reply.params

    def write_bytes(self, servo_id: int, address: int, data: bytes) -> None:
        """Write bytes at `address`; waits for the status (none for the broadcast ID)."""
        packet = self.codec.write(servo_id, address, data)
        if servo_id == BROADCAST_ID:
            self.transport.send(packet)
            return
        self._transact(lambda _: packet, [servo_id], 0)

    def read(self, servo_id: int, register: Register) -> int:
        """A register's value in register units (sign decoded)."""
        return register.decode(self.read_bytes(servo_id, register.address, register.size))

    def write(self, servo_id: int, register: Register, value: int) -> None:
        """Write a register's value in register units (sign encoded, range-checked)."""
        self.write_bytes(servo_id, register.address, register.encode(value))

    def sync_read_bytes(self, ids: Sequence[int], address: int, length: int) -> dict[int, bytes]:
        """One request for all servos; {ID: bytes}. Retries only servos that were silent."""
        got = self._transact(
            lambda missing: self.codec.sync_read(missing, address, length), ids, length
        )
        for reply in got.values():
            self._check_length(reply, length)
        return {sid: got[sid].params for sid in ids}

    def sync_write_bytes(
        self, address: int, length: int, data: Iterable[tuple[int, bytes]]
    ) -> None:
        """One packet for all servos, no reply."""
        self.transport.send(self.codec.sync_write(address, length, data))

    def reboot(self, servo_id: int) -> None:
        self._transact(lambda _: self.codec.reboot(servo_id), [servo_id], 0)

    def factory_reset(self, servo_id: int) -> None:
        """Reset a servo's control table to factory values, keeping ID and baud rate."""
        self._transact(lambda _: self.codec.factory_reset(servo_id), [servo_id], 0)

    def try_ping(self, servo_id: int, timeout: float | None = None) -> list[PingReply]:
        """Ping once, no retry, and wait the whole timeout: every servo that answered as
        `servo_id` (several means duplicate IDs); an empty list when none did."""
        raise NotImplementedError

    def _collect_all(self, packet: bytes, timeout: float | None) -> list[Packet]:
        """Send `packet` and keep every good status packet that arrives until the timeout."""
        t = self.transport
        if timeout is None:
            timeout = t.reply_timeout(len(packet), 14, self.return_delay_s)
        t.send(packet)
        deadline = time.monotonic() + timeout
        while t.fill(len(t.buffer) + 1, deadline):
            pass
        return parse_all(t.buffer, self.codec.find_frame, self._decode_status)

    def _check_length(self, reply: Packet, length: int) -> None:
        if len(reply.params) != length:
            self.corrupted += 1
            raise ProtocolError(
                f"servo {reply.servo_id} on {self.port} sent {len(reply.params)} bytes, "
                f"asked for {length}"
            )

    # -- the control loop's hot path ---------------------------------------------------
    def sync_reader(self, ids: Sequence[int], address: int, length: int) -> SyncReader:
        return SyncReader(self, ids, address, length)

    def sync_writer(self, ids: Sequence[int], address: int, length: int) -> SyncWriter:
        return SyncWriter(self, ids, address, length)


class SyncReader:
    """A sync read prepared once and issued every control cycle.

    The request is constant, so it is encoded once; the replies are checked in place
    when they arrive whole and in order (the usual case), and fall back to the general
    parser with its resynchronisation otherwise. `read()` asks silent servos again and
    raises; `read_once()`, the control loop's, does not: its next tick asks again.
    """

    def __init__(self, bus: ServoBus, ids: Sequence[int], address: int, length: int) -> None:
        self.bus = bus
        self.ids = tuple(ids)
        self.address = address
        self.length = length
        self.request = bus.codec.sync_read(self.ids, address, length)
        self.frame_len = bus.status_overhead + length
        self.total = self.frame_len * len(self.ids)
        self._lengths = dict.fromkeys(self.ids, length)
        if isinstance(bus, DynamixelBus):
            self._prefixes = [
                dynamixel.HEADER + bytes((sid, (length + 4) & 0xFF, (length + 4) >> 8, 0x55, 0))
                for sid in self.ids
            ]
        else:
            self._prefixes = [b"\xff\xff" + bytes((sid, length + 2, 0)) for sid in self.ids]
        self._dxl = isinstance(bus, DynamixelBus)

    def read(self) -> list[bytes]:
        """The bytes of each servo, in `ids` order. Servos that did not answer are asked
        again (`bus.retries` times); raises BusTimeout, ServoError or ProtocolError."""
        got = self._exchange()
        if isinstance(got, list):
            return got
        bus = self.bus
        got = bus._transact(
            lambda missing: bus.codec.sync_read(missing, self.address, self.length),
            self.ids,
            self.length,
            got=got,
        )
        for reply in got.values():
            bus._check_length(reply, self.length)
        return [got[sid].params for sid in self.ids]

    def read_once(self) -> list[bytes | ServoError | None]:
        """One request, no retry, within one reply timeout (plus, on Dynamixel, one read
        of the hardware error status of a servo that raises its alert). For each servo in
        `ids` order: its bytes, the typed error its status packet reports, or None when
        no valid reply came in time. Raises only PortError."""
        got = self._exchange()
        if isinstance(got, list):
            return got  # type: ignore[return-value]  # list[bytes] is one of the outcomes
        return [self._outcome(got.get(sid)) for sid in self.ids]

    def reply_timeout(self) -> float:
        """How long (s) one read waits for the replies (what a read of a dead bus costs)."""
        bus = self.bus
        return bus.transport.reply_timeout(
            len(self.request), self.total, bus.return_delay_s * len(self.ids)
        )

    def _exchange(self) -> list[bytes] | dict[int, Packet]:
        """Send the request. Each servo's bytes when every reply came whole, in order and
        without error (the usual case); otherwise the replies parsed by the deadline."""
        bus, t = self.bus, self.bus.transport
        timeout = self.reply_timeout()
        t.send(self.request)
        deadline = time.monotonic() + timeout
        rx = t.buffer
        if t.fill(self.total, deadline) and len(rx) == self.total:
            out = self._parse_in_place(rx)
            if out is not None:
                return out
        return bus._gather(self.ids, self.total, deadline, self._lengths)

    def _outcome(self, reply: Packet | None) -> bytes | ServoError | None:
        if reply is None:
            return None
        try:
            self.bus._raise_for_status(reply)
        except ServoError as err:
            if len(reply.params) == self.length:
                err.params = bytes(reply.params)
            return err
        if len(reply.params) != self.length:
            self.bus.corrupted += 1
            return None
        return reply.params

    def _parse_in_place(self, rx: bytearray) -> list[bytes] | None:
        out = []
        n, size, prefix_len = self.length, self.frame_len, len(self._prefixes[0])
        crc16 = dynamixel.crc16
        for k, prefix in enumerate(self._prefixes):
            i = k * size
            if rx[i : i + prefix_len] != prefix:
                return None
            if self._dxl:
                crc = rx[i + size - 2] | (rx[i + size - 1] << 8)
                if crc16(memoryview(rx)[i : i + size - 2]) != crc:
                    return None
                out.append(bytes(rx[i + 9 : i + 9 + n]))
            else:
                if (~sum(memoryview(rx)[i + 2 : i + size - 1]) & 0xFF) != rx[i + size - 1]:
                    return None
                out.append(bytes(rx[i + 5 : i + 5 + n]))
        return out


class SyncWriter:
    """A sync write to fixed servos and address, issued every control cycle."""

    def __init__(self, bus: ServoBus, ids: Sequence[int], address: int, length: int) -> None:
        self.bus = bus
        self.ids = tuple(ids)
        self.address = address
        self.length = length

    def write(self, chunks: Sequence[bytes]) -> None:
        """Send one packet: `chunks[k]` (`length` bytes) to servo `ids[k]`."""
        packet = self.bus.codec.sync_write(
            self.address, self.length, zip(self.ids, chunks, strict=True)
        )
        self.bus.transport.send(packet)


class DynamixelBus(ServoBus):
    protocol = "dynamixel"
    codec = dynamixel
    status_overhead = dynamixel.STATUS_OVERHEAD

    def _decode_status(self, frame: bytes | bytearray) -> Packet:
        return dynamixel.decode(frame)

    def _raise_for_status(self, packet: Packet) -> None:
        error = dynamixel.status_error(packet.servo_id, packet.error, self.port)
        if error is not None:
            raise error
        if packet.error & dynamixel.ALERT_BIT:
            status = self._collect(
                dynamixel.read(packet.servo_id, dynamixel.HARDWARE_ERROR_STATUS_ADDRESS, 1),
                [packet.servo_id],
                1,
            ).get(packet.servo_id)
            value = status.params[0] if status is not None and status.params else 0
            alarm = dynamixel.hardware_error(packet.servo_id, value, self.port)
            raise alarm or ServoError(packet.servo_id, ("hardware alert",), port=self.port)

    def ping(self, servo_id: int) -> PingReply:
        reply = self._transact(lambda _: dynamixel.ping(servo_id), [servo_id], 3)[servo_id]
        return _dxl_ping_reply(reply)

    def try_ping(self, servo_id: int, timeout: float | None = None) -> list[PingReply]:
        replies = self._collect_all(dynamixel.ping(servo_id), timeout)
        return [_dxl_ping_reply(r) for r in replies if len(r.params) >= 3]

    def bulk_read_bytes(self, items: Sequence[tuple[int, int, int]]) -> dict[int, bytes]:
        """Different registers of different servos in one request: (ID, address, length)
        per servo; {ID: bytes}. Retries ask again only the servos that were silent."""
        lengths = {sid: length for sid, _, length in items}
        by_id = {sid: (sid, address, length) for sid, address, length in items}
        got = self._transact(
            lambda missing: dynamixel.bulk_read([by_id[i] for i in missing]),
            list(by_id),
            lengths,
        )
        for sid, reply in got.items():
            self._check_length(reply, lengths[sid])
        return {sid: got[sid].params for sid in by_id}


class FeetechBus(ServoBus):
    protocol = "feetech"
    codec = feetech
    status_overhead = feetech.STATUS_OVERHEAD
    _INFO_ADDRESS = 0
    _INFO_LENGTH = 5  # firmware major, minor, (endianness), model number (2)

    def _decode_status(self, frame: bytes | bytearray) -> Packet:
        return feetech.decode(frame, status=True)

    def _raise_for_status(self, packet: Packet) -> None:
        error = feetech.status_error(packet.servo_id, packet.error, self.port)
        if error is not None:
            raise error

    def ping(self, servo_id: int) -> PingReply:
        self._transact(lambda _: feetech.ping(servo_id), [servo_id], 0)
        return self._info(servo_id)

    def _info(self, servo_id: int) -> PingReply:
        info = self.read_bytes(servo_id, self._INFO_ADDRESS, self._INFO_LENGTH)
        return PingReply(servo_id, info[3] | (info[4] << 8), f"{info[0]}.{info[1]}")

    def try_ping(self, servo_id: int, timeout: float | None = None) -> list[PingReply]:
        replies = [
            r for r in self._collect_all(feetech.ping(servo_id), timeout) if r.servo_id == servo_id
        ]
        if len(replies) != 1:  # none, or duplicates whose info reads would collide
            return [PingReply(servo_id, 0, "?") for _ in replies]
        return [self._info(servo_id)]


def _lengths(ids: Sequence[int], params_len: ParamsLength) -> Mapping[int, int] | None:
    if params_len is None or isinstance(params_len, Mapping):
        return params_len
    return dict.fromkeys(ids, params_len)


def _is_stale(reply: Packet, lengths: Mapping[int, int] | None) -> bool:
    """A healthy reply whose length is not the one asked for: an earlier request's.
    (A reply with an error may carry no params; it is ours and raises later.)"""
    if lengths is None or reply.error:
        return False
    return len(reply.params) != lengths.get(reply.servo_id, len(reply.params))


def _dxl_ping_reply(reply: Packet) -> PingReply:
    p = reply.params
    return PingReply(reply.servo_id, p[0] | (p[1] << 8), str(p[2]))


def parse_all(
    buf: bytearray,
    find_frame: Callable[[bytearray, int], tuple[int, int]],
    decode: Callable[[bytearray], Packet],
) -> list[Packet]:
    """Every good packet in `buf`, skipping garbage and corrupted packets."""
    out, pos = [], 0
    while True:
        begin, end = find_frame(buf, pos)
        if end < 0:
            return out
        try:
            out.append(decode(buf[begin:end]))
            pos = end
        except ProtocolError:
            pos = begin + 1


def open_bus(protocol: str, port: str, baud: int, **kwargs: float) -> ServoBus:
    """A `DynamixelBus` or `FeetechBus` on `port` at `baud`."""
    cls = bus_class(protocol)
    return cls.open(port, baud, **kwargs)


def bus_class(protocol: str) -> type[ServoBus]:
    if protocol == "dynamixel":
        return DynamixelBus
    if protocol == "feetech":
        return FeetechBus
    raise ValueError(f"unknown servo protocol {protocol!r}: use 'dynamixel' or 'feetech'")
