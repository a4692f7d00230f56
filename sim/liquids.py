"""Liquid as particles: tens of small, slippery spheres that physics alone moves.

Pouring is real tilting: particles run over a vessel's rim under gravity. A vessel's
fill level is the number of particles inside its cavity over its capacity. A particle
is *spilled* once it is outside every vessel and touches something that is not a
vessel (table, floor, tray, a person...): particles still in flight are not counted.
Particles resting on the arm itself are not counted either (they are not at rest).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pybullet as p

from sim.bodies import RGBA, Body, allow_sleep
from sim.props import Cavity

PARTICLE_RADIUS = 0.008  # m
PARTICLE_MASS = 0.004  # kg: a 16 mm "drop" stands for ~7 ml of tea
PARTICLE_FRICTION = 0.05  # sliding friction between particles and anything
PARTICLE_RESTITUTION = 0.0  # liquids do not bounce
PARTICLE_ROLLING_FRICTION = 0.001
"""m (Bullet's rolling resistance arm): a drop on a table wets it and stops; a rigid
frictionless sphere would roll on for metres (off the table, into people's feet).
Slopes steeper than ~7 degrees (atan(0.001 / PARTICLE_RADIUS)) still run off."""
PARTICLE_SPIN_DAMPING = 0.5  # 1/s-ish (Bullet's damping factor): a drop has no spin to keep;
# frictionless spheres would otherwise spin for ever and never let the vessel sleep
SPAWN_GAP = 0.0005  # m between spawned particles, so none starts in contact
INSIDE_TOLERANCE = 0.002  # m: a particle on the wall's inner face is still inside
RIM_HEAP = 2.0 * PARTICLE_RADIUS  # m above the rim that still counts as inside (a heap)

CCD_RADIUS = 0.8 * PARTICLE_RADIUS
"""Continuous collision detection: a drop falling off the table moves ~1.6 cm per step
at 240 Hz, twice its radius; the swept sphere stops it at the surface."""

TEA: RGBA = (0.72, 0.38, 0.08, 1.0)
WATER: RGBA = (0.30, 0.65, 1.00, 1.0)


@dataclass(frozen=True)
class Vessel:
    """A body with a cavity (cup, teapot, glass)."""

    name: str
    body: Body
    cavity: Cavity


def spawn_points(cavity: Cavity, count: int) -> np.ndarray:
    """`count` particle centres (N, 3) in the vessel's frame, layer by layer from its
    floor: a centre particle and a hexagonal ring, alternate layers turned by 30 deg."""
    pitch = 2.0 * PARTICLE_RADIUS + SPAWN_GAP
    ring = min(cavity.radius - PARTICLE_RADIUS - SPAWN_GAP, pitch)
    # Ring particles at least `pitch` apart; a centre particle only if the ring clears it.
    per_ring = int(math.pi / math.asin(min(pitch / (2.0 * ring), 1.0)) + 1e-9) if ring > 0 else 0
    centre = [(0.0, 0.0)] if ring >= pitch else []
    points: list[tuple[float, float, float]] = []
    layer = 0
    while len(points) < count:
        z = cavity.floor + PARTICLE_RADIUS + SPAWN_GAP + layer * pitch
        if z + PARTICLE_RADIUS > cavity.rim:
            raise ValueError(
                f"{count} particles do not fit a cavity of radius {cavity.radius} m, "
                f"rim {cavity.rim} m: {len(points)} do"
            )
        turn = (layer % 2) * math.pi / max(per_ring, 1)
        angles = [turn + 2 * math.pi * k / per_ring for k in range(per_ring)]
        layer_points = [(x, y, z) for x, y in centre] + [
            (ring * math.cos(a), ring * math.sin(a), z) for a in angles
        ]
        points.extend(layer_points[: count - len(points)])
        layer += 1
    return np.array(points)


class Liquid:
    """The particles of one scene, all the same size, in one colour per vessel."""

    def __init__(self, client: int) -> None:
        self.client = client
        self.particles: list[int] = []
        self._shape = p.createCollisionShape(
            p.GEOM_SPHERE, radius=PARTICLE_RADIUS, physicsClientId=client
        )
        self._visuals: dict[RGBA, int] = {}

    def fill(self, vessel: Vessel, count: int, colour: RGBA) -> list[int]:
        """Create `count` particles inside `vessel` (set-up, before physics runs)."""
        if colour not in self._visuals:
            self._visuals[colour] = p.createVisualShape(
                p.GEOM_SPHERE,
                radius=PARTICLE_RADIUS,
                rgbaColor=list(colour),
                physicsClientId=self.client,
            )
        pos, orn = vessel.body.frame_pose()
        rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
        created = []
        for local in spawn_points(vessel.cavity, count):
            world = np.asarray(pos) + rot @ local
            body = p.createMultiBody(
                baseMass=PARTICLE_MASS,
                baseCollisionShapeIndex=self._shape,
                baseVisualShapeIndex=self._visuals[colour],
                basePosition=list(world),
                useMaximalCoordinates=True,
                physicsClientId=self.client,
            )
            p.changeDynamics(
                body,
                -1,
                lateralFriction=PARTICLE_FRICTION,
                rollingFriction=PARTICLE_ROLLING_FRICTION,
                spinningFriction=0.0,
                restitution=PARTICLE_RESTITUTION,
                ccdSweptSphereRadius=CCD_RADIUS,
                angularDamping=PARTICLE_SPIN_DAMPING,
                physicsClientId=self.client,
            )
            allow_sleep(self.client, body)
            created.append(body)
        self.particles.extend(created)
        return created

    def positions(self) -> np.ndarray:
        """Particle centres (N, 3), world frame (m)."""
        if not self.particles:
            return np.zeros((0, 3))
        return np.array(
            [
                p.getBasePositionAndOrientation(b, physicsClientId=self.client)[0]
                for b in self.particles
            ]
        )

    def inside_mask(self, vessel: Vessel, positions: np.ndarray | None = None) -> np.ndarray:
        """Which particles are inside the vessel's cavity (or heaped just above its rim)."""
        pts = self.positions() if positions is None else positions
        if len(pts) == 0:
            return np.zeros(0, dtype=bool)
        local = vessel.body.to_local(pts)
        radial = np.hypot(local[:, 0], local[:, 1])
        cav = vessel.cavity
        return (
            (radial <= cav.radius - PARTICLE_RADIUS + INSIDE_TOLERANCE)
            & (local[:, 2] >= cav.floor - INSIDE_TOLERANCE)
            & (local[:, 2] <= cav.rim + RIM_HEAP)
        )

    def count_inside(self, vessel: Vessel) -> int:
        return int(self.inside_mask(vessel).sum())

    def touching(self, body_ids: Iterable[int]) -> set[int]:
        """Particles in contact with any of `body_ids` (after the last step)."""
        mine = set(self.particles)
        found: set[int] = set()
        for body in body_ids:
            for contact in p.getContactPoints(bodyA=body, physicsClientId=self.client):
                if contact[2] in mine:
                    found.add(contact[2])
        return found

    def spilled(self, vessels: Iterable[Vessel], resting_on: Iterable[int]) -> set[int]:
        """Particles outside every vessel that touch one of `resting_on` (bodies that
        are not vessels: furniture, floor, trays, people), directly or through a pile
        of other spilled particles."""
        pts = self.positions()
        outside = np.ones(len(pts), dtype=bool)
        for vessel in vessels:
            outside &= ~self.inside_mask(vessel, pts)
        candidates = {b for b, out in zip(self.particles, outside, strict=True) if out}
        spilled = self.touching(resting_on) & candidates
        # A particle lying on a spilled particle is spilled too.
        frontier = set(spilled)
        while frontier:
            nxt: set[int] = set()
            for b in frontier:
                for contact in p.getContactPoints(bodyA=b, physicsClientId=self.client):
                    other = contact[2]
                    if other in candidates and other not in spilled:
                        nxt.add(other)
            spilled |= nxt
            frontier = nxt
        return spilled
