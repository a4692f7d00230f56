"""Our servo bus against the virtual bus: transactions, typed errors, and recovery from
garbage, corrupted, truncated and interleaved packets."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from firmware_bridge import dynamixel, feetech
from firmware_bridge.control_tables import get_model
from firmware_bridge.errors import (
    AccessError,
    BridgeError,
    BusTimeout,
    OverloadError,
    PortError,
    ResultFail,
)
from firmware_bridge.faults import FaultSchedule
from firmware_bridge.packet import Packet
from firmware_bridge.servo_bus import DynamixelBus, FeetechBus, ServoBus, open_bus
from firmware_bridge.virtual_bus import Reply, VirtualBus, build_servos

BAUD = 1_000_000
IDS = (1, 2, 3, 4, 5, 6)
MARGIN_S = 0.05  # generous: these machines are shared; timeouts only cost time on failure
MODELS = {"dynamixel": "xl330-m288", "feetech": "sts3215"}

Fault = Callable[[list[Reply]], list[Reply]]


class FaultyBus(VirtualBus):
    """A virtual bus whose next replies go through scripted functions (`scripted`)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.scripted: list[Fault] = []

    def handle(self, request: Packet, baud: int | None = None) -> list[Reply]:
        replies = super().handle(request, baud)
        if replies and self.scripted:
            replies = self.scripted.pop(0)(replies)
        return replies


@pytest.fixture(params=["dynamixel", "feetech"])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[FaultyBus, ServoBus]]:
    protocol = request.param
    table = get_model(MODELS[protocol])
    servos = build_servos(IDS, table, baud=BAUD)
    for s in servos:  # return delay 0, as bring-up sets it
        s.memory[table["return_delay_time"].address] = 0
    with FaultyBus(protocol, servos) as virtual:
        bus = open_bus(protocol, virtual.path, BAUD, host_margin_s=MARGIN_S)
        bus.return_delay_s = 0.0
        try:
            yield virtual, bus
        finally:
            bus.close()


def present_address(bus: ServoBus) -> tuple[int, int]:
    table = get_model(MODELS[bus.protocol])
    return table["present_position"].address, table["present_position"].size


def expected_positions(virtual: VirtualBus, bus: ServoBus) -> dict[int, bytes]:
    address, size = present_address(bus)
    return {s.servo_id: s.read(address, size, virtual.clock()) for s in virtual.servos}


def test_ping_and_register_io(setup: tuple[FaultyBus, ServoBus]) -> None:
    _virtual, bus = setup
    table = get_model(MODELS[bus.protocol])
    reply = bus.ping(2)
    assert reply.model == table.model and reply.servo_id == 2
    bus.write(2, table["torque_enable"], 1)
    bus.write(2, table["goal_position"], 2000)
    assert bus.read(2, table["goal_position"]) == 2000
    assert bus.try_ping(40) == []


def test_sync_read_and_write(setup: tuple[FaultyBus, ServoBus]) -> None:
    virtual, bus = setup
    address, size = present_address(bus)
    got = bus.sync_read_bytes(IDS, address, size)
    assert got == expected_positions(virtual, bus)
    reader = bus.sync_reader(IDS, address, size)
    assert reader.read() == [got[i] for i in IDS]
    table = get_model(MODELS[bus.protocol])
    goal = table["goal_position"]
    bus.sync_write_bytes(goal.address, goal.size, [(i, goal.encode(1000 + i)) for i in IDS])
    assert bus.sync_read_bytes(IDS, goal.address, goal.size) == {
        i: goal.encode(1000 + i) for i in IDS
    }


def garbage_first(replies: list[Reply]) -> list[Reply]:
    return [Reply(b"\x00\xff\x13\xff\xff\xfd" + replies[0].data, 0.0), *replies[1:]]


def corrupt_second(replies: list[Reply]) -> list[Reply]:
    data = bytearray(replies[1].data)
    data[-3] ^= 0x40
    return [replies[0], Reply(bytes(data), 0.0), *replies[2:]]


def truncate_last(replies: list[Reply]) -> list[Reply]:
    return [*replies[:-1], Reply(replies[-1].data[:5], 0.0)]


def reverse(replies: list[Reply]) -> list[Reply]:
    return replies[::-1]


def bad_length_first(replies: list[Reply]) -> list[Reply]:
    # A length field hit by noise claims more bytes than follow: it swallows good packets.
    data = bytearray(replies[0].data)
    data[5 if data[2] == 0xFD else 3] = 0xF0
    return [Reply(bytes(data), 0.0), *replies[1:]]


def duplicate_and_interleave(replies: list[Reply]) -> list[Reply]:
    # A stray packet from an unrelated servo and a repeat, mixed into the stream.
    return [replies[2], *replies, replies[0]]


@pytest.mark.parametrize(
    "fault",
    [
        garbage_first,
        corrupt_second,
        truncate_last,
        reverse,
        bad_length_first,
        duplicate_and_interleave,
    ],
)
def test_sync_read_recovers(setup: tuple[FaultyBus, ServoBus], fault: Fault) -> None:
    virtual, bus = setup
    address, size = present_address(bus)
    virtual.scripted = [fault]
    assert bus.sync_reader(IDS, address, size).read() == list(
        expected_positions(virtual, bus).values()
    )


def test_silent_servo_is_named(setup: tuple[FaultyBus, ServoBus]) -> None:
    virtual, bus = setup
    address, size = present_address(bus)
    virtual.servos = [s for s in virtual.servos if s.servo_id != 3]
    with pytest.raises(BusTimeout) as caught:
        bus.sync_read_bytes(IDS, address, size)
    assert caught.value.servo_ids == (3,)
    text = str(caught.value)
    assert f"servo 3 did not answer on {virtual.path} at {BAUD} baud" in text
    assert "check power, cabling and ID" in text


def test_flaky_servo_is_retried_alone(setup: tuple[FaultyBus, ServoBus]) -> None:
    virtual, bus = setup
    address, size = present_address(bus)
    virtual.scripted = [lambda replies: [r for k, r in enumerate(replies) if k != 4]]
    assert bus.sync_read_bytes(IDS, address, size) == expected_positions(virtual, bus)


def test_random_corruption_gives_data_or_typed_error(setup: tuple[FaultyBus, ServoBus]) -> None:
    virtual, bus = setup
    address, size = present_address(bus)
    rng = random.Random(7)
    bus.retries = 0

    def noise(replies: list[Reply]) -> list[Reply]:
        data = bytearray(b"".join(r.data for r in replies))
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            del data[rng.randrange(len(data)) :]
        return [Reply(bytes(data), 0.0)]

    for _ in range(15):
        virtual.scripted = [noise]
        try:
            got = bus.sync_read_bytes(IDS, address, size)
        except BridgeError:
            continue
        assert got == expected_positions(virtual, bus)


def test_overload_is_typed_with_servo_and_port() -> None:
    table = get_model("sts3215")
    servos = build_servos([1, 2], table, baud=BAUD)

    def overload(replies: list[Reply]) -> list[Reply]:
        from firmware_bridge import feetech

        p = feetech.decode(replies[0].data)
        return [Reply(feetech.encode_status(p.servo_id, 0x20, p.params), 0.0)]

    with (
        FaultyBus("feetech", servos) as virtual,
        FeetechBus.open(virtual.path, BAUD, host_margin_s=MARGIN_S) as bus,
    ):
        virtual.scripted = [overload]
        with pytest.raises(OverloadError) as caught:
            bus.read(1, table["present_position"])
        assert caught.value.servo_id == 1 and virtual.path in str(caught.value)


def test_dynamixel_alert_reads_hardware_error_status() -> None:
    table = get_model("xl430-w250")
    servos = build_servos([1], table, baud=BAUD)
    servos[0].memory[table["hardware_error_status"].address] = 0x20
    with (
        VirtualBus("dynamixel", servos) as virtual,
        DynamixelBus.open(virtual.path, BAUD, host_margin_s=MARGIN_S) as bus,
        pytest.raises(OverloadError, match=r"servo 1 on .* reports overload"),
    ):
        bus.read(1, table["present_position"])


def test_access_error_on_eeprom_with_torque_on() -> None:
    table = get_model("xl330-m288")
    with (
        VirtualBus("dynamixel", build_servos([1], table, baud=BAUD)) as virtual,
        DynamixelBus.open(virtual.path, BAUD, host_margin_s=MARGIN_S) as bus,
    ):
        bus.write(1, table["torque_enable"], 1)
        with pytest.raises(AccessError, match="disable torque first"):
            bus.write(1, table["id"], 9)


def test_missing_port_says_what_to_do() -> None:
    with pytest.raises(PortError, match="robot servo ports"):
        open_bus("feetech", "/dev/ttyUSB_nonexistent", BAUD)


def test_dynamixel_bulk_read() -> None:
    table = get_model("xl330-m288")
    with (
        VirtualBus("dynamixel", build_servos([1, 2], table, baud=BAUD)) as virtual,
        DynamixelBus.open(virtual.path, BAUD, host_margin_s=MARGIN_S) as bus,
    ):
        got = bus.bulk_read_bytes([(1, 132, 4), (2, 0, 2)])
    assert got == {1: (2048).to_bytes(4, "little"), 2: (1200).to_bytes(2, "little")}


def test_high_ftdi_latency_timer_is_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import firmware_bridge.transport as transport

    monkeypatch.setattr(transport, "latency_timer_ms", lambda port: 16)
    with (
        VirtualBus("feetech", build_servos([1], get_model("sts3215"), baud=BAUD)) as virtual,
        FeetechBus.open(virtual.path, BAUD) as bus,
    ):
        assert bus.transport.latency_s == 0.016  # and the timeouts allow for it
    assert "latency timer is 16 ms" in caplog.text and "latency_timer" in caplog.text


def test_port_discovery_lists_acm_and_names_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    import firmware_bridge.ports as ports

    fake = [
        SimpleNamespace(
            device="/dev/ttyS0", vid=None, pid=None, description="n/a", serial_number=None
        ),
        SimpleNamespace(
            device="/dev/ttyACM0",
            vid=0x1A86,
            pid=0x55D4,
            description="USB Single Serial",
            serial_number="5A7A",
        ),
        SimpleNamespace(
            device="/dev/ttyUSB0", vid=0x0403, pid=0x6014, description="FT232H", serial_number="FT1"
        ),
    ]
    monkeypatch.setattr(ports.list_ports, "comports", lambda: fake)
    found = ports.list_servo_ports()
    assert [p.device for p in found] == ["/dev/ttyACM0", "/dev/ttyUSB0"]
    assert "CH9102" in found[0].adapter and "U2D2" in found[1].adapter


def test_a_late_reply_to_an_earlier_request_is_skipped(
    setup: tuple[FaultyBus, ServoBus],
) -> None:
    # A slow servo's status to an earlier write (no params) arrives after the next read
    # was sent, ahead of the read's reply: it must not be taken as the read's answer.
    virtual, bus = setup
    codec = dynamixel if bus.protocol == "dynamixel" else feetech
    goal = get_model(MODELS[bus.protocol])["goal_position"]
    bus.write(2, goal, 1500)

    def late_write_status_first(replies: list[Reply]) -> list[Reply]:
        return [Reply(codec.encode_status(2, 0, b""), 0.0), *replies]

    virtual.scripted = [late_write_status_first]
    assert bus.read(2, goal) == 1500
    assert bus.stale == 1


def test_read_once_asks_once_and_reports_each_servo(setup: tuple[FaultyBus, ServoBus]) -> None:
    # The control loop's read: no retry (the next tick asks again), every servo's outcome.
    virtual, bus = setup
    address, size = present_address(bus)
    codec = dynamixel if bus.protocol == "dynamixel" else feetech
    error, error_type = (0x01, ResultFail) if bus.protocol == "dynamixel" else (0x20, OverloadError)

    def drop_third_and_fail_fifth(replies: list[Reply]) -> list[Reply]:
        fifth = codec.decode(replies[4].data)
        failed = Reply(codec.encode_status(fifth.servo_id, error, fifth.params), 0.0)
        return [*replies[:2], replies[3], failed, replies[5]]

    reader = bus.sync_reader(IDS, address, size)
    virtual.scripted = [drop_third_and_fail_fifth]
    virtual.faults = counter = FaultSchedule()
    got = reader.read_once()
    assert counter.requests == 1
    expected = expected_positions(virtual, bus)
    assert got[2] is None and isinstance(got[4], error_type) and got[4].servo_id == 5
    assert [got[k] for k in (0, 1, 3, 5)] == [expected[i] for i in (1, 2, 4, 6)]
