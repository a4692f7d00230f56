"""What every scene needs: the floor, seeded randomisation, placing a prop on a surface."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p

from core.catalogue.types import Randomise
from core.msgs import Vec3
from sim.bodies import Body, Part, build_body, build_mesh_body, mesh_vertices
from sim.liquids import Vessel
from sim.props import Prop
from sim.scene import Placement, Scene, SceneObject

FLOOR_COLOUR = (0.82, 0.82, 0.80, 1.0)
FLOOR_SIZE = 6.0  # m, square
MAX_DRAWS = 50
CLEARANCE = 0.01  # m between the footprints of objects at the start
TIGHT_DRAWS = 200
"""Draws more, with footprints allowed to touch (no CLEARANCE), once MAX_DRAWS found no
room: in a tight layout (care's towel between the pill box and the basket) about one
seed in twenty found none. The footprints are circles about each object, so touching
circles still leave the bodies apart; a seed that found room before finds the same."""
SETTLE_S = 0.5  # s of physics after building, so the particles settle before use


@dataclass(frozen=True)
class Jitter:
    """One object's random offsets: dx, dy (m), dyaw (rad), mass scale, friction."""

    dx: float
    dy: float
    dyaw: float
    mass_scale: float
    friction: float


def draw_jitter(rng: np.random.Generator, randomise: Randomise) -> Jitter:
    """One draw of a scene's randomisation (the draws' order is part of a seed's meaning)."""
    position, yaw, mass = randomise.position_m, math.radians(randomise.yaw_deg), randomise.mass
    return Jitter(
        dx=float(rng.uniform(-position, position)),
        dy=float(rng.uniform(-position, position)),
        dyaw=float(rng.uniform(-yaw, yaw)),
        mass_scale=float(rng.uniform(1.0 - mass, 1.0 + mass)),
        friction=float(rng.uniform(*randomise.friction)),
    )


def build_floor(client: int) -> Body:
    """A static floor: an infinite plane for physics, a large grey square to look at."""
    shape = p.createCollisionShape(p.GEOM_PLANE, physicsClientId=client)
    visual = p.createVisualShape(
        p.GEOM_BOX,
        halfExtents=[FLOOR_SIZE / 2, FLOOR_SIZE / 2, 0.001],
        rgbaColor=list(FLOOR_COLOUR),
        physicsClientId=client,
    )
    body = p.createMultiBody(0.0, shape, visual, [0.0, 0.0, 0.0], physicsClientId=client)
    return Body(body_id=body, client=client)


def polar(radius: float, angle_deg: float) -> tuple[float, float]:
    """A point (m) on the table `radius` from the arm's base, `angle_deg` left of +x."""
    a = math.radians(angle_deg)
    return (radius * math.cos(a), radius * math.sin(a))


def footprint(prop: Prop) -> float:
    """Radius (m) of a circle about the reference point that covers the prop from above
    (each part's bounding box corners, turned with the part; a mesh's vertices)."""
    if prop.mesh is not None:
        vertices = mesh_vertices(prop.mesh.file, prop.mesh.scale)
        return float(np.hypot(vertices[:, 0], vertices[:, 1]).max())
    reach = 0.0
    for part in prop.parts:
        if part.shape == "sphere":
            reach = max(reach, math.hypot(*part.position[:2]) + part.size[0])
            continue
        if part.shape == "box":
            half = np.array(part.size) / 2
        else:  # cylinder along its z
            half = np.array([part.size[0], part.size[0], part.size[1] / 2])
        rot = np.array(p.getMatrixFromQuaternion(part.orientation)).reshape(3, 3)
        corners = (
            np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * half
        )
        world = corners @ rot.T + np.asarray(part.position)
        reach = max(reach, float(np.hypot(world[:, 0], world[:, 1]).max()))
    return reach


def facing_arm_yaw(x: float, y: float) -> float:
    """Yaw (rad) that points an object's +x away from the arm base (at the origin in xy):
    its -x side, where the grasps come from, faces the arm."""
    return math.atan2(y, x)


def add_object(
    scene: Scene,
    name: str,
    prop: Prop,
    mass: float,
    xy: tuple[float, float],
    surface_z: float,
    rng: np.random.Generator,
    randomise: Randomise,
    placement: Placement | None = None,
) -> SceneObject:
    """Place `prop` on a surface at height `surface_z` (m), near `xy` (m, world),
    randomised by `rng` as `randomise` says, its grasp side facing the arm. A draw whose
    footprint would overlap an object already placed is drawn again (MAX_DRAWS times,
    then TIGHT_DRAWS times with footprints allowed to touch)."""
    radius = footprint(prop)
    for draw in range(MAX_DRAWS + TIGHT_DRAWS):
        j = draw_jitter(rng, randomise)
        x, y = xy[0] + j.dx, xy[1] + j.dy
        clearance = CLEARANCE if draw < MAX_DRAWS else 0.0
        if all(
            math.hypot(x - ox, y - oy) > radius + r + clearance
            for ox, oy, r in scene_footprints(scene)
        ):
            break
    else:
        raise ValueError(f"cannot place {name!r} near {xy} without touching another object")
    position: Vec3 = (x, y, surface_z)
    yaw = facing_arm_yaw(*xy) + j.dyaw
    client, mass = scene.world.client, mass * j.mass_scale
    if prop.mesh is not None:
        mesh = prop.mesh
        body = build_mesh_body(
            client, mesh.file, mesh.scale, mesh.colour, mass, position, yaw, j.friction
        )
    else:
        body = build_body(client, prop.parts, mass, position, yaw=yaw, lateral_friction=j.friction)
    if prop.spinning_friction is not None:
        p.changeDynamics(
            body.body_id,
            -1,
            spinningFriction=prop.spinning_friction,
            physicsClientId=scene.world.client,
        )
    vessel = Vessel(name, body, prop.cavity) if prop.cavity is not None else None
    obj = SceneObject(name=name, body=body, vessel=vessel, placement=placement, footprint=radius)
    scene.objects[name] = obj
    return obj


def scene_footprints(scene: Scene) -> list[tuple[float, float, float]]:
    """(x, y, radius) of every object placed so far (m)."""
    out = []
    for obj in scene.objects.values():
        pos, _ = obj.body.frame_pose()
        out.append((pos[0], pos[1], obj.footprint))
    return out


def static_body(scene: Scene, parts: list[Part], position: Vec3, yaw: float = 0.0) -> Body:
    return build_body(scene.world.client, parts, 0.0, position, yaw)
