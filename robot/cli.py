"""The `robot` command.

Each subcommand lives beside the layer it drives, in a module with two functions:
`add_arguments(parser)` and `run(args) -> int` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from importlib.metadata import PackageNotFoundError, version

from core.errors import RobotError
from firmware_bridge.errors import BridgeError
from robot import debug_log

log = logging.getLogger(__name__)

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, one-line help)
    "plan": ("robot.brain.cli", "turn requests into plans with the brain"),
    "run": ("robot.launch.cli", "run a launch file: brain, cerebellum and limbs"),
    "node": ("robot.launch.node_cli", "run one layer of a split cell (launch [hosts])"),
    "up": ("robot.launch.up", "start this host's layers of a split cell, one process each"),
    "sim": ("sim.cli", "open a scene in the PyBullet twin, take snapshots"),
    "servo": ("robot.servo.cli", "servo bring-up: scan, set-id, flash..."),
    "cell": ("robot.cell.cli", "a real cell: layout, world file, bus certificates"),
    "camera": ("robot.perception.cli", "a camera's model: calibrate, locate"),
    "teach": ("robot.cell.teach", "where a camera-less cell's things are, taught with the arm"),
    "kiosk": ("robot.kiosk.cli", "serve the expo kiosk page"),
    "replay": ("robot.recording.cli", "inspect or replay an MCAP recording"),
    "dataset": ("robot.dataset.cli", "LeRobot datasets: generate, export, play on the twin"),
}


def _package_version() -> str:
    try:
        return version("robot-stack")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _chosen(argv: list[str]) -> str | None:
    """The subcommand named on the command line, if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser. Only the chosen subcommand's module is imported: `robot servo
    emulate` must not pay for (or print the banner of) the simulator."""
    chosen = _chosen(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="robot",
        description="Open reference stack for embodied AI on affordable robot arms.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        # The module's docstring as written: its examples are command lines.
        p = sub.add_parser(
            name,
            help=help_text,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(handler=module.run)
    p = sub.add_parser("version", help="print the version")
    p.set_defaults(handler=lambda args: print(f"robot-stack {_package_version()}") or 0)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    debug_log.configure(args.verbose)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except (RobotError, BridgeError) as err:
        log.debug("robot %s failed", args.command, exc_info=True)
        print(f"robot {args.command}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug: one line here, the traceback in the debug log
        log.debug("robot %s: internal error", args.command, exc_info=True)
        print(
            f"robot {args.command}: internal error: {type(err).__name__}: {err} "
            f"(a bug, please report it; {debug_log.where()})",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
