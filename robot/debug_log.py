"""Where the `robot` command logs: a terse console, and every detail in a debug log.

A failure reaches the person at the console as one line that says what failed and
what to do; its traceback, and whatever else happened on the way, goes to the debug
log file, which the line names. `-v` / `-vv` bring INFO / DEBUG to the console too.

The file is `$ROBOT_LOG_DIR/robot.log`, by default under `$XDG_STATE_HOME/robot`
(`~/.local/state/robot`), rotated at `MAX_BYTES` with `BACKUPS` old files kept.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

MAX_BYTES = 5_000_000
BACKUPS = 2
FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"
CONSOLE_LEVELS = (logging.WARNING, logging.INFO, logging.DEBUG)
OURS = ("core", "firmware_bridge", "sim", "robot", "benchmarks", "models")
"""Packages logged at every level; the libraries below them only from WARNING up (a
library's debug output, numba's compiler for one, would drown ours and cost time)."""

_handlers: list[logging.Handler] = []


def log_dir() -> Path:
    """The folder of the debug log (not created here)."""
    if explicit := os.environ.get("ROBOT_LOG_DIR"):
        return Path(explicit)
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "robot"


def configure(verbosity: int = 0) -> Path | None:
    """Set the console's level from `verbosity` (0..2) and log everything to the debug
    file; returns the file's path, or None when it cannot be written (then the console
    is all there is). Calling it again replaces what an earlier call set up."""
    root = logging.getLogger()
    for handler in _handlers:
        root.removeHandler(handler)
        handler.close()
    _handlers.clear()
    console = logging.StreamHandler()
    console.setLevel(CONSOLE_LEVELS[min(max(verbosity, 0), 2)])
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _handlers.append(console)
    path: Path | None = log_dir() / "robot.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        path = None
    else:
        file.setLevel(logging.DEBUG)
        file.setFormatter(logging.Formatter(FORMAT))
        _handlers.append(file)
    for handler in _handlers:
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for package in OURS:
        logging.getLogger(package).setLevel(logging.DEBUG)
    return path


def where() -> str:
    """A few words that send the reader to the debug log."""
    for handler in _handlers:
        if isinstance(handler, logging.FileHandler):
            return f"details in {handler.baseFilename}"
    return "run with -vv for details"
