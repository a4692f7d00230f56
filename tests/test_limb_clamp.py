"""Limb.clamp: every command is held inside the joint limits, as min(max(p, lo), hi)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.msgs import JointCommand, JointState
from core.profile import JointSpec, Profile, RobotInfo
from robot.limbs.base import Limb

LOWER = (-2.8, -1.0, 0.0, -math.inf, -0.5)
UPPER = (2.8, 1.5, 0.04, math.inf, -0.1)
"""Joint limits (rad, m for the gripper slide): symmetric, lopsided, a gripper's
small range, an unlimited (continuous) joint, a range below zero."""


class RecordingLimb(Limb):
    """A limb that keeps what its `write` would send: the clamped command."""

    def __init__(self, profile: Profile) -> None:
        super().__init__(profile)
        self.sent: tuple[float, ...] = ()

    def read(self) -> JointState:
        return JointState(stamp_ns=0, position=self.sent, velocity=(0.0,) * len(self.sent))

    def write(self, command: JointCommand) -> None:
        self.sent = self.clamp(command.position)

    def enable(self) -> None:
        pass

    def disable(self) -> None:
        pass

    def close(self) -> None:
        pass


def make_limb() -> RecordingLimb:
    joints = tuple(
        JointSpec(
            name=f"j{i}",
            lower=lo,
            upper=hi,
            max_velocity=1.0,
            max_acceleration=1.0,
            max_effort=1.0,
        )
        for i, (lo, hi) in enumerate(zip(LOWER, UPPER, strict=True))
    )
    return RecordingLimb(Profile(robot=RobotInfo(name="clamp_test", urdf=""), joints=joints))


def reference_clamp(position: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(min(max(p, lo), hi) for p, lo, hi in zip(position, LOWER, UPPER, strict=True))


def same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Equal element by element, NaN equal to NaN and the sign of zero kept."""
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))
        for x, y in zip(a, b, strict=True)
    )


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([*LOWER, *UPPER, 0.0, -0.0]),
)


@given(st.lists(values, min_size=len(LOWER), max_size=len(LOWER)).map(tuple))
def test_clamp_is_min_of_max_for_any_command(position: tuple[float, ...]) -> None:
    limb = make_limb()
    limb.write(JointCommand(stamp_ns=0, position=position))
    assert same(limb.sent, reference_clamp(position))
    for p, lo, hi in zip(limb.sent, LOWER, UPPER, strict=True):
        assert math.isnan(p) or lo <= p <= hi


def test_clamp_holds_commands_far_past_every_limit() -> None:
    limb = make_limb()
    rng = np.random.default_rng(0)
    for _ in range(200):
        position = tuple(rng.uniform(-10.0, 10.0, len(LOWER)).tolist())
        limb.write(JointCommand(stamp_ns=0, position=position))
        assert limb.sent == reference_clamp(position)
    far = (1e9, -1e9, 1e9, -1e9, 1e9)
    limb.write(JointCommand(stamp_ns=0, position=far))
    assert limb.sent == (2.8, -1.0, 0.04, -1e9, -0.1)


def test_a_command_for_another_arm_is_refused() -> None:
    limb = make_limb()
    with pytest.raises(ValueError, match="clamp_test"):
        limb.clamp((0.0,) * (len(LOWER) + 1))
