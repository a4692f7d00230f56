"""pour(source, target): spout over the target, tilt at a controlled rate until the
target is full or the source empty, untilt, verify something arrived.

The held vessel pours over its rim on the gripper's +y side (the teapot's spout side,
sim/scenes/tea.py): rolling the wrist negative about the tool's x axis lowers that rim.
"""

from __future__ import annotations

import numpy as np

from robot.cerebellum.skills.base import Phase, Skill, SkillContext, SkillFailed
from robot.cerebellum.skills.grasps import VESSEL_HEIGHTS
from robot.cerebellum.skills.phases import Check, MoveJoints, Wait, transit
from robot.cerebellum.skills.poses import held_pose, require_grasp, solve_held, tool_y

RIM_CLEARANCE_M = 0.025
"""The source's bottom stays this far above the target's rim."""
POUR_LIP_M = 0.065
"""Where the stream leaves a tilted source, along the tool's +y from the source's
centre (m): its rim (inner radius ~0.027 m) swung out by the tilt about the gripper
axis, 4-5 cm below the rim. That point goes over the target's centre."""
TILT_RATE_RAD_S = 0.6
MAX_TILT_RAD = 2.1
"""About 120 degrees: past it the source is upside down and nothing more comes out."""
FULL = 0.85
"""Target fill level (0..1) at which pouring stops."""
EMPTY = 0.05
DWELL_AT_MAX_S = 1.5
POURED_AT_LEAST = 0.05
TRANSIT_SPEED = 0.4


class Tilt(Phase):
    """Roll the wrist toward the spout at TILT_RATE_RAD_S until the target is full, the
    source empty, or the tilt at its maximum (then wait DWELL_AT_MAX_S)."""

    budget_s = 20.0

    def __init__(self, source: str, target: str) -> None:
        self.name = "tilt"
        self.source = source
        self.target = target
        self._at_max_since: float | None = None
        self._roll_index = -1

    def start(self, ctx: SkillContext) -> None:
        names = ctx.model.profile.joint_names
        if "wrist_roll" not in names:
            raise SkillFailed("cannot pour: the arm has no wrist roll")
        self._roll_index = names.index("wrist_roll")
        goal = list(ctx.commanded())
        goal[self._roll_index] = -MAX_TILT_RAD
        gripper = ctx.model.gripper_index
        if gripper is not None:
            goal[gripper] = ctx.gripper_goal
        max_roll = ctx.model.limits.max_velocity[self._roll_index]
        ctx.request(tuple(goal), TILT_RATE_RAD_S / max_roll)
        self._at_max_since = None

    def update(self, ctx: SkillContext) -> bool:
        world = ctx.require_world()
        full = world.objects[self.target].filled >= FULL
        empty = world.objects[self.source].filled <= EMPTY
        if full or empty:
            ctx.request(ctx.commanded(), 1.0)  # stop tilting right here
            return True
        at_max = ctx.commanded()[self._roll_index] <= -MAX_TILT_RAD + 0.02
        if at_max and self._at_max_since is None:
            self._at_max_since = ctx.now_s
        return self._at_max_since is not None and ctx.now_s - self._at_max_since > DWELL_AT_MAX_S


class Pour(Skill):
    name = "pour"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        source, target = self.args["source"], self.args["target"]
        require_grasp(source)
        before: list[float] = []

        def ready(c: SkillContext) -> str | None:
            world = c.require_world()
            if c.held != source:
                return f"cannot pour from {source}: not holding it"
            if target not in world.objects or target not in VESSEL_HEIGHTS:
                return f"cannot pour into {target}: it is not a container"
            before.append(world.objects[target].filled)
            return None

        def over_target(c: SkillContext) -> tuple[float, ...]:
            cup = c.object_position(target)
            rim_z = cup[2] + VESSEL_HEIGHTS[target] + RIM_CLEARANCE_M
            # The source's pouring lip, POUR_LIP_M along the tool's +y from the
            # source's centre, goes over the target's centre.
            radial = c.radial_approach(cup)
            for _ in range(3):
                bottom = np.array([cup[0], cup[1], rim_z]) - tool_y(radial) * POUR_LIP_M
                point, _ = held_pose(c, source, bottom)
                radial = c.radial_approach(point)
            return c.full_target(solve_held(c, source, bottom, f"the pour over {target}"))

        def untilt(c: SkillContext) -> tuple[float, ...]:
            goal = list(c.commanded())
            goal[c.model.profile.joint_names.index("wrist_roll")] = 0.0
            return tuple(goal)

        def poured(c: SkillContext) -> str | None:
            gained = c.require_world().objects[target].filled - before[0]
            if gained < POURED_AT_LEAST:
                return f"nothing poured into {target}"
            return None

        return [
            Check("check", ready),
            *transit("over target", over_target, TRANSIT_SPEED, watches=(target,)),
            Tilt(source, target),
            MoveJoints("untilt", untilt, TILT_RATE_RAD_S / 4.0),
            Wait("drip", 0.5),
            Check("verify", poured),
        ]
