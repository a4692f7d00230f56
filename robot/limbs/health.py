"""Watched servos: load, temperature and supply voltage, read a few times a second
beside the control cycle, and what the limb does about them before the servo's own
protection trips.

- **Stall**: an arm joint pushing hard (|load| >= `STALL_LOAD`) while still short of its
  goal (>= `STALL_ERROR_RAD`) and making no progress (< `STALL_PROGRESS_RAD`) for
  `STALL_S` is blocked (pressing on the table, caught on something). It is relaxed: its
  goal is held where it stands, whatever the loop commands further that way, until a
  command moves it back. The gripper is left out: pushing against what it holds is
  the grasp the skill chose (relaxing it on stall dropped cups in the twin).
- **Overheating**: within `HOT_MARGIN_C` of the servo's temperature limit the joint is
  relaxed as above, before the servo's own shutdown at the limit: the gripper closed
  on a cup for minutes is the SO-101 owners' common complaint. A gripper keeps a
  squeeze, adjusted at each reading to keep its load between `GRIP_LOAD_LOW` and
  `GRIP_LOAD_HIGH` (a servo's P loop pushes in proportion to how far its goal lies past
  where it stands): it goes on holding, at well below stall current.
- **Supply voltage** outside the servo's limits: said, not acted on (the servo's own
  protection decides; the cause is the power supply).

Each condition is said once as a `SafetyEvent` (and a log line) naming joint, servo and
cause, when it starts (warning) and when it ends (info). The loop goes on: a relaxed joint is a safe
state, not a failure. `ServoWatch` is the rules alone, fed samples; the serial limb
reads the registers (`robot.limbs.serial`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Literal

from core.msgs import SafetyEvent, SafetyKind

log = logging.getLogger(__name__)

Severity = Literal["info", "warning", "stop"]

STALL_LOAD = 0.8
"""|load| (fraction of the servo's full scale) at or above which a joint pushes hard."""
STALL_ERROR_RAD = 0.05
"""How far short of its goal a pushing joint must be to count as blocked (rad, 2.9 deg)."""
STALL_PROGRESS_RAD = 0.01
"""Less motion than this over `STALL_S` is no progress (rad)."""
STALL_S = 0.3
"""How long a joint pushes without progress before it is relaxed (s): with readings
every `HEALTH_PERIOD_S`, a stall is relaxed within 0.4 s of its start."""
GRIP_LOAD_LOW = 0.4
GRIP_LOAD_HIGH = 0.7
"""The load band (fraction of full scale) a relaxed gripper's squeeze is kept in."""
GRIP_SQUEEZE_STEP = 1.25
"""Factor by which a relaxed gripper's squeeze shrinks or grows per reading."""
HOT_MARGIN_C = 10.0
"""Relax a joint this far below its servo's temperature limit (deg C)."""
HEALTH_PERIOD_S = 0.1
"""How often the serial limb reads load, voltage and temperature (s)."""


@dataclass(frozen=True)
class ServoLimits:
    """What one servo allows: temperature limit (deg C), supply range (V)."""

    servo_id: int
    temperature_limit_c: float
    min_voltage_v: float
    max_voltage_v: float


@dataclass(frozen=True)
class HealthSample:
    """One servo's health reading: load as a fraction of its full scale (the sign is the
    servo's, only the size is used), temperature (deg C), supply (V)."""

    load: float
    temperature_c: float
    voltage_v: float


@dataclass
class _Joint:
    limits: ServoLimits
    is_gripper: bool
    pushing_since: float | None = None
    pushing_from: float = 0.0
    hold: float | None = None
    """The relaxed goal (rad), None while not relaxed."""
    stood: float = 0.0
    """Where it stood when relaxed (rad)."""
    squeeze: float = 0.0
    """How far past `stood` a relaxed gripper's goal lies (rad)."""
    direction: float = 0.0
    """The way it was pushing when relaxed (+1 / -1)."""
    why: str = ""
    kind: SafetyKind = "stall"
    hot: bool = False
    voltage_bad: bool = False


@dataclass
class ServoWatch:
    """The rules, for the joints `names` with their servos' `limits`; `gripper` is the
    gripper joint's name ("" for none)."""

    names: tuple[str, ...]
    limits: tuple[ServoLimits, ...]
    gripper: str = ""
    events: list[SafetyEvent] = field(default_factory=list)
    """Said and not yet taken (`take_events`)."""

    def __post_init__(self) -> None:
        self._joints = [
            _Joint(lim, name == self.gripper)
            for name, lim in zip(self.names, self.limits, strict=True)
        ]

    def take_events(self) -> list[SafetyEvent]:
        if not self.events:
            return self.events
        events, self.events = self.events, []
        return events

    @property
    def any_relaxed(self) -> bool:
        return any(j.hold is not None for j in self._joints)

    def relaxed(self, k: int) -> bool:
        return self._joints[k].hold is not None

    def observe(
        self,
        now_s: float,
        positions: tuple[float, ...],
        goals: tuple[float, ...],
        samples: list[HealthSample | None],
    ) -> None:
        """Apply the rules to one reading of every servo (None: no reply this time)."""
        for k, sample in enumerate(samples):
            if sample is not None:
                self._observe(k, now_s, positions[k], goals[k], sample)

    def goal(self, k: int, commanded: float) -> float:
        """Joint k's goal to send for `commanded` (rad): the relaxed hold while the
        command goes on the way it was blocked; a command back the other way ends the
        relaxing."""
        joint = self._joints[k]
        if joint.hold is None:
            return commanded
        if (commanded - joint.hold) * joint.direction <= 0.0 and not joint.hot:
            self.say(k, "info", f"{joint.why} is over: commanded back, it moves again", joint.kind)
            joint.hold = None
            return commanded
        return joint.hold

    # -- rules --------------------------------------------------------------------------
    def _observe(self, k: int, now_s: float, position: float, goal: float, s: HealthSample) -> None:
        joint = self._joints[k]
        lim = joint.limits
        low_v, high_v = lim.min_voltage_v, lim.max_voltage_v
        voltage_bad = not low_v <= s.voltage_v <= high_v
        if voltage_bad != joint.voltage_bad:
            joint.voltage_bad = voltage_bad
            if voltage_bad:
                self.say(
                    k,
                    "warning",
                    f"supply at {s.voltage_v:.1f} V, outside the servo's "
                    f"{low_v:.1f}-{high_v:.1f} V: check the power supply",
                    "voltage",
                )
            else:
                self.say(k, "info", f"supply back at {s.voltage_v:.1f} V", "voltage")
        hot = s.temperature_c >= lim.temperature_limit_c - HOT_MARGIN_C
        if hot and not joint.hot:
            joint.hot = True
            self._relax(
                k,
                position,
                goal,
                f"at {s.temperature_c:.0f} C, {lim.temperature_limit_c - s.temperature_c:.0f} C"
                " below its limit",
                kind="overheating",
            )
        elif not hot and joint.hot and s.temperature_c < lim.temperature_limit_c - 2 * HOT_MARGIN_C:
            joint.hot = False  # cooled well below: relaxing ends with the next command back
        if joint.hold is not None and joint.is_gripper:
            self._grip(joint, abs(s.load))
        error = goal - position
        pushing = abs(s.load) >= STALL_LOAD and abs(error) >= STALL_ERROR_RAD
        if not pushing or joint.hold is not None or joint.is_gripper:
            joint.pushing_since = None
            return
        if joint.pushing_since is None or abs(position - joint.pushing_from) >= STALL_PROGRESS_RAD:
            joint.pushing_since, joint.pushing_from = now_s, position
            return
        if now_s - joint.pushing_since >= STALL_S:
            self._relax(
                k,
                position,
                goal,
                f"stalled: load {abs(s.load):.0%} for {now_s - joint.pushing_since:.1f} s, "
                f"{math.degrees(abs(error)):.0f} deg short of its goal",
                kind="stall",
            )

    @staticmethod
    def _grip(joint: _Joint, load: float) -> None:
        """Keep a relaxed gripper's load in the band: less squeeze when it pushes hard,
        more when it barely holds."""
        if load > GRIP_LOAD_HIGH:
            joint.squeeze /= GRIP_SQUEEZE_STEP
        elif load < GRIP_LOAD_LOW:
            joint.squeeze *= GRIP_SQUEEZE_STEP
        else:
            return
        assert joint.hold is not None
        joint.hold = joint.stood + joint.direction * joint.squeeze

    def _relax(self, k: int, position: float, goal: float, why: str, kind: SafetyKind) -> None:
        joint = self._joints[k]
        direction = 1.0 if goal >= position else -1.0
        joint.stood = position
        joint.squeeze = abs(goal - position) / 2 if joint.is_gripper else 0.0
        joint.hold = position + direction * joint.squeeze
        joint.direction = direction
        joint.why, joint.kind = why.split(":")[0], kind
        joint.pushing_since = None
        self.say(k, "warning", f"{why}: relaxed, held where it stands", kind=kind)

    def say(self, k: int, severity: Severity, what: str, kind: SafetyKind = "stall") -> None:
        """A `SafetyEvent` about joint k (and a log line): "servo ID (joint NAME) what"."""
        joint = self._joints[k]
        detail = f"servo {joint.limits.servo_id} (joint {self.names[k]}) {what}"
        log.log(logging.INFO if severity == "info" else logging.WARNING, "%s", detail)
        self.events.append(
            SafetyEvent(
                kind=kind,
                severity=severity,
                joint=self.names[k],
                detail=detail,
            )
        )
