"""Quaternion maths (core/pose.py) against rotations built by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.pose import quat_from_matrix, quat_from_yaw, quat_matrix, tilt_of, yaw_of


@pytest.mark.parametrize("yaw", [-3.0, -1.2, 0.0, 0.4, 2.9])
def test_a_yaw_turns_about_z_and_reads_back(yaw: float) -> None:
    c, s = math.cos(yaw), math.sin(yaw)
    expected = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    assert quat_matrix(quat_from_yaw(yaw)) == pytest.approx(expected)
    assert yaw_of(quat_from_yaw(yaw)) == pytest.approx(yaw)
    assert tilt_of(quat_from_yaw(yaw)) == pytest.approx(0.0, abs=1e-7)


def test_tilt_is_the_angle_of_the_body_z_axis_from_the_vertical() -> None:
    angle = 0.8  # about x
    q = (math.sin(angle / 2), 0.0, 0.0, math.cos(angle / 2))
    assert tilt_of(q) == pytest.approx(angle)
    assert quat_matrix(q) @ np.array([0.0, 0.0, 1.0]) == pytest.approx(
        [0.0, -math.sin(angle), math.cos(angle)]
    )
    assert tilt_of((1.0, 0.0, 0.0, 0.0)) == pytest.approx(math.pi)  # upside down


def test_a_rotation_matrix_gives_back_its_quaternion() -> None:
    rng = np.random.default_rng(7)
    # Random ones, and the half turns whose trace is -1 (the formula's hard case).
    quats = [q / np.linalg.norm(q) for q in rng.normal(size=(200, 4))]
    quats += [np.array(q, dtype=float) for q in ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0))]
    for q in quats:
        back = np.array(quat_from_matrix(quat_matrix(tuple(q))))
        assert min(np.abs(back - q).max(), np.abs(back + q).max()) < 1e-9
