"""Online jerk-limited joint trajectories with ruckig, one `update()` per tick.

Ruckig plans from the *current* state (position, velocity, acceleration) to the
target every time the target changes, so a goal that moves mid-motion is followed
smoothly rather than restarted: velocity and acceleration stay continuous.

When the safety supervisor changed the command (braking, a hold), `follow()` makes
the trajectory continue from what was actually sent, so releasing a hold never
jumps back to where the plan would have been.

Units: rad, rad/s, rad/s^2, rad/s^3, s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ruckig import InputParameter, OutputParameter, Result, Ruckig, RuckigError

JERK_PER_ACCELERATION = 10.0
"""max jerk = 10/s x max acceleration: full acceleration is reached in 0.1 s."""
TINY = 1e-9
"""Velocities and accelerations below this are snapped to zero: ruckig 0.19 rejects a
few degenerate inputs that differ from an exact rest by rounding alone."""
RETRY_JERK_FACTOR = 0.999
"""On a rare ruckig numerical failure, retry with the jerk limit nudged by this."""


class JointTrajectory:
    """A jerk-limited trajectory generator over n joints (ruckig, position interface).

    lower, upper: position limits (rad) ruckig keeps the whole trajectory inside.
    """

    def __init__(
        self,
        dt: float,
        max_velocity: Sequence[float],
        max_acceleration: Sequence[float],
        lower: Sequence[float],
        upper: Sequence[float],
        max_jerk: Sequence[float] | None = None,
    ) -> None:
        n = len(max_velocity)
        self.dof = n
        self.dt = dt
        self._otg = Ruckig(n, dt)
        self._input = InputParameter(n)
        self._output = OutputParameter(n)
        self._base_velocity = list(max_velocity)
        self._base_acceleration = list(max_acceleration)
        jerk = (
            list(max_jerk)
            if max_jerk is not None
            else [a * JERK_PER_ACCELERATION for a in max_acceleration]
        )
        self._base_jerk = jerk
        inp = self._input
        inp.max_velocity = list(max_velocity)
        inp.max_acceleration = list(max_acceleration)
        inp.max_jerk = jerk
        inp.min_position = list(lower)
        inp.max_position = list(upper)
        self._lower = list(lower)
        self._upper = list(upper)
        self.position = [0.0] * n
        """The latest output position (rad): read it, do not keep it."""
        self.velocity = [0.0] * n
        self.finished = True
        self.speed_scale = 1.0
        self.failures = 0
        """Updates ruckig could not compute (the trajectory then holds)."""

    def reset(self, position: Sequence[float]) -> None:
        """Start at rest at `position` (rad), with the target there too."""
        pos = [
            min(max(float(p), lo), hi)
            for p, lo, hi in zip(position, self._lower, self._upper, strict=True)
        ]
        inp = self._input
        inp.current_position = pos
        inp.current_velocity = [0.0] * self.dof
        inp.current_acceleration = [0.0] * self.dof
        inp.target_position = pos
        inp.target_velocity = [0.0] * self.dof
        inp.target_acceleration = [0.0] * self.dof
        self.position = list(pos)
        self.velocity = [0.0] * self.dof
        self.finished = True

    def set_target(
        self, position: Sequence[float], velocity: Sequence[float] | None = None
    ) -> None:
        """Retarget (rad; optional rad/s at arrival). Smooth from the current state."""
        self._input.target_position = [
            min(max(float(p), lo), hi)
            for p, lo, hi in zip(position, self._lower, self._upper, strict=True)
        ]
        self._input.target_velocity = list(velocity) if velocity is not None else [0.0] * self.dof
        self.finished = False

    @property
    def target(self) -> list[float]:
        return list(self._input.target_position)

    def set_speed_scale(self, scale: float) -> None:
        """Scale velocity (and acceleration, by sqrt) limits, 0 < scale <= 1."""
        scale = min(1.0, max(1e-3, scale))
        if scale == self.speed_scale:
            return
        self.speed_scale = scale
        root = math.sqrt(scale)
        self._input.max_velocity = [v * scale for v in self._base_velocity]
        self._input.max_acceleration = [a * root for a in self._base_acceleration]
        self.finished = False

    def update(self) -> list[float]:
        """Advance one tick; returns the new position (rad), also in `position`."""
        inp, out = self._input, self._output
        try:
            result = self._otg.update(inp, out)
        except RuckigError:
            result = self._retry()
        if result is None:
            self.failures += 1
            self.velocity = [0.0] * self.dof
            return self.position
        out.pass_to_input(inp)
        self.position = out.new_position
        self.velocity = out.new_velocity
        self.finished = result == Result.Finished
        return self.position

    def _retry(self) -> Result | None:
        """Rounding-level degenerate input: snap tiny values, nudge the jerk, try once more."""
        inp = self._input
        inp.current_velocity = [0.0 if abs(v) < TINY else v for v in inp.current_velocity]
        inp.current_acceleration = [0.0 if abs(a) < TINY else a for a in inp.current_acceleration]
        inp.max_jerk = [j * RETRY_JERK_FACTOR for j in inp.max_jerk]
        try:
            return self._otg.update(inp, self._output)
        except RuckigError:
            return None
        finally:
            inp.max_jerk = self._base_jerk

    def follow(
        self,
        position: Sequence[float],
        velocity: Sequence[float],
        previous_velocity: Sequence[float],
    ) -> None:
        """Continue from what was really commanded (after the supervisor changed it):
        `position`, `velocity` now and `previous_velocity` one tick before."""
        inp = self._input
        dt = self.dt
        inp.current_position = list(position)
        inp.current_velocity = [0.0 if abs(v) < TINY else v for v in velocity]
        inp.current_acceleration = [
            min(a_max, max(-a_max, (v - pv) / dt)) if abs(v - pv) > TINY else 0.0
            for v, pv, a_max in zip(velocity, previous_velocity, inp.max_acceleration, strict=True)
        ]
        self.position = list(position)
        self.velocity = list(velocity)
        self.finished = False
