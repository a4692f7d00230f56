"""place(object, target): over the target, lower straight down, release, retreat, verify."""

from __future__ import annotations

import numpy as np

from robot.cerebellum.skills.base import Phase, Skill, SkillContext, SkillFailed
from robot.cerebellum.skills.phases import (
    Check,
    Do,
    MoveLine,
    SetGripper,
    Wait,
    clear_jaw,
    transit,
)
from robot.cerebellum.skills.poses import (
    UP,
    held_pose,
    pose_holding_at,
    require_grasp,
    solve_held,
)

ABOVE_M = 0.06
"""Come in this far above the placing point, then lower straight down."""
DROP_CLEARANCE_M = 0.006
"""Release with the object's bottom this far above the surface."""
LOWER_SPEED_M_S = 0.05
RETREAT_M = 0.07
RETREAT_RISE_M = 0.03
"""Retreat back and up: clear of what was just let go, and within reach when the
object stood far out."""
RETREAT_SPEED_M_S = 0.08
LANDED_MARGIN_M = 0.015
TRANSIT_SPEED = 0.5
LARGE_SURFACE_M = 0.2
"""A surface wider than this (a table) gets the object back where it came from."""


def place_point(ctx: SkillContext, target: str) -> np.ndarray:
    """Where the held object's bottom centre goes (m, world) on `target`."""
    world = ctx.require_world()
    if target not in world.surfaces:
        raise SkillFailed(f"cannot place on {target}: it is not a surface")
    surface = world.surfaces[target]
    top = np.asarray(surface.position, dtype=np.float64)
    if max(surface.half_extents[:2]) > LARGE_SURFACE_M and ctx.held_from is not None:
        return np.array([ctx.held_from[0], ctx.held_from[1], top[2]])
    return top


class Place(Skill):
    name = "place"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        what, target = self.args["object"], self.args["target"]
        grasp = require_grasp(what)
        tilt: list[np.ndarray] = []
        watches = (target,) if ctx.world is not None and target in ctx.world.objects else ()

        def holding(c: SkillContext) -> str | None:
            if c.held != what:
                return f"cannot place {what}: not holding it"
            return None

        def holding_at(c: SkillContext, bottom: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
            if grasp.style == "side":
                point, approach = held_pose(c, what, bottom)
                return point, approach, 0.0
            return pose_holding_at(c, what, bottom)

        def above(c: SkillContext) -> tuple[float, ...]:
            high = place_point(c, target) + UP * (DROP_CLEARANCE_M + ABOVE_M)
            if grasp.style == "side":
                return c.full_target(solve_held(c, what, high, f"{target}"))
            point, approach, roll = holding_at(c, high)
            # Held from above: lean out if straight down is out of reach.
            low = point - UP * ABOVE_M
            q, direction = c.solve_tilted(lambda _d: [point, low], approach, f"{target}", roll)
            tilt[:] = [direction]
            return c.full_target(q)

        def lower(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            bottom = place_point(c, target) + UP * DROP_CLEARANCE_M
            point, approach, _ = holding_at(c, bottom)
            return point, tilt[0] if tilt else approach

        def retreat(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            tool = c.model.tool_pose(c.commanded())
            approach = tool[:3, 0]
            return tool[:3, 3] - approach * RETREAT_M + UP * RETREAT_RISE_M, approach

        def landed(c: SkillContext) -> str | None:
            world = c.require_world()
            surface = world.surfaces[target]
            offset = np.abs(c.object_position(what)[:2] - np.asarray(surface.position[:2]))
            inside = np.all(offset <= np.asarray(surface.half_extents[:2]) + LANDED_MARGIN_M)
            if not inside:
                return f"{what} did not land on {target}"
            return None

        def let_go(c: SkillContext) -> None:
            c.held = None
            c.held_from = None

        return [
            Check("check", holding),
            *transit("above target", above, TRANSIT_SPEED, watches=watches),
            MoveLine(
                "lower", lower, LOWER_SPEED_M_S, f"{target}", watches=watches, contact_ok=True
            ),
            SetGripper("release", grasp.open_rad),
            Do("let go", let_go),
            Wait("settle", 0.3),
            clear_jaw(),
            MoveLine("retreat", retreat, RETREAT_SPEED_M_S, "retreat", truncate_ok=True),
            Check("verify", landed),
        ]
