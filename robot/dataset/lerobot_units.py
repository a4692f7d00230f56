"""LeRobot's joint values <-> our radians, through the calibration the arm was recorded
with (read by `core.calibration.from_lerobot`, the same import `robot servo` uses).

LeRobot's SO-101 reports each motor's present position (ticks) normalised per its
calibration (lerobot/motors/motors_bus.py, `_normalize`):

- `range_m100_100` (its default for the arm joints): -100..100 over range_min..range_max,
  negated with drive_mode 1;
- `degrees` (use_degrees=True): (ticks - middle of the range) * 360 / 4095 (no drive mode);
- `range_0_100` (the gripper, always): 0..100 over the range, 100 - x with drive_mode 1.

Going back to ticks undoes that; ticks to radians is the calibration's `TickMap` (zero
at the middle of the range, drive_mode 1 reversing the direction). Feature names are
LeRobot's "<joint>.pos"; ours are the bare joint names in radians (info.json "units":
"rad"), which need no calibration.
"""

from __future__ import annotations

import numpy as np

from core.calibration import Calibration, TickMap
from core.errors import ConfigError
from core.profile import Profile

NORMS = ("range_m100_100", "degrees")
GRIPPER_NORM = "range_0_100"
MAX_RES = 4095
"""LeRobot's `model_resolution_table` value minus one for the STS3215 (4096 ticks)."""


def joint_name(feature_name: str) -> str:
    """LeRobot's "shoulder_pan.pos" -> "shoulder_pan" (ours pass unchanged)."""
    return feature_name.removesuffix(".pos")


def _norm_of(joint: str, profile: Profile, norm: str) -> str:
    return GRIPPER_NORM if joint == profile.robot.gripper else norm


def _ticks(values: np.ndarray, low: int, high: int, drive_mode: bool, norm: str) -> np.ndarray:
    if norm == "degrees":
        return values * MAX_RES / 360.0 + (low + high) / 2
    if norm == "range_m100_100":
        n = -values if drive_mode else values
        return (n + 100.0) / 200.0 * (high - low) + low
    if norm == GRIPPER_NORM:
        n = 100.0 - values if drive_mode else values
        return n / 100.0 * (high - low) + low
    raise ConfigError(f"unknown norm mode {norm!r}: choose from {', '.join(NORMS)}")


def _normalised(ticks: np.ndarray, low: int, high: int, drive_mode: bool, norm: str) -> np.ndarray:
    if norm == "degrees":
        return (ticks - (low + high) / 2) * 360.0 / MAX_RES
    if norm == "range_m100_100":
        n = (ticks - low) / (high - low) * 200.0 - 100.0
        return -n if drive_mode else n
    if norm == GRIPPER_NORM:
        n = (ticks - low) / (high - low) * 100.0
        return 100.0 - n if drive_mode else n
    raise ConfigError(f"unknown norm mode {norm!r}: choose from {', '.join(NORMS)}")


def columns(names: list[str], profile: Profile, where: str) -> list[int]:
    """For each profile joint, its column among `names`."""
    bare = [joint_name(n) for n in names]
    missing = [j.name for j in profile.joints if j.name not in bare]
    if missing:
        raise ConfigError(f"{where}: no values of joints {missing} (it has {names})")
    return [bare.index(j.name) for j in profile.joints]


def to_rad(
    values: np.ndarray,
    names: list[str],
    profile: Profile,
    calibration: Calibration,
    norm: str = "range_m100_100",
    where: str = "the dataset",
) -> np.ndarray:
    """(N, len(names)) LeRobot values -> (N, profile joints) rad, in profile order."""
    out = np.empty((len(values), len(profile.joints)))
    for k, (column, joint) in enumerate(
        zip(columns(names, profile, where), profile.joints, strict=True)
    ):
        cal = calibration.joint(joint.name, where)
        ticks = _ticks(
            np.asarray(values, dtype=np.float64)[:, column],
            cal.range_min,
            cal.range_max,
            cal.direction == -1,
            _norm_of(joint.name, profile, norm),
        )
        ticks_map = TickMap(cal, joint.direction)
        out[:, k] = [ticks_map.to_rad(t) for t in ticks]
    return out


def from_rad(
    radians: np.ndarray, profile: Profile, calibration: Calibration, norm: str = "range_m100_100"
) -> np.ndarray:
    """(N, profile joints) rad -> LeRobot values, the inverse of `to_rad` within the
    range (LeRobot clamps ticks to it when it normalises)."""
    out = np.empty((len(radians), len(profile.joints)))
    for k, joint in enumerate(profile.joints):
        cal = calibration.joint(joint.name)
        ticks_map = TickMap(cal, joint.direction)
        ticks = ticks_map.zero + np.asarray(radians)[:, k] / (
            ticks_map.sign * ticks_map.rad_per_tick
        )
        if _norm_of(joint.name, profile, norm) != "degrees":
            ticks = np.clip(ticks, cal.range_min, cal.range_max)
        out[:, k] = _normalised(
            ticks,
            cal.range_min,
            cal.range_max,
            cal.direction == -1,
            _norm_of(joint.name, profile, norm),
        )
    return out


def lerobot_names(profile: Profile) -> list[str]:
    """LeRobot's feature names of the profile's joints ("shoulder_pan.pos", ...)."""
    return [f"{j.name}.pos" for j in profile.joints]
