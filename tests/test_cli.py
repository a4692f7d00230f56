"""The `robot` command: help lists every subcommand; missing parts say so, not crash."""

from __future__ import annotations

import subprocess
import sys

import pytest

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


def test_a_part_not_built_yet_says_which(monkeypatch, capsys) -> None:
    monkeypatch.setitem(
        cli.SUBCOMMANDS, "kiosk", ("robot.kiosk_that_does_not_exist", "serve", "the kiosk")
    )
    assert cli.main(["kiosk", "launch/expo.toml"]) == 2
    assert "the kiosk is not built yet" in capsys.readouterr().err


def test_no_subcommand_prints_help(capsys) -> None:
    assert cli.main([]) == 2
    assert "usage: robot" in capsys.readouterr().out


def test_a_broken_module_is_not_mistaken_for_a_missing_one(tmp_path, monkeypatch) -> None:
    (tmp_path / "half_built.py").write_text("import a_dependency_nobody_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli._load("robot.part_that_does_not_exist.cli") is None
    with pytest.raises(ModuleNotFoundError, match="a_dependency_nobody_installed"):
        cli._load("half_built")
