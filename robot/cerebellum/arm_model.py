"""Everything the cerebellum knows about one arm, built from its profile.

The profile gives the joints (order, limits); its URDF gives the kinematic chain to
the tool frame; the cell gives where the arm's base stands in the world. From those:
the chain (with the profile's limits), which profile joints drive it, the gripper
joint, and the capsule geometry the safety supervisor checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError
from core.profile import Profile
from robot.cerebellum.geometry import ArmGeometry, Box
from robot.cerebellum.kinematics import Chain
from robot.cerebellum.safety import JointLimits

TOOL_LINKS = ("gripper_frame", "panda_grasptarget", "tool")
"""Tool frame link names tried in order (SO-101, Panda, our test arms)."""
DEFAULT_REACH_M = 0.6
"""Fence half-size around the base when nothing better is known."""
FENCE_FLOOR_M = 0.01
"""Frame origins must stay 1 cm above the plane the base stands on (the table)."""
LINK_RADIUS_M = 0.016
"""Half the 32 mm square section of the SO-101's printed links."""
IK_LIMIT_MARGIN_RAD = 0.03
"""Inside the supervisor's 0.02 rad position margin, with room to spare."""


@dataclass(frozen=True)
class BasePose:
    """Where the arm's base link stands: position (m, world) and yaw (rad) about z."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    yaw: float = 0.0

    def matrix(self) -> np.ndarray:
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        m = np.eye(4)
        m[:2, :2] = ((c, -s), (s, c))
        m[:3, 3] = (self.x, self.y, self.z)
        return m

    def to_base(self, point: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        """A world point (m) in the base frame: x ahead, y left, z up."""
        m = self.matrix()
        return m[:3, :3].T @ (np.asarray(point, dtype=np.float64) - m[:3, 3])


class ArmModel:
    """Chain, limits, geometry and joint mapping of one arm in one cell."""

    def __init__(
        self,
        profile: Profile,
        chain: Chain,
        base: BasePose,
        fence: Box | None = None,
        link_radius_m: float = LINK_RADIUS_M,
    ) -> None:
        self.profile = profile
        self.limits = JointLimits.from_profile(profile)
        names = profile.joint_names
        missing = [n for n in chain.joint_names if n not in names]
        if missing:
            raise ConfigError(
                f"profile {profile.robot.name!r}: URDF chain joints {missing} are not in the "
                f"profile's joints {list(names)}"
            )
        self.chain_index = tuple(names.index(n) for n in chain.joint_names)
        # IK solves inside the limits the supervisor enforces (less its margin), so a
        # solution is never clipped on its way to the arm.
        margin = IK_LIMIT_MARGIN_RAD
        lower = np.array([self.limits.lower[i] + margin for i in self.chain_index])
        upper = np.array([self.limits.upper[i] - margin for i in self.chain_index])
        self.chain = chain.with_limits(lower, upper)
        self.base = base
        self.base_matrix = base.matrix()
        self.gripper_index = names.index(profile.robot.gripper) if profile.robot.gripper else None
        if fence is None:
            reach = DEFAULT_REACH_M
            fence = (
                (base.x - reach, base.y - reach, base.z + FENCE_FLOOR_M),
                (base.x + reach, base.y + reach, base.z + reach),
            )
        self.fence = fence
        self.geometry = ArmGeometry(
            self.chain,
            self.chain_index,
            base=self.base_matrix,
            link_radius_m=link_radius_m,
            fence=fence,
            fence_from=min(2, self.chain.dof),
        )

    @classmethod
    def from_profile(
        cls,
        profile: Profile,
        base: BasePose | None = None,
        fence: Box | None = None,
        tool_link: str | None = None,
    ) -> ArmModel:
        """Read the profile's URDF; the tool link is the first of `TOOL_LINKS` found."""
        urdf = profile.urdf_path
        try:
            text = urdf.read_text()
        except OSError as err:
            raise ConfigError(f"cannot read URDF {urdf}: {err.strerror}") from err
        if tool_link is None:
            tool_link = next((n for n in TOOL_LINKS if f'name="{n}"' in text), None)
            if tool_link is None:
                raise ConfigError(f"{urdf}: no tool link; expected one of {TOOL_LINKS}")
        chain = Chain.from_urdf(text, tool_link)
        return cls(profile, chain, base or BasePose(), fence)

    # -- frames ---------------------------------------------------------------------

    def chain_q(self, position: tuple[float, ...] | list[float]) -> np.ndarray:
        """The chain's joint angles (rad) out of a profile-ordered array."""
        return np.array([position[i] for i in self.chain_index], dtype=np.float64)

    def with_chain_q(self, position: tuple[float, ...], q: np.ndarray) -> tuple[float, ...]:
        """A profile-ordered array with the chain joints replaced by `q`."""
        out = list(position)
        for k, i in enumerate(self.chain_index):
            out[i] = float(q[k])
        return tuple(out)

    def tool_pose(self, position: tuple[float, ...] | list[float]) -> np.ndarray:
        """The tool frame's world pose (4x4) for a profile-ordered joint array."""
        return self.base_matrix @ self.chain.fk(self.chain_q(position))

    def to_base(self, point: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        """A world point (m) in the base frame."""
        return self.base.to_base(point)

    def direction_to_base(self, direction: tuple[float, float, float]) -> np.ndarray:
        """A world direction in the base frame."""
        return self.base_matrix[:3, :3].T @ np.asarray(direction, dtype=np.float64)
