"""The cerebellum and a simulated world in one thread, on the bus: for sim runs.

PyBullet is not thread-safe, and a real-time loop that steps physics inside its
ticks would overrun whenever a step is slow. In simulation there is no need for
either: `SimCerebellum` advances motion ticks, physics, skills and the world state
together on the simulated clock (`Lockstep`), in its own node thread, and talks to
the brain over the bus exactly like `Cerebellum` does:

- takes `SkillCall`s (fifo) and `EStop`s (fifo, polled every tick);
- publishes `SkillStatus`, `WorldState` (every skill period), `JointState` (every
  10th tick), `SafetyEvent`s.

realtime=True paces the simulated clock to the wall clock (demos, the kiosk);
False runs as fast as the machine allows (tests, reports).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.msgs import (
    EStop,
    Heartbeat,
    JointState,
    SafetyEvent,
    SkillCall,
    SkillStatus,
    WorldState,
)
from robot.bus import Bus, fifo
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.lockstep import SKILL_PERIOD_S, Lockstep
from robot.cerebellum.motion import MotionCore
from robot.cerebellum.safety import SafetyConfig
from robot.cerebellum.skills.go_home import default_home
from robot.cerebellum.skills.runner import SkillRunner
from robot.limbs.base import Limb
from robot.node import HEARTBEAT_PERIOD_S, Node

DEFAULT_RATE_HZ = 1000.0
"""Motion ticks per simulated second, as the real loop runs."""
SKILL_QUEUE = 8
ESTOP_QUEUE = 16


class SimCerebellum(Node):
    """Cerebellum + physics in simulated time. step_physics() advances the world by
    physics_dt seconds; world_state() reads its ground truth (both called only here).
    rate_hz: motion ticks per simulated second."""

    def __init__(
        self,
        bus: Bus,
        model: ArmModel,
        limb: Limb,
        step_physics: Callable[[], None],
        physics_dt: float,
        world_state: Callable[[], WorldState],
        *,
        rate_hz: float = DEFAULT_RATE_HZ,
        realtime: bool = False,
        safety: SafetyConfig | None = None,
        velocity_scale: float = 1.0,
        home: tuple[float, ...] | None = None,
    ) -> None:
        super().__init__(bus, "cerebellum", period_s=None)
        self.realtime = realtime
        self._calls = bus.subscribe(SkillCall, policy=fifo(SKILL_QUEUE))
        self._status_pub = bus.publisher(SkillStatus)
        self._world_pub = bus.publisher(WorldState)
        event_pub = bus.publisher(SafetyEvent)
        state_pub = bus.publisher(JointState)
        dt = 1.0 / rate_hz
        self.core = MotionCore.for_arm(
            model,
            limb,
            dt,
            safety,
            velocity_scale,
            estops=bus.subscribe(EStop, policy=fifo(ESTOP_QUEUE)),
            on_event=event_pub.publish,
            on_state=state_pub.publish,
        )
        self.runner = SkillRunner(model, self.core, home or default_home(model))
        self.lockstep = Lockstep(
            self.core, self.runner, step_physics, physics_dt, world_state, dt, SKILL_PERIOD_S
        )
        self._published = 0

    def setup(self) -> None:
        self.core.start()

    def run(self) -> None:
        wall_start = time.monotonic()
        next_beat = wall_start
        lockstep = self.lockstep
        while not self.stopping:
            now = time.monotonic()
            if now >= next_beat:
                self._heartbeat.publish(Heartbeat(node=self.name))
                next_beat = now + HEARTBEAT_PERIOD_S
            while (call := self._calls.poll()) is not None:
                self._start(call)
            lockstep.advance(SKILL_PERIOD_S)
            if lockstep.world is not None:
                self._world_pub.publish(lockstep.world)
            self._flush_statuses()
            if self.realtime:
                ahead = wall_start + lockstep.time_s - time.monotonic()
                if ahead > 0:
                    self._wake.wait(ahead)

    def teardown(self) -> None:
        if self.runner.busy:
            status = self.runner.cancel("cerebellum stopped")
            if status is not None:
                self.lockstep.record(status)
                self._flush_statuses()

    @property
    def sim_time_s(self) -> float:
        return self.lockstep.time_s

    def _start(self, call: SkillCall) -> None:
        if self.runner.busy:
            cancelled = self.runner.cancel(
                f"superseded by step {call.index} of plan {call.plan_seq}"
            )
            if cancelled is not None:
                self.lockstep.record(cancelled)
        self.runner.ctx.world = self.lockstep.world or self.lockstep.world_state()
        self.runner.ctx.now_s = self.lockstep.time_s
        self.lockstep.record(self.runner.start(call))

    def _flush_statuses(self) -> None:
        statuses = self.lockstep.statuses
        while self._published < len(statuses):
            self._status_pub.publish(statuses[self._published])
            self._published += 1
