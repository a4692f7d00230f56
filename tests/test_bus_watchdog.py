"""Dynamixel's Bus Watchdog (register 98): emulated by the virtual servo, armed by the
serial limb while torque is on, and what it does when the host dies mid-motion."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.host_death import (
    FAR_RAD,
    kill_host_mid_motion,
    koch_calibration,
    slow_koch_bus,
)
from core.calibration import save_calibration
from core.msgs import JointCommand
from core.profile import Profile, load_profile
from firmware_bridge.control_tables import get_model
from firmware_bridge.servo_bus import open_bus
from firmware_bridge.servo_model import KinematicServo
from firmware_bridge.virtual_bus import VirtualBus
from firmware_bridge.virtual_servo import VirtualServo, WriteResult
from robot.limbs.base import LimbFault
from robot.limbs.serial import BUS_WATCHDOG_S, SerialLimb

MARGIN_S = 0.05
XL430 = get_model("xl430-w250")


def koch() -> Profile:
    return load_profile("koch")


@pytest.fixture
def virtual() -> Iterator[VirtualBus]:
    """The Koch-style arm's servos (XL430 and XL330), slow so that a move lasts."""
    with slow_koch_bus() as bus:
        yield bus


def watchdog_of(servo: VirtualServo) -> int:
    return servo.value("bus_watchdog")


def watchdogs(virtual: VirtualBus, expected: list[int]) -> list[int]:
    """Register 98 of every servo, once it reads `expected` or after a second: sync
    writes get no reply, and the virtual bus applies them a moment later."""
    deadline = time.monotonic() + 1.0
    while (now := [watchdog_of(s) for s in virtual.servos]) != expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.002)
    return now


def test_a_watched_servo_that_hears_nothing_stops_and_refuses_goals() -> None:
    model = KinematicServo(2048.0)
    servo = VirtualServo(1, XL430, model)
    reg, goal, torque = XL430["bus_watchdog"], XL430["goal_position"], XL430["torque_enable"]
    assert servo.write(torque.address, torque.encode(1), 0.0) == WriteResult.OK
    assert servo.write(reg.address, reg.encode(3), 0.0) == WriteResult.OK  # 60 ms
    assert servo.write(goal.address, goal.encode(3000), 0.0) == WriteResult.OK
    assert not servo.watch(0.05)  # within 60 ms: still moving
    servo.heard(0.05)
    assert not servo.watch(0.10)
    assert servo.watch(0.12)  # 70 ms without a packet
    assert watchdog_of(servo) == -1
    stopped_at = model.sample(0.12).position
    assert 2048 < stopped_at < 3000
    assert model.sample(1.0).position == pytest.approx(stopped_at, abs=1)
    assert servo.write(goal.address, goal.encode(3000), 1.0) == WriteResult.DATA_RANGE
    assert servo.write(reg.address, reg.encode(0), 1.0) == WriteResult.OK  # clears
    assert servo.write(goal.address, goal.encode(3000), 1.0) == WriteResult.OK


def test_torque_off_or_an_unarmed_register_leaves_the_servo_alone() -> None:
    servo = VirtualServo(1, XL430, KinematicServo(2048.0))
    reg, torque = XL430["bus_watchdog"], XL430["torque_enable"]
    servo.write(reg.address, reg.encode(1), 0.0)
    assert not servo.watch(10.0)  # torque off: not watched
    servo.write(reg.address, reg.encode(0), 10.0)
    servo.write(torque.address, torque.encode(1), 10.0)
    assert not servo.watch(20.0)  # 0: off
    assert watchdog_of(servo) == 0


def test_the_limb_arms_the_watchdog_once_the_loop_writes_and_a_pause_is_named(
    virtual: VirtualBus,
) -> None:
    profile = koch()
    with SerialLimb(
        profile, koch_calibration(profile), virtual.path, host_margin_s=MARGIN_S
    ) as limb:
        limb.enable()
        assert [watchdog_of(s) for s in virtual.servos] == [0] * 6  # not before the loop runs
        time.sleep(2 * BUS_WATCHDOG_S)  # a loop that takes a while to start is fine
        limb.read()
        limb.write(JointCommand(position=limb.read().position))
        units = round(BUS_WATCHDOG_S / 0.02)
        assert watchdogs(virtual, [units] * 6) == [units] * 6
        for _ in range(20):  # a loop that ticks keeps them watched, not tripped
            limb.write(JointCommand(position=limb.read().position))
            time.sleep(0.01)
        assert [watchdog_of(s) for s in virtual.servos] == [units] * 6
        time.sleep(3 * BUS_WATCHDOG_S)  # the host paused: the servos stopped
        with pytest.raises(LimbFault, match=r"bus watchdog .* stopped servos \[1, 2, 3, 4, 5, 6\]"):
            limb.read()
    assert [watchdog_of(s) for s in virtual.servos] == [-1] * 6


def test_enabling_again_clears_what_a_dead_host_left(virtual: VirtualBus) -> None:
    profile = koch()
    cal = koch_calibration(profile)
    with SerialLimb(profile, cal, virtual.path, host_margin_s=MARGIN_S) as limb:
        limb.enable()
        limb.write(JointCommand(position=limb.read().position))
    time.sleep(3 * BUS_WATCHDOG_S)
    assert watchdogs(virtual, [-1] * 6) == [-1] * 6
    with SerialLimb(profile, cal, virtual.path, host_margin_s=MARGIN_S) as limb:
        limb.enable()
        goal = (0.2, 0.0, 0.0, 0.0, 0.0, 0.0)
        limb.write(JointCommand(position=goal))
        deadline = time.monotonic() + 2.0
        while abs(limb.read().position[0] - 0.2) > 0.01 and time.monotonic() < deadline:
            limb.write(JointCommand(position=goal))
            time.sleep(0.01)
        assert limb.read().position[0] == pytest.approx(0.2, abs=0.01)


def test_a_host_killed_mid_motion_leaves_the_arm_stopped_short_of_its_goal(
    virtual: VirtualBus, tmp_path: Path
) -> None:
    profile = koch()
    cal_path = tmp_path / "koch.json"
    save_calibration(koch_calibration(profile), cal_path)
    stopped_s = kill_host_mid_motion(virtual, cal_path, after_s=0.3)
    assert stopped_s < 1.0, "the bus watchdog never stopped the servo"
    print(f"host killed -> servo stopped: {stopped_s * 1e3:.0f} ms")  # benchmarks/host_death.py
    # Then: it stays where it stopped, far short of the goal (read over the bus).
    position = XL430["present_position"]
    with open_bus("dynamixel", virtual.path, 1_000_000) as bus:
        first = bus.read(1, position)
        time.sleep(0.3)
        assert bus.read(1, position) == first
    stopped_rad = (first - 2048) * 2 * math.pi / 4096
    assert 0.1 < stopped_rad < FAR_RAD - 0.3
