"""The teapot stays put in the gripper's jaws while it pours (issue 7): where it is
held (above its centre of mass, the jaws clear of the spout), the twist its contact
with the pads resists, and a pick and a pour in the twin with the pot's orientation
measured in the gripper's frame throughout."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pybullet as p
import pytest
from things import capacity, grasp_height, pot

from core.catalogue import thing
from core.catalogue.geometry import spout_underside
from core.descriptions.so101.generate_urdf import JAW_HEIGHT
from core.msgs import Plan, Step
from robot.cerebellum.lockstep import Lockstep
from robot.launch.episode import run_episode
from sim.bodies import build_body
from sim.liquids import PARTICLE_MASS, spawn_points
from sim.props import prop_of
from sim.scenes import build_scene
from sim.world import World

MAX_TURN_DEG = 30.0
"""The pot turns less than this in the jaws from the start of the pour skill to the end
of its untilt, the carry to the cup included (degrees). Over seeds 0-29 of a pick and a
pour into the red cup (60 pours, at 6 and 7 mm of spinning friction) every pour that
turned less than 30 degrees filled the cup, and every one that failed turned 32-54;
the pours below turn 9 and 24. Before the fix (held at 6 cm, no twist resisted) the
pot turned 74 and 116 degrees at these seeds and both pours failed."""
POURS = [
    (0, "cup_blue"),  # the dev case "Pour tea in the blue cup and put it on the tray."
    (8, "cup_red"),  # seed 8 of the serve_tea and fill_cup episode families
]
WATCHED_PHASES_SKIPPED = ("", "drip", "verify")
SPOUT_CLEARANCE_M = 0.005
"""The jaws' top edge stays at least this far below the spout's underside (m)."""


def full_pot_centre_of_mass_z() -> float:
    """Height (m) above its bottom of the full teapot's centre of mass, as filled."""
    prop = prop_of(thing("teapot"))
    assert prop.cavity is not None
    with World() as world:
        pot = build_body(
            world.client, prop.parts, thing("teapot").mass_kg, (0.0, 0.0, 0.0)
        ).com_offset
    tea_points = spawn_points(prop.cavity, capacity("teapot"))
    tea_mass = PARTICLE_MASS * len(tea_points)
    total = thing("teapot").mass_kg + tea_mass
    return float((thing("teapot").mass_kg * pot[2] + tea_mass * tea_points[:, 2].mean()) / total)


def test_the_teapot_is_held_above_its_centre_of_mass_and_below_its_spout() -> None:
    height = grasp_height("teapot")
    assert height == pytest.approx(grasp_height("teapot"))
    assert height > full_pot_centre_of_mass_z()  # it hangs upright
    assert height + JAW_HEIGHT / 2 + SPOUT_CLEARANCE_M <= spout_underside(pot())


def test_only_the_teapot_resists_twisting_in_the_pads() -> None:
    with World() as world:
        scene = build_scene(world, "tea", seed=0)
        spin = {
            name: p.getDynamicsInfo(obj.body.body_id, -1, physicsClientId=world.client)[7]
            for name, obj in scene.objects.items()
        }
    assert spin["teapot"] == pytest.approx(thing("teapot").spinning_friction_m)
    assert 0.0 < thing("teapot").spinning_friction_m <= 0.01  # millimetres: a pad's patch
    assert all(value == 0.0 for name, value in spin.items() if name != "teapot")


def _turn_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (degrees) of the rotation from a to b (3x3 rotation matrices)."""
    cos = (np.trace(a.T @ b) - 1.0) / 2.0
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _matrix(quat: tuple[float, ...]) -> np.ndarray:
    return np.array(p.getMatrixFromQuaternion(quat)).reshape(3, 3)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "cup"), POURS)
def test_the_teapot_does_not_turn_in_the_jaws_while_it_pours(
    episode_scenes: list[Any], seed: int, cup: str
) -> None:
    start: list[np.ndarray] = []
    turns: list[float] = []

    def watch(ls: Lockstep) -> None:
        skill = ls.runner.skill
        if skill is None or skill.name != "pour" or skill.state in WATCHED_PHASES_SKIPPED:
            return
        scene = episode_scenes[0]
        _, tool = scene.arm.tool_pose()
        _, pot = scene.objects["teapot"].body.frame_pose()
        in_jaws = _matrix(tool).T @ _matrix(pot)  # the pot in the gripper's frame
        if not start:
            start.append(in_jaws)
        turns.append(_turn_deg(start[0], in_jaws))

    plan = Plan(
        instruction=f"Pour tea into the {cup}",
        steps=(
            Step("pick", {"object": "teapot"}),
            Step("pour", {"source": "teapot", "target": cup}),
        ),
    )
    result = run_episode("tea", seed, plan, watch=watch, settle_s=0.1)
    assert len(turns) > 100  # watched through the whole pour
    assert max(turns) < MAX_TURN_DEG
    assert [s.status for s in result.steps] == ["succeeded"] * 2, result.reasons
    assert result.world.objects[cup].filled >= 0.5
