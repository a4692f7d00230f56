"""`robot dataset play`: a LeRobot episode's joints, in LeRobot's units and calibration
or in our radians, replayed on the twin through the motion core and its supervisor
(robot/dataset/play.py, lerobot_units.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("av")

from core.calibration import TickMap, from_lerobot
from core.profile import load_profile
from robot.dataset import lerobot_units
from robot.dataset.episode_frames import EpisodeFrames
from robot.dataset.play import play_episode, trajectory_rad
from robot.dataset.writer import DatasetWriter

FPS = 30
HOME = np.array([0.0, -0.93, 0.82, 0.11, 0.0, 0.3])
"""The arm's home pose (rad), where every scene starts it clear of the table."""
FOLLOW_TOLERANCE_RAD = np.radians(3.0)
"""Largest joint error from the recorded path, at the delay that fits best (a streamed
trajectory runs a row or two late: each row starts a new move from where the last got
to). Measured: 1.1 deg, 2 rows late on the sim twin; 1.9 deg, 3 rows late on hil; on a
wave of at most 1 rad/s."""

# fmt: off
LEROBOT_CALIBRATION = {
    # LeRobot's so101_follower calibration file, as `lerobot-calibrate` writes it:
    # homing offsets, ranges of a real arm's size, one joint with drive_mode 1.
    "shoulder_pan":
        {"id": 1, "drive_mode": 0, "homing_offset": -1470, "range_min": 758, "range_max": 3292},
    "shoulder_lift":
        {"id": 2, "drive_mode": 0, "homing_offset": 157, "range_min": 612, "range_max": 3401},
    "elbow_flex":
        {"id": 3, "drive_mode": 1, "homing_offset": -1276, "range_min": 874, "range_max": 3096},
    "wrist_flex":
        {"id": 4, "drive_mode": 0, "homing_offset": -1430, "range_min": 865, "range_max": 3155},
    "wrist_roll":
        {"id": 5, "drive_mode": 0, "homing_offset": 1609, "range_min": 0, "range_max": 4095},
    "gripper":
        {"id": 6, "drive_mode": 0, "homing_offset": 1407, "range_min": 2031, "range_max": 3503},
}
# fmt: on


def _trajectory(seconds: float = 3.0) -> np.ndarray:
    """A smooth wave about the home pose (rad), every joint moving, <= 1.2 rad/s."""
    t = np.arange(int(seconds * FPS)) / FPS
    amplitude = np.array([0.35, 0.2, 0.25, 0.3, 0.4, 0.3])
    omega = np.array([2.0, 2.6, 2.2, 3.0, 2.4, 3.0])
    wave = amplitude * np.sin(omega * t[:, None])
    return HOME + wave


def _write(root, values: np.ndarray, names: list[str], units: str) -> None:
    writer = DatasetWriter(root, fps=FPS, joints=names, units=units, source="test")
    writer.add(EpisodeFrames(values.astype(np.float32), values.astype(np.float32), "wave"))
    writer.finish()


@pytest.fixture
def calibration_file(tmp_path):
    path = tmp_path / "so101_follower.json"
    path.write_text(json.dumps(LEROBOT_CALIBRATION))
    return path


@pytest.mark.parametrize("norm", ["range_m100_100", "degrees"])
def test_lerobot_units_read_back_as_the_radians_written(tmp_path, calibration_file, norm):
    """LeRobot's values of a trajectory (its conventions, its calibration) convert back
    to the same radians; a hand-computed value pins the conventions themselves."""
    profile = load_profile("so101")
    calibration = from_lerobot(LEROBOT_CALIBRATION)
    radians = _trajectory()
    values = lerobot_units.from_rad(radians, profile, calibration, norm)
    _write(tmp_path / "ds", values, lerobot_units.lerobot_names(profile), units="lerobot")
    back, fps, task = trajectory_rad(
        tmp_path / "ds", 0, profile, calibration=calibration_file, norm=norm
    )
    assert fps == FPS and task == "wave"
    np.testing.assert_allclose(back, radians.astype(np.float32), atol=2e-4)
    # By hand: shoulder_pan at the middle of its range is 0 in both modes; a quarter
    # turn (1024 ticks) off the middle is 1024 * 360 / 4095 = 90.04 deg, or
    # 1024 / 2534 * 200 = 80.82 of +-100.
    quarter = 90.0440 if norm == "degrees" else 1024 / 2534 * 200
    names = lerobot_units.lerobot_names(profile)
    pan = np.array([[0.0, 0, 0, 0, 0, 50], [quarter, 0, 0, 0, 0, 50]])
    rad = lerobot_units.to_rad(pan, names, profile, calibration, norm)
    assert rad[0, 0] == pytest.approx(0.0, abs=1e-3)
    assert rad[1, 0] == pytest.approx(np.pi / 2, abs=1e-3)


def test_drive_mode_mirrors_the_ticks_not_the_angle():
    """drive_mode 1 (a motor mounted the other way): LeRobot negates the value and our
    import reverses the direction, so a value means the same joint angle either way,
    reached at ticks mirrored about the middle of the range."""
    profile = load_profile("so101")
    names = lerobot_units.lerobot_names(profile)
    straight = dict(
        LEROBOT_CALIBRATION, elbow_flex=dict(LEROBOT_CALIBRATION["elbow_flex"], drive_mode=0)
    )
    values = np.array([[0, 0, 50.0, 0, 0, 0]])
    mirrored = lerobot_units.to_rad(values, names, profile, from_lerobot(LEROBOT_CALIBRATION))
    plain = lerobot_units.to_rad(values, names, profile, from_lerobot(straight))
    assert mirrored[0, 2] == pytest.approx(plain[0, 2]) and plain[0, 2] > 0.5
    elbow = LEROBOT_CALIBRATION["elbow_flex"]
    ticks = [
        TickMap(from_lerobot(c).joint("elbow_flex")).to_ticks(plain[0, 2])
        for c in (LEROBOT_CALIBRATION, straight)
    ]
    assert sum(ticks) == pytest.approx(elbow["range_min"] + elbow["range_max"], abs=2)


def test_missing_joint_is_named(tmp_path, calibration_file):
    profile = load_profile("so101")
    names = lerobot_units.lerobot_names(profile)[:5]
    _write(tmp_path / "ds", np.zeros((4, 5)), names, units="lerobot")
    with pytest.raises(Exception, match=r"no values of joints \['gripper'\]"):
        trajectory_rad(tmp_path / "ds", 0, profile, calibration=calibration_file)


def test_lerobot_values_without_calibration_are_refused(tmp_path):
    profile = load_profile("so101")
    _write(tmp_path / "ds", np.zeros((4, 6)), lerobot_units.lerobot_names(profile), "lerobot")
    with pytest.raises(Exception, match="give --calibration"):
        trajectory_rad(tmp_path / "ds", 0, profile)


def test_play_on_the_sim_twin_follows_the_recording(tmp_path, calibration_file):
    profile = load_profile("so101")
    calibration = from_lerobot(LEROBOT_CALIBRATION)
    values = lerobot_units.from_rad(_trajectory(), profile, calibration, "range_m100_100")
    _write(tmp_path / "ds", values, lerobot_units.lerobot_names(profile), units="lerobot")
    result = play_episode(tmp_path / "ds", 0, calibration=calibration_file)
    assert result.backend == "sim"
    print(result.summary())
    assert result.lag_rows <= 3
    assert result.max_error_rad <= FOLLOW_TOLERANCE_RAD, result.summary()
    # It moved as recorded, not just stayed near home.
    assert np.ptp(result.measured[:, 4]) > 0.6


def test_play_through_the_hil_path_follows_our_own_dataset(tmp_path):
    """Our radians (no calibration), through the real-time loop in its process, a
    SerialLimb and the twin served as a virtual servo bus."""
    profile = load_profile("so101")
    _write(tmp_path / "ds", _trajectory(2.0), [j.name for j in profile.joints], units="rad")
    result = play_episode(tmp_path / "ds", 0, launch="launch/tea_hil.toml")
    assert result.backend == "hil"
    assert "estop" not in result.safety_events
    print(result.summary())
    assert result.max_error_rad <= FOLLOW_TOLERANCE_RAD, result.summary()


def test_play_command_prints_how_the_twin_followed(tmp_path, calibration_file, capsys):
    from robot.cli import main as robot_main

    profile = load_profile("so101")
    calibration = from_lerobot(LEROBOT_CALIBRATION)
    values = lerobot_units.from_rad(_trajectory(1.0), profile, calibration, "degrees")
    _write(tmp_path / "ds", values, lerobot_units.lerobot_names(profile), units="lerobot")
    data_file = tmp_path / "ds" / "data" / "chunk-000" / "file-000.parquet"  # a file in it
    args = ["dataset", "play", str(data_file), "--calibration", str(calibration_file)]
    assert robot_main([*args, "--norm", "degrees"]) == 0
    out = capsys.readouterr().out
    assert "episode 0 ('wave'): 30 rows at 30 fps on the sim twin" in out
    assert robot_main(["dataset", "play", str(tmp_path / "ds"), "--episode", "4"]) == 1
    assert "no episode 4 (it has 1: 0..0)" in capsys.readouterr().err
