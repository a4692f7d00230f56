"""One episode: a scene built from a seed, a plan run through the cerebellum's skills on
the simulated clock, and the world's verdict on it.

`run_episode(scene, seed, plan)` builds the scene in its own `World`, drives the
twin with the same `MotionCore` and `SkillRunner` the live stack uses (`Lockstep`: a
motion tick every 1 ms, physics at the world's rate, skills every 20 ms, no threads),
runs the plan's steps in order until one fails, lets the world settle, and judges the
result from the world itself (`robot.launch.outcome.judge`). `say` steps need no
motion and succeed at once. Particles touching a person are counted at every skill
update, so one that touches and rolls off still counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.lockstep import Lockstep
from robot.cerebellum.motion import MotionCore
from robot.cerebellum.skills.go_home import default_home
from robot.cerebellum.skills.runner import SkillRunner
from robot.launch.outcome import Verdict, judge
from robot.limbs.twin import TwinLimb
from robot.msgs import Plan, SkillCall, WorldState
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
    "skipped" (not run after an earlier failure); times in simulated seconds."""

    skill: str
    args: dict[str, str]
    status: str
    reason: str
    t_start: float
    t_end: float


@dataclass(frozen=True)
class EpisodeResult:
    """What happened in one episode. Positions in the world states are in metres."""

    scene: str
    seed: int
    plan: Plan
    steps: tuple[StepResult, ...]
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

    @property
    def success(self) -> bool:
        """The world is what the plan promised, every step ran to its end (a world that
        looks right after a failed step is luck, not success), and no particle ever
        touched a person."""
        ran = all(s.status == "succeeded" for s in self.steps)
        return self.verdict.success and ran and self.on_person == 0

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why not: the judge's reasons, then a failed step's, then particles on people."""
        out = list(self.verdict.reasons)
        out += [f"{s.skill} failed: {s.reason}" for s in self.steps if s.status == "failed"]
        if self.on_person:
            out.append(f"{self.on_person} particles touched a person")
        return tuple(out)


def run_episode(
    scene: str,
    seed: int,
    plan: Plan,
    *,
    profile: str = "so101",
    step_timeout_s: float = STEP_TIMEOUT_S,
    settle_s: float = SETTLE_S,
    watch: Callable[[Lockstep], None] | None = None,
) -> EpisodeResult:
    """Run `plan` in `scene` built from `seed` (poses, masses, frictions); see the
    module docstring. `watch(lockstep)` runs before every skill update (recordings,
    tests that look at the run as it goes). The world is closed before returning."""
    wall_start = time.perf_counter()
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
        before = built.state()
        steps: list[StepResult] = []
        failed = False
        for index, step in enumerate(plan.steps):
            t_start = lockstep.time_s
            args = dict(step.args)
            if failed or step.skill == "say":
                state = "skipped" if failed else "succeeded"
                steps.append(StepResult(step.skill, args, state, "", t_start, t_start))
                continue
            status = lockstep.run(SkillCall(plan_seq=0, index=index, step=step), step_timeout_s)
            t_end = lockstep.time_s
            steps.append(StepResult(step.skill, args, status.state, status.reason, t_start, t_end))
            failed = status.state != "succeeded"
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
        )
