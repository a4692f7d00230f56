"""Did an instruction succeed? Judged from the world, not from the skills' own claims.

What the plan promised comes from replaying it on the brain's symbolic model (where
each object should end, which containers should be full); what happened comes from the
final `WorldState`. An object is *on* a surface when its reference point (the centre
of its bottom) lies over the surface's top and rests on it; *with* a person when it
rests within reach of their handover point; *full* when its fill level reaches
`FULL_FRACTION`; an object the plan did not move must not have moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import PlanRejected
from core.msgs import ObjectState, Plan, WorldState
from core.scenes import scene_spec
from robot.brain.world import FULL_FRACTION, START, WorldModel, replay
from sim.person import HANDOVER_ABOVE_PALM

ON_SURFACE_HEIGHT_M = 0.04
"""An object resting on a surface has its bottom within this height above the top."""
SURFACE_MARGIN_M = 0.01
"""An object may overhang a surface's edge by this much and still be on it."""
HANDOVER_RADIUS_M = 0.10
"""An object handed over rests within this distance of the person's handover point,
with its bottom no lower than the palm (HANDOVER_ABOVE_PALM below that point, less
SURFACE_MARGIN_M): a table top can lie within the radius of a low hand, and what fell
there was not handed over."""
UNMOVED_TOLERANCE_M = 0.03
"""An object the plan did not touch may be nudged this much (the arm brushing past)."""
UPRIGHT_TILT_RAD = math.radians(30.0)
"""A container standing with its axis tilted more than this has tipped over."""
EMPTY_FRACTION = 0.2
"""A container that should stay empty may catch a few drops, not more."""


@dataclass(frozen=True)
class Verdict:
    success: bool
    reasons: tuple[str, ...]
    """Why not, one sentence per unmet expectation (empty on success)."""


def _tilt(obj: ObjectState) -> float:
    """Angle between the object's +z axis and the world's +z (rad)."""
    x, y, _, _ = obj.orientation
    # z component of the rotated z axis: 1 - 2(x^2 + y^2) for a unit quaternion.
    return math.acos(max(-1.0, min(1.0, 1.0 - 2.0 * (x * x + y * y))))


def _yaw(orientation: tuple[float, float, float, float]) -> float:
    x, y, z, w = orientation
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def _on_surface(obj: ObjectState, world: WorldState, surface: str) -> bool:
    s = world.surfaces[surface]
    dx, dy = obj.position[0] - s.position[0], obj.position[1] - s.position[1]
    if surface in world.objects:
        # A movable surface (tray, basket) gives its half extents in its own frame.
        yaw = _yaw(world.objects[surface].orientation)
        dx, dy = (
            math.cos(yaw) * dx + math.sin(yaw) * dy,
            -math.sin(yaw) * dx + math.cos(yaw) * dy,
        )
    dx, dy = abs(dx), abs(dy)
    dz = obj.position[2] - s.position[2]
    return (
        dx <= s.half_extents[0] + SURFACE_MARGIN_M
        and dy <= s.half_extents[1] + SURFACE_MARGIN_M
        and -SURFACE_MARGIN_M <= dz <= ON_SURFACE_HEIGHT_M
    )


def judge(plan: Plan, scene: str, before: WorldState, after: WorldState) -> Verdict:
    """Whether the world after the plan is what the plan promised.

    A refused plan succeeds when nothing moved (it was rightly refused or not is the
    brain's evaluation's business, not the world's).
    """
    spec = scene_spec(scene)
    promised: WorldModel | None = None
    if not plan.refused:
        # Positions count from `before`; fill levels too, as measured then.
        try:
            promised = replay(WorldModel.initial(spec).with_world_state(before), plan.steps)
        except PlanRejected as err:
            return Verdict(False, (f"the plan cannot hold in this world: {err}",))
    reasons: list[str] = []
    for name, obj in after.objects.items():
        if name not in spec.graspable:
            continue
        where = promised.where(name) if promised is not None else START
        start = before.objects[name]
        if where == START:
            if math.dist(obj.position, start.position) > UNMOVED_TOLERANCE_M:
                reasons.append(f"{name} moved but the plan did not move it")
        elif where in spec.persons:
            handover = after.persons[where].position
            on_palm = obj.position[2] >= handover[2] - HANDOVER_ABOVE_PALM - SURFACE_MARGIN_M
            if math.dist(obj.position, handover) > HANDOVER_RADIUS_M or not on_palm:
                reasons.append(f"{name} is not with {where}")
        elif not _on_surface(obj, after, where):
            reasons.append(f"{name} is not on {where}")
        if name in spec.containers and _tilt(obj) > UPRIGHT_TILT_RAD:
            reasons.append(f"{name} has tipped over")
    for name in spec.containers:
        should_fill = promised is not None and name in promised.filled
        level = after.objects[name].filled
        if should_fill and level < FULL_FRACTION:
            reasons.append(f"{name} is {level:.0%} full, not full")
        if not should_fill and level > EMPTY_FRACTION and before.objects[name].filled <= level:
            reasons.append(f"{name} got poured into but should not have")
    return Verdict(not reasons, tuple(reasons))
