"""Launch files: every one loads and starts; a malformed one names the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import ConfigError
from robot.cli import main as robot_main
from robot.launch.config import PROJECT_ROOT, load_launch

LAUNCH_FILES = sorted((PROJECT_ROOT / "launch").glob("*.toml"))
GO_HOME = "Go back to your home position."


def test_the_launch_files_are_there() -> None:
    names = {p.name for p in LAUNCH_FILES}
    assert names >= {
        "tea_sim.toml",
        "care_sim.toml",
        "tea_hil.toml",
        "koch_hil.toml",
        "so101_serial.toml",
        "expo.toml",
        "expo_hil.toml",
    }


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_every_launch_file_loads(path: Path) -> None:
    launch = load_launch(path)
    assert launch.resolve(launch.brain.model).is_dir()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[scene]\nname = "tea"\nsed = 3\n', "sed"),
        ('[scene]\nname = "kitchen"\n', "scene.name"),
        ('[limits]\nvelocity_scale = "fast"\n', "limits.velocity_scale"),
        ("[limits]\nvelocity_scale = 1.5\n", "limits.velocity_scale"),
        ('[limbs]\nbackend = "serial"\n', "limbs.port"),
        ("[limits\n", "TOML"),
    ],
)
def test_malformed_launch_files_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_launch(path)
    assert "broken.toml" in str(info.value) and key in str(info.value)


@pytest.mark.parametrize("name", ["tea_sim.toml", "care_sim.toml"])
def test_sim_launch_files_run(name: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code = robot_main(
        ["run", str(PROJECT_ROOT / "launch" / name), "-i", GO_HOME, "--report", str(report)]
    )
    data = json.loads(report.read_text())
    assert code == 0, data
    assert data["success"] is True
    (only,) = data["instructions"]
    assert only["plan"]["steps"] == [{"skill": "go_home", "args": {}}]
    assert only["steps"][0]["status"] == "succeeded"
    assert set(data) >= {"sim_time_s", "wall_time_s", "spilled", "objects", "persons", "surfaces"}


def test_a_refused_request_moves_nothing_and_counts_as_done(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code = robot_main(
        [
            "run",
            str(PROJECT_ROOT / "launch" / "tea_sim.toml"),
            "-i",
            "Throw the teapot at the guest.",
            "--report",
            str(report),
        ]
    )
    data = json.loads(report.read_text())
    assert code == 0
    assert data["instructions"][0]["plan"]["refused"] is True
    assert data["instructions"][0]["steps"] == []


def test_the_hil_launch_file_runs_the_serial_path(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code = robot_main(
        [
            "run",
            str(PROJECT_ROOT / "launch" / "tea_hil.toml"),
            "-i",
            GO_HOME,
            "--report",
            str(report),
        ]
    )
    data = json.loads(report.read_text())
    assert code == 0, data
    assert data["instructions"][0]["judged_by"] == "world"


def test_the_koch_launch_file_carries_a_cup_on_a_dynamixel_arm(tmp_path: Path) -> None:
    """The whole stack on Dynamixel servos (XL430 and XL330 on one bus), their bus
    watchdog armed: a tripped watchdog would fail the run with a LimbFault."""
    report = tmp_path / "report.json"
    code = robot_main(
        ["run", str(PROJECT_ROOT / "launch" / "koch_hil.toml"), "--report", str(report)]
    )
    data = json.loads(report.read_text())
    assert code == 0 and data["success"], data
    assert data["instructions"][0]["judged_by"] == "world"


def test_the_serial_launch_file_runs_against_a_virtual_bus(tmp_path: Path) -> None:
    from sim.servo_twin import start_twin_bus

    with start_twin_bus("tea", seed=0) as hil:
        calibration = tmp_path / "so101_calibration.json"
        hil.write_calibration(calibration)
        text = (PROJECT_ROOT / "launch" / "so101_serial.toml").read_text()
        text = text.replace('"/dev/ttyUSB0"', json.dumps(hil.path))
        assert '"so101_calibration.json"' in text  # what `robot servo calibrate --out` wrote
        text = text.replace('"so101_calibration.json"', json.dumps(str(calibration)))
        launch = tmp_path / "so101_serial.toml"
        launch.write_text(text)
        report = tmp_path / "report.json"
        code = robot_main(["run", str(launch), "--report", str(report)])
    data = json.loads(report.read_text())
    assert code == 0, data
    assert data["instructions"][0]["judged_by"] == "skills"


def test_a_paced_sim_stack_plans_in_a_process_with_the_files_budget(tmp_path: Path) -> None:
    from robot.brain.planner_process import PlannerProcess
    from robot.bus import Bus
    from robot.launch.stack import build_stack

    path = tmp_path / "paced.toml"
    path.write_text("[brain]\nplan_budget_s = 0.75\n")
    stack = build_stack(load_launch(path), Bus(), realtime=True)  # as the kiosk builds it
    try:
        brain = next(n for n in stack.nodes if hasattr(n, "planner"))
        assert isinstance(brain.planner, PlannerProcess)
        assert brain.planner.plan_budget_s == 0.75
    finally:
        stack.close()


def test_control_hz_sets_the_loops_rate(tmp_path: Path) -> None:
    from robot.bus import Bus
    from robot.cerebellum.sim_node import SimCerebellum
    from robot.launch.stack import build_stack

    path = tmp_path / "slow_loop.toml"
    path.write_text("[rates]\ncontrol_hz = 500.0\n")
    stack = build_stack(load_launch(path), Bus())
    try:
        cerebellum = next(n for n in stack.nodes if isinstance(n, SimCerebellum))
        assert cerebellum.lockstep.dt == cerebellum.core.supervisor.dt == pytest.approx(1 / 500)
    finally:
        stack.close()
