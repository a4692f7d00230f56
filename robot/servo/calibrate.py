"""`robot servo calibrate`: record each joint's zero pose and travel from its servo (or
convert a LeRobot calibration) into a calibration file (`core.calibration`) for the
robot profile's joints."""

from __future__ import annotations

import argparse
import select
import sys

from core.calibration import Calibration, JointCalibration, load_calibration, save_calibration
from core.profile import load_profile
from firmware_bridge.control_tables import DEFAULT_MODEL, get_model
from firmware_bridge.errors import SetupError
from firmware_bridge.servo_bus import open_bus
from firmware_bridge.setup_tools import record_calibration

CALIBRATION_REGISTERS = ("present_position", "torque_enable", "homing_offset", "lock")
"""The registers `record_calibration` uses (lock only where a model has it)."""


def _pairs(text: str | None, what: str) -> dict[int, str] | None:
    if not text:
        return None
    out = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise SetupError(f"--{what}: expected ID=VALUE items, got {item!r}")
        try:
            out[int(key)] = value
        except ValueError:
            raise SetupError(f"--{what}: {key!r} is not a servo ID") from None
    return out


def _ticks(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SetupError(f"--{what}: {text!r} is not a tick count") from None


def run(args: argparse.Namespace) -> int:
    """`robot servo calibrate`."""
    profile = load_profile(args.robot)
    if profile.bus is None:
        raise SetupError(f"robot profile {profile.path}: no [bus] section: not a servo arm")
    protocol = profile.bus.protocol
    if args.lerobot:
        cal = load_calibration(args.lerobot, protocol=protocol)
        cal = Calibration(
            joints=cal.joints, robot=profile.robot.name, protocol=protocol, source=cal.source
        )
        missing = [n for n in profile.joint_names if n not in cal.joints]
        if missing:
            raise SetupError(f"{args.lerobot} has no calibration for joints {missing}")
        save_calibration(cal, args.out)
        print(f"wrote {args.out} from LeRobot calibration {args.lerobot}")
        return 0
    if not args.port:
        raise SetupError("--port is needed to read the servos (or give --lerobot FILE)")
    ids = [j.servo_id for j in profile.joints]
    if any(i is None for i in ids):
        raise SetupError(f"robot profile {profile.path}: every joint needs a servo_id")
    models = sorted({j.model or DEFAULT_MODEL[protocol] for j in profile.joints})
    # A Koch arm mixes XL430s and XL330s: one procedure serves both, as their registers
    # for it lie alike.
    tables = [get_model(m) for m in models]
    if any(
        t.resolution != tables[0].resolution
        or any(t.registers.get(n) != tables[0].registers.get(n) for n in CALIBRATION_REGISTERS)
        for t in tables[1:]
    ):
        raise SetupError(
            f"calibrate reads {', '.join(CALIBRATION_REGISTERS)} alike on every servo; "
            f"models {models} differ there"
        )
    zero_text = _pairs(args.zero, "zero")
    zero = {k: _ticks(v, "zero") for k, v in zero_text.items()} if zero_text else None
    range_text = _pairs(args.ranges, "range")
    ranges = None
    if range_text:
        ranges = {}
        for sid, value in range_text.items():
            low, sep, high = value.partition(":")
            if not sep:
                raise SetupError(f"--range: servo {sid}: expected MIN:MAX, got {value!r}")
            ranges[sid] = (_ticks(low, "range"), _ticks(high, "range"))
    for given, what in ((zero, "zero"), (ranges, "range")):
        if given is not None and set(given) != set(ids):
            raise SetupError(f"--{what} must list servos {sorted(ids)}, got {sorted(given)}")
    with open_bus(protocol, args.port, args.baud or profile.bus.baud) as bus:
        readings = record_calibration(
            bus,
            [i for i in ids if i is not None],
            models[0],
            zero=zero,
            ranges=ranges,
            home=args.home,
            prompt=lambda text: print(text, flush=True) or _wait_enter(),
            done=_enter_pressed,
        )
    by_id = {r.servo_id: r for r in readings}
    joints = {}
    for joint in profile.joints:
        r = by_id[joint.servo_id or 0]
        joints[joint.name] = JointCalibration(
            servo_id=r.servo_id,
            zero_ticks=r.zero_ticks,
            range_min=r.range_min,
            range_max=r.range_max,
            homing_offset=r.homing_offset,
            resolution=r.resolution,
        )
        print(
            f"{joint.name}: servo {r.servo_id} zero {r.zero_ticks} range "
            f"{r.range_min}..{r.range_max} homing offset {r.homing_offset}"
        )
    save_calibration(
        Calibration(
            joints=joints,
            robot=profile.robot.name,
            protocol=protocol,
            source="robot servo calibrate",
        ),
        args.out,
    )
    print(f"wrote {args.out}")
    return 0


def _wait_enter() -> None:
    if sys.stdin.isatty():
        sys.stdin.readline()


def _enter_pressed() -> bool:
    """True once Enter was pressed (always True without a terminal: one reading)."""
    if not sys.stdin.isatty():
        return True
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if ready:
        sys.stdin.readline()
        return True
    return False
