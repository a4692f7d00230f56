"""Success judged from the world: positions, surfaces in their own frame, fill, upright."""

from __future__ import annotations

import math

from core.msgs import ObjectState, PersonState, Plan, Step, SurfaceState, WorldState
from core.pose import quat_from_yaw
from robot.launch.outcome import judge, judge_expectation

UPRIGHT = (0.0, 0.0, 0.0, 1.0)
TRAY_TOP = 0.77


def tea_world(cup_blue, tray_yaw=0.0, cup_red_filled=0.0, cup_red_tilt=UPRIGHT) -> WorldState:
    return WorldState(
        scene="tea",
        objects={
            "teapot": ObjectState((0.2, 0.2, 0.75), UPRIGHT, 1.0),
            "cup_red": ObjectState((0.3, 0.0, 0.75), cup_red_tilt, cup_red_filled),
            "cup_blue": ObjectState(cup_blue, UPRIGHT, 0.0),
            "tray": ObjectState((0.0, -0.3, 0.75), quat_from_yaw(tray_yaw)),
        },
        persons={"guest": PersonState((0.1, 0.3, 0.95))},
        surfaces={
            "table": SurfaceState((0.19, 0.0, 0.75), (0.31, 0.5, 0.0)),
            "tray": SurfaceState((0.0, -0.3, TRAY_TOP), (0.085, 0.06, 0.0)),
        },
    )


BEFORE = tea_world((0.2, -0.2, 0.75))
TO_TRAY = Plan(
    instruction="x",
    steps=(
        Step("pick", {"object": "cup_blue"}),
        Step("place", {"object": "cup_blue", "target": "tray"}),
    ),
)


def test_a_cup_on_the_tray_succeeds_and_off_it_fails() -> None:
    assert judge(TO_TRAY, "tea", BEFORE, tea_world((0.07, -0.3, TRAY_TOP))).success
    verdict = judge(TO_TRAY, "tea", BEFORE, tea_world((0.2, -0.2, 0.75)))
    assert not verdict.success and "cup_blue is not on tray" in verdict.reasons


def test_a_turned_tray_is_judged_in_its_own_frame() -> None:
    # 7.5 cm along the tray's long side: on it. Turned 90 degrees, that is the world's y.
    on_turned = tea_world((0.0, -0.225, TRAY_TOP), tray_yaw=math.pi / 2)
    assert judge(TO_TRAY, "tea", BEFORE, on_turned).success
    off_unturned = tea_world((0.0, -0.225, TRAY_TOP))
    assert not judge(TO_TRAY, "tea", BEFORE, off_unturned).success


def test_fill_and_upright_come_from_the_world() -> None:
    pour = Plan(
        instruction="x",
        steps=(
            Step("pick", {"object": "teapot"}),
            Step("pour", {"source": "teapot", "target": "cup_red"}),
            Step("place", {"object": "teapot", "target": "table"}),
        ),
    )
    assert judge(pour, "tea", BEFORE, tea_world((0.2, -0.2, 0.75), cup_red_filled=0.8)).success
    assert not judge(pour, "tea", BEFORE, tea_world((0.2, -0.2, 0.75), cup_red_filled=0.3)).success
    tipped = (math.sin(0.4), 0.0, 0.0, math.cos(0.4))  # 46 degrees about x
    verdict = judge(
        pour, "tea", BEFORE, tea_world((0.2, -0.2, 0.75), cup_red_filled=0.8, cup_red_tilt=tipped)
    )
    assert "cup_red has tipped over" in verdict.reasons


def test_a_refusal_succeeds_only_if_nothing_moved() -> None:
    refused = Plan(instruction="Throw the teapot", refused=True, reason="unsafe")
    assert judge(refused, "tea", BEFORE, BEFORE).success
    assert not judge(refused, "tea", BEFORE, tea_world((0.3, -0.1, 0.75))).success


def test_a_handover_counts_on_the_palm_not_on_the_table_below_it() -> None:
    # The guest's handover point is (0.1, 0.3, 0.95): the palm's top is 2 cm below it.
    to_guest = Plan(
        instruction="x",
        steps=(
            Step("pick", {"object": "cup_blue"}),
            Step("handover", {"object": "cup_blue", "person": "guest"}),
        ),
    )
    assert judge(to_guest, "tea", BEFORE, tea_world((0.12, 0.3, 0.93))).success
    fell_below = judge(to_guest, "tea", BEFORE, tea_world((0.12, 0.3, 0.87)))  # 8 cm away
    assert not fell_below.success and "cup_blue is not with guest" in fell_below.reasons


def test_an_expectation_is_judged_on_the_world_whatever_the_plan() -> None:
    # The dev cases' `expect`: what is full, what stays empty, what ends where.
    on_tray_full = tea_world((0.07, -0.3, TRAY_TOP), cup_red_filled=0.8)
    expect = {"filled": ["cup_red"], "empty": ["cup_blue"], "at": {"cup_blue": "tray"}}
    assert judge_expectation(expect, "tea", BEFORE, on_tray_full, said=False).success
    not_poured = tea_world((0.07, -0.3, TRAY_TOP))
    verdict = judge_expectation(expect, "tea", BEFORE, not_poured, said=False)
    assert verdict.reasons == ("cup_red is 0% full, not full",)
    blue_poured = tea_world((0.2, -0.2, 0.75), cup_red_filled=0.8)
    blue_poured.objects["cup_blue"] = ObjectState((0.07, -0.3, TRAY_TOP), UPRIGHT, 0.9)
    verdict = judge_expectation(expect, "tea", BEFORE, blue_poured, said=False)
    assert verdict.reasons == ("cup_blue got poured into but should not have",)


def test_filled_at_needs_one_candidate_both_full_and_there() -> None:
    expect = {"filled_at": [["cup_red", "cup_blue"], "guest"]}
    with_guest = (0.12, 0.3, 0.93)
    full_elsewhere = tea_world(with_guest, cup_red_filled=0.8)  # blue there, red full
    verdict = judge_expectation(expect, "tea", BEFORE, full_elsewhere, said=False)
    assert verdict.reasons == ("none of cup_red, cup_blue is full and at guest",)
    served = tea_world(with_guest)
    served.objects["cup_blue"] = ObjectState(with_guest, UPRIGHT, 0.8)
    assert judge_expectation(expect, "tea", BEFORE, served, said=False).success


def test_unchanged_and_said_expectations() -> None:
    expect = {"unchanged": True, "said": True}
    assert judge_expectation(expect, "tea", BEFORE, BEFORE, said=True).success
    verdict = judge_expectation(expect, "tea", BEFORE, tea_world((0.3, -0.1, 0.75)), said=False)
    assert verdict.reasons == ("cup_blue moved but should not have", "nothing was said")
