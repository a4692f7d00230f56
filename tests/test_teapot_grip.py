"""The teapot must not turn in the gripper's jaws while it pours (issue 7): a pick and a
pour in the twin, the pot's orientation measured in the gripper's frame throughout.

Known to fail today (strict xfail): in these two pours the pot turns 70-115 degrees in
the jaws and the pour fails. The moving jaw's pad, bent to lie flat on 5.6 cm cups,
meets the 6.2 cm octagonal pot 6 degrees off parallel and at one vertical edge; the
jaws' contacts are then one or two points each, about which the pot pivots, and a
pivot of ~10 degrees brings the spout's underside (3 mm above the jaws' top edge at
the 6 cm grasp height) onto the moving jaw, which pushes through the spout's plates
and levers the pot round as the tilt grows. Remove the xfail marker with the fix.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pybullet as p
import pytest

import robot.launch.episode as episode
from robot.cerebellum.lockstep import Lockstep
from robot.launch.episode import run_episode
from robot.msgs import Plan, Step

MAX_TURN_DEG = 12.0
"""The pot turns less than this in the jaws from the start of the pour skill to the end
of its untilt, the carry to the cup included (degrees). A grip that holds measures
3-6 degrees in both pours below; today's measures 74 and 116."""
POURS = [
    (0, "cup_blue"),  # the dev case "Pour tea in the blue cup and put it on the tray."
    (8, "cup_red"),  # seed 8 of the serve_tea and fill_cup episode families
]
WATCHED_PHASES_SKIPPED = ("", "drip", "verify")


def _turn_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (degrees) of the rotation from a to b (3x3 rotation matrices)."""
    cos = (np.trace(a.T @ b) - 1.0) / 2.0
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _matrix(quat: tuple[float, ...]) -> np.ndarray:
    return np.array(p.getMatrixFromQuaternion(quat)).reshape(3, 3)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 7: the teapot turns in the jaws while it pours")
@pytest.mark.parametrize(("seed", "cup"), POURS)
def test_the_teapot_does_not_turn_in_the_jaws_while_it_pours(
    monkeypatch: pytest.MonkeyPatch, seed: int, cup: str
) -> None:
    built: list[Any] = []
    original = episode.build_scene

    def build_and_keep(*args: Any, **kwargs: Any) -> Any:
        built.append(original(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(episode, "build_scene", build_and_keep)
    start: list[np.ndarray] = []
    turns: list[float] = []

    def watch(ls: Lockstep) -> None:
        skill = ls.runner.skill
        if skill is None or skill.name != "pour" or skill.state in WATCHED_PHASES_SKIPPED:
            return
        scene = built[0]
        _, tool = scene.arm.tool_pose()
        _, pot = scene.objects["teapot"].body.frame_pose()
        in_jaws = _matrix(tool).T @ _matrix(pot)  # the pot in the gripper's frame
        if not start:
            start.append(in_jaws)
        turns.append(_turn_deg(start[0], in_jaws))

    plan = Plan(
        instruction=f"Pour tea into the {cup}",
        steps=(
            Step("pick", {"object": "teapot"}),
            Step("pour", {"source": "teapot", "target": cup}),
        ),
    )
    result = run_episode("tea", seed, plan, watch=watch, settle_s=0.1)
    assert len(turns) > 100  # watched through the whole pour
    assert max(turns) < MAX_TURN_DEG
    assert [s.status for s in result.steps] == ["succeeded"] * 2, result.reasons
    assert result.world.objects[cup].filled >= 0.5
