"""One tick of motion: read the limb, trajectory, safety supervisor, write the limb.

`MotionCore.tick()` is what the real-time loop calls 1000 times a second. It never
waits on anything: requests from the slower layers arrive as whole objects swapped
into attributes (a reference assignment is atomic in CPython), E-stops and the
world's hand positions are polled from their subscriptions without blocking.

    core = MotionCore(limb, limits, dt=0.001, supervisor=..., trajectory=...)
    core.start()                      # reads the limb once, holds where it is
    core.request(MotionRequest(target=(...), speed_scale=0.5))
    core.tick()                       # every period, from the loop

Per tick the core allocates only what the `Limb` interface needs: the
`JointCommand` it writes (and the limb's own `JointState`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.msgs import EStop, JointCommand, JointState, SafetyEvent, WorldState
from robot.bus import Subscription
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.safety import SafetyConfig, SafetySupervisor, Settle
from robot.cerebellum.stop_requests import StopRequests
from robot.cerebellum.trajectory import JointTrajectory
from robot.limbs.base import Limb

NS_PER_S = 1e9
FOLLOW_TOLERANCE_RAD = 1e-9
"""A supervisor change of the planned position below this (rad, any joint) is rounding:
ruckig's velocity steps at full acceleration come out ~1e-13 rad/s over `a * dt`, and
the supervisor trims them (what is sent stays within its limits). Re-seeding ruckig
from such a trim would make it recompute the whole trajectory on the next tick (the
costliest tick there is) for nothing; the trajectory goes on from its own state, and
the supervisor passes its next target through exactly."""


@dataclass(frozen=True)
class MotionRequest:
    """Where the skills want the joints (rad, profile order) and how fast (0..1 of max).

    settle: should a stop come while this request is the latest, the joints (index,
    rad) it brings to a value before holding: the wrist roll that tips a poured vessel
    back upright. Empty: a stop holds every joint where braking ends.
    """

    target: tuple[float, ...]
    speed_scale: float = 1.0
    settle: Settle = ()


class MotionPort(Protocol):
    """What the skills see of the motion layer, wherever its loop runs: `MotionCore`
    in the same thread (simulated time), `MotionProcess` in a child process."""

    def request(self, request: MotionRequest) -> None: ...

    @property
    def idle(self) -> bool: ...

    @property
    def latest_state(self) -> JointState | None: ...

    @property
    def commanded(self) -> tuple[float, ...]: ...

    @property
    def holding(self) -> bool: ...

    @property
    def estop_engaged(self) -> bool: ...


def _deviates(a: list[float], b: list[float], tolerance: float) -> bool:
    """True when some joint of `a` differs from `b` by more than `tolerance`."""
    return any(abs(x - y) > tolerance for x, y in zip(a, b, strict=True))


def hand_near(world: WorldState) -> tuple[float, float, float] | None:
    """The first person's hand that is reaching (m, world frame), or None."""
    for person in world.persons.values():
        if person.hand is not None:
            return person.hand
    return None


class MotionCore:
    """The cerebellum's tick. Not thread-safe except through `request` and the
    subscriptions: one thread (the loop's) calls `tick`.

    clock: monotonic time in ns (the twin may pass its simulated clock).
    on_event: called with each `SafetyEvent` the supervisor raises (publish it).
    on_state: called every `state_every` ticks with the limb's reading and the
    command sent in that tick (publish both).
    """

    def __init__(
        self,
        limb: Limb,
        supervisor: SafetySupervisor,
        trajectory: JointTrajectory,
        *,
        estops: StopRequests | None = None,
        worlds: Subscription[WorldState] | None = None,
        on_event: Callable[[SafetyEvent], None] | None = None,
        on_state: Callable[[JointState, JointCommand], None] | None = None,
        state_every: int = 10,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.limb = limb
        self.supervisor = supervisor
        self.trajectory = trajectory
        self.estops = estops
        self.worlds = worlds
        self.on_event = on_event
        self.on_state = on_state
        self.state_every = state_every
        self.clock = clock
        self.latest_state: JointState | None = None
        """The limb's last reading: the skills read it from their own thread."""
        self.latest_world: WorldState | None = None
        self.commanded: tuple[float, ...] = ()
        """The last command sent (rad): what the arm is being told now."""
        self._request: MotionRequest | None = None
        self._applied: MotionRequest | None = None
        self.ticks = 0

    @classmethod
    def for_arm(
        cls,
        model: ArmModel,
        limb: Limb,
        dt: float,
        config: SafetyConfig | None = None,
        velocity_scale: float = 1.0,
        **kwargs: object,
    ) -> MotionCore:
        """A core for `model`'s arm: supervisor with its geometry, ruckig within its
        limits; planned motion uses `velocity_scale` (0..1] of the joints' speed limits
        (the supervisor still enforces the limits themselves)."""
        if not 0.0 < velocity_scale <= 1.0:
            raise ValueError(f"velocity_scale must be in (0, 1], got {velocity_scale}")
        limits = model.limits
        supervisor = SafetySupervisor(limits, dt, config, model.geometry)
        margin = supervisor.config.position_margin_rad
        trajectory = JointTrajectory(
            dt,
            [v * velocity_scale for v in limits.max_velocity],
            limits.max_acceleration,
            [lo + margin for lo in limits.lower],
            [hi - margin for hi in limits.upper],
        )
        return cls(limb, supervisor, trajectory, **kwargs)  # type: ignore[arg-type]

    # -- from other threads -----------------------------------------------------------

    def request(self, request: MotionRequest) -> None:
        """Ask for a new target; the next tick picks it up (atomic swap)."""
        self._request = request

    @property
    def idle(self) -> bool:
        """True when the trajectory reached its target and the command is at rest."""
        return self.trajectory.finished and self._request is self._applied

    @property
    def holding(self) -> bool:
        """True while the supervisor makes the arm brake or hold (E-stop, stale state,
        a person inside the protective distance, a blocked geometry check)."""
        return self.supervisor.holding

    @property
    def estop_engaged(self) -> bool:
        return self.supervisor.estop_engaged

    # -- the loop's thread ----------------------------------------------------------------

    def start(self) -> JointState:
        """Read the limb once and hold there: the trajectory and supervisor start at rest."""
        state = self.limb.read()
        self.latest_state = state
        self.supervisor.reset(state.position)
        self.trajectory.reset(state.position)
        self.commanded = tuple(state.position)
        self._request = self._applied = MotionRequest(target=tuple(state.position))
        return state

    def tick(self) -> None:
        """One cycle. Never blocks."""
        supervisor = self.supervisor
        trajectory = self.trajectory
        state = self.limb.read()
        self.latest_state = state
        supervisor.observe_state((self.clock() - state.stamp_ns) / NS_PER_S)
        self._poll_inputs()

        request = self._request
        if request is not self._applied and request is not None:
            self._applied = request
            trajectory.set_speed_scale(request.speed_scale)
            trajectory.set_target(request.target)

        planned = trajectory.update()
        previous_velocity = supervisor.velocity
        position, velocity = supervisor.filter(planned)
        if position != planned and _deviates(position, planned, FOLLOW_TOLERANCE_RAD):
            trajectory.follow(position, velocity, previous_velocity)
        command = JointCommand(position=tuple(position), velocity=tuple(velocity))
        self.commanded = command.position
        self.limb.write(command)

        if supervisor.events:
            self._flush_events()
        said = self.limb.take_events()  # a servo stalled, hot, or limp for an alarm
        if said:
            self._limb_said(said)
        self.ticks += 1
        if self.on_state is not None and self.ticks % self.state_every == 0:
            # The command is stamped as the reading it answers, so the two pair up
            # (a recorded dataset's observation and action of one frame).
            sent = JointCommand(
                position=command.position, velocity=command.velocity, stamp_ns=state.stamp_ns
            )
            self.on_state(state, sent)

    def _poll_inputs(self) -> None:
        if self.estops is not None:
            while (msg := self.estops.poll()) is not None:
                self.apply_estop(msg)
        if self.worlds is not None:
            world = self.worlds.poll()
            if world is not None:
                self.latest_world = world
                self.supervisor.set_hand(hand_near(world))

    def apply_estop(self, msg: EStop) -> None:
        """Engage or reset the protective stop now (the loop's thread only). Engaged, it
        settles what the latest request names; reset, the arm stays where the stop left
        it until the next request (the skill that was running has been cancelled)."""
        reason = msg.reason or msg.source
        supervisor = self.supervisor
        if msg.engaged:
            applied = self._applied
            supervisor.engage_estop(reason, applied.settle if applied is not None else ())
        elif supervisor.estop_engaged:
            supervisor.reset_estop(reason)
            here = tuple(supervisor.position)
            self.trajectory.reset(here)
            self._request = self._applied = MotionRequest(target=here)

    @property
    def at_rest(self) -> bool:
        """The command is still and a stop has nothing left to settle."""
        return self.supervisor.at_rest

    def _limb_said(self, events: list[SafetyEvent]) -> None:
        """Publish what the limb said; one that says stop (a servo limp for an alarm)
        engages the protective stop: the arm holds, the running skill fails."""
        for event in events:
            if self.on_event is not None:
                self.on_event(event)
            if event.severity == "stop":
                self.apply_estop(EStop(engaged=True, source="limb", reason=event.detail))

    def _flush_events(self) -> None:
        events = self.supervisor.events
        if self.on_event is not None:
            for event in events:
                self.on_event(event)
        events.clear()
