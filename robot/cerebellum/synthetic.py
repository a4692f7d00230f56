"""Synthetic serial arms of any length: for measuring how the tick's cost grows with
the number of joints, and for tests that need a chain that is not a real arm."""

from __future__ import annotations

from core.profile import JointSpec, Profile, RobotInfo

JOINT_LIMIT_RAD = 2.8
MAX_VELOCITY = 2.0  # rad/s
MAX_ACCELERATION = 10.0  # rad/s^2
MAX_EFFORT = 1.0  # N*m
LINK_LENGTH_M = 0.05


def serial_arm_urdf(joints: int, link_length_m: float = LINK_LENGTH_M) -> str:
    """URDF text of `joints` revolute joints alternating about z and y, links of
    `link_length_m` stacked along z, a fixed `tool` link at the end."""
    links = "".join(f'<link name="l{i}"/>' for i in range(joints + 1))
    parts = [f'<?xml version="1.0"?><robot name="serial{joints}">{links}<link name="tool"/>']
    for i in range(joints):
        axis = "0 0 1" if i % 2 == 0 else "0 1 0"
        parts.append(
            f'<joint name="j{i}" type="revolute"><parent link="l{i}"/><child link="l{i + 1}"/>'
            f'<origin xyz="0 0 {link_length_m}"/><axis xyz="{axis}"/>'
            f'<limit lower="{-JOINT_LIMIT_RAD}" upper="{JOINT_LIMIT_RAD}" effort="{MAX_EFFORT}" '
            f'velocity="{MAX_VELOCITY}"/></joint>'
        )
    parts.append(
        f'<joint name="tool_joint" type="fixed"><parent link="l{joints}"/><child link="tool"/>'
        f'<origin xyz="0 0 {link_length_m}"/></joint></robot>'
    )
    return "".join(parts)


def serial_arm_profile(joints: int) -> Profile:
    """A profile matching `serial_arm_urdf(joints)` (joints j0..j{n-1}, no gripper)."""
    specs = tuple(
        JointSpec(
            name=f"j{i}",
            lower=-JOINT_LIMIT_RAD,
            upper=JOINT_LIMIT_RAD,
            max_velocity=MAX_VELOCITY,
            max_acceleration=MAX_ACCELERATION,
            max_effort=MAX_EFFORT,
        )
        for i in range(joints)
    )
    return Profile(robot=RobotInfo(name=f"serial{joints}", urdf=""), joints=specs)
