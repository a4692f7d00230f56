"""Servo bring-up: scan the bus, set IDs and baud rates, flash EEPROM profiles.

Each function works on an open `ServoBus` (or opens one) and returns what it found or
did, so the CLI prints it and tests check it. Steps that could lock someone out of a
servo (a new ID, a new baud rate) refuse to proceed when the target is ambiguous:
an ID already on the bus, several servos answering as one ID.
The calibration file (ticks <-> joint radians) is `core.calibration`.
"""

from __future__ import annotations

import contextlib
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firmware_bridge.control_tables import ControlTable, get_model, model_by_number, standard_bauds
from firmware_bridge.errors import BridgeError, BusTimeout, SetupError
from firmware_bridge.servo_bus import ServoBus, bus_class
from firmware_bridge.transport import Transport

ALL_IDS = range(0, 253)
SCAN_MARGIN_S = 0.002
"""Host margin per ping while scanning: a real servo answers within its return delay;
a long margin makes a full scan (253 IDs x every baud) slow."""


@dataclass(frozen=True)
class FoundServo:
    """One servo found by a scan."""

    servo_id: int
    protocol: str
    model: str
    model_number: int
    firmware: str
    baud: int
    duplicate: bool = False
    """Several servos answered as this ID (set IDs one servo at a time)."""

    def line(self) -> str:
        dup = "  DUPLICATE ID: connect one servo at a time to fix" if self.duplicate else ""
        return (
            f"ID {self.servo_id:3d}  {self.model:<12s} firmware {self.firmware:<5s} "
            f"{self.baud} baud  {self.protocol}{dup}"
        )


def scan(
    port: str,
    protocols: Sequence[str] = ("feetech", "dynamixel"),
    bauds: Sequence[int] | None = None,
    ids: Iterable[int] = ALL_IDS,
    host_margin_s: float = SCAN_MARGIN_S,
    progress: Callable[[str], None] | None = None,
) -> list[FoundServo]:
    """Every servo that answers on `port`, for each protocol and baud rate."""
    ids = list(ids)
    found: list[FoundServo] = []
    for protocol in protocols:
        rates = list(bauds) if bauds else list(standard_bauds(protocol))
        transport = Transport(port, rates[0], host_margin_s=host_margin_s)
        bus = bus_class(protocol)(transport, retries=0)
        try:
            for baud in rates:
                if progress:
                    progress(f"{protocol} at {baud} baud")
                transport.set_baud(baud)
                found += _scan_one_baud(bus, protocol, baud, ids)
        finally:
            bus.close()
    return found


def _scan_one_baud(bus: ServoBus, protocol: str, baud: int, ids: list[int]) -> list[FoundServo]:
    found = []
    for sid in ids:
        try:
            replies = bus.try_ping(sid)
        except BridgeError:
            continue  # garbage at a wrong baud rate: nothing there
        if not replies:
            continue
        first = replies[0]
        table = model_by_number(protocol, first.model_number)
        found.append(
            FoundServo(
                servo_id=sid,
                protocol=protocol,
                model=table.model if table else f"model {first.model_number}",
                model_number=first.model_number,
                firmware=first.firmware,
                baud=baud,
                duplicate=len(replies) > 1,
            )
        )
    return found


def _the_servo(bus: ServoBus, servo_id: int) -> ControlTable:
    """The control table of the one servo answering as `servo_id`; SetupError otherwise."""
    replies = bus.try_ping(servo_id)
    if not replies:
        raise BusTimeout((servo_id,), bus.port, bus.baud)
    if len(replies) > 1:
        raise SetupError(
            f"{len(replies)} servos answer as ID {servo_id} on {bus.port}: connect one servo "
            "at a time and give each its own ID"
        )
    table = model_by_number(bus.protocol, bus.ping(servo_id).model_number)
    if table is None:
        raise SetupError(
            f"servo {servo_id} on {bus.port} is model {replies[0].model_number}, which has no "
            "control table here (known: sts3215, xl330-m288, xl430-w250)"
        )
    return table


def _unlock(bus: ServoBus, servo_id: int, table: ControlTable) -> None:
    """Torque off (EEPROM is writable only then) and, on Feetech, open the EEPROM lock."""
    bus.write(servo_id, table["torque_enable"], 0)
    if "lock" in table:
        bus.write(servo_id, table["lock"], 0)


def _lock(bus: ServoBus, servo_id: int, table: ControlTable) -> None:
    if "lock" in table:
        bus.write(servo_id, table["lock"], 1)


def set_id(bus: ServoBus, old_id: int, new_id: int) -> str:
    """Give the servo answering as `old_id` the ID `new_id`; returns a report line."""
    max_id = 252
    if not 0 <= new_id <= max_id:
        raise SetupError(f"ID {new_id} is outside 0..{max_id}")
    if new_id == old_id:
        return f"servo {old_id} already has ID {new_id}"
    if bus.try_ping(new_id):
        raise SetupError(
            f"ID {new_id} is already on the bus {bus.port}: pick a free ID "
            "(`robot servo scan` lists the IDs in use)"
        )
    table = _the_servo(bus, old_id)
    _unlock(bus, old_id, table)
    with contextlib.suppress(BusTimeout):  # some firmware answers from the new ID
        bus.write(old_id, table["id"], new_id)
    bus.ping(new_id)
    _lock(bus, new_id, table)
    return f"servo {old_id} ({table.model}) now has ID {new_id} on {bus.port}"


def set_baud(bus: ServoBus, servo_id: int, new_baud: int) -> str:
    """Set a servo's baud rate; the bus follows it. Returns a report line."""
    table = _the_servo(bus, servo_id)
    try:
        index = table.baud_index(new_baud)
    except ValueError as err:
        raise SetupError(str(err)) from None
    old_baud = bus.baud
    _unlock(bus, servo_id, table)
    with contextlib.suppress(BusTimeout):  # the reply may already go out at the new rate
        bus.write(servo_id, table["baud_rate"], index)
    bus.transport.set_baud(new_baud)
    try:
        bus.ping(servo_id)
    except BusTimeout as err:
        raise SetupError(
            f"servo {servo_id} does not answer at {new_baud} baud after the change; "
            f"`robot servo scan --port {bus.port}` finds it at whatever rate it took"
        ) from err
    _lock(bus, servo_id, table)
    return f"servo {servo_id} ({table.model}) now talks at {new_baud} baud (was {old_baud})"


# -- flashing EEPROM profiles ---------------------------------------------------------------
@dataclass(frozen=True)
class ServoProfile:
    """Register values for one servo, in register units."""

    servo_id: int
    values: dict[str, int]
    new_id: int | None = None
    """Give the servo this ID after writing the rest (refused if the ID is taken)."""


@dataclass(frozen=True)
class FlashProfile:
    """A servo EEPROM profile file (TOML):

    protocol = "feetech"          # optional: checked against the bus
    model = "sts3215"             # every servo must be this model
    [defaults]                    # written to every servo
    return_delay_time = 0
    [[servos]]
    id = 1                        # the servo's ID now
    new_id = 11                   # optional: its ID after flashing
    min_position_limit = 700
    max_position_limit = 3400

    Baud rates are not flashed (the read-back would lose the servo): use set-baud.
    """

    model: str
    protocol: str
    servos: tuple[ServoProfile, ...]
    path: str = ""


def load_flash_profile(path: str | Path) -> FlashProfile:
    path = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text())
    except OSError as err:
        raise SetupError(f"cannot read servo profile {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise SetupError(f"{path}: {err}") from err
    try:
        table = get_model(str(data["model"]))
    except KeyError as err:
        raise SetupError(
            f"{path}: {err.args[0]}" if data.get("model") else f"{path}: no `model`"
        ) from None
    defaults = data.get("defaults", {})
    servos = []
    for k, entry in enumerate(data.get("servos", [])):
        entry = dict(entry)
        if "id" not in entry:
            raise SetupError(f"{path}: servos[{k}] has no `id`")
        sid = int(entry.pop("id"))
        new_id = entry.pop("new_id", None)
        values = {**defaults, **entry}
        for name, value in values.items():
            if name not in table:
                raise SetupError(f"{path}: servo {sid}: {table.model} has no register {name!r}")
            if not table[name].writable:
                raise SetupError(f"{path}: servo {sid}: register {name!r} is read-only")
            if name == "id":
                raise SetupError(f"{path}: servo {sid}: give the new ID as `new_id`")
            if name == "baud_rate":
                raise SetupError(
                    f"{path}: servo {sid}: change baud rates with `robot servo set-baud`"
                )
            try:
                table[name].encode(int(value))
            except (ValueError, TypeError) as err:
                raise SetupError(f"{path}: servo {sid}: {name} = {value!r}: {err}") from None
        if new_id is not None and not (isinstance(new_id, int) and 0 <= new_id <= 252):
            raise SetupError(f"{path}: servo {sid}: new_id must be an ID within 0..252")
        servos.append(ServoProfile(sid, {n: int(v) for n, v in values.items()}, new_id))
    if not servos:
        raise SetupError(f"{path}: no [[servos]] entries")
    protocol = str(data.get("protocol", table.protocol))
    if protocol != table.protocol:
        raise SetupError(f"{path}: model {table.model} speaks {table.protocol}, not {protocol}")
    return FlashProfile(table.model, protocol, tuple(servos), str(path))


@dataclass
class FlashReport:
    """What flashing did to one servo."""

    servo_id: int
    written: list[str] = field(default_factory=list)
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Register -> (wanted, read back)."""
    volatile: list[str] = field(default_factory=list)
    """RAM registers: written, but lost at power-off."""
    error: str = ""
    new_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.error

    def line(self) -> str:
        if self.error:
            return f"servo {self.servo_id}: FAILED: {self.error}"
        if self.mismatched:
            bad = ", ".join(f"{n} wanted {w} read {r}" for n, (w, r) in self.mismatched.items())
            return f"servo {self.servo_id}: MISMATCH after write: {bad}"
        n = len(self.written)
        text = f"servo {self.servo_id}: {n} register{'s' * (n != 1)} written and read back"
        if self.new_id is not None:
            text += f", now ID {self.new_id}"
        if self.volatile:
            text += f" ({', '.join(self.volatile)} in RAM: lost at power-off)"
        return text


def flash(bus: ServoBus, profile: FlashProfile) -> list[FlashReport]:
    """Write the profile to each servo, read it back, report per servo (never stops early)."""
    if profile.protocol != bus.protocol:
        raise SetupError(
            f"{profile.path}: profile is for {profile.protocol}, the bus is {bus.protocol}"
        )
    table = get_model(profile.model)
    reports = []
    for servo in profile.servos:
        report = FlashReport(servo.servo_id)
        reports.append(report)
        try:
            found = _the_servo(bus, servo.servo_id)
            if found.model != table.model:
                raise SetupError(f"is a {found.model}, the profile is for {table.model}")
            _unlock(bus, servo.servo_id, table)
            for name, value in servo.values.items():
                bus.write(servo.servo_id, table[name], value)
                report.written.append(name)
                if table[name].area == "ram":
                    report.volatile.append(name)
            _lock(bus, servo.servo_id, table)
            for name, value in servo.values.items():
                got = bus.read(servo.servo_id, table[name])
                if got != value:
                    report.mismatched[name] = (value, got)
            if servo.new_id is not None and servo.new_id != servo.servo_id:
                set_id(bus, servo.servo_id, servo.new_id)
                report.new_id = servo.new_id
        except BridgeError as err:
            report.error = str(err)
    return reports


def parse_ids(text: str) -> list[int]:
    """ "1-6", "1,3,5", "1-3,7" -> list of IDs (each 0..253)."""
    ids: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                ids.extend(range(low, high + 1))
            elif part:
                ids.append(int(part))
    except ValueError:
        raise SetupError(f"cannot read servo IDs from {text!r}: use e.g. 1-6 or 1,3,5") from None
    bad = [i for i in ids if not 0 <= i <= 253]
    if bad or not ids:
        raise SetupError(f"servo IDs must be within 0..253, got {text!r}")
    return ids


# -- calibration readings ---------------------------------------------------------------------
@dataclass(frozen=True)
class ServoReadings:
    """What calibration records for one servo, in present-position ticks.

    zero_ticks: at the joint's zero pose; range_min / range_max: ends of its travel
    (range_min > range_max when the travel crosses the encoder's wrap point);
    homing_offset: the register's value while these were read.
    """

    servo_id: int
    zero_ticks: int
    range_min: int
    range_max: int
    homing_offset: int
    resolution: int


def homing_offset_for(
    table: ControlTable, actual_present: int, old_offset: int, target: int
) -> int:
    """The homing offset that makes the current pose read `target` ticks.

    Feetech: present = actual - offset, offset sign-magnitude within +-2047 and present
    wrapped to one turn, so the offset is taken modulo one turn into that range (this is
    what "magnitude 2114 exceeds 2047" calls for). Dynamixel: present = actual + offset.
    """
    if table.protocol == "feetech":
        actual = actual_present + old_offset
        half = table.resolution // 2
        offset = (actual - target + half) % table.resolution - half
        return max(-(half - 1), offset) if offset == -half else offset
    actual = actual_present - old_offset
    return target - actual


def _wrap(table: ControlTable, ticks: int) -> int:
    """Feetech positions read within one turn; Dynamixel ones are not wrapped."""
    return ticks % table.resolution if table.protocol == "feetech" else ticks


def record_calibration(
    bus: ServoBus,
    servo_ids: Sequence[int],
    model: str,
    *,
    zero: dict[int, int] | None = None,
    ranges: dict[int, tuple[int, int]] | None = None,
    home: bool = False,
    prompt: Callable[[str], None] = lambda text: None,
    done: Callable[[], bool] = lambda: True,
    poll_s: float = 0.05,
) -> list[ServoReadings]:
    """Record zero pose and travel of each servo, with torque off.

    zero / ranges: positions given on the command line (ticks); otherwise read from the
    servos: `prompt` tells the person what to do, `done()` returns True once they are
    done moving the joints (the CLI waits for Enter). home: first write homing offsets so
    that the zero pose reads half a turn, keeping the wrap point out of the travel.
    """
    table = get_model(model)
    ids = list(servo_ids)
    position = table["present_position"]
    for sid in ids:
        bus.write(sid, table["torque_enable"], 0)
    offsets = {sid: bus.read(sid, table["homing_offset"]) for sid in ids}

    def present() -> dict[int, int]:
        got = bus.sync_read_bytes(ids, position.address, position.size)
        return {sid: position.decode(data) for sid, data in got.items()}

    zero = dict(zero) if zero is not None else None
    ranges = dict(ranges) if ranges is not None else None
    if zero is None:
        prompt("Move the arm to its zero pose (all joints at 0 rad), then press Enter.")
        zero = present()
    if home:
        target = table.resolution // 2 - 1
        for sid in ids:
            new = homing_offset_for(table, zero[sid], offsets[sid], target)
            if "lock" in table:
                bus.write(sid, table["lock"], 0)
            bus.write(sid, table["homing_offset"], new)
            if "lock" in table:
                bus.write(sid, table["lock"], 1)
            # Readings move by the change of offset (signs per vendor, see above).
            shift = (offsets[sid] - new) if table.protocol == "feetech" else (new - offsets[sid])
            zero[sid] = _wrap(table, zero[sid] + shift)
            if ranges is not None:
                low, high = ranges[sid]
                ranges[sid] = (_wrap(table, low + shift), _wrap(table, high + shift))
            offsets[sid] = new
    if ranges is None:
        prompt("Move every joint through its full range, then press Enter.")
        half = table.resolution / 2
        low = {sid: 0.0 for sid in ids}
        high = {sid: 0.0 for sid in ids}
        while True:
            for sid, ticks in present().items():
                d = (ticks - zero[sid] + half) % table.resolution - half  # unwrapped around zero
                low[sid], high[sid] = min(low[sid], d), max(high[sid], d)
            if done():
                break
            time.sleep(poll_s)
        ranges = {
            sid: (
                round(zero[sid] + low[sid]) % table.resolution,
                round(zero[sid] + high[sid]) % table.resolution,
            )
            for sid in ids
        }
    return [
        ServoReadings(
            sid, zero[sid], ranges[sid][0], ranges[sid][1], offsets[sid], table.resolution
        )
        for sid in ids
    ]
