"""Rigid bodies built from simple shapes (boxes, cylinders, spheres), for one client.

Every body is a single-link multibody whose frame is its *reference point* (for
objects: the centre of the bottom, where it stands on a surface). The inertial frame
is placed at the centre of mass computed from the parts, so PyBullet's base pose is
the centre of mass; `Body.frame_pose()` converts back to the reference point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pybullet as p

from core.msgs import Quat, Vec3

RGBA = tuple[float, float, float, float]
IDENTITY: Quat = (0.0, 0.0, 0.0, 1.0)
MAX_PARTS = 16
"""PyBullet's shape arrays hold at most 16 shapes; more crash the physics server."""
SLEEP_SPEED = 0.1
"""m/s: a body slower than this for 2 s (Bullet's fixed timeout) sleeps until something
touches it. Sleeping resting particles is most of what makes the twin fast."""


def allow_sleep(client: int, body_id: int) -> None:
    """Let a free body sleep when it rests (Bullet wakes it on contact)."""
    p.changeDynamics(
        body_id,
        -1,
        activationState=p.ACTIVATION_STATE_ENABLE_SLEEPING,
        sleepThreshold=SLEEP_SPEED**2,  # PyBullet compares |v|^2 with it
        physicsClientId=client,
    )


@dataclass(frozen=True)
class Part:
    """One primitive of a body. Sizes in m: box `size` = full extents; cylinder
    `size` = (radius, length, 0) along the part's z; sphere `size` = (radius, 0, 0).
    `collide=False` makes it decoration only."""

    shape: str  # "box" | "cylinder" | "sphere"
    size: Vec3
    position: Vec3
    colour: RGBA
    orientation: Quat = IDENTITY
    collide: bool = True

    @property
    def volume(self) -> float:
        if self.shape == "box":
            return self.size[0] * self.size[1] * self.size[2]
        if self.shape == "cylinder":
            return math.pi * self.size[0] ** 2 * self.size[1]
        return 4.0 / 3.0 * math.pi * self.size[0] ** 3


@dataclass
class Body:
    """A body in the world: its PyBullet id and the reference point in its COM frame."""

    body_id: int
    client: int
    com_offset: np.ndarray = field(default_factory=lambda: np.zeros(3))
    """Centre of mass in the reference frame (m)."""

    def frame_pose(self) -> tuple[Vec3, Quat]:
        """Position (m) of the reference point and orientation (xyzw), world frame."""
        pos, orn = p.getBasePositionAndOrientation(self.body_id, physicsClientId=self.client)
        rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
        ref = np.asarray(pos) - rot @ self.com_offset
        return (float(ref[0]), float(ref[1]), float(ref[2])), tuple(orn)  # type: ignore[return-value]

    def set_frame_pose(self, position: Vec3, orientation: Quat) -> None:
        """Put the reference point at `position` (m), turned to `orientation` (xyzw),
        world frame: set-up (or a copy of another world), no physics runs."""
        rot = np.array(p.getMatrixFromQuaternion(orientation)).reshape(3, 3)
        base = np.asarray(position) + rot @ self.com_offset
        p.resetBasePositionAndOrientation(
            self.body_id, base.tolist(), list(orientation), physicsClientId=self.client
        )

    def to_local(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) expressed in the reference frame."""
        pos, orn = p.getBasePositionAndOrientation(self.body_id, physicsClientId=self.client)
        rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
        return (points - np.asarray(pos)) @ rot + self.com_offset


def _shape_kwargs(part: Part) -> dict[str, object]:
    if part.shape == "box":
        return {"shapeType": p.GEOM_BOX, "halfExtents": [s / 2 for s in part.size]}
    if part.shape == "cylinder":
        return {"shapeType": p.GEOM_CYLINDER, "radius": part.size[0], "length": part.size[1]}
    if part.shape == "sphere":
        return {"shapeType": p.GEOM_SPHERE, "radius": part.size[0]}
    raise ValueError(f"unknown part shape {part.shape!r}: use box, cylinder or sphere")


def _centre_of_mass(parts: list[Part]) -> np.ndarray:
    solid = [q for q in parts if q.collide] or parts
    volumes = np.array([q.volume for q in solid])
    centres = np.array([q.position for q in solid])
    return (volumes[:, None] * centres).sum(axis=0) / volumes.sum()


def build_body(
    client: int,
    parts: list[Part],
    mass: float,
    position: Vec3,
    yaw: float = 0.0,
    lateral_friction: float | None = None,
) -> Body:
    """Create a body from `parts` (positions relative to its reference point) standing
    with its reference point at `position` (m), turned by `yaw` (rad) about z.

    At most MAX_PARTS parts (PyBullet's limit on shape arrays). mass 0 makes it
    static. Inertia: PyBullet's, from the collision shapes. Free bodies
    use maximal coordinates (a plain rigid body, several times cheaper than a
    one-link multibody) and may sleep when at rest.
    """
    if len(parts) > MAX_PARTS:
        raise ValueError(
            f"a body has at most {MAX_PARTS} parts (PyBullet's limit), got {len(parts)}"
        )
    com = _centre_of_mass(parts) if mass > 0 else np.zeros(3)
    collide = [q for q in parts if q.collide]
    col_id = -1
    if collide:
        col_id = p.createCollisionShapeArray(
            shapeTypes=[_shape_kwargs(q)["shapeType"] for q in collide],
            halfExtents=[list(_shape_kwargs(q).get("halfExtents", [0, 0, 0])) for q in collide],
            radii=[q.size[0] for q in collide],
            lengths=[q.size[1] if q.shape == "cylinder" else 0.0 for q in collide],
            collisionFramePositions=[list(np.asarray(q.position) - com) for q in collide],
            collisionFrameOrientations=[list(q.orientation) for q in collide],
            physicsClientId=client,
        )
    vis_id = p.createVisualShapeArray(
        shapeTypes=[_shape_kwargs(q)["shapeType"] for q in parts],
        halfExtents=[list(_shape_kwargs(q).get("halfExtents", [0, 0, 0])) for q in parts],
        radii=[q.size[0] for q in parts],
        lengths=[q.size[1] if q.shape == "cylinder" else 0.0 for q in parts],
        rgbaColors=[list(q.colour) for q in parts],
        visualFramePositions=[list(np.asarray(q.position) - com) for q in parts],
        visualFrameOrientations=[list(q.orientation) for q in parts],
        physicsClientId=client,
    )
    return _stand(client, col_id, vis_id, mass, com, position, yaw, lateral_friction)


def _stand(
    client: int,
    collision: int,
    visual: int,
    mass: float,
    com: np.ndarray,
    position: Vec3,
    yaw: float,
    lateral_friction: float | None,
) -> Body:
    """A body of these shapes (framed about its centre of mass `com`) with its reference
    point at `position` (m), turned by `yaw` (rad) about z."""
    orn = p.getQuaternionFromEuler((0.0, 0.0, yaw))
    rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
    body_id = p.createMultiBody(
        baseMass=mass,
        baseCollisionShapeIndex=collision,
        baseVisualShapeIndex=visual,
        basePosition=list(np.asarray(position) + rot @ com),
        useMaximalCoordinates=True,
        baseOrientation=orn,
        physicsClientId=client,
    )
    if lateral_friction is not None:
        p.changeDynamics(body_id, -1, lateralFriction=lateral_friction, physicsClientId=client)
    if mass > 0:
        allow_sleep(client, body_id)
    return Body(body_id=body_id, client=client, com_offset=com)


def mesh_vertices(path: str, scale: float = 1.0) -> np.ndarray:
    """The vertices (N, 3) of a Wavefront OBJ file, scaled into metres."""
    try:
        with open(path, encoding="utf-8") as f:
            rows = [line.split()[1:4] for line in f if line.startswith("v ")]
    except OSError as err:
        raise ValueError(f"cannot read mesh {path}: {err.strerror}") from err
    if not rows:
        raise ValueError(f"mesh {path} has no vertices ('v x y z' lines)")
    return np.array(rows, dtype=float) * scale


def build_mesh_body(
    client: int,
    path: str,
    scale: float,
    colour: RGBA,
    mass: float,
    position: Vec3,
    yaw: float = 0.0,
    lateral_friction: float | None = None,
) -> Body:
    """A body from an OBJ mesh, its reference point at the mesh's origin, standing at
    `position` (m) turned by `yaw` (rad). PyBullet collides a moving mesh as its convex
    hull; its centre of mass is taken at the mean of its vertices (a solid of even
    density with evenly spread vertices)."""
    com = mesh_vertices(path, scale).mean(axis=0) if mass > 0 else np.zeros(3)
    mesh_scale = [scale] * 3
    col = p.createCollisionShape(
        p.GEOM_MESH,
        fileName=path,
        meshScale=mesh_scale,
        collisionFramePosition=list(-com),
        physicsClientId=client,
    )
    vis = p.createVisualShape(
        p.GEOM_MESH,
        fileName=path,
        meshScale=mesh_scale,
        rgbaColor=list(colour),
        visualFramePosition=list(-com),
        physicsClientId=client,
    )
    return _stand(client, col, vis, mass, com, position, yaw, lateral_friction)


def ring_wall_parts(
    inner_radius: float,
    wall: float,
    height: float,
    z0: float,
    colour: RGBA,
    staves: int,
) -> list[Part]:
    """A vertical cylindrical wall made of `staves` flat boxes (m): an open tube of inner
    radius `inner_radius` from z0 to z0 + height. Boxes, not a mesh: convex pieces keep
    contacts with small spheres cheap and reliable."""
    parts = []
    # Each stave is the polygon side at the inner radius, widened to close the corners.
    width = 2.0 * (inner_radius + wall) * math.tan(math.pi / staves)
    for k in range(staves):
        angle = 2.0 * math.pi * k / staves
        r = inner_radius + wall / 2.0
        parts.append(
            Part(
                "box",
                (wall, width, height),
                (r * math.cos(angle), r * math.sin(angle), z0 + height / 2.0),
                colour,
                orientation=tuple(p.getQuaternionFromEuler((0.0, 0.0, angle))),  # type: ignore[arg-type]
            )
        )
    return parts
