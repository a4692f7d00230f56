"""handover(object, person): bring the object to the person's handover point at reduced
speed, release it there, retreat."""

from __future__ import annotations

import math

import numpy as np

from core.msgs import WorldState
from robot.cerebellum.skills.base import Phase, Skill, SkillContext, SkillFailed
from robot.cerebellum.skills.grasps import Grasp
from robot.cerebellum.skills.lines import require_line, rising_retreat
from robot.cerebellum.skills.phases import (
    RETREAT_M,
    Check,
    LineGoal,
    MoveLine,
    SeeAgain,
    let_go_and_retreat,
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
RETREAT_SPEED_M_S = 0.06
SETTLE_S = 0.5
"""After letting go, wait this long for the object to settle on the palm (s)."""
RETREAT_UP_RISES_M = (RETREAT_M, RETREAT_M / 2)
RETREAT_UP_LEANS_RAD = tuple(math.radians(d) for d in (0, 10, 20, 30, 40))
"""When backing off is out of reach, the retreat goes straight up by the first of
these rises (m) it can, its axis leaned outward by the first of these (rad)."""
RESTING_RADIUS_M = 0.10
"""An object within this of the handover point (m) was handed over before and rests on
the palm: the next one is put on top of it, not pushed into it from the side..."""
RESTING_TOP_M = 0.035
"""...whose top is at most this far above its reference point (m): our care objects
lying on a palm (a towel or a pill box on its side: 5 cm tall, its reference point at
mid-height) stand no higher. The lowering then stops on it (contact)..."""
STACK_CLEARANCE_M = 0.015
"""...arriving this far above that top (m): less than ABOVE_M, since the stack's top is
a bound already and every centimetre higher costs reach..."""
STACK_DROP_M = 0.0
"""...and letting go this far above it (m)."""


def stack_top(world: WorldState, person: str, what: str) -> float | None:
    """Height (m, above the handover point) of the top of what was handed over before
    and rests on the palm, or None when the palm is empty (`what` itself is ignored)."""
    handover = np.asarray(world.persons[person].position, dtype=np.float64)
    top: float | None = None
    for name, obj in world.objects.items():
        where = np.asarray(obj.position, dtype=np.float64)
        if name != what and float(np.linalg.norm(where - handover)) <= RESTING_RADIUS_M:
            here = float(where[2] - handover[2]) + RESTING_TOP_M
            top = here if top is None else max(top, here)
    return top


def arrival_rise(world: WorldState, person: str, what: str) -> float:
    """How far above the handover point (m) the held object's bottom arrives before it
    is lowered: ABOVE_M over an empty palm, STACK_CLEARANCE_M over the top of what
    already rests there (two handovers in a row)."""
    top = stack_top(world, person, what)
    return ABOVE_M if top is None else max(ABOVE_M, top + STACK_CLEARANCE_M)


def release_rise(world: WorldState, person: str, what: str) -> float:
    """Where (m, above the handover point) the lowering aims: BELOW_M under it, into
    an empty palm (which stops it first); just over what already rests there, so the
    second object is set down on the first, not pressed into it (which shoves it off
    a palm)."""
    top = stack_top(world, person, what)
    return -BELOW_M if top is None else top + STACK_DROP_M


HELD_MARGIN_M = 0.03
"""A held object's reference point is at most its grasp's reach from the tool point
(the grasp height and half width) plus this (m); farther, it slipped out."""
PALM_BELOW_M = 0.02
"""The palm's top lies this far below a person's handover point (m)..."""
ON_PALM_RADIUS_M = 0.06
"""...and what was handed over rests within this of the handover point across (m),
no lower than the palm's top less ON_PALM_SINK_M: otherwise it fell off."""
ON_PALM_SINK_M = 0.005


def slipped(ctx: SkillContext, what: str, grasp: Grasp) -> str | None:
    """Why `what` is no longer in the gripper (it fell out on the way), or None."""
    tool = ctx.model.tool_pose(ctx.measured())[:3, 3]
    reach = float(np.hypot(grasp.height, grasp.half_width)) + HELD_MARGIN_M
    if float(np.linalg.norm(ctx.object_position(what) - tool)) <= reach:
        return None
    ctx.held = None
    ctx.held_from = None
    return f"{what} slipped out of the gripper on the way"


def off_palm(world: WorldState, person: str, where: np.ndarray, what: str) -> str | None:
    """Why `what`, at `where` (m, world), is not resting on `person`'s palm, or None."""
    handover = np.asarray(world.persons[person].position, dtype=np.float64)
    across = float(np.linalg.norm(where[:2] - handover[:2]))
    if across <= ON_PALM_RADIUS_M and where[2] >= handover[2] - PALM_BELOW_M - ON_PALM_SINK_M:
        return None
    return f"{what} fell off {person}'s hand"


STOPPED_LAG_M = 0.01
"""The lowering has stopped on the palm when the measured tool point stays this far (m)
above the commanded one (the held object presses on the palm)..."""
STOPPED_S = 0.3
"""...for this long (s): contact jitter keeps the joints from ever standing still
enough for a plain arrival, which would then wait out the phase's budget."""


class LowerOntoPalm(MoveLine):
    """The lowering toward the palm: done when the line ends, or when the arm stays
    held up above where it is commanded (what it carries rests on the palm); then it
    is commanded to stay where it stopped, so it no longer presses on the hand."""

    def __init__(self, name: str, goal: LineGoal, speed_m_s: float, what: str) -> None:
        super().__init__(name, goal, speed_m_s, what, contact_ok=True)
        self._held_up_since: float | None = None
        self._stopped_at: tuple[float, ...] | None = None

    def start(self, ctx: SkillContext) -> None:
        self._held_up_since = None
        self._stopped_at = None
        super().start(ctx)

    def update(self, ctx: SkillContext) -> bool:
        if self._stopped_at is not None:
            return ctx.arrived(self._stopped_at, contact_ok=True)
        if super().update(ctx):
            return True
        commanded = ctx.model.tool_pose(ctx.commanded())[2, 3]
        measured = ctx.model.tool_pose(ctx.measured())[2, 3]
        if measured - commanded < STOPPED_LAG_M:
            self._held_up_since = None
            return False
        if self._held_up_since is None:
            self._held_up_since = ctx.now_s
        if ctx.now_s - self._held_up_since < STOPPED_S:
            return False
        self._stopped_at = ctx.full_target(ctx.model.chain_q(ctx.measured()))
        ctx.request(self._stopped_at, self.joint_speed)
        return False


class Handover(Skill):
    name = "handover"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        what, person = self.args["object"], self.args["person"]
        grasp = require_grasp(ctx, what)
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
                rise = arrival_rise(world, person, what)
                return c.full_target(solve_held(c, what, bottom + UP * rise, what_point))
            point, approach, roll = pose_at(c, arrival_rise(c.require_world(), person, what))
            low, _, _ = pose_at(c, -BELOW_M)
            # Held from above: lean out if straight down is out of reach (as place does).

            def line_down(q: np.ndarray, d: np.ndarray) -> None:
                require_line(c, q, low, d, what_point)

            q, direction = c.solve_tilted(
                lambda _d: [point, low], approach, what_point, roll, check=line_down
            )
            tilt[:] = [direction]
            return c.full_target(q)

        def lower(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            point, approach, _ = pose_at(c, release_rise(c.require_world(), person, what))
            return point, tilt[0] if tilt else approach

        def retreat_up(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            """Straight up, leaning the axis out as needed: backing off along a steep
            axis from a low palm is out of reach."""
            return rising_retreat(c, RETREAT_UP_RISES_M, RETREAT_UP_LEANS_RAD, "retreat")

        return [
            Check("check", holding),
            *transit("to person", to_person, HANDOVER_SPEED, keep_pitch=grasp.carry_pitched),
            Check("still held", lambda c: slipped(c, what, grasp)),
            LowerOntoPalm("lower", lower, LOWER_SPEED_M_S, f"{person}'s hand"),
            *let_go_and_retreat(grasp.open_rad, SETTLE_S, RETREAT_SPEED_M_S, retreat_up),
            SeeAgain("look", what, needed=False),
            Check(
                "verify",
                lambda c: off_palm(c.require_world(), person, c.object_position(what), what),
            ),
        ]
