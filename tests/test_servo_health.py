"""Watched servos: the rules (stall, overheating, supply voltage), the emulated
temperature and voltage, and a joint blocked by the table in the twin, relaxed."""

from __future__ import annotations

import time

import pytest

from firmware_bridge.control_tables import get_model
from firmware_bridge.servo_model import ServoModel, ServoSample
from firmware_bridge.virtual_servo import FULL_LOAD_RISE_C, VirtualServo
from robot.limbs.health import (
    GRIP_LOAD_HIGH,
    GRIP_LOAD_LOW,
    HEALTH_PERIOD_S,
    HOT_MARGIN_C,
    STALL_ERROR_RAD,
    STALL_LOAD,
    STALL_S,
    HealthSample,
    ServoLimits,
    ServoWatch,
)

LIMITS = ServoLimits(servo_id=6, temperature_limit_c=70, min_voltage_v=4.0, max_voltage_v=14.0)
FINE = HealthSample(load=0.1, temperature_c=35, voltage_v=7.4)
PUSHING = HealthSample(load=0.95, temperature_c=35, voltage_v=7.3)


def watch(gripper: bool = False) -> ServoWatch:
    return ServoWatch(("elbow", "gripper"), (LIMITS, LIMITS), "gripper" if gripper else "")


def feed(w: ServoWatch, k: int, seconds: float, position: float, goal: float, s: HealthSample):
    """Samples every HEALTH_PERIOD_S of joint k standing at `position`, told `goal`."""
    t = 0.0
    while t <= seconds:
        samples = [None, None]
        samples[k] = s
        w.observe(t, (position, position), (goal, goal), samples)
        t += HEALTH_PERIOD_S


def test_a_joint_that_pushes_without_progress_is_relaxed_then_released() -> None:
    w = watch()
    feed(w, 0, STALL_S + HEALTH_PERIOD_S, position=0.5, goal=0.9, s=PUSHING)
    (event,) = w.take_events()
    assert event.kind == "stall" and event.joint == "elbow" and event.severity == "warning"
    assert "servo 6 (joint elbow) stalled: load 95%" in event.detail
    assert "23 deg short of its goal" in event.detail and "relaxed" in event.detail
    assert w.goal(0, 1.2) == 0.5  # further that way: held where it stands
    assert w.goal(0, 0.4) == 0.4  # commanded back: it moves again
    (ended,) = w.take_events()
    assert ended.severity == "info" and "over" in ended.detail
    assert not w.relaxed(0)


@pytest.mark.parametrize(
    ("sample", "goal", "seconds"),
    [
        (FINE, 0.9, 2.0),  # short of the goal, but not pushing hard
        (PUSHING, 0.5 + STALL_ERROR_RAD / 2, 2.0),  # pushing, but at its goal (holding)
        (PUSHING, 0.9, STALL_S - 2 * HEALTH_PERIOD_S),  # not for long enough
    ],
)
def test_what_is_not_a_stall(sample: HealthSample, goal: float, seconds: float) -> None:
    w = watch()
    feed(w, 0, seconds, position=0.5, goal=goal, s=sample)
    assert w.take_events() == [] and not w.relaxed(0)


def test_a_joint_that_moves_while_pushing_is_not_stalled() -> None:
    w = watch()
    for n in range(20):
        position = 0.1 + 0.02 * n  # slow, loaded, but getting there
        w.observe(n * HEALTH_PERIOD_S, (position, 0.0), (1.0, 0.0), [PUSHING, None])
    assert w.take_events() == []


def test_a_gripper_squeezing_what_it_holds_is_not_a_stall() -> None:
    w = watch(gripper=True)
    feed(w, 1, 3 * STALL_S, position=0.3, goal=0.0, s=PUSHING)
    assert w.take_events() == [] and not w.relaxed(1)


def test_a_hot_gripper_keeps_holding_at_a_lower_load() -> None:
    w = watch(gripper=True)
    hot = HealthSample(load=1.0, temperature_c=65, voltage_v=7.4)
    w.observe(0.0, (0.0, 0.3), (0.0, 0.0), [None, hot])
    (event,) = w.take_events()
    assert event.kind == "overheating" and event.joint == "gripper"
    first = w.goal(1, 0.0)
    assert 0.0 < first < 0.3  # still squeezing, half as far past the object
    for t in range(1, 4):  # still at full load: less squeeze
        w.observe(float(t), (0.0, 0.3), (0.0, first), [None, hot])
    less = w.goal(1, 0.0)
    assert first < less < 0.3
    light = HealthSample(load=0.1, temperature_c=65, voltage_v=7.4)
    w.observe(5.0, (0.0, 0.3), (0.0, less), [None, light])  # barely holding: more
    assert w.goal(1, 0.0) < less
    assert GRIP_LOAD_LOW < GRIP_LOAD_HIGH < STALL_LOAD


def test_a_hot_servo_is_relaxed_before_its_limit_and_says_so() -> None:
    w = watch()
    hot = HealthSample(load=0.5, temperature_c=70 - HOT_MARGIN_C + 1, voltage_v=7.4)
    w.observe(0.0, (0.5, 0.0), (0.6, 0.0), [hot, None])
    (event,) = w.take_events()
    assert event.kind == "overheating" and "at 61 C, 9 C below its limit" in event.detail
    assert w.goal(0, 0.4) == 0.5  # still hot: held even when commanded back
    cooled = HealthSample(load=0.1, temperature_c=45, voltage_v=7.4)
    w.observe(1.0, (0.5, 0.0), (0.5, 0.0), [cooled, None])
    assert w.goal(0, 0.4) == 0.4


def test_a_supply_outside_the_limits_is_said_once_each_way() -> None:
    w = watch()
    low = HealthSample(load=0.1, temperature_c=35, voltage_v=3.6)
    for t in range(5):
        w.observe(float(t), (0.0, 0.0), (0.0, 0.0), [low, None])
    w.observe(6.0, (0.0, 0.0), (0.0, 0.0), [FINE, None])
    said = w.take_events()
    assert [e.kind for e in said] == ["voltage", "voltage"]
    assert "supply at 3.6 V, outside the servo's 4.0-14.0 V" in said[0].detail
    assert said[1].severity == "info" and not w.relaxed(0)


class Pushing(ServoModel):
    """A motor held at a fixed load, standing still."""

    def __init__(self, load: float) -> None:
        self.load = load

    def command(self, *args: object) -> None:
        pass

    def sample(self, now_s: float) -> ServoSample:
        return ServoSample(position=2048.0, velocity=0.0, load=self.load)


@pytest.mark.parametrize("model", ["sts3215", "xl330-m288", "xl430-w250"])
def test_an_emulated_servo_warms_under_load_and_its_supply_sags(model: str) -> None:
    table = get_model(model)
    voltage = "present_voltage" if "present_voltage" in table else "present_input_voltage"
    servo = VirtualServo(1, table, Pushing(1.0))
    start = table["present_temperature"].default
    servo.read(0, 1, now_s=0.0)
    servo.read(0, 1, now_s=600.0)  # ten minutes stalled
    assert servo.value("present_temperature") >= start + 0.95 * FULL_LOAD_RISE_C
    assert servo.value(voltage) == table[voltage].default - 3
    assert servo.value("present_load") == table.load_full_scale(servo.value)
    resting = VirtualServo(1, table, Pushing(0.0))
    resting.read(0, 1, now_s=0.0)
    resting.read(0, 1, now_s=600.0)
    assert resting.value("present_temperature") == start


def test_a_joint_blocked_by_the_table_in_the_twin_is_relaxed() -> None:
    from core.msgs import JointCommand
    from robot.limbs.serial import SerialLimb
    from sim.servo_twin import HOST_MARGIN_S, start_twin_bus

    with start_twin_bus("tea", seed=0) as hil:
        limb = SerialLimb(hil.profile, hil.calibration, hil.path, host_margin_s=HOST_MARGIN_S)
        lift = hil.profile.joint_names.index("shoulder_lift")
        try:
            limb.enable()
            start = limb.read().position
            goal = list(start)
            blocked_at = None
            said = []
            began = time.monotonic()
            history: list[tuple[float, float]] = []
            while not said and time.monotonic() - began < 6.0:
                now = time.monotonic() - began
                goal[lift] = min(start[lift] + 1.5 * now, 1.6)  # forward, down into the table
                position = limb.read().position[lift]
                limb.write(JointCommand(position=tuple(goal)))
                history.append((now, position))
                recent = [p for t, p in history if t >= now - 0.05]
                if (
                    blocked_at is None
                    and now > 0.1
                    and max(recent) - min(recent) < 0.005
                    and goal[lift] - position >= STALL_ERROR_RAD
                ):
                    blocked_at = now
                said = [e for e in limb.take_events() if e.kind == "stall"]
                time.sleep(0.005)
            relaxed_s = time.monotonic() - began - (blocked_at or 0.0)
            assert said and said[0].joint == "shoulder_lift", said
            assert blocked_at is not None
            print(f"blocked -> relaxed: {relaxed_s * 1e3:.0f} ms")
            for _ in range(40):  # held where it stands: it no longer pushes
                limb.read()
                limb.write(JointCommand(position=tuple(goal)))
                time.sleep(0.005)
            load = abs(hil.bus.servos[lift].value("present_load")) / 1000
            assert load < 0.5, f"still pushing at {load:.0%}"
            assert relaxed_s < 1.0  # by construction within STALL_S + HEALTH_PERIOD_S
        finally:
            limb.close()


@pytest.mark.parametrize(
    ("protocol", "model"), [("feetech", "sts3215"), ("dynamixel", "xl430-w250")]
)
def test_a_late_health_reply_cannot_pass_for_positions(protocol: str, model: str) -> None:
    """Late replies are told apart by their length: the health read's never equals the
    position read's (on STS both blocks are 4 bytes; one soak took a late health reply
    for positions and sent the gripper 2 unsafe goals)."""
    import msgspec

    from core.calibration import Calibration, JointCalibration
    from core.profile import load_profile
    from firmware_bridge.virtual_bus import VirtualBus, build_servos
    from robot.limbs.serial import SerialLimb

    profile = load_profile("so101")
    joints = tuple(msgspec.structs.replace(j, model=model) for j in profile.joints)
    bus = msgspec.structs.replace(profile.bus, protocol=protocol)
    profile = msgspec.structs.replace(profile, joints=joints, bus=bus)
    calibration = Calibration(
        joints={
            j.name: JointCalibration(
                servo_id=j.servo_id or 0, zero_ticks=2048, range_min=0, range_max=4095
            )
            for j in profile.joints
        },
        protocol=protocol,
    )
    servos = build_servos(range(1, 7), get_model(model), baud=1_000_000)
    with (
        VirtualBus(protocol, servos) as virtual,
        SerialLimb(profile, calibration, virtual.path, host_margin_s=0.05) as limb,
    ):
        assert limb._health_reader.length != limb._reader.length
