"""Run the cerebellum against a simulated world in simulated time, as fast as it goes.

The real-time loop paces ticks by the wall clock; tests and faster-than-real-time
runs instead advance everything on one simulated clock: a motion tick every `dt`,
a physics step whenever the world's step time has come, the skills and the world
state every `skill_period_s`. Same `MotionCore`, same `SkillRunner`, no threads.
"""

from __future__ import annotations

from collections.abc import Callable

from core.msgs import SkillCall, SkillStatus, WorldState
from robot.cerebellum.motion import MotionCore, hand_near
from robot.cerebellum.skills.runner import SkillRunner

SKILL_PERIOD_S = 0.02


class Lockstep:
    """step_physics(): one physics step of `physics_dt` s; world_state(): ground truth."""

    def __init__(
        self,
        core: MotionCore,
        runner: SkillRunner,
        step_physics: Callable[[], None],
        physics_dt: float,
        world_state: Callable[[], WorldState],
        dt: float = 0.001,
        skill_period_s: float = SKILL_PERIOD_S,
    ) -> None:
        self.core = core
        self.runner = runner
        self.step_physics = step_physics
        self.physics_dt = physics_dt
        self.world_state = world_state
        self.dt = dt
        self.skill_period_s = skill_period_s
        self.time_s = 0.0
        self._next_physics = 0.0
        self._next_skill = 0.0
        self.world: WorldState | None = None
        self.statuses: list[SkillStatus] = []
        self.before_skills: Callable[[Lockstep], None] | None = None
        """Hook run before each skill update (tests nudge objects, move hands here)."""

    def advance(self, seconds: float) -> None:
        """Run ticks, physics and skills for `seconds` of simulated time."""
        end = self.time_s + seconds
        while self.time_s < end - 1e-12:
            self.core.tick()
            self.time_s += self.dt
            while self._next_physics <= self.time_s:
                self.step_physics()
                self._next_physics += self.physics_dt
            if self.time_s >= self._next_skill:
                self._next_skill += self.skill_period_s
                self.world = self.world_state()
                self.core.supervisor.set_hand(hand_near(self.world))
                if self.before_skills is not None:
                    self.before_skills(self)
                status = self.runner.update(self.world, self.time_s)
                if status is not None:
                    self.statuses.append(status)

    def run(self, call: SkillCall, timeout_s: float = 60.0) -> SkillStatus:
        """Run one skill call to its end (or `timeout_s` of simulated time)."""
        self.world = self.world_state()
        self.runner.ctx.world = self.world
        self.runner.ctx.now_s = self.time_s
        first = self.runner.start(call)
        self.statuses.append(first)
        if first.state != "running":
            return first
        deadline = self.time_s + timeout_s
        while self.runner.busy and self.time_s < deadline:
            self.advance(self.skill_period_s)
        if self.runner.busy:
            status = self.runner.cancel(f"no result within {timeout_s:.0f} s", state="failed")
            assert status is not None
            self.statuses.append(status)
        return self.statuses[-1]
