"""Whatever a user or a file gives the `robot` command, a failure reads as one line.

Each case runs the command as a user would (a fresh process) on something broken, and
the command must end with a non-zero exit code and exactly one line on stderr that
starts with `robot <command>:`, names what is wrong, and carries no traceback (that
goes to the debug log).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from robot.launch.config import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "planner"


def robot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "robot.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def launch(tmp: Path, text: str) -> str:
    path = tmp / "bad.toml"
    path.write_text('instructions = ["Put the red cup on the tray."]\n' + text)
    return str(path)


def broken_model(tmp: Path) -> str:
    copy = tmp / "model"
    shutil.copytree(MODEL, copy)
    onnx = copy / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[:1000])  # cut short, as a failed download is
    return str(copy)


def twin_calibration_file(tmp: Path) -> str:
    from core.calibration import save_calibration
    from core.profile import load_profile
    from sim.servo_twin import twin_calibration

    path = tmp / "twin.json"
    save_calibration(twin_calibration(load_profile("so101")), path)
    return str(path)


def lerobot_calibration(tmp: Path) -> str:
    path = tmp / "lerobot.json"
    joints = ("shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll")
    entries = [
        f'"{j}": {{"id": {k + 1}, "range_min": 1000, "range_max": 3000}}'
        for k, j in enumerate(joints)
    ]
    entries.append('"gripper": {"id": 6, "range_min": -5000, "range_max": 70000}')
    path.write_text("{" + ", ".join(entries) + "}")
    return str(path)


CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "a launch value that is not a number": (
        lambda t: ["run", launch(t, "[limits]\ncollaborative_speed_m_s = nan\n")],
        "limits.collaborative_speed_m_s",
    ),
    "a negative seed": (
        lambda t: ["run", launch(t, "[scene]\nseed = -3\n")],
        "scene.seed",
    ),
    "a bogus Zenoh endpoint": (
        lambda t: ["run", launch(t, '[bus]\nbackend = "zenoh"\nconnect = ["tcp//nowhere"]\n')],
        "bus.connect",
    ),
    "a missing model folder": (
        lambda t: ["run", launch(t, '[brain]\nmodel = "/nonexistent/model"\n')],
        "/nonexistent/model",
    ),
    "a model cut short": (
        lambda t: ["plan", "--scene", "tea", "--model", broken_model(t), "Bring the tea."],
        "model.onnx",
    ),
    "a LeRobot calibration out of range": (
        lambda t: [
            "run",
            launch(
                t,
                f'[limbs]\nbackend = "serial"\nport = "/dev/ttyNOPE0"\n'
                f'calibration = "{lerobot_calibration(t)}"\n',
            ),
        ],
        "range_min = -5000",
    ),
    "a serial port that is not there": (
        lambda t: [
            "run",
            launch(
                t,
                f'[limbs]\nbackend = "serial"\nport = "/dev/ttyNOPE0"\n'
                f'calibration = "{twin_calibration_file(t)}"\n',
            ),
        ],
        "/dev/ttyNOPE0",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_failure_reads_as_one_line(tmp_path: Path, case: str) -> None:
    make_args, named = CASES[case]
    done = robot(*make_args(tmp_path), cwd=tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    said = [line for line in lines if line.startswith("robot ")]
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert len(said) == 1, done.stderr
    assert named in said[0], said[0]
