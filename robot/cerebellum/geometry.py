"""The arm as a chain of capsules, for the safety supervisor's geometric checks.

The capsules run between consecutive frame origins of the kinematic chain (base
origin, every moving joint's frame, the tool frame), each with one radius. From a
joint configuration this module answers, vectorised over segments:

- how far outside a workspace fence (an axis-aligned box, world frame) the arm is;
- how deep non-adjacent capsules overlap, with a safety margin (self-collision);
- how close a point (a person's hand) is to the arm.

Units: metres. All depths are 0 when there is nothing wrong.
"""

from __future__ import annotations

import numpy as np

from robot.cerebellum.kinematics import Chain

Box = tuple[tuple[float, float, float], tuple[float, float, float]]
"""An axis-aligned box as (min corner, max corner), metres, world frame."""

_EPS = 1e-12
BROAD_PHASE_PAIRS = 16
"""Above this many link pairs a bounding-sphere pass first picks the ones worth an
exact segment distance; below it the exact pass alone is cheaper."""


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
        segments = chain.dof + 1  # base origin -> frame 0 -> ... -> tip
        pairs = [(i, j) for i in range(segments) for j in range(i + min_pair_gap, segments)]
        self._pair_a = np.array([a for a, _ in pairs], dtype=np.intp)
        self._pair_b = np.array([b for _, b in pairs], dtype=np.intp)
        self._fence_low = np.asarray(fence[0] if fence else (-np.inf,) * 3, dtype=np.float64)
        self._fence_high = np.asarray(fence[1] if fence else (np.inf,) * 3, dtype=np.float64)
        self._broad_phase = len(pairs) > BROAD_PHASE_PAIRS
        self._q = np.zeros(chain.dof)
        self._points = np.zeros((segments + 1, 3))
        # The arm's length along its links (m): no link point is further from the base.
        lengths = [np.linalg.norm(j.origin[:3, 3]) for j in chain.joints[1:]]
        self._length = float(sum(lengths) + np.linalg.norm(chain.tip_offset[:3, 3]))
        self._length += float(np.linalg.norm(chain.joints[0].origin[:3, 3]))
        self._length += sum(max(abs(j.lower), abs(j.upper)) for j in chain.joints if j.prismatic)

    def points(self, position: list[float] | tuple[float, ...]) -> np.ndarray:
        """World positions of the base origin, each moving frame and the tip, (n+2, 3).

        Takes the profile-ordered joint array. Reused buffer: copy to keep.
        """
        q = self._q
        for k, i in enumerate(self.chain_index):
            q[k] = position[i]
        frames = self.chain.frames(q, self.base)
        points = self._points
        points[0] = self.base[:3, 3]
        points[1:] = frames[:, :3, 3]
        return points

    def fence_depth(self, points: np.ndarray) -> float:
        """How far (m) the fenced frame origins stick out of the fence."""
        if self.fence is None:
            return 0.0
        fenced = points[1 + self.fence_from :]
        outside = np.maximum(self._fence_low - fenced, fenced - self._fence_high)
        return float(max(0.0, outside.max()))

    def self_collision_depth(self, points: np.ndarray) -> float:
        """How much (m) non-adjacent capsules come closer than two radii plus the margin."""
        if self._pair_a.size == 0:
            return 0.0
        starts, ends = points[:-1], points[1:]
        reach = 2.0 * self.radius + self.margin
        if not self._broad_phase:
            dist = segment_distances(
                starts[self._pair_a], ends[self._pair_a], starts[self._pair_b], ends[self._pair_b]
            )
            return float(max(0.0, reach - dist.min()))
        # Broad phase: two segments can only come within `reach` if their bounding
        # spheres (centre at the midpoint, radius half the length) do.
        centres = 0.5 * (starts + ends)
        half = 0.5 * np.sqrt(np.einsum("ij,ij->i", ends - starts, ends - starts))
        gap = centres[self._pair_a] - centres[self._pair_b]
        bound = half[self._pair_a] + half[self._pair_b] + reach
        near = np.einsum("ij,ij->i", gap, gap) < bound * bound
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
        base = points[0]
        dx, dy, dz = hand[0] - base[0], hand[1] - base[1], hand[2] - base[2]
        bound = (dx * dx + dy * dy + dz * dz) ** 0.5 - self._length - self.radius
        if bound > beyond:
            return bound
        starts, ends = points[:-1], points[1:]
        d = point_segment_distances(np.asarray(hand, dtype=np.float64), starts, ends)
        return float(max(0.0, d.min() - self.radius))


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
