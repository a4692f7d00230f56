"""`robot servo emulate`: a virtual servo bus on a pseudo-terminal, served like hardware
(SCHED_FIFO where permitted, faults on a schedule or a pulled cable on SIGUSR1): kinematic
servos, or with `--twin` the joints of the PyBullet twin's arm (`sim.servo_twin`)."""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from core.errors import RobotError
from firmware_bridge.errors import SetupError
from firmware_bridge.faults import FaultSchedule, load_fault_schedule
from firmware_bridge.setup_tools import parse_ids
from firmware_bridge.virtual_bus import VirtualBus, make_virtual_bus
from robot.servo import DEFAULT_BAUD

log = logging.getLogger(__name__)

DEFAULT_TWIN_SCENE = "tea"


def run(args: argparse.Namespace) -> int:
    """`robot servo emulate`."""
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
                lock_priority=EMULATOR_PRIORITY,
            )
        except RobotError as err:
            raise SetupError(f"--twin {args.twin} --scene {scene}: {err}") from err
    try:
        ids = sorted(s.servo_id for s in hil.bus.servos)
        mismatch = []
        if args.ids and parse_ids(args.ids) != ids:
            mismatch.append(f"--ids {args.ids} (the twin's servos are {ids})")
        models = "/".join(sorted({s.table.model for s in hil.bus.servos}))
        if args.model and args.model != models:
            mismatch.append(f"--model {args.model} (the twin's servos are {models})")
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
            f"{models} servos (IDs {','.join(map(str, ids))}, {hil.bus.protocol}, "
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
within a millisecond, instead of waiting for a CPU behind the stack it serves. The
twin's world stays on the normal scheduler (sim/twin_world.py says why)."""


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
