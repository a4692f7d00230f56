"""The arm as a chain of capsules, for the safety supervisor's geometric checks.

The capsules run between consecutive frame origins of the kinematic chain (base
origin, every moving joint's frame, the tool frame), each with one radius. From a
joint configuration this module answers, vectorised over segments:

- how far outside a workspace fence (an axis-aligned box, world frame) the arm is;
- how deep non-adjacent capsules overlap, with a safety margin (self-collision);
- how close a point (a person's hand) is to the arm.

Units: metres. All depths are 0 when there is nothing wrong.

The supervisor runs these checks on every tick of the 1 kHz loop, on arrays of a few
dozen rows, where a numpy call costs far more than its arithmetic. So the per-tick
methods use few calls, each writing into a buffer allocated once (`out=`), and
everything that does not depend on the configuration (which link pairs to test,
how long each link can be) is computed in the constructor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from operator import itemgetter

import numpy as np

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
        self.base = np.eye(4) if base is None else np.asarray(base, dtype=np.float64)
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
        # The arm's length along its links (m): no link point is further from the base.
        lengths = [np.linalg.norm(j.origin[:3, 3]) for j in chain.joints[1:]]
        self._length = float(sum(lengths) + np.linalg.norm(chain.tip_offset[:3, 3]))
        self._length += float(np.linalg.norm(chain.joints[0].origin[:3, 3]))
        self._length += sum(max(abs(j.lower), abs(j.upper)) for j in chain.joints if j.prismatic)
        self._init_fence(fence)
        self._init_self_collision(len(pairs), segments)
        self._init_hand(segments)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as the constructor's arguments. Some buffers are views of others
        (`_gap` of `_gathered`, `_t_flat` of `_t`); pickling would make them separate
        copies, and a copy in another process (the loop's) would compute from stale
        memory. So a copy builds its own buffers."""
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

    def _init_fence(self, fence: Box | None) -> None:
        """Constants and buffers for `fence_depth` (one row per fenced point)."""
        fenced = max(self._points.shape[0] - (1 + self.fence_from), 0)
        self._fence_low = np.asarray(fence[0] if fence else (-np.inf,) * 3, dtype=np.float64)
        self._fence_high = np.asarray(fence[1] if fence else (np.inf,) * 3, dtype=np.float64)
        self._below = np.empty((fenced, 3))
        self._above = np.empty((fenced, 3))

    def _init_self_collision(self, pair_count: int, segments: int) -> None:
        """Constants and buffers for `self_collision_depth`'s broad phase.

        Two segments can only come within `reach` of each other if their bounding
        spheres (centre at the midpoint, radius half the longest the link can be) do.
        The test runs on doubled midpoints (start + end, no halving), so the
        squared bound is (length_a + length_b + 2 (reach + slack))^2, per pair."""
        reach = 2.0 * self.radius + self.margin
        lengths = _max_link_lengths(self.chain, self.base)
        bound = lengths[self._pair_a] + lengths[self._pair_b] + 2.0 * (reach + BROAD_PHASE_SLACK_M)
        self._pair_bound_sq = bound * bound
        # Coordinates in rows (3, n): gathering and summing squares run along
        # contiguous rows, cheaper than small (n, 3) rows for a few hundred pairs.
        self._pair_ends = np.concatenate([self._pair_a, self._pair_b])
        self._doubled_centres = np.empty((3, segments))
        self._gathered = np.empty((3, 2 * pair_count))
        # Views into it, made once: first ends, second ends (then their gap), per axis.
        self._gap = self._gathered[:, :pair_count]
        self._other_end = self._gathered[:, pair_count:]
        self._gap_axes = tuple(self._gap)
        self._gap_sq = np.empty(pair_count)
        self._near = np.empty(pair_count, dtype=bool)

    def _init_hand(self, segments: int) -> None:
        """Buffers for `hand_distance`'s exact pass (one row per segment)."""
        self._direction = np.empty((segments, 3))
        self._to_hand = np.empty((segments, 3))
        self._closest = np.empty((segments, 3))
        self._length_sq = np.empty(segments)
        self._t = np.empty((segments, 1))
        self._t_flat = self._t[:, 0]
        self._gap_sq_hand = np.empty(segments)

    def points(self, position: list[float] | tuple[float, ...]) -> np.ndarray:
        """World positions of the base origin, each moving frame and the tip, (n+2, 3).

        Takes the profile-ordered joint array. Reused buffer: copy to keep.
        """
        frames = self.chain.frames(self._pick_chain_joints(position), self.base)
        points = self._points
        points[0] = self.base[:3, 3]
        points[1:] = frames[:, :3, 3]
        return points

    def fence_depth(self, points: np.ndarray) -> float:
        """How far (m) the fenced frame origins stick out of the fence."""
        if self.fence is None:
            return 0.0
        fenced = points[1 + self.fence_from :]
        outside = np.subtract(self._fence_low, fenced, out=self._below)
        np.maximum(outside, np.subtract(fenced, self._fence_high, out=self._above), out=outside)
        return float(max(0.0, outside.max()))

    def self_collision_depth(self, points: np.ndarray) -> float:
        """How much (m) non-adjacent capsules come closer than two radii plus the margin."""
        if self._pair_a.size == 0:
            return 0.0
        starts, ends = points[:-1], points[1:]
        reach = 2.0 * self.radius + self.margin
        # Broad phase (see `_init_self_collision`): which pairs' spheres are in reach.
        centres = np.add(starts.T, ends.T, out=self._doubled_centres)
        np.take(centres, self._pair_ends, axis=1, out=self._gathered, mode="clip")
        gap = np.subtract(self._gap, self._other_end, out=self._gap)
        np.multiply(gap, gap, out=gap)
        x, y, z = self._gap_axes
        gap_sq = np.add(x, y, out=self._gap_sq)
        np.add(gap_sq, z, out=gap_sq)
        near = np.less(gap_sq, self._pair_bound_sq, out=self._near)
        if not near.any():
            return 0.0
        a, b = self._pair_a[near], self._pair_b[near]
        dist = segment_distances(starts[a], ends[a], starts[b], ends[b])
        return float(max(0.0, reach - dist.min()))

    def self_collision_clearance(self, points: np.ndarray) -> float:
        """How much room (m) the closest non-adjacent capsules have beyond the margin
        (negative when they are too close): a planner keeps this above zero."""
        if self._pair_a.size == 0:
            return float("inf")
        starts, ends = points[:-1], points[1:]
        dist = segment_distances(
            starts[self._pair_a], ends[self._pair_a], starts[self._pair_b], ends[self._pair_b]
        )
        return float(dist.min() - (2.0 * self.radius + self.margin))

    def hand_distance(
        self, points: np.ndarray, hand: tuple[float, float, float], beyond: float = np.inf
    ) -> float:
        """Distance (m) from `hand` to the nearest capsule surface (0 when inside one).

        Any answer above `beyond` is as good as another: then a cheap lower bound (the
        hand's distance to the base origin less the arm's length) may be returned.
        """
        bx, by, bz = points[0].tolist()
        dx, dy, dz = hand[0] - bx, hand[1] - by, hand[2] - bz
        bound = (dx * dx + dy * dy + dz * dz) ** 0.5 - self._length - self.radius
        if bound > beyond:
            return bound
        # `point_segment_distances` for one point, into the buffers: the closest point
        # of each segment is start + t (end - start), t clamped to [0, 1].
        starts, ends = points[:-1], points[1:]
        direction = np.subtract(ends, starts, out=self._direction)
        to_hand = np.subtract(hand, starts, out=self._to_hand)
        length_sq = np.vecdot(direction, direction, out=self._length_sq)
        np.maximum(length_sq, _EPS, out=length_sq)
        t = self._t
        along = np.vecdot(to_hand, direction, out=self._t_flat)
        np.divide(along, length_sq, out=along)
        np.maximum(t, 0.0, out=t)
        np.minimum(t, 1.0, out=t)
        # hand - closest = (hand - start) - t (end - start)
        offset = np.multiply(t, direction, out=self._closest)
        np.subtract(to_hand, offset, out=offset)
        nearest_sq = float(np.vecdot(offset, offset, out=self._gap_sq_hand).min())
        # sqrt is monotonic: the root of the least square is the least distance.
        return max(0.0, math.sqrt(nearest_sq) - self.radius)


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


def point_segment_distances(point: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distances (m) from one point to each segment starts[i]-ends[i]."""
    d = ends - starts
    length2 = np.einsum("ij,ij->i", d, d)
    t = np.einsum("ij,ij->i", point - starts, d) / np.maximum(length2, _EPS)
    closest = starts + np.clip(t, 0.0, 1.0)[:, None] * d
    return np.linalg.norm(point - closest, axis=1)


def segment_distances(p1: np.ndarray, q1: np.ndarray, p2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Closest distances (m) between segment pairs p1[i]-q1[i] and p2[i]-q2[i].

    The clamped closest-point construction for segments (Ericson, Real-Time Collision
    Detection, 5.1.9), vectorised over pairs.
    """
    d1 = q1 - p1
    d2 = q2 - p2
    r = p1 - p2
    a = np.einsum("ij,ij->i", d1, d1)
    e = np.einsum("ij,ij->i", d2, d2)
    f = np.einsum("ij,ij->i", d2, r)
    c = np.einsum("ij,ij->i", d1, r)
    b = np.einsum("ij,ij->i", d1, d2)
    denom = a * e - b * b
    safe_a = np.maximum(a, _EPS)
    safe_e = np.maximum(e, _EPS)
    # Parameter on segment 1 for the closest points of the infinite lines (0 if parallel).
    s = np.where(denom > _EPS, np.clip((b * f - c * e) / np.maximum(denom, _EPS), 0.0, 1.0), 0.0)
    t = (b * s + f) / safe_e
    # Clamp t to [0, 1] and recompute s for the clamped t.
    s = np.where(t < 0.0, np.clip(-c / safe_a, 0.0, 1.0), s)
    s = np.where(t > 1.0, np.clip((b - c) / safe_a, 0.0, 1.0), s)
    t = np.clip(t, 0.0, 1.0)
    # Degenerate segments (points): segment 1 a point, then segment 2 a point.
    point1 = a <= _EPS
    point2 = e <= _EPS
    s = np.where(point1, 0.0, s)
    t = np.where(point1, np.clip(f / safe_e, 0.0, 1.0), t)
    t = np.where(point2, 0.0, t)
    s = np.where(point2 & ~point1, np.clip(-c / safe_a, 0.0, 1.0), s)
    closest1 = p1 + s[:, None] * d1
    closest2 = p2 + t[:, None] * d2
    return np.linalg.norm(closest1 - closest2, axis=1)
