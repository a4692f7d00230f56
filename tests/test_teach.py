"""`robot teach`: a cell's things placed by the arm's joints or by typed coordinates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.catalogue import load_scene
from core.pose import yaw_of
from core.profile import load_profile
from robot.cell.teach import SKIP, teach
from robot.cerebellum.arm_model import ArmModel, BasePose

BASE = BasePose(0.10, -0.20, 0.75, math.radians(30.0))
POSE = (0.2, -0.6, 0.7, 0.3, 0.1, 0.4)
"""Where the arm stands while the teapot is taught (rad, profile order)."""


def test_a_thing_is_where_the_arm_holds_it_or_where_it_is_typed() -> None:
    scene = load_scene("tea")
    arm = ArmModel.from_profile(load_profile("so101"), BASE)
    answers = {"the teapot": [""], "the red cup": ["oops", "30,0,5,90"]}
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        said = next((a for thing, a in answers.items() if prompt.startswith(thing)), [])
        return said.pop(0) if said else SKIP

    world = teach(scene, arm, lambda: POSE, ask)
    tool = arm.tool_pose(POSE)
    grasp = scene.things["teapot"].grasp
    assert grasp is not None
    teapot = world.objects["teapot"]
    assert teapot.position == pytest.approx(tool[:3, 3] - [0.0, 0.0, grasp.height_m])
    assert yaw_of(teapot.orientation) == pytest.approx(math.atan2(tool[1, 0], tool[0, 0]))
    assert teapot.filled == 1.0  # the catalogue's: it starts full
    cup = world.objects["cup_red"]
    assert cup.position == pytest.approx((BASE.matrix() @ [0.30, 0.0, 0.05, 1.0])[:3])
    assert yaw_of(cup.orientation) == pytest.approx(BASE.yaw + math.pi / 2)
    assert sum(p.startswith("the red cup") for p in asked) == 2  # "oops" was asked again
    assert set(world.objects) == {"teapot", "cup_red"}  # the rest were skipped
    assert world.surfaces == {} and world.persons == {}
    assert any(p.startswith("guest") for p in asked) and any(p.startswith("table") for p in asked)


def test_a_taught_world_is_a_world_file_a_serial_launch_reads(tmp_path) -> None:
    from core.msgs import encode_json
    from robot.launch.world_file import read_world

    scene = load_scene("care")
    arm = ArmModel.from_profile(load_profile("so101"), BasePose())
    world = teach(scene, arm, lambda: POSE, lambda prompt: "20,10,0")
    path = tmp_path / "world.json"
    path.write_bytes(encode_json(world))
    again = read_world(path)
    assert set(again.objects) == {p.name for p in scene.file.objects}
    assert np.allclose(again.persons["resident"].position, (0.20, 0.10, 0.0))


def test_robot_teach_reads_the_arm_over_its_serial_bus(tmp_path, monkeypatch) -> None:
    """The whole command against the twin's virtual bus: torque off, the arm read."""
    import json
    from pathlib import Path

    from robot.cli import main
    from robot.launch.world_file import read_world
    from sim.servo_twin import start_twin_bus

    root = Path(__file__).resolve().parents[1]
    said = iter(["", ""])  # the torque prompt; then the first thing, where the arm is
    monkeypatch.setattr("builtins.input", lambda prompt="": next(said, SKIP))
    with start_twin_bus("tea", seed=0) as hil:
        calibration = tmp_path / "so101_calibration.json"
        hil.write_calibration(calibration)
        text = (root / "launch" / "so101_serial.toml").read_text()
        text = text.replace('"/dev/ttyUSB0"', json.dumps(hil.path))
        text = text.replace('"so101_calibration.json"', json.dumps(str(calibration)))
        launch = tmp_path / "cell.toml"
        launch.write_text(text)
        out = tmp_path / "world.json"
        assert main(["teach", str(launch), "--out", str(out)]) == 0
    world = read_world(out)
    assert list(world.objects) == ["tray"]  # the scene's first, where the arm was
    tray = world.objects["tray"].position
    assert np.linalg.norm(tray) < 1.0  # within the arm's reach
    surface = load_scene("tea").things["tray"].surface
    assert surface is not None  # so things can be placed on it where it was taught
    assert world.surfaces["tray"].position == pytest.approx(
        (tray[0], tray[1], tray[2] + surface.top_m)
    )
