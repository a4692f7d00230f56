"""The phases skills are built from: joint moves, straight lines, the gripper, checks.

Goals are functions of the context, evaluated when the phase starts and again when a
watched object moves, so every phase aims at where things are *now*.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from robot.cerebellum.cartesian import Segment, solve_segment
from robot.cerebellum.kinematics import OutOfReach
from robot.cerebellum.skills.base import PLANNING_CLEARANCE_M, Phase, SkillContext, SkillFailed
from robot.cerebellum.skills.poses import UP, pitch_of, pitched

JointGoal = Callable[[SkillContext], tuple[float, ...]]
LineGoal = Callable[[SkillContext], tuple[np.ndarray, np.ndarray]]
"""Returns (end point, approach direction), world frame (m, unit vector)."""

GRIPPER_SETTLE_S = 0.35
"""Closing: the jaw must have been still this long before contact is decided."""
GRIPPER_STILL_SPAN_RAD = 0.03
GRIPPER_SQUEEZE_RAD = 0.25
"""Closing aims this far past the contact the jaw is expected to find: the servo then
presses with its torque limit, which is what holds the object."""
GRIPPER_TOLERANCE_RAD = 0.05


class MoveJoints(Phase):
    """Move all joints to a goal at `speed` (fraction of the joints' limits)."""

    def __init__(
        self,
        name: str,
        goal: JointGoal,
        speed: float,
        watches: tuple[str, ...] = (),
        contact_ok: bool = False,
    ):
        self.name = name
        self.goal_fn = goal
        self.speed = speed
        self.watches = watches
        self.contact_ok = contact_ok
        self.goal: tuple[float, ...] = ()

    def start(self, ctx: SkillContext) -> None:
        self.goal = self.goal_fn(ctx)
        ctx.request(self.goal, self.speed)

    def update(self, ctx: SkillContext) -> bool:
        return ctx.arrived(self.goal, self.contact_ok)


class MoveLine(Phase):
    """Move the tool along a straight line from where it is to the goal, keeping its
    approach axis, at `speed_m_s` (capped by the joints' limits)."""

    def __init__(
        self,
        name: str,
        goal: LineGoal,
        speed_m_s: float,
        what: str,
        watches: tuple[str, ...] = (),
        joint_speed: float = 0.5,
        contact_ok: bool = False,
        truncate_ok: bool = False,
        fallback: LineGoal | None = None,
    ):
        self.name = name
        self.fallback = fallback
        self.contact_ok = contact_ok
        self.truncate_ok = truncate_ok
        self.goal_fn = goal
        self.speed_m_s = speed_m_s
        self.what = what
        self.watches = watches
        self.joint_speed = joint_speed
        self.segment: Segment | None = None
        self._started_s = 0.0
        self._last_s = 0.0
        self._fed = -1
        self._final: tuple[float, ...] = ()

    def start(self, ctx: SkillContext) -> None:
        """Aim at the goal; if that line is out of reach, at the fallback's (a retreat
        straight up when backing off would fold the arm onto its base)."""
        try:
            self._start(ctx, self.goal_fn)
        except SkillFailed:
            if self.fallback is None:
                raise
            self._start(ctx, self.fallback)

    def _start(self, ctx: SkillContext, goal_fn: LineGoal) -> None:
        model = ctx.model
        end, approach = goal_fn(ctx)
        q_now = model.chain_q(ctx.commanded())
        start = model.chain.fk(q_now)[:3, 3]
        end_base = model.to_base(end)
        direction = tuple(model.direction_to_base(approach))
        try:
            self.segment = solve_segment(
                model.chain,
                q_now,
                start,
                end_base,
                tool_axis=(1.0, 0.0, 0.0),
                direction=direction,  # type: ignore[arg-type]
                what=self.what,
            )
        except OutOfReach as err:
            raise SkillFailed(f"{self.what} out of reach") from err
        self.segment = self._safe_part(ctx, self.segment)
        self._started_s = self._last_s = ctx.now_s
        self._fed = -1
        self._final = ctx.full_target(self.segment.waypoints[-1])
        self._feed(ctx)

    def _safe_part(self, ctx: SkillContext, segment: Segment) -> Segment:
        """The segment up to where the supervisor would stop it (links too close, the
        fence). A retreat may end early there; any other line fails."""
        geometry = ctx.model.geometry
        for k, q in enumerate(segment.waypoints):
            points = geometry.points(ctx.model.with_chain_q(ctx.commanded(), q))
            if geometry.fence_depth(points) == 0.0 and (
                geometry.self_collision_clearance(points) >= PLANNING_CLEARANCE_M
            ):
                continue
            if not self.truncate_ok or k < 2:
                raise SkillFailed(f"{self.what} out of reach")
            fraction = (k - 1) / (len(segment.waypoints) - 1)
            return Segment(segment.waypoints[:k], segment.length_m * fraction)
        return segment

    def _feed(self, ctx: SkillContext) -> int:
        assert self.segment is not None
        travelled = (ctx.now_s - self._started_s) * self.speed_m_s
        index = self.segment.index_at(travelled)
        if index != self._fed:
            self._fed = index
            ctx.request(ctx.full_target(self.segment.waypoints[index]), self.joint_speed)
        return index

    def update(self, ctx: SkillContext) -> bool:
        assert self.segment is not None
        if ctx.held_by_safety():
            # Paused: slide the schedule so the line resumes where it stopped.
            self._started_s += ctx.now_s - self._last_s
        self._last_s = ctx.now_s
        index = self._feed(ctx)
        return index == len(self.segment.waypoints) - 1 and ctx.arrived(
            self._final, self.contact_ok
        )


class SetGripper(Phase):
    """Open (or move) the gripper to `opening` rad and wait until it is there."""

    def __init__(self, name: str, opening: float, budget_s: float = 3.0):
        self.name = name
        self.opening = opening
        self.budget_s = budget_s

    def start(self, ctx: SkillContext) -> None:
        ctx.gripper_goal = self.opening
        ctx.request(ctx.full_target(ctx.model.chain_q(ctx.commanded())), 1.0)

    def update(self, ctx: SkillContext) -> bool:
        index = ctx.model.gripper_index
        if index is None:
            return True
        return ctx.core.idle and abs(ctx.commanded()[index] - self.opening) < GRIPPER_TOLERANCE_RAD


class CloseOnObject(Phase):
    """Close the gripper until the jaw stops on something; fail if it closes on air.

    The jaw has stopped when it stayed within GRIPPER_STILL_SPAN_RAD for
    GRIPPER_SETTLE_S: a soft or sliding object lets the pressing jaw creep on slowly,
    which an instantaneous speed test would take for motion for ever.
    empty_below: a jaw angle (rad) under which nothing can be between the jaws.
    """

    budget_s = 4.0

    def __init__(self, name: str, what: str, expected_contact_rad: float, empty_below: float):
        self.name = name
        self.what = what
        self.expected = expected_contact_rad
        self.empty_below = empty_below
        self._anchor: tuple[float, float] | None = None
        self._started_s = 0.0

    def start(self, ctx: SkillContext) -> None:
        ctx.gripper_goal = self.expected - GRIPPER_SQUEEZE_RAD
        ctx.request(ctx.full_target(ctx.model.chain_q(ctx.commanded())), 0.5)
        self._started_s = ctx.now_s
        self._anchor = None

    def update(self, ctx: SkillContext) -> bool:
        index = ctx.model.gripper_index
        if index is None:
            return True
        state = ctx.core.latest_state
        assert state is not None
        jaw = state.position[index]
        if ctx.now_s - self._started_s < GRIPPER_SETTLE_S:
            return False
        if self._anchor is None or abs(jaw - self._anchor[1]) > GRIPPER_STILL_SPAN_RAD:
            self._anchor = (ctx.now_s, jaw)  # (since when, where) the jaw stays put
            return False
        if ctx.now_s - self._anchor[0] < GRIPPER_SETTLE_S:
            return False
        if jaw < self.empty_below:
            raise SkillFailed(f"missed {self.what}: the gripper closed on nothing")
        ctx.held = self.what
        return True


class Check(Phase):
    """Fail with the reason `test` returns, if any; else done at once."""

    def __init__(self, name: str, test: Callable[[SkillContext], str | None]):
        self.name = name
        self.test = test

    def start(self, ctx: SkillContext) -> None:
        pass

    def update(self, ctx: SkillContext) -> bool:
        reason = self.test(ctx)
        if reason:
            raise SkillFailed(reason)
        return True


class Do(Phase):
    """Run an action once (bookkeeping: forget the held object...)."""

    def __init__(self, name: str, action: Callable[[SkillContext], None]):
        self.name = name
        self.action = action

    def start(self, ctx: SkillContext) -> None:
        self.action(ctx)

    def update(self, ctx: SkillContext) -> bool:
        return True


SEE_AGAIN_S = 3.0
"""A camera's world shows a thing again within this (s): several frames at 3.5 a second
(benchmarks/perception.py), some of them with the arm out of the way."""


class SeeAgain(Phase):
    """Wait until `what` is seen again (its `seen_ns` newer than when this began): before
    a grasp, so it aims where the thing is, not where it was when the plan was made;
    after a release, so the check that follows judges where the thing came to rest, not
    where the gripper carried it. Fail if no frame shows it within SEE_AGAIN_S when
    `needed`; else go on with what the world last said. A world that is not a camera's
    (no `seen_ns`: the twin's truth, a fixture) is current already."""

    def __init__(self, name: str, what: str, needed: bool = True) -> None:
        self.name = name
        self.what = what
        self.needed = needed
        self._seen_ns: int | None = None
        self._since_s = 0.0

    def start(self, ctx: SkillContext) -> None:
        self._seen_ns = self._stamp(ctx)
        self._since_s = ctx.now_s

    def update(self, ctx: SkillContext) -> bool:
        seen_ns = self._stamp(ctx)
        if seen_ns is None or self._seen_ns is None or seen_ns > self._seen_ns:
            return True
        if ctx.now_s - self._since_s <= SEE_AGAIN_S:
            return False
        if self.needed:
            raise SkillFailed(f"cannot see {self.what}: not seen for {SEE_AGAIN_S:.0f} s")
        return True

    def _stamp(self, ctx: SkillContext) -> int | None:
        """`what`'s `seen_ns`, or -1 while the world has no such thing."""
        thing = ctx.require_world().objects.get(self.what)
        return -1 if thing is None else thing.seen_ns


class Wait(Phase):
    """Let things settle for `seconds`."""

    def __init__(self, name: str, seconds: float):
        self.name = name
        self.seconds = seconds
        self._until = 0.0

    def start(self, ctx: SkillContext) -> None:
        self._until = ctx.now_s + self.seconds

    def update(self, ctx: SkillContext) -> bool:
        return ctx.now_s >= self._until


CARRY_PITCH_STEP_RAD = math.radians(10.0)
"""A carrying pose out of reach at the held pitch is tried this much less steep, and
again, down to level."""


def carry_pitches(start: float) -> list[float]:
    """Pitches (rad below the horizontal) to try for a carrying pose, steepest first:
    `start`, then CARRY_PITCH_STEP_RAD less each time, ending level."""
    steps = int(start / CARRY_PITCH_STEP_RAD)
    pitches = [start - k * CARRY_PITCH_STEP_RAD for k in range(steps + 1)]
    return pitches if pitches[-1] == 0.0 else [*pitches, 0.0]


def steep_carry(
    ctx: SkillContext, point: np.ndarray, radial: np.ndarray, pitch: float
) -> np.ndarray:
    """Chain joints (rad) for the tool at `point` (m, world), pitched down along the
    horizontal `radial` by `pitch` (rad) or as little less as reach needs, with the
    wrist roll as it is now: spinning the jaws about a steep approach axis would wring
    the object out of them. Raises SkillFailed when even a level pose is out of reach."""
    names = list(ctx.model.chain.joint_names)
    roll = (
        float(ctx.model.chain_q(ctx.commanded())[names.index("wrist_roll")])
        if "wrist_roll" in names
        else None
    )
    for tried in carry_pitches(pitch):
        try:
            return ctx.solve(point, pitched(radial, tried), "a safe carrying pose", roll=roll)
        except SkillFailed:
            continue
    raise SkillFailed("a safe carrying pose out of reach")


TUCK_RADIUS_M = 0.25
"""Swinging from one side to the other, the tool passes this close to the base (m)..."""
TUCK_RADIUS_STEEP_M = 0.20
"""...or this close (m) when the gripper keeps pointing down: a small arm holds its
gripper steep only near its base."""
TUCK_RISE_M = 0.03
"""...and this much above the higher of where it starts and where it goes (m)."""


def transit(
    name: str,
    goal: JointGoal,
    speed: float,
    watches: tuple[str, ...] = (),
    contact_ok: bool = False,
    keep_pitch: bool = False,
) -> list[Phase]:
    """Phases that move to `goal` the way a person carries a cup past a table: draw in
    toward the base, swing the pan, then reach out. A straight joint-space move from
    one side of the table to the other sweeps the tool (and what it holds) through
    whatever stands between, a person's hand included.

    The carrying poses hold the gripper level, or with `keep_pitch` as steeply pitched
    down as it is when the transit starts (as much as reach allows): an object held
    from above between two jaws turns about the line between them once the gripper
    levels out, and falls out."""
    cache: dict[str, tuple[float, ...]] = {}
    start: dict[str, float] = {}  # the tool's height (m) and pitch (rad) at the start

    def final(ctx: SkillContext) -> tuple[float, ...]:
        cache["goal"] = goal(ctx)
        return cache["goal"]

    def tucked(ctx: SkillContext, pan_from_goal: bool) -> tuple[float, ...]:
        model = ctx.model
        goal_q = cache.get("goal") or final(ctx)
        here = model.tool_pose(ctx.commanded())
        there = model.tool_pose(goal_q)
        if not start:
            start.update(z=float(here[2, 3]), pitch=max(0.0, pitch_of(here[:3, 0])))
        # Steep carries stay as low as they can (reach), so they rise from the start
        # height, not from the first tuck's again.
        height = max(start["z"] if keep_pitch else here[2, 3], there[2, 3]) + TUCK_RISE_M
        source = there if pan_from_goal else here
        base = model.base
        radius = TUCK_RADIUS_STEEP_M if keep_pitch else TUCK_RADIUS_M
        azimuth = np.arctan2(source[1, 3] - base.y, source[0, 3] - base.x)
        point = np.array(
            [
                base.x + radius * np.cos(azimuth),
                base.y + radius * np.sin(azimuth),
                height,
            ]
        )
        radial = np.array([np.cos(azimuth), np.sin(azimuth), 0.0])
        if not keep_pitch:
            return ctx.full_target(ctx.solve(point, radial, "a safe carrying pose", roll=None))
        return ctx.full_target(steep_carry(ctx, point, radial, start["pitch"]))

    return [
        MoveJoints(f"{name}: draw in", lambda c: tucked(c, False), speed),
        MoveJoints(f"{name}: swing", lambda c: tucked(c, True), speed),
        MoveJoints(name, final, speed, watches=watches, contact_ok=contact_ok),
    ]


JAW_CLEAR_M = 0.012
"""After letting go, the tool swings this far toward its -y (the fixed jaw's side)."""


def clear_jaw() -> Phase:
    """Swing the pan a little so the fixed jaw leaves the released object: a retreat with
    the jaw still touching it drags it along (friction). The tool's +y is the direction
    of increasing pan, so the pan turns back by JAW_CLEAR_M over the tool's radius."""

    def goal(ctx: SkillContext) -> tuple[float, ...]:
        model = ctx.model
        target = list(ctx.commanded())
        tool = model.tool_pose(target)[:3, 3]
        radius = float(np.hypot(tool[0] - model.base.x, tool[1] - model.base.y))
        pan = model.chain_index[0]
        target[pan] -= JAW_CLEAR_M / max(radius, 0.05)
        return tuple(target)

    return MoveJoints("clear the jaw", goal, 0.2)


RETREAT_M = 0.07
RETREAT_RISE_M = 0.03
"""After letting go, back off this far along the gripper's axis and rise this much
(m): clear of what was just let go, and within reach when it stood far out."""


def let_go_and_retreat(
    open_rad: float, settle_s: float, speed_m_s: float, fallback: LineGoal
) -> list[Phase]:
    """Open the jaws to `open_rad`, forget the held object, let it settle for
    `settle_s`, swing the fixed jaw off it, then back off along the gripper's axis at
    `speed_m_s`, or along `fallback` where that line is out of reach."""

    def let_go(ctx: SkillContext) -> None:
        ctx.held = None
        ctx.held_from = None

    def back_off(ctx: SkillContext) -> tuple[np.ndarray, np.ndarray]:
        tool = ctx.model.tool_pose(ctx.commanded())
        approach = tool[:3, 0]
        return tool[:3, 3] - approach * RETREAT_M + UP * RETREAT_RISE_M, approach

    return [
        SetGripper("release", open_rad),
        Do("let go", let_go),
        Wait("settle", settle_s),
        clear_jaw(),
        MoveLine("retreat", back_off, speed_m_s, "retreat", truncate_ok=True, fallback=fallback),
    ]
