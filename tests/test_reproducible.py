"""Reproducible runs: the same launch file, seed and request give the same report, to
the last digit apart from its wall-clock fields, however busy the machine is.

A sim launch file run as fast as it goes keeps its simulated clock still while the
brain or the operator decide (robot/cerebellum/sim_node.py), so a failure seen once
can be replayed. Here one episode runs twice through `robot run`, the second time with
every CPU kept busy by other processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from robot.cli import main as robot_main
from robot.launch.config import PROJECT_ROOT

LAUNCH = PROJECT_ROOT / "launch" / "tea_sim.toml"
REQUEST = "Put the red cup on the tray."
SEED = 3
WALL_CLOCK_FIELDS = ("wall_time_s",)
"""The report's fields measured in wall seconds: the only ones that may differ."""


@contextmanager
def busy_cpus() -> Iterator[None]:
    """Keep every CPU busy with a spinning process of its own until the block ends."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()


def run(report: Path) -> dict[str, Any]:
    """`robot run` of the episode; its report without the wall-clock fields."""
    argv = ["run", str(LAUNCH), "-i", REQUEST, "--seed", str(SEED), "--report", str(report)]
    robot_main(argv)
    data = json.loads(report.read_text())
    for name in WALL_CLOCK_FIELDS:
        del data[name]
    return data


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every number, string, bool or null in a JSON value, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def test_a_run_gives_the_same_report_on_a_busy_machine(tmp_path: Path) -> None:
    quiet = run(tmp_path / "quiet.json")
    with busy_cpus():
        busy = run(tmp_path / "busy.json")
    (instruction,) = quiet["instructions"]
    assert instruction["steps"], "the episode ran no step: nothing was compared"
    first, second = dict(leaves(quiet)), dict(leaves(busy))
    pairs = {k: (first.get(k, "(none)"), second.get(k, "(none)")) for k in first | second}
    differ = {k: pair for k, pair in pairs.items() if pair[0] != pair[1]}
    assert not differ, f"quiet vs busy: {differ}"
