"""LeRobot itself loads what `robot dataset` writes: the test-only peer of the
`lerobot-peer` extra (pyproject.toml; `make test-lerobot`). Skipped without LeRobot;
marked slow (it imports torch and Hugging Face datasets, and runs two episodes).

LeRobotDataset reads the meta, the tasks and the rows: they must equal what we wrote.
Its frames come from its video decoder (torchcodec, or PyAV through torchvision) when
one runs here; each must be within MIN_PSNR_DB of what the twin rendered. Where
neither runs (torchcodec's wheels link CUDA; torchvision 0.28 has no VideoReader),
the frames are decoded with PyAV at the file and time LeRobot's metadata names
(`get_video_file_path`, `from_timestamp` + the row's timestamp), and the test says so.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("pyarrow")
pytest.importorskip("av")
pytest.importorskip("torch")

from robot.dataset.video import psnr  # noqa: E402


def _import_lerobot_dataset():
    pytest.importorskip("lerobot")
    from benchmarks.dataset_lerobot_load import import_lerobot_dataset

    return import_lerobot_dataset()


MIN_PSNR_DB = 30.0
"""As tests/test_dataset_generate.py: 160x120, H.264 crf 20, yuv420p."""


@pytest.fixture(scope="module")
def twin_dataset(tmp_path_factory):
    """Two breakfast episodes (two requests, two tasks), both cameras, frames kept."""
    from core.profile import load_profile
    from robot.dataset.generate import FrameTap, GenerateConfig
    from robot.dataset.writer import DatasetWriter
    from robot.launch.episode import run_episode
    from robot.launch.families import FAMILIES, fixed_plan

    tmp = tmp_path_factory.mktemp("lerobot")
    config = GenerateConfig(families=("breakfast_bowl",), episodes=1, size=(160, 120))
    joints = [j.name for j in load_profile("so101").joints]
    writer = DatasetWriter(
        tmp / "ds", fps=15, joints=joints, cameras=dict.fromkeys(config.cameras, config.size)
    )
    episodes = []
    for k, name in enumerate(("breakfast_bowl", "breakfast_handover")):
        family = FAMILIES[name]
        tap = FrameTap(config, tmp / f"parts-{k}", keep_frames=True)
        run_episode(family.scene, 20_000 + k, fixed_plan(family.plans[0]), on_start=tap.on_start)
        episode = tap.finish(family.requests[0], {"seed": 20_000 + k})
        writer.add(episode)
        episodes.append((episode, tap.kept))
    writer.finish()
    return tmp / "ds", episodes


def test_lerobot_loads_states_actions_and_tasks_unchanged(twin_dataset):
    root, episodes = twin_dataset
    LeRobotDataset = _import_lerobot_dataset()
    ds = LeRobotDataset("local/twin", root=root)
    assert ds.meta.total_episodes == 2 and ds.num_episodes == 2
    assert ds.fps == 15
    assert ds.num_frames == sum(e.length for e, _ in episodes)
    assert sorted(ds.meta.video_keys) == ["observation.images.overview", "observation.images.wrist"]
    rows = ds.hf_dataset.with_format("numpy")
    for k, (episode, _) in enumerate(episodes):
        ep = ds.meta.episodes[k]
        lo, hi = ep["dataset_from_index"], ep["dataset_to_index"]
        np.testing.assert_array_equal(np.stack(rows["observation.state"][lo:hi]), episode.states)
        np.testing.assert_array_equal(np.stack(rows["action"][lo:hi]), episode.actions)
        task_index = int(rows["task_index"][lo])
        assert ds.meta.tasks.iloc[task_index].name == episode.task
        assert ep["tasks"] == [episode.task]


def test_lerobot_frames_are_the_rendered_ones(twin_dataset, capsys):
    root, episodes = twin_dataset
    LeRobotDataset = _import_lerobot_dataset()
    from benchmarks.dataset_lerobot_load import frames_via_lerobot

    ds = LeRobotDataset("local/twin", root=root)
    worst = float("inf")
    how = ""
    for k, (episode, kept) in enumerate(episodes):
        first = ds.meta.episodes[k]["dataset_from_index"]
        for frame in (0, episode.length // 2, episode.length - 1):
            got, how = frames_via_lerobot(ds, first + frame)
            for camera in ("overview", "wrist"):
                value = psnr(got[f"observation.images.{camera}"], kept[camera][frame])
                worst = min(worst, value)
                assert value >= MIN_PSNR_DB, (k, frame, camera, value)
    with capsys.disabled():
        print(f"\nLeRobot frames: worst PSNR {worst:.1f} dB; decoded by {how}")
