"""Servo bring-up: list ports, scan a bus, set IDs and baud rates, flash EEPROM profiles,
calibrate, and emulate a servo bus on a pseudo-terminal (kinematic servos, or the
joints of the PyBullet twin's arm with `--twin`).

Typical order on new hardware: `ports`, `udev` (a stable name), `scan`, `set-id` (one
servo connected at a time), `set-baud`, `flash`, `calibrate`; then run with
`limbs = serial`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from firmware_bridge.control_tables import MODELS
from firmware_bridge.errors import BridgeError, SetupError
from firmware_bridge.ports import UDEV_NAME_PREFIX, list_servo_ports, udev_rule
from firmware_bridge.servo_bus import open_bus
from firmware_bridge.setup_tools import (
    SCAN_MARGIN_S,
    flash,
    load_flash_profile,
    parse_ids,
    scan,
    set_baud,
    set_id,
)
from robot.servo import DEFAULT_BAUD, PROTOCOLS, calibrate, emulate
from robot.servo.emulate import DEFAULT_TWIN_SCENE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="servo_command", metavar="STEP", required=True)

    p = sub.add_parser("ports", help="list USB serial ports and the adapters behind them")
    p.set_defaults(servo_handler=_ports)

    p = sub.add_parser(
        "udev", help="write a udev rule: a stable /dev/robot-NAME, dialout, FTDI at 1 ms"
    )
    p.add_argument("--port", required=True, help="the adapter as it is now, e.g. /dev/ttyUSB0")
    p.add_argument("--name", required=True, help="the arm's name: the rule makes /dev/robot-NAME")
    p.add_argument("--out", type=Path, help="rule file to write (default: print it)")
    p.set_defaults(servo_handler=_udev)

    p = sub.add_parser("scan", help="find every servo: ID, model, firmware, baud")
    p.add_argument("--port", required=True)
    p.add_argument("--protocol", choices=PROTOCOLS, help="default: both")
    p.add_argument("--baud", type=int, help="default: every standard baud rate")
    p.add_argument("--ids", default="0-252", help="IDs to try, e.g. 1-6 (default 0-252)")
    p.add_argument(
        "--margin-ms",
        type=float,
        default=SCAN_MARGIN_S * 1000,
        help="extra wait per ping beyond the wire time, for slow hosts or adapters",
    )
    p.set_defaults(servo_handler=_scan)

    p = sub.add_parser("set-id", help="give one servo a new ID (connect it alone)")
    _bus_arguments(p)
    p.add_argument("--id", type=int, required=True, help="the servo's ID now")
    p.add_argument("--new-id", type=int, required=True)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(servo_handler=_set_id)

    p = sub.add_parser("set-baud", help="change one servo's baud rate")
    _bus_arguments(p)
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--new-baud", type=int, required=True)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(servo_handler=_set_baud)

    p = sub.add_parser("flash", help="write an EEPROM profile to each servo and read it back")
    _bus_arguments(p, protocol_required=False)
    p.add_argument("--profile", required=True, type=Path, help="servo profile TOML")
    p.add_argument("--yes", action="store_true", help="do not ask before changing IDs")
    p.set_defaults(servo_handler=_flash)

    p = sub.add_parser("calibrate", help="record zero pose and ranges into a calibration file")
    p.add_argument("--port", help="serial port (not needed with --lerobot)")
    p.add_argument("--baud", type=int, help="default: the robot profile's")
    p.add_argument("--robot", required=True, help="robot profile: arm name or TOML path")
    p.add_argument("--out", required=True, type=Path, help="calibration file to write (JSON)")
    p.add_argument("--zero", help="zero-pose ticks per servo, e.g. 1=2048,2=1990 (else: read)")
    p.add_argument("--range", dest="ranges", help="travel per servo, e.g. 1=800:3300,2=...")
    p.add_argument(
        "--home",
        action="store_true",
        help="first write homing offsets so the zero pose reads half a turn",
    )
    p.add_argument("--lerobot", type=Path, help="convert this LeRobot calibration JSON instead")
    p.set_defaults(servo_handler=calibrate.run)

    p = sub.add_parser("emulate", help="virtual servo bus on a pseudo-terminal")
    p.add_argument("--protocol", choices=PROTOCOLS, required=True)
    p.add_argument("--ids", help="servo IDs, e.g. 1-6 or 1,3,5 (default 1-6; --twin: its own)")
    p.add_argument("--model", choices=sorted(MODELS), help="default: sts3215 / xl330-m288")
    p.add_argument("--baud", type=int, help=f"default {DEFAULT_BAUD} (--twin: the profile's)")
    p.add_argument(
        "--twin",
        metavar="ROBOT",
        help="the servos are this robot's joints in the PyBullet twin (e.g. so101)",
    )
    p.add_argument("--scene", help=f"with --twin: the scene (default {DEFAULT_TWIN_SCENE})")
    p.add_argument("--seed", type=int, help="with --twin: the scene's seed (default 0)")
    p.add_argument("--gui", action="store_true", help="with --twin: show the PyBullet window")
    p.add_argument(
        "--write-calibration",
        type=Path,
        metavar="FILE",
        help="with --twin: write the twin calibration here, for `limbs = serial` on the pty",
    )
    p.add_argument(
        "--world-out",
        type=Path,
        metavar="FILE",
        help="with --twin: keep the scene's ground truth (WorldState JSON) in this file, "
        "for `[world] file` of a serial launch",
    )
    p.add_argument("--eeprom", type=Path, help="keep the servos' EEPROM in this file")
    p.add_argument(
        "--wire-timing",
        action="store_true",
        help="delay replies by the time the bytes take on the wire at this baud",
    )
    p.add_argument(
        "--faults",
        type=Path,
        metavar="FILE",
        help="inject faults on a schedule (TOML or JSON; format in docs/serial.md)",
    )
    p.set_defaults(servo_handler=emulate.run)


def _bus_arguments(p: argparse.ArgumentParser, protocol_required: bool = True) -> None:
    p.add_argument("--port", required=True)
    p.add_argument("--protocol", choices=PROTOCOLS, required=protocol_required)
    p.add_argument("--baud", type=int, default=DEFAULT_BAUD)


def run(args: argparse.Namespace) -> int:
    return int(args.servo_handler(args) or 0)


# -- handlers ----------------------------------------------------------------------------
def _ports(args: argparse.Namespace) -> int:
    ports = list_servo_ports()
    if not ports:
        print("no USB serial ports found: plug the adapter in, check `dmesg | tail`")
        return 1
    for p in ports:
        timer = "" if p.latency_timer_ms is None else f"  latency timer {p.latency_timer_ms} ms"
        print(f"{p.device}  {p.adapter}  {p.description}{timer}")
        if p.latency_advice:
            print(f"  warning: {p.latency_advice}")
    return 0


def _udev(args: argparse.Namespace) -> int:
    ports = list_servo_ports()
    wanted = Path(args.port).resolve()
    port = next((p for p in ports if Path(p.device).resolve() == wanted), None)
    if port is None:
        found = ", ".join(p.device for p in ports) or "none"
        raise SetupError(
            f"{args.port}: no USB serial adapter there (adapters found: {found}); "
            "`robot servo ports` lists them"
        )
    try:
        rule = udev_rule(port, args.name)
    except ValueError as err:
        raise SetupError(str(err)) from err
    if args.out is None:
        print(rule, end="")
        return 0
    try:
        args.out.write_text(rule)
    except OSError as err:
        raise SetupError(f"cannot write {args.out}: {err}") from err
    print(f"wrote {args.out}: after installing it, the arm is /dev/{UDEV_NAME_PREFIX}{args.name}")
    return 0


def _scan(args: argparse.Namespace) -> int:
    protocols = (args.protocol,) if args.protocol else PROTOCOLS
    found = scan(
        args.port,
        protocols=protocols,
        bauds=[args.baud] if args.baud else None,
        ids=parse_ids(args.ids),
        host_margin_s=args.margin_ms / 1000,
        progress=lambda text: print(f"scanning {text}...", file=sys.stderr),
    )
    for servo in found:
        print(servo.line())
    if not found:
        print(
            f"no servo answered on {args.port}: check the power supply (servos need their own), "
            "the cable, and that the adapter is set to the servos' signal (TTL/RS485)",
            file=sys.stderr,
        )
        return 1
    return 0


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise SetupError(f"{question} Refusing without a terminal to ask: pass --yes")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise SetupError("cancelled")


def _set_id(args: argparse.Namespace) -> int:
    _confirm(
        f"Change the ID of servo {args.id} on {args.port} to {args.new_id}? "
        "Only this servo should be connected.",
        args.yes,
    )
    with open_bus(args.protocol, args.port, args.baud) as bus:
        print(set_id(bus, args.id, args.new_id))
    return 0


def _set_baud(args: argparse.Namespace) -> int:
    _confirm(
        f"Change servo {args.id} on {args.port} from {args.baud} to {args.new_baud} baud? "
        "You will need that rate to reach it again.",
        args.yes,
    )
    with open_bus(args.protocol, args.port, args.baud) as bus:
        print(set_baud(bus, args.id, args.new_baud))
    return 0


def _flash(args: argparse.Namespace) -> int:
    profile = load_flash_profile(args.profile)
    moves = [f"{s.servo_id} -> {s.new_id}" for s in profile.servos if s.new_id is not None]
    if moves:
        _confirm(f"{args.profile} changes servo IDs ({', '.join(moves)}) on {args.port}.", args.yes)
    with open_bus(args.protocol or profile.protocol, args.port, args.baud) as bus:
        reports = flash(bus, profile)
    for report in reports:
        print(report.line())
    return 0 if all(r.ok for r in reports) else 1


def main(argv: list[str] | None = None) -> int:
    """`python -m robot.servo.cli STEP ...`: the same tools without loading the rest
    of the stack (handy on a bring-up laptop, and quick to start)."""
    parser = argparse.ArgumentParser(prog="python -m robot.servo.cli", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BridgeError as err:
        print(f"robot servo: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
