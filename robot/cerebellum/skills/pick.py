"""pick(object): see it again (with a camera), pre-grasp, approach, close until contact,
lift, verify it came along."""

from __future__ import annotations

import numpy as np

from robot.cerebellum.skills.base import Phase, Skill, SkillContext
from robot.cerebellum.skills.lines import solve_line
from robot.cerebellum.skills.phases import (
    Check,
    CloseOnObject,
    MoveLine,
    SeeAgain,
    SetGripper,
    transit,
)
from robot.cerebellum.skills.poses import UP, grasp_pose, require_grasp

PRE_GRASP_CLEARANCE_M = 0.04
"""The pre-grasp stands back along the approach axis by the object's half width plus
this (the jaw tips reach 2 cm past the tool frame)..."""
PRE_GRASP_RISE_M = 0.03
"""...and this much higher: the approach comes in slightly from above, which keeps
the pre-grasp of near, low objects within a small arm's reach."""
APPROACH_SPEED_M_S = 0.06
LIFT_M = 0.06
LIFT_SPEED_M_S = 0.06
CAME_ALONG_M = 0.03
"""After the lift the object must have risen at least this much."""
TRANSIT_SPEED = 0.6


class Pick(Skill):
    name = "pick"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        what = self.args["object"]
        grasp = require_grasp(ctx, what)
        start_z: list[float] = []

        def free_hand(c: SkillContext) -> str | None:
            if c.held is not None:
                return f"cannot pick {what}: already holding {c.held}"
            start_z.append(float(c.object_position(what)[2]))
            c.held_from = tuple(float(v) for v in c.object_position(what))  # type: ignore[assignment]
            return None

        direction: list[np.ndarray] = []
        back = grasp.half_width + PRE_GRASP_CLEARANCE_M

        def pre_grasp(c: SkillContext) -> tuple[float, ...]:
            point, approach, roll = grasp_pose(c, what)

            # The pre-grasp and the grasp itself must both be reachable along one axis.
            def line_ok(q: np.ndarray, d: np.ndarray) -> None:
                # The straight approach from this pre-grasp must be solvable too.
                solve_line(c, q, point, d, what)

            q, d = c.solve_tilted(
                lambda d: [point - d * back + UP * PRE_GRASP_RISE_M, point],
                approach,
                what,
                roll,
                check=line_ok,
            )
            direction[:] = [d]
            return c.full_target(q)

        def grasp_line(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            point, _, _ = grasp_pose(c, what)
            return point, direction[0]

        def lift_line(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            tool = c.model.tool_pose(c.commanded())
            return tool[:3, 3] + UP * LIFT_M, tool[:3, 0]

        def came_along(c: SkillContext) -> str | None:
            if c.require_world().objects[what].seen_ns is not None:
                # A camera's world has not seen the lift yet (3-4 frames a second, and a
                # jaw may hide the tag): the jaws closing on something is the check.
                return None
            risen = float(c.object_position(what)[2]) - start_z[0]
            if risen < CAME_ALONG_M:
                c.held = None
                return f"grasp slipped: {what} did not come along"
            return None

        return [
            Check("check", free_hand),
            SeeAgain("look", what),
            SetGripper("open", grasp.open_rad),
            *transit("pre-grasp", pre_grasp, TRANSIT_SPEED, watches=(what,)),
            MoveLine("approach", grasp_line, APPROACH_SPEED_M_S, what, watches=(what,)),
            CloseOnObject("close", what, grasp.contact_rad, empty_below=grasp.contact_rad * 0.4),
            MoveLine("lift", lift_line, LIFT_SPEED_M_S, f"lifting {what}"),
            Check("verify", came_along),
        ]
