"""The catalogue: scenes and things as files, checked at load, and a new scene that
takes files only."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.catalogue import THINGS_DIR, load_scene, scene_names, thing
from core.catalogue.geometry import WALL_M, pour_shape
from core.catalogue.types import Parts, SpoutedPot, Vessel
from core.errors import ConfigError
from core.msgs import Plan, Step
from core.scenes import scene_spec
from robot.cli import main
from robot.launch.config import load_launch
from robot.launch.episode import run_episode
from sim.bodies import MAX_PARTS
from sim.liquids import spawn_points
from sim.props import prop_of
from sim.scenes import build_scene
from sim.world import World

THINGS = sorted(p.stem for p in THINGS_DIR.glob("*.toml"))

KITCHEN = """\
description = "A saucer and a shipped cup on a shipped table."
arm_base_m = [0.0, 0.0, 0.75]

[[fixtures]]
thing = "table"
position_m = [0.19, 0.0, 0.0]

[[objects]]
thing = "saucer"
on = "table"
radius_m = 0.30
bearing_deg = -60.0

[[objects]]
thing = "cup_red"
on = "table"
radius_m = 0.31
bearing_deg = -5.0

[[persons]]
thing = "guest"
position_m = [0.10, 0.66, 0.0]
facing_m = [0.10, 0.0]
handover_m = [0.0854, 0.3188, 0.95]
"""

SAUCER = """\
mass_kg = 0.10

[body]
shape = "parts"

[[body.parts]]
shape = "cylinder"
size_m = [0.055, 0.008, 0.0]
position_m = [0.0, 0.0, 0.004]
colour = [0.9, 0.9, 0.2, 1.0]

[surface]
top_m = 0.008
half_extents_m = [0.035, 0.035]

[names]
say = { en = "the saucer", de = "die Untertasse", zh = "茶碟" }
"""


def write_kitchen(folder: Path, saucer: str = SAUCER, scene: str = KITCHEN) -> Path:
    (folder / "things").mkdir(exist_ok=True)
    (folder / "things" / "saucer.toml").write_text(saucer)
    path = folder / "kitchen.toml"
    path.write_text(scene)
    return path


def test_a_scene_from_a_temporary_folder_takes_files_only(tmp_path: Path) -> None:
    path = str(write_kitchen(tmp_path))
    spec = scene_spec(path)
    assert spec.graspable == {"cup_red"} and spec.surfaces == {"table", "saucer"}
    assert spec.persons == {"guest"} and spec.containers == {"cup_red"}
    steps = (
        Step("pick", {"object": "cup_red"}),
        Step("place", {"object": "cup_red", "target": "saucer"}),
    )
    plan = Plan(instruction="cup on the saucer", steps=steps)
    result = run_episode(path, 3, plan, planner=None)
    assert result.world.scene == path
    assert result.verdict.success, result.verdict.reasons


def test_robot_sim_and_launch_files_take_a_scene_file(tmp_path: Path) -> None:
    path = write_kitchen(tmp_path)
    picture = tmp_path / "kitchen.png"
    assert main(["sim", "--scene", str(path), "--snapshot", str(picture)]) == 0
    assert picture.stat().st_size > 0
    launch = tmp_path / "kitchen_sim.toml"
    launch.write_text(f'[scene]\nname = "{path}"\nseed = 2\n')
    assert load_launch(launch).scene.name == str(path)
    launch.write_text('[scene]\nname = "no/such/scene.toml"\n')
    with pytest.raises(ConfigError, match=r"kitchen_sim.toml: `scene.name`: .*no/such/scene.toml"):
        load_launch(launch)


@pytest.mark.parametrize(
    ("saucer", "scene", "message"),
    [
        (SAUCER.replace("top_m", "top"), KITCHEN, r"saucer.toml: .*\$\.surface"),
        (SAUCER.replace("mass_kg = 0.10", "mass_kg = 'heavy'"), KITCHEN, r"\$\.mass_kg"),
        (SAUCER.replace('shape = "parts"', 'shape = "blob"'), KITCHEN, r"\$\.body"),
        (SAUCER, KITCHEN.replace('"saucer"', '"tureen"'), r"objects\[0\]\.thing.*tureen"),
        (
            SAUCER,
            KITCHEN.replace('"table"\nradius_m = 0.31', '"saucer"\nradius_m = 0.31'),
            r"\[1\]\.on",
        ),
        (SAUCER, KITCHEN.replace("facing_m = [0.10, 0.0]\n", ""), r"persons\[0\].*facing_m"),
        (
            SAUCER,
            KITCHEN + '\n[[objects]]\nthing = "cup_red"\non = "table"\n',
            r"objects\[2\].*twice",
        ),
        (SAUCER.replace("[names]", "[name]"), KITCHEN, r"saucer.toml: .*\$\.name"),
    ],
    ids=["key", "type", "shape", "no thing", "not a fixture", "person", "twice", "typo"],
)
def test_a_bad_file_fails_at_load_naming_the_file_and_the_key(
    tmp_path: Path, saucer: str, scene: str, message: str
) -> None:
    path = write_kitchen(tmp_path, saucer, scene)
    with pytest.raises(ConfigError, match=message):
        load_scene(str(path))


def test_a_mesh_thing_is_built_and_stands_on_the_table(tmp_path: Path) -> None:
    """A 4 cm cube from an OBJ file, placed like any object."""
    corners = [(x, y, z) for x in (-0.02, 0.02) for y in (-0.02, 0.02) for z in (0.0, 0.04)]
    faces = "f 1 2 4 3\nf 5 7 8 6\nf 1 5 6 2\nf 3 4 8 7\nf 1 3 7 5\nf 2 6 8 4\n"
    (tmp_path / "things").mkdir()
    (tmp_path / "things" / "cube.obj").write_text(
        "".join(f"v {x} {y} {z}\n" for x, y, z in corners) + faces
    )
    body = SAUCER[SAUCER.index("[body]") : SAUCER.index("[surface]")]
    cube = SAUCER.replace(
        body, '[body]\nshape = "mesh"\nfile = "cube.obj"\ncolour = [0.2, 0.8, 0.2, 1.0]\n\n'
    )
    path = write_kitchen(tmp_path, cube)
    with World() as world:
        scene = build_scene(world, str(path), seed=1)
        world.step(240)
        x, y, z = scene.state().objects["saucer"].position
    assert z == pytest.approx(0.75, abs=0.003)  # resting on the table top
    assert math.hypot(x, y) == pytest.approx(0.30, abs=0.05)


@pytest.mark.parametrize("name", THINGS)
def test_every_thing_can_be_built_and_named(name: str) -> None:
    item = thing(name)
    if item.body is not None:
        assert len(prop_of(item).parts) <= MAX_PARTS
    if item.names is not None:
        assert {"en", "de", "zh"} <= set(item.names.say)


@pytest.mark.parametrize("name", [n for n in THINGS if thing(n).grasp is not None])
def test_a_grasp_is_as_wide_as_the_body_between_the_jaws(name: str) -> None:
    item = thing(name)
    grasp, body = item.grasp, item.body
    assert grasp is not None
    if isinstance(body, Vessel | SpoutedPot):
        assert grasp.style == "side"
        assert grasp.width_m == pytest.approx(2 * (body.inner_radius_m + WALL_M))
        top = pour_shape(item)
        assert top is not None and grasp.height_m < top.height
    else:
        assert isinstance(body, Parts) and grasp.style == "top"
        widths = [q.size_m[1] for q in body.parts if q.collide]
        assert grasp.width_m == pytest.approx(max(widths))


@pytest.mark.parametrize("name", [n for n in THINGS if thing(n).container is not None])
def test_what_starts_full_fits_its_cavity(name: str) -> None:
    item = thing(name)
    container, cavity = item.container, prop_of(item).cavity
    assert container is not None and cavity is not None
    spawn_points(cavity, round(container.capacity * container.fill_at_start))  # raises if not
    assert container.full_volume_ml == pytest.approx(7.0 * container.capacity)


def test_marker_ids_are_unique() -> None:
    ids = [m.id for n in THINGS if (m := thing(n).marker) is not None]
    assert len(ids) == len(set(ids))


def test_the_shipped_scenes_load_and_the_hot_vessel_is_marked() -> None:
    assert scene_names() == ["breakfast", "care", "tea"]
    teapot = load_scene("tea").things["teapot"].container
    milk = load_scene("breakfast").things["milk_jug"].container
    assert teapot is not None and teapot.hot and milk is not None and not milk.hot


def test_a_fixture_never_moves(tmp_path: Path) -> None:
    bad = KITCHEN.replace('thing = "table"\nposition_m', 'thing = "cup_blue"\nposition_m')
    path = write_kitchen(tmp_path, scene=bad)
    with pytest.raises(ConfigError, match=r"fixtures\[0\].*has a mass"):
        load_scene(str(path))
