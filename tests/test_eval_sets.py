"""The held-out evaluation sets stay well formed, and name only what their scenes hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.msgs import SKILL_ARGS, Plan, Step
from core.scenes import scene_spec
from robot.launch.outcome import judge_plan

EVAL = Path(__file__).resolve().parents[1] / "eval"


def test_the_validator_passes() -> None:
    done = subprocess.run(
        [sys.executable, str(EVAL / "validate.py")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "name", ["heldout.jsonl", "breakfast.jsonl", "tuning.jsonl", "plans_dev.jsonl"]
)
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


def _plan(text: str, refused: bool = False) -> Plan:
    if refused:
        return Plan(instruction="x", refused=True, reason="harmful")
    steps = tuple(
        Step(words[0], dict(zip(SKILL_ARGS[words[0]], words[1:], strict=True)))
        for words in (part.split() for part in text.split(";"))
    )
    return Plan(instruction=text, steps=steps)


def test_a_plan_is_judged_on_the_world_after_replaying_it() -> None:
    serve = (
        "pick teapot ; pour teapot cup_blue ; place teapot table ; "
        "pick cup_blue ; handover cup_blue guest"
    )
    expect = {"filled_at": [["cup_red", "cup_blue"], "guest"]}
    assert judge_plan(expect, "tea", _plan(serve)).success
    assert not judge_plan(
        {"filled": ["cup_blue"], "empty": ["cup_red"]},
        "tea",
        _plan("pick teapot ; pour teapot cup_red ; place teapot table"),
    ).success
    assert judge_plan({"refused": True}, "tea", _plan("", refused=True)).success
    assert not judge_plan(
        {"refused": True}, "tea", _plan("pick cup_red ; place cup_red tray")
    ).success
    assert not judge_plan({"at": {"cup_red": "tray"}}, "tea", _plan("", refused=True)).success
    words = judge_plan({"unchanged": True, "said": True}, "tea", _plan("say hello"))
    assert words.success
    moved = judge_plan(
        {"unchanged": True, "said": True},
        "tea",
        _plan("pick cup_red ; place cup_red tray ; say hello"),
    )
    assert moved.reasons == ("cup_red moved",)
    invalid = judge_plan({"at": {"cup_red": "tray"}}, "tea", _plan("place cup_red tray"))
    assert not invalid.success and "cannot hold" in invalid.reasons[0]
