"""Straight Cartesian segments for grasps, placements and pours.

An approach or a retreat must follow a straight line (the gripper slides in beside a
cup, not in an arc through it). The line is cut into waypoints `step_m` apart; each
is solved by IK from the previous solution, so neighbouring joint vectors are close
and the chain stays on one branch. The skill then feeds the waypoints to the
trajectory one after another at the segment's speed: ruckig follows the moving goal
smoothly, and the tool stays within a few millimetres of the line.

Units: metres, radians, seconds; positions and directions in the arm's base frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from robot.cerebellum.kinematics import Chain, OutOfReach

WAYPOINT_STEP_M = 0.005
MAX_JOINT_JUMP_RAD = 0.35
"""Neighbouring waypoints further apart than this in any joint mean IK switched
branches (an elbow flip), which would sweep off the line: refuse the segment."""


@dataclass(frozen=True)
class Segment:
    """Joint vectors (chain order, rad) along a straight line, and its length (m)."""

    waypoints: tuple[np.ndarray, ...]
    length_m: float

    def index_at(self, travelled_m: float) -> int:
        """The waypoint reached after travelling `travelled_m` along the line."""
        if self.length_m <= 0.0:
            return len(self.waypoints) - 1
        fraction = min(1.0, max(0.0, travelled_m / self.length_m))
        return round(fraction * (len(self.waypoints) - 1))


def line_points(start: np.ndarray, end: np.ndarray, step_m: float = WAYPOINT_STEP_M) -> np.ndarray:
    """Points from `start` to `end` (both included) at most `step_m` apart, (k, 3)."""
    length = float(np.linalg.norm(end - start))
    count = max(1, math.ceil(length / step_m))
    t = np.linspace(0.0, 1.0, count + 1)[:, None]
    return start + t * (end - start)


def solve_segment(
    chain: Chain,
    seed: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    *,
    tool_axis: tuple[float, float, float] | None,
    direction: tuple[float, float, float] | None,
    what: str,
    step_m: float = WAYPOINT_STEP_M,
) -> Segment:
    """IK along the line start -> end (base frame). Raises `OutOfReach(what)` when a
    point cannot be reached or the solution jumps branches."""
    points = line_points(np.asarray(start, float), np.asarray(end, float), step_m)
    q = np.asarray(seed, dtype=np.float64)
    solutions: list[np.ndarray] = []
    for point in points:
        # Neighbours are close: the seed alone should converge; no random restarts.
        q_next = chain.solve_ik(
            point, q, tool_axis=tool_axis, direction=direction, what=what, restarts=0
        )
        if solutions and float(np.max(np.abs(q_next - q))) > MAX_JOINT_JUMP_RAD:
            residual = float(np.linalg.norm(chain.fk(q_next)[:3, 3] - point))
            raise OutOfReach(what, residual)
        solutions.append(q_next)
        q = q_next
    return Segment(tuple(solutions), float(np.linalg.norm(np.asarray(end) - np.asarray(start))))
