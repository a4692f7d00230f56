"""The cerebellum and a simulated world in one thread, on the bus: for sim runs.

PyBullet is not thread-safe, and a real-time loop that steps physics inside its
ticks would overrun whenever a step is slow. In simulation there is no need for
either: `SimCerebellum` advances motion ticks, physics, skills and the world state
together on the simulated clock (`Lockstep`), in its own node thread, and talks to
the brain over the bus exactly like `Cerebellum` does:

- takes `SkillCall`s (fifo), `RunUntil`s (fifo) and stop requests (`StopRequests`,
  polled every tick);
- publishes `WorldState` (at start, then every skill period), `SkillStatus` (each
  stamped with the simulated time it was made at), `JointState` and the
  `JointCommand` sent in the same tick (every 10th tick),
  `SafetyEvent`s, and a `LoopStats` per simulated second of ticks (`loop_stats`).

realtime=True paces the simulated clock to the wall clock (demos, the kiosk): the
world goes on whatever the brain does, as a real one would.

realtime=False runs as fast as the machine allows (tests, reports), and then the run
must not depend on how fast that is. So the world is stepped only while a skill runs,
or until the time the latest `RunUntil` asks for (the operator letting things settle);
otherwise the clock stands still and the node waits for a message. The others act
only while it stands: the brain answers an `Instruction` or a skill's last
`SkillStatus` with the next `SkillCall` (or with nothing, its request being over);
the operator (robot/launch/operator.py) sends its `Instruction`s at the start and once
a request has settled, and its `RunUntil` after a request's last word; none of that
takes simulated time, however long it takes on the wall clock. A `SkillCall` therefore
starts at the simulated moment the previous skill ended (or the request arrived), and
the same launch file, seed and requests give the same run (on the in-process bus,
which delivers each publisher's messages to everyone before the next is sent). The
price: nothing times out a brain that never answers (no simulated time passes), and
an `EStop` is taken up when the clock next moves (the arm stands still until then).

`sim_time_s` is the simulated time of the latest `WorldState` published (not of a
tick in between): a reader who sees the clock at `t` has been sent the world at `t`
already, and one who reacts to a status sees the clock at the end of its skill period.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core.msgs import (
    Heartbeat,
    JointCommand,
    JointState,
    LoopStats,
    RunUntil,
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
from robot.cerebellum.stop_requests import StopRequests
from robot.limbs.base import Limb
from robot.link import LinkWatch, lost_brain
from robot.node import HEARTBEAT_PERIOD_S, Node

log = logging.getLogger(__name__)

DEFAULT_RATE_HZ = 1000.0
"""Motion ticks per simulated second, as the real loop runs."""
STATS_PERIOD_S = 1.0
"""Simulated seconds of ticks each `LoopStats` covers."""
SKILL_QUEUE = 8
RUN_UNTIL_QUEUE = 8
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
        brain_link: LinkWatch | None = None,
    ) -> None:
        super().__init__(bus, "cerebellum", period_s=None)
        self.realtime = realtime
        self.brain_link = brain_link
        self._calls = bus.subscribe(SkillCall, policy=fifo(SKILL_QUEUE), wake=self._wake)
        self._run_until = bus.subscribe(RunUntil, policy=fifo(RUN_UNTIL_QUEUE), wake=self._wake)
        self._status_pub = bus.publisher(SkillStatus)
        self._world_pub = bus.publisher(WorldState)
        self._event_pub = event_pub = bus.publisher(SafetyEvent)
        state_pub = bus.publisher(JointState)
        command_pub = bus.publisher(JointCommand)

        def publish_state(state: JointState, command: JointCommand) -> None:
            state_pub.publish(state)
            command_pub.publish(command)

        dt = 1.0 / rate_hz
        self.core = MotionCore.for_arm(
            model,
            limb,
            dt,
            safety,
            velocity_scale,
            estops=StopRequests(bus, ESTOP_QUEUE),
            on_event=event_pub.publish,
            on_state=publish_state,
        )
        self.runner = SkillRunner(model, self.core, home or default_home(model))
        self.lockstep = Lockstep(
            self.core, self.runner, step_physics, physics_dt, world_state, dt, SKILL_PERIOD_S
        )
        self._stats_pub = bus.publisher(LoopStats)
        self.lockstep.tick_costs_ns = []
        self._stats_from_s = 0.0
        self._published = 0
        self._until_s = 0.0
        """Simulated time (s) the latest `RunUntil` asked the world to run to."""
        self._time_s = 0.0
        """Simulated time (s) of what was last published: `sim_time_s`."""

    def setup(self) -> None:
        self.core.start()

    def run(self) -> None:
        lockstep = self.lockstep
        lockstep.world = lockstep.world_state()
        self._world_pub.publish(lockstep.world)  # the world as it starts, for the others
        wall_start = time.monotonic()
        next_beat = wall_start
        while not self.stopping:
            now = time.monotonic()
            if now >= next_beat:
                self._heartbeat.publish(Heartbeat(node=self.name))
                next_beat = now + HEARTBEAT_PERIOD_S
            while (call := self._calls.poll()) is not None:
                self._start(call)
            if self.runner.busy and (why := lost_brain(self.brain_link)) is not None:
                self._stop_for_lost_brain(why)
            while (until := self._run_until.poll()) is not None:
                self._until_s = max(self._until_s, until.time_s)
            if not (self.realtime or self.runner.busy or lockstep.time_s < self._until_s):
                # Nothing to run: the clock stands until a message comes (or a beat is
                # due). A call that ended as it started (failed) is answered first.
                self._flush_statuses()
                self._wake.wait(max(0.0, next_beat - time.monotonic()))
                self._wake.clear()
                continue
            lockstep.advance(SKILL_PERIOD_S)
            if lockstep.time_s - self._stats_from_s >= STATS_PERIOD_S - 1e-9:
                self._stats_pub.publish(self.loop_stats())
            if lockstep.world is not None:
                self._world_pub.publish(lockstep.world)
            self._time_s = lockstep.time_s  # after the world, before what reacts to statuses
            self._flush_statuses()
            if self.realtime:
                ahead = wall_start + lockstep.time_s - time.monotonic()
                if ahead > 0:
                    self._wake.clear()
                    self._wake.wait(ahead)

    def teardown(self) -> None:
        if self.runner.busy:
            status = self.runner.cancel("cerebellum stopped")
            if status is not None:
                self.lockstep.record(status)
                self._flush_statuses()

    def loop_stats(self) -> LoopStats:
        """The ticks since the last `LoopStats`, and start the next window.

        In lockstep a tick is run when the simulated clock reaches it, never woken by a
        timer: it cannot be late or skipped, so the jitter fields and `overruns` are 0
        by construction, not measured, and `sched_policy` says "lockstep". `period_us`
        is the simulated period; `compute_p99_us` the p99 of the ticks' wall time, the
        only figure here measured on the wall clock.
        """
        costs = self.lockstep.tick_costs_ns or [0]
        p99_ns = sorted(costs)[min(len(costs) - 1, int(0.99 * len(costs)))]
        stats = LoopStats(
            period_us=self.lockstep.dt * 1e6,
            ticks=len(self.lockstep.tick_costs_ns or ()),
            overruns=0,
            jitter_p50_us=0.0,
            jitter_p99_us=0.0,
            jitter_p999_us=0.0,
            jitter_max_us=0.0,
            compute_p99_us=p99_ns / 1e3,
            sched_policy="lockstep",
        )
        self.lockstep.tick_costs_ns = []
        self._stats_from_s = self.lockstep.time_s
        return stats

    @property
    def sim_time_s(self) -> float:
        """Simulated time (s) of the latest world and statuses published."""
        return self._time_s

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

    def _stop_for_lost_brain(self, why: str) -> None:
        log.warning("cerebellum: %s", why)
        self._event_pub.publish(SafetyEvent(kind="link", severity="stop", detail=why))
        if (stopped := self.runner.cancel(why, state="failed")) is not None:
            self.lockstep.record(stopped)
        self._flush_statuses()

    def _flush_statuses(self) -> None:
        statuses = self.lockstep.statuses
        while self._published < len(statuses):
            self._status_pub.publish(statuses[self._published])
            self._published += 1
