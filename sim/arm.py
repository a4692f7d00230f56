"""An arm in the world: the profile's URDF loaded into one client, joints by name.

Joint arrays follow the profile's joint order. URDF joints that `<mimic>` a profile
joint (the Panda's second finger) follow it. The arm moves only through its motors
(position control with the profile's effort and velocity limits); `reset_pose` is for
set-up, before the first step.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pybullet as p

from core.msgs import Quat, Vec3
from core.profile import Profile
from sim.world import SimError, World

POSITION_GAIN = 0.3
"""PyBullet's position-control gain (dimensionless, per step): stiff like a servo's
P loop without ringing at 240 Hz."""
VELOCITY_GAIN = 1.0
TOOL_LINK_NAMES = ("gripper_frame", "panda_grasptarget")
"""The tool frame's link, first found wins."""


def _mimics(urdf: Path) -> dict[str, tuple[str, float, float]]:
    """{follower joint: (leader joint, multiplier, offset)} from the URDF's <mimic> tags."""
    out: dict[str, tuple[str, float, float]] = {}
    for joint in ET.parse(urdf).getroot().iter("joint"):
        mimic = joint.find("mimic")
        if mimic is not None:
            out[joint.attrib["name"]] = (
                mimic.attrib["joint"],
                float(mimic.attrib.get("multiplier", 1.0)),
                float(mimic.attrib.get("offset", 0.0)),
            )
    return out


class Arm:
    """The profile's arm, fixed at `base_position` (m) turned by `base_yaw` (rad)."""

    def __init__(
        self, world: World, profile: Profile, base_position: Vec3, base_yaw: float = 0.0
    ) -> None:
        self.world = world
        self.profile = profile
        self.client = world.client
        self.base_position = base_position
        self.base_yaw = base_yaw
        urdf = profile.urdf_path
        if not urdf.exists():
            raise SimError(f"robot {profile.robot.name!r}: URDF {urdf} not found")
        self.body_id = p.loadURDF(
            str(urdf),
            basePosition=base_position,
            baseOrientation=p.getQuaternionFromEuler((0.0, 0.0, base_yaw)),
            useFixedBase=True,
            flags=p.URDF_USE_INERTIA_FROM_FILE,
            physicsClientId=self.client,
        )
        by_name: dict[str, int] = {}
        links: dict[str, int] = {}
        for j in range(p.getNumJoints(self.body_id, physicsClientId=self.client)):
            info = p.getJointInfo(self.body_id, j, physicsClientId=self.client)
            by_name[info[1].decode()] = j
            links[info[12].decode()] = j
        missing = [n for n in profile.joint_names if n not in by_name]
        if missing:
            raise SimError(f"robot {profile.robot.name!r}: joints {missing} not in {urdf.name}")
        self.joint_indices = [by_name[n] for n in profile.joint_names]
        self.link_index = links
        self.followers = [
            (by_name[f], profile.joint_names.index(leader), mult, off)
            for f, (leader, mult, off) in _mimics(urdf).items()
            if leader in profile.joint_names
        ]
        self.tool_link = next(
            (links[n] for n in TOOL_LINK_NAMES if n in links), self.joint_indices[-1]
        )
        self.max_effort = np.array([j.max_effort for j in profile.joints])
        self.max_velocity = np.array([j.max_velocity for j in profile.joints])
        self._target = np.zeros(len(self.joint_indices))
        self.torque_on = True
        # Turn off PyBullet's default velocity motors on every joint, then drive ours.
        for j in range(p.getNumJoints(self.body_id, physicsClientId=self.client)):
            p.setJointMotorControl2(
                self.body_id, j, p.VELOCITY_CONTROL, force=0.0, physicsClientId=self.client
            )

    @property
    def dof(self) -> int:
        return len(self.joint_indices)

    def reset_pose(self, position: np.ndarray | list[float]) -> None:
        """Set joint angles (rad) directly and hold them. Set-up only: no physics runs."""
        q = np.asarray(position, dtype=float)
        for idx, value in zip(self.joint_indices, q, strict=True):
            p.resetJointState(self.body_id, idx, float(value), physicsClientId=self.client)
        for follower, leader, mult, off in self.followers:
            p.resetJointState(
                self.body_id, follower, float(q[leader] * mult + off), physicsClientId=self.client
            )
        self.command(q)

    def state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Joint positions (rad), velocities (rad/s) and motor efforts (N*m), profile order."""
        states = p.getJointStates(self.body_id, self.joint_indices, physicsClientId=self.client)
        pos = np.array([s[0] for s in states])
        vel = np.array([s[1] for s in states])
        eff = np.array([s[3] for s in states])
        return pos, vel, eff

    def command(self, position: np.ndarray, max_velocity: np.ndarray | None = None) -> None:
        """Position targets (rad), each joint limited to its max effort and velocity."""
        self._target = np.asarray(position, dtype=float).copy()
        self.torque_on = True
        vmax = self.max_velocity if max_velocity is None else max_velocity
        for i, idx in enumerate(self.joint_indices):
            p.setJointMotorControl2(
                self.body_id,
                idx,
                p.POSITION_CONTROL,
                targetPosition=float(self._target[i]),
                force=float(self.max_effort[i]),
                maxVelocity=float(vmax[i]),
                positionGain=POSITION_GAIN,
                velocityGain=VELOCITY_GAIN,
                physicsClientId=self.client,
            )
        for follower, leader, mult, off in self.followers:
            p.setJointMotorControl2(
                self.body_id,
                follower,
                p.POSITION_CONTROL,
                targetPosition=float(self._target[leader] * mult + off),
                force=float(self.max_effort[leader]),
                maxVelocity=float(vmax[leader]),
                physicsClientId=self.client,
            )

    def relax(self) -> None:
        """Torque off: joints go limp (only the URDF's joint damping and friction remain)."""
        self.torque_on = False
        for idx in [*self.joint_indices, *(f[0] for f in self.followers)]:
            p.setJointMotorControl2(
                self.body_id, idx, p.VELOCITY_CONTROL, force=0.0, physicsClientId=self.client
            )

    @property
    def target(self) -> np.ndarray:
        return self._target.copy()

    def tool_pose(self) -> tuple[Vec3, Quat]:
        """The tool frame (SO-101: `gripper_frame`) in the world: position (m), xyzw."""
        s = p.getLinkState(
            self.body_id, self.tool_link, computeForwardKinematics=True, physicsClientId=self.client
        )
        return tuple(s[4]), tuple(s[5])  # type: ignore[return-value]
