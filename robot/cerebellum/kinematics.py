"""Kinematics of a serial chain read from a URDF: forward kinematics, Jacobian, IK.

- `Chain.from_urdf(path, tip_link)`: the joints from the URDF's root to `tip_link`.
  Fixed joints are folded into the next joint's origin, so FK costs one step per
  moving joint.
- `Chain.fk(q)`: the tip's 4x4 pose; `Chain.frames(q)`: every moving joint's child
  frame and the tip, as an (n+1, 4, 4) array from one pass; `Chain.points(q, ...)`:
  their origins, what the safety supervisor's capsule checks need every tick.
- `Chain.jacobian(q)`: 6 x n, linear rows over angular rows, world frame.
- `Chain.solve_ik(...)`: damped least squares that respects joint limits, for the
  tip's position plus, optionally, the direction of one tool axis (a 5-DOF arm
  cannot reach every 6-D pose; the gripper's approach axis or a spout's tilt is what
  matters). Raises `OutOfReach` when no solution is within tolerance.

Units: metres and radians. Why our own code rather than a library: the chains here
are 5-30 revolute/prismatic joints about arbitrary axes; FK is one loop of 4x4
products (`forward_pass`, compiled by numba: the 1 kHz loop runs it every tick), and
is checked against PyBullet to 1e-9 m (tests/test_cerebellum_kinematics.py). See
robot/cerebellum/README.md for the measurements behind both choices.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from core.errors import ConfigError, RobotError

IK_POSITION_TOLERANCE_M = 1e-3
"""A solution is accepted when the tip is within 1 mm of the target..."""
IK_AXIS_TOLERANCE_RAD = 0.02
"""...and the tool axis within ~1.1 deg of the wanted direction."""
IK_DAMPING = 0.02
"""Damping (m) of damped least squares: keeps steps bounded near singularities."""
IK_MAX_ITERATIONS = 150
IK_MAX_STEP_RAD = 0.3
"""Largest joint change per iteration: keeps the linearisation honest."""
AXIS_WEIGHT_M_PER_RAD = 0.1
"""In the IK error, 1 rad of tool-axis error counts like 10 cm of position error."""
CONVERGED_FRACTION = 0.1
"""Iterate until the errors are a tenth of the acceptance tolerances."""


class OutOfReach(RobotError):
    """No joint configuration within limits puts the tool at the target.

    `residual_m` is how far the best attempt stayed from the target position.
    """

    def __init__(self, what: str, residual_m: float, axis_error_rad: float = 0.0) -> None:
        super().__init__(
            f"{what} out of reach (best attempt {residual_m * 1000:.1f} mm away, "
            f"tool axis off by {math.degrees(axis_error_rad):.1f} deg)"
        )
        self.what = what
        self.residual_m = residual_m
        self.axis_error_rad = axis_error_rad


@dataclass(frozen=True)
class ChainJoint:
    """One moving joint. `origin` maps the child frame at q=0 into the parent's (4x4);
    `axis` is a unit vector in the joint frame; `prismatic` moves along it instead."""

    name: str
    origin: np.ndarray
    axis: np.ndarray
    prismatic: bool
    lower: float
    upper: float


def _rpy_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """URDF's fixed-axis roll-pitch-yaw: R = Rz(yaw) Ry(pitch) Rx(roll)."""
    cr, sr = math.cos(roll), math.sin(roll)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cy, sy = math.cos(yaw), math.sin(yaw)
    return np.array(
        [
            [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
            [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
            [-sp, cp * sr, cp * cr],
        ]
    )


def _floats(text: str | None, default: str, where: str) -> list[float]:
    try:
        values = [float(v) for v in (text or default).split()]
    except ValueError as err:
        raise ConfigError(f"{where}: not numbers: {text!r}") from err
    if len(values) != 3:
        raise ConfigError(f"{where}: expected 3 numbers, got {text!r}")
    return values


def _origin(joint: ET.Element, where: str) -> np.ndarray:
    element = joint.find("origin")
    xyz = _floats(element.get("xyz") if element is not None else None, "0 0 0", where)
    rpy = _floats(element.get("rpy") if element is not None else None, "0 0 0", where)
    transform = np.eye(4)
    transform[:3, :3] = _rpy_matrix(*rpy)
    transform[:3, 3] = xyz
    return transform


class Chain:
    """A serial chain of moving joints from the URDF root to a tip link."""

    def __init__(self, joints: list[ChainJoint], tip_offset: np.ndarray, tip_link: str) -> None:
        if not joints:
            raise ConfigError(f"the chain to {tip_link!r} has no moving joints")
        self.joints = joints
        self.tip_offset = tip_offset
        self.tip_link = tip_link
        self.joint_names = tuple(j.name for j in joints)
        self.dof = len(joints)
        self.lower = np.array([j.lower for j in joints])
        self.upper = np.array([j.upper for j in joints])
        self._origins = np.stack([j.origin for j in joints])
        axes = np.stack([j.axis for j in joints])
        self._axes = axes
        self._prismatic = np.array([j.prismatic for j in joints])
        # Each joint's local transform is affine in (sin q, 1 - cos q, q):
        #   origin @ motion(q) = origin + sin(q) A + (1 - cos q) B + q C
        # with A = origin @ K, B = origin @ K^2 (Rodrigues, revolute) and
        # C = origin @ [0 axis; 0 0] (prismatic): `forward_pass` builds each from these.
        k = np.zeros((self.dof, 4, 4))
        k[:, 0, 1], k[:, 0, 2] = -axes[:, 2], axes[:, 1]
        k[:, 1, 0], k[:, 1, 2] = axes[:, 2], -axes[:, 0]
        k[:, 2, 0], k[:, 2, 1] = -axes[:, 1], axes[:, 0]
        slide = np.zeros((self.dof, 4, 4))
        slide[:, :3, 3] = axes
        revolute = ~self._prismatic
        terms = np.zeros((self.dof, 3, 4, 4))
        terms[revolute, 0] = (self._origins @ k)[revolute]
        terms[revolute, 1] = (self._origins @ k @ k)[revolute]
        terms[self._prismatic, 2] = (self._origins @ slide)[self._prismatic]
        self._terms = np.ascontiguousarray(terms)
        self._origins = np.ascontiguousarray(self._origins)
        self._identity = np.eye(4)
        # Per-call buffers, allocated once (FK runs every tick).
        self._scratch = np.empty((4, 4))
        self._frames = np.empty((self.dof + 1, 4, 4))
        self._points = np.empty((self.dof + 2, 3))
        self.frames(np.zeros(self.dof))  # compiles the kernel (or loads it from the cache)

    # -- construction ------------------------------------------------------------

    @classmethod
    def from_urdf(cls, urdf: str | Path, tip_link: str, base_link: str | None = None) -> Chain:
        """Read the chain ending at `tip_link` from a URDF file path or XML text.

        Raises `ConfigError` naming the link or joint when the file does not describe
        a chain to `tip_link`.
        """
        text = str(urdf)
        source = "URDF text"
        if not text.lstrip().startswith("<"):
            source = text
            try:
                text = Path(urdf).read_text()
            except OSError as err:
                raise ConfigError(f"cannot read URDF {urdf}: {err.strerror}") from err
        try:
            root = ET.fromstring(text)
        except ET.ParseError as err:
            raise ConfigError(f"{source}: not valid XML: {err}") from err
        by_child: dict[str, ET.Element] = {}
        for joint in root.iter("joint"):
            child = joint.find("child")
            if child is not None:
                by_child[child.get("link", "")] = joint
        links = {link.get("name") for link in root.iter("link")}
        if tip_link not in links:
            raise ConfigError(f"{source}: no link {tip_link!r}; links are {sorted(links)}")
        path: list[ET.Element] = []
        link = tip_link
        while link in by_child and link != base_link:
            joint = by_child[link]
            path.append(joint)
            parent = joint.find("parent")
            link = parent.get("link", "") if parent is not None else ""
        if base_link is not None and link != base_link:
            raise ConfigError(f"{source}: {tip_link!r} does not descend from {base_link!r}")
        path.reverse()

        joints: list[ChainJoint] = []
        pending = np.eye(4)  # fixed joints folded into the next moving joint
        for element in path:
            name = element.get("name", "?")
            where = f"{source}: joint {name!r}"
            kind = element.get("type", "")
            origin = pending @ _origin(element, where)
            if kind == "fixed":
                pending = origin
                continue
            if kind not in ("revolute", "continuous", "prismatic"):
                raise ConfigError(f"{where}: joint type {kind!r} is not supported in a chain")
            axis_el = element.find("axis")
            axis = np.array(
                _floats(axis_el.get("xyz") if axis_el is not None else None, "1 0 0", where)
            )
            norm = float(np.linalg.norm(axis))
            if norm < 1e-12:
                raise ConfigError(f"{where}: axis is zero")
            limit = element.find("limit")
            lower, upper = -math.inf, math.inf
            if kind != "continuous" and limit is not None:
                lower = float(limit.get("lower", "-inf"))
                upper = float(limit.get("upper", "inf"))
            joints.append(ChainJoint(name, origin, axis / norm, kind == "prismatic", lower, upper))
            pending = np.eye(4)
        return cls(joints, pending, tip_link)

    def with_limits(self, lower: np.ndarray, upper: np.ndarray) -> Chain:
        """A copy using other joint limits (the profile's, tighter than the URDF's)."""
        joints = [
            ChainJoint(j.name, j.origin, j.axis, j.prismatic, float(lo), float(hi))
            for j, lo, hi in zip(self.joints, lower, upper, strict=True)
        ]
        return Chain(joints, self.tip_offset, self.tip_link)

    # -- forward kinematics --------------------------------------------------------

    def frames(
        self,
        q: np.ndarray | list[float] | tuple[float, ...],
        base: np.ndarray | None = None,
    ) -> np.ndarray:
        """Poses (4x4) of each moving joint's child frame, then the tip: (n+1, 4, 4), in
        the chain root's frame, or in the world when `base` (world <- root) is given.

        The returned array is reused by the next call: copy it to keep it.
        """
        base = self._identity if base is None else np.ascontiguousarray(base, dtype=np.float64)
        self._forward(q, base, self._points)
        return self._frames

    def points(
        self, q: np.ndarray | list[float] | tuple[float, ...], base: np.ndarray, out: np.ndarray
    ) -> np.ndarray:
        """World positions (m) of the base origin, each moving frame's origin and the
        tip, (n+2, 3), into `out` (`base`: world <- root, C-ordered float64). What the
        capsule checks need, from one call."""
        self._forward(q, base, out)
        return out

    def _forward(
        self, q: np.ndarray | list[float] | tuple[float, ...], base: np.ndarray, points: np.ndarray
    ) -> None:
        q = np.ascontiguousarray(q, dtype=np.float64)
        # The compiled pass checks no bounds: a longer q, a smaller `points` or another
        # `base` would read or write past the buffers.
        if q.shape != (self.dof,):
            raise ValueError(
                f"the chain to {self.tip_link!r} has {self.dof} joints {self.joint_names}, "
                f"got joint values of shape {q.shape}"
            )
        if base.shape != (4, 4) or points.shape != (self.dof + 2, 3):
            raise ValueError(
                f"base must be (4, 4) and points ({self.dof + 2}, 3), "
                f"got {base.shape} and {points.shape}"
            )
        forward_pass(
            self._origins,
            self._terms,
            self.tip_offset,
            base,
            q,
            self._scratch,
            self._frames,
            points,
        )

    def fk(self, q: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
        """The tip's world pose (4x4, a fresh array)."""
        return self.frames(q)[self.dof].copy()

    def jacobian(self, q: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
        """Geometric Jacobian of the tip, (6, n): rows 0-2 linear (m/rad), 3-5 angular."""
        frames = self.frames(q)
        tip = frames[self.dof, :3, 3]
        axes_world = np.einsum("nij,nj->ni", frames[: self.dof, :3, :3], self._axes)
        origins = frames[: self.dof, :3, 3]
        jac = np.zeros((6, self.dof))
        revolute = ~self._prismatic
        jac[:3, revolute] = np.cross(axes_world[revolute], tip - origins[revolute]).T
        jac[3:, revolute] = axes_world[revolute].T
        jac[:3, self._prismatic] = axes_world[self._prismatic].T
        return jac

    # -- inverse kinematics --------------------------------------------------------

    def solve_ik(
        self,
        position: np.ndarray | tuple[float, float, float],
        seed: np.ndarray | list[float] | tuple[float, ...],
        *,
        tool_axis: tuple[float, float, float] | None = None,
        direction: tuple[float, float, float] | None = None,
        what: str = "target",
        restarts: int = 8,
        rng: np.random.Generator | None = None,
        position_tolerance_m: float = IK_POSITION_TOLERANCE_M,
        axis_tolerance_rad: float = IK_AXIS_TOLERANCE_RAD,
    ) -> np.ndarray:
        """Joint angles (rad) that put the tip at `position` (m, world frame).

        tool_axis, direction: when both given, the tip frame's `tool_axis` (a unit
        vector in the tip frame) must also point along `direction` (world frame);
        rotation about that axis is left free. Starts from `seed`, then from
        `restarts` random configurations. Raises `OutOfReach(what, ...)`.
        """
        target = np.asarray(position, dtype=np.float64)
        axis_task = tool_axis is not None and direction is not None
        local_axis = np.asarray(tool_axis if axis_task else (1.0, 0.0, 0.0), dtype=np.float64)
        wanted = np.asarray(direction if axis_task else (1.0, 0.0, 0.0), dtype=np.float64)
        local_axis = local_axis / np.linalg.norm(local_axis)
        wanted = wanted / np.linalg.norm(wanted)
        rng = rng or np.random.default_rng(0)
        lower = np.where(np.isfinite(self.lower), self.lower, -math.pi)
        upper = np.where(np.isfinite(self.upper), self.upper, math.pi)

        best_q = np.clip(np.asarray(seed, dtype=np.float64), lower, upper)
        best = (math.inf, math.inf)
        for attempt in range(restarts + 1):
            q0 = best_q if attempt == 0 else rng.uniform(lower, upper)
            q, pos_err, ang_err = self._dls(q0, target, local_axis, wanted, axis_task, lower, upper)
            if pos_err <= position_tolerance_m and ang_err <= axis_tolerance_rad:
                return q
            if pos_err + 0.1 * ang_err < best[0] + 0.1 * best[1]:
                best = (pos_err, ang_err)
                if attempt == 0:
                    best_q = q
        raise OutOfReach(what, best[0], best[1])

    def _dls(
        self,
        q: np.ndarray,
        target: np.ndarray,
        local_axis: np.ndarray,
        wanted: np.ndarray,
        axis_task: bool,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> tuple[np.ndarray, float, float]:
        """Damped least squares from q; returns (q, position error m, axis error rad)."""
        q = q.copy()
        rows = 6 if axis_task else 3
        damping2 = IK_DAMPING**2
        error = np.empty(rows)
        pos_err = ang_err = math.inf
        for iteration in range(IK_MAX_ITERATIONS + 1):
            jac = self.jacobian(q)
            tip = self._frames[self.dof]
            error[:3] = target - tip[:3, 3]
            pos_err = float(np.linalg.norm(error[:3]))
            ang_err = 0.0
            if axis_task:
                current = tip[:3, :3] @ local_axis
                # Turning `current` onto `wanted` needs an angular velocity along their cross.
                cross = np.cross(current, wanted)
                sin = float(np.linalg.norm(cross))
                ang_err = math.atan2(sin, float(current @ wanted))
                rotation = cross * (ang_err / sin) if sin > 1e-12 else cross
                error[3:] = AXIS_WEIGHT_M_PER_RAD * rotation
                j = np.vstack((jac[:3], AXIS_WEIGHT_M_PER_RAD * jac[3:]))
            else:
                j = jac[:3]
            converged = pos_err < CONVERGED_FRACTION * IK_POSITION_TOLERANCE_M and (
                ang_err < CONVERGED_FRACTION * IK_AXIS_TOLERANCE_RAD
            )
            if converged or iteration == IK_MAX_ITERATIONS:
                break
            step = j.T @ np.linalg.solve(j @ j.T + damping2 * np.eye(rows), error)
            largest = float(np.max(np.abs(step)))
            if largest > IK_MAX_STEP_RAD:
                step *= IK_MAX_STEP_RAD / largest
            q = np.clip(q + step, lower, upper)
        return q, pos_err, ang_err


# -- the compiled forward kinematics ---------------------------------------------------------
# One pass down the chain, compiled by numba: numpy's per-call cost (~1 us each, a few
# dozen calls for a batched formulation) dwarfs the arithmetic of a few 4x4 products,
# and FK runs on every tick of the 1 kHz loop (see robot/cerebellum/README.md).


@njit(cache=True)
def forward_pass(
    origins: np.ndarray,
    terms: np.ndarray,
    tip_offset: np.ndarray,
    base: np.ndarray,
    q: np.ndarray,
    local: np.ndarray,
    frames: np.ndarray,
    points: np.ndarray,
) -> None:
    """frames[i] = base @ L_0(q_0) @ ... @ L_i(q_i), frames[n] = frames[n-1] @ tip_offset,
    where L_i(q) = origins[i] + sin(q) terms[i,0] + (1 - cos q) terms[i,1] + q terms[i,2]
    (see `Chain.__init__`); points[0] = base's origin, points[1 + i] = frames[i]'s.
    `local` is a 4x4 scratch buffer."""
    n = q.shape[0]
    parent = base
    for i in range(n):
        s = math.sin(q[i])
        c = 1.0 - math.cos(q[i])
        x = q[i]
        for r in range(4):
            for k in range(4):
                local[r, k] = (
                    origins[i, r, k]
                    + s * terms[i, 0, r, k]
                    + c * terms[i, 1, r, k]
                    + x * terms[i, 2, r, k]
                )
        _multiply(parent, local, frames[i])
        parent = frames[i]
    _multiply(parent, tip_offset, frames[n])
    for axis in range(3):
        points[0, axis] = base[axis, 3]
        for i in range(n + 1):
            points[i + 1, axis] = frames[i, axis, 3]


@njit(cache=True)
def _multiply(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a @ b for 4x4 matrices (out must not alias a or b)."""
    for r in range(4):
        for k in range(4):
            out[r, k] = (
                a[r, 0] * b[0, k] + a[r, 1] * b[1, k] + a[r, 2] * b[2, k] + a[r, 3] * b[3, k]
            )
