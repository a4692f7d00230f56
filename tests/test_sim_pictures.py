"""Pictures: named cameras (RGB, depth, segmentation), GIF recording, `robot sim`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from robot.cli import main
from sim.cameras import CAMERA_NAMES, FAR, NEAR, render
from sim.scenes import build_scene
from sim.video import Recorder
from sim.world import World

SMALL = (160, 120)


@pytest.fixture(scope="module")
def tea_world():
    world = World()
    scene = build_scene(world, "tea", seed=0)
    yield scene
    world.close()


@pytest.mark.parametrize("camera", CAMERA_NAMES)
def test_cameras_give_rgb_depth_and_segmentation(tea_world, camera: str) -> None:
    picture = render(tea_world, camera, *SMALL)
    w, h = SMALL
    assert picture.rgb.shape == (h, w, 3) and picture.rgb.dtype == np.uint8
    assert picture.depth.shape == (h, w)
    assert np.all(picture.depth >= NEAR - 1e-6) and np.all(picture.depth <= FAR + 1e-6)
    assert picture.segmentation.shape == (h, w)
    assert picture.rgb.std() > 10, "not a blank picture"


def test_overview_shows_the_arm_the_objects_and_the_person(tea_world) -> None:
    seen = set(np.unique(render(tea_world, "overview").segmentation))
    ids = tea_world.body_ids()
    for name in ("arm", "teapot", "cup_red", "cup_blue", "tray", "guest", "table"):
        assert ids[name] in seen, f"{name} not in the overview picture"


def test_unknown_camera_is_a_clear_error(tea_world) -> None:
    with pytest.raises(KeyError, match="cameras are"):
        render(tea_world, "ceiling")


def test_recorder_writes_a_gif(tmp_path: Path) -> None:
    with World() as world:
        scene = build_scene(world, "care", seed=0, settle=False)
        recorder = Recorder(scene, fps=10, width=SMALL[0], height=SMALL[1])
        world.add_step_hook(recorder.on_step)
        world.step(round(0.5 * world.rate_hz))
        path = recorder.save(tmp_path / "run.gif")
    assert len(recorder.frames) == 1 + 5  # one at the start, then one per 0.1 s
    # Pillow merges identical consecutive frames; the particles settling differ.
    assert 2 <= Image.open(path).n_frames <= len(recorder.frames)


def test_robot_sim_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tea.png"
    depth = tmp_path / "depth.png"
    assert (
        main(["sim", "--scene", "tea", "--snapshot", str(out), "--depth", str(depth), "--state"])
        == 0
    )
    assert Image.open(out).size == (640, 480)
    assert Image.open(depth).size == (640, 480)
    printed = capsys.readouterr().out
    assert '"scene":"tea"' in printed and '"teapot"' in printed


def test_robot_sim_rejects_an_unknown_scene(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--scene", "kitchen"]) == 1
    said = capsys.readouterr().err
    assert "unknown scene 'kitchen'" in said and "tea" in said and "scene file" in said
