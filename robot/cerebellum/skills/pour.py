"""pour(source, target): pour over the held vessel's lip, keeping the lip over the
target while the vessel tilts as far as its model says gives the target its share;
untilt the same way; verify something arrived.

The held vessel pours over its lip on the gripper's +y side (a pot's spout tip, or
its rim; core/catalogue/geometry.py `pour_shape`): rolling the wrist negative about
the tool's x axis lowers that side. Rolling turns the vessel about the tool axis, so the lip swings
through ~8 cm as the tilt goes from 0 to 120 degrees; a fixed tool position would
pour the stream across the table. Instead the tilt follows a path of tool poses, one
per TILT_STEP_RAD, each placing the lip (measured from the vessel's pose in the
gripper when the tilt starts, and again whenever it slipped, not where it was meant
to sit) LIP_LEAD_M short of the target's centre, LIP_ABOVE_RIM_M above its rim, or
higher while the vessel's body would otherwise come closer than BODY_ABOVE_RIM_M to
the rim. The tilt runs fast until just short of where the model puts the first drop,
then slowly (a thin stream lands where it is aimed), and back the same way.

How far to tilt: the pour sees no liquid. It follows the source's model
(core/catalogue/pouring.py: what a vessel keeps at each tilt, held): from the fill
levels the world says at the start, the target should end AIM full, so the source
should keep what it holds less what that takes; the tilt stops where the source's
measured lean keeps no more (`tilt_to_keep`), and holds DWELL_S for the last drops.
The twin's particles judge the result; nothing here counts them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.catalogue.geometry import WALL_M, PourShape, pour_shape
from core.catalogue.pouring import tilt_of, tilt_to_keep
from core.pose import quat_matrix
from robot.cerebellum.safety import Settle
from robot.cerebellum.skills.base import Phase, Skill, SkillContext, SkillFailed
from robot.cerebellum.skills.phases import Check, Wait, transit
from robot.cerebellum.skills.poses import (
    OFFSET_ITERATIONS,
    pitch_of,
    pitched,
    require_grasp,
    tool_rotation,
    tool_y,
)

LIP_ABOVE_RIM_M = 0.02
"""The lip stays this far above the target's rim..."""
BODY_ABOVE_RIM_M = 0.012
"""...and every point of the vessel's body at least this far."""
LIP_LEAD_M = 0.015
"""The stream leaves the lip moving outward and crosses the rim 0.5-2.5 cm beyond it
(slow drops fall off the spout's floor, fast ones fly on; measured in the twin): the
lip is aimed this far short of the target's centre (scaled by the tilt's sine)."""
TILT_STEP_RAD = math.radians(3.0)
MAX_TILT_RAD = 2.1
"""About 120 degrees: past it the source is upside down and nothing more comes out."""
MIN_TILT_RAD = 1.4
"""A pour path that cannot tilt at least this far (80 degrees) is out of reach."""
FAST_TILT_RAD_S = 0.8
"""Until the source is FIRST_DROP_RAD short of where its model says it starts to pour..."""
POUR_TILT_RAD_S = 0.2
"""...then this slowly: the stream stays thin and lands where it is aimed."""
FIRST_DROP_RAD = math.radians(15.0)
NEAR_GOAL_RAD = math.radians(6.0)
"""This close to where the tilt should stop..."""
NEAR_GOAL_TILT_RAD_S = 0.05
"""...it creeps: the lean is measured, and the arm stops a lag behind the word (at the
slow rate the vessel leaned 1-3 degrees past its goal, near a spout's emptying tilt a
tenth of the pot each)."""
UNTILT_RAD_S = 0.8
PATH_JOINT_SPEED = 0.6
"""Fraction of the joints' limits for moving from one path pose to the next."""
AIM = 0.75
"""The target's fill level (0..1) a pour aims at: between the brain's "full" (0.5,
robot/brain/world.py FULL_FRACTION) and spilling over, with room for the model's
error either way (near where a full teapot empties, what it keeps varies by a third)."""
DWELL_S = 2.0
"""Held at the tilt so long: drops stop leaving within 1.5 s of the tilt stopping."""
EMPTY = 0.05
FULL_ENOUGH = 0.5
"""A pour that leaves its target below this fill level (the brain's "full",
robot/brain/world.py FULL_FRACTION) while the source still holds tea has failed."""
LIP_DRIFT_M = 0.008
"""A lip this far from where the path put it (the vessel slipped in the jaws) makes
the tilt plan its path again from the vessel's pose now..."""
REPLAN_AFTER_S = 0.5
"""...at most this often, and only with the arm at rest on its path."""
SLOW_FROM_RAD = math.radians(55.0)
"""Past this tilt the tilt slows down wherever the model puts the first drop."""
POURED_AT_LEAST = 0.05
TRANSIT_SPEED = 0.4


def _rot_x(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def vessel_shape(ctx: SkillContext, name: str) -> PourShape:
    """The pour geometry of `name` from the catalogue; SkillFailed if it is no vessel."""
    shape = pour_shape(ctx.thing(name))
    if shape is None or ctx.thing(name).container is None:
        raise SkillFailed(f"{name} is not a vessel: nothing pours from or into it")
    return shape


def volume_ratio(ctx: SkillContext, source: str, target: str) -> float:
    """How much of the target's fill level one whole fill level of the source makes."""
    source_c, target_c = ctx.thing(source).container, ctx.thing(target).container
    if source_c is None or target_c is None:
        return 0.0
    return source_c.full_volume_ml / target_c.full_volume_ml


def vessel_points(shape: PourShape) -> tuple[np.ndarray, np.ndarray]:
    """(lip, body outline) of a vessel in its own frame (m): the lip, and points on the
    edges of its bottom and rim that bound its body."""
    height = shape.height
    lip = np.asarray(shape.lip)
    outer = shape.inner_radius + WALL_M
    angles = np.linspace(0.0, 2 * math.pi, 12, endpoint=False)
    ring = np.column_stack((outer * np.cos(angles), outer * np.sin(angles)))
    body = np.vstack(
        [np.column_stack((ring, np.full(len(ring), z))) for z in (0.0, height)] + [lip[None, :]]
    )
    return lip, body


@dataclass
class PourPath:
    """Full joint targets, one per TILT_STEP_RAD of tilt from 0, and where each puts
    the lip (m, world)."""

    targets: list[tuple[float, ...]]
    aims: list[np.ndarray]


def upright(ctx: SkillContext, path: PourPath) -> Settle:
    """What a stop during the pour settles: the wrist roll back to the path's first,
    untilted pose, so a vessel stopped mid-pour is tipped back upright, not held
    pouring (none for an arm without a wrist roll)."""
    names = ctx.model.profile.joint_names
    if "wrist_roll" not in names:
        return ()
    roll = names.index("wrist_roll")
    return ((roll, path.targets[0][roll]),)


def lip_position(ctx: SkillContext, source: str) -> np.ndarray:
    """Where `source`'s lip is now (m, world), from its measured pose."""
    held = ctx.require_world().objects[source]
    lip, _ = vessel_points(vessel_shape(ctx, source))
    return np.asarray(held.position) + quat_matrix(held.orientation) @ lip


def pour_path(
    ctx: SkillContext, source: str, target: str, up_to_rad: float = MAX_TILT_RAD
) -> PourPath:
    """The tilts from 0 to `up_to_rad` that keep the held `source`'s lip over `target`
    (see the module docstring), from the vessel's pose in the gripper now (at any
    tilt). Stops early where the arm cannot follow; raises SkillFailed if that is
    before MIN_TILT_RAD."""
    model = ctx.model
    world = ctx.require_world()
    what = f"the pour over {target}"
    commanded = ctx.commanded()
    tool = model.tool_pose(commanded)
    rotation, origin = tool[:3, :3], tool[:3, 3]
    held = world.objects[source]
    to_world = quat_matrix(held.orientation)
    lip, body = vessel_points(vessel_shape(ctx, source))
    # The vessel as it sits in the gripper now, in the tool frame (which turns with the
    # wrist roll: these coordinates hold at every tilt while nothing slips).
    lip_tool = rotation.T @ (np.asarray(held.position) + to_world @ lip - origin)
    body_tool = (np.asarray(held.position) + body @ to_world.T - origin) @ rotation
    cup = ctx.object_position(target)
    rim_z = float(cup[2]) + vessel_shape(ctx, target).height
    pitch = pitch_of(rotation[:, 0])
    path = PourPath([], [])
    seed = model.chain_q(commanded)
    steps = int(up_to_rad / TILT_STEP_RAD + 1e-9)
    for k in range(steps + 1):
        tilt = k * TILT_STEP_RAD
        point = np.array([cup[0], cup[1], rim_z])
        approach = pitched(ctx.radial_approach(point), pitch)
        aim = point
        for _ in range(OFFSET_ITERATIONS):
            turned = tool_rotation(approach) @ _rot_x(-tilt)
            lip_now = turned @ lip_tool
            lowest = float((body_tool @ turned.T)[:, 2].min()) - float(lip_now[2])
            lip_z = rim_z + max(LIP_ABOVE_RIM_M, BODY_ABOVE_RIM_M - lowest)
            # The stream leaves the lip moving outward (the tool's level +y): aim short.
            lead = LIP_LEAD_M * math.sin(tilt) * tool_y(np.array([*approach[:2], 0.0]))
            aim = np.array([cup[0], cup[1], lip_z]) - lead
            point = aim - lip_now
            approach = pitched(ctx.radial_approach(point), pitch)
        try:
            q = ctx.solve(point, approach, what, roll=-tilt, seed=seed)
        except SkillFailed:
            if tilt < MIN_TILT_RAD:
                raise
            break
        path.targets.append(ctx.full_target(q))
        path.aims.append(aim)
        seed = q
    return path


def tilt_goal(ctx: SkillContext, source: str, target: str) -> tuple[float, float]:
    """(where the source starts to pour, where it has given the target its share), as
    the source's lean (rad), from the world's fill levels now and the source's model."""
    world = ctx.require_world()
    have, got = world.objects[source].filled, world.objects[target].filled
    ratio = volume_ratio(ctx, source, target)
    give = max(0.0, AIM - got) / ratio if ratio > 0 else have
    vessel = ctx.thing(source)
    return tilt_to_keep(vessel, have), tilt_to_keep(vessel, have - give)


class Tilt(Phase):
    """Walk the pour path at FAST_TILT_RAD_S to FIRST_DROP_RAD short of where the source
    starts to pour (or SLOW_FROM_RAD), then at POUR_TILT_RAD_S, the last NEAR_GOAL_RAD
    at NEAR_GOAL_TILT_RAD_S, until the source's measured lean reaches `tilt_goal`'s
    share (or the path ends), and hold it DWELL_S.
    `reached` is the index of the last pose commanded."""

    budget_s = 25.0

    def __init__(self, source: str, target: str) -> None:
        self.name = "tilt"
        self.source = source
        self.target = target
        self.path: list[tuple[float, ...]] = []
        self._aims: list[np.ndarray] = []
        self.upright: Settle = ()
        self._replanned_s = -math.inf
        self.reached = 0
        self._tilt = 0.0
        self._last_s = 0.0
        self._slow_from = SLOW_FROM_RAD
        self._goal = MAX_TILT_RAD
        self._there_since: float | None = None

    def start(self, ctx: SkillContext) -> None:
        planned = pour_path(ctx, self.source, self.target)
        self.path, self._aims = planned.targets, planned.aims
        self.upright = upright(ctx, planned)
        self._replanned_s = ctx.now_s
        self.reached = 0
        self._tilt = 0.0
        self._last_s = ctx.now_s
        first_drop, self._goal = tilt_goal(ctx, self.source, self.target)
        self._slow_from = min(SLOW_FROM_RAD, first_drop - FIRST_DROP_RAD)
        self._there_since = None
        ctx.request(self.path[0], PATH_JOINT_SPEED, self.upright)

    def update(self, ctx: SkillContext) -> bool:
        if self._there_since is not None:
            return ctx.now_s - self._there_since > DWELL_S
        lean = tilt_of(ctx.require_world().objects[self.source].orientation)
        if lean >= self._goal:
            # Held where it is: the next pose on the path is up to TILT_STEP_RAD further,
            # which near a spout's emptying tilt is a fifth of the pot. Untilting walks
            # back from the pose behind.
            self._there_since = ctx.now_s
            here = ctx.full_target(ctx.model.chain_q(ctx.measured()))
            ctx.request(here, PATH_JOINT_SPEED, self.upright)
            self.reached = max(0, self.reached - 1)
            return False
        if self.reached == len(self.path) - 1 and ctx.arrived(self.path[-1]):
            self._there_since = ctx.now_s
            return False
        dt = max(0.0, ctx.now_s - self._last_s)
        self._last_s = ctx.now_s
        if not ctx.held_by_safety():
            self._tilt += dt * self._rate(lean)
        self._follow_the_lip(ctx)
        index = min(int(self._tilt / TILT_STEP_RAD), len(self.path) - 1)
        if index != self.reached:
            self.reached = index
            ctx.request(self.path[index], PATH_JOINT_SPEED, self.upright)
        return False

    def _rate(self, lean: float) -> float:
        """How fast the tilt goes on (rad/s), the source leaning `lean` (rad)."""
        if lean >= self._goal - NEAR_GOAL_RAD:
            return NEAR_GOAL_TILT_RAD_S
        return POUR_TILT_RAD_S if self._tilt >= self._slow_from else FAST_TILT_RAD_S

    def _follow_the_lip(self, ctx: SkillContext) -> None:
        """The vessel slipped in the gripper (its lip is LIP_DRIFT_M off the aim, the
        arm at rest there): plan the path again from the vessel's pose now."""
        aim = self._aims[self.reached]
        settled = ctx.core.idle and ctx.now_s - self._replanned_s > REPLAN_AFTER_S
        if not settled or np.linalg.norm(lip_position(ctx, self.source) - aim) < LIP_DRIFT_M:
            return
        self._replanned_s = ctx.now_s
        try:
            planned = pour_path(ctx, self.source, self.target)
        except SkillFailed:
            return  # keep pouring along the old path rather than stop mid-pour
        self.path, self._aims = planned.targets, planned.aims
        self.upright = upright(ctx, planned)
        self.reached = min(self.reached, len(self.path) - 1)
        ctx.request(self.path[self.reached], PATH_JOINT_SPEED, self.upright)


class Untilt(Phase):
    """Walk the pour path back from where the tilt stopped to upright at UNTILT_RAD_S:
    the lip stays over the target, so the last drops land in it too."""

    budget_s = 15.0

    def __init__(self, tilt: Tilt) -> None:
        self.name = "untilt"
        self.tilt = tilt
        self._back = 0.0
        self._last_s = 0.0
        self._fed = -1

    def start(self, ctx: SkillContext) -> None:
        self._back = 0.0
        self._last_s = ctx.now_s
        self._fed = -1

    def update(self, ctx: SkillContext) -> bool:
        path = self.tilt.path
        dt = max(0.0, ctx.now_s - self._last_s)
        self._last_s = ctx.now_s
        if not ctx.held_by_safety():
            self._back += dt * UNTILT_RAD_S
        index = max(0, self.tilt.reached - int(self._back / TILT_STEP_RAD))
        if index != self._fed:
            self._fed = index
            ctx.request(path[index], PATH_JOINT_SPEED, self.tilt.upright)
        return index == 0 and ctx.arrived(path[0])


class Pour(Skill):
    name = "pour"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        source, target = self.args["source"], self.args["target"]
        require_grasp(ctx, source)
        before: list[float] = []

        def ready(c: SkillContext) -> str | None:
            world = c.require_world()
            if c.held != source:
                return f"cannot pour from {source}: not holding it"
            if target not in world.objects or pour_shape(c.thing(target)) is None:
                return f"cannot pour into {target}: it is not a container"
            if c.thing(source).container is None:
                return f"cannot pour from {source}: it is not a vessel"
            before.append(world.objects[target].filled)
            return None

        def over_target(c: SkillContext) -> tuple[float, ...]:
            return pour_path(c, source, target, up_to_rad=0.0).targets[0]

        def poured(c: SkillContext) -> str | None:
            objects = c.require_world().objects
            filled = objects[target].filled
            if filled - before[0] < POURED_AT_LEAST:
                return f"nothing poured into {target}"
            if filled < FULL_ENOUGH and objects[source].filled > EMPTY:
                # The source kept more than its model said (a jam in the spout): say
                # so, and the brain pours again (a top-up).
                return f"{target} only {filled:.0%} full: the pour stopped early"
            return None

        tilt = Tilt(source, target)
        return [
            Check("check", ready),
            *transit(
                "over target",
                over_target,
                TRANSIT_SPEED,
                watches=(target,),
                keep_pitch=require_grasp(ctx, source).carry_pitched,
            ),
            tilt,
            Untilt(tilt),
            Wait("drip", 0.5),
            Check("verify", poured),
        ]
