"""The one interface every limb backend implements (serial servos, the PyBullet twin).

Positions are radians at the joint, ordered by the profile's joint list. Whatever the
layers above do, a limb clamps commands to the joint limits and, through its
`CommandWatchdog`, holds or disables torque when commands stop arriving.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from types import TracebackType

from core.errors import RobotError
from core.msgs import JointCommand, JointState, SafetyEvent
from core.profile import Profile


class LimbFault(RobotError):
    """The limb can no longer give plausible readings or reach its servos.

    cause: what went wrong, with a hint in parentheses (e.g. "no reply for 32 ms (cable
    pulled? power lost?)"); port, servo_id, joint: where, when known. hold_unsafe: the
    servo reports a condition (overload, overheating, over-current, a failed position
    sensor) under which holding position harms the servo or what it holds: torque should
    go off rather than hold.
    """

    def __init__(
        self,
        cause: str,
        *,
        port: str = "",
        servo_id: int | None = None,
        joint: str = "",
        hold_unsafe: bool = False,
    ) -> None:
        self.cause = cause
        self.port = port
        self.servo_id = servo_id
        self.joint = joint
        self.hold_unsafe = hold_unsafe
        if servo_id is not None:
            who = f"servo {servo_id}" + (f" (joint {joint})" if joint else "")
        else:
            who = f"joint {joint}" if joint else "the limb"
        where = f" on {port}" if port else ""
        advice = (
            "holding is unsafe; fix the cause, then power-cycle the servo and restart"
            if hold_unsafe
            else "check the cable, the servos' power and the calibration, then restart"
        )
        super().__init__(f"{who}{where}: {cause}: {advice}")


class Limb(ABC):
    """An arm's actuators. Not thread-safe: one owner (the cerebellum's loop) calls it."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.joint_names = profile.joint_names
        self._lower = tuple(j.lower for j in profile.joints)
        self._upper = tuple(j.upper for j in profile.joints)

    @abstractmethod
    def read(self) -> JointState:
        """Measure the joints now."""

    @abstractmethod
    def write(self, command: JointCommand) -> None:
        """Send position targets (clamped to the joint limits)."""

    @abstractmethod
    def enable(self) -> None:
        """Torque on: hold the current position."""

    @abstractmethod
    def disable(self) -> None:
        """Torque off."""

    @abstractmethod
    def close(self) -> None:
        """Release the port or simulator. Torque stays as it is: servos left enabled
        hold their last goal (what a stop wants; call `disable()` first for limp)."""

    @property
    def worst_cycle_s(self) -> float:
        """The longest one `read()` and `write()` may take without anything being wrong
        (s): a serial limb's reply timeouts; 0 for a limb that never waits."""
        return 0.0

    def take_events(self) -> list[SafetyEvent]:
        """What the limb said about its actuators since the last call (a servo stalled,
        overheating): the loop publishes them. None here; the serial limb's servos are
        watched (`robot.limbs.health`)."""
        return []

    def clamp(self, position: tuple[float, ...]) -> tuple[float, ...]:
        """Clamp a position vector to the profile's joint limits (rad)."""
        if len(position) != len(self._lower):
            raise ValueError(
                f"command has {len(position)} joints, profile {self.profile.robot.name!r} "
                f"has {len(self._lower)}: {self.joint_names}"
            )
        # min(max(p, lo), hi), spelt out as comparisons: a call to min/max per joint
        # costs more than the comparison itself (the limb clamps every tick). Same
        # results as the builtins, NaN and a crossed lo > hi included: max(p, lo) is
        # lo only if lo > p, and min(x, hi) is hi only if hi < x.
        bounds = zip(position, self._lower, self._upper, strict=True)
        return tuple([hi if hi < (x := lo if lo > p else p) else x for p, lo, hi in bounds])

    def __enter__(self) -> Limb:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class CommandWatchdog:
    """Tells a limb when commands have stopped arriving for longer than `timeout_s`."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._last: float | None = None

    def reset(self) -> None:
        """Forget the last command: the timeout counts from the next `feed` (a limb
        just enabled must not trip on the time it took to start its loop)."""
        self._last = None

    def feed(self, now: float | None = None) -> None:
        self._last = time.monotonic() if now is None else now

    def expired(self, now: float | None = None) -> bool:
        """True once a command has been seen and none followed within the timeout."""
        if self._last is None:
            return False
        return (time.monotonic() if now is None else now) - self._last > self.timeout_s
