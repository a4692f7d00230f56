"""Calibration files: the map between servo ticks and joint radians.

Our format (JSON, written by `robot servo calibrate`):

    {"format": "robot-stack-calibration/1", "robot": "so101", "protocol": "feetech",
     "joints": {"shoulder_pan": {"servo_id": 1, "zero_ticks": 2047, "range_min": 800,
                                 "range_max": 3300, "direction": 1, "homing_offset": -112,
                                 "resolution": 4096}, ...}}

zero_ticks, range_min, range_max: present-position readings (servo ticks) at joint angle
0 and at the ends of the joint's travel, read while the servo's homing offset register
held `homing_offset`. If the register holds another value later (a factory reset, a
re-flash), the limb corrects for the difference, with each vendor's sign
(Feetech `present = actual - offset`, Dynamixel `present = actual + offset`).

joint angle (rad) = profile direction * direction * (ticks - zero_ticks) * 2 pi / resolution,
where ticks are first unwrapped around the middle of the recorded range, so a range that
crosses the encoder's wrap point (4095 -> 0) maps continuously.

LeRobot's calibration JSON for the same arm ({"shoulder_pan": {"id", "drive_mode",
"homing_offset", "range_min", "range_max"}, ...}) is read as well: zero is the middle
of the range (LeRobot's "degrees" mode) and drive_mode 1 inverts the direction.

Values that no servo can report are refused with a ConfigError naming the file, joint,
key, value and allowed range (`check_joint`): ticks outside one encoder turn, a travel
that is empty or crosses the wrap point, a zero pose outside the travel, a direction
other than +-1, a homing offset the protocol's register cannot hold. `load_calibration`
checks what the file alone allows; the limb checks again with the servo's model (its
resolution, its protocol's homing offset range) when it opens.

It lives in `core` because three layers share it: the serial limb
(`robot.limbs.serial`) reads it, the twin's servos (`sim.servo_twin`) and
`robot servo calibrate` (`robot.servo.calibrate`) write it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Protocol

import msgspec

from core.errors import ConfigError

FORMAT = "robot-stack-calibration/1"
DEFAULT_RESOLUTION = 4096
HOMING_OFFSET_LIMITS = {"feetech": 2047, "dynamixel": 1_044_479}
"""Largest |homing offset| (ticks) each protocol's register holds: Feetech STS stores it
sign-magnitude with the sign in bit 11; Dynamixel X allows +-1,044,479 (e-Manual,
Homing Offset (20))."""
RECALIBRATE = "recalibrate with `robot servo calibrate`"


class ServoTable(Protocol):
    """What `check_joint` reads of a servo model: `firmware_bridge`'s `ControlTable` is
    one (typed structurally, so this bottom layer imports nothing above it)."""

    @property
    def model(self) -> str: ...

    @property
    def protocol(self) -> str: ...

    @property
    def resolution(self) -> int: ...


class JointCalibration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One joint's servo readings; see the module docstring for the meaning of each."""

    servo_id: int
    zero_ticks: int
    range_min: int
    range_max: int
    direction: int = 1
    """+1 or -1 (checked by `check_joint`, so that the message can name the value)."""
    homing_offset: int = 0
    resolution: int = DEFAULT_RESOLUTION


class Calibration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    joints: dict[str, JointCalibration]
    format: str = FORMAT
    robot: str = ""
    protocol: str = ""
    source: str = ""
    """Where it came from: "robot servo calibrate", or the LeRobot file it was read from."""

    def joint(self, name: str, path: str = "") -> JointCalibration:
        try:
            return self.joints[name]
        except KeyError:
            where = f" in {path}" if path else ""
            raise ConfigError(
                f"no calibration for joint {name!r}{where}; calibrated joints: "
                f"{', '.join(self.joints) or 'none'}. Run `robot servo calibrate`."
            ) from None


def save_calibration(calibration: Calibration, path: str | Path) -> None:
    """Write a calibration file (JSON, human-readable)."""
    data = msgspec.to_builtins(calibration)
    Path(path).write_text(json.dumps(data, indent=2) + "\n")


def load_calibration(path: str | Path, protocol: str = "") -> Calibration:
    """Read our calibration file or a LeRobot calibration JSON (detected by its keys).

    Raises ConfigError naming the file and key.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ConfigError(f"cannot read calibration file {path}: {err.strerror}") from err
    except ValueError as err:
        raise ConfigError(f"{path} is not JSON: {err}") from err
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a calibration file") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a calibration file is a JSON object")
    if "joints" in data:
        try:
            calibration = msgspec.convert(data, type=Calibration)
        except (msgspec.ValidationError, ValueError) as err:
            raise ConfigError(f"{path}: {err}") from err
    else:
        calibration = from_lerobot(data, protocol=protocol, source=str(path))
    for name, joint in calibration.joints.items():
        check_joint(name, joint, str(path), protocol=protocol or calibration.protocol)
    return calibration


def check_joint(
    name: str,
    cal: JointCalibration,
    where: str,
    *,
    protocol: str = "",
    table: ServoTable | None = None,
) -> None:
    """Raise ConfigError unless `cal` can be true of a servo.

    where: the file (or source) the message names. protocol: the bus's, when known (""
    checks the homing offset against the widest range); table: the servo's model, when
    known (its resolution and protocol are then checked too).
    """

    def refuse(key: str, value: int, allowed: str) -> ConfigError:
        return ConfigError(
            f"{where}: joint {name!r}: {key} = {value} is outside {allowed}; {RECALIBRATE}"
        )

    if table is not None:
        protocol = table.protocol
        if cal.resolution != table.resolution:
            raise ConfigError(
                f"{where}: joint {name!r}: resolution = {cal.resolution}, but servo "
                f"{cal.servo_id} is a {table.model} with {table.resolution} ticks per turn; "
                f"{RECALIBRATE}"
            )
    if cal.resolution <= 0:
        raise refuse("resolution", cal.resolution, "1.. (ticks per turn)")
    if cal.direction not in (1, -1):
        raise refuse("direction", cal.direction, "{1, -1}")
    turn = f"0..{cal.resolution - 1} (ticks of one {cal.resolution}-tick turn)"
    for key in ("range_min", "range_max", "zero_ticks"):
        value = getattr(cal, key)
        if not 0 <= value < cal.resolution:
            raise refuse(key, value, turn)
    if cal.range_min == cal.range_max:
        raise ConfigError(
            f"{where}: joint {name!r}: range_min = range_max = {cal.range_min}: the joint "
            f"did not move during calibration; {RECALIBRATE} and move every joint"
        )
    if cal.range_min > cal.range_max:
        # In position mode a servo never crosses its wrap point: a goal on the other side
        # would send the joint the long way round, through its stops.
        raise ConfigError(
            f"{where}: joint {name!r} (servo {cal.servo_id}): range_min = {cal.range_min} "
            f"> range_max = {cal.range_max}: its travel crosses the encoder's wrap point "
            f"({cal.resolution - 1} -> 0); move it out with `robot servo calibrate --home`"
        )
    if not cal.range_min <= cal.zero_ticks <= cal.range_max:
        raise refuse("zero_ticks", cal.zero_ticks, f"{cal.range_min}..{cal.range_max} (the travel)")
    limit = HOMING_OFFSET_LIMITS.get(protocol, max(HOMING_OFFSET_LIMITS.values()))
    if abs(cal.homing_offset) > limit:
        register = f"{protocol} register" if protocol in HOMING_OFFSET_LIMITS else "register"
        raise refuse("homing_offset", cal.homing_offset, f"{-limit}..{limit} (the {register})")


def from_lerobot(data: dict[str, Any], protocol: str = "", source: str = "") -> Calibration:
    """A calibration from LeRobot's per-motor JSON (the same arm, calibrated there)."""
    joints = {}
    for name, motor in data.items():
        where = f"{source or 'LeRobot calibration'}: joint {name!r}"
        if not isinstance(motor, dict):
            raise ConfigError(f"{where}: expected an object with id, homing_offset, range_min...")
        try:
            low, high = _integer(motor, "range_min"), _integer(motor, "range_max")
            drive_mode = _integer(motor, "drive_mode", 0)
            if drive_mode not in (0, 1):
                raise ValueError(f"drive_mode = {drive_mode} is outside 0..1")
            joints[name] = JointCalibration(
                servo_id=_integer(motor, "id"),
                zero_ticks=round((low + high) / 2),
                range_min=low,
                range_max=high,
                direction=-1 if drive_mode else 1,
                homing_offset=_integer(motor, "homing_offset", 0),
            )
        except KeyError as err:
            raise ConfigError(f"{where}: missing key {err.args[0]!r}") from None
        except ValueError as err:
            raise ConfigError(f"{where}: {err}") from err
    if not joints:
        raise ConfigError(f"{source or 'LeRobot calibration'}: no joints in it")
    return Calibration(joints=joints, protocol=protocol, source=source or "lerobot")


def _integer(motor: dict[str, Any], key: str, default: int | None = None) -> int:
    """`motor[key]` as a whole number: LeRobot writes integers (ticks, ids, modes); a
    fraction, a boolean, a string or an infinity is a ValueError naming the key."""
    value = motor[key] if default is None else motor.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} = {value!r} is not a whole number")
    return value


class TickMap:
    """Ticks <-> radians for one joint, with the servo's current homing offset.

    profile_direction: the profile's `direction` for the joint. protocol: "feetech" or
    "dynamixel" (sets the homing offset's sign). current_offset: the homing offset
    register's value now.
    """

    def __init__(
        self,
        calibration: JointCalibration,
        profile_direction: int = 1,
        protocol: str = "feetech",
        current_offset: int | None = None,
    ) -> None:
        offset = calibration.homing_offset if current_offset is None else current_offset
        # present = actual - offset (Feetech) or actual + offset (Dynamixel): a change of
        # the register shifts every reading by the difference.
        shift = calibration.homing_offset - offset
        if protocol == "dynamixel":
            shift = -shift
        self.resolution = calibration.resolution
        self.zero = calibration.zero_ticks + shift
        low, high = calibration.range_min + shift, calibration.range_max + shift
        if low > high:  # the travel crosses the encoder's wrap point
            high += self.resolution
        self.middle = (low + high) / 2
        self.sign = profile_direction * calibration.direction
        self.rad_per_tick = 2 * math.pi / self.resolution
        self._half = self.resolution / 2

    def _unwrap(self, ticks: float) -> float:
        """Ticks moved to within half a turn of the range's middle."""
        d = (ticks - self.middle + self._half) % self.resolution - self._half
        return self.middle + d

    def to_rad(self, ticks: float) -> float:
        return self.sign * (self._unwrap(ticks) - self.zero) * self.rad_per_tick

    def velocity_to_rad(self, ticks_per_s: float) -> float:
        return self.sign * ticks_per_s * self.rad_per_tick

    def to_ticks(self, rad: float) -> int:
        """Goal ticks for a joint angle, within one turn (0..resolution-1)."""
        return round(self.zero + self.sign * rad / self.rad_per_tick) % self.resolution
