"""Quaternion and pose maths, written once: quaternions are (x, y, z, w) and unit, as
everywhere in the messages (core/msgs.py); angles in rad."""

from __future__ import annotations

import math

import numpy as np

from core.msgs import Quat


def quat_matrix(q: Quat) -> np.ndarray:
    """The 3x3 rotation matrix of a unit quaternion: world = matrix @ body."""
    x, y, z, w = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def quat_from_yaw(yaw: float) -> Quat:
    """A turn of `yaw` about the world's +z."""
    return (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2))


def yaw_of(q: Quat) -> float:
    """The heading of the body's +x axis in the world's xy plane (rad, -pi..pi)."""
    x, y, z, w = q
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def tilt_of(q: Quat) -> float:
    """The angle between the body's +z axis and the world's +z (rad, 0..pi)."""
    x, y, _, _ = q
    # The z component of the rotated z axis: 1 - 2(x^2 + y^2).
    return math.acos(max(-1.0, min(1.0, 1.0 - 2.0 * (x * x + y * y))))
