"""handover(object, person): bring the object to the person's handover point at reduced
speed, release it there, retreat."""

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

HANDOVER_SPEED = 0.25
"""Near a person: a quarter of the joints' speed limits."""
ABOVE_M = 0.03
"""Arrive this far above the handover point, then lower onto the palm..."""
BELOW_M = 0.03
"""...aiming this far below it: the palm (2 cm below the handover point) stops the
object (contact), and the release follows wherever that happens."""
LOWER_SPEED_M_S = 0.03
RETREAT_M = 0.07
RETREAT_RISE_M = 0.03
"""Retreat back and up: clear of what was just let go, and within reach when the
object stood far out."""
RETREAT_SPEED_M_S = 0.06


class Handover(Skill):
    name = "handover"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        what, person = self.args["object"], self.args["person"]
        grasp = require_grasp(what)
        tilt: list[np.ndarray] = []

        def holding(c: SkillContext) -> str | None:
            if c.held != what:
                return f"cannot hand over {what}: not holding it"
            if person not in c.require_world().persons:
                return f"{person} is not in the scene"
            return None

        def pose_at(c: SkillContext, rise: float) -> tuple[np.ndarray, np.ndarray, float]:
            world = c.require_world()
            if person not in world.persons:
                raise SkillFailed(f"{person} is not in the scene")
            bottom = np.asarray(world.persons[person].position, dtype=np.float64) + UP * rise
            if grasp.style == "side":
                point, approach = held_pose(c, what, bottom)
                return point, approach, 0.0
            return pose_holding_at(c, what, bottom)

        def to_person(c: SkillContext) -> tuple[float, ...]:
            what_point = f"{person}'s handover point"
            if grasp.style == "side":
                world = c.require_world()
                if person not in world.persons:
                    raise SkillFailed(f"{person} is not in the scene")
                bottom = np.asarray(world.persons[person].position, dtype=np.float64)
                return c.full_target(solve_held(c, what, bottom + UP * ABOVE_M, what_point))
            point, approach, roll = pose_at(c, ABOVE_M)
            low, _, _ = pose_at(c, -BELOW_M)
            # Held from above: lean out if straight down is out of reach (as place does).
            q, direction = c.solve_tilted(lambda _d: [point, low], approach, what_point, roll)
            tilt[:] = [direction]
            return c.full_target(q)

        def lower(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            point, approach, _ = pose_at(c, -BELOW_M)
            return point, tilt[0] if tilt else approach

        def retreat(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            tool = c.model.tool_pose(c.commanded())
            approach = tool[:3, 0]
            return tool[:3, 3] - approach * RETREAT_M + UP * RETREAT_RISE_M, approach

        def let_go(c: SkillContext) -> None:
            c.held = None
            c.held_from = None

        return [
            Check("check", holding),
            *transit("to person", to_person, HANDOVER_SPEED),
            MoveLine("lower", lower, LOWER_SPEED_M_S, f"{person}'s hand", contact_ok=True),
            SetGripper("release", grasp.open_rad),
            Do("let go", let_go),
            Wait("settle", 0.5),
            clear_jaw(),
            MoveLine("retreat", retreat, RETREAT_SPEED_M_S, "retreat", truncate_ok=True),
        ]
