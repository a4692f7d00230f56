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


def quat_from_matrix(rotation: np.ndarray) -> Quat:
    """(x, y, z, w) of a rotation matrix (from its largest diagonal term, for accuracy)."""
    m = rotation
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = ((m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, s / 4)
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        ijk = [0.0, 0.0, 0.0]
        ijk[i] = s / 4
        ijk[j] = (m[j, i] + m[i, j]) / s
        ijk[k] = (m[k, i] + m[i, k]) / s
        q = (*ijk, (m[k, j] - m[j, k]) / s)
    x, y, z, w = (float(v) for v in q)
    return x, y, z, w


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
