"""What every skill is made of: a context to act through, phases, and the skill itself.

A skill is a small state machine: an ordered list of named phases (pre-grasp,
approach, close, lift, verify...), each of which starts, is updated ~50 times a
second until it is done, and may fail with a reason the brain can replan from
(`SkillFailed("cup_red out of reach")`). The phase's name is the skill's state.

Phases compute their goals from the *current* world when they start, and again when
an object they aim at moves (`retarget`), so a nudged cup is followed instead of
missed. Time spent held by the safety supervisor (a hand in the protective zone)
does not count against a phase's time budget: the skill simply resumes.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

import numpy as np

from core.catalogue import load_scene
from core.catalogue.types import Thing
from core.errors import ConfigError, RobotError
from core.msgs import SkillName, WorldState
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.kinematics import OutOfReach
from robot.cerebellum.motion import MotionPort, MotionRequest
from robot.cerebellum.safety import Settle

RETARGET_DISTANCE_M = 0.01
"""An object that moved more than 1 cm since a phase aimed at it makes it re-aim."""
ARRIVAL_TOLERANCE_RAD = 0.02
"""A move is done when every commanded arm joint is within this of its goal..."""
MEASURED_TOLERANCE_RAD = 0.08
"""...and the measured arm joints within this (servos lag and sag under load)."""
PLANNING_CLEARANCE_M = 0.005
"""Poses the skills aim at keep this much room beyond the supervisor's link margin."""
STILL_RAD_S = 0.02
CONTACT_SETTLE_S = 0.3
IK_RESTARTS = 20
"""Random restarts after the seed: damped least squares can stall on a 5-axis arm's
folded configurations; 20 restarts cost at most ~0.15 s in the skill thread."""
APPROACH_TILTS_RAD = tuple(math.radians(d) for d in (0, 10, 20, 30, 40, 50, 60, 70))
"""A side approach that is out of reach level is tried tilted further and further down:
a small arm reaches close, low objects only from above."""


class SkillFailed(RobotError):
    """A skill cannot finish; `reason` is a sentence the brain can replan from."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SkillContext:
    """What a skill sees and how it acts: the arm model, the motion core, the world.

    Owned by the skill runner, shared by the skills it runs one after another: it
    remembers the gripper's goal and what is held between skills.
    """

    def __init__(self, model: ArmModel, core: MotionPort, home: tuple[float, ...]) -> None:
        self.model = model
        self.core = core
        self.home = home
        self.world: WorldState | None = None
        self.now_s = 0.0
        self.held: str | None = None
        """Name of the object in the gripper, if any."""
        self.held_from: tuple[float, float, float] | None = None
        """Where the held object was picked up (m, world): `place` on the table goes back."""
        gripper = model.gripper_index
        self.gripper_goal = home[gripper] if gripper is not None else 0.0
        self._still_since: float | None = None

    # -- reading ----------------------------------------------------------------------

    def thing(self, name: str) -> Thing:
        """What the catalogue says of `name` in the scene the world state names."""
        if self.world is None:
            raise SkillFailed(f"cannot tell what {name} is: no world state yet")
        try:
            things = load_scene(self.world.scene).things
        except ConfigError as err:
            raise SkillFailed(f"cannot read scene {self.world.scene!r}: {err}") from err
        if name not in things:
            raise SkillFailed(f"{name} is not in scene {self.world.scene}")
        return things[name]

    def measured(self) -> tuple[float, ...]:
        state = self.core.latest_state
        if state is None:
            raise SkillFailed("no joint state from the limb yet")
        return state.position

    def commanded(self) -> tuple[float, ...]:
        return self.core.commanded or self.measured()

    def require_world(self) -> WorldState:
        if self.world is None:
            raise SkillFailed("no world state yet: cannot find anything")
        return self.world

    def object_position(self, name: str) -> np.ndarray:
        """The object's reference point (centre of its bottom), m, world frame."""
        world = self.require_world()
        if name not in world.objects:
            raise SkillFailed(f"{name} is not in the scene")
        return np.asarray(world.objects[name].position, dtype=np.float64)

    def held_by_safety(self) -> bool:
        return self.core.holding

    # -- acting -----------------------------------------------------------------------

    def full_target(self, chain_q: np.ndarray) -> tuple[float, ...]:
        """Chain joints from `chain_q`, the gripper at its goal, others as commanded."""
        target = self.model.with_chain_q(self.commanded(), chain_q)
        gripper = self.model.gripper_index
        if gripper is None:
            return target
        out = list(target)
        out[gripper] = self.gripper_goal
        return tuple(out)

    def request(self, target: tuple[float, ...], speed: float, settle: Settle = ()) -> None:
        """Move toward `target` (rad) at `speed` (0..1 of the limits); `settle`: what a
        stop during this motion settles before holding (`MotionRequest.settle`)."""
        self.core.request(MotionRequest(target=target, speed_scale=speed, settle=settle))

    def solve(
        self,
        position: np.ndarray,
        approach: np.ndarray | None,
        what: str,
        roll: float | None = 0.0,
        seed: np.ndarray | None = None,
    ) -> np.ndarray:
        """Chain joints that put the tool at `position` (world) with its approach axis
        (+x of the tool frame) along `approach` (world), wrist roll set to `roll`.
        Raises `SkillFailed("<what> out of reach")`."""
        model = self.model
        base_point = model.to_base(position)
        direction = None if approach is None else tuple(model.direction_to_base(approach))
        start = seed if seed is not None else model.chain_q(self.commanded())
        try:
            q = model.chain.solve_ik(
                base_point,
                start,
                tool_axis=(1.0, 0.0, 0.0) if direction is not None else None,
                direction=direction,  # type: ignore[arg-type]
                what=what,
                restarts=IK_RESTARTS,
            )
        except OutOfReach as err:
            raise SkillFailed(f"{what} out of reach") from err
        if roll is not None and "wrist_roll" in model.chain.joint_names:
            q[model.chain.joint_names.index("wrist_roll")] = roll
        # The supervisor would stop the arm short of a pose that folds it onto itself
        # or leaves the fence: such a solution is as good as none.
        points = model.geometry.points(model.with_chain_q(self.commanded(), q))
        if model.geometry.fence_depth(points) > 0.0 or (
            model.geometry.self_collision_clearance(points) < PLANNING_CLEARANCE_M
        ):
            raise SkillFailed(f"{what} out of reach")
        return q

    def solve_tilted(
        self,
        points: Callable[[np.ndarray], list[np.ndarray]],
        approach: np.ndarray,
        what: str,
        roll: float | None = 0.0,
        check: Callable[[np.ndarray, np.ndarray], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Solve with the approach axis along `approach` (horizontal) or, if that is
        out of reach, tilted down by each of APPROACH_TILTS_RAD in turn. `points(d)`
        gives the tool points (world) that must all be reachable along direction d;
        `check(q, d)` may reject a solution by raising SkillFailed (a straight line
        from it that IK cannot follow). Returns (chain q for the first point, d).
        A vertical approach leans outward instead of down."""
        vertical = abs(float(approach[2])) >= 0.5
        radial = self.radial_approach(points(approach)[0])
        for tilt in APPROACH_TILTS_RAD:
            if vertical:  # from above: lean out along the radial direction
                direction = approach * math.cos(tilt) + radial * math.sin(tilt)
            else:  # from the side: lean down
                direction = approach * math.cos(tilt) + np.array([0.0, 0.0, -math.sin(tilt)])
            goal, *others = points(direction)
            try:
                q = self.solve(goal, direction, what, roll=roll)
                for point in others:
                    self.solve(point, direction, what, roll=roll, seed=q)
                if check is not None:
                    check(q, direction)
            except SkillFailed:
                continue
            return q, direction
        raise SkillFailed(f"{what} out of reach")

    def radial_approach(self, position: np.ndarray) -> np.ndarray:
        """Horizontal unit vector from the arm's base towards `position` (world)."""
        base = self.model.base
        d = np.array([position[0] - base.x, position[1] - base.y, 0.0])
        n = float(np.linalg.norm(d))
        return d / n if n > 1e-9 else np.array([math.cos(base.yaw), math.sin(base.yaw), 0.0])

    def arrived(self, goal: tuple[float, ...], contact_ok: bool = False) -> bool:
        """True when the motion to `goal` is finished: commanded there and the measured
        arm there too, or, with `contact_ok`, stopped short against something (what it
        carries rests on a surface or a palm) for CONTACT_SETTLE_S."""
        if not self.core.idle:
            self._still_since = None
            return False
        indices = self.model.chain_index
        commanded, measured = self.commanded(), self.measured()
        if any(abs(commanded[i] - goal[i]) >= ARRIVAL_TOLERANCE_RAD for i in indices):
            self._still_since = None
            return False
        if all(abs(measured[i] - goal[i]) < MEASURED_TOLERANCE_RAD for i in indices):
            return True
        if not contact_ok:
            return False
        state = self.core.latest_state
        velocity = state.velocity if state is not None else ()
        if any(abs(velocity[i]) > STILL_RAD_S for i in indices if i < len(velocity)):
            self._still_since = None
            return False
        if self._still_since is None:
            self._still_since = self.now_s
        return self.now_s - self._still_since >= CONTACT_SETTLE_S


class Phase(ABC):
    """One state of a skill. `budget_s`: time allowed (not counting safety holds)."""

    name: str = "phase"
    budget_s: float = 15.0
    watches: tuple[str, ...] = ()
    """Objects whose movement makes this phase re-aim."""

    @abstractmethod
    def start(self, ctx: SkillContext) -> None:
        """Compute the goal from the current world and set off. May raise SkillFailed."""

    @abstractmethod
    def update(self, ctx: SkillContext) -> bool:
        """Progress; True when done. May raise SkillFailed."""

    def retarget(self, ctx: SkillContext) -> None:
        """An object it aims at moved: aim again (default: start over smoothly)."""
        self.start(ctx)


class Skill:
    """Runs its phases in order. Subclasses build the phase list in `plan`."""

    name: SkillName = "go_home"

    def __init__(self, ctx: SkillContext, args: Mapping[str, str]) -> None:
        self.args = dict(args)
        self.phases: list[Phase] = self.plan(ctx)
        self._index = -1
        self._elapsed = 0.0
        self._last_s = ctx.now_s
        self._aimed_at: dict[str, np.ndarray] = {}

    def plan(self, ctx: SkillContext) -> list[Phase]:
        raise NotImplementedError

    @property
    def state(self) -> str:
        """The current phase's name ("" before the first update)."""
        return self.phases[self._index].name if 0 <= self._index < len(self.phases) else ""

    @property
    def progress(self) -> float:
        return max(0.0, self._index) / max(1, len(self.phases))

    def update(self, ctx: SkillContext) -> bool:
        """Advance; True when every phase is done. Raises SkillFailed with a reason."""
        dt = max(0.0, ctx.now_s - self._last_s)
        self._last_s = ctx.now_s
        if self._index < 0:
            self._begin(ctx, 0)
        while self._index < len(self.phases):
            phase = self.phases[self._index]
            if not ctx.held_by_safety():
                self._elapsed += dt
            if self._elapsed > phase.budget_s:
                raise SkillFailed(
                    f"{self.name}: {phase.name} did not finish in {phase.budget_s:.0f} s"
                )
            self._check_moved(ctx, phase)
            if not phase.update(ctx):
                return False
            self._begin(ctx, self._index + 1)
            dt = 0.0
        return True

    def _begin(self, ctx: SkillContext, index: int) -> None:
        self._index = index
        self._elapsed = 0.0
        if index < len(self.phases):
            phase = self.phases[index]
            self._aimed_at = {n: ctx.object_position(n) for n in phase.watches}
            phase.start(ctx)

    def _check_moved(self, ctx: SkillContext, phase: Phase) -> None:
        for name, then in self._aimed_at.items():
            now = ctx.object_position(name)
            if float(np.linalg.norm(now - then)) > RETARGET_DISTANCE_M:
                self._aimed_at[name] = now
                phase.retarget(ctx)
