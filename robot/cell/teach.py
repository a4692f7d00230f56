"""`robot teach LAUNCH --out world.json`: where a camera-less cell's things are, taught
with the arm itself.

For each thing of the launch's scene, in turn: an object's grasp point (the gripper
placed as it would grasp it), a surface's top centre, a person's hand-over point. Move
the arm there by hand (its torque is off while teaching: hold it) and press Enter, and
the arm's joints, through its kinematics, say where that is; or type the place, in cm
from the arm's base (`ahead,left,up`, as `robot cell layout` prints them: an object's
bottom centre, a surface's top centre, a hand-over point), with an object's yaw in
degrees after a fourth comma; or `s` to leave the thing out. The file
written is the `WorldState` a serial launch's `[world] file` reads.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.catalogue import SceneDescription, load_scene
from core.catalogue.types import Thing
from core.errors import ConfigError
from core.msgs import ObjectState, PersonState, SurfaceState, WorldState, encode_json
from core.pose import quat_from_yaw
from core.scenes import surface_state
from robot.cerebellum.arm_model import ArmModel, BasePose

CM_PER_M = 100.0
SKIP = "s"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("launch", help="the cell's launch file (limbs.backend 'serial')")
    parser.add_argument("--out", type=Path, required=True, help="world file to write (JSON)")


def run(args: argparse.Namespace) -> int:
    from core.calibration import load_calibration
    from core.profile import load_profile
    from robot.launch.config import load_launch
    from robot.limbs.serial import SerialLimb

    launch = load_launch(args.launch)
    if launch.limbs.backend != "serial":
        raise ConfigError(f"{args.launch}: `limbs.backend` must be 'serial' to teach with the arm")
    profile = load_profile(launch.robot.profile)
    where = launch.robot
    base = BasePose(where.base_x_m, where.base_y_m, where.base_z_m, where.base_yaw_rad)
    arm = ArmModel.from_profile(profile, base)
    calibration = load_calibration(launch.resolve(launch.limbs.calibration))
    limb = SerialLimb(profile, calibration, launch.limbs.port)
    try:
        input("The arm's torque goes off now: hold it, then press Enter. ")
        limb.disable()
        world = teach(load_scene(launch.scene.name), arm, lambda: limb.read().position, input)
    finally:
        limb.close()
    args.out.write_bytes(encode_json(world))
    print(f'wrote {args.out}. In the launch file: [world] file = "{args.out}"')
    return 0


def teach(
    scene: SceneDescription,
    arm: ArmModel,
    joints: Callable[[], tuple[float, ...]],
    ask: Callable[[str], str],
) -> WorldState:
    """The scene's things where the arm (or a typed answer) puts them."""

    def place(prompt: str) -> Taught | None:
        while True:
            answer = ask(f"{prompt}: Enter, or ahead,left,up[,yaw] in cm (deg), or {SKIP}: ")
            try:
                return _answer(answer.strip(), arm, joints)
            except ValueError as err:
                print(f"  {err}; again")

    objects, surfaces, persons = {}, {}, {}
    for placed in scene.file.objects:
        thing = scene.things[placed.name]
        above = thing.grasp.height_m if thing.grasp is not None else 0.0
        taught = place(f"{_say(thing, placed.name)}: the gripper as it would grasp it")
        if taught is not None:
            point = taught.point - (0.0, 0.0, above if taught.by_arm else 0.0)
            bottom = (float(point[0]), float(point[1]), float(point[2]))
            filled = thing.container.fill_at_start if thing.container is not None else 0.0
            objects[placed.name] = ObjectState(bottom, quat_from_yaw(taught.yaw), filled)
            if thing.surface is not None:  # a tray: things go on its top
                surfaces[placed.name] = surface_state(thing.surface, bottom)
    for placed in scene.file.fixtures:
        surface = scene.things[placed.name].surface
        if surface is None:
            continue
        taught = place(f"{placed.name}: the tool point on the centre of its top")
        if taught is not None:
            (hx, hy), point = surface.half_extents_m, taught.point
            surfaces[placed.name] = SurfaceState(tuple(point.tolist()), (hx, hy, 0.0))  # type: ignore[arg-type]
    for placed in scene.file.persons:
        taught = place(f"{placed.name}: the tool point where things are handed over")
        if taught is not None:
            persons[placed.name] = PersonState(tuple(taught.point.tolist()))  # type: ignore[arg-type]
    return WorldState(scene=scene.name, objects=objects, persons=persons, surfaces=surfaces)


@dataclass(frozen=True)
class Taught:
    """A place (world, m), a yaw (rad), and whether the arm showed it (its tool point)
    or it was typed."""

    point: np.ndarray
    yaw: float
    by_arm: bool


def _answer(answer: str, arm: ArmModel, joints: Callable[[], tuple[float, ...]]) -> Taught | None:
    """What one answer taught; None to skip the thing."""
    if answer == SKIP:
        return None
    if not answer:
        tool = arm.tool_pose(joints())
        # A side grasp points the tool along the thing's +x: its heading is the yaw.
        return Taught(tool[:3, 3], math.atan2(tool[1, 0], tool[0, 0]), by_arm=True)
    try:
        numbers = [float(v) for v in answer.split(",")]
    except ValueError:
        raise ValueError(f"{answer!r} is not numbers") from None
    if len(numbers) not in (3, 4):
        raise ValueError(f"{answer!r}: give ahead,left,up and perhaps yaw")
    base = arm.base
    world = (base.matrix() @ np.append(np.array(numbers[:3]) / CM_PER_M, 1.0))[:3]
    yaw = base.yaw + math.radians(numbers[3]) if len(numbers) == 4 else base.yaw
    return Taught(world, yaw, by_arm=False)


def _say(thing: Thing, name: str) -> str:
    return thing.names.say.get("en", name) if thing.names is not None else name
