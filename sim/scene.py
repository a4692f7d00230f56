"""A built scene: the named bodies of one world and the ground truth they give.

`Scene.state()` is the `WorldState` the stack sees (docs/architecture.md, "World
state"): objects with their reference pose (centre of the bottom, world frame) and fill
level; persons with their handover point; surfaces with the centre of their top and
half extents. `spilled()` and `on_person()` count particles for the run report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pybullet as p

from core.msgs import ObjectState, PersonState, SurfaceState, Vec3, WorldState
from sim.arm import Arm
from sim.bodies import Body
from sim.liquids import Liquid, Vessel
from sim.markers import Decals
from sim.person import PersonBody
from sim.world import World


@dataclass(frozen=True)
class Placement:
    """A surface on a body, in the body's frame: top centre height (m) and half extents (m)."""

    top: float
    half_extents: Vec3


@dataclass
class SceneObject:
    name: str
    body: Body
    vessel: Vessel | None = None
    placement: Placement | None = None
    """Set for objects that are also surfaces (a tray, a basket)."""
    footprint: float = 0.0
    """Radius (m) of a circle about its reference point that covers it from above."""


@dataclass
class StaticSurface:
    name: str
    body: Body
    top_centre: Vec3
    half_extents: Vec3


@dataclass
class Scene:
    """Everything named in one world. Built by `sim.scenes.build_scene`."""

    name: str
    world: World
    arm: Arm
    liquid: Liquid
    seed: int
    objects: dict[str, SceneObject] = field(default_factory=dict)
    decals: Decals | None = None
    """The things' fiducials, drawn where a camera renders (sim/markers.py)."""
    persons: dict[str, PersonBody] = field(default_factory=dict)
    surfaces: dict[str, StaticSurface] = field(default_factory=dict)
    floor: Body | None = None
    scenery: list[Body] = field(default_factory=list)
    """Unnamed static bodies (chairs)."""

    @property
    def vessels(self) -> list[Vessel]:
        return [o.vessel for o in self.objects.values() if o.vessel is not None]

    def body_ids(self) -> dict[str, int]:
        """PyBullet body id of every named thing (objects, persons, surfaces, the arm)."""
        ids = {n: o.body.body_id for n, o in self.objects.items()}
        ids |= {n: pb.body.body_id for n, pb in self.persons.items()}
        ids |= {n: s.body.body_id for n, s in self.surfaces.items()}
        ids["arm"] = self.arm.body_id
        return ids

    def keep_awake(self) -> None:
        """Never let bodies sleep (benchmarks of the worst case: every particle solved)."""
        ids = [o.body.body_id for o in self.objects.values()] + list(self.liquid.particles)
        for body in ids:
            p.changeDynamics(
                body,
                -1,
                activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING,
                physicsClientId=self.world.client,
            )

    def fill_level(self, name: str) -> float:
        """0..1: particles inside the object's cavity over its capacity (0 for solids)."""
        vessel = self.objects[name].vessel
        if vessel is None:
            return 0.0
        return min(1.0, self.liquid.count_inside(vessel) / vessel.cavity.capacity)

    def state(self) -> WorldState:
        objects = {}
        surfaces = {
            n: SurfaceState(position=s.top_centre, half_extents=s.half_extents)
            for n, s in self.surfaces.items()
        }
        for name, obj in self.objects.items():
            pos, orn = obj.body.frame_pose()
            objects[name] = ObjectState(position=pos, orientation=orn, filled=self.fill_level(name))
            if obj.placement is not None:
                rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
                top = np.asarray(pos) + rot @ (0.0, 0.0, obj.placement.top)
                surfaces[name] = SurfaceState(
                    position=(float(top[0]), float(top[1]), float(top[2])),
                    half_extents=obj.placement.half_extents,
                )
        persons = {n: PersonState(position=pb.handover) for n, pb in self.persons.items()}
        return WorldState(scene=self.name, objects=objects, persons=persons, surfaces=surfaces)

    def _not_vessels(self) -> list[int]:
        ids = [s.body.body_id for s in self.surfaces.values()]
        ids += [pb.body.body_id for pb in self.persons.values()]
        ids += [o.body.body_id for o in self.objects.values() if o.vessel is None]
        ids += [b.body_id for b in self.scenery]
        if self.floor is not None:
            ids.append(self.floor.body_id)
        return ids

    def spilled(self) -> int:
        """Particles that came to rest outside every vessel (on furniture, floor, people)."""
        return len(self.liquid.spilled(self.vessels, self._not_vessels()))

    def on_person(self) -> int:
        """Particles touching a person (must stay 0)."""
        return len(self.liquid.touching(pb.body.body_id for pb in self.persons.values()))
