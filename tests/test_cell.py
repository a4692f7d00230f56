"""`robot cell layout`: the twin's scene as a real cell's world file and a table of
where each thing goes from the arm's base."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from core.msgs import WorldState, decode_json
from robot.cerebellum.arm_model import BasePose
from robot.cli import main


def test_positions_are_given_from_the_arm_base() -> None:
    base = BasePose(1.0, 2.0, 0.75, math.pi / 2)
    # The base turned to face +y: a thing 0.3 m further along +y is straight ahead.
    ahead = base.to_base(np.array([1.0, 2.3, 0.8]))
    assert ahead == pytest.approx([0.3, 0.0, 0.05])
    left = base.to_base(np.array([0.8, 2.0, 0.75]))
    assert left == pytest.approx([0.0, 0.2, 0.0])


def test_layout_writes_the_world_file_a_serial_launch_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cell.json"
    assert main(["cell", "layout", "--scene", "tea", "--out", str(out)]) == 0
    state = decode_json(out.read_bytes(), WorldState)
    assert state.scene == "tea" and {"cup_red", "cup_blue", "teapot"} <= set(state.objects)
    printed = capsys.readouterr().out
    cup = next(line for line in printed.splitlines() if line.startswith("cup_red"))
    ahead_cm = float(cup.split()[1])
    assert 10 < ahead_cm < 50  # on the table in front of the arm, within its reach
    assert f'[world] file = "{out}"' in printed and "base_z_m = " in printed
