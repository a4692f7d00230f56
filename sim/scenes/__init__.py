"""Build a catalogue scene in a world: `build_scene(world, "tea" | path, seed)`.

Everything about the scene comes from its files (core/catalogue): this module only
knows how to stand things where the file says, draw a seed's offsets, and fill what
starts full.
"""

from __future__ import annotations

import math

import numpy as np

from core.catalogue import SceneDescription, load_scene
from core.catalogue.types import Placed, Thing
from core.profile import Profile, load_profile
from sim.arm import Arm
from sim.liquids import Liquid
from sim.markers import Decals
from sim.person import POSTURES, build_person, facing
from sim.props import prop_of
from sim.scene import Placement, Scene, StaticSurface
from sim.scenes.common import SETTLE_S, add_object, build_floor, polar, static_body
from sim.world import World


def build_scene(
    world: World,
    name: str,
    seed: int = 0,
    profile: Profile | str = "so101",
    settle: bool = True,
) -> Scene:
    """Build scene `name` (a catalogue scene's name or a scene file's path) in `world`
    with the arm of `profile` at its base, object poses, masses and frictions drawn from
    `seed`; then let it settle (SETTLE_S of physics)."""
    files = load_scene(name)
    prof = load_profile(profile) if isinstance(profile, str) else profile
    arm = Arm(world, prof, files.file.arm_base_m)
    arm.reset_pose([0.0] * arm.dof)
    scene = Scene(name=files.name, world=world, arm=arm, liquid=Liquid(world.client), seed=seed)
    scene.floor = build_floor(world.client)
    rng = np.random.default_rng(seed)
    for placed in files.file.fixtures:
        _fixture(scene, files, placed)
    for placed in files.file.objects:
        _object(scene, files, placed, rng)
    for placed in files.file.objects:
        container = files.things[placed.name].container
        vessel = scene.objects[placed.name].vessel
        if container is not None and container.fill_at_start > 0 and vessel is not None:
            count = round(container.capacity * container.fill_at_start)
            scene.liquid.fill(vessel, count, container.liquid_colour)
    for placed, thing in files.scenery:
        prop = prop_of(thing)
        yaw = math.radians(placed.yaw_deg)
        scene.scenery.append(static_body(scene, prop.parts, placed.position_m, yaw))
    for placed in files.file.persons:
        _person(scene, files.things[placed.name], placed)
    if settle:
        world.step(round(SETTLE_S * world.rate_hz))
    # Last, so that every body of the physics keeps the id (and the solver its order)
    # it had before there were markers.
    scene.decals = Decals(world.client)
    for placed in files.file.objects:
        if (marker := files.things[placed.name].marker) is not None:
            scene.decals.stick(marker, scene.objects[placed.name].body)
    return scene


def _fixture(scene: Scene, files: SceneDescription, placed: Placed) -> None:
    thing = files.things[placed.name]
    prop = prop_of(thing)
    body = static_body(scene, prop.parts, placed.position_m, math.radians(placed.yaw_deg))
    if thing.surface is None:
        scene.scenery.append(body)
        return
    x, y, z = placed.position_m
    hx, hy = thing.surface.half_extents_m
    scene.surfaces[placed.name] = StaticSurface(
        placed.name, body, (x, y, z + thing.surface.top_m), (hx, hy, 0.0)
    )


def _object(
    scene: Scene, files: SceneDescription, placed: Placed, rng: np.random.Generator
) -> None:
    thing = files.things[placed.name]
    support = next(f for f in files.file.fixtures if f.name == placed.on)
    surface = files.things[placed.on].surface
    assert surface is not None  # load_scene checked it
    placement = None
    if thing.surface is not None:
        hx, hy = thing.surface.half_extents_m
        placement = Placement(thing.surface.top_m, (hx, hy, 0.0))
    add_object(
        scene,
        placed.name,
        prop_of(thing),
        thing.mass_kg,
        polar(placed.radius_m, placed.bearing_deg),
        support.position_m[2] + surface.top_m,
        rng,
        files.file.randomise,
        placement=placement,
    )


def _person(scene: Scene, thing: Thing, placed: Placed) -> None:
    person = thing.person
    # load_scene checked these
    assert person is not None and placed.facing_m is not None and placed.handover_m is not None
    feet = placed.position_m
    scene.persons[placed.name] = build_person(
        scene.world.client,
        feet,
        facing(feet[:2], placed.facing_m),
        placed.handover_m,
        POSTURES[person.posture],
        person.shirt,
        person.hair,
    )
