"""Kinematics: FK against PyBullet's own, the Jacobian against finite differences, IK."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pybullet as p
import pytest
from cerebellum_fixtures import TILTED_ARM_URDF, angle_between

from core.errors import ConfigError
from core.profile import load_profile
from robot.cerebellum.kinematics import Chain, OutOfReach
from robot.cerebellum.synthetic import serial_arm_urdf

SO101 = load_profile("so101")
FK_TOLERANCE_M = 1e-6
RANDOM_CONFIGURATIONS = 100


def pybullet_tip_positions(urdf: Path, tip: str, chain: Chain, configs: np.ndarray) -> np.ndarray:
    """PyBullet's world position of `tip`'s URDF frame for each configuration."""
    client = p.connect(p.DIRECT)
    try:
        body = p.loadURDF(str(urdf), useFixedBase=True, physicsClientId=client)
        joints, links = {}, {}
        for j in range(p.getNumJoints(body, physicsClientId=client)):
            info = p.getJointInfo(body, j, physicsClientId=client)
            joints[info[1].decode()] = j
            links[info[12].decode()] = j
        out = []
        for q in configs:
            for name, value in zip(chain.joint_names, q, strict=True):
                p.resetJointState(body, joints[name], float(value), physicsClientId=client)
            state = p.getLinkState(
                body, links[tip], computeForwardKinematics=True, physicsClientId=client
            )
            out.append(state[4])  # worldLinkFramePosition: the URDF link frame
        return np.array(out)
    finally:
        p.disconnect(client)


def random_configs(chain: Chain, count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(chain.lower, chain.upper, (count, chain.dof))


@pytest.mark.parametrize("tip", ["gripper_frame", "wrist_link"])
def test_so101_fk_matches_pybullet(tip: str) -> None:
    chain = Chain.from_urdf(SO101.urdf_path, tip)
    configs = random_configs(chain, RANDOM_CONFIGURATIONS)
    ours = np.array([chain.fk(q)[:3, 3] for q in configs])
    theirs = pybullet_tip_positions(SO101.urdf_path, tip, chain, configs)
    assert np.max(np.abs(ours - theirs)) <= FK_TOLERANCE_M


def test_tilted_axes_rotated_origins_fixed_and_prismatic_joints_match_pybullet(
    tmp_path: Path,
) -> None:
    urdf = tmp_path / "tilted.urdf"
    urdf.write_text(TILTED_ARM_URDF)
    chain = Chain.from_urdf(urdf, "tool")
    assert chain.joint_names == ("j1", "j2", "j3", "j4")
    configs = random_configs(chain, RANDOM_CONFIGURATIONS, seed=1)
    ours = np.array([chain.fk(q)[:3, 3] for q in configs])
    theirs = pybullet_tip_positions(urdf, "tool", chain, configs)
    assert np.max(np.abs(ours - theirs)) <= FK_TOLERANCE_M


def test_frames_in_a_base_frame_are_the_base_times_the_frames() -> None:
    chain = Chain.from_urdf(serial_arm_urdf(7), "tool")
    q = random_configs(chain, 1, seed=2)[0]
    base = np.eye(4)
    base[:3, :3] = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    base[:3, 3] = (0.1, -0.2, 0.75)
    plain = chain.frames(q).copy()
    placed = chain.frames(q, base)
    assert np.allclose(placed, base @ plain, atol=1e-12)


@pytest.mark.parametrize("urdf_text", [serial_arm_urdf(6), TILTED_ARM_URDF])
def test_jacobian_matches_finite_differences(urdf_text: str) -> None:
    chain = Chain.from_urdf(urdf_text, "tool")
    q = random_configs(chain, 1, seed=3)[0] * 0.8
    jac = chain.jacobian(q)
    eps = 1e-6
    for k in range(chain.dof):
        dq = np.zeros(chain.dof)
        dq[k] = eps
        plus, minus = chain.fk(q + dq), chain.fk(q - dq)
        linear = (plus[:3, 3] - minus[:3, 3]) / (2 * eps)
        assert np.allclose(jac[:3, k], linear, atol=1e-6)
        # Angular: R' R^T is the skew matrix of the angular velocity.
        skew = (plus[:3, :3] - minus[:3, :3]) / (2 * eps) @ chain.fk(q)[:3, :3].T
        angular = np.array([skew[2, 1], skew[0, 2], skew[1, 0]])
        assert np.allclose(jac[3:, k], angular, atol=1e-6)


def test_ik_reaches_reachable_positions_within_limits() -> None:
    chain = Chain.from_urdf(SO101.urdf_path, "gripper_frame")
    for q_true in random_configs(chain, 10, seed=4):
        target = chain.fk(q_true)[:3, 3]
        q = chain.solve_ik(target, np.zeros(chain.dof))
        assert np.linalg.norm(chain.fk(q)[:3, 3] - target) < 1e-3
        assert np.all(q >= chain.lower - 1e-12) and np.all(q <= chain.upper + 1e-12)


def test_ik_aligns_the_approach_axis_and_leaves_roll_free() -> None:
    chain = Chain.from_urdf(SO101.urdf_path, "gripper_frame")
    down = np.array([0.0, 0.0, -1.0])
    q = chain.solve_ik(
        (0.18, 0.05, 0.05), np.zeros(chain.dof), tool_axis=(1.0, 0.0, 0.0), direction=tuple(down)
    )
    tip = chain.fk(q)
    assert np.linalg.norm(tip[:3, 3] - (0.18, 0.05, 0.05)) < 1e-3
    assert angle_between(tip[:3, 0], down) < 0.02


def test_out_of_reach_names_the_target_and_how_far() -> None:
    chain = Chain.from_urdf(SO101.urdf_path, "gripper_frame")
    with pytest.raises(OutOfReach, match="cup_red out of reach") as err:
        chain.solve_ik((0.9, 0.0, 0.1), np.zeros(chain.dof), what="cup_red", restarts=2)
    assert err.value.residual_m > 0.3


def test_ik_respects_limits_even_when_the_free_solution_would_break_them() -> None:
    chain = Chain.from_urdf(serial_arm_urdf(3), "tool")
    tight = chain.with_limits(np.full(3, -0.3), np.full(3, 0.3))
    with pytest.raises(OutOfReach):
        tight.solve_ik((0.15, 0.0, 0.1), np.zeros(3), restarts=3)  # needs > 0.3 rad bends


@pytest.mark.parametrize("joints", [2, 4])
def test_joint_values_of_the_wrong_length_are_refused_not_misread(joints: int) -> None:
    chain = Chain.from_urdf(serial_arm_urdf(3), "tool")
    frames_before = chain.frames(np.full(3, 0.3)).copy()
    with pytest.raises(ValueError, match=rf"has 3 joints .* shape \({joints},\)"):
        chain.fk(np.zeros(joints))
    assert np.array_equal(chain.frames(np.full(3, 0.3)), frames_before)


def test_points_refuses_buffers_of_the_wrong_shape() -> None:
    chain = Chain.from_urdf(serial_arm_urdf(3), "tool")
    with pytest.raises(ValueError, match=r"points \(5, 3\)"):
        chain.points(np.zeros(3), np.eye(4), np.empty((4, 3)))
    with pytest.raises(ValueError, match=r"base must be \(4, 4\)"):
        chain.points(np.zeros(3), np.eye(3), np.empty((5, 3)))
    out = np.empty((5, 3))
    assert chain.points(np.zeros(3), np.eye(4), out) is out


def test_bad_urdfs_give_config_errors_naming_the_problem() -> None:
    with pytest.raises(ConfigError, match="no link 'nope'"):
        Chain.from_urdf(serial_arm_urdf(2), "nope")
    with pytest.raises(ConfigError, match="not valid XML"):
        Chain.from_urdf("<robot><link", "tool")
    with pytest.raises(ConfigError, match="cannot read URDF"):
        Chain.from_urdf("/nonexistent/arm.urdf", "tool")
