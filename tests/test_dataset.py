"""The LeRobot v3.0 writer and reader, without LeRobot: what is written reads back
equal, where the format says it goes (robot/dataset/)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("av")

from robot.dataset import layout, stats, video
from robot.dataset.episode_frames import EpisodeFrames, resample
from robot.dataset.reader import DatasetReader
from robot.dataset.writer import DatasetWriter

JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]
FPS = 15


def _frames(n: int, shade: int) -> list[np.ndarray]:
    """Smooth test pictures that change from frame to frame (a moving gradient)."""
    x = np.linspace(0, 1, 64)[None, :, None]
    y = np.linspace(0, 1, 48)[:, None, None]
    return [
        (np.clip((x + y + i / n) * 80 + shade + np.array([0, 30, 60]), 0, 255)).astype(np.uint8)
        for i in range(n)
    ]


def _episode(tmp_path, n: int, task: str, seed: int) -> tuple[EpisodeFrames, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    frames = _frames(n, 10 * seed)
    part = video.encode(frames, tmp_path / f"part-{seed}.mp4", FPS)
    states = rng.uniform(-1, 1, (n, 6)).astype(np.float32)
    actions = (states + rng.normal(0, 0.01, (n, 6))).astype(np.float32)
    episode = EpisodeFrames(
        states,
        actions,
        task,
        videos={"overview": part},
        image_stats={"overview": stats.image_stats(frames)},
        meta={"seed": seed},
    )
    return episode, frames


@pytest.fixture
def written(tmp_path):
    tasks = [
        "Bring the guest a cup of tea",
        "Put the towel in the basket",
        "Bring the guest a cup of tea",
    ]
    episodes = [
        _episode(tmp_path, n, t, k) for k, (n, t) in enumerate(zip((20, 7, 31), tasks, strict=True))
    ]
    writer = DatasetWriter(tmp_path / "ds", fps=FPS, joints=JOINTS, cameras={"overview": (64, 48)})
    for episode, _ in episodes:
        writer.add(episode)
    writer.finish()
    return tmp_path / "ds", episodes


def test_rows_and_tasks_read_back_equal(written):
    root, episodes = written
    reader = DatasetReader(root)
    assert reader.tasks == ["Bring the guest a cup of tea", "Put the towel in the basket"]
    assert reader.joint_names == JOINTS
    for k, (episode, _) in enumerate(episodes):
        rows = reader.rows(k)
        assert rows.task == episode.task
        np.testing.assert_array_equal(rows.states, episode.states)
        np.testing.assert_array_equal(rows.actions, episode.actions)
        np.testing.assert_allclose(rows.timestamps, np.arange(episode.length) / FPS, atol=1e-6)


def test_info_and_episode_index_follow_the_v3_layout(written):
    root, episodes = written
    info = json.loads((root / layout.INFO_PATH).read_text())
    assert info["codebase_version"] == "v3.0"
    assert info["total_episodes"] == 3 and info["total_tasks"] == 2
    assert info["total_frames"] == sum(e.length for e, _ in episodes)
    assert info["features"]["observation.state"]["names"] == JOINTS
    assert info["features"]["observation.images.overview"]["dtype"] == "video"
    assert info["splits"] == {"train": "0:3"}
    assert (root / "data/chunk-000/file-000.parquet").is_file()
    assert (root / "videos/observation.images.overview/chunk-000/file-000.mp4").is_file()
    reader = DatasetReader(root)
    starts = [0, 20, 27]
    for k, ep in enumerate(reader.episodes):
        assert ep["dataset_from_index"] == starts[k]
        assert ep["dataset_to_index"] == starts[k] + episodes[k][0].length
        key = "videos/observation.images.overview"
        assert ep[f"{key}/from_timestamp"] == pytest.approx(starts[k] / FPS)
        assert ep[f"{key}/to_timestamp"] == pytest.approx((starts[k] + ep["length"]) / FPS)
        assert ep["seed"] == k


def test_video_frames_are_the_episodes_own(written):
    """Episodes joined in one file keep their own frames (PSNR >= 35 dB, and far less
    against the neighbouring frame: not shifted by one)."""
    root, episodes = written
    reader = DatasetReader(root)
    for k, (_, frames) in enumerate(episodes):
        decoded = reader.frames(k, "observation.images.overview")
        assert len(decoded) == len(frames)
        for i, (got, want) in enumerate(zip(decoded, frames, strict=True)):
            assert video.psnr(got, want) >= 35.0, (k, i)


def test_stats_pool_episodes_exactly():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, (50, 3)), rng.normal(2, 3, (80, 3))
    pooled = stats.pool([stats.vector_stats(a), stats.vector_stats(b)])
    both = np.concatenate([a, b])
    np.testing.assert_allclose(pooled["mean"], both.mean(axis=0))
    np.testing.assert_allclose(pooled["std"], both.std(axis=0))
    np.testing.assert_allclose(pooled["min"], both.min(axis=0))
    assert pooled["count"][0] == 130


def test_resample_takes_the_latest_pair_at_each_row():
    times = np.arange(0, 1.0001, 0.01)  # pairs every 10 ms, as the cerebellum publishes
    states = np.stack([times, -times], axis=1)
    commands = states + 0.5
    obs, act = resample(times, states, commands, fps=15)
    assert len(obs) == 15 + 1  # rows at 0, 1/15, ..., 1.0 s
    picked = np.floor(np.arange(16) / 15 / 0.01 + 1e-9) * 0.01
    np.testing.assert_allclose(obs[:, 0], picked, atol=1e-6)
    np.testing.assert_allclose(act - obs, 0.5, atol=1e-6)


def test_mismatched_episodes_are_refused_by_name(tmp_path):
    writer = DatasetWriter(tmp_path / "ds", fps=FPS, joints=JOINTS[:5])
    episode = EpisodeFrames(np.zeros((3, 6), np.float32), np.zeros((3, 6), np.float32), "t")
    with pytest.raises(ValueError, match=r"episode 0 .* 6 joint values, the dataset has 5"):
        writer.add(episode)
    with pytest.raises(FileExistsError, match="not empty"):
        (tmp_path / "ds2").mkdir()
        (tmp_path / "ds2" / "x").write_text("")
        DatasetWriter(tmp_path / "ds2", fps=FPS, joints=JOINTS)


def test_av1_episodes_join_and_read_back(tmp_path):
    """--codec libsvtav1 (LeRobot's default codec): episodes joined by packet copy decode
    to their own frames."""
    if "libsvtav1" not in video.av.codecs_available:
        pytest.skip("this PyAV build has no SVT-AV1 encoder")
    writer = DatasetWriter(
        tmp_path / "ds", fps=FPS, joints=JOINTS, cameras={"overview": (64, 48)}, codec="libsvtav1"
    )
    kept = []
    for k, n in enumerate((12, 9)):
        frames = _frames(n, 40 * k)
        part = video.encode(frames, tmp_path / f"av1-{k}.mp4", FPS, "libsvtav1")
        states = np.full((n, 6), k, np.float32)
        writer.add(
            EpisodeFrames(
                states, states, "t", {"overview": part}, {"overview": stats.image_stats(frames)}
            )
        )
        kept.append(frames)
    writer.finish()
    reader = DatasetReader(tmp_path / "ds")
    assert reader.features["observation.images.overview"]["info"]["video.codec"] == "av1"
    for k, frames in enumerate(kept):
        decoded = reader.frames(k, "observation.images.overview")
        assert len(decoded) == len(frames)
        assert min(video.psnr(a, b) for a, b in zip(decoded, frames, strict=True)) >= 35.0


def test_the_av1_encoder_leaves_the_thread_as_it_found_it(tmp_path):
    """SVT-AV1 run as root puts the thread that opens it on SCHED_FIFO 99 (and every
    thread started from it after): the writer puts it back."""
    if "libsvtav1" not in video.av.codecs_available:
        pytest.skip("this PyAV build has no SVT-AV1 encoder")
    before = (os.sched_getscheduler(0), os.sched_getparam(0))
    video.encode(_frames(4, 0), tmp_path / "av1.mp4", FPS, "libsvtav1")
    assert (os.sched_getscheduler(0), os.sched_getparam(0)) == before
