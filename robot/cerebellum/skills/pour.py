"""pour(source, target): pour over the held vessel's lip, keeping the lip over the
target while the vessel tilts, until the target is full or the source empty; untilt
the same way; verify something arrived.

The held vessel pours over its lip on the gripper's +y side (a pot's spout tip, or
its rim; core/catalogue/geometry.py `pour_shape`): rolling the wrist negative about
the tool's x axis lowers that side. Rolling turns the vessel about the tool axis, so the lip swings
through ~8 cm as the tilt goes from 0 to 120 degrees; a fixed tool position would
pour the stream across the table. Instead the tilt follows a path of tool poses, one
per TILT_STEP_RAD, each placing the lip (measured from the vessel's pose in the
gripper when the tilt starts, and again whenever it slipped, not where it was meant
to sit) LIP_LEAD_M short of the target's centre, LIP_ABOVE_RIM_M above its rim, or
higher while the vessel's body would otherwise come closer than BODY_ABOVE_RIM_M to
the rim. The tilt runs fast until the first drops leave, then slowly, backing off
while drops leave (a dribble, not a gush), and back the same way.

When to stop: a vessel tilted past its lip keeps pouring while the wrist turns back,
and drops in the spout or the air land after the tilt has stopped. `Flow` counts
both from the fill levels of source and target (their catalogue `full_volume_ml`
turns one into the other): the tilt ends when what is in the target plus what is in
flight reaches FULL, and backs off to let the stream land when the present rate would
get there within STOP_LATENCY_S. So the first of two cups takes only its share of a teapot.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from core.catalogue.geometry import WALL_M, PourShape, pour_shape
from core.msgs import WorldState
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
"""Until the first drops leave the source..."""
POUR_TILT_RAD_S = 0.2
"""...then this slowly: the stream stays thin and lands where it is aimed."""
UNTILT_RAD_S = 0.8
PATH_JOINT_SPEED = 0.6
"""Fraction of the joints' limits for moving from one path pose to the next."""
FULL = 0.55
"""Target fill level (0..1) at which the tilt stops, counting what is in flight
(`Flow.in_flight`): just over the brain's "full" (0.5, robot/brain/world.py), so one
teapot fills two cups."""
STOP_LATENCY_S = 0.3
"""From deciding to stop until the tilting back closes the lip (s): when what pours
at the present rate for this long would fill the target, the tilt backs off and lets
the stream land first (then tops up if it is still short)."""
RATE_WINDOW_S = 0.4
"""The pouring rate is measured over this long (s)."""
FLIGHT_S = 0.8
"""A drop reaches the target within this long after leaving the source (s); one that
has not is stuck or spilled, and no longer counts as on its way."""
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
"""Past this tilt the tilt slows down even before the first drop leaves."""
FLOW_PAUSE_S = 0.3
"""While drops are leaving (the source's fill fell within this long) the tilt backs
off: held still, a vessel whose surface is over its lip keeps pouring faster and
faster; tilted back a little, it lets one more drop go and stops..."""
BACK_OFF_RAD_S = 0.4
"""...at this rate..."""
BACK_OFF_MAX_RAD = math.radians(8.0)
"""...but never further than this below the tilt where the first drop left."""
DWELL_AT_MAX_S = 1.5
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


class Flow:
    """What a pour has moved, from the fill levels of its source and target, in the
    target's fill level (0..1): what is in flight (left the source within FLIGHT_S
    and not landed: in the spout or the air) and how fast the source pours."""

    def __init__(self, source: str, target: str, ratio: float) -> None:
        """`ratio`: the target's fill level that a whole source makes (0: unknown)."""
        self.source = source
        self.target = target
        self.known = ratio > 0
        self.ratio = ratio
        self._start: tuple[float, float] | None = None
        self._history: deque[tuple[float, float]] = deque()
        self._now: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def record(self, now_s: float, world: WorldState) -> None:
        """Note the source's and target's fill levels at `now_s` (s)."""
        source = world.objects[self.source].filled
        target = world.objects[self.target].filled
        if self._start is None:
            self._start = (source, target)
        self._now = (now_s, source, target)
        self._history.append((now_s, source))
        while self._history[0][0] < now_s - max(FLIGHT_S, RATE_WINDOW_S):
            self._history.popleft()

    def _since(self, seconds: float) -> float:
        """How much left the source in the last `seconds` (target fill level)."""
        now_s, source, _ = self._now
        then = next((f for t, f in self._history if t >= now_s - seconds), source)
        return max(0.0, then - source) * self.ratio

    def in_flight(self) -> float:
        if not self.known or self._start is None:
            return 0.0
        _, source, target = self._now
        missing = (self._start[0] - source) * self.ratio - (target - self._start[1])
        return max(0.0, min(missing, self._since(FLIGHT_S)))

    def rate(self) -> float:
        """Target fill level per s, over the last RATE_WINDOW_S."""
        return self._since(RATE_WINDOW_S) / RATE_WINDOW_S if self.known else 0.0


class Tilt(Phase):
    """Walk the pour path at FAST_TILT_RAD_S until the source starts to pour (or the
    tilt reaches SLOW_FROM_RAD), then at POUR_TILT_RAD_S, backing off while drops
    leave (a dribble the target can count, not a gush), until the target is full, the
    source empty, or the path's end (then wait DWELL_AT_MAX_S). `reached` is the index
    of the last pose commanded."""

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
        self._last_fill = 1.0
        self.flow = Flow(source, target, 0.0)
        self._flowed_s = -math.inf
        self._first_drop_tilt: float | None = None
        self._end_since: float | None = None

    def start(self, ctx: SkillContext) -> None:
        planned = pour_path(ctx, self.source, self.target)
        self.path, self._aims = planned.targets, planned.aims
        self.upright = upright(ctx, planned)
        self._replanned_s = ctx.now_s
        self.reached = 0
        self._tilt = 0.0
        self._last_s = ctx.now_s
        world = ctx.require_world()
        self._last_fill = world.objects[self.source].filled
        self.flow = Flow(self.source, self.target, volume_ratio(ctx, self.source, self.target))
        self.flow.record(ctx.now_s, world)
        self._flowed_s = -math.inf
        self._first_drop_tilt = None
        self._end_since = None
        ctx.request(self.path[0], PATH_JOINT_SPEED, self.upright)

    def update(self, ctx: SkillContext) -> bool:
        world = ctx.require_world()
        source = world.objects[self.source].filled
        self.flow.record(ctx.now_s, world)
        expected = world.objects[self.target].filled + self.flow.in_flight()
        if expected >= FULL or source <= EMPTY:
            ctx.request(self.path[self.reached], PATH_JOINT_SPEED, self.upright)  # stop here
            return True
        dt = max(0.0, ctx.now_s - self._last_s)
        self._last_s = ctx.now_s
        if source < self._last_fill - 1e-9:
            self._last_fill, self._flowed_s = source, ctx.now_s
            if self._first_drop_tilt is None:
                self._first_drop_tilt = self._tilt
        if expected + self.flow.rate() * STOP_LATENCY_S >= FULL:
            self._flowed_s = ctx.now_s  # nearly full: back off and let the stream land
        if not ctx.held_by_safety():
            self._tilt = self._next_tilt(ctx.now_s, dt)
        self._follow_the_lip(ctx)
        index = min(int(self._tilt / TILT_STEP_RAD), len(self.path) - 1)
        if index != self.reached:
            self.reached = index
            ctx.request(self.path[index], PATH_JOINT_SPEED, self.upright)
        if index < len(self.path) - 1:
            return False
        if self._end_since is None:
            self._end_since = ctx.now_s
        # Done once nothing has left the source for DWELL_AT_MAX_S at the path's end.
        return ctx.now_s - max(self._end_since, self._flowed_s) > DWELL_AT_MAX_S

    def _next_tilt(self, now_s: float, dt: float) -> float:
        """The tilt (rad) after `dt` s: back off while drops leave, else tilt on."""
        if self._first_drop_tilt is not None and now_s - self._flowed_s < FLOW_PAUSE_S:
            lowest = self._first_drop_tilt - BACK_OFF_MAX_RAD
            return max(lowest, self._tilt - dt * BACK_OFF_RAD_S)
        started = self._first_drop_tilt is not None or self._tilt >= SLOW_FROM_RAD
        return self._tilt + dt * (POUR_TILT_RAD_S if started else FAST_TILT_RAD_S)

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
                # Drops stuck in the spout counted as on their way and ended the tilt
                # early: say so, and the brain pours again (a top-up).
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
