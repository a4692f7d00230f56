"""The brain's world model and validator: the rules of docs/architecture.md, "Plan JSON",
one rule each."""

import pytest

from core.errors import PlanRejected
from core.msgs import ObjectState, Step, WorldState
from core.scenes import SCENES
from robot.brain.world import WorldModel, replay

TEA = SCENES["tea"]
CARE = SCENES["care"]


def s(skill: str, **args: str) -> Step:
    return Step(skill, args)


SERVE_RED = [
    s("pick", object="teapot"),
    s("pour", source="teapot", target="cup_red"),
    s("place", object="teapot", target="table"),
    s("pick", object="cup_red"),
    s("handover", object="cup_red", person="guest"),
]


def test_serving_tea_replays_and_tracks_fill_and_location():
    end = replay(WorldModel.initial(TEA), SERVE_RED)
    assert "cup_red" in end.filled and "cup_blue" not in end.filled
    assert end.where("cup_red") == "guest"
    assert end.where("teapot") == "table"
    assert end.held is None


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        ([s("pick", object="tray")], "not something I can pick"),
        ([s("pick", object="cup_red"), s("pick", object="cup_blue")], "while holding"),
        ([s("place", object="cup_red", target="tray")], "holding None"),
        (
            [s("pick", object="cup_red"), s("place", object="cup_red", target="guest")],
            "not a surface",
        ),
        (
            [s("pick", object="cup_red"), s("pour", source="cup_red", target="cup_blue")],
            "not held and full",
        ),
        ([s("pick", object="teapot"), s("pour", source="teapot", target="guest")], "a person"),
        (
            [s("pick", object="teapot"), s("pour", source="teapot", target="tray")],
            "not a container",
        ),
        (
            [s("pick", object="cup_red"), s("handover", object="cup_red", person="table")],
            "not a person",
        ),
        ([s("say", text="  ")], "say needs text"),
        ([s("pick", object="cup_red")], "ends still holding"),
        ([s("pick", object="newspaper")], "not something I can pick"),
    ],
)
def test_each_rule_rejects_with_a_reason(steps, words):
    with pytest.raises(PlanRejected) as err:
        replay(WorldModel.initial(TEA), steps)
    assert words in str(err.value)


def test_pouring_twice_into_a_cup_is_rejected_as_a_spill():
    steps = [
        s("pick", object="teapot"),
        s("pour", source="teapot", target="cup_red"),
        s("pour", source="teapot", target="cup_red"),
    ]
    with pytest.raises(PlanRejected, match="already full") as err:
        replay(WorldModel.initial(TEA), steps)
    assert err.value.step == 2


def test_an_object_given_to_a_person_is_not_taken_back():
    steps = [
        s("pick", object="towel"),
        s("handover", object="towel", person="resident"),
        s("pick", object="towel"),
    ]
    with pytest.raises(PlanRejected, match="resident"):
        replay(WorldModel.initial(CARE), steps)


def test_care_scene_has_nothing_to_pour_into():
    world = WorldModel.initial(CARE).apply(s("pick", object="water_glass"))
    assert world.pour_targets() == ()


def test_world_state_fill_levels_override_the_belief():
    world = WorldModel.initial(TEA)
    state = WorldState(
        scene="tea",
        objects={
            "teapot": ObjectState((0, 0, 0), filled=0.1),
            "cup_blue": ObjectState((0, 0, 0), filled=0.9),
        },
    )
    merged = world.with_world_state(state)
    assert "teapot" not in merged.filled and "cup_blue" in merged.filled


def test_a_full_vessel_of_something_hot_is_never_handed_over() -> None:
    assert TEA.hot == {"teapot"} and not CARE.hot
    hot = (
        Step("pick", {"object": "teapot"}),
        Step("handover", {"object": "teapot", "person": "guest"}),
    )
    with pytest.raises(PlanRejected, match="teapot is full of something hot"):
        replay(WorldModel.initial(TEA), hot)
    water = (
        Step("pick", {"object": "water_glass"}),
        Step("handover", {"object": "water_glass", "person": "resident"}),
    )
    assert replay(WorldModel.initial(CARE), water).where("water_glass") == "resident"
