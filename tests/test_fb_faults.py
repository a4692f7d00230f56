"""Fault schedules on the virtual bus: each kind on its window, by request count and by
time, the seeded random mode, the fault file, and `robot servo emulate --faults`."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from firmware_bridge import dynamixel, feetech
from firmware_bridge.control_tables import get_model
from firmware_bridge.errors import ProtocolError, SetupError
from firmware_bridge.faults import Fault, FaultSchedule, load_fault_schedule
from firmware_bridge.packet import Packet
from firmware_bridge.servo_bus import open_bus
from firmware_bridge.virtual_bus import Reply, VirtualBus, build_servos

MODELS = {"dynamixel": "xl330-m288", "feetech": "sts3215"}
IDS = (1, 2, 3)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def bus(protocol: str, clock: Clock | None = None) -> VirtualBus:
    """A bus used in-process (`handle`), no pty."""
    table = get_model(MODELS[protocol])
    return VirtualBus(protocol, build_servos(IDS, table), clock=clock or Clock())


def codec(protocol: str):  # type: ignore[no-untyped-def]
    return dynamixel if protocol == "dynamixel" else feetech


def sync_read(protocol: str) -> Packet:
    """The decoded request for present position of every servo."""
    reg = get_model(MODELS[protocol])["present_position"]
    c = codec(protocol)
    frame = c.sync_read(IDS, reg.address, reg.size)
    return c.decode(frame) if protocol == "dynamixel" else c.decode(frame, status=False)


def decode(protocol: str, reply: Reply) -> Packet:
    c = codec(protocol)
    return c.decode(reply.data) if protocol == "dynamixel" else c.decode(reply.data, status=True)


def answering(protocol: str, replies: list[Reply]) -> list[int]:
    return [decode(protocol, r).servo_id for r in replies]


@pytest.fixture(params=["dynamixel", "feetech"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_drop_by_request_count_and_servo(protocol: str) -> None:
    virtual = bus(protocol)
    virtual.faults = schedule = FaultSchedule([Fault("drop", servo_id=2, at_request=1, requests=2)])
    request = sync_read(protocol)
    got = [answering(protocol, virtual.handle(request)) for _ in range(4)]
    assert got == [[1, 2, 3], [1, 3], [1, 3], [1, 2, 3]]
    assert schedule.requests == 4 and schedule.applied == {"drop": 2}


def test_window_by_time(protocol: str) -> None:
    clock = Clock()
    virtual = bus(protocol, clock)
    virtual.faults = FaultSchedule([Fault("drop", servo_id=3, at_s=1.0, for_s=0.5)])
    request = sync_read(protocol)
    got = []
    for t in (0.0, 0.9, 1.0, 1.4, 1.5):  # seconds since the schedule's first request
        clock.now = 100.0 + t
        got.append(3 in answering(protocol, virtual.handle(request)))
    assert got == [True, True, False, False, True]


def test_forged_reply_is_valid_with_two_bytes_swapped(protocol: str) -> None:
    virtual = bus(protocol)
    request = sync_read(protocol)
    true = [decode(protocol, r).params for r in virtual.handle(request)]
    virtual.faults = schedule = FaultSchedule([Fault("forge", servo_id=1)])
    forged = [decode(protocol, r).params for r in virtual.handle(request)]  # checksums hold
    assert forged[1:] == true[1:] and forged[0] != true[0]
    j, after = [k for k in range(len(true[0])) if forged[0][k] != true[0][k]]
    assert after == j + 1 and forged[0][j : j + 2] == true[0][j : j + 2][::-1]
    assert schedule.applied == {"forge": 1}


def test_flipped_reply_fails_its_check(protocol: str) -> None:
    virtual = bus(protocol)
    request = sync_read(protocol)
    clean = [r.data for r in virtual.handle(request)]
    virtual.faults = FaultSchedule([Fault("flip", servo_id=2)], seed=5)
    for _ in range(20):
        replies = virtual.handle(request)
        assert [replies[0].data, replies[2].data] == [clean[0], clean[2]]
        with pytest.raises(ProtocolError):  # one flipped bit: never a valid packet
            decode(protocol, replies[1])


def test_unplug_loses_writes_and_replies(protocol: str) -> None:
    virtual = bus(protocol)
    table = get_model(MODELS[protocol])
    goal = table["goal_position"]
    virtual.faults = FaultSchedule([Fault("unplug")])
    c = codec(protocol)
    write = c.write(1, goal.address, goal.encode(1000))
    packet = c.decode(write) if protocol == "dynamixel" else c.decode(write, status=False)
    assert virtual.handle(packet) == [] and virtual.handle(sync_read(protocol)) == []
    assert virtual.servos[0].value("goal_position") != 1000


def test_delay_holds_the_replies_back(protocol: str) -> None:
    virtual = bus(protocol)
    before = virtual.handle(sync_read(protocol))
    virtual.faults = FaultSchedule([Fault("delay", delay_s=0.03)])
    after = virtual.handle(sync_read(protocol))
    assert sum(r.delay_s for r in after) == pytest.approx(sum(r.delay_s for r in before) + 0.03)


def test_random_mode_repeats_with_its_seed(protocol: str) -> None:
    def run(seed: int) -> tuple[list[list[bytes]], dict[str, int]]:
        virtual = bus(protocol)
        kinds = ("flip", "drop", "forge", "unplug", "delay")
        virtual.faults = schedule = FaultSchedule([Fault(k, rate=0.2) for k in kinds], seed=seed)
        request = sync_read(protocol)
        return [[r.data for r in virtual.handle(request)] for _ in range(400)], schedule.applied

    first, applied = run(7)
    assert run(7) == (first, applied)
    assert run(8)[0] != first
    assert set(applied) == {"flip", "drop", "forge", "unplug", "delay"}
    assert 40 <= applied["unplug"] <= 120  # 400 requests at 0.2


def test_fault_files(tmp_path: Path) -> None:
    toml = tmp_path / "faults.toml"
    toml.write_text(
        'seed = 7\n[[faults]]\nkind = "forge"\nrate = 0.01\n'
        '[[faults]]\nkind = "unplug"\nat_s = 30.0\n'
    )
    schedule = load_fault_schedule(toml)
    assert schedule.seed == 7
    assert schedule.faults == (Fault("forge", rate=0.01), Fault("unplug", at_s=30.0))
    js = tmp_path / "faults.json"
    js.write_text('{"faults": [{"kind": "drop", "servo_id": 3, "at_request": 100}]}')
    assert load_fault_schedule(js).faults == (Fault("drop", servo_id=3, at_request=100),)
    for text, message in [
        ('[[faults]]\nkind = "melt"', r"faults.toml: Invalid enum value 'melt' - at `\$.faults"),
        ('[[faults]]\nkind = "drop"\nrate = 2.0', r"rate = 2.0 is outside 0..1"),
        ('[[faults]]\nkind = "drop"\nservo = 3', r"unknown field `servo`"),
        ("[[faults]\n", r"faults.toml is not TOML"),
    ]:
        toml.write_text(text)
        with pytest.raises(SetupError, match=message):
            load_fault_schedule(toml)


def test_emulate_injects_faults_from_a_file(tmp_path: Path) -> None:
    faults = tmp_path / "faults.toml"
    faults.write_text('[[faults]]\nkind = "drop"\nservo_id = 2\n')
    cmd = [sys.executable, "-m", "robot.servo.cli", "emulate", "--protocol", "feetech"]
    proc = subprocess.Popen([*cmd, "--faults", str(faults)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().split()[-1]
        assert proc.stdout.readline().startswith(f"injecting faults from {faults} (drop; seed 0)")
        with open_bus("feetech", path, 1_000_000, host_margin_s=0.05) as client:
            assert [p.servo_id for p in client.try_ping(1)] == [1]
            assert client.try_ping(2) == []  # silent: its replies are dropped
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
