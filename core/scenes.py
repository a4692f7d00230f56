"""The scenes' vocabulary: which names exist and what each is (docs/architecture.md,
"Scenes and objects").

This is the contract between the brain (which plans over these names) and the
simulator (which builds bodies with them), derived from the catalogue's scene files
(core/catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.catalogue import load_scene, scene_names
from core.catalogue.types import Surface
from core.msgs import Quat, SurfaceState, Vec3
from core.pose import quat_matrix

UPRIGHT: Quat = (0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class SceneSpec:
    """Names of one scene, by what can be done with them.

    graspable: objects the gripper can pick. containers: what can be poured into (a
    container that starts empty). vessels: graspable objects that hold liquid and start
    full. surfaces: where things can be placed. persons: who can receive a handover.
    `order`: every name in the order the scene file lists it ("the first cup"). hot:
    vessels whose contents are hot (never handed to a person while full).
    """

    name: str
    graspable: frozenset[str]
    containers: frozenset[str]
    vessels: frozenset[str]
    surfaces: frozenset[str]
    persons: frozenset[str]
    order: tuple[str, ...] = ()
    hot: frozenset[str] = frozenset()

    @property
    def entities(self) -> frozenset[str]:
        return self.graspable | self.containers | self.surfaces | self.persons


def scene_spec(name: str) -> SceneSpec:
    """The vocabulary of scene `name`: a catalogue scene's name or a scene file's path
    (raises `ConfigError` naming what is wrong)."""
    scene = load_scene(name)
    things = scene.things

    def having(attr: str) -> frozenset[str]:
        return frozenset(n for n, t in things.items() if getattr(t, attr) is not None)

    holders = {n: t.container for n, t in things.items() if t.container is not None}
    return SceneSpec(
        name=scene.name,
        graspable=having("grasp"),
        containers=frozenset(n for n, c in holders.items() if c.fill_at_start == 0),
        vessels=frozenset(n for n, c in holders.items() if c.fill_at_start > 0),
        surfaces=having("surface"),
        persons=having("person"),
        order=tuple(things),
        hot=frozenset(n for n, c in holders.items() if c.hot),
    )


SCENES: dict[str, SceneSpec] = {name: scene_spec(name) for name in scene_names()}
"""The scenes that ship with the stack, by name."""


def surface_state(surface: Surface, position: Vec3, orientation: Quat = UPRIGHT) -> SurfaceState:
    """`surface` (its thing's, from the catalogue) as world state, its thing's reference
    point at `position` (m) turned by `orientation`: the centre of its top, and its half
    sizes in its own frame."""
    top = np.asarray(position) + quat_matrix(orientation) @ (0.0, 0.0, surface.top_m)
    return SurfaceState(
        position=(float(top[0]), float(top[1]), float(top[2])),
        half_extents=(*surface.half_extents_m, 0.0),
    )
