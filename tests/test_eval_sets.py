"""The held-out evaluation sets stay well formed, and name only what their scenes hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.scenes import scene_spec

EVAL = Path(__file__).resolve().parents[1] / "eval"


def test_the_validator_passes() -> None:
    done = subprocess.run(
        [sys.executable, str(EVAL / "validate.py")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["heldout.jsonl", "breakfast.jsonl", "plans_dev.jsonl"])
def test_every_name_is_one_of_the_scene(name: str) -> None:
    for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        expect, spec = case["expect"], scene_spec(case["scene"])
        named = set(expect.get("filled", [])) | set(expect.get("empty", []))
        for what, where in expect.get("at", {}).items():
            named |= {what, where}
        if "filled_at" in expect:
            named |= {*expect["filled_at"][0], expect["filled_at"][1]}
        assert named <= spec.entities, (case["instruction"], named - spec.entities)
