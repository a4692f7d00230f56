"""The World and the scenes: isolation, names, ground truth, randomisation, profiles."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import numpy as np
import pybullet as p
import pytest
from things import capacity

from core.catalogue import load_scene, thing
from core.profile import load_profile
from core.scenes import SCENES
from sim.scenes import build_scene
from sim.scenes.common import polar
from sim.world import World

SO101_REACH = 0.41  # m from the shoulder-lift axis to the tool frame, fully stretched


def test_two_worlds_in_one_process_do_not_interfere() -> None:
    with World() as a, World() as b:
        assert a.client != b.client
        scene_a = build_scene(a, "tea", seed=0)
        before_b = p.getNumBodies(physicsClientId=b.client)
        teapot_before = scene_a.objects["teapot"].body.frame_pose()[0]
        scene_b = build_scene(b, "tea", seed=0)
        # Building in b added nothing to a and moved nothing there.
        assert p.getNumBodies(physicsClientId=a.client) == p.getNumBodies(physicsClientId=b.client)
        assert before_b == 0
        assert scene_a.objects["teapot"].body.frame_pose()[0] == teapot_before
        # Driving the arm in b moves b's arm only.
        scene_b.arm.command(np.array([1.0, 0.5, 0.0, 0.0, 0.0, 0.0]))
        b.step(240)
        assert scene_b.arm.state()[0][0] > 0.5
        assert abs(scene_a.arm.state()[0][0]) < 1e-3
        assert b.steps == a.steps + 240


def test_physics_rate_is_configurable() -> None:
    with World(rate_hz=120.0) as world:
        assert world.time_step == pytest.approx(1 / 120)
        world.step(60)
        assert world.sim_time_s == pytest.approx(0.5)


@pytest.mark.parametrize("name", sorted(SCENES))
def test_scene_has_exactly_the_contract_names(name: str) -> None:
    spec = SCENES[name]
    with World() as world:
        scene = build_scene(world, name, seed=0)
        state = scene.state()
    assert state.scene == name
    assert set(state.persons) == set(spec.persons)
    assert set(state.surfaces) == set(spec.surfaces)
    assert set(state.objects) >= set(spec.graspable) | set(spec.containers)
    named = set(state.objects) | set(state.persons) | set(state.surfaces)
    assert named == set(spec.entities)


@pytest.mark.parametrize("name", sorted(SCENES))
def test_ground_truth_at_start(name: str) -> None:
    spec = SCENES[name]
    with World() as world:
        scene = build_scene(world, name, seed=3)
        state = scene.state()
        spilled, on_person = scene.spilled(), scene.on_person()
    for vessel in spec.vessels:
        assert state.objects[vessel].filled == 1.0, f"{vessel} starts full"
    for container in spec.containers:
        assert state.objects[container].filled == 0.0
    assert spilled == 0
    assert on_person == 0
    base = np.array(scene.arm.base_position)
    files = load_scene(name)
    table = state.surfaces[files.file.fixtures[0].name]
    for obj_name, obj in state.objects.items():
        # Standing upright on the table top (their reference is the bottom centre).
        assert obj.position[2] == pytest.approx(table.position[2], abs=2e-3), obj_name
        assert abs(obj.orientation[0]) < 0.01 and abs(obj.orientation[1]) < 0.01, obj_name
    for person in state.persons.values():
        shoulder = base + np.array([0.0, 0.0, 0.116])
        assert np.linalg.norm(np.asarray(person.position) - shoulder) < SO101_REACH
    for surface in state.surfaces.values():
        assert all(h > 0 for h in surface.half_extents[:2])


@pytest.mark.parametrize("name", sorted(SCENES))
def test_randomisation_is_seeded_and_bounded(name: str) -> None:
    files = load_scene(name)
    nominals = {o.name: polar(o.radius_m, o.bearing_deg) for o in files.file.objects}
    bounds = files.file.randomise
    poses = {}
    for seed in (0, 0, 1):
        with World() as world:
            scene = build_scene(world, name, seed=seed, settle=False)
            poses.setdefault(seed, []).append(
                {n: o.body.frame_pose() for n, o in scene.objects.items()}
            )
            for obj_name, obj in scene.objects.items():
                nominal = nominals[obj_name]
                (x, y, _), orn = obj.body.frame_pose()
                assert abs(x - nominal[0]) <= bounds.position_m + 1e-9
                assert abs(y - nominal[1]) <= bounds.position_m + 1e-9
                yaw = p.getEulerFromQuaternion(orn)[2]
                nominal_yaw = math.atan2(nominal[1], nominal[0])
                turn = math.remainder(yaw - nominal_yaw, 2 * math.pi)
                assert abs(turn) <= math.radians(bounds.yaw_deg) + 1e-6
                info = p.getDynamicsInfo(obj.body.body_id, -1, physicsClientId=world.client)
                assert bounds.friction[0] <= info[1] <= bounds.friction[1]
    assert poses[0][0] == poses[0][1], "same seed, same scene"
    assert poses[0][0] != poses[1][0], "another seed, another scene"


def test_mass_randomisation_within_range() -> None:
    with World() as world:
        scene = build_scene(world, "tea", seed=5, settle=False)
        mass = p.getDynamicsInfo(
            scene.objects["cup_red"].body.body_id, -1, physicsClientId=world.client
        )[0]
    nominal, jitter = thing("cup_red").mass_kg, load_scene("tea").file.randomise.mass
    assert nominal * (1 - jitter) <= mass <= nominal * (1 + jitter)


def test_physics_only_no_constraints() -> None:
    with World() as world:
        build_scene(world, "tea", seed=0)
        assert p.getNumConstraints(physicsClientId=world.client) == 0


def test_so101_urdf_matches_profile() -> None:
    profile = load_profile("so101")
    assert profile.joint_names == (
        "shoulder_pan",
        "shoulder_lift",
        "elbow_flex",
        "wrist_flex",
        "wrist_roll",
        "gripper",
    )
    assert [j.servo_id for j in profile.joints] == [1, 2, 3, 4, 5, 6]
    assert {j.model for j in profile.joints} == {"sts3215"}
    assert profile.bus is not None and profile.bus.protocol == "feetech"
    assert profile.robot.gripper == "gripper"
    root = ET.parse(profile.urdf_path).getroot()
    urdf_joints = {j.attrib["name"]: j for j in root.iter("joint")}
    for spec in profile.joints:
        limit = urdf_joints[spec.name].find("limit")
        assert limit is not None
        assert float(limit.attrib["lower"]) == pytest.approx(spec.lower, abs=1e-3)
        assert float(limit.attrib["upper"]) == pytest.approx(spec.upper, abs=1e-3)
    links = {link.attrib["name"]: link for link in root.iter("link")}
    assert "gripper_frame" in links
    for name in ("shoulder_link", "upper_arm_link", "forearm_link", "wrist_link", "gripper_link"):
        mass = float(links[name].find("inertial/mass").attrib["value"])  # type: ignore[union-attr]
        assert 0.08 <= mass <= 0.15, name


def test_so101_tool_frame_at_zero_pose() -> None:
    """All joints at zero: upper arm up, forearm and gripper forward (+x)."""
    with World() as world:
        scene = build_scene(world, "tea", seed=0, settle=False)
        tool, _ = scene.arm.tool_pose()
    base = np.array(scene.arm.base_position)
    expected = base + np.array([0.135 + 0.061 + 0.098, 0.0, 0.062 + 0.054 + 0.116])
    assert np.allclose(tool, expected, atol=1e-4)


def test_panda_profile_loads_from_pybullet_data() -> None:
    profile = load_profile("panda")
    assert profile.urdf_path.exists()
    assert profile.robot.gripper in profile.joint_names
    assert profile.bus is None


def test_vessel_capacity_fits_what_the_teapot_holds() -> None:
    """A full pour fills a cup (capacity <= teapot) and the cup can hold it."""
    assert capacity("cup_red") <= capacity("teapot")


@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_seed_finds_room_for_every_object(name: str) -> None:
    """Care's towel between the pill box and the basket found no room in about one seed
    in twenty (98 and 179 not even in 1000 draws with the usual clearance): now every
    seed builds, and no two objects touch at the start."""
    names = [placed.name for placed in load_scene(name).file.objects]
    for seed in [*range(20), 62, 76, 82, 98, 147, 158, 159, 179, 194, 197]:
        with World() as world:
            scene = build_scene(world, name, seed=seed, settle=False)
            assert list(scene.objects) == names
            p.performCollisionDetection(physicsClientId=world.client)
            for a, b in itertools.combinations(scene.objects.values(), 2):
                touching = p.getContactPoints(
                    a.body.body_id, b.body.body_id, physicsClientId=world.client
                )
                assert not touching, (seed, a.name, b.name)
