"""Checks that a straight tool line from a candidate pose can really be followed.

A pose and the end of the line from it may each be reachable while the line between
them is not: IK along the line switches branches (an elbow or wrist flip), or a
waypoint folds the arm onto itself or leaves the fence, where the supervisor would
stop it. Skills choose among candidate poses (tilts, spots), so they test the line
before committing to a candidate, not when the phase that follows it starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from robot.cerebellum.cartesian import Segment, solve_segment
from robot.cerebellum.kinematics import OutOfReach
from robot.cerebellum.skills.base import PLANNING_CLEARANCE_M, SkillContext, SkillFailed
from robot.cerebellum.skills.poses import UP


def solve_line(
    ctx: SkillContext, q: np.ndarray, end: np.ndarray, direction: np.ndarray, what: str
) -> Segment:
    """The straight tool line from chain joints `q` (rad) to `end` (m, world), its
    approach axis along `direction` (world); SkillFailed("<what> out of reach") when
    IK cannot follow it."""
    model = ctx.model
    try:
        return solve_segment(
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


def require_line(
    ctx: SkillContext, q: np.ndarray, end: np.ndarray, direction: np.ndarray, what: str
) -> None:
    """Raise SkillFailed("<what> out of reach") unless the tool can move in a straight
    line from chain joints `q` (rad) to `end` (m, world), its approach axis along
    `direction` (world), with every waypoint clear of the fence and of the arm itself."""
    model = ctx.model
    segment = solve_line(ctx, q, end, direction, what)
    geometry = model.geometry
    for waypoint in segment.waypoints:
        points = geometry.points(model.with_chain_q(ctx.commanded(), waypoint))
        if geometry.fence_depth(points) > 0.0 or (
            geometry.self_collision_clearance(points) < PLANNING_CLEARANCE_M
        ):
            raise SkillFailed(f"{what} out of reach")


def rising_retreat(
    ctx: SkillContext, rises_m: Sequence[float], leans_rad: Sequence[float], what: str
) -> tuple[np.ndarray, np.ndarray]:
    """(end, approach) of a retreat straight up from the commanded tool pose: the first
    of `rises_m` (m) whose line the arm can follow with its approach axis leaned
    outward (away from the base, pivoting about the tool point) by the first of
    `leans_rad` (rad) that works. A gripper pointing steeply down near the edge of its
    reach cannot keep its axis while it rises: a small arm reaches less steeply higher
    up. Raises SkillFailed("<what> out of reach") when none can."""
    tool = ctx.model.tool_pose(ctx.commanded())
    here, axis = tool[:3, 3], tool[:3, 0]
    q = ctx.model.chain_q(ctx.commanded())
    outward = ctx.radial_approach(here)
    for rise in rises_m:
        end = here + UP * rise
        for lean in leans_rad:
            direction = axis * math.cos(lean) + outward * math.sin(lean)
            direction /= float(np.linalg.norm(direction))
            try:
                require_line(ctx, q, end, direction, what)
            except SkillFailed:
                continue
            return end, direction
    raise SkillFailed(f"{what} out of reach")
