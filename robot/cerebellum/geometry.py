"""The arm as a chain of capsules, for the safety supervisor's geometric checks.

The capsules run between consecutive frame origins of the kinematic chain (base
origin, every moving joint's frame, the tool frame), each with one radius. From a
joint configuration this module answers:

- how far outside a workspace fence (an axis-aligned box, world frame) the arm is;
- how deep non-adjacent capsules overlap, with a safety margin (self-collision);
- how close a point (a person's hand) is to the arm.

Units: metres. All depths are 0 when there is nothing wrong.

The supervisor runs these checks on every tick of the 1 kHz loop. Each is one call
into a loop compiled by numba over buffers allocated once: on a few dozen points a
numpy call costs far more than its arithmetic: at 30 joints the numpy formulation of
these checks took ~40 us a tick (median, at 1 kHz), the compiled loops take ~6 (see
robot/cerebellum/README.md). Everything that does not depend on the configuration
(which link pairs to test, how long each link can be) is computed in the constructor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from operator import itemgetter

import numpy as np
from numba import njit

from robot.cerebellum.kinematics import Chain

Box = tuple[tuple[float, float, float], tuple[float, float, float]]
"""An axis-aligned box as (min corner, max corner), metres, world frame."""

_EPS = 1e-12
BROAD_PHASE_SLACK_M = 1e-9
"""Added to every bounding-sphere test (m) so that rounding (~1e-15 m) can never drop
a link pair whose exact distance is within reach: the broad phase only skips pairs
that the exact pass would find clear too, so the depth is the same as with no
broad phase at all."""


def _rebuild(chain: Chain, chain_index: tuple[int, ...], options: dict) -> ArmGeometry:
    """`ArmGeometry.__reduce__`'s constructor call."""
    return ArmGeometry(chain, chain_index, **options)


class ArmGeometry:
    """Capsules of a chain, placed in the world by `base` (4x4, world <- chain root).

    chain_index: for each chain joint, its index in the profile's joint array.
    fence: the box the fenced points must stay inside; `fence_from` is the index of
    the first frame (0 = first moving joint's frame) that must; frames nearer the
    base sit on the table and are never fenced.
    """

    def __init__(
        self,
        chain: Chain,
        chain_index: tuple[int, ...],
        *,
        base: np.ndarray | None = None,
        link_radius_m: float = 0.02,
        fence: Box | None = None,
        fence_from: int = 2,
        self_collision_margin_m: float = 0.01,
        min_pair_gap: int = 2,
    ) -> None:
        self.chain = chain
        self.chain_index = chain_index
        self.base = np.ascontiguousarray(np.eye(4) if base is None else base, dtype=np.float64)
        self.radius = link_radius_m
        self.fence = fence
        self.fence_from = fence_from
        self.margin = self_collision_margin_m
        self.min_pair_gap = min_pair_gap
        segments = chain.dof + 1  # base origin -> frame 0 -> ... -> tip
        pairs = [(i, j) for i in range(segments) for j in range(i + min_pair_gap, segments)]
        self._pair_a = np.array([a for a, _ in pairs], dtype=np.intp)
        self._pair_b = np.array([b for _, b in pairs], dtype=np.intp)
        self._points = np.zeros((segments + 1, 3))
        self._pick_chain_joints = _chain_joint_picker(chain_index, chain.dof)
        self._fence_low = np.asarray(fence[0] if fence else (-np.inf,) * 3, dtype=np.float64)
        self._fence_high = np.asarray(fence[1] if fence else (np.inf,) * 3, dtype=np.float64)
        # The arm's length along its links (m): no link point is further from the base.
        lengths = [np.linalg.norm(j.origin[:3, 3]) for j in chain.joints[1:]]
        self._length = float(sum(lengths) + np.linalg.norm(chain.tip_offset[:3, 3]))
        self._length += float(np.linalg.norm(chain.joints[0].origin[:3, 3]))
        self._length += sum(max(abs(j.lower), abs(j.upper)) for j in chain.joints if j.prismatic)
        # Self-collision's broad phase: two segments can only come within `reach` of
        # each other if their bounding spheres (centre at the midpoint, radius half the
        # longest the link can be) do. The test runs on doubled midpoints (start + end,
        # no halving), so the squared bound is (length_a + length_b + 2 (reach +
        # slack))^2, per pair; pairs with an infinite bound are always tested exactly.
        reach = 2.0 * self.radius + self.margin
        link = _max_link_lengths(chain, self.base)
        bound = link[self._pair_a] + link[self._pair_b] + 2.0 * (reach + BROAD_PHASE_SLACK_M)
        self._pair_bound_sq = bound * bound
        self._every_pair = np.full(len(pairs), np.inf)  # no broad phase: for planners
        # Compile the checks (or load them from numba's cache) now, not on a tick.
        points = self.points([0.0] * (max(chain_index) + 1))
        self.fence_depth(points)
        self.self_collision_depth(points)
        self.self_collision_clearance(points)
        self.hand_distance(points, (0.0, 0.0, 0.0))

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as the constructor's arguments: a copy in another process (the
        loop's) builds its own buffers and compiles its own checks."""
        return (
            _rebuild,
            (
                self.chain,
                self.chain_index,
                {
                    "base": self.base,
                    "link_radius_m": self.radius,
                    "fence": self.fence,
                    "fence_from": self.fence_from,
                    "self_collision_margin_m": self.margin,
                    "min_pair_gap": self.min_pair_gap,
                },
            ),
        )

    def points(self, position: list[float] | tuple[float, ...]) -> np.ndarray:
        """World positions of the base origin, each moving frame and the tip, (n+2, 3).

        Takes the profile-ordered joint array. Reused buffer: copy to keep.
        """
        return self.chain.points(self._pick_chain_joints(position), self.base, self._points)

    def fence_depth(self, points: np.ndarray) -> float:
        """How far (m) the fenced frame origins stick out of the fence."""
        if self.fence is None:
            return 0.0
        return box_depth(points, 1 + self.fence_from, self._fence_low, self._fence_high)

    def self_collision_depth(self, points: np.ndarray) -> float:
        """How much (m) non-adjacent capsules come closer than two radii plus the margin."""
        nearest = nearest_link_pair(points, self._pair_a, self._pair_b, self._pair_bound_sq)
        return max(0.0, 2.0 * self.radius + self.margin - nearest)

    def self_collision_clearance(self, points: np.ndarray) -> float:
        """How much room (m) the closest non-adjacent capsules have beyond the margin
        (negative when they are too close; inf without link pairs): a planner keeps
        this above zero."""
        nearest = nearest_link_pair(points, self._pair_a, self._pair_b, self._every_pair)
        return nearest - (2.0 * self.radius + self.margin)

    def hand_distance(
        self, points: np.ndarray, hand: tuple[float, float, float], beyond: float = math.inf
    ) -> float:
        """Distance (m) from `hand` to the nearest capsule surface (0 when inside one).

        Any answer above `beyond` is as good as another: then a cheap lower bound (the
        hand's distance to the base origin less the arm's length) may be returned.
        """
        x, y, z = hand
        # As floats: other argument types would make numba compile anew, on a tick.
        return point_to_capsules(
            points, float(x), float(y), float(z), self.radius, self._length, float(beyond)
        )


def _chain_joint_picker(
    chain_index: tuple[int, ...], dof: int
) -> Callable[[Sequence[float]], Sequence[float]]:
    """A function from the profile-ordered joint array to the chain's joint values."""
    if dof == 1:
        only = chain_index[0]
        return lambda position: (position[only],)
    return itemgetter(*chain_index)


def _max_link_lengths(chain: Chain, base: np.ndarray) -> np.ndarray:
    """The longest (m) each segment (base origin -> frame 0 -> ... -> tip) can be.

    Segment k ends at joint k's frame, whose origin sits at origin.t + q origin.R axis
    in its parent frame (q = 0 for a revolute joint): constant for a revolute joint,
    longest at a limit for a prismatic one (the length is convex in q). The tip
    segment is the tool offset. `base` stretches lengths by at most its largest
    singular value (1 for a rigid placement)."""
    lengths = []
    for joint in chain.joints:
        offset = joint.origin[:3, 3]
        if joint.prismatic:
            slide = joint.origin[:3, :3] @ joint.axis
            ends = (joint.lower, joint.upper)
            if not all(math.isfinite(q) for q in ends):
                lengths.append(math.inf)  # an unlimited slide: every pair stays in reach
                continue
            lengths.append(max(float(np.linalg.norm(offset + q * slide)) for q in ends))
        else:
            lengths.append(float(np.linalg.norm(offset)))
    lengths.append(float(np.linalg.norm(chain.tip_offset[:3, 3])))
    stretch = float(np.linalg.norm(base[:3, :3], 2))
    return np.array(lengths) * stretch


# -- the compiled checks ----------------------------------------------------------------------


@njit(cache=True)
def box_depth(points: np.ndarray, first: int, low: np.ndarray, high: np.ndarray) -> float:
    """How far (m) points[first:] stick out of the box [low, high] (0 inside)."""
    depth = 0.0
    for i in range(first, points.shape[0]):
        for axis in range(3):
            depth = max(depth, low[axis] - points[i, axis], points[i, axis] - high[axis])
    return depth


@njit(cache=True)
def nearest_link_pair(
    points: np.ndarray, pair_a: np.ndarray, pair_b: np.ndarray, bound_sq: np.ndarray
) -> float:
    """The least distance (m) between segments points[a]-points[a+1] and
    points[b]-points[b+1] over the pairs (pair_a[k], pair_b[k]) whose doubled
    midpoints are closer than sqrt(bound_sq[k]); inf when none is."""
    nearest = math.inf
    for k in range(pair_a.shape[0]):
        a = pair_a[k]
        b = pair_b[k]
        gap_sq = 0.0
        for axis in range(3):
            gap = points[a, axis] + points[a + 1, axis] - points[b, axis] - points[b + 1, axis]
            gap_sq += gap * gap
        if gap_sq < bound_sq[k]:
            nearest = min(
                nearest, segment_distance(points[a], points[a + 1], points[b], points[b + 1])
            )
    return nearest


@njit(cache=True)
def point_to_capsules(
    points: np.ndarray, x: float, y: float, z: float, radius: float, length: float, beyond: float
) -> float:
    """Distance (m) from (x, y, z) to the nearest capsule of `radius` around the
    segments points[i]-points[i+1] (0 inside one); when the point is further than
    `beyond` even from a sphere of `length` + `radius` around points[0], that lower
    bound instead."""
    dx, dy, dz = x - points[0, 0], y - points[0, 1], z - points[0, 2]
    bound = math.sqrt(dx * dx + dy * dy + dz * dz) - length - radius
    if bound > beyond:
        return bound
    nearest = math.inf
    for i in range(points.shape[0] - 1):
        nearest = min(nearest, point_segment_distance(points[i], points[i + 1], x, y, z))
    return max(0.0, nearest - radius)


@njit(cache=True)
def point_segment_distance(
    start: np.ndarray, end: np.ndarray, x: float, y: float, z: float
) -> float:
    """Distance (m) from (x, y, z) to the segment start-end: the closest point is
    start + t (end - start), t clamped to [0, 1]."""
    ex, ey, ez = end[0] - start[0], end[1] - start[1], end[2] - start[2]
    px, py, pz = x - start[0], y - start[1], z - start[2]
    t = (px * ex + py * ey + pz * ez) / max(ex * ex + ey * ey + ez * ez, _EPS)
    t = min(max(t, 0.0), 1.0)
    ox, oy, oz = px - t * ex, py - t * ey, pz - t * ez
    return math.sqrt(ox * ox + oy * oy + oz * oz)


@njit(cache=True)
def segment_distance(p1: np.ndarray, q1: np.ndarray, p2: np.ndarray, q2: np.ndarray) -> float:
    """Closest distance (m) between segments p1-q1 and p2-q2: the clamped closest-point
    construction (Ericson, Real-Time Collision Detection, 5.1.9), with degenerate
    segments (points) handled."""
    d1x, d1y, d1z = q1[0] - p1[0], q1[1] - p1[1], q1[2] - p1[2]
    d2x, d2y, d2z = q2[0] - p2[0], q2[1] - p2[1], q2[2] - p2[2]
    rx, ry, rz = p1[0] - p2[0], p1[1] - p2[1], p1[2] - p2[2]
    a = d1x * d1x + d1y * d1y + d1z * d1z
    e = d2x * d2x + d2y * d2y + d2z * d2z
    f = d2x * rx + d2y * ry + d2z * rz
    if a <= _EPS and e <= _EPS:
        s = t = 0.0
    elif a <= _EPS:
        s = 0.0
        t = min(max(f / e, 0.0), 1.0)
    else:
        c = d1x * rx + d1y * ry + d1z * rz
        if e <= _EPS:
            t = 0.0
            s = min(max(-c / a, 0.0), 1.0)
        else:
            b = d1x * d2x + d1y * d2y + d1z * d2z
            denom = a * e - b * b
            # Parallel segments (denom 0): any s will do; take 0.
            s = min(max((b * f - c * e) / denom, 0.0), 1.0) if denom > _EPS else 0.0
            t = (b * s + f) / e
            if t < 0.0:
                t = 0.0
                s = min(max(-c / a, 0.0), 1.0)
            elif t > 1.0:
                t = 1.0
                s = min(max((b - c) / a, 0.0), 1.0)
    gx = rx + s * d1x - t * d2x
    gy = ry + s * d1y - t * d2y
    gz = rz + s * d1z - t * d2z
    return math.sqrt(gx * gx + gy * gy + gz * gz)
