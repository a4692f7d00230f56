"""Every link's transform from its parent, for a joint state: what Foxglove's 3D panel
needs to draw a URDF.

The URDF layer of Foxglove's 3D panel places each link by the transform from its parent
link's frame to its own, looked up by frame name (the link's name, plus a prefix such as
`commanded/` for a second copy of the arm). Such a transform is the joint's origin
(`xyz`, `rpy`) followed by the joint's motion: a rotation by the joint's position about
its axis (revolute, continuous) or a slide along it (prismatic); fixed joints keep their
origin. Units: metres and radians; quaternions (x, y, z, w).

Plain Python on purpose: an arm has a handful of joints, and this runs at the live
view's rate (tens of Hz) outside the control loop, where numpy's per-call cost for 3x3
products would outweigh the arithmetic.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]
IDENTITY: Quat = (0.0, 0.0, 0.0, 1.0)


def quat_multiply(a: Quat, b: Quat) -> Quat:
    """The rotation `a` then, in its frame, `b` (Hamilton product a * b)."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def quat_from_rpy(roll: float, pitch: float, yaw: float) -> Quat:
    """URDF's fixed-axis roll, pitch, yaw (about x, then y, then z of the parent)."""
    qx = (math.sin(roll / 2), 0.0, 0.0, math.cos(roll / 2))
    qy = (0.0, math.sin(pitch / 2), 0.0, math.cos(pitch / 2))
    qz = (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2))
    return quat_multiply(qz, quat_multiply(qy, qx))


def quat_about(axis: Vec3, angle: float) -> Quat:
    """A rotation by `angle` (rad) about the unit vector `axis`."""
    s = math.sin(angle / 2)
    return (axis[0] * s, axis[1] * s, axis[2] * s, math.cos(angle / 2))


def rotate(q: Quat, v: Vec3) -> Vec3:
    """`v` rotated by the unit quaternion `q`."""
    x, y, z, w = q
    # v + 2w (u x v) + 2 u x (u x v), u = (x, y, z)
    cx, cy, cz = y * v[2] - z * v[1], z * v[0] - x * v[2], x * v[1] - y * v[0]
    return (
        v[0] + 2 * (w * cx + y * cz - z * cy),
        v[1] + 2 * (w * cy + z * cx - x * cz),
        v[2] + 2 * (w * cz + x * cy - y * cx),
    )


@dataclass(frozen=True)
class UrdfJoint:
    """One joint of the URDF: origin (parent link -> joint frame) and motion axis."""

    name: str
    kind: str
    parent: str
    child: str
    xyz: Vec3
    rotation: Quat
    axis: Vec3


@dataclass(frozen=True)
class LinkTransform:
    """The pose of `child`'s frame in `parent`'s: translation (m), rotation (x, y, z, w)."""

    parent: str
    child: str
    translation: Vec3
    rotation: Quat


def _floats(text: str | None, default: str, where: str) -> Vec3:
    try:
        values = tuple(float(v) for v in (text or default).split())
    except ValueError as err:
        raise ConfigError(f"{where}: not numbers: {text!r}") from err
    if len(values) != 3:
        raise ConfigError(f"{where}: expected 3 numbers, got {text!r}")
    return values  # type: ignore[return-value]


class UrdfFrames:
    """The joints of a URDF, and each link's transform for a joint position.

    joint_names: the names in the order of the bus's joint arrays (the profile's);
    every one must be a moving joint of the URDF.
    """

    def __init__(self, urdf_text: str, joint_names: tuple[str, ...], source: str = "URDF") -> None:
        try:
            root = ET.fromstring(urdf_text)
        except ET.ParseError as err:
            raise ConfigError(f"{source}: not valid XML: {err}") from err
        self.text = urdf_text
        self.joints: list[UrdfJoint] = []
        for element in root.iter("joint"):
            name = element.get("name", "?")
            where = f"{source}: joint {name!r}"
            parent, child = element.find("parent"), element.find("child")
            if parent is None or child is None:
                raise ConfigError(f"{where}: needs <parent> and <child>")
            origin = element.find("origin")
            xyz = _floats(origin.get("xyz") if origin is not None else None, "0 0 0", where)
            rpy = _floats(origin.get("rpy") if origin is not None else None, "0 0 0", where)
            axis_el = element.find("axis")
            axis = _floats(axis_el.get("xyz") if axis_el is not None else None, "1 0 0", where)
            norm = math.sqrt(sum(a * a for a in axis)) or 1.0
            self.joints.append(
                UrdfJoint(
                    name,
                    element.get("type", "fixed"),
                    parent.get("link", ""),
                    child.get("link", ""),
                    xyz,
                    quat_from_rpy(*rpy),
                    (axis[0] / norm, axis[1] / norm, axis[2] / norm),
                )
            )
        children = {j.child for j in self.joints}
        roots = [link.get("name", "") for link in root.iter("link")]
        roots = [name for name in roots if name not in children]
        if len(roots) != 1:
            raise ConfigError(f"{source}: expected one root link, found {roots}")
        self.root_link = roots[0]
        """The link every other hangs from (the arm's base)."""
        moving = {j.name: i for i, j in enumerate(self.joints) if j.kind != "fixed"}
        missing = [name for name in joint_names if name not in moving]
        if missing:
            raise ConfigError(f"{source}: no moving joint {missing} (joints: {sorted(moving)})")
        self.index = {name: i for i, name in enumerate(joint_names)}
        """Bus array index of each moving joint."""

    @classmethod
    def from_file(cls, path: str | Path, joint_names: tuple[str, ...]) -> UrdfFrames:
        try:
            text = Path(path).read_text()
        except OSError as err:
            raise ConfigError(f"cannot read URDF {path}: {err.strerror}") from err
        return cls(text, joint_names, str(path))

    def transforms(self, position: tuple[float, ...], prefix: str = "") -> list[LinkTransform]:
        """Each joint's parent -> child transform at `position` (bus order; rad or m),
        frame names prefixed with `prefix`. A joint missing from a short array stays at 0."""
        out = []
        for joint in self.joints:
            i = self.index.get(joint.name)
            q = position[i] if i is not None and i < len(position) else 0.0
            xyz, rotation = joint.xyz, joint.rotation
            if joint.kind in ("revolute", "continuous"):
                rotation = quat_multiply(rotation, quat_about(joint.axis, q))
            elif joint.kind == "prismatic":
                slide = rotate(rotation, (joint.axis[0] * q, joint.axis[1] * q, joint.axis[2] * q))
                xyz = (xyz[0] + slide[0], xyz[1] + slide[1], xyz[2] + slide[2])
            out.append(LinkTransform(prefix + joint.parent, prefix + joint.child, xyz, rotation))
        return out
