"""Shared fixtures of the cerebellum tests: small URDF chains written here, in full."""

from __future__ import annotations

import math

import numpy as np

from robot.cerebellum.safety import JointLimits
from robot.cerebellum.synthetic import serial_arm_urdf

__all__ = ["TILTED_ARM_URDF", "angle_between", "limits", "serial_arm_urdf"]

# A 4-joint arm whose joints turn about tilted axes, with rotated origins and one
# fixed joint in between: everything a generic FK must get right.
TILTED_ARM_URDF = """<?xml version="1.0"?>
<robot name="tilted">
  <link name="base"/><link name="l1"/><link name="l2"/><link name="l2b"/>
  <link name="l3"/><link name="l4"/><link name="tool"/>
  <joint name="j1" type="revolute"><parent link="base"/><child link="l1"/>
    <origin xyz="0 0 0.1" rpy="0 0 0.3"/><axis xyz="0 0 1"/>
    <limit lower="-2.5" upper="2.5" effort="1" velocity="1"/></joint>
  <joint name="j2" type="revolute"><parent link="l1"/><child link="l2"/>
    <origin xyz="0.02 0 0.05" rpy="0.1 -0.2 0.05"/><axis xyz="0 1 0.2"/>
    <limit lower="-2" upper="2" effort="1" velocity="1"/></joint>
  <joint name="fixed_mid" type="fixed"><parent link="l2"/><child link="l2b"/>
    <origin xyz="0 0 0.12" rpy="0 0.3 0"/></joint>
  <joint name="j3" type="revolute"><parent link="l2b"/><child link="l3"/>
    <origin xyz="0 0.01 0.03" rpy="0 0 0"/><axis xyz="0.3 1 0"/>
    <limit lower="-2" upper="2" effort="1" velocity="1"/></joint>
  <joint name="j4" type="prismatic"><parent link="l3"/><child link="l4"/>
    <origin xyz="0.1 0 0" rpy="0.4 0 0"/><axis xyz="1 0 0"/>
    <limit lower="0" upper="0.05" effort="1" velocity="1"/></joint>
  <joint name="tool_joint" type="fixed"><parent link="l4"/><child link="tool"/>
    <origin xyz="0.05 0 -0.01" rpy="0 1.2 0"/></joint>
</robot>
"""


def limits(n: int, velocity: float = 2.0, acceleration: float = 10.0) -> JointLimits:
    """n joints with limits of +-2.8 rad, `velocity` rad/s, `acceleration` rad/s^2."""
    return JointLimits(
        names=tuple(f"j{i}" for i in range(n)),
        lower=(-2.8,) * n,
        upper=(2.8,) * n,
        max_velocity=(velocity,) * n,
        max_acceleration=(acceleration,) * n,
    )


def angle_between(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (rad) between two vectors."""
    cos = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return math.acos(max(-1.0, min(1.0, cos)))
