"""Servo bring-up: list ports, scan a bus, set IDs and baud rates, flash EEPROM profiles,
calibrate, and emulate a servo bus on a pseudo-terminal (kinematic servos, or the
joints of the PyBullet twin's arm with `--twin`).

Typical order on new hardware: `ports`, `scan`, `set-id` (one servo connected at a
time), `set-baud`, `flash`, `calibrate`; then run with `limbs = serial`.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from firmware_bridge.control_tables import DEFAULT_MODEL, MODELS
from firmware_bridge.errors import BridgeError, SetupError
from firmware_bridge.faults import FaultSchedule, load_fault_schedule
from firmware_bridge.ports import list_servo_ports
from firmware_bridge.servo_bus import open_bus
from firmware_bridge.setup_tools import (
    SCAN_MARGIN_S,
    flash,
    load_flash_profile,
    parse_ids,
    record_calibration,
    scan,
    set_baud,
    set_id,
)
from firmware_bridge.virtual_bus import VirtualBus, make_virtual_bus

log = logging.getLogger(__name__)

PROTOCOLS = ("dynamixel", "feetech")
DEFAULT_BAUD = 1_000_000
DEFAULT_TWIN_SCENE = "tea"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="servo_command", metavar="STEP", required=True)

    p = sub.add_parser("ports", help="list USB serial ports and the adapters behind them")
    p.set_defaults(servo_handler=_ports)

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
    p.set_defaults(servo_handler=_calibrate)

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
    p.set_defaults(servo_handler=_emulate)


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


def _calibrate(args: argparse.Namespace) -> int:
    from core.calibration import (
        Calibration,
        JointCalibration,
        load_calibration,
        save_calibration,
    )
    from core.profile import load_profile

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
    models = {j.model or DEFAULT_MODEL[protocol] for j in profile.joints}
    if len(models) > 1:
        raise SetupError(f"calibrate expects one servo model per arm, got {sorted(models)}")
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
            models.pop(),
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


def _emulate(args: argparse.Namespace) -> int:
    if args.twin:
        return _emulate_twin(args)
    twin_only = {
        "--scene": args.scene is not None,
        "--seed": args.seed is not None,
        "--gui": args.gui,
        "--write-calibration": args.write_calibration is not None,
        "--world-out": args.world_out is not None,
    }
    given = [flag for flag, used in twin_only.items() if used]
    if given:
        raise SetupError(f"{', '.join(given)}: only with --twin ROBOT")
    ids_text = args.ids or "1-6"
    ids = parse_ids(ids_text)
    baud = args.baud or DEFAULT_BAUD
    faults = load_fault_schedule(args.faults) if args.faults else None
    bus = make_virtual_bus(
        args.protocol,
        ids,
        model=args.model,
        baud=baud,
        wire_timing=args.wire_timing,
        eeprom_path=args.eeprom,
    )
    bus.faults = faults
    _pull_cable_on_sigusr1(bus)
    stop = _stop_on_signals()
    path = bus.start_pty()
    _answer_like_hardware()
    timing = ", wire timing" if args.wire_timing else ""
    # Contract: the device path is the last word of the first line on stdout.
    print(
        f"emulating {len(ids)} {bus.servos[0].table.model} servos (IDs {ids_text}, "
        f"{args.protocol}, {baud} baud{timing}) on {path}",
        flush=True,
    )
    _print_faults(args.faults, faults)
    try:
        bus.serve_until(stop)
    finally:
        bus.stop()
    return 0


def _emulate_twin(args: argparse.Namespace) -> int:
    """`emulate --twin ROBOT`: the servos are the joints of a scene's arm in the twin."""
    # The simulator is imported only here: a plain `robot servo emulate` must not load
    # PyBullet.
    from core.errors import RobotError
    from sim.servo_twin import make_twin_bus

    scene = args.scene or DEFAULT_TWIN_SCENE
    seed = args.seed or 0
    faults = load_fault_schedule(args.faults) if args.faults else None

    with _stdout_to_stderr():
        # PyBullet prints a build banner (and, with --gui, OpenGL details) from C on
        # import and connect; it goes to stderr so the device path stays the first line.
        try:
            hil = make_twin_bus(
                scene,
                seed=seed,
                profile=args.twin,
                protocol=args.protocol,
                baud=args.baud,
                gui=args.gui,
                wire_timing=args.wire_timing,
                eeprom_path=args.eeprom,
                world_out=args.world_out,
                priority=WORLD_PRIORITY,
            )
        except RobotError as err:
            raise SetupError(f"--twin {args.twin} --scene {scene}: {err}") from err
    try:
        ids = sorted(s.servo_id for s in hil.bus.servos)
        mismatch = []
        if args.ids and parse_ids(args.ids) != ids:
            mismatch.append(f"--ids {args.ids} (the twin's servos are {ids})")
        table = hil.bus.servos[0].table
        if args.model and args.model != table.model:
            mismatch.append(f"--model {args.model} (the twin's servos are {table.model})")
        if mismatch:
            raise SetupError(f"robot {args.twin}: " + "; ".join(mismatch) + ": leave them out")
        if args.write_calibration:
            hil.write_calibration(args.write_calibration)
        hil.bus.faults = faults
        _pull_cable_on_sigusr1(hil.bus)
        stop = _stop_on_signals()
        path = hil.bus.start_pty()
        timing = ", wire timing" if args.wire_timing else ""
        # Contract: the device path is the last word of the first line on stdout.
        print(
            f"emulating {args.twin} in scene {scene} (seed {seed}) as {len(ids)} "
            f"{table.model} servos (IDs {','.join(map(str, ids))}, {hil.bus.protocol}, "
            f"{hil.bus.servos[0].baud} baud{timing}) on {path}",
            flush=True,
        )
        base, yaw = hil.base
        print(
            f"arm base at x {base[0]:.4f} y {base[1]:.4f} z {base[2]:.4f} m, yaw {yaw:.4f} rad "
            "(a serial launch's [robot] base_x_m, base_y_m, base_z_m, base_yaw_rad)",
            flush=True,
        )
        if args.write_calibration:
            print(f"twin calibration written to {args.write_calibration}", flush=True)
        _print_faults(args.faults, faults)
    except BaseException:
        hil.stop()
        raise
    _answer_like_hardware()
    try:
        hil.serve_until(stop)
    finally:
        hil.stop()
        unsafe = hil.servos.watch.unsafe
        # Contract: the last line on stdout, for soak runs that count them.
        print(f"unsafe commands: {sum(unsafe.values())} {unsafe}", flush=True)
    return 0


EMULATOR_PRIORITY = 60
"""SCHED_FIFO priority of the thread that answers for the emulated servos: above the
cerebellum's loop (50), so that on a busy machine the emulator answers as servos do,
within a millisecond, instead of waiting for a CPU behind the stack it serves."""
WORLD_PRIORITY = 40
"""SCHED_FIFO for the twin's world (its own process): above every normal task, so a
busy machine does not stall the arm's physics, and below the cerebellum's loop (50):
a physics step can take tens of ms in a busy scene, and on a two-CPU machine a world
above the loop, beside the bus, left the loop no CPU for 57 ms (a soak run)."""


def _answer_like_hardware() -> None:
    """Serve from this thread on SCHED_FIFO where the OS permits it; else say that
    replies may come late on a busy machine."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(EMULATOR_PRIORITY))
    except (AttributeError, PermissionError, OSError) as err:
        log.warning(
            "the emulator serves on the normal scheduler (SCHED_FIFO refused: %s): on a busy "
            "machine its servos may answer late; give the client a larger host margin",
            err,
        )


def _print_faults(path: Path | None, faults: FaultSchedule | None) -> None:
    if faults is not None:
        kinds = ", ".join(f.kind for f in faults.faults) or "none"
        print(f"injecting faults from {path} ({kinds}; seed {faults.seed})", flush=True)


def _pull_cable_on_sigusr1(bus: VirtualBus) -> None:
    """SIGUSR1 pulls the cable (nothing reaches a servo, nothing comes back), the next
    one puts it back: to try what a stack does when its bus goes. Says when, on stderr,
    in `time.monotonic()` seconds (the same clock as the stack's on this machine)."""
    if bus.faults is None:
        bus.faults = FaultSchedule()
    faults = bus.faults

    def toggle(signum: int, frame: FrameType | None) -> None:
        faults.pulled = not faults.pulled
        what = "pulled" if faults.pulled else "put back"
        print(f"cable {what} at {time.monotonic():.6f} s", file=sys.stderr, flush=True)

    signal.signal(signal.SIGUSR1, toggle)


def _stop_on_signals() -> threading.Event:
    """An event that SIGINT or SIGTERM sets (the emulator then closes its pty and exits 0)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send whatever C code writes to stdout (file descriptor 1) to stderr for a while."""
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        libc.fflush(None)
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


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
