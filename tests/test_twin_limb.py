"""TwinLimb: the Limb interface over the PyBullet twin, with servo-like limits."""

from __future__ import annotations

import numpy as np
import pytest

from core.msgs import JointCommand
from core.profile import load_profile
from robot.limbs.base import Limb
from robot.limbs.twin import TwinLimb
from sim.arm import Arm
from sim.world import World

SO101_JOINTS = 6
RATE = 240
SPEED_OVERSHOOT = 1.1


@pytest.fixture
def twin() -> TwinLimb:
    limb = TwinLimb.for_scene("tea", seed=0)
    yield limb
    limb.close()


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_is_a_limb_and_reads_the_profile_order(twin: TwinLimb) -> None:
    assert isinstance(twin, Limb)
    state = twin.read()
    assert len(state.position) == len(state.velocity) == len(state.effort) == SO101_JOINTS
    assert twin.joint_names == load_profile("so101").joint_names
    assert np.allclose(state.position, twin.arm.state()[0])


def test_write_moves_the_arm_by_physics(twin: TwinLimb) -> None:
    goal = (0.5, 0.3, -0.2, 0.1, 0.4, 0.6)
    twin.write(JointCommand(position=goal))
    twin.world.step(2 * RATE)
    assert np.allclose(twin.read().position, goal, atol=0.03)


def test_commands_are_clamped_to_joint_limits(twin: TwinLimb) -> None:
    twin.write(JointCommand(position=(10.0, -10.0, 0.0, 0.0, 0.0, 5.0)))
    upper = [j.upper for j in twin.profile.joints]
    lower = [j.lower for j in twin.profile.joints]
    target = twin.arm.target
    assert target[0] == pytest.approx(upper[0])
    assert target[1] == pytest.approx(lower[1])
    assert target[5] == pytest.approx(upper[5])


def test_velocity_and_effort_stay_within_servo_limits(twin: TwinLimb) -> None:
    twin.write(JointCommand(position=(1.5, 0.8, 0.0, 0.0, 2.0, 1.0)))
    v_max = np.array([j.max_velocity for j in twin.profile.joints])
    e_max = np.array([j.max_effort for j in twin.profile.joints])
    fastest = np.zeros(SO101_JOINTS)
    strongest = np.zeros(SO101_JOINTS)
    for _ in range(RATE):
        twin.world.step()
        state = twin.read()
        fastest = np.maximum(fastest, np.abs(state.velocity))
        strongest = np.maximum(strongest, np.abs(state.effort))
    assert fastest[0] > 0.5 * v_max[0], "the pan joint moved at speed"
    # The motors' speed target is capped at max_velocity; light joints overshoot it by a
    # few percent while they accelerate, as servos do.
    assert np.all(fastest <= v_max * SPEED_OVERSHOOT), fastest
    assert np.all(strongest <= e_max * 1.001), strongest


def test_read_latency_returns_an_old_state() -> None:
    latency_s = 0.05
    limb = TwinLimb.for_scene("tea", seed=0, read_latency_s=latency_s)
    try:
        history = []
        limb.world.add_step_hook(lambda: history.append(limb.arm.state()[0].copy()))
        limb.write(JointCommand(position=(1.0, 0.0, 0.0, 0.0, 0.0, 0.0)))
        limb.world.step(RATE // 6)  # mid-way: the arm is still moving
        delay = round(latency_s * RATE)
        read = np.array(limb.read().position)
        assert np.allclose(read, history[-1 - delay], atol=1e-9)
        assert not np.allclose(read, history[-1], atol=1e-3), "the arm was moving"
    finally:
        limb.close()


def test_noise_is_seeded_and_bounded() -> None:
    reads = []
    for _ in range(2):
        limb = TwinLimb.for_scene("tea", seed=0, position_noise_rad=0.01, seed_noise=7)
        try:
            reads.append(np.array(limb.read().position) - limb.arm.state()[0])
        finally:
            limb.close()
    assert np.allclose(reads[0], reads[1])
    assert np.any(np.abs(reads[0]) > 0)
    assert np.all(np.abs(reads[0]) < 0.1)


def test_clocked_read_advances_the_world() -> None:
    clock = FakeClock()
    limb = TwinLimb.for_scene("tea", seed=0, clock=clock)
    try:
        start = limb.world.sim_time_s
        clock.t += 0.1
        limb.read()
        assert limb.world.sim_time_s - start == pytest.approx(0.1, abs=1.0 / RATE)
    finally:
        limb.close()


def test_watchdog_holds_position_when_commands_stop() -> None:
    clock = FakeClock()
    limb = TwinLimb.for_scene("tea", seed=0, clock=clock, watchdog_timeout_s=0.2)
    try:
        limb.write(JointCommand(position=(1.5, 0.0, 0.0, 0.0, 0.0, 0.0)))
        clock.t += 0.1
        limb.read()
        assert limb.arm.target[0] == pytest.approx(1.5)
        clock.t += 0.2  # no command for 0.2 s: the watchdog fires on this read
        limb.read()
        held = limb.arm.target[0]
        assert 0.0 < held < 1.5, "held where it was, not at the stale goal"
        clock.t += 0.5
        state = limb.read()
        assert state.position[0] == pytest.approx(held, abs=0.05)
    finally:
        limb.close()


def test_disable_lets_the_arm_sag_and_enable_holds() -> None:
    limb = TwinLimb.for_scene("tea", seed=0)
    try:
        limb.write(JointCommand(position=(0.0, 0.6, 0.3, 0.0, 0.0, 0.0)))
        limb.world.step(RATE)
        before = np.array(limb.read().position)
        limb.disable()
        limb.world.step(RATE)
        sagged = np.array(limb.read().position)
        assert np.abs(sagged - before).max() > 0.05, "torque off: gravity moves the arm"
        limb.enable()
        limb.world.step(RATE // 2)
        here = np.array(limb.read().position)
        limb.world.step(RATE // 2)
        assert np.allclose(limb.read().position, here, atol=0.02)
    finally:
        limb.close()


def test_close_releases_the_world() -> None:
    limb = TwinLimb.for_scene("care", seed=1)
    world = limb.world
    limb.close()
    assert world.closed
    limb.close()  # twice is fine


def test_panda_profile_drives_the_same_way() -> None:
    """Arm-agnostic: the Panda from pybullet_data behind the same interface."""
    profile = load_profile("panda")
    with World() as world:
        arm = Arm(world, profile, (0.0, 0.0, 0.0))
        home = [0.0, -0.5, 0.0, -2.0, 0.0, 1.6, 0.8, 0.02]
        arm.reset_pose(home)
        limb = TwinLimb(arm)
        goal = (0.3, -0.3, 0.0, -1.8, 0.0, 1.6, 0.8, 0.035)
        limb.write(JointCommand(position=goal))
        world.step(2 * RATE)
        state = limb.read()
        assert len(state.position) == len(profile.joints)
        assert np.allclose(state.position, goal, atol=0.03)
        # The second finger mimics the first (URDF <mimic>).
        finger2 = arm.link_index["panda_rightfinger"]
        import pybullet as p

        assert p.getJointState(arm.body_id, finger2, physicsClientId=world.client)[
            0
        ] == pytest.approx(goal[-1], abs=0.005)
