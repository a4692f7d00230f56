"""The scenes' vocabulary: which names exist and what each is (docs/architecture.md,
"Scenes and objects").

This is the contract between the brain (which plans over these names) and the
simulator (which builds bodies with them). Geometry lives in `sim/scenes/`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SceneSpec:
    """Names of one scene, by what can be done with them.

    graspable: objects the gripper can pick. containers: what can be poured into.
    vessels: graspable objects that hold liquid and start full. surfaces: where
    things can be placed. persons: who can receive a handover.
    """

    name: str
    graspable: frozenset[str]
    containers: frozenset[str]
    vessels: frozenset[str]
    surfaces: frozenset[str]
    persons: frozenset[str]

    @property
    def entities(self) -> frozenset[str]:
        return self.graspable | self.containers | self.surfaces | self.persons


SCENES: dict[str, SceneSpec] = {
    "tea": SceneSpec(
        name="tea",
        graspable=frozenset({"teapot", "cup_red", "cup_blue"}),
        containers=frozenset({"cup_red", "cup_blue"}),
        vessels=frozenset({"teapot"}),
        surfaces=frozenset({"tray", "table"}),
        persons=frozenset({"guest"}),
    ),
    "care": SceneSpec(
        name="care",
        graspable=frozenset({"water_glass", "pill_box", "towel"}),
        containers=frozenset(),
        vessels=frozenset({"water_glass"}),
        surfaces=frozenset({"basket", "side_table"}),
        persons=frozenset({"resident"}),
    ),
}


def scene_spec(name: str) -> SceneSpec:
    try:
        return SCENES[name]
    except KeyError:
        raise KeyError(f"unknown scene {name!r}; scenes are {sorted(SCENES)}") from None
