"""Generated episodes: rows are the arm's measured joints and the very commands sent
with them, the task is the request, and the videos are the frames the twin rendered
(robot/dataset/generate.py)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("av")

from core.profile import load_profile
from robot.dataset import video
from robot.dataset.generate import FrameTap, GenerateConfig, generate
from robot.dataset.reader import DatasetReader
from robot.dataset.writer import DatasetWriter
from robot.launch.episode import run_episode
from robot.launch.families import FAMILIES, fixed_plan

MIN_PSNR_DB = 30.0
"""Every decoded frame against the frame rendered (H.264, crf 20, yuv420p, 160x120).
4:2:0 chroma, not the rate factor, bounds it: 31.7-33.4 dB here at any crf from 12 to
20; at 320x240 the worst frame is 34.6 dB (docs/datasets.md)."""


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    """One breakfast_bowl episode (a fixed plan: no planner to load), 160x120, 15 fps,
    both cameras, every (state, command) pair the motion core made kept beside."""
    tmp = tmp_path_factory.mktemp("generate")
    config = GenerateConfig(families=("breakfast_bowl",), episodes=1, size=(160, 120))
    tap = FrameTap(config, tmp / "parts", keep_frames=True)
    pairs: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {}

    def start(scene, lockstep):
        tap.on_start(scene, lockstep)
        take = lockstep.core.on_state

        def both(state, command):
            assert state.stamp_ns == command.stamp_ns
            pairs[state.stamp_ns] = (state.position, command.position)
            take(state, command)

        lockstep.core.on_state = both

    family = FAMILIES["breakfast_bowl"]
    result = run_episode(family.scene, 20_000, fixed_plan(family.plans[0]), on_start=start)
    frames = tap.finish(family.requests[0], {"success": result.success})
    joints = [j.name for j in load_profile("so101").joints]
    writer = DatasetWriter(
        tmp / "ds", fps=15, joints=joints, cameras=dict.fromkeys(config.cameras, config.size)
    )
    writer.add(frames)
    writer.finish()
    return DatasetReader(tmp / "ds"), tap, pairs, result, frames


def test_rows_span_the_episode_at_the_dataset_rate(episode):
    reader, _, _, result, frames = episode
    rows = reader.rows(0)
    assert result.success
    # One row per 1/15 s of simulated time (the first at the first physics step).
    assert abs(len(rows.states) - result.sim_time_s * 15) <= 2
    assert len(rows.states) == frames.length


def test_actions_are_commands_sent_with_the_state(episode):
    """Each row is one (JointState, JointCommand) pair of the same tick, exactly."""
    reader, _, pairs, _, _ = episode
    rows = reader.rows(0)
    sent = {(np.float32(s).tobytes(), np.float32(c).tobytes()) for s, c in pairs.values()}
    for state, action in zip(rows.states, rows.actions, strict=True):
        assert (state.tobytes(), action.tobytes()) in sent
    # The arm moves: commands lead the measured joints somewhere.
    assert np.abs(rows.actions - rows.states).max() > 1e-3
    assert np.ptp(rows.states, axis=0).max() > 0.3


def test_task_is_the_request(episode):
    reader = episode[0]
    assert reader.tasks == [FAMILIES["breakfast_bowl"].requests[0]]
    assert reader.rows(0).task == FAMILIES["breakfast_bowl"].requests[0]


def test_video_frames_are_the_rendered_ones(episode):
    reader, tap, _, _, _ = episode
    for camera in ("overview", "wrist"):
        decoded = reader.frames(0, f"observation.images.{camera}")
        rendered = tap.kept[camera]
        assert len(decoded) == len(rendered)
        worst = min(video.psnr(d, r) for d, r in zip(decoded, rendered, strict=True))
        assert worst >= MIN_PSNR_DB, f"{camera}: worst frame {worst:.1f} dB"
        # And not shifted: frame k is closer to rendered k than to k + 10.
        assert video.psnr(decoded[20], rendered[20]) > video.psnr(decoded[20], rendered[30])


def test_generate_runs_episodes_in_processes(tmp_path):
    """Two processes, two episodes of a fixed-plan family: a loadable dataset."""
    config = GenerateConfig(
        families=("breakfast_bowl",), episodes=2, seed_start=20_000, size=(64, 48), fps=5
    )
    report = generate(config, tmp_path / "ds", processes=2, progress=False)
    reader = DatasetReader(tmp_path / "ds")
    assert report.episodes == 2 and len(reader.episodes) == 2
    assert [e["seed"] for e in reader.episodes] == [20_000, 20_001]
    assert report.real_time_factor_per_core > 0
    assert not (tmp_path / "ds.parts").exists()
