"""Run the cerebellum against a simulated world in simulated time, as fast as it goes.

The real-time loop paces ticks by the wall clock; tests and faster-than-real-time
runs instead advance everything on one simulated clock: a motion tick every `dt`,
a physics step whenever the world's step time has come, the skills and the world
state every `skill_period_s`. Same `MotionCore`, same `SkillRunner`, no threads.

Nothing here reads the wall clock (but to time the ticks for `LoopStats`, which changes
nothing they do), so a run is the same on any machine under any load:
the skills get the simulated time, every `SkillStatus` is stamped with it (`time_s`),
and the core's watchdog ages each joint state on the simulated clock too: the limb is
read in the very tick that uses it, so its state is never stale here (on the wall
clock a loaded machine, pausing the thread between the read and the check, would make
the supervisor brake the arm at random).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

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
        core.clock = self._read_now_ns
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
        self.tick_costs_ns: list[int] | None = None
        """When a list, each tick's wall time (ns) is appended to it (`SimCerebellum`'s
        `LoopStats`); None: ticks are not timed."""

    def advance(self, seconds: float) -> None:
        """Run ticks, physics and skills for `seconds` of simulated time."""
        end = self.time_s + seconds
        costs = self.tick_costs_ns
        while self.time_s < end - 1e-12:
            if costs is None:
                self.core.tick()
            else:
                started = time.perf_counter_ns()
                self.core.tick()
                costs.append(time.perf_counter_ns() - started)
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
                    self.record(status)

    def record(self, status: SkillStatus) -> None:
        """Keep `status`, stamped with the simulated time it was made at (s)."""
        self.statuses.append(msgspec.structs.replace(status, time_s=self.time_s))

    def _read_now_ns(self) -> int:
        """The core's clock (ns): the stamp of the joint state this tick has just read,
        so the state's age is 0 (see the module docstring)."""
        state = self.core.latest_state
        assert state is not None  # the tick reads the limb before it asks the clock
        return state.stamp_ns

    def run(self, call: SkillCall, timeout_s: float = 60.0) -> SkillStatus:
        """Run one skill call to its end (or `timeout_s` of simulated time)."""
        self.world = self.world_state()
        self.runner.ctx.world = self.world
        self.runner.ctx.now_s = self.time_s
        first = self.runner.start(call)
        self.record(first)
        if first.state != "running":
            return self.statuses[-1]
        deadline = self.time_s + timeout_s
        while self.runner.busy and self.time_s < deadline:
            self.advance(self.skill_period_s)
        if self.runner.busy:
            status = self.runner.cancel(f"no result within {timeout_s:.0f} s", state="failed")
            assert status is not None
            self.record(status)
        return self.statuses[-1]
