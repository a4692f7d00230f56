"""The `robot` command: help lists every subcommand; missing parts say so, not crash."""

from __future__ import annotations

import subprocess
import sys

from robot import cli

EXPECTED = {"plan", "run", "sim", "servo", "kiosk", "replay", "version"}


def test_help_lists_every_subcommand() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "robot.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("    ")}
    assert listed >= EXPECTED


def test_version(capsys) -> None:
    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out.startswith("robot-stack ")


def test_no_subcommand_prints_help(capsys) -> None:
    assert cli.main([]) == 2
    assert "usage: robot" in capsys.readouterr().out
