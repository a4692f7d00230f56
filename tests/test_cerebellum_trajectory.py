"""Ruckig trajectories: jerk-limited, within limits, re-targetable mid-motion, and the
Cartesian segments' straight lines."""

from __future__ import annotations

import numpy as np

from core.profile import load_profile
from robot.cerebellum.cartesian import line_points, solve_segment
from robot.cerebellum.kinematics import Chain
from robot.cerebellum.trajectory import JointTrajectory

DT = 0.001
VMAX, AMAX = 2.0, 10.0
N = 3


def make(n: int = N) -> JointTrajectory:
    traj = JointTrajectory(DT, [VMAX] * n, [AMAX] * n, [-3.0] * n, [3.0] * n)
    traj.reset([0.0] * n)
    return traj


def run(traj: JointTrajectory, ticks: int) -> np.ndarray:
    """Positions over `ticks` ticks, (ticks + 1, n), starting with the current one."""
    out = [list(traj.position)]
    for _ in range(ticks):
        out.append(list(traj.update()))
    return np.array(out)


def check_limits(path: np.ndarray) -> None:
    v = np.diff(path, axis=0) / DT
    a = np.diff(v, axis=0) / DT
    assert np.max(np.abs(v)) <= VMAX * 1.001
    assert np.max(np.abs(a)) <= AMAX * 1.01


def test_reaches_the_target_and_stays_within_limits() -> None:
    traj = make()
    traj.set_target([1.0, -0.5, 0.2])
    path = run(traj, 3000)
    assert traj.finished
    assert np.allclose(path[-1], [1.0, -0.5, 0.2], atol=1e-9)
    check_limits(path)


def test_a_goal_changed_mid_motion_is_followed_smoothly_not_restarted() -> None:
    traj = make()
    traj.set_target([1.0, 1.0, 1.0])
    first = run(traj, 300)
    moving = np.array(traj.velocity)
    assert np.all(moving > 0.5)
    traj.set_target([-0.5, 1.5, 0.0])
    second = run(traj, 3000)
    path = np.vstack((first, second[1:]))
    check_limits(path)  # no jump in velocity or acceleration at the switch
    assert np.allclose(path[-1], [-0.5, 1.5, 0.0], atol=1e-9)


def test_speed_scale_slows_the_motion() -> None:
    fast, slow = make(), make()
    slow.set_speed_scale(0.25)
    for traj in (fast, slow):
        traj.set_target([1.0, 0.0, 0.0])
    fast_path, slow_path = run(fast, 4000), run(slow, 4000)
    assert np.max(np.abs(np.diff(slow_path[:, 0]))) / DT <= 0.25 * VMAX * 1.001
    first_arrival = lambda path: int(np.argmax(np.abs(path[:, 0] - 1.0) < 1e-6))  # noqa: E731
    assert first_arrival(slow_path) > 2 * first_arrival(fast_path)


def test_follow_continues_from_what_was_really_commanded() -> None:
    traj = make()
    traj.set_target([1.0, 0.0, 0.0])
    run(traj, 200)
    held = [0.1, 0.0, 0.0]
    traj.follow(held, [0.0] * N, [0.0] * N)
    path = run(traj, 3000)
    assert np.allclose(path[0], held)
    assert abs(path[1][0] - held[0]) < VMAX * DT  # no jump back to the plan
    check_limits(path)
    assert np.allclose(path[-1], [1.0, 0.0, 0.0], atol=1e-9)


def test_cartesian_segment_stays_on_the_line() -> None:
    profile = load_profile("so101")
    chain = Chain.from_urdf(profile.urdf_path, "gripper_frame")
    forward = (1.0, 0.0, 0.0)
    start, end = np.array([0.26, 0.0, 0.06]), np.array([0.33, 0.0, 0.06])
    seed = chain.solve_ik(start, np.zeros(chain.dof), tool_axis=forward, direction=forward)
    segment = solve_segment(
        chain, seed, start, end, tool_axis=forward, direction=forward, what="cup"
    )
    points = line_points(start, end)
    assert len(segment.waypoints) == len(points)
    for q, point in zip(segment.waypoints, points, strict=True):
        assert np.linalg.norm(chain.fk(q)[:3, 3] - point) < 1e-3
    steps = np.diff(np.array(segment.waypoints), axis=0)
    assert np.max(np.abs(steps)) < 0.1  # neighbours close: one branch, no flips
    assert segment.index_at(0.0) == 0 and segment.index_at(1.0) == len(points) - 1
