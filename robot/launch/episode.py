"""One episode: a scene built from a seed, a plan run through the cerebellum's skills on
the simulated clock, replanned on failure as the brain does, and the world's verdict.

`run_episode(scene, seed, plan, planner=...)` builds the scene in its own `World`,
drives the twin with the same `MotionCore` and `SkillRunner` the live stack uses
(`Lockstep`: a motion tick every 1 ms, physics at the world's rate, skills every 20 ms,
no threads) and runs the plan's steps in order. When a step fails it asks
`robot.brain.replan.next_plan` (the decision `BrainNode` makes, from the failed step,
its reason, what the gripper holds and the measured world) for the next plan and runs
that, at most `max_replans` times; without a planner it stops at the first failure.
Then it lets the world settle and judges the result from the world itself against
what the instruction's first plan promised (`robot.launch.outcome.judge`). `say` steps
need no motion and succeed at once. Particles touching a person are counted at every
skill update, so one that touches and rolls off still counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import PlanRejected
from core.msgs import Plan, SkillCall, Step, WorldState
from core.scenes import scene_spec
from robot.brain.replan import (
    DEFAULT_MAX_REPLANS,
    Failure,
    PlannerLike,
    Replan,
    next_plan,
    promise,
)
from robot.brain.world import WorldModel
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.lockstep import Lockstep
from robot.cerebellum.motion import MotionCore
from robot.cerebellum.skills.go_home import default_home
from robot.cerebellum.skills.runner import SkillRunner
from robot.launch.outcome import Verdict, judge
from robot.limbs.twin import TwinLimb
from sim.scene import Scene
from sim.scenes import build_scene
from sim.world import World

MOTION_DT_S = 0.001
"""Motion tick of the cerebellum (s): the 1 kHz the real loop targets."""
STEP_TIMEOUT_S = 90.0
"""A step with no result after this much simulated time fails (s); the phases' own
budgets (4-20 s each) normally end it first."""
SETTLE_S = 1.0
"""Simulated time after the last step before judging (s): drops in flight land,
released objects come to rest."""


@dataclass(frozen=True)
class StepResult:
    """One plan step as it ran: status "succeeded" | "failed" | "cancelled" |
    "skipped" (not run after an earlier failure); times in simulated seconds;
    attempt: which plan it belongs to (0 the first, then one per replan)."""

    skill: str
    args: dict[str, str]
    status: str
    reason: str
    t_start: float
    t_end: float
    attempt: int = 0


@dataclass(frozen=True)
class EpisodeResult:
    """What happened in one episode. Positions in the world states are in metres."""

    scene: str
    seed: int
    plan: Plan
    """The instruction's first plan: what was promised, and what the world is judged by."""
    steps: tuple[StepResult, ...]
    """Every plan's steps in the order they ran, each tagged with its plan's attempt."""
    before: WorldState
    """The world after building and settling, before the first step."""
    world: WorldState
    """The final world, after SETTLE_S."""
    spilled: int
    """Particles at rest outside every vessel at the end."""
    on_person: int
    """Most particles seen touching a person at any skill update (must be 0)."""
    sim_time_s: float
    wall_time_s: float
    verdict: Verdict
    plans: tuple[Plan, ...] = ()
    """Every plan in the order it was made: the first, then each replan's (one may be a
    refusal, which runs no step)."""
    replan_sources: tuple[str, ...] = ()
    """Which rule of `next_plan` made each replan ("remaining", "planner", ...)."""

    @property
    def replans(self) -> int:
        """Plans made after the first one failed."""
        return max(0, len(self.plans) - 1)

    @property
    def last_plan_ran(self) -> bool:
        """The last plan made ran every step to its end (a refused replan did not)."""
        last = len(self.plans) - 1
        if last > 0 and self.plans[last].refused:
            return False
        return all(s.status == "succeeded" for s in self.steps if s.attempt == last)

    @property
    def success(self) -> bool:
        """The world is what the first plan promised, the last plan ran every step to
        its end (a world that looks right after a failed step is luck, not success),
        and no particle ever touched a person."""
        return self.verdict.success and self.last_plan_ran and self.on_person == 0

    @property
    def first_attempt_success(self) -> bool:
        """Success without replanning: the run is the same as one without a planner
        until the first failure, so it is success with no replan."""
        return self.success and self.replans == 0

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why not: the judge's reasons, then the last plan's failed step or refusal,
        then particles on people (empty on success)."""
        out = list(self.verdict.reasons)
        last = len(self.plans) - 1
        if last > 0 and self.plans[last].refused:
            out.append(f"the replan was refused: {self.plans[last].reason}")
        out += [
            f"{s.skill} failed: {s.reason}"
            for s in self.steps
            if s.status == "failed" and s.attempt == last
        ]
        if self.on_person:
            out.append(f"{self.on_person} particles touched a person")
        return tuple(out)


def run_episode(
    scene: str,
    seed: int,
    plan: Plan,
    *,
    planner: PlannerLike | None = None,
    max_replans: int = DEFAULT_MAX_REPLANS,
    profile: str = "so101",
    step_timeout_s: float = STEP_TIMEOUT_S,
    settle_s: float = SETTLE_S,
    watch: Callable[[Lockstep], None] | None = None,
    on_start: Callable[[Scene, Lockstep], None] | None = None,
) -> EpisodeResult:
    """Run `plan` in `scene` built from `seed` (poses, masses, frictions); see the
    module docstring. `planner` (a `robot.brain.planner.Planner`) makes fresh plans
    when repairing the running one does not do; None: no replanning at all.
    `watch(lockstep)` runs before every skill update (recordings, tests that look at
    the run as it goes). `on_start(scene, lockstep)` runs once, before the first step
    (a dataset's frame taps: world step hooks, the core's `on_state`). The world is
    closed before returning."""
    wall_start = time.perf_counter()
    spec = scene_spec(scene)
    with World() as world:
        built = build_scene(world, scene, seed=seed, profile=profile)
        base = built.arm.base_position
        model = ArmModel.from_profile(built.arm.profile, BasePose(*base, yaw=built.arm.base_yaw))
        core = MotionCore.for_arm(model, TwinLimb(built.arm), MOTION_DT_S)
        core.start()
        runner = SkillRunner(model, core, default_home(model))
        lockstep = Lockstep(core, runner, world.step, world.time_step, built.state)
        touched = [0]

        def watch_people(_: Lockstep) -> None:
            touched[0] = max(touched[0], built.on_person())
            if watch is not None:
                watch(lockstep)

        lockstep.before_skills = watch_people
        if on_start is not None:
            on_start(built, lockstep)
        before = built.state()
        # The brain's model, as BrainNode keeps it: planned from, updated per success.
        start = WorldModel.initial(spec).with_world_state(before)
        promised = promise(start, plan)
        believed = start
        plans = [plan]
        sources: list[str] = []
        steps: list[StepResult] = []
        current = plan
        while True:
            ran, believed, failure = _run_plan(
                lockstep, current, believed, step_timeout_s, built.state
            )
            steps += ran
            if failure is None or planner is None:
                break
            decision: Replan = next_plan(
                failure, believed, promised, start, planner, spec, max_replans
            )
            believed = decision.world
            if decision.plan is None:
                break
            plans.append(decision.plan)
            sources.append(decision.source)
            if decision.plan.refused:
                break
            current = decision.plan
        lockstep.advance(settle_s)
        after = built.state()
        return EpisodeResult(
            scene=scene,
            seed=seed,
            plan=plan,
            steps=tuple(steps),
            before=before,
            world=after,
            spilled=built.spilled(),
            on_person=max(touched[0], built.on_person()),
            sim_time_s=lockstep.time_s,
            wall_time_s=time.perf_counter() - wall_start,
            verdict=judge(plan, scene, before, after),
            plans=tuple(plans),
            replan_sources=tuple(sources),
        )


def _run_plan(
    lockstep: Lockstep,
    plan: Plan,
    believed: WorldModel,
    step_timeout_s: float,
    measure: Callable[[], WorldState],
) -> tuple[list[StepResult], WorldModel, Failure | None]:
    """Run `plan`'s steps in order until one fails (the rest are skipped). Returns the
    steps as they ran, the brain's model after those that succeeded, and the failure
    (None when every step succeeded)."""
    steps: list[StepResult] = []
    failure: Failure | None = None
    for index, step in enumerate(plan.steps):
        t_start = lockstep.time_s
        args = dict(step.args)
        if failure is not None:
            steps.append(
                StepResult(step.skill, args, "skipped", "", t_start, t_start, plan.attempt)
            )
            continue
        if step.skill == "say":
            state, reason, holding = "succeeded", "", lockstep.runner.ctx.held
        else:
            call = SkillCall(plan_seq=plan.attempt, index=index, step=step)
            status = lockstep.run(call, step_timeout_s)
            state, reason, holding = status.state, status.reason, status.holding
        steps.append(
            StepResult(step.skill, args, state, reason, t_start, lockstep.time_s, plan.attempt)
        )
        if state == "succeeded":
            believed = _apply(believed, step, index)
        else:
            failure = Failure(plan, index, reason or f"{step.skill} {state}", holding, measure())
    return steps, believed, failure


def _apply(world: WorldModel, step: Step, index: int) -> WorldModel:
    """The brain's model after a step the cerebellum says succeeded; a hand-written
    plan that breaks the model's rules (tests do that) leaves the model as it was."""
    try:
        return world.apply(step, index)
    except PlanRejected:
        return world
