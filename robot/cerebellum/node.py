"""The Cerebellum node: bus <-> real-time loop <-> limb.

Two threads:

- the real-time loop (`RealTimeLoop` calling `MotionCore.tick`), default 1 kHz or
  slower when the limb's measured read+write cycle cannot keep up (a serial bus):
  reads the limb, polls `EStop` and `WorldState` (hands) without blocking, runs the
  trajectory and the safety supervisor, writes the limb; publishes `JointState`
  (every 10th tick), `SafetyEvent`s and `LoopStats` (every second);
- the node's own thread (50 Hz): takes `SkillCall`s, runs the skill state machines
  (IK, Cartesian segments: the slow work) and publishes `SkillStatus`.

The layers meet only through atomic swaps of whole objects (`MotionCore.request`)
and the bus, so a slow skill update can delay a new target, never a tick.

Thread or process: the loop runs as a thread here, with the interpreter's switch
interval lowered to 50 us while it runs (see `RealTimeLoop`), and by default on
SCHED_FIFO with memory locked where the OS permits it (`realtime`; refused, it
falls back to the normal scheduler with one warning). Measured figures for thread
and process, with and without SCHED_FIFO, are in robot/cerebellum/README.md: the
loop in its own process is the measured best, which this node does not do yet; a
thread beside a busy Python thread (the brain) waits for the interpreter lock.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable

from robot.bus import Bus, fifo, latest
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.loop import THREAD_SWITCH_INTERVAL_S, RealTimeLoop, rate_for_cycle_time
from robot.cerebellum.motion import MotionCore
from robot.cerebellum.realtime import RealtimeRequest
from robot.cerebellum.safety import SafetyConfig
from robot.cerebellum.skills.go_home import default_home
from robot.cerebellum.skills.runner import SkillRunner
from robot.errors import QueueFull
from robot.limbs.base import Limb
from robot.msgs import (
    EStop,
    JointCommand,
    JointState,
    LoopStats,
    M,
    SafetyEvent,
    SkillCall,
    SkillStatus,
    WorldState,
)
from robot.node import Node

log = logging.getLogger(__name__)

SKILL_PERIOD_S = 0.02
SKILL_QUEUE = 8
ESTOP_QUEUE = 16
CYCLE_SAMPLES = 20
"""Read+write cycles timed at start-up to choose the loop rate."""
MAX_RATE_HZ = 1000.0
LOOP_JOIN_S = 0.5
DEFAULT_REALTIME = RealtimeRequest()
"""The loop's thread on SCHED_FIFO 50, memory locked, any CPU, where permitted: the
measured default (robot/cerebellum/README.md)."""


def measure_cycle_s(limb: Limb, samples: int = CYCLE_SAMPLES) -> float:
    """Median time (s) of one limb read plus a write of the position just read."""
    durations = []
    for _ in range(samples):
        start = time.perf_counter()
        state = limb.read()
        limb.write(JointCommand(position=state.position))
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


class Cerebellum(Node):
    """Runs skills for the brain and moves `limb` safely at a fixed rate.

    rate_hz: loop rate; None chooses it from the limb's measured cycle time (at most
    1 kHz). velocity_scale: fraction (0..1] of the joints' speed limits planned motion
    uses. realtime: SCHED_FIFO priority, CPU and memory locking for the loop's
    thread (None: the normal scheduler); what was obtained is `loop.scheduling` and
    every `LoopStats`. The node does not close the limb: its owner does.
    """

    def __init__(
        self,
        bus: Bus,
        model: ArmModel,
        limb: Limb,
        *,
        rate_hz: float | None = None,
        safety: SafetyConfig | None = None,
        velocity_scale: float = 1.0,
        home: tuple[float, ...] | None = None,
        clock: Callable[[], float] = time.monotonic,
        realtime: RealtimeRequest | None = DEFAULT_REALTIME,
    ) -> None:
        super().__init__(bus, "cerebellum", period_s=SKILL_PERIOD_S)
        self.model = model
        self.limb = limb
        self.clock = clock
        self.cycle_s = measure_cycle_s(limb)
        self.rate_hz = rate_hz or rate_for_cycle_time(self.cycle_s, MAX_RATE_HZ)
        dt = 1.0 / self.rate_hz
        self._status_pub = bus.publisher(SkillStatus)
        self._event_pub = bus.publisher(SafetyEvent)
        self._state_pub = bus.publisher(JointState)
        self._stats_pub = bus.publisher(LoopStats)
        self.handle(SkillCall, self.on_skill_call, policy=fifo(SKILL_QUEUE))
        self.handle(WorldState, self.on_world, policy=latest)
        self.core = MotionCore.for_arm(
            model,
            limb,
            dt,
            safety,
            velocity_scale,
            estops=bus.subscribe(EStop, policy=fifo(ESTOP_QUEUE)),
            worlds=bus.subscribe(WorldState, policy=latest),
            on_event=lambda e: self._publish_rt(self._event_pub.publish, e),
            on_state=lambda s: self._publish_rt(self._state_pub.publish, s),
        )
        self.home = home or default_home(model)
        self.runner = SkillRunner(model, self.core, self.home)
        self.loop = RealTimeLoop(
            self.core.tick,
            dt,
            on_stats=lambda s: self._publish_rt(self._stats_pub.publish, s),
            switch_interval_s=THREAD_SWITCH_INTERVAL_S,
            realtime=realtime,
        )
        self.dropped = 0
        """Messages the loop could not publish because a fifo subscriber was full."""
        self._world: WorldState | None = None
        self._loop_stop = threading.Event()
        self._loop_thread: threading.Thread | None = None
        self.loop_failure: BaseException | None = None

    # -- real-time side -----------------------------------------------------------------

    def _publish_rt(self, publish: Callable[[M], M], msg: M) -> None:
        """Publish from the loop: a full subscriber is logged and counted, never raised
        into the loop (a tick must not die because a listener is slow)."""
        try:
            publish(msg)
        except QueueFull as err:
            self.dropped += 1
            log.warning("cerebellum loop could not publish %s: %s", type(msg).__name__, err)

    def _run_loop(self) -> None:
        try:
            self.loop.run(self._loop_stop)
        except BaseException as err:  # kept and re-raised through the node: not swallowed
            self.loop_failure = err
            log.exception("cerebellum loop failed")
            self.request_stop()

    # -- node life cycle ----------------------------------------------------------------

    def setup(self) -> None:
        self.limb.enable()
        self.core.start()
        self._loop_thread = threading.Thread(
            target=self._run_loop, name="cerebellum:loop", daemon=True
        )
        self._loop_thread.start()
        log.info(
            "cerebellum: loop at %.0f Hz (limb cycle %.2f ms), real-time %s",
            self.rate_hz,
            self.cycle_s * 1e3,
            "requested" if self.loop.realtime is not None else "off",
        )

    def teardown(self) -> None:
        self._loop_stop.set()
        if self._loop_thread is not None:
            self._loop_thread.join(LOOP_JOIN_S)
        if self.runner.busy:
            self.runner.cancel("cerebellum stopped")
        if self.loop_failure is not None and self.failure is None:
            self.failure = self.loop_failure

    # -- messages and the skill tick ------------------------------------------------------

    def on_world(self, msg: WorldState) -> None:
        self._world = msg

    def on_skill_call(self, msg: SkillCall) -> None:
        if self.runner.busy:
            cancelled = self.runner.cancel(f"superseded by step {msg.index} of plan {msg.plan_seq}")
            if cancelled is not None:
                self._status_pub.publish(cancelled)
        status = self.runner.start(msg)
        self._status_pub.publish(status)

    def tick(self) -> None:
        status = self.runner.update(self._world, self.clock())
        if status is not None:
            self._status_pub.publish(status)
