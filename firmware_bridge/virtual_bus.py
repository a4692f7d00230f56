"""A virtual servo bus on a pseudo-terminal: emulated servos that answer like real ones.

`VirtualBus.handle(request)` turns one instruction packet into the replies the servos
would send (usable in-process, without a pty). `VirtualBus.start()` opens a pty and
serves it from a thread; any program (ours, the vendors' SDKs) opens `bus.path` with
pyserial and talks to it as to a USB adapter.

Timing: each servo waits its return delay time before answering. With `wire_timing`,
replies also wait for the time the request and the reply would take on the wire
(10 bits per byte at the baud rate), and the bus stays busy for that long, so a
client's throughput is capped as on a real half-duplex bus. Servos answer only when the
client's port is set to their baud rate (read back from the pty), so scans across baud
rates behave as on hardware.

Faults: a `FaultSchedule` in `faults` (set it at any time, from any thread) corrupts,
forges, drops or delays replies and pulls the cable on the requests it covers
(`firmware_bridge.faults`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import select
import struct
import termios
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from firmware_bridge import dynamixel, feetech
from firmware_bridge.control_tables import DEFAULT_MODEL, ControlTable, get_model
from firmware_bridge.errors import BridgeError, ProtocolError, SetupError
from firmware_bridge.faults import FaultSchedule
from firmware_bridge.packet import BROADCAST_ID, Packet
from firmware_bridge.servo_model import ModelFactory, kinematic_factory
from firmware_bridge.virtual_servo import VirtualServo

log = logging.getLogger(__name__)

BITS_PER_BYTE = 10
"""Start bit, 8 data bits, stop bit."""
_POLL_S = 0.1
"""How often the serving thread checks whether it was asked to stop."""
WATCH_POLL_S = 0.002
"""How often it checks the servos' bus watchdogs while one runs (s): a servo stops
within this long of its watchdog running out."""
_SPIN_S = 0.0003
"""The last part of a timed wait is spent spinning: `time.sleep` overshoots by ~100 us."""


@dataclass(frozen=True)
class Reply:
    """Bytes one servo sends, after waiting `delay_s` (its return delay time)."""

    data: bytes
    delay_s: float


class VirtualBus:
    """Emulated servos of one protocol sharing one bus."""

    def __init__(
        self,
        protocol: str,
        servos: Iterable[VirtualServo],
        *,
        wire_timing: bool = False,
        strict_baud: bool = True,
        eeprom_path: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        faults: FaultSchedule | None = None,
    ) -> None:
        if protocol not in ("dynamixel", "feetech"):
            raise ValueError(f"unknown protocol {protocol!r}: use 'dynamixel' or 'feetech'")
        self.protocol = protocol
        self.codec = dynamixel if protocol == "dynamixel" else feetech
        self.servos = list(servos)
        self.wire_timing = wire_timing
        self.strict_baud = strict_baud
        self.eeprom_path = eeprom_path
        self.clock = clock
        self.faults = faults
        """Faults injected into the requests from now on (None: a healthy bus)."""
        self.path = ""
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._busy_until = 0.0
        self._saved_eeprom = self._eeprom_snapshot()

    # -- the servos' behaviour ------------------------------------------------------
    def _by_id(self, servo_id: int, baud: int | None) -> list[VirtualServo]:
        return self._index(baud).get(servo_id, [])

    def _index(self, baud: int | None) -> dict[int, list[VirtualServo]]:
        """Servos that hear `baud`, by ID (several when IDs are duplicated)."""
        index: dict[int, list[VirtualServo]] = {}
        for s in self.servos:
            if baud is None or s.baud == baud:
                index.setdefault(s.servo_id, []).append(s)
        return index

    def _answers(self, servo: VirtualServo, instruction: int) -> bool:
        """Whether the status return level lets the servo answer this instruction."""
        level = servo.status_return_level
        is_read = instruction in (dynamixel.Instruction.PING, dynamixel.Instruction.READ)
        if self.protocol == "dynamixel":
            return (
                level >= 2 or (level == 1 and is_read) or instruction == dynamixel.Instruction.PING
            )
        return level >= 1 or is_read

    def handle(self, request: Packet, baud: int | None = None) -> list[Reply]:
        """The replies to one decoded instruction packet, in the order they go on the wire,
        with the scheduled faults applied.

        baud: the client's baud rate; only servos set to it hear the request (None: all).
        """
        faults = self.faults
        if faults is None:
            return self._replies(request, baud)
        return faults.apply(self.protocol, self.clock(), lambda: self._replies(request, baud))

    def _replies(self, request: Packet, baud: int | None) -> list[Reply]:
        """What the servos do with one request, and their replies."""
        now = self.clock()
        for servo in self.servos:
            servo.heard(now)
        inst, params = request.instruction, request.params
        dxl = self.protocol == "dynamixel"
        wide = 2 if dxl else 1  # address and length fields are 2 bytes on Dynamixel
        if inst == 0x82:  # SYNC_READ
            if len(params) < 2 * wide:
                return []
            address = int.from_bytes(params[:wide], "little")
            length = int.from_bytes(params[wide : 2 * wide], "little")
            replies = []
            index = self._index(baud)
            for sid in params[2 * wide :]:
                for servo in index.get(sid, ()):
                    data = servo.read(address, length, now)
                    replies.append(self._status(servo, 0 if data is not None else 4, data or b""))
            return replies
        if inst == 0x83:  # SYNC_WRITE
            if len(params) < 2 * wide:
                return []
            address = int.from_bytes(params[:wide], "little")
            length = int.from_bytes(params[wide : 2 * wide], "little")
            body = params[2 * wide :]
            index = self._index(baud)
            for at in range(0, len(body) - length, length + 1):
                for servo in index.get(body[at], ()):
                    servo.write(address, body[at + 1 : at + 1 + length], now)
            self._persist()
            return []
        if dxl and inst == 0x92:  # BULK_READ
            replies = []
            for at in range(0, len(params) - 4, 5):
                sid = params[at]
                address = int.from_bytes(params[at + 1 : at + 3], "little")
                length = int.from_bytes(params[at + 3 : at + 5], "little")
                for servo in self._by_id(sid, baud):
                    data = servo.read(address, length, now)
                    replies.append(self._status(servo, 0 if data is not None else 4, data or b""))
            return replies
        if dxl and inst == 0x93:  # BULK_WRITE
            at = 0
            while at + 5 <= len(params):
                sid = params[at]
                address = int.from_bytes(params[at + 1 : at + 3], "little")
                length = int.from_bytes(params[at + 3 : at + 5], "little")
                for servo in self._by_id(sid, baud):
                    servo.write(address, params[at + 5 : at + 5 + length], now)
                at += 5 + length
            self._persist()
            return []
        targets = (
            [s for s in self.servos if baud is None or s.baud == baud]
            if request.servo_id == BROADCAST_ID
            else self._by_id(request.servo_id, baud)
        )
        replies = []
        for servo in sorted(targets, key=lambda s: s.servo_id):
            reply = self._execute(servo, inst, params, now)
            answer = request.servo_id != BROADCAST_ID or (inst == 0x01 and dxl)
            if reply is not None and answer and self._answers(servo, inst):
                replies.append(reply)
        self._persist()
        return replies

    def watch(self, servos: Iterable[VirtualServo] | None = None) -> None:
        """Stop every servo whose bus watchdog ran out (the serving thread calls this)."""
        now = self.clock()
        for servo in self.servos if servos is None else servos:
            if servo.watch(now):
                log.info("virtual servo %d: bus watchdog ran out, stopped", servo.servo_id)

    def _execute(self, servo: VirtualServo, inst: int, params: bytes, now: float) -> Reply | None:
        dxl = self.protocol == "dynamixel"
        wide = 2 if dxl else 1
        if inst == 0x01:  # PING
            return self._status(servo, 0, servo.ping_params() if dxl else b"")
        if inst == 0x02:  # READ
            if len(params) != 2 * wide:
                return self._status(servo, 5, b"")
            address = int.from_bytes(params[:wide], "little")
            length = int.from_bytes(params[wide:], "little")
            data = servo.read(address, length, now)
            return self._status(servo, 0 if data is not None else 4, data or b"")
        if inst == 0x03:  # WRITE
            if len(params) <= wide:
                return self._status(servo, 5, b"")
            old_id = servo.servo_id
            address = int.from_bytes(params[:wide], "little")
            result = servo.write(address, params[wide:], now)
            error = int(result) if dxl else 0
            return self._status(servo, error, b"", servo_id=old_id)
        if inst == 0x08:  # REBOOT
            servo.reboot(now)
            return self._status(servo, 0, b"")
        if inst == 0x06:  # FACTORY_RESET
            option = params[0] if params else 0xFF
            servo.factory_reset(now, keep_id=option in (1, 2), keep_baud=option == 2 or not dxl)
            return self._status(servo, 0, b"")
        return self._status(servo, 2 if dxl else 0, b"")  # instruction error

    def _status(
        self, servo: VirtualServo, error: int, params: bytes, servo_id: int | None = None
    ) -> Reply:
        sid = servo.servo_id if servo_id is None else servo_id
        if self.protocol == "dynamixel" and servo.value("hardware_error_status"):
            error |= dynamixel.ALERT_BIT
        return Reply(self.codec.encode_status(sid, error, params), servo.return_delay_s)

    # -- EEPROM file ----------------------------------------------------------------
    def _eeprom_snapshot(self) -> dict[str, dict[str, int]]:
        return {str(s.slot): s.saved_eeprom for s in self.servos}

    def _persist(self) -> None:
        if self.eeprom_path is None:
            return
        snapshot = self._eeprom_snapshot()
        if snapshot == self._saved_eeprom:
            return
        self._saved_eeprom = snapshot
        tmp = self.eeprom_path.with_suffix(self.eeprom_path.suffix + ".tmp")
        tmp.write_text(json.dumps({"protocol": self.protocol, "servos": snapshot}, indent=1))
        tmp.replace(self.eeprom_path)

    # -- the pseudo-terminal ------------------------------------------------------------
    def start_pty(self) -> str:
        """Open the pty without serving it yet; return the device path clients open."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        # The slave stays open here too, so a client closing its end does not hang up the pty.
        self.path = os.ttyname(self._slave)
        return self.path

    def start(self) -> str:
        """Open the pty, serve it from a thread; return the device path clients open."""
        self.start_pty()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="virtual-servo-bus", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        """Stop serving and close the pty."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def __enter__(self) -> VirtualBus:
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_until(self, stop: threading.Event) -> None:
        """Serve in the calling thread until `stop` is set (the CLI's main loop)."""
        self._stop = stop
        self._serve()

    def _client_baud(self) -> int | None:
        """The baud rate the client set on the pty, or None if it cannot be known."""
        assert self._master is not None
        try:
            speed = termios.tcgetattr(self._master)[5]
        except termios.error:
            return None
        if speed == _BOTHER:
            return _custom_baud(self._master)
        return _SPEEDS.get(speed)

    def _serve(self) -> None:
        master = self._master
        assert master is not None
        buf = bytearray()
        find, decode = self.codec.find_frame, self.codec.decode
        while not self._stop.is_set():
            watching = [s for s in self.servos if s.watching]
            ready, _, _ = select.select([master], [], [], WATCH_POLL_S if watching else _POLL_S)
            self.watch(watching)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                continue
            arrival = self.clock()
            buf += chunk
            while True:
                begin, end = find(buf)
                if begin:
                    del buf[:begin]
                if end < 0:
                    break
                frame = bytes(buf[: end - begin])
                del buf[: end - begin]
                try:
                    request = (
                        decode(frame)
                        if self.protocol == "dynamixel"
                        else decode(frame, status=False)
                    )
                except ProtocolError as err:
                    log.debug("virtual bus dropped a bad packet: %s", err)
                    continue
                if request.is_status:
                    continue  # our own replies never come back on a pty; ignore strays
                try:
                    self._respond(master, request, len(frame), arrival)
                except BridgeError as err:
                    log.warning("virtual bus: %s", err)

    def _respond(self, master: int, request: Packet, request_len: int, arrival: float) -> None:
        baud = self._client_baud() if self.strict_baud else None
        replies = self.handle(request, baud)
        if not self.wire_timing:
            delay = sum(r.delay_s for r in replies)
            if delay:
                time.sleep(delay)
            if replies:
                os.write(master, b"".join(r.data for r in replies))
            return
        done = self.schedule(arrival, request_len, replies, baud or self._bus_baud())
        if replies:
            _sleep_until(done, self.clock)
            os.write(master, b"".join(r.data for r in replies))

    def schedule(self, arrival: float, request_len: int, replies: list[Reply], baud: int) -> float:
        """With wire timing: when the last reply byte would have left the bus (s, clock).

        The request's bytes take their wire time after the bus is free (a previous
        exchange may still be on it), then each servo waits its return delay and sends.
        """
        byte_s = BITS_PER_BYTE / baud
        t = max(arrival, self._busy_until) + request_len * byte_s
        for reply in replies:
            t += reply.delay_s + len(reply.data) * byte_s
        self._busy_until = t
        return t

    def _bus_baud(self) -> int:
        return self.servos[0].baud if self.servos else 1_000_000


def _sleep_until(deadline: float, clock: Callable[[], float]) -> None:
    remaining = deadline - clock()
    if remaining > _SPIN_S:
        time.sleep(remaining - _SPIN_S)
    while clock() < deadline:
        pass


_STANDARD_RATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600)
_FAST_RATES = (1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000)
_SPEEDS = {
    getattr(termios, f"B{rate}"): rate
    for rate in (*_STANDARD_RATES, *_FAST_RATES)
    if hasattr(termios, f"B{rate}")
}
_BOTHER = 0o010000
_TCGETS2 = 0x802C542A
_TERMIOS2 = struct.Struct("4I B 19s 2I")


def _custom_baud(fd: int) -> int | None:
    """Read a non-standard baud rate (Linux termios2), as pyserial sets it."""
    try:
        raw = fcntl.ioctl(fd, _TCGETS2, bytes(_TERMIOS2.size))
    except OSError:
        return None
    return _TERMIOS2.unpack(raw)[-1]


def build_servos(
    ids: Iterable[int],
    table: ControlTable,
    *,
    baud: int | None = None,
    model_factory: ModelFactory | None = None,
    eeprom: dict[str, dict[str, int]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[VirtualServo]:
    """Emulated servos with IDs `ids`, set to `baud`, EEPROM from a saved file's contents."""
    factory = model_factory or kinematic_factory()
    servos = []
    for sid in ids:
        values = dict((eeprom or {}).get(str(sid), {}))
        if baud is not None and "baud_rate" not in values:
            values["baud_rate"] = table.baud_index(baud)
        servo = VirtualServo(sid, table, factory(sid, table), values)
        servo.reboot(clock())
        servos.append(servo)
    return servos


def load_eeprom(path: Path) -> dict[str, dict[str, int]]:
    """The servos' saved EEPROM from an emulator's `--eeprom` file ({} if it does not exist)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        return {
            str(k): {str(n): int(v) for n, v in regs.items()} for k, regs in data["servos"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise SetupError(f"{path} is not an emulator EEPROM file: {err}") from err


def make_virtual_bus(
    protocol: str,
    ids: Iterable[int],
    *,
    model: str | None = None,
    baud: int = 1_000_000,
    wire_timing: bool = False,
    eeprom_path: Path | None = None,
    model_factory: ModelFactory | None = None,
) -> VirtualBus:
    """A virtual bus of servos `ids` (not started). `model_factory` plugs in the physics
    (default: `KinematicServo`s); the PyBullet twin passes one that serves its joints."""
    table = get_model(model or DEFAULT_MODEL[protocol])
    if table.protocol != protocol:
        raise SetupError(f"model {table.model} speaks {table.protocol}, not {protocol}")
    try:
        table.baud_index(baud)
    except ValueError as err:
        raise SetupError(str(err)) from None
    eeprom = load_eeprom(eeprom_path) if eeprom_path else None
    servos = build_servos(ids, table, baud=baud, eeprom=eeprom, model_factory=model_factory)
    return VirtualBus(protocol, servos, wire_timing=wire_timing, eeprom_path=eeprom_path)
