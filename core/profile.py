"""Robot profiles: which joints an arm has, their limits, and the servos behind them.

A profile is a TOML file beside the arm's URDF in `core/descriptions/<arm>/`:

    [robot]
    name = "so101"
    urdf = "so101.urdf"          # relative to the profile file

    [bus]                        # absent for arms that have no servo bus
    protocol = "feetech"         # or "dynamixel"
    baud = 1000000

    [[joints]]
    name = "shoulder_pan"
    lower = -1.92                # rad
    upper = 1.92                 # rad
    max_velocity = 3.0           # rad/s
    max_acceleration = 20.0      # rad/s^2
    max_effort = 2.9             # N*m
    servo_id = 1
    model = "sts3215"

The order of `[[joints]]` is the order of every joint array on the bus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

from core.errors import ConfigError
from core.toml_file import load_toml

DESCRIPTIONS = Path(__file__).parent / "descriptions"
PYBULLET_DATA_PREFIX = "pybullet_data:"


class JointSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One joint: limits in rad, rad/s, rad/s^2, N*m; the servo that drives it, if any."""

    name: str
    lower: float
    upper: float
    max_velocity: float
    max_acceleration: float
    max_effort: float
    servo_id: int | None = None
    model: str = ""
    direction: Literal[1, -1] = 1

    def __post_init__(self) -> None:
        if not self.lower < self.upper:
            raise ValueError(f"joint {self.name!r}: lower {self.lower} >= upper {self.upper}")
        if self.max_velocity <= 0 or self.max_acceleration <= 0 or self.max_effort <= 0:
            raise ValueError(f"joint {self.name!r}: velocity, acceleration, effort must be > 0")


class RobotInfo(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    urdf: str
    gripper: str = ""
    """Name of the gripper joint, "" if the arm has none."""


class BusSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    protocol: Literal["feetech", "dynamixel"]
    baud: int = 1_000_000


class Profile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    robot: RobotInfo
    joints: tuple[JointSpec, ...]
    bus: BusSpec | None = None
    path: str = ""
    """The file it was loaded from (set by `load_profile`)."""

    @property
    def joint_names(self) -> tuple[str, ...]:
        return tuple(j.name for j in self.joints)

    @property
    def urdf_path(self) -> Path:
        """The URDF: relative to the profile file, or, with the prefix `pybullet_data:`,
        inside the `pybullet_data` package (arms we do not describe ourselves)."""
        if self.robot.urdf.startswith(PYBULLET_DATA_PREFIX):
            import pybullet_data  # only arms described there need it

            relative = self.robot.urdf.removeprefix(PYBULLET_DATA_PREFIX)
            return Path(pybullet_data.getDataPath()) / relative
        return Path(self.path).parent / self.robot.urdf

    def joint(self, name: str) -> JointSpec:
        for j in self.joints:
            if j.name == name:
                return j
        raise KeyError(f"profile {self.robot.name!r} has no joint {name!r}")


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a profile by arm name ("so101", found in `core/descriptions/`) or file path.

    Raises `ConfigError` naming the file and the offending key.
    """
    path = Path(name_or_path)
    if not path.suffix:
        path = DESCRIPTIONS / str(name_or_path) / "profile.toml"
    profile = load_toml(path, Profile, "robot profile")
    names = profile.joint_names
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: joint names repeat: {names}")
    return msgspec.structs.replace(profile, path=str(path))
