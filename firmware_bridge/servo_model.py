"""What moves behind an emulated servo: the `ServoModel` interface and a kinematic default.

The virtual bus keeps each servo's registers (the firmware's part) and asks a
`ServoModel` for the physics: goal in, present position / velocity / load out, stepped
by wall time. Positions here are encoder ticks of the motor itself, before the servo's
homing offset is applied (the firmware applies it). A model for the PyBullet twin
implements the same two methods and is plugged in through a `ModelFactory`:

    def twin_factory(servo_id: int, table: ControlTable) -> ServoModel: ...
    emulate(..., model_factory=twin_factory)
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import NamedTuple

from firmware_bridge.control_tables import ControlTable


class ServoSample(NamedTuple):
    """The state of one servo at a time.

    position: encoder ticks (motor frame, no homing offset); velocity: ticks/s;
    load: signed fraction of the maximum torque, -1..1.
    """

    position: float
    velocity: float
    load: float


class ServoModel(ABC):
    """The physics of one servo. Called by the virtual bus's thread only."""

    @abstractmethod
    def command(
        self,
        now_s: float,
        torque_enabled: bool,
        goal: float,
        max_velocity: float,
        max_acceleration: float,
    ) -> None:
        """New targets at wall time `now_s` (s, `time.monotonic()`).

        goal: ticks (motor frame); max_velocity: ticks/s (> 0); max_acceleration:
        ticks/s^2 (math.inf for none). With torque off the servo is limp.
        """

    @abstractmethod
    def sample(self, now_s: float) -> ServoSample:
        """Advance to wall time `now_s` and return the state then."""


ModelFactory = Callable[[int, ControlTable], ServoModel]
"""Builds the model for (servo ID at start-up, control table)."""


class KinematicServo(ServoModel):
    """Moves toward the goal at the profile velocity, with the profile acceleration.

    A trapezoidal velocity profile, re-planned on every step: accelerate toward
    max_velocity, brake so as to stop on the goal. Load is 0 (no gravity, no contact).
    """

    def __init__(self, position: float, now_s: float = 0.0) -> None:
        self._position = float(position)
        self._velocity = 0.0
        self._goal = float(position)
        self._torque = False
        self._max_velocity = 1.0
        self._max_acceleration = math.inf
        self._time = now_s
        self._lock = threading.Lock()

    def command(
        self,
        now_s: float,
        torque_enabled: bool,
        goal: float,
        max_velocity: float,
        max_acceleration: float,
    ) -> None:
        with self._lock:
            self._advance(now_s)
            self._torque = torque_enabled
            self._goal = float(goal)
            self._max_velocity = max(float(max_velocity), 1e-9)
            self._max_acceleration = max_acceleration if max_acceleration > 0 else math.inf

    def sample(self, now_s: float) -> ServoSample:
        with self._lock:
            self._advance(now_s)
            return ServoSample(self._position, self._velocity, 0.0)

    def _advance(self, now_s: float) -> None:
        dt = now_s - self._time
        if dt <= 0:
            return
        self._time = now_s
        if not self._torque:
            self._velocity = 0.0
            return
        error = self._goal - self._position
        if self._max_acceleration == math.inf:
            step = math.copysign(min(abs(error), self._max_velocity * dt), error)
            self._position += step
            self._velocity = step / dt if abs(step) < abs(error) else 0.0
            return
        # Trapezoid: the speed we may have now so as to still stop on the goal.
        accel = self._max_acceleration
        stop_speed = math.sqrt(2.0 * accel * abs(error))
        target_speed = math.copysign(min(self._max_velocity, stop_speed), error)
        dv = target_speed - self._velocity
        self._velocity += math.copysign(min(abs(dv), accel * dt), dv)
        step = self._velocity * dt
        if abs(step) >= abs(error):
            self._position, self._velocity = self._goal, 0.0
        else:
            self._position += step


def kinematic_factory(start_position: float | None = None) -> ModelFactory:
    """A factory of `KinematicServo`s starting at `start_position` ticks (default: mid-range)."""

    def build(servo_id: int, table: ControlTable) -> ServoModel:
        position = table.resolution / 2 if start_position is None else start_position
        return KinematicServo(position)

    return build
