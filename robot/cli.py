"""The `robot` command.

Each subcommand lives beside the layer it drives, in a module with two functions:
`add_arguments(parser)` and `run(args) -> int` (the exit code). A subcommand whose
module is not built yet still shows in `robot --help` and says what is missing.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from core.errors import RobotError
from firmware_bridge.errors import BridgeError
from robot import debug_log

log = logging.getLogger(__name__)

SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    # name: (module, one-line help, the part of the stack it needs)
    "plan": ("robot.brain.cli", "turn requests into plans with the brain", "the brain"),
    "run": ("robot.launch.cli", "run a launch file: brain, cerebellum and limbs", "the launcher"),
    "sim": ("sim.cli", "open a scene in the PyBullet twin, take snapshots", "the simulator"),
    "servo": ("robot.servo.cli", "servo bring-up: scan, set-id, flash...", "the serial layer"),
    "kiosk": ("robot.kiosk.cli", "serve the expo kiosk page", "the kiosk"),
    "replay": ("robot.recording.cli", "inspect or replay an MCAP recording", "recording"),
}


def _package_version() -> str:
    try:
        return version("robot-stack")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _load(module_name: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        # Only "this part does not exist yet" is tolerated; a missing dependency
        # inside an existing module is a real error and propagates.
        missing = err.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            return None
        raise


def _is_built(module_name: str) -> bool:
    """Whether the module exists, without importing it (and its heavy dependencies)."""
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


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
    for name, (module_name, help_text, part) in SUBCOMMANDS.items():
        module = _load(module_name) if name == chosen else None
        if module is None and (name == chosen or not _is_built(module_name)):
            p = sub.add_parser(name, help=f"{help_text} [not built yet]")
            p.add_argument("rest", nargs=argparse.REMAINDER)
            p.set_defaults(handler=_not_built(name, part))
        elif module is None:
            sub.add_parser(name, help=help_text)
        else:
            p = sub.add_parser(name, help=help_text, description=module.__doc__)
            module.add_arguments(p)
            p.set_defaults(handler=module.run)
    p = sub.add_parser("version", help="print the version")
    p.set_defaults(handler=lambda args: print(f"robot-stack {_package_version()}") or 0)
    return parser


def _not_built(name: str, part: str):
    def handler(args: argparse.Namespace) -> int:
        print(f"robot {name}: {part} is not built yet in this version.", file=sys.stderr)
        return 2

    return handler


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
