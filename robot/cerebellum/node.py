"""The Cerebellum node: bus <-> skills <-> the real-time loop's process <-> limb.

Three parts:

- the real-time loop, in a child process (`MotionProcess`): `RealTimeLoop` calling
  `MotionCore.tick`, default 1 kHz or slower when the limb's measured read+write
  cycle cannot keep up (a serial bus), on SCHED_FIFO with memory locked where the OS
  permits it (refused, the normal scheduler with one warning). The child opens the
  limb, so `limb` is a factory that pickles (a class or a `functools.partial`);
- the node's own thread (50 Hz): takes `SkillCall`s, runs the skill state machines
  (IK, Cartesian segments: the slow work) and publishes `SkillStatus`;
- a relay thread: forwards stop requests (the moment they arrive) and the reaching hand
  of the latest `WorldState` to the loop, and publishes what the loop reports:
  `JointState` with the `JointCommand` sent with it (~100 Hz), `SafetyEvent`s,
  `LoopStats` (every second).

Thread or process: in a thread, the loop waits for the interpreter lock after each
sleep while the skills, the bus or a twin run Python beside it; in its own process
it met the jitter targets (robot/cerebellum/README.md has both). A slow skill update
can delay a new target, never a tick.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from core.errors import QueueFull, ReceiveTimeout
from core.msgs import (
    JointCommand,
    JointState,
    LoopStats,
    M,
    SafetyEvent,
    SkillCall,
    SkillStatus,
    WorldState,
)
from robot.bus import Bus, fifo, latest
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.motion import hand_near
from robot.cerebellum.motion_child import DEFAULT_REALTIME, MAX_RATE_HZ, SETTLE_MAX_S, MotionSpec
from robot.cerebellum.motion_process import STOP_TIMEOUT_S, MotionProcess, MotionProcessError
from robot.cerebellum.realtime import RealtimeRequest
from robot.cerebellum.safety import SafetyConfig
from robot.cerebellum.skills.go_home import default_home
from robot.cerebellum.skills.runner import SkillRunner
from robot.cerebellum.stop_requests import StopRequests
from robot.limbs.base import Limb
from robot.link import LinkWatch, lost_brain
from robot.node import Node

log = logging.getLogger(__name__)

SKILL_PERIOD_S = 0.02
SKILL_QUEUE = 8
ESTOP_QUEUE = 16
RELAY_PERIOD_S = 0.01
"""The relay's longest wait for an E-stop: how often it publishes the loop's
`JointState` (100 Hz) and passes on a moved hand."""
RELAY_JOIN_S = 0.2
"""The relay waits at most RELAY_PERIOD_S at a time: it ends well within this."""


class Cerebellum(Node):
    """Runs skills for the brain and moves the limb `limb()` opens, safely, at a fixed
    rate in a child process.

    rate_hz: the loop's rate (Hz), lowered to what the limb's measured cycle time
    sustains. velocity_scale: fraction (0..1] of the joints' speed limits planned motion
    uses. realtime: SCHED_FIFO priority, CPU and memory locking for the loop (None:
    the normal scheduler); what was obtained is in every `LoopStats`. The loop's
    process opens and closes the limb.

    brain_link: the brain's beats, when it runs in another process (`robot node`): a
    skill running when they stop is stopped, the arm held, and a `SafetyEvent` says so.

    Stopping the node stops the arm with a controlled stop and leaves it held
    (`MotionProcess.stop`); a loop that dies or hangs fails the node, its servos
    holding their last goal.
    """

    stop_timeout_s = RELAY_JOIN_S + SETTLE_MAX_S + 3 * STOP_TIMEOUT_S
    """The controlled stop may settle a poured vessel first; a stuck child is then
    terminated and killed (`MotionProcess.stop`)."""

    def __init__(
        self,
        bus: Bus,
        model: ArmModel,
        limb: Callable[[], Limb],
        *,
        rate_hz: float = MAX_RATE_HZ,
        safety: SafetyConfig | None = None,
        velocity_scale: float = 1.0,
        home: tuple[float, ...] | None = None,
        clock: Callable[[], float] = time.monotonic,
        realtime: RealtimeRequest | None = DEFAULT_REALTIME,
        brain_link: LinkWatch | None = None,
    ) -> None:
        super().__init__(bus, "cerebellum", period_s=SKILL_PERIOD_S)
        self.brain_link = brain_link
        self.model = model
        self.clock = clock
        self._status_pub = bus.publisher(SkillStatus)
        self._event_pub = bus.publisher(SafetyEvent)
        self._state_pub = bus.publisher(JointState)
        self._command_pub = bus.publisher(JointCommand)
        self._stats_pub = bus.publisher(LoopStats)
        # The world first: a call that arrives with the first world is started seeing it.
        self.handle(WorldState, self.on_world, policy=latest)
        self.handle(SkillCall, self.on_skill_call, policy=fifo(SKILL_QUEUE))
        self._estops = StopRequests(bus, ESTOP_QUEUE)
        self._worlds = bus.subscribe(WorldState, policy=latest)
        self.motion = MotionProcess(
            MotionSpec(model, limb, rate_hz, safety, velocity_scale, realtime),
            on_event=lambda e: self._publish_safely(self._event_pub.publish, e),
            on_stats=lambda s: self._publish_safely(self._stats_pub.publish, s),
        )
        self.home = home or default_home(model)
        self.runner = SkillRunner(model, self.motion, self.home)
        self.dropped = 0
        """Messages from the loop not published because a fifo subscriber was full."""
        self._relay: threading.Thread | None = None
        self._relay_stop = threading.Event()

    @property
    def rate_hz(self) -> float:
        """The loop's rate (Hz), known once the node has started (0 before)."""
        return self.motion.rate_hz

    # -- the relay ------------------------------------------------------------------

    def _publish_safely(self, publish: Callable[[M], M], msg: M) -> None:
        """A full subscriber is logged and counted, never raised into the relay (the
        loop's reports must keep flowing because one listener is slow)."""
        try:
            publish(msg)
        except QueueFull as err:
            self.dropped += 1
            log.warning("cerebellum could not publish %s: %s", type(msg).__name__, err)

    def _run_relay(self) -> None:
        motion = self.motion
        published = 0
        hand: tuple[float, float, float] | None = None
        try:
            while not self._relay_stop.is_set():
                try:
                    motion.estop(self._estops.get(timeout=RELAY_PERIOD_S))
                    continue  # E-stops first, all of them
                except ReceiveTimeout:
                    pass
                world = self._worlds.poll()
                if world is not None and (reaching := hand_near(world)) != hand:
                    hand = reaching
                    motion.set_hand(hand)
                motion.pump()
                if motion.failure is not None:
                    raise MotionProcessError(f"the cerebellum's loop process {motion.failure}")
                snapshot = motion.snapshot()
                if snapshot is not None and snapshot.version != published:
                    published = snapshot.version
                    state = snapshot.state
                    self._publish_safely(self._state_pub.publish, state)
                    command = JointCommand(position=snapshot.commanded, stamp_ns=state.stamp_ns)
                    self._publish_safely(self._command_pub.publish, command)
        except BaseException as err:  # kept and re-raised through the node: not swallowed
            self.failure = err  # the node fails now, when it happened, not at its teardown
            log.debug("cerebellum loop failed", exc_info=True)
            self.request_stop()

    # -- node life cycle ----------------------------------------------------------------

    def start(self) -> None:
        """Start the loop's process and wait until its loop runs, then the node's
        threads. A limb that does not open raises `MotionProcessError` here, with the
        limb's own error (naming its port or servo) in the message."""
        self.motion.start()
        super().start()

    def setup(self) -> None:
        self._relay = threading.Thread(target=self._run_relay, name="cerebellum:relay", daemon=True)
        self._relay.start()
        log.info(
            "cerebellum: loop at %.0f Hz in its own process (limb cycle %.2f ms)",
            self.motion.rate_hz,
            self.motion.cycle_s * 1e3,
        )

    def stop(self, timeout: float | None = None) -> None:
        """Stop the arm first, from the calling thread (a controlled stop: held, a
        poured vessel tipped upright), then the node's threads. A skill update busy in
        a long IK search may outlive the wait: the arm is stopped and its requests go
        nowhere, so it is left to end with the process."""
        self.request_stop()
        self._relay_stop.set()
        self.motion.stop()
        try:
            super().stop(timeout)
        except RuntimeError as err:
            log.info("%s; the arm is stopped already", err)

    def teardown(self) -> None:
        if self.runner.busy:
            with contextlib.suppress(MotionProcessError):  # a stopped loop takes no request
                self.runner.cancel("cerebellum stopped")
        self._relay_stop.set()
        if self._relay is not None:
            self._relay.join(RELAY_JOIN_S)
        self.motion.stop()
        self._estops.close()
        self._worlds.close()

    # -- messages and the skill tick ------------------------------------------------------

    def on_world(self, msg: WorldState) -> None:
        self.runner.see(msg)

    def on_skill_call(self, msg: SkillCall) -> None:
        if self.runner.busy:
            cancelled = self.runner.cancel(f"superseded by step {msg.index} of plan {msg.plan_seq}")
            if cancelled is not None:
                self._status_pub.publish(cancelled)
        status = self.runner.start(msg)
        self._status_pub.publish(status)

    def tick(self) -> None:
        if self.runner.busy and (why := lost_brain(self.brain_link)) is not None:
            log.warning("cerebellum: %s", why)
            self._event_pub.publish(SafetyEvent(kind="link", severity="stop", detail=why))
            if (stopped := self.runner.cancel(why, state="failed")) is not None:
                self._status_pub.publish(stopped)
            return
        status = self.runner.update(None, self.clock())  # the world: `on_world`
        if status is not None:
            self._status_pub.publish(status)
