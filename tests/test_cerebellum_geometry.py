"""ArmGeometry's per-tick checks give what the plain formulas give, on any configuration.

The checks run every tick, so `ArmGeometry` computes them in compiled loops over
preallocated buffers, with a bounding-sphere broad phase for self-collision and a
cheap bound for a far hand. Here each check is compared with a straightforward
reference (the chain's frames, loops over points, the exact segment distance over
every link pair, the point-segment distance over every link; the distance formulas
themselves are checked against dense sampling in test_cerebellum_safety.py) on
random configurations over the whole joint range: folded arms, links in contact, a
prismatic joint, a tilted and shifted base, a profile whose joint order differs
from the chain's.
"""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest
from cerebellum_fixtures import TILTED_ARM_URDF, serial_arm_urdf

from robot.cerebellum.geometry import (
    ArmGeometry,
    _max_link_lengths,
    point_segment_distance,
    segment_distance,
)
from robot.cerebellum.kinematics import Chain

CONFIGURATIONS = 400
EQUAL_M = 1e-12
"""Two distances this close (m) are the same: the new code orders a few roundings
differently from the reference (~1e-16 m)."""
ROUNDING_M = 1e-9
"""Below this (m) a contact or a clearance is lost in the points' rounding."""
FENCE = ((-0.12, -0.1, 0.04), (0.1, 0.12, 0.3))
STRETCHED_SPREAD = 0.1
"""Fraction of each joint's range used for the stretched-out configurations."""
EXTRA_PROFILE_JOINTS = 2
"""Profile joints outside the chain (a gripper, say), which the geometry must skip."""


def tilted_base() -> np.ndarray:
    """A base pose (world <- root) turned about a skew axis and moved off the origin."""
    axis = np.array([0.3, -0.5, 0.8]) / np.linalg.norm([0.3, -0.5, 0.8])
    angle = 0.7
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    base = np.eye(4)
    base[:3, :3] = np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * k @ k
    base[:3, 3] = (0.4, -0.2, 0.75)
    return base


def make_case(name: str) -> tuple[ArmGeometry, np.random.Generator]:
    """Geometries whose random configurations fold the arm onto itself often."""
    rng = np.random.default_rng(sum(map(ord, name)))
    if name == "serial8":
        chain = Chain.from_urdf(serial_arm_urdf(8), "tool")
        geometry = ArmGeometry(chain, tuple(range(8)), link_radius_m=0.015, fence=FENCE)
    elif name == "tilted_prismatic":
        chain = Chain.from_urdf(TILTED_ARM_URDF, "tool")
        # The profile lists the chain's joints in another order, with extra joints.
        order = tuple(int(i) for i in rng.permutation(chain.dof + EXTRA_PROFILE_JOINTS))
        geometry = ArmGeometry(
            chain, order[: chain.dof], link_radius_m=0.015, fence=FENCE, fence_from=1
        )
    elif name == "serial30_based":
        chain = Chain.from_urdf(serial_arm_urdf(30), "tool")
        geometry = ArmGeometry(
            chain, tuple(range(30)), base=tilted_base(), link_radius_m=0.01, fence=None
        )
    elif name == "single_joint":
        chain = Chain.from_urdf(serial_arm_urdf(1), "tool")
        geometry = ArmGeometry(chain, (0,), fence_from=0)  # no link pairs, no fence
    else:
        raise AssertionError(name)
    return geometry, rng


CASES = ["serial8", "tilted_prismatic", "serial30_based", "single_joint"]


def random_position(geometry: ArmGeometry, rng: np.random.Generator) -> list[float]:
    """A profile-ordered joint array with the chain's joints anywhere in their limits
    (often folded) or, half of the time, within a band around mid-range (stretched)."""
    size = max(geometry.chain_index) + 1 + EXTRA_PROFILE_JOINTS
    position = rng.uniform(-9.0, 9.0, size)  # joints outside the chain: anything
    chain = geometry.chain
    spread = 1.0 if rng.random() < 0.5 else STRETCHED_SPREAD
    for k, i in enumerate(geometry.chain_index):
        mid, half = (chain.lower[k] + chain.upper[k]) / 2, (chain.upper[k] - chain.lower[k]) / 2
        position[i] = mid + spread * rng.uniform(-half, half)
    return position.tolist()


def reference_points(geometry: ArmGeometry, position: list[float]) -> np.ndarray:
    q = np.array([position[i] for i in geometry.chain_index])
    frames = geometry.chain.frames(q, geometry.base)
    return np.vstack([geometry.base[:3, 3], frames[:, :3, 3]])


def reference_fence_depth(geometry: ArmGeometry, points: np.ndarray) -> float:
    if geometry.fence is None:
        return 0.0
    low, high = geometry.fence
    depth = 0.0
    for point in points[1 + geometry.fence_from :]:
        for axis in range(3):
            depth = max(depth, low[axis] - point[axis], point[axis] - high[axis])
    return depth


def link_pairs(geometry: ArmGeometry) -> list[tuple[int, int]]:
    segments = geometry.chain.dof + 1
    gap = int(geometry._pair_b[0] - geometry._pair_a[0]) if geometry._pair_a.size else 2
    return [(i, j) for i in range(segments) for j in range(i + gap, segments)]


def reference_pair_distances(geometry: ArmGeometry, points: np.ndarray) -> np.ndarray:
    """The exact distance (m) of every non-adjacent link pair: no broad phase."""
    pairs = link_pairs(geometry)
    return np.array(
        [segment_distance(points[a], points[a + 1], points[b], points[b + 1]) for a, b in pairs]
    )


def reference_self_collision_depth(geometry: ArmGeometry, points: np.ndarray) -> float:
    if not link_pairs(geometry):
        return 0.0
    reach = 2.0 * geometry.radius + geometry.margin
    return max(0.0, reach - float(reference_pair_distances(geometry, points).min()))


def reference_hand_distance(
    geometry: ArmGeometry, points: np.ndarray, hand: tuple[float, float, float]
) -> float:
    distances = [point_segment_distance(a, b, *hand) for a, b in itertools.pairwise(points)]
    return max(0.0, min(distances) - geometry.radius)


def random_hand(points: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    """Near a random link point (often inside a capsule) or anywhere around the arm."""
    if rng.random() < 0.5:
        k = rng.integers(0, points.shape[0] - 1)
        on_link = points[k] + rng.random() * (points[k + 1] - points[k])
        spot = on_link + rng.normal(0.0, 0.03, 3)
    else:
        spot = points[0] + rng.uniform(-2.0, 2.0, 3)
    return (float(spot[0]), float(spot[1]), float(spot[2]))


@pytest.mark.parametrize("copied", [False, True], ids=["original", "pickled"])
@pytest.mark.parametrize("name", CASES)
def test_checks_match_the_reference_formulas(name: str, copied: bool) -> None:
    geometry, rng = make_case(name)
    if copied:  # as the loop's process receives it
        geometry = pickle.loads(pickle.dumps(geometry))
    seen = {"collision": 0, "clear": 0, "outside": 0, "inside_capsule": 0}
    for _ in range(CONFIGURATIONS):
        position = random_position(geometry, rng)
        expected_points = reference_points(geometry, position)
        points = geometry.points(position)
        np.testing.assert_array_equal(points, expected_points)

        if geometry.fence is not None:
            fence = geometry.fence_depth(points)
            assert fence == pytest.approx(reference_fence_depth(geometry, points), abs=EQUAL_M)
            seen["outside"] += fence > 0.0

        # The broad phase drops only pairs that are clear anyway: the same exact
        # formula on the pairs left gives the very same depth.
        collision = geometry.self_collision_depth(points)
        assert collision == reference_self_collision_depth(geometry, points)
        seen["collision" if collision > 0.0 else "clear"] += 1

        hand = random_hand(points, rng)
        expected = reference_hand_distance(geometry, points, hand)
        assert geometry.hand_distance(points, hand) == pytest.approx(expected, abs=EQUAL_M)
        seen["inside_capsule"] += expected == 0.0
    # The configurations exercised both sides of every check.
    assert seen["clear"] > 0
    assert seen["inside_capsule"] > 0
    if link_pairs(geometry):
        assert seen["collision"] > 0
    if geometry.fence is not None:
        assert 0 < seen["outside"] < CONFIGURATIONS


@pytest.mark.parametrize("name", CASES)
def test_hand_distance_cut_short_only_beyond_the_threshold(name: str) -> None:
    """With `beyond`, any answer above it may be a lower bound; at or below it, exact."""
    geometry, rng = make_case(name)
    beyond = 0.3
    for _ in range(CONFIGURATIONS):
        points = geometry.points(random_position(geometry, rng))
        hand = random_hand(points, rng)
        expected = reference_hand_distance(geometry, points, hand)
        got = geometry.hand_distance(points, hand, beyond)
        if got <= beyond:
            assert got == pytest.approx(expected, abs=EQUAL_M)
        else:
            assert expected > beyond - EQUAL_M and got <= expected + EQUAL_M


def test_broad_phase_keeps_pairs_that_touch_at_full_prismatic_extension() -> None:
    """A prismatic joint lengthens its link: the bound must use the longest extension."""
    geometry, rng = make_case("tilted_prismatic")
    chain = geometry.chain
    prismatic = next(k for k, j in enumerate(chain.joints) if j.prismatic)
    touching = 0
    for _ in range(CONFIGURATIONS):
        position = random_position(geometry, rng)
        position[geometry.chain_index[prismatic]] = chain.upper[prismatic]
        points = geometry.points(position)
        collision = geometry.self_collision_depth(points)
        assert collision == reference_self_collision_depth(geometry, points)
        touching += collision > 0.0
    assert touching > 0


def test_an_unlimited_slide_keeps_every_pair() -> None:
    """No longest extension: every pair goes to the exact pass, none is dropped."""
    unlimited = TILTED_ARM_URDF.replace('lower="0" upper="0.05"', 'lower="-inf" upper="inf"')
    chain = Chain.from_urdf(unlimited, "tool")
    geometry = ArmGeometry(chain, tuple(range(chain.dof)), link_radius_m=0.04)
    rng = np.random.default_rng(7)
    for _ in range(100):
        q = rng.uniform(-2.0, 2.0, chain.dof)
        points = geometry.points(q.tolist())
        assert geometry.self_collision_depth(points) == reference_self_collision_depth(
            geometry, points
        )
    assert np.all(np.isinf(geometry._pair_bound_sq[geometry._pair_b == 3]))


def test_link_length_bounds_hold_and_are_reached() -> None:
    """No link is ever longer than the broad phase assumes, and some reach the bound
    (the prismatic link at its limit): the bound is tight, not just safe."""
    for name in CASES:
        geometry, rng = make_case(name)
        bound = _max_link_lengths(geometry.chain, geometry.base)
        longest = np.zeros_like(bound)
        chain = geometry.chain
        for _ in range(CONFIGURATIONS):
            position = random_position(geometry, rng)
            if rng.random() < 0.3:  # every joint at one of its limits
                for k, i in enumerate(geometry.chain_index):
                    position[i] = chain.upper[k] if rng.random() < 0.5 else chain.lower[k]
            points = geometry.points(position)
            lengths = np.linalg.norm(points[1:] - points[:-1], axis=1)
            assert np.all(lengths <= bound + EQUAL_M)
            longest = np.maximum(longest, lengths)
        np.testing.assert_allclose(longest, bound, atol=EQUAL_M)


@pytest.mark.parametrize("clearance", [-1e-7, -1e-12, 0.0, 1e-12, 1e-7])
def test_broad_phase_is_exact_for_links_end_to_end(clearance: float) -> None:
    """Two links in line, end to end, a short link between: their bounding spheres
    are as close as the links themselves, the case where a too-tight broad phase
    would drop a pair that touches."""
    geometry, _ = make_case("serial8")
    lengths = _max_link_lengths(geometry.chain, geometry.base)
    reach = 2.0 * geometry.radius + geometry.margin
    gap = reach + clearance
    # Links 0, 1 (length `gap`), 2 along x; the others go up, away from them.
    steps = [np.array([lengths[0], 0.0, 0.0]), np.array([gap, 0.0, 0.0])]
    steps.append(np.array([lengths[2], 0.0, 0.0]))
    steps += [np.array([0.0, 0.0, length]) for length in lengths[3:]]
    points = np.cumsum(np.vstack([np.zeros(3), *steps]), axis=0)
    expected = reference_self_collision_depth(geometry, points)
    if abs(clearance) > ROUNDING_M:
        assert (expected > 0.0) == (clearance < 0.0)
    assert geometry.self_collision_depth(points) == expected
