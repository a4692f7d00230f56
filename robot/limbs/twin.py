"""The PyBullet twin as a Limb: the same interface as the serial servos, over `sim/`.

Servo-like: each joint is position-controlled with the profile's max effort (N*m) and
max velocity (rad/s); commands are clamped to the joint limits. Optional read latency
(the state returned is `read_latency_s` old, as a bus read would be) and Gaussian
position noise (rad, seeded). A `CommandWatchdog` makes the arm hold where it is when
commands stop arriving.

Who steps the physics: with `clock` (a function returning seconds, e.g.
`time.monotonic`), every `read()` first advances the world to the clock's time, so a
control loop at any rate drives a real-time twin. Without it the owner of the world
calls `world.step()` (tests, benchmarks, faster-than-real-time runs).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

import numpy as np

from core.msgs import JointCommand, JointState
from robot.limbs.base import CommandWatchdog, Limb
from sim.arm import Arm
from sim.scene import Scene
from sim.world import World

log = logging.getLogger(__name__)

WATCHDOG_TIMEOUT_S = 0.5
MAX_CATCH_UP_S = 0.25
"""A clocked read never steps more than this much simulated time at once: after a long
pause the twin falls behind the clock instead of freezing the caller."""


class TwinLimb(Limb):
    """The arm of a sim `World` behind the Limb interface.

    read_latency_s: age of the state `read()` returns (s, whole physics steps).
    position_noise_rad: standard deviation of the noise added to read positions
    (seeded by `seed_noise`).
    own_world: close the world in `close()`.
    """

    def __init__(
        self,
        arm: Arm,
        *,
        clock: Callable[[], float] | None = None,
        read_latency_s: float = 0.0,
        position_noise_rad: float = 0.0,
        seed_noise: int = 0,
        watchdog_timeout_s: float = WATCHDOG_TIMEOUT_S,
        own_world: bool = False,
    ) -> None:
        super().__init__(arm.profile)
        self.arm = arm
        self.world: World = arm.world
        self._clock = clock
        self._clock_origin = clock() - self.world.sim_time_s if clock is not None else 0.0
        self._noise = position_noise_rad
        self._rng = np.random.default_rng(seed_noise)
        self._delay_steps = round(read_latency_s * self.world.rate_hz)
        self._history: deque[tuple[np.ndarray, np.ndarray, np.ndarray]] = deque(
            maxlen=self._delay_steps + 1
        )
        if self._delay_steps:
            self.world.add_step_hook(self._record)
            self._record()
        self.watchdog = CommandWatchdog(watchdog_timeout_s)
        self._holding = False
        self._own_world = own_world
        self.enabled = True
        self.scene: Scene | None = None
        """The scene, when the twin was made by `for_scene`."""

    @classmethod
    def for_scene(
        cls,
        scene: str,
        profile: str = "so101",
        *,
        seed: int = 0,
        gui: bool = False,
        **options: object,
    ) -> TwinLimb:
        """A twin in its own new world with scene `scene` built from `seed`; the world is
        closed with the limb. The scene (ground truth, `WorldState`) is `limb.scene`."""
        from sim.scenes import build_scene

        world = World(gui=gui)
        try:
            built = build_scene(world, scene, seed=seed, profile=profile)
        except Exception:
            world.close()
            raise
        limb = cls(built.arm, own_world=True, **options)  # type: ignore[arg-type]
        limb.scene = built
        return limb

    def _record(self) -> None:
        self._history.append(self.arm.state())

    def _now(self) -> float:
        if self._clock is None:
            return self.world.sim_time_s
        return self._clock()

    def read(self) -> JointState:
        if self._clock is not None:
            target = self._clock() - self._clock_origin
            self.world.step_until(min(target, self.world.sim_time_s + MAX_CATCH_UP_S))
        if self.enabled and not self._holding and self.watchdog.expired(self._now()):
            log.warning(
                "twin %s: no command for %.2f s, holding position",
                self.profile.robot.name,
                self.watchdog.timeout_s,
            )
            self.arm.command(self.arm.state()[0])
            self._holding = True
        pos, vel, eff = self._history[0] if self._delay_steps else self.arm.state()
        if self._noise > 0:
            pos = pos + self._rng.normal(0.0, self._noise, size=pos.shape)
        return JointState(
            position=tuple(pos.tolist()), velocity=tuple(vel.tolist()), effort=tuple(eff.tolist())
        )

    def write(self, command: JointCommand) -> None:
        target = self.clamp(command.position)
        self.watchdog.feed(self._now())
        self._holding = False
        if self.enabled:
            self.arm.command(np.asarray(target))

    def enable(self) -> None:
        """Torque on, holding the current position."""
        self.enabled = True
        self.arm.command(self.arm.state()[0])

    def disable(self) -> None:
        """Torque off: the arm goes limp under gravity, like servos with torque disabled."""
        self.enabled = False
        self.arm.relax()

    def close(self) -> None:
        """Release the world (closed with the limb if it owns it); torque stays as it
        is, as on the serial limb."""
        if self.world.closed:
            return
        if self._delay_steps:
            self.world.remove_step_hook(self._record)
        if self._own_world:
            self.world.close()
