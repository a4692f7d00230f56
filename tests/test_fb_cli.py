"""`robot servo ...`: the bring-up tools against the virtual bus, and `emulate` as a process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_bridge.control_tables import get_model
from firmware_bridge.virtual_bus import VirtualBus, build_servos
from robot.cli import main

DATA = Path(__file__).parent / "data" / "serial"
MARGIN = ["--margin-ms", "100"]  # a shared machine may stall a reply; scans do not retry


@pytest.fixture
def sts() -> Iterator[VirtualBus]:
    with VirtualBus("feetech", build_servos([1, 2], get_model("sts3215"), baud=1_000_000)) as bus:
        yield bus


def test_emulate_runs_as_a_process_and_serves_the_sdk(tmp_path: Path) -> None:
    sdk = pytest.importorskip("scservo_sdk")
    eeprom = tmp_path / "eeprom.json"
    cmd = [sys.executable, "-m", "robot.cli", "servo", "emulate", "--protocol", "feetech"]
    cmd += ["--ids", "1-3", "--eeprom", str(eeprom)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().split()[-1]
        assert path.startswith("/dev/")
        port = sdk.PortHandler(path)
        assert port.openPort() and port.setBaudRate(1_000_000)
        ph = sdk.PacketHandler(0)
        assert ph.ping(port, 3)[:2] == (777, sdk.COMM_SUCCESS)
        assert ph.write1ByteTxRx(port, 3, 55, 0)[0] == sdk.COMM_SUCCESS  # unlock EEPROM
        assert ph.write1ByteTxRx(port, 3, 7, 10)[0] == sdk.COMM_SUCCESS  # return delay
        port.closePort()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert json.loads(eeprom.read_text())["servos"]["3"]["return_delay_time"] == 10


def test_scan_prints_one_line_per_servo(
    sts: VirtualBus, capsys: pytest.CaptureFixture[str]
) -> None:
    scan = ["servo", "scan", "--port", sts.path, "--protocol", "feetech", "--baud", "1000000"]
    code = main([*scan, "--ids", "0-3", *MARGIN])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(out) == 2 and out[0].startswith("ID   1  sts3215") and "1000000 baud" in out[0]


def test_scan_tries_every_baud_when_not_given(capsys: pytest.CaptureFixture[str]) -> None:
    servos = build_servos([4], get_model("sts3215"), baud=115_200)
    with VirtualBus("feetech", servos) as bus:
        code = main(
            ["servo", "scan", "--port", bus.path, "--protocol", "feetech", "--ids", "4", *MARGIN]
        )
    assert code == 0
    assert "115200 baud" in capsys.readouterr().out


def test_set_id_refuses_an_id_on_the_bus_and_asks_first(
    sts: VirtualBus, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["servo", "set-id", "--port", sts.path, "--protocol", "feetech", "--id", "1"]
    assert main([*base, "--new-id", "2", "--yes"]) == 1
    assert "ID 2 is already on the bus" in capsys.readouterr().err
    assert main([*base, "--new-id", "7"]) == 1  # no terminal to confirm on
    assert "pass --yes" in capsys.readouterr().err
    assert main([*base, "--new-id", "7", "--yes"]) == 0
    assert sorted(s.servo_id for s in sts.servos) == [2, 7]


def test_set_baud_then_found_at_the_new_rate(
    sts: VirtualBus, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "servo",
            "set-baud",
            "--port",
            sts.path,
            "--protocol",
            "feetech",
            "--id",
            "2",
            "--new-baud",
            "500000",
            "--yes",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert sts.servos[1].baud == 500_000
    assert sts.servos[1].saved_eeprom["baud_rate"] == 1  # survives a power cycle


def test_flash_writes_and_reads_back(sts: VirtualBus, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["servo", "flash", "--port", sts.path, "--profile", str(DATA / "sts3215_flash.toml")]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "servo 1: 7 registers written and read back" in out
    assert sts.servos[0].saved_eeprom["min_position_limit"] == 700
    assert sts.servos[1].saved_eeprom["return_delay_time"] == 0


def test_flash_reports_a_missing_servo(capsys: pytest.CaptureFixture[str]) -> None:
    with VirtualBus("feetech", build_servos([1], get_model("sts3215"), baud=1_000_000)) as bus:
        code = main(
            ["servo", "flash", "--port", bus.path, "--profile", str(DATA / "sts3215_flash.toml")]
        )
    out = capsys.readouterr().out
    assert code == 1
    assert "servo 1: 7 registers" in out and "servo 2: FAILED: servo 2 did not answer" in out


def test_calibrate_from_positions_and_from_lerobot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.calibration import load_calibration

    profile = DATA / "so101_profile.toml"
    servos = build_servos(range(1, 7), get_model("sts3215"), baud=1_000_000)
    out = tmp_path / "cal.json"
    zero = ",".join(f"{i}=2048" for i in range(1, 7))
    ranges = ",".join(f"{i}=1000:3000" for i in range(1, 7))
    with VirtualBus("feetech", servos) as bus:
        code = main(
            [
                "servo",
                "calibrate",
                "--port",
                bus.path,
                "--robot",
                str(profile),
                "--out",
                str(out),
                "--zero",
                zero,
                "--range",
                ranges,
            ]
        )
    assert code == 0, capsys.readouterr().err
    cal = load_calibration(out)
    assert cal.joints["elbow_flex"].servo_id == 3 and cal.joints["elbow_flex"].range_max == 3000
    converted = tmp_path / "from_lerobot.json"
    code = main(
        [
            "servo",
            "calibrate",
            "--robot",
            str(profile),
            "--out",
            str(converted),
            "--lerobot",
            str(DATA / "lerobot_so101_follower.json"),
        ]
    )
    assert code == 0
    assert load_calibration(converted).joints["gripper"].homing_offset == 1427


def test_calibrate_a_koch_arm_of_two_servo_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.calibration import load_calibration

    servos = build_servos([1, 2, 3], get_model("xl430-w250"), baud=1_000_000)
    servos += build_servos([4, 5, 6], get_model("xl330-m288"), baud=1_000_000)
    out = tmp_path / "koch.json"
    ids = range(1, 7)
    with VirtualBus("dynamixel", servos) as bus:
        zero, ranges = ",".join(f"{i}=2048" for i in ids), ",".join(f"{i}=1000:3000" for i in ids)
        args = ["--port", bus.path, "--robot", "koch", "--out", str(out)]
        code = main(["servo", "calibrate", *args, "--zero", zero, "--range", ranges])
    assert code == 0, capsys.readouterr().err
    cal = load_calibration(out)
    assert cal.protocol == "dynamixel" and cal.joints["gripper"].range_max == 3000


def test_calibrate_home_keeps_offsets_in_sign_magnitude_range() -> None:
    from firmware_bridge.setup_tools import homing_offset_for

    sts = get_model("sts3215")
    # A pose reading 4000 with offset -114: actual 3886 -> the offset that makes it 2047.
    offset = homing_offset_for(sts, 4000, -114, 2047)
    assert -2047 <= offset <= 2047 and (3886 - offset) % 4096 == 2047
    offset = homing_offset_for(sts, 50, 0, 2047)  # 50 - 2047 = -1997 fits
    assert offset == -1997
    offset = homing_offset_for(sts, 10, 2000, 2047)  # actual 2010 -> offset -37
    assert offset == -37


def test_emulate_rejects_a_model_of_the_other_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["servo", "emulate", "--protocol", "dynamixel", "--model", "sts3215"]) == 1
    assert "speaks feetech" in capsys.readouterr().err


def test_ports_lists_without_crashing(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["servo", "ports"])
    assert code in (0, 1)
    assert capsys.readouterr().out


def test_calibrate_home_writes_offsets_so_zero_reads_half_a_turn(tmp_path: Path) -> None:
    from firmware_bridge.servo_bus import FeetechBus
    from firmware_bridge.setup_tools import record_calibration

    table = get_model("sts3215")
    servos = build_servos([1, 2], table, baud=1_000_000)
    with (
        VirtualBus("feetech", servos) as bus,
        FeetechBus.open(bus.path, 1_000_000, host_margin_s=0.05) as servo_bus,
    ):
        readings = record_calibration(
            servo_bus, [1, 2], "sts3215", ranges={1: (0, 4000), 2: (100, 200)}, home=True
        )
        live = [servo_bus.read(i, table["present_position"]) for i in (1, 2)]
    assert [r.zero_ticks for r in readings] == [2047, 2047] == live
    assert readings[0].homing_offset == 1  # motors sit at 2048
    assert (readings[1].range_min, readings[1].range_max) == (99, 199)


def test_flash_can_change_ids_with_confirmation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "ids.toml"
    profile.write_text(
        'model = "sts3215"\n[defaults]\nreturn_delay_time = 0\n'
        "[[servos]]\nid = 1\nnew_id = 11\n[[servos]]\nid = 2\nnew_id = 1\n"
    )
    with VirtualBus("feetech", build_servos([1, 2], get_model("sts3215"), baud=1_000_000)) as bus:
        base = ["servo", "flash", "--port", bus.path, "--profile", str(profile)]
        assert main(base) == 1  # no terminal to confirm on
        assert "pass --yes" in capsys.readouterr().err
        assert main([*base, "--yes"]) == 0
        out = capsys.readouterr().out
        assert "servo 1: 1 register written and read back, now ID 11" in out
        assert sorted(s.servo_id for s in bus.servos) == [1, 11]


def test_duplicate_ids_are_reported_and_block_set_id(capsys: pytest.CaptureFixture[str]) -> None:
    servos = build_servos([1, 1, 2], get_model("sts3215"), baud=1_000_000)  # two factory-new
    with VirtualBus("feetech", servos) as bus:
        scan = ["servo", "scan", "--port", bus.path, "--protocol", "feetech", "--baud", "1000000"]
        assert main([*scan, "--ids", "1-2", *MARGIN]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert "DUPLICATE ID" in lines[0] and "DUPLICATE" not in lines[1]
        set_id = ["servo", "set-id", "--port", bus.path, "--protocol", "feetech", "--id", "1"]
        assert main([*set_id, "--new-id", "5", "--yes"]) == 1
        assert "2 servos answer as ID 1" in capsys.readouterr().err


def test_calibration_records_travel_while_the_person_moves_the_joints() -> None:
    from firmware_bridge.servo_bus import FeetechBus
    from firmware_bridge.servo_model import ServoModel, ServoSample
    from firmware_bridge.setup_tools import record_calibration

    class Hand(ServoModel):
        """A joint moved by hand: torque is off, the position is whatever we set."""

        def __init__(self) -> None:
            self.position = 100.0

        def command(self, now_s, torque_enabled, goal, max_velocity, max_acceleration) -> None:
            pass

        def sample(self, now_s: float) -> ServoSample:
            return ServoSample(self.position, 0.0, 0.0)

    hand = Hand()
    table = get_model("sts3215")
    servos = build_servos([1], table, baud=1_000_000, model_factory=lambda sid, t: hand)
    path_through_wrap = iter([4000.0, 3900.0, 300.0, 50.0])  # travel across 4095 -> 0
    prompts: list[str] = []

    def done() -> bool:
        try:
            hand.position = next(path_through_wrap)
            return False
        except StopIteration:
            return True

    with (
        VirtualBus("feetech", servos) as bus,
        FeetechBus.open(bus.path, 1_000_000, host_margin_s=0.05) as servo_bus,
    ):
        (reading,) = record_calibration(
            servo_bus, [1], "sts3215", prompt=prompts.append, done=done, poll_s=0.0
        )
    assert len(prompts) == 2 and "zero pose" in prompts[0]
    assert (reading.zero_ticks, reading.range_min, reading.range_max) == (100, 3900, 300)


def test_module_entry_prints_the_path_first_on_a_terminal() -> None:
    import os
    import pty
    import select

    master, slave = pty.openpty()
    cmd = [sys.executable, "-m", "robot.servo.cli", "emulate", "--protocol", "dynamixel"]
    proc = subprocess.Popen([*cmd, "--ids", "1"], stdout=slave, stderr=subprocess.DEVNULL)
    os.close(slave)
    try:
        text = b""
        while b"\n" not in text and select.select([master], [], [], 20)[0]:
            text += os.read(master, 1024)
        assert text.split(b"\n")[0].split()[-1].startswith(b"/dev/")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        os.close(master)
