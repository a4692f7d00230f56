"""Checks that a straight tool line from a candidate pose can really be followed.

A pose and the end of the line from it may each be reachable while the line between
them is not: IK along the line switches branches (an elbow or wrist flip), or a
waypoint folds the arm onto itself or leaves the fence, where the supervisor would
stop it. Skills choose among candidate poses (tilts, spots), so they test the line
before committing to a candidate, not when the phase that follows it starts.
"""

from __future__ import annotations

import numpy as np

from robot.cerebellum.cartesian import solve_segment
from robot.cerebellum.kinematics import OutOfReach
from robot.cerebellum.skills.base import PLANNING_CLEARANCE_M, SkillContext, SkillFailed


def require_line(
    ctx: SkillContext, q: np.ndarray, end: np.ndarray, direction: np.ndarray, what: str
) -> None:
    """Raise SkillFailed("<what> out of reach") unless the tool can move in a straight
    line from chain joints `q` (rad) to `end` (m, world), its approach axis along
    `direction` (world), with every waypoint clear of the fence and of the arm itself."""
    model = ctx.model
    try:
        segment = solve_segment(
            model.chain,
            q,
            model.chain.fk(q)[:3, 3],
            model.to_base(end),
            tool_axis=(1.0, 0.0, 0.0),
            direction=tuple(model.direction_to_base(direction)),  # type: ignore[arg-type]
            what=what,
        )
    except OutOfReach as err:
        raise SkillFailed(f"{what} out of reach") from err
    geometry = model.geometry
    for waypoint in segment.waypoints:
        points = geometry.points(model.with_chain_q(ctx.commanded(), waypoint))
        if geometry.fence_depth(points) > 0.0 or (
            geometry.self_collision_clearance(points) < PLANNING_CLEARANCE_M
        ):
            raise SkillFailed(f"{what} out of reach")
