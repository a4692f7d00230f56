"""A limb that is exactly where it was last told to be: no physics, no delay.

For measuring what the cerebellum's tick itself costs (benchmarks) and for testing
the loop's logic without a simulator. `stale_after` lets a test freeze the
`JointState` stamps to provoke the watchdog.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.msgs import JointCommand, JointState
from core.profile import Profile
from robot.limbs.base import Limb


class EchoLimb(Limb):
    """Reads back the last command (clamped), stamped by `clock` (ns)."""

    def __init__(
        self,
        profile: Profile,
        start: tuple[float, ...] | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        super().__init__(profile)
        self.clock = clock
        self.position: tuple[float, ...] = start or tuple(0.0 for _ in profile.joints)
        self.velocity: tuple[float, ...] = tuple(0.0 for _ in profile.joints)
        self.enabled = False
        self.frozen_stamp_ns: int | None = None
        """When set, every reading carries this stamp: a stuck sensor, for the watchdog."""
        self.writes = 0

    def read(self) -> JointState:
        stamp = self.clock() if self.frozen_stamp_ns is None else self.frozen_stamp_ns
        return JointState(stamp_ns=stamp, position=self.position, velocity=self.velocity)

    def write(self, command: JointCommand) -> None:
        self.position = self.clamp(command.position)
        self.velocity = command.velocity or self.velocity
        self.writes += 1

    def enable(self) -> None:
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False

    def close(self) -> None:
        """Nothing to release; torque stays as it is (the `Limb` contract)."""
