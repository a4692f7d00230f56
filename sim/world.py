"""The World: one PyBullet client, its fixed-rate physics, and the bodies in it.

No global state: every call passes `physicsClientId`, so two worlds in one process do
not interfere. DIRECT (headless) by default, GUI on request. Physics steps at a fixed
rate (240 Hz unless told otherwise); `sim_time_s` counts simulated seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

import pybullet as p

from core.errors import RobotError

log = logging.getLogger(__name__)

PHYSICS_RATE_HZ = 240.0
GRAVITY_M_S2 = 9.81
SOLVER_ITERATIONS = 30
"""Enough for stable finger-friction grasps and resting particles; PyBullet's default
(50) costs more and changes nothing we measured."""


class SimError(RobotError):
    """The simulator could not start or a body is missing; the message says which."""


class World:
    """One physics client. Use as a context manager, or call `close()`.

    rate_hz: physics steps per simulated second.
    """

    def __init__(
        self,
        *,
        gui: bool = False,
        rate_hz: float = PHYSICS_RATE_HZ,
        solver_iterations: int = SOLVER_ITERATIONS,
    ) -> None:
        if rate_hz <= 0:
            raise SimError(f"physics rate must be > 0 Hz, got {rate_hz}")
        mode = p.GUI if gui else p.DIRECT
        self.client: int = p.connect(mode)
        if self.client < 0:
            raise SimError(
                "cannot start PyBullet"
                + (" GUI: is a display available? Run without --gui." if gui else ".")
            )
        self.gui = gui
        self.rate_hz = rate_hz
        self.time_step = 1.0 / rate_hz
        self.steps = 0
        self._step_hooks: list[Callable[[], None]] = []
        cid = self.client
        p.resetSimulation(physicsClientId=cid)
        p.setGravity(0.0, 0.0, -GRAVITY_M_S2, physicsClientId=cid)
        p.setPhysicsEngineParameter(
            fixedTimeStep=self.time_step,
            numSolverIterations=solver_iterations,
            numSubSteps=0,
            physicsClientId=cid,
        )
        if gui:
            p.configureDebugVisualizer(p.COV_ENABLE_GUI, 0, physicsClientId=cid)
            p.configureDebugVisualizer(p.COV_ENABLE_SHADOWS, 1, physicsClientId=cid)

    @property
    def sim_time_s(self) -> float:
        """Simulated time since the world started (s)."""
        return self.steps * self.time_step

    def step(self, n: int = 1) -> None:
        """Advance the physics by `n` fixed steps, calling the step hooks after each."""
        for _ in range(n):
            p.stepSimulation(physicsClientId=self.client)
            self.steps += 1
            for hook in self._step_hooks:
                hook()

    def add_step_hook(self, hook: Callable[[], None]) -> None:
        """Call `hook()` after every physics step (e.g. to record a delayed state)."""
        self._step_hooks.append(hook)

    def remove_step_hook(self, hook: Callable[[], None]) -> None:
        self._step_hooks.remove(hook)

    def step_until(self, sim_time_s: float) -> int:
        """Step until `sim_time_s` is reached (not passed); returns the steps taken."""
        n = int((sim_time_s - self.sim_time_s) / self.time_step + 1e-9)
        if n > 0:
            self.step(n)
        return max(n, 0)

    def close(self) -> None:
        if self.client >= 0:
            p.disconnect(physicsClientId=self.client)
            self.client = -1

    def connected(self) -> bool:
        """False once the GUI window was closed (or the world closed)."""
        if self.client < 0:
            return False
        return bool(p.getConnectionInfo(physicsClientId=self.client)["isConnected"])

    @property
    def closed(self) -> bool:
        return self.client < 0

    def __enter__(self) -> World:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
