"""The safety supervisor: the last stage of every tick before the limb.

Whatever the trajectory asks for, the command that leaves `SafetySupervisor.filter`
keeps, per joint, the position inside the limits (less a margin), the speed under
the joint's maximum and the change of speed per tick under the maximum
acceleration. Stopping is planned ahead: the velocity toward a limit is capped so
that braking at full deceleration from the *next* state still stops before it
(v*dt + v^2/(2a) <= distance), which makes the limits an invariant, not a hope.

On top of that, in the order they can override the motion:

- Protective stop (the E-stop message; IEC 60204-1 stop category 2: the servos keep
  their power and hold): latched until `reset_estop`; the first command after
  engagement holds the last commanded position with zero velocity (stops within one
  tick; this is the one place the acceleration limit is deliberately not kept). A
  stop may name joints to settle first (`settle`: a poured vessel tipped back
  upright): from rest they move to those values at `settle_speed_fraction` of their
  speed limits, within every other limit, and then everything holds.
- Watchdog: a `JointState` older than `watchdog_timeout_s` makes the supervisor
  brake to a hold at full deceleration and raise a `watchdog` event.
- Workspace fence and self-collision: the supervisor looks at where the arm would
  come to rest if it braked now; if that pose leaves the fence (or brings
  non-adjacent links within the margin) and is worse than the current one, it
  brakes instead.
- Speed and separation monitoring: a hand within `slow_distance_m` of the arm
  caps every joint at the collaborative speed; within `protective_distance_m` the
  arm brakes to a stop; it resumes once the hand is `clear_hysteresis_m` beyond the
  protective distance.

Events (`SafetyEvent`) are raised on transitions only and collected in `events` for
the loop to publish. Units: rad, rad/s, rad/s^2, m, s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.msgs import SafetyEvent, SafetyKind, Vec3
from core.profile import Profile

if TYPE_CHECKING:  # geometry loads numba; the launch file's loader needs only the defaults
    from robot.cerebellum.geometry import ArmGeometry


@dataclass(frozen=True)
class SafetyConfig:
    """Tunables of the supervisor (SI units)."""

    position_margin_rad: float = 0.02
    """Stay this far inside each joint's limits: the servo's own stop is not a brake."""
    collaborative_speed_m_s: float = 0.25
    """Tool speed while a hand is within `slow_distance_m` (m/s), as ISO/TS 15066's
    speed and separation monitoring names it: every joint is capped at the fraction
    of its top speed that moves a point `COLLABORATIVE_REACH_M` away from the slowest
    joint this fast (`collaborative_fraction`)."""
    slow_distance_m: float = 0.30
    """A hand this close to the arm slows it to `collaborative_speed_m_s` (m)."""
    protective_distance_m: float = 0.10
    """A hand this close stops the arm until it leaves (m)."""
    clear_hysteresis_m: float = 0.03
    watchdog_timeout_s: float = 0.05
    """50 ticks at 1 kHz; a serial limb at 200 Hz still refreshes 10 times in it."""
    settle_speed_fraction: float = 0.5
    """Fraction of a joint's max velocity for settling during a stop (tipping a poured
    vessel back upright): 2 rad/s on an SO-101 wrist, a 90 degree tilt back in ~0.9 s."""


SETTLED_RAD = 1e-6
"""A settling joint this close to its value (rad) has arrived: braking toward a target
rounds to zero speed a few 1e-21 rad short of it."""

Settle = tuple[tuple[int, float], ...]
"""Joints a stop brings to a value before holding: (joint index, rad) pairs."""


COLLABORATIVE_REACH_M = 0.45
"""Tool distance from the shoulder used to turn a tool speed into a joint fraction (m)."""


def collaborative_fraction(tool_speed_m_s: float, max_velocity: float, reach_m: float) -> float:
    """The fraction of each joint's top speed for a tool speed (m/s): one joint at
    `max_velocity` (rad/s) moves a point `reach_m` (m) away at max_velocity * reach_m.
    Several joints moving together can add up: a per-joint guide, not a guarantee on
    the tool's speed."""
    if tool_speed_m_s <= 0 or max_velocity <= 0 or reach_m <= 0:
        raise ValueError("tool speed, joint velocity and reach must be > 0")
    return min(1.0, tool_speed_m_s / (max_velocity * reach_m))


@dataclass(frozen=True)
class JointLimits:
    """Per-joint limits in the profile's order: rad, rad/s, rad/s^2."""

    names: tuple[str, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    max_velocity: tuple[float, ...]
    max_acceleration: tuple[float, ...]

    @classmethod
    def from_profile(cls, profile: Profile) -> JointLimits:
        joints = profile.joints
        return cls(
            names=tuple(j.name for j in joints),
            lower=tuple(j.lower for j in joints),
            upper=tuple(j.upper for j in joints),
            max_velocity=tuple(j.max_velocity for j in joints),
            max_acceleration=tuple(j.max_acceleration for j in joints),
        )


def braking_speed(distance: float, accel: float, dt: float) -> float:
    """The largest speed (>= 0) that, held for one tick and then braked at `accel`,
    stops within `distance`: the positive root of v*dt + v^2/(2*accel) = distance."""
    if distance <= 0.0:
        return 0.0
    return accel * (math.sqrt(dt * dt + 2.0 * distance / accel) - dt)


class SafetySupervisor:
    """Filters joint targets into safe commands, one call per tick.

    dt: the loop period (s). geometry: the arm's capsules for the fence,
    self-collision and separation checks (None: joint limits only).
    """

    def __init__(
        self,
        limits: JointLimits,
        dt: float,
        config: SafetyConfig | None = None,
        geometry: ArmGeometry | None = None,
    ) -> None:
        self.limits = limits
        self.dt = dt
        self.config = config or SafetyConfig()
        self.geometry = geometry
        n = len(limits.names)
        margin = self.config.position_margin_rad
        self._lower = [lo + margin for lo in limits.lower]
        self._upper = [hi - margin for hi in limits.upper]
        self._vmax = list(limits.max_velocity)
        self._amax = list(limits.max_acceleration)
        fraction = collaborative_fraction(
            self.config.collaborative_speed_m_s, min(self._vmax), COLLABORATIVE_REACH_M
        )
        self._collab = [v * fraction for v in self._vmax]
        self._settle_caps = [v * self.config.settle_speed_fraction for v in self._vmax]
        self._caps = [0.0] * n
        # Beyond this distance from a limit (rad) even full speed can still brake in time
        # (inline `braking_speed` >= max velocity), so the square root is skipped.
        self._braking_zone = [
            v * dt + v * v / (2.0 * a) for v, a in zip(self._vmax, self._amax, strict=True)
        ]
        # The command state and the output buffers: allocated once.
        self.position = [0.0] * n
        self.velocity = [0.0] * n
        self._next_position = [0.0] * n
        self._next_velocity = [0.0] * n
        self._stop_pose = [0.0] * n
        self._joint_over_limit = [False] * n
        self.events: list[SafetyEvent] = []
        self.estop_engaged = False
        self._settle: Settle = ()
        self._settle_target = [0.0] * n
        self._stopped = False
        """The first command after an engagement has held (settling may begin)."""
        self.stale = False
        self.geometry_blocked = False
        self.separation = "clear"  # "clear" | "slow" | "stop"
        self._hand: Vec3 | None = None
        self._hand_distance = math.inf

    # -- inputs --------------------------------------------------------------------

    def reset(self, position: Sequence[float]) -> None:
        """Start from a measured position at rest (call before the first `filter`)."""
        for i, p in enumerate(position):
            self.position[i] = float(p)
            self.velocity[i] = 0.0

    def engage_estop(self, reason: str = "", settle: Settle = ()) -> None:
        """Latch the protective stop: the next command holds still; then the `settle`
        joints (index, rad) move to their values, and everything holds."""
        if self.estop_engaged:
            return
        self.estop_engaged = True
        self._stopped = False
        # Inside the limits less the margin, where `_step` passes a target exactly (so
        # the settle ends); a value that is not a number settles nothing.
        lower, upper = self._lower, self._upper
        self._settle = tuple(
            (i, min(max(value, lower[i]), upper[i])) for i, value in settle if value == value
        )
        detail = reason or "protective stop"
        if self._settle:
            names = ", ".join(self.limits.names[i] for i, _ in self._settle)
            detail += f"; settling {names} before holding"
        self._event("estop", "stop", detail=detail)

    def reset_estop(self, reason: str = "") -> None:
        """Release the latch; motion resumes from rest within the limits."""
        if self.estop_engaged:
            self.estop_engaged = False
            self._settle = ()
            self._event("estop", "info", detail=reason or "protective stop reset")

    @property
    def settling(self) -> bool:
        """True while a stop still moves joints to their settle values."""
        return bool(self._settle)

    @property
    def at_rest(self) -> bool:
        """True when the command is still: no joint velocity, nothing left to settle."""
        return not self._settle and not any(self.velocity)

    def set_hand(self, hand: Vec3 | None) -> None:
        """Where a person's hand is (m, world frame), or None when no hand is near."""
        self._hand = hand

    def observe_state(self, age_s: float) -> None:
        """Tell the watchdog how old the latest `JointState` is (s)."""
        stale = age_s > self.config.watchdog_timeout_s
        if stale != self.stale:
            self.stale = stale
            if stale:
                self._event("watchdog", "stop", detail=f"joint state {age_s * 1000:.0f} ms old")
            else:
                self._event("watchdog", "info", detail="joint state fresh again")

    @property
    def holding(self) -> bool:
        """True while something forces the arm to brake or hold."""
        return (
            self.estop_engaged or self.stale or self.separation == "stop" or self.geometry_blocked
        )

    @property
    def hand_distance(self) -> float:
        """Distance (m) from the hand to the arm at the last check (inf: no hand)."""
        return self._hand_distance

    # -- the tick --------------------------------------------------------------------

    def filter(self, target: Sequence[float]) -> tuple[list[float], list[float]]:
        """The safe command for this tick toward `target` (rad): (positions, velocities).

        The returned lists are the supervisor's own state: read them, do not keep them.
        """
        if self.estop_engaged:
            return self._stop_tick()
        brake = self.stale or self.separation == "stop"
        caps = self._collab if self.separation == "slow" else self._vmax
        self._step(target, caps, brake, check_targets=True)
        if self.geometry is not None:
            self._check_geometry(target, caps, brake)
        self.position, self._next_position = self._next_position, self.position
        self.velocity, self._next_velocity = self._next_velocity, self.velocity
        return self.position, self.velocity

    def _stop_tick(self) -> tuple[list[float], list[float]]:
        """A command while the protective stop is latched: hold at once; from rest,
        move the settle joints to their values (every limit kept), then hold."""
        velocity = self.velocity
        if not self._stopped or not self._settle:
            self._stopped = True
            for i in range(len(velocity)):
                velocity[i] = 0.0
            return self.position, velocity
        target = self._settle_target
        target[:] = self.position
        caps = self._caps
        caps[:] = self._settle_caps
        for i, value in self._settle:
            target[i] = value
            # `_step` brakes for limits, not targets: arrive at rest, as at a limit.
            caps[i] = min(
                caps[i], braking_speed(abs(value - self.position[i]), self._amax[i], self.dt)
            )
        self._step(target, caps, False)
        if self.geometry is not None:
            self._check_geometry(target, caps, False)
        self.position, self._next_position = self._next_position, self.position
        self.velocity, self._next_velocity = self._next_velocity, self.velocity
        settled = all(abs(self.position[i] - value) < SETTLED_RAD for i, value in self._settle)
        if self.geometry_blocked or (settled and not any(self.velocity)):
            self._settle = ()  # settled, or blocked by the fence: brake and hold here
        return self.position, self.velocity

    def _step(
        self, target: Sequence[float], caps: list[float], brake: bool, check_targets: bool = False
    ) -> None:
        """Fill `_next_position/_next_velocity` with the bounded step toward target.

        check_targets: also raise a `joint_limit` event when a joint's target first asks
        past a limit (in the same pass over the joints: one loop per tick, not two)."""
        dt = self.dt
        position, velocity = self.position, self.velocity
        lower, upper, amax = self._lower, self._upper, self._amax
        zone = self._braking_zone
        out_p, out_v = self._next_position, self._next_velocity
        over_limit = self._joint_over_limit
        for i in range(len(position)):
            p = position[i]
            v = velocity[i]
            a = amax[i]
            dv = a * dt
            cap = 0.0 if brake else caps[i]
            goal = target[i]
            if check_targets and (goal < lower[i] or goal > upper[i]) != over_limit[i]:
                self._target_limit_changed(i, goal)
            if goal != goal:  # NaN target: bad input holds still
                goal = p
            wanted = (goal - p) / dt
            # Upper bound: the speed cap (reached at full deceleration if above it),
            # the acceleration limit, and the speed that still stops before the limit.
            hi = v - dv if v - dv > cap else cap
            if v + dv < hi:
                hi = v + dv
            # Near a limit only: cap the speed so braking still stops before it.
            room = upper[i] - p
            if room < zone[i]:
                stop_up = a * (math.sqrt(dt * dt + 2.0 * room / a) - dt) if room > 0.0 else 0.0
                if stop_up < hi:
                    hi = stop_up
            lo = v + dv if v + dv < -cap else -cap
            if v - dv > lo:
                lo = v - dv
            room = p - lower[i]
            if room < zone[i]:
                stop_down = -a * (math.sqrt(dt * dt + 2.0 * room / a) - dt) if room > 0.0 else 0.0
                if stop_down > lo:
                    lo = stop_down
            # The bounds can only cross when the state started outside the limits.
            if lo <= wanted <= hi:
                # Feasible: pass the target through exactly (no rounding drift).
                out_v[i] = wanted
                out_p[i] = goal
                continue
            new_v = hi if wanted > hi else lo
            if new_v < lo:
                new_v = lo
            out_v[i] = new_v
            out_p[i] = p + new_v * dt

    def _check_geometry(self, target: Sequence[float], caps: list[float], brake: bool) -> None:
        """Brake if resting after this step would leave the fence or touch a link."""
        geometry = self.geometry
        assert geometry is not None
        stop_pose = self._stop_pose
        out_p, out_v, amax = self._next_position, self._next_velocity, self._amax
        for i in range(len(stop_pose)):
            v = out_v[i]
            stop_pose[i] = out_p[i] + (v * abs(v)) / (2.0 * amax[i])
        points = geometry.points(stop_pose)
        depth = geometry.fence_depth(points)
        collision = geometry.self_collision_depth(points)
        self._update_separation(points)
        if depth == 0.0 and collision == 0.0:
            if self.geometry_blocked:
                self.geometry_blocked = False
                self._event("workspace", "info", detail="back inside the fence, no link contact")
            return
        # Allow motion that makes things better (coming back inside); block the rest.
        here = geometry.points(self.position)
        if depth < geometry.fence_depth(here) - 1e-9 or (
            collision < geometry.self_collision_depth(here) - 1e-9
        ):
            return
        if not self.geometry_blocked:
            self.geometry_blocked = True
            if depth > 0.0:
                self._event("workspace", "stop", detail=f"{depth * 1000:.0f} mm beyond the fence")
            else:
                self._event(
                    "self_collision", "stop", detail=f"links {collision * 1000:.0f} mm too close"
                )
        self._step(target, caps, True)

    def _update_separation(self, points: object) -> None:
        """Speed and separation monitoring against the latest hand point."""
        hand = self._hand
        if hand is None or self.geometry is None:
            distance = math.inf
        else:
            beyond = self.config.slow_distance_m + self.config.clear_hysteresis_m
            distance = self.geometry.hand_distance(points, hand, beyond)  # type: ignore[arg-type]
        self._hand_distance = distance
        cfg = self.config
        # Once stopped, resume only when the hand is clear_hysteresis_m further away.
        stop_below = cfg.protective_distance_m
        if self.separation == "stop":
            stop_below += cfg.clear_hysteresis_m
        if distance < stop_below:
            state = "stop"
        elif distance < cfg.slow_distance_m:
            state = "slow"
        else:
            state = "clear"
        if state != self.separation:
            self.separation = state
            kinds: dict[str, tuple[SafetyKind, str]] = {
                "stop": ("separation_stop", "stop"),
                "slow": ("separation_slow", "warning"),
                "clear": ("separation_clear", "info"),
            }
            kind, severity = kinds[state]
            self._event(kind, severity, detail=f"hand {distance * 100:.0f} cm from the arm")

    def _target_limit_changed(self, i: int, goal: float) -> None:
        """Joint `i`'s target crossed a limit (rad): flag it; raise `joint_limit` when
        it now asks past one."""
        lower, upper = self._lower[i], self._upper[i]
        over = goal < lower or goal > upper
        self._joint_over_limit[i] = over
        if over:
            self._event(
                "joint_limit",
                "warning",
                joint=self.limits.names[i],
                detail=f"target {goal:.3f} rad outside [{lower:.3f}, {upper:.3f}]; "
                "held at the limit",
            )

    def _event(self, kind: SafetyKind, severity: str, joint: str = "", detail: str = "") -> None:
        self.events.append(
            SafetyEvent(kind=kind, severity=severity, joint=joint, detail=detail)  # type: ignore[arg-type]
        )
