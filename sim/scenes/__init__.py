"""Scene geometry: `build_scene(world, "tea" | "care", seed)` (names: core/scenes.py)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.profile import Profile, load_profile
from core.scenes import scene_spec
from sim.arm import Arm
from sim.liquids import Liquid
from sim.scene import Scene
from sim.scenes import care, tea
from sim.scenes.common import SETTLE_S, build_floor
from sim.world import World

_BUILDERS: dict[
    str, tuple[Callable[[Scene, np.random.Generator], None], tuple[float, float, float]]
] = {
    "tea": (tea.build, tea.ARM_BASE),
    "care": (care.build, care.ARM_BASE),
}


def build_scene(
    world: World,
    name: str,
    seed: int = 0,
    profile: Profile | str = "so101",
    settle: bool = True,
) -> Scene:
    """Build scene `name` in `world` with the arm of `profile` at its base, object poses,
    masses and frictions drawn from `seed`; then let it settle (SETTLE_S of physics)."""
    spec = scene_spec(name)
    builder, base = _BUILDERS[name]
    prof = load_profile(profile) if isinstance(profile, str) else profile
    arm = Arm(world, prof, base)
    arm.reset_pose([0.0] * arm.dof)
    scene = Scene(name=name, world=world, arm=arm, liquid=Liquid(world.client), seed=seed)
    scene.floor = build_floor(world.client)
    builder(scene, np.random.default_rng(seed))
    named = set(scene.objects) | set(scene.persons) | set(scene.surfaces)
    if named != set(spec.entities):
        raise AssertionError(
            f"scene {name!r} builds {sorted(named)}, spec says {sorted(spec.entities)}"
        )
    if settle:
        world.step(round(SETTLE_S * world.rate_hz))
    return scene
