"""The virtual servo bus: the vendors' SDKs work against it unchanged, and it keeps the
rules of real servos (EEPROM, lock, return delay, absent IDs, motion toward the goal)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from polling import eventually

from firmware_bridge import dynamixel, feetech
from firmware_bridge.control_tables import get_model
from firmware_bridge.packet import Packet
from firmware_bridge.servo_model import KinematicServo, ServoModel, ServoSample
from firmware_bridge.virtual_bus import Reply, VirtualBus, build_servos, load_eeprom
from firmware_bridge.virtual_servo import WriteResult

BAUD = 1_000_000
IDS = range(1, 7)


@pytest.fixture
def dxl_bus() -> Iterator[VirtualBus]:
    with VirtualBus("dynamixel", build_servos(IDS, get_model("xl330-m288"), baud=BAUD)) as bus:
        yield bus


@pytest.fixture
def sts_bus() -> Iterator[VirtualBus]:
    with VirtualBus("feetech", build_servos(IDS, get_model("sts3215"), baud=BAUD)) as bus:
        yield bus


# -- the vendors' SDKs, unchanged -------------------------------------------------------
def test_dynamixel_sdk_ping_read_write_sync(dxl_bus: VirtualBus) -> None:
    sdk = pytest.importorskip("dynamixel_sdk")
    port = sdk.PortHandler(dxl_bus.path)
    assert port.openPort() and port.setBaudRate(BAUD)
    ph = sdk.PacketHandler(2.0)
    try:
        model, result, error = ph.ping(port, 3)
        assert (model, result, error) == (1200, sdk.COMM_SUCCESS, 0)
        assert ph.ping(port, 42)[1] == sdk.COMM_RX_TIMEOUT  # absent IDs stay silent
        assert ph.write1ByteTxRx(port, 3, 64, 1) == (sdk.COMM_SUCCESS, 0)
        assert ph.write4ByteTxRx(port, 3, 116, 2100) == (sdk.COMM_SUCCESS, 0)
        assert eventually(lambda: ph.read4ByteTxRx(port, 3, 132)[0] == 2100)
        writer = sdk.GroupSyncWrite(port, ph, 116, 4)
        for sid in IDS:
            assert ph.write1ByteTxRx(port, sid, 64, 1)[0] == sdk.COMM_SUCCESS
            writer.addParam(sid, list((2000 + 10 * sid).to_bytes(4, "little")))
        assert writer.txPacket() == sdk.COMM_SUCCESS
        reader = sdk.GroupSyncRead(port, ph, 132, 4)
        for sid in IDS:
            reader.addParam(sid)

        def all_there() -> bool:
            if reader.txRxPacket() != sdk.COMM_SUCCESS:
                return False
            return all(reader.getData(sid, 132, 4) == 2000 + 10 * sid for sid in IDS)

        assert eventually(all_there)
    finally:
        port.closePort()


def test_feetech_sdk_ping_read_write_sync(sts_bus: VirtualBus) -> None:
    sdk = pytest.importorskip("scservo_sdk")
    port = sdk.PortHandler(sts_bus.path)
    assert port.openPort() and port.setBaudRate(BAUD)
    ph = sdk.PacketHandler(0)
    try:
        assert ph.ping(port, 2) == (777, sdk.COMM_SUCCESS, 0)
        assert ph.ping(port, 42)[1] == sdk.COMM_RX_TIMEOUT
        assert ph.write1ByteTxRx(port, 2, 40, 1) == (sdk.COMM_SUCCESS, 0)
        assert ph.write2ByteTxRx(port, 2, 42, 1900) == (sdk.COMM_SUCCESS, 0)
        assert eventually(lambda: ph.read2ByteTxRx(port, 2, 56)[0] == 1900)
        writer = sdk.GroupSyncWrite(port, ph, 42, 2)
        for sid in IDS:
            assert ph.write1ByteTxRx(port, sid, 40, 1)[0] == sdk.COMM_SUCCESS
            writer.addParam(sid, list((2000 + 10 * sid).to_bytes(2, "little")))
        assert writer.txPacket() == sdk.COMM_SUCCESS
        reader = sdk.GroupSyncRead(port, ph, 56, 2)
        for sid in IDS:
            reader.addParam(sid)

        def all_there() -> bool:
            if reader.txRxPacket() != sdk.COMM_SUCCESS:
                return False
            return all(reader.getData(sid, 56, 2) == 2000 + 10 * sid for sid in IDS)

        assert eventually(all_there)
    finally:
        port.closePort()


def test_servos_answer_only_at_their_baud(sts_bus: VirtualBus) -> None:
    sdk = pytest.importorskip("scservo_sdk")
    port = sdk.PortHandler(sts_bus.path)
    assert port.openPort() and port.setBaudRate(115_200)
    try:
        assert sdk.PacketHandler(0).ping(port, 1)[1] == sdk.COMM_RX_TIMEOUT
    finally:
        port.closePort()


# -- firmware rules, in process (no pty) -------------------------------------------------
def request(bus: VirtualBus, packet: bytes) -> list[Packet]:
    codec = dynamixel if bus.protocol == "dynamixel" else feetech
    decoded = codec.decode(packet) if codec is dynamixel else codec.decode(packet, status=False)
    replies = bus.handle(decoded)
    if codec is dynamixel:
        return [dynamixel.decode(r.data) for r in replies]
    return [feetech.decode(r.data) for r in replies]


def test_eeprom_needs_torque_off_on_dynamixel() -> None:
    table = get_model("xl430-w250")
    bus = VirtualBus("dynamixel", build_servos([1], table))
    (reply,) = request(bus, dynamixel.write(1, 64, b"\x01"))
    assert reply.error == 0
    (reply,) = request(bus, dynamixel.write(1, 7, b"\x05"))  # ID is EEPROM
    assert reply.error == WriteResult.ACCESS
    request(bus, dynamixel.write(1, 64, b"\x00"))
    (reply,) = request(bus, dynamixel.write(1, 7, b"\x05"))
    assert reply.error == 0 and reply.servo_id == 1  # the reply still comes from the old ID
    assert request(bus, dynamixel.ping(5))[0].params[:2] == (1060).to_bytes(2, "little")
    assert request(bus, dynamixel.ping(1)) == []


def test_read_only_and_out_of_range_are_refused() -> None:
    bus = VirtualBus("dynamixel", build_servos([1], get_model("xl330-m288")))
    assert request(bus, dynamixel.write(1, 132, b"\x00\x00\x00\x00"))[0].error == 7
    assert request(bus, dynamixel.read(1, 500, 4))[0].error == 4
    request(bus, dynamixel.write(1, 48, (3000).to_bytes(4, "little")))  # max position limit
    request(bus, dynamixel.write(1, 64, b"\x01"))
    assert request(bus, dynamixel.write(1, 116, (3500).to_bytes(4, "little")))[0].error == 6


def test_feetech_lock_register_decides_what_survives_a_reboot(tmp_path: Path) -> None:
    table = get_model("sts3215")
    eeprom = tmp_path / "eeprom.json"
    bus = VirtualBus("feetech", build_servos([1], table), eeprom_path=eeprom)
    request(bus, feetech.write(1, 7, b"\x00"))  # return delay, lock = 1 (default): not saved
    request(bus, feetech.write(1, 9, (100).to_bytes(2, "little")))
    request(bus, feetech.reboot(1))
    assert request(bus, feetech.read(1, 9, 2))[0].params == b"\x00\x00"
    request(bus, feetech.write(1, 55, b"\x00"))  # unlock
    request(bus, feetech.write(1, 9, (100).to_bytes(2, "little")))
    request(bus, feetech.write(1, 5, b"\x07"))  # new ID
    request(bus, feetech.reboot(7))
    assert request(bus, feetech.read(7, 9, 2))[0].params == (100).to_bytes(2, "little")
    saved = load_eeprom(eeprom)
    assert saved["1"]["id"] == 7 and saved["1"]["min_position_limit"] == 100
    # A restarted emulator comes back with the saved ID.
    restarted = VirtualBus("feetech", build_servos([1], table, eeprom=saved))
    assert request(restarted, feetech.ping(7)) and not request(restarted, feetech.ping(1))


def test_return_delay_time_and_status_return_level() -> None:
    bus = VirtualBus("dynamixel", build_servos([1, 2], get_model("xl330-m288")))
    replies = bus.handle(dynamixel.decode(dynamixel.sync_read([1, 2], 132, 4)))
    assert [r.delay_s for r in replies] == [500e-6, 500e-6]  # factory default 250 x 2 us
    request(bus, dynamixel.write(1, 9, b"\x00"))
    request(bus, dynamixel.write(1, 68, b"\x01"))  # status return level: reads only
    assert request(bus, dynamixel.write(1, 65, b"\x01")) == []
    assert bus.handle(dynamixel.decode(dynamixel.read(1, 65, 1)))[0].delay_s == 0.0


def test_position_moves_toward_goal_at_profile_velocity() -> None:
    now = [100.0]
    table = get_model("sts3215")
    servos = build_servos([1], table, clock=lambda: now[0])
    bus = VirtualBus("feetech", servos, clock=lambda: now[0])
    request(bus, feetech.write(1, 46, (1000).to_bytes(2, "little")))  # 1000 ticks/s
    request(bus, feetech.write(1, 40, b"\x01"))
    request(bus, feetech.write(1, 42, (3048).to_bytes(2, "little")))
    now[0] += 0.5
    (status,) = request(bus, feetech.read(1, 56, 4))
    position = table["present_position"].decode(status.params[:2])
    velocity = table["present_velocity"].decode(status.params[2:])
    assert position == 2048 + 500 and velocity == 1000
    now[0] += 1.0
    (status,) = request(bus, feetech.read(1, 56, 2))
    assert table["present_position"].decode(status.params) == 3048


def test_homing_offset_signs_follow_each_vendor() -> None:
    sts, xl = get_model("sts3215"), get_model("xl330-m288")
    feetech_bus = VirtualBus("feetech", build_servos([1], sts))
    request(feetech_bus, feetech.write(1, 31, sts["homing_offset"].encode(-100)))
    (status,) = request(feetech_bus, feetech.read(1, 56, 2))
    assert sts["present_position"].decode(status.params) == 2048 + 100  # actual - offset
    dxl_bus = VirtualBus("dynamixel", build_servos([1], xl))
    request(dxl_bus, dynamixel.write(1, 20, xl["homing_offset"].encode(-100)))
    (status,) = request(dxl_bus, dynamixel.read(1, 132, 4))
    assert xl["present_position"].decode(status.params) == 2048 - 100  # actual + offset


def test_a_model_plugs_in_through_the_factory() -> None:
    class Frozen(ServoModel):
        def __init__(self) -> None:
            self.goals: list[float] = []

        def command(self, now_s, torque_enabled, goal, max_velocity, max_acceleration) -> None:
            self.goals.append(goal)

        def sample(self, now_s: float) -> ServoSample:
            return ServoSample(1234.0, 0.0, 0.25)

    models: dict[int, Frozen] = {}

    def factory(servo_id: int, table: object) -> ServoModel:
        models[servo_id] = Frozen()
        return models[servo_id]

    table = get_model("sts3215")
    bus = VirtualBus("feetech", build_servos([4], table, model_factory=factory))
    (status,) = request(bus, feetech.read(4, 56, 6))
    assert table["present_position"].decode(status.params[:2]) == 1234
    assert table["present_load"].decode(status.params[4:6]) == 250
    request(bus, feetech.write(4, 42, (1500).to_bytes(2, "little")))
    assert models[4].goals[-1] == 1500


def test_kinematic_servo_respects_acceleration() -> None:
    servo = KinematicServo(0.0, now_s=0.0)
    servo.command(0.0, True, 10_000.0, 1000.0, 2000.0)
    assert servo.sample(0.1).velocity == pytest.approx(200.0)
    assert servo.sample(30.0).position == 10_000.0


def test_wire_timing_schedule_follows_bytes_and_baud() -> None:
    bus = VirtualBus("dynamixel", [], wire_timing=True)
    replies = [Reply(bytes(19), 0.0)] * 6  # six status packets of 19 bytes
    byte_s = 10 / 1_000_000
    done = bus.schedule(10.0, 20, replies, 1_000_000)
    assert done == pytest.approx(10.0 + (20 + 6 * 19) * byte_s)
    # A sync write arriving while the bus is still busy queues behind it.
    assert bus.schedule(10.0, 44, [], 1_000_000) == pytest.approx(done + 44 * byte_s)
    # Return delays add up, servo after servo.
    later = bus.schedule(20.0, 10, [Reply(bytes(14), 500e-6)] * 2, 57_600)
    assert later == pytest.approx(20.0 + (10 + 28) * 10 / 57_600 + 2 * 500e-6)


def test_position_mode_never_crosses_the_wrap_point() -> None:
    now = [0.0]
    table = get_model("sts3215")
    bus = VirtualBus(
        "feetech", build_servos([1], table, clock=lambda: now[0]), clock=lambda: now[0]
    )
    request(bus, feetech.write(1, 46, (1000).to_bytes(2, "little")))
    request(bus, feetech.write(1, 40, b"\x01"))
    request(bus, feetech.write(1, 42, (4000).to_bytes(2, "little")))
    now[0] += 0.5  # 500 ticks at 1000 ticks/s: upward from 2048, not down through 0
    (status,) = request(bus, feetech.read(1, 56, 2))
    assert table["present_position"].decode(status.params) == 2548
