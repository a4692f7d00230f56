"""Episodes: a plan run in a seeded scene through the cerebellum's skills, judged from
the world (robot/launch/episode.py)."""

from __future__ import annotations

import numpy as np
import pytest

from robot.launch.episode import EpisodeResult, run_episode
from robot.msgs import Plan, Step


def cup_to_tray() -> Plan:
    return Plan(
        instruction="Put the red cup on the tray",
        steps=(
            Step("say", {"text": "Putting the red cup on the tray."}),
            Step("pick", {"object": "cup_red"}),
            Step("place", {"object": "cup_red", "target": "tray"}),
        ),
    )


def test_a_cup_to_the_tray_succeeds_and_reports_every_step() -> None:
    result = run_episode("tea", 0, cup_to_tray())
    assert result.verdict.success, result.reasons
    assert result.success and result.reasons == ()
    assert [s.status for s in result.steps] == ["succeeded"] * 3
    assert [s.skill for s in result.steps] == ["say", "pick", "place"]
    times = [t for s in result.steps for t in (s.t_start, s.t_end)]
    assert times == sorted(times) and times[0] == 0.0
    assert result.steps[0].t_start == result.steps[0].t_end  # say needs no motion
    assert result.sim_time_s > result.steps[-1].t_end  # settled before judging
    assert result.spilled == 0 and result.on_person == 0
    tray = result.world.surfaces["tray"]
    cup = np.asarray(result.world.objects["cup_red"].position)
    assert np.all(np.abs(cup[:2] - tray.position[:2]) <= np.asarray(tray.half_extents[:2]))
    assert cup[2] == pytest.approx(tray.position[2], abs=0.01)
    assert result.world.objects["teapot"].filled == pytest.approx(1.0)  # untouched, still full


def test_a_failed_step_stops_the_plan_and_the_world_judges_it() -> None:
    plan = Plan(
        instruction="Put the red cup on the tray",
        steps=(
            Step("place", {"object": "cup_red", "target": "tray"}),  # not holding it
            Step("pick", {"object": "cup_red"}),
        ),
    )
    result = run_episode("tea", 1, plan, settle_s=0.1)
    assert [s.status for s in result.steps] == ["failed", "skipped"]
    assert "not holding" in result.steps[0].reason
    assert not result.verdict.success and not result.success
    assert result.verdict.reasons  # the judge says why, from the world
    assert any("place failed" in r for r in result.reasons)
    assert result.world.objects["cup_red"].position == pytest.approx(
        result.before.objects["cup_red"].position, abs=0.005
    )  # nothing moved


FAMILY_PLANS: dict[str, tuple[str, Plan]] = {
    "serve_tea": (
        "tea",
        Plan(
            instruction="Bring the guest a cup of tea",
            steps=(
                Step("pick", {"object": "teapot"}),
                Step("pour", {"source": "teapot", "target": "cup_red"}),
                Step("place", {"object": "teapot", "target": "table"}),
                Step("pick", {"object": "cup_red"}),
                Step("handover", {"object": "cup_red", "person": "guest"}),
            ),
        ),
    ),
    "fill_cup": (
        "tea",
        Plan(
            instruction="Pour tea into the red cup",
            steps=(
                Step("pick", {"object": "teapot"}),
                Step("pour", {"source": "teapot", "target": "cup_red"}),
                Step("place", {"object": "teapot", "target": "table"}),
            ),
        ),
    ),
    "cups_to_tray": (
        "tea",
        Plan(
            instruction="Put both cups on the tray",
            steps=(
                Step("pick", {"object": "cup_blue"}),
                Step("place", {"object": "cup_blue", "target": "tray"}),
                Step("pick", {"object": "cup_red"}),
                Step("place", {"object": "cup_red", "target": "tray"}),
            ),
        ),
    ),
    "pill_box_handover": (
        "care",
        Plan(
            instruction="Hand the pill box to the resident",
            steps=(
                Step("pick", {"object": "pill_box"}),
                Step("handover", {"object": "pill_box", "person": "resident"}),
            ),
        ),
    ),
    "water_glass_handover": (
        "care",
        Plan(
            instruction="Bring the water glass to the resident",
            steps=(
                Step("pick", {"object": "water_glass"}),
                Step("handover", {"object": "water_glass", "person": "resident"}),
            ),
        ),
    ),
    "towel_to_basket": (
        "care",
        Plan(
            instruction="Put the towel in the basket",
            steps=(
                Step("pick", {"object": "towel"}),
                Step("place", {"object": "towel", "target": "basket"}),
            ),
        ),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("family", sorted(FAMILY_PLANS))
def test_each_family_succeeds(family: str, seed: int) -> None:
    scene, plan = FAMILY_PLANS[family]
    result: EpisodeResult = run_episode(scene, seed, plan)
    assert result.success, result.reasons
    assert result.on_person == 0
