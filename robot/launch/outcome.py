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
from typing import Any

from core.catalogue.types import HANDOVER_ABOVE_PALM_M
from core.errors import PlanRejected
from core.msgs import ObjectState, Plan, WorldState
from core.pose import tilt_of, yaw_of
from core.scenes import scene_spec
from robot.brain.world import FULL_FRACTION, START, WorldModel, replay

ON_SURFACE_HEIGHT_M = 0.04
"""An object resting on a surface has its bottom within this height above the top."""
SURFACE_MARGIN_M = 0.01
"""An object may overhang a surface's edge by this much and still be on it."""
HANDOVER_RADIUS_M = 0.10
"""An object handed over rests within this distance of the person's handover point,
with its bottom no lower than the palm (HANDOVER_ABOVE_PALM_M below that point, less
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


def _on_surface(obj: ObjectState, world: WorldState, surface: str) -> bool:
    s = world.surfaces[surface]
    dx, dy = obj.position[0] - s.position[0], obj.position[1] - s.position[1]
    if surface in world.objects:
        # A movable surface (tray, basket) gives its half extents in its own frame.
        yaw = yaw_of(world.objects[surface].orientation)
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


def _placed(name: str, where: str, before: WorldState, after: WorldState) -> str | None:
    """Why object `name` is not `where` (START: where it began; a person; a surface),
    None when it is."""
    obj = after.objects[name]
    if where == START:
        moved = math.dist(obj.position, before.objects[name].position) > UNMOVED_TOLERANCE_M
        return f"{name} moved but should not have" if moved else None
    if where in after.persons:
        handover = after.persons[where].position
        on_palm = obj.position[2] >= handover[2] - HANDOVER_ABOVE_PALM_M - SURFACE_MARGIN_M
        if math.dist(obj.position, handover) > HANDOVER_RADIUS_M or not on_palm:
            return f"{name} is not with {where}"
        return None
    return None if _on_surface(obj, after, where) else f"{name} is not on {where}"


def _full(name: str, after: WorldState) -> bool:
    return after.objects[name].filled >= FULL_FRACTION


def _poured_into(name: str, before: WorldState, after: WorldState) -> bool:
    level = after.objects[name].filled
    return level > EMPTY_FRACTION and before.objects[name].filled <= level


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
        if (why := _placed(name, where, before, after)) is not None:
            reasons.append(why)
        if name in spec.containers and tilt_of(obj.orientation) > UPRIGHT_TILT_RAD:
            reasons.append(f"{name} has tipped over")
    for name in spec.containers:
        should_fill = promised is not None and name in promised.filled
        if should_fill and not _full(name, after):
            reasons.append(f"{name} is {after.objects[name].filled:.0%} full, not full")
        if not should_fill and _poured_into(name, before, after):
            reasons.append(f"{name} got poured into but should not have")
    return Verdict(not reasons, tuple(reasons))


def judge_expectation(
    expect: dict[str, Any], scene: str, before: WorldState, after: WorldState, said: bool
) -> Verdict:
    """Whether the world after a run is what an evaluation case expects, whatever plan
    ran: `filled` (each full), `empty` (none poured into), `at` (object -> surface or
    person), `filled_at` ([candidates, place]: one candidate full and there),
    `unchanged` (no graspable object moved), `said` (something was said: `said`), and
    every container standing. `refused` is the brain's business and not judged here.
    """
    spec = scene_spec(scene)
    reasons: list[str] = []
    for name in expect.get("filled", []):
        if not _full(name, after):
            reasons.append(f"{name} is {after.objects[name].filled:.0%} full, not full")
    for name in expect.get("empty", []):
        if _poured_into(name, before, after):
            reasons.append(f"{name} got poured into but should not have")
    for name, where in expect.get("at", {}).items():
        if (why := _placed(name, where, before, after)) is not None:
            reasons.append(why)
    if "filled_at" in expect:
        candidates, where = expect["filled_at"]
        if not any(
            _full(c, after) and _placed(c, where, before, after) is None for c in candidates
        ):
            reasons.append(f"none of {', '.join(candidates)} is full and at {where}")
    if expect.get("unchanged"):
        reasons += [
            why
            for name in spec.graspable
            if (why := _placed(name, START, before, after)) is not None
        ]
    if expect.get("said") and not said:
        reasons.append("nothing was said")
    reasons += [
        f"{name} has tipped over"
        for name in spec.containers
        if tilt_of(after.objects[name].orientation) > UPRIGHT_TILT_RAD
    ]
    return Verdict(not reasons, tuple(reasons))


def judge_plan(expect: dict[str, Any], scene: str, plan: Plan) -> Verdict:
    """Whether `plan` meets an evaluation case's `expect` on the brain's symbolic world
    after replaying it (no physics): `refused` (the plan refuses), else the plan must
    not refuse, must hold in the world model, and leave `filled` full, `empty` not
    full, `at` objects where named, one of `filled_at`'s candidates full and there,
    every object where it started (`unchanged`), and something said (`said`)."""
    if expect.get("refused"):
        return Verdict(plan.refused, () if plan.refused else ("planned, but should refuse",))
    if plan.refused:
        return Verdict(False, (f"refused ({plan.reason}), but should plan",))
    spec = scene_spec(scene)
    try:
        end = replay(WorldModel.initial(spec), plan.steps)
    except PlanRejected as err:
        return Verdict(False, (f"the plan cannot hold: {err}",))
    reasons = [f"{n} is not full" for n in expect.get("filled", []) if n not in end.filled]
    reasons += [f"{n} got filled" for n in expect.get("empty", []) if n in end.filled]
    reasons += [
        f"{n} is {end.where(n)}, not {where}"
        for n, where in expect.get("at", {}).items()
        if end.where(n) != where
    ]
    if "filled_at" in expect:
        candidates, where = expect["filled_at"]
        if not any(c in end.filled and end.where(c) == where for c in candidates):
            reasons.append(f"none of {', '.join(candidates)} is full and at {where}")
    if expect.get("unchanged"):
        reasons += [f"{n} moved" for n in sorted(spec.graspable) if end.where(n) != START]
    if expect.get("said") and not any(step.skill == "say" for step in plan.steps):
        reasons.append("nothing was said")
    return Verdict(not reasons, tuple(reasons))
