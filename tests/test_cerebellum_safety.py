"""The safety supervisor: for any targets and faults, no command breaks a limit."""

from __future__ import annotations

import math

import numpy as np
from cerebellum_fixtures import limits, serial_arm_urdf
from hypothesis import given, settings
from hypothesis import strategies as st

from robot.cerebellum.geometry import ArmGeometry, point_segment_distance, segment_distance
from robot.cerebellum.kinematics import Chain
from robot.cerebellum.safety import (
    COLLABORATIVE_REACH_M,
    SafetyConfig,
    SafetySupervisor,
    braking_speed,
    collaborative_fraction,
)

DT = 0.001
N = 3
LIMITS = limits(N, velocity=2.0, acceleration=10.0)
FENCE = ((-0.16, -0.16, 0.06), (0.16, 0.16, 0.26))
TOLERANCE = 1e-9
FENCE_TOLERANCE_M = 0.005
"""The stop pose is checked, not the path to it: allow 5 mm of curvature in between."""


def make_geometry() -> ArmGeometry:
    chain = Chain.from_urdf(serial_arm_urdf(N), "tool")
    return ArmGeometry(chain, tuple(range(N)), fence=FENCE, fence_from=1, link_radius_m=0.01)


def make_supervisor(geometry: bool = True) -> SafetySupervisor:
    sup = SafetySupervisor(LIMITS, DT, SafetyConfig(), make_geometry() if geometry else None)
    sup.reset([0.0] * N)
    return sup


targets = st.lists(
    st.one_of(
        st.floats(-4.0, 4.0),
        st.sampled_from([math.nan, math.inf, -math.inf, 1e9, -1e9]),
    ),
    min_size=N,
    max_size=N,
)
hands = st.one_of(
    st.none(),
    st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3), st.floats(0.0, 0.4)),
)
actions = st.one_of(
    st.tuples(st.just("target"), targets, st.integers(1, 80)),
    st.tuples(st.just("estop"), st.booleans(), st.integers(1, 30)),
    # A stop that settles a joint to a value (any value, wild ones too).
    st.tuples(
        st.just("settle"),
        st.tuples(st.integers(0, N - 1), st.one_of(st.floats(-4.0, 4.0), st.just(math.nan))),
        st.integers(1, 400),
    ),
    st.tuples(st.just("age"), st.floats(0.0, 0.2), st.integers(1, 30)),
    st.tuples(st.just("hand"), hands, st.integers(1, 30)),
)


def check_step(
    prev_p: list[float], prev_v: list[float], p: list[float], v: list[float], estop_edge: bool
) -> None:
    for i in range(N):
        assert LIMITS.lower[i] - TOLERANCE <= p[i] <= LIMITS.upper[i] + TOLERANCE, (i, p[i])
        assert abs(v[i]) <= LIMITS.max_velocity[i] + TOLERANCE, (i, v[i])
        if not estop_edge:
            dv = abs(v[i] - prev_v[i])
            assert dv <= LIMITS.max_acceleration[i] * DT + 1e-9, (i, dv)
        assert abs(p[i] - (prev_p[i] + v[i] * DT)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(actions, min_size=1, max_size=25))
def test_no_command_breaks_a_limit(script: list[tuple]) -> None:
    sup = make_supervisor()
    geometry = sup.geometry
    assert geometry is not None
    target = [0.0] * N
    settling: tuple = ()
    prev_p, prev_v = list(sup.position), list(sup.velocity)
    for kind, value, ticks in script:
        for _ in range(ticks):
            was_engaged = sup.estop_engaged
            if kind == "target":
                target = value
            elif kind == "estop":
                sup.engage_estop() if value else sup.reset_estop()
            elif kind == "settle":
                sup.engage_estop("test", settle=(value,))
            elif kind == "age":
                sup.observe_state(value)
            elif kind == "hand":
                sup.set_hand(value)
            p, v = sup.filter(target)
            check_step(prev_p, prev_v, p, v, sup.estop_engaged and not was_engaged)
            assert geometry.fence_depth(geometry.points(p)) <= FENCE_TOLERANCE_M
            if sup.estop_engaged and not was_engaged:
                assert p == prev_p and all(x == 0.0 for x in v)  # held within one tick
            elif sup.estop_engaged:
                moved = [i for i in range(N) if p[i] != prev_p[i]]
                assert set(moved) <= {i for i, _ in settling}  # only what settles moves
            if sup.estop_engaged and not was_engaged:
                settling = (value,) if kind == "settle" else ()
            prev_p, prev_v = list(p), list(v)


@settings(max_examples=40, deadline=None)
@given(st.lists(targets, min_size=1, max_size=10), st.integers(1, 200))
def test_joint_limits_alone_hold_for_wild_targets(seq: list[list[float]], ticks: int) -> None:
    sup = make_supervisor(geometry=False)
    prev_p, prev_v = list(sup.position), list(sup.velocity)
    for target in seq:
        for _ in range(ticks):
            p, v = sup.filter(target)
            check_step(prev_p, prev_v, p, v, False)
            prev_p, prev_v = list(p), list(v)


def run(sup: SafetySupervisor, target: list[float], ticks: int) -> None:
    for _ in range(ticks):
        sup.filter(target)


def test_a_feasible_motion_passes_unchanged() -> None:
    sup = make_supervisor(geometry=False)
    # 1 Hz, 0.2 rad: peaks of 1.3 rad/s and 7.9 rad/s^2, inside 2 rad/s and 10 rad/s^2.
    amplitude, omega = 0.2, 2.0 * math.pi
    for k in range(1, 2000):
        t = k * DT
        wanted = [amplitude * (1.0 - math.cos(omega * t))] * N
        p, _ = sup.filter(wanted)
        assert p == wanted


def test_estop_holds_within_one_tick_and_latches_until_reset() -> None:
    sup = make_supervisor(geometry=False)
    run(sup, [2.0, 0.0, 0.0], 100)
    assert sup.velocity[0] > 0.5
    sup.engage_estop("test")
    held = list(sup.position)
    p, v = sup.filter([2.0, 0.0, 0.0])
    assert p == held and v == [0.0] * N
    run(sup, [2.0, 0.0, 0.0], 100)
    assert sup.position == held
    assert [e.kind for e in sup.events] == ["estop"]
    sup.reset_estop()
    run(sup, [2.0, 0.0, 0.0], 50)
    assert sup.position[0] > held[0]


def test_stale_joint_state_brakes_to_a_hold_and_raises_watchdog() -> None:
    sup = make_supervisor(geometry=False)
    run(sup, [2.0, 0.0, 0.0], 150)
    sup.observe_state(0.2)
    run(sup, [2.0, 0.0, 0.0], 400)
    assert sup.velocity == [0.0] * N
    assert sup.events[-1].kind == "watchdog" and sup.events[-1].severity == "stop"
    held = sup.position[0]
    sup.observe_state(0.0)
    run(sup, [2.0, 0.0, 0.0], 50)
    assert sup.position[0] > held


def test_workspace_fence_stops_the_arm_before_it_leaves() -> None:
    sup = make_supervisor()
    geometry = sup.geometry
    assert geometry is not None
    run(sup, [0.0, 2.5, 0.0], 3000)  # leaning far over: the tool would leave the fence
    assert geometry.fence_depth(geometry.points(sup.position)) <= FENCE_TOLERANCE_M
    assert sup.position[1] < 2.0
    assert any(e.kind == "workspace" for e in sup.events)
    stopped_at = sup.position[1]
    run(sup, [0.0, 0.0, 0.0], 300)  # back inside: released
    assert sup.position[1] < stopped_at - 0.3
    assert not sup.geometry_blocked


def test_hand_near_slows_then_stops_then_resumes() -> None:
    sup = make_supervisor()
    target = [0.0, 0.6, 0.0]
    sup.set_hand((0.2, 0.0, 0.30))
    run(sup, target, 20)
    assert sup.separation == "slow"
    run(sup, target, 300)
    # 0.25 m/s at 0.45 m from a 2 rad/s joint: 28 % of every joint's top speed.
    fraction = collaborative_fraction(
        SafetyConfig().collaborative_speed_m_s, 2.0, COLLABORATIVE_REACH_M
    )
    assert 0.2 < fraction < 0.3
    assert max(abs(v) for v in sup.velocity) <= 2.0 * fraction + 1e-9
    sup.set_hand((0.0, 0.0, 0.26))  # right above the tool: inside the protective distance
    run(sup, target, 300)
    assert sup.separation == "stop" and sup.velocity == [0.0] * N
    paused = list(sup.position)
    sup.set_hand(None)
    run(sup, target, 2000)
    assert sup.separation == "clear"
    assert sup.position[1] > paused[1]
    kinds = [e.kind for e in sup.events]
    assert kinds[:3] == ["separation_slow", "separation_stop", "separation_clear"]


def test_braking_speed_stops_within_the_distance() -> None:
    for distance in (0.0, 1e-4, 0.01, 0.5):
        v = braking_speed(distance, 10.0, DT)
        travelled = v * DT
        while v > 0:  # brake tick by tick
            v = max(0.0, v - 10.0 * DT)
            travelled += v * DT
        assert travelled <= distance + 1e-12


def test_segment_distances_match_dense_sampling() -> None:
    rng = np.random.default_rng(3)
    p1, q1, p2, q2 = (rng.uniform(-1, 1, (200, 3)) for _ in range(4))
    q2[:10] = p2[:10]  # some degenerate segments (points)
    q1[10:20] = p1[10:20]
    exact = np.array([segment_distance(*ends) for ends in zip(p1, q1, p2, q2, strict=True)])
    s = np.linspace(0.0, 1.0, 201)
    a = p1[:, None, :] + s[None, :, None] * (q1 - p1)[:, None, :]
    b = p2[:, None, :] + s[None, :, None] * (q2 - p2)[:, None, :]
    sampled = np.linalg.norm(a[:, :, None, :] - b[:, None, :, :], axis=-1).min(axis=(1, 2))
    assert np.all(exact <= sampled + 1e-12)
    assert np.all(sampled - exact < 0.02)
    point = np.array([0.1, 0.2, 0.3])
    d = np.array([point_segment_distance(a, b, *point) for a, b in zip(p1, q1, strict=True)])
    dense = np.linalg.norm(a - point, axis=-1).min(axis=1)
    assert np.all(d <= dense + 1e-12) and np.all(dense - d < 0.01)
