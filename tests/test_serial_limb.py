"""The serial Limb against the virtual bus, and the calibration files it is built from."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from polling import eventually

from core.calibration import (
    Calibration,
    JointCalibration,
    TickMap,
    load_calibration,
    save_calibration,
)
from core.errors import ConfigError
from core.msgs import JointCommand
from core.profile import Profile, load_profile
from firmware_bridge.control_tables import get_model
from firmware_bridge.servo_model import KinematicServo
from firmware_bridge.virtual_bus import VirtualBus, build_servos
from robot.limbs.base import Limb, LimbFault
from robot.limbs.plausible import MAX_REJECTIONS_IN_A_ROW
from robot.limbs.serial import SerialLimb

DATA = Path(__file__).parent / "data" / "serial"
PROFILE = DATA / "so101_profile.toml"
LEROBOT = DATA / "lerobot_so101_follower.json"
MARGIN_S = 0.05
TICK_RAD = 2 * math.pi / 4096


def half_turn_calibration(profile: Profile) -> Calibration:
    joints = {
        j.name: JointCalibration(
            servo_id=j.servo_id or 0, zero_ticks=2048, range_min=500, range_max=3600
        )
        for j in profile.joints
    }
    return Calibration(joints=joints, robot=profile.robot.name, protocol="feetech")


@pytest.fixture
def virtual() -> Iterator[VirtualBus]:
    with VirtualBus(
        "feetech", build_servos(range(1, 7), get_model("sts3215"), baud=1_000_000)
    ) as bus:
        yield bus


def wait_for(limb: Limb, goal: tuple[float, ...], timeout: float = 3.0) -> tuple[float, ...]:
    end = time.monotonic() + timeout
    while True:
        position = limb.read().position
        if (
            all(abs(a - b) <= 1.5 * TICK_RAD for a, b in zip(position, goal, strict=True))
            or time.monotonic() > end
        ):
            return position


def test_reads_writes_and_clamps(virtual: VirtualBus) -> None:
    profile = load_profile(PROFILE)
    with SerialLimb(
        profile, half_turn_calibration(profile), virtual.path, host_margin_s=MARGIN_S
    ) as limb:
        state = limb.read()
        assert state.position == pytest.approx((0.0,) * 6, abs=1e-9)
        assert len(state.velocity) == 6
        limb.enable()
        goal = (0.3, -0.2, 0.1, 9.0, -0.4, 0.5)  # wrist_flex beyond its 1.6 rad limit
        limb.write(JointCommand(position=goal))
        reached = wait_for(limb, (0.3, -0.2, 0.1, 1.6, -0.4, 0.5))
        assert reached == pytest.approx((0.3, -0.2, 0.1, 1.6, -0.4, 0.5), abs=1.5 * TICK_RAD)
        # shoulder_lift has direction -1 in the profile: the servo turned the other way.
        lift = virtual.servos[1].value("present_position")
        assert lift == pytest.approx(2048 + round(0.2 / TICK_RAD), abs=1)
    # close() releases the port only: the servos go on holding their last goal.
    time.sleep(0.05)
    assert all(s.torque_enabled for s in virtual.servos)
    assert virtual.servos[1].value("goal_position") == pytest.approx(lift, abs=1)


def test_watchdog_disables_torque_when_configured(virtual: VirtualBus) -> None:
    profile = load_profile(PROFILE)
    limb = SerialLimb(
        profile,
        half_turn_calibration(profile),
        virtual.path,
        watchdog_s=0.05,
        on_timeout="disable",
        host_margin_s=MARGIN_S,
    )
    try:
        limb.enable()
        limb.write(JointCommand(position=(0.1,) * 6))
        assert eventually(lambda: all(s.torque_enabled for s in virtual.servos))
        time.sleep(0.1)
        limb.read()
        assert eventually(lambda: not any(s.torque_enabled for s in virtual.servos))
    finally:
        limb.close()


def test_a_slow_start_after_enable_does_not_trip_the_watchdog(virtual: VirtualBus) -> None:
    # The loop's process writes (measuring the cycle), enables, then prepares its loop
    # (a garbage collection, locking memory): 100 ms and more before its first tick.
    profile = load_profile(PROFILE)
    limb = SerialLimb(
        profile,
        half_turn_calibration(profile),
        virtual.path,
        watchdog_s=0.05,
        on_timeout="disable",
        host_margin_s=MARGIN_S,
    )
    try:
        limb.write(JointCommand(position=limb.read().position))
        limb.enable()
        time.sleep(0.1)
        limb.read()  # the first tick
        limb.read()
        assert all(s.torque_enabled for s in virtual.servos)
    finally:
        limb.close()


def test_watchdog_holds_by_default(virtual: VirtualBus) -> None:
    profile = load_profile(PROFILE)
    with SerialLimb(
        profile,
        half_turn_calibration(profile),
        virtual.path,
        watchdog_s=0.05,
        host_margin_s=MARGIN_S,
    ) as limb:
        limb.enable()
        limb.write(JointCommand(position=(0.1,) * 6))
        assert eventually(lambda: all(s.torque_enabled for s in virtual.servos))
        time.sleep(0.1)
        limb.read()
        limb.read()  # a round trip: anything the limb sent before has been applied
        assert all(s.torque_enabled for s in virtual.servos)


def test_silent_servo_raises_limb_fault_naming_it(virtual: VirtualBus) -> None:
    profile = load_profile(PROFILE)
    limb = SerialLimb(profile, half_turn_calibration(profile), virtual.path, host_margin_s=0.01)
    try:
        before = limb.read()
        virtual.servos = [s for s in virtual.servos if s.servo_id != 3]
        for _ in range(MAX_REJECTIONS_IN_A_ROW - 1):  # the last reading stands in, aged
            state = limb.read()
            assert state.position == before.position and state.stamp_ns == before.stamp_ns
        with pytest.raises(LimbFault) as caught:
            limb.read()
    finally:
        limb.close()
    fault = caught.value
    assert (fault.servo_id, fault.joint, fault.port) == (3, "elbow_flex", virtual.path)
    assert not fault.hold_unsafe and "no valid reply" in fault.cause
    assert str(fault).startswith(f"servo 3 (joint elbow_flex) on {virtual.path}: 3 readings")
    assert limb.rejected == {n: 3 if n == "elbow_flex" else 0 for n in profile.joint_names}


def test_wrong_model_is_refused(virtual: VirtualBus) -> None:
    profile = load_profile(PROFILE)
    joints = tuple(msgspec.structs.replace(j, model="sts3215") for j in profile.joints)
    other = msgspec.structs.replace(
        profile, bus=msgspec.structs.replace(profile.bus, protocol="dynamixel"), joints=joints
    )
    with pytest.raises(ConfigError, match="speaks feetech"):
        SerialLimb(other, half_turn_calibration(profile), virtual.path)


# -- calibration -------------------------------------------------------------------------
def test_lerobot_calibration_is_read() -> None:
    cal = load_calibration(LEROBOT, protocol="feetech")
    pan = cal.joint("shoulder_pan")
    assert (pan.servo_id, pan.homing_offset, pan.zero_ticks) == (1, -112, 2025)
    by_id = {j.servo_id: j for j in cal.joints.values()}
    table = get_model("sts3215")
    # Each motor sits 100 ticks past the middle of its LeRobot range, and the servos hold
    # LeRobot's homing offsets, as after calibrating there (present = actual - offset).
    servos = build_servos(
        range(1, 7),
        table,
        baud=1_000_000,
        model_factory=lambda sid, _: KinematicServo(
            by_id[sid].zero_ticks + 100 + by_id[sid].homing_offset
        ),
        eeprom={str(sid): {"homing_offset": j.homing_offset} for sid, j in by_id.items()},
    )
    profile = load_profile(PROFILE)
    with (
        VirtualBus("feetech", servos) as virtual,
        SerialLimb(profile, cal, virtual.path, host_margin_s=MARGIN_S) as limb,
    ):
        position = limb.read().position
    expected = tuple(profile.joint(n).direction * 100 * TICK_RAD for n in profile.joint_names)
    assert position == pytest.approx(expected, abs=1e-9)


def test_homing_offset_change_is_corrected() -> None:
    cal = JointCalibration(
        servo_id=1, zero_ticks=2000, range_min=1000, range_max=3000, homing_offset=-112
    )
    recorded = TickMap(cal, protocol="feetech")
    now = TickMap(cal, protocol="feetech", current_offset=0)
    # The same motor position reads 112 ticks lower once the offset register is 0.
    assert now.to_rad(2100 - 112) == pytest.approx(recorded.to_rad(2100))
    dxl_now = TickMap(cal, protocol="dynamixel", current_offset=0)
    assert dxl_now.to_rad(2100 + 112) == pytest.approx(
        TickMap(cal, protocol="dynamixel").to_rad(2100)
    )


def test_range_across_the_wrap_point_is_continuous() -> None:
    cal = JointCalibration(servo_id=1, zero_ticks=4000, range_min=3500, range_max=500)
    tick_map = TickMap(cal)
    assert tick_map.to_rad(4095) == pytest.approx(95 * TICK_RAD)
    assert tick_map.to_rad(0) == pytest.approx(96 * TICK_RAD)
    assert tick_map.to_rad(400) == pytest.approx(496 * TICK_RAD)
    assert tick_map.to_rad(3600) == pytest.approx(-400 * TICK_RAD)
    assert tick_map.to_ticks(96 * TICK_RAD) == 0
    reverse = TickMap(cal, profile_direction=-1)
    assert reverse.to_ticks(reverse.to_rad(123)) == 123


def test_calibration_round_trip_and_errors(tmp_path: Path) -> None:
    profile = load_profile(PROFILE)
    cal = half_turn_calibration(profile)
    path = tmp_path / "cal.json"
    save_calibration(cal, path)
    assert load_calibration(path) == cal
    path.write_text('{"shoulder_pan": {"id": 1, "range_min": 10}}')
    with pytest.raises(ConfigError, match=r"shoulder_pan.*range_max"):
        load_calibration(path)
    path.write_text("not json")
    with pytest.raises(ConfigError, match="not JSON"):
        load_calibration(path)
    with pytest.raises(ConfigError, match="robot servo calibrate"):
        cal.joint("elbow")


def test_dynamixel_arm() -> None:
    joints = [
        {
            "name": f"joint{k}",
            "lower": -1.5,
            "upper": 1.5,
            "max_velocity": 3.0,
            "max_acceleration": 20.0,
            "max_effort": 1.0,
            "servo_id": k,
            "model": "xl430-w250" if k < 3 else "xl330-m288",
        }
        for k in range(1, 5)
    ]
    profile = msgspec.convert(
        {
            "robot": {"name": "koch_fixture", "urdf": "koch.urdf"},
            "bus": {"protocol": "dynamixel", "baud": 1_000_000},
            "joints": joints,
        },
        type=Profile,
    )
    cal = Calibration(
        joints={
            f"joint{k}": JointCalibration(servo_id=k, zero_ticks=2048, range_min=0, range_max=4095)
            for k in range(1, 5)
        }
    )
    servos = build_servos([1, 2], get_model("xl430-w250"), baud=1_000_000) + build_servos(
        [3, 4], get_model("xl330-m288"), baud=1_000_000
    )
    with (
        VirtualBus("dynamixel", servos) as virtual,
        SerialLimb(profile, cal, virtual.path, host_margin_s=MARGIN_S) as limb,
    ):
        assert limb.read().position == pytest.approx((0.0,) * 4)
        limb.enable()
        limb.write(JointCommand(position=(0.5, -0.5, 0.25, 2.0)))
        reached = wait_for(limb, (0.5, -0.5, 0.25, 1.5))
    assert reached == pytest.approx((0.5, -0.5, 0.25, 1.5), abs=1.5 * TICK_RAD)


def test_travel_across_the_wrap_point_is_refused(virtual: VirtualBus) -> None:
    profile = load_profile(PROFILE)
    cal = half_turn_calibration(profile)
    joints = dict(cal.joints)
    joints["wrist_roll"] = JointCalibration(
        servo_id=5, zero_ticks=0, range_min=3000, range_max=1000
    )
    with pytest.raises(ConfigError, match=r"wrist_roll.*calibrate --home"):
        SerialLimb(profile, Calibration(joints=joints), virtual.path, host_margin_s=MARGIN_S)


def test_servo_alarm_names_joint_and_port() -> None:
    from firmware_bridge import feetech
    from firmware_bridge.errors import OverloadError
    from firmware_bridge.virtual_bus import Reply

    class OverloadedElbow(VirtualBus):
        """Servo 3 reports overload in every status packet, as a latched alarm does."""

        def handle(self, request, baud=None):  # type: ignore[no-untyped-def]
            replies = []
            for reply in super().handle(request, baud):
                p = feetech.decode(reply.data)
                error = 0x20 if p.servo_id == 3 else p.error
                replies.append(Reply(feetech.encode_status(p.servo_id, error, p.params), 0.0))
            return replies

    profile = load_profile(PROFILE)
    servos = build_servos(range(1, 7), get_model("sts3215"), baud=1_000_000)
    with OverloadedElbow("feetech", servos) as virtual, pytest.raises(OverloadError) as caught:
        SerialLimb(profile, half_turn_calibration(profile), virtual.path, host_margin_s=MARGIN_S)
    text = str(caught.value)
    assert "servo 3 (joint elbow_flex)" in text and virtual.path in text and "power-cycle" in text


def lerobot_file(tmp_path: Path, **changes: dict[str, int]) -> Path:
    """The LeRobot test file with some motors' values changed."""
    data = json.loads(LEROBOT.read_text())
    for joint, values in changes.items():
        data[joint].update(values)
    path = tmp_path / "lerobot.json"
    path.write_text(json.dumps(data))
    return path


def our_file(
    tmp_path: Path, joint: str = "elbow_flex", protocol: str = "feetech", **values: int
) -> Path:
    """Our calibration of the fixture arm, one joint's values changed."""
    profile = load_profile(PROFILE)
    cal = half_turn_calibration(profile)
    joints = dict(cal.joints)
    joints[joint] = msgspec.structs.replace(joints[joint], **values)
    path = tmp_path / "cal.json"
    save_calibration(Calibration(joints=joints, protocol=protocol), path)
    return path


@pytest.mark.parametrize(
    ("protocol", "key", "value", "allowed"),
    [
        ("feetech", "homing_offset", 2048, "-2047..2047 (the feetech register)"),
        ("feetech", "homing_offset", -3000, "-2047..2047 (the feetech register)"),
        ("dynamixel", "homing_offset", 1_044_480, "-1044479..1044479 (the dynamixel register)"),
        ("feetech", "zero_ticks", 5000, "0..4095 (ticks of one 4096-tick turn)"),
        ("feetech", "range_max", 4096, "0..4095 (ticks of one 4096-tick turn)"),
        ("feetech", "range_min", -1, "0..4095 (ticks of one 4096-tick turn)"),
        ("feetech", "zero_ticks", 3700, "500..3600 (the travel)"),
        ("feetech", "direction", 2, "{1, -1}"),
    ],
)
def test_calibration_values_no_servo_can_report_are_refused(
    tmp_path: Path, protocol: str, key: str, value: int, allowed: str
) -> None:
    path = our_file(tmp_path, protocol=protocol, **{key: value})
    with pytest.raises(ConfigError) as caught:
        load_calibration(path)
    assert str(caught.value) == (
        f"{path}: joint 'elbow_flex': {key} = {value} is outside {allowed}; "
        "recalibrate with `robot servo calibrate`"
    )


def test_calibration_without_travel_or_across_the_wrap_point_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"elbow_flex.*range_min = range_max = 900.*move"):
        load_calibration(our_file(tmp_path, range_min=900, range_max=900, zero_ticks=900))
    with pytest.raises(ConfigError, match=r"elbow_flex.*3000 > range_max = 1000.*--home"):
        load_calibration(our_file(tmp_path, range_min=3000, range_max=1000, zero_ticks=0))


def test_lerobot_range_out_of_the_encoder_is_refused(tmp_path: Path) -> None:
    path = lerobot_file(tmp_path, wrist_flex={"range_min": -5000, "range_max": 70000})
    with pytest.raises(ConfigError) as caught:
        load_calibration(path, protocol="feetech")
    assert str(caught.value).startswith(
        f"{path}: joint 'wrist_flex': range_min = -5000 is outside 0..4095"
    )
    path = lerobot_file(tmp_path, gripper={"drive_mode": 3})
    with pytest.raises(ConfigError, match=r"joint 'gripper': drive_mode = 3 is outside 0..1"):
        load_calibration(path)


def test_limb_checks_what_only_the_servo_model_tells(tmp_path: Path, virtual: VirtualBus) -> None:
    profile = load_profile(PROFILE)
    # A LeRobot file read without its protocol: an offset a Dynamixel register could hold.
    cal = load_calibration(lerobot_file(tmp_path, elbow_flex={"homing_offset": 3000}))
    with pytest.raises(ConfigError, match=r"'elbow_flex': homing_offset = 3000 is outside -2047"):
        SerialLimb(profile, cal, virtual.path, host_margin_s=MARGIN_S)
    joints = dict(half_turn_calibration(profile).joints)
    joints["gripper"] = msgspec.structs.replace(
        joints["gripper"], resolution=1024, zero_ticks=512, range_min=100, range_max=900
    )
    with pytest.raises(ConfigError, match=r"'gripper': resolution = 1024, but servo 6 is a sts"):
        SerialLimb(profile, Calibration(joints=joints), virtual.path, host_margin_s=MARGIN_S)
