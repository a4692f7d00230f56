"""The decision after a failed step (robot/brain/replan.py), without model or simulator."""

from __future__ import annotations

import pytest

import robot.brain.node
import robot.brain.replan
import robot.launch.episode
from core.msgs import ObjectState, Plan, Step, WorldState
from core.scenes import scene_spec
from robot.brain.planner import PlanResult, refused
from robot.brain.replan import GO_HOME, Failure, next_plan, promise
from robot.brain.world import GRIPPER, SOMEWHERE, START, WorldModel

TEA = scene_spec("tea")
CUP_TO_TRAY = (
    Step("pick", {"object": "cup_red"}),
    Step("place", {"object": "cup_red", "target": "tray"}),
)
SERVE_TEA = (
    Step("pick", {"object": "teapot"}),
    Step("pour", {"source": "teapot", "target": "cup_red"}),
    Step("place", {"object": "teapot", "target": "table"}),
    Step("pick", {"object": "cup_red"}),
    Step("handover", {"object": "cup_red", "person": "guest"}),
)


class RecordingPlanner:
    """Answers with `steps` (or refuses when None) and records what it was asked."""

    def __init__(self, steps: tuple[Step, ...] | None = None) -> None:
        self.steps = steps
        self.asked: list[tuple[str, WorldModel | None, int, str]] = []

    def plan(self, spec, instruction, world=None, attempt=0, language="en", use_cache=True):
        self.asked.append((instruction, world, attempt, language))
        if self.steps is None:
            return PlanResult(refused(instruction, language, "unknown", attempt=attempt))
        return PlanResult(
            Plan(instruction=instruction, steps=self.steps, language=language, attempt=attempt)
        )


def measured(fills: dict[str, float]) -> WorldState:
    """A WorldState that only carries fill levels (positions are not used here)."""
    objects = {name: ObjectState(position=(0.0, 0.0, 0.0), filled=f) for name, f in fills.items()}
    return WorldState(scene="tea", objects=objects)


def run_to(steps: tuple[Step, ...], index: int) -> WorldModel:
    """The brain's model after the steps before `index` succeeded."""
    world = WorldModel.initial(TEA)
    for i, step in enumerate(steps[:index]):
        world = world.apply(step, i)
    return world


def decide(steps, index, holding, planner=None, fills=None, attempt=0, max_replans=2):
    plan = Plan(instruction="do it", steps=steps, language="de", attempt=attempt)
    start = WorldModel.initial(TEA)
    failure = Failure(plan, index, "it went wrong", holding, measured(fills) if fills else None)
    planner = planner or RecordingPlanner()
    return next_plan(
        failure, run_to(steps, index), promise(start, plan), start, planner, TEA, max_replans
    )


def test_a_failed_place_with_nothing_in_hand_picks_the_object_again() -> None:
    planner = RecordingPlanner()
    decision = decide(CUP_TO_TRAY, 1, holding=None, planner=planner)
    assert decision.source == "pick_again"
    assert decision.plan is not None and decision.plan.attempt == 1
    # From home (the arm stopped wherever the failure caught it), pick it up again,
    # then place it.
    assert decision.plan.steps == (GO_HOME, *CUP_TO_TRAY)
    assert decision.plan.language == "de" and decision.plan.instruction == "do it"
    assert decision.world.held is None
    assert decision.world.where("cup_red") == SOMEWHERE
    assert planner.asked == []  # repaired without the model


def test_a_failed_place_still_holding_tries_the_place_again() -> None:
    decision = decide(CUP_TO_TRAY, 1, holding="cup_red")
    assert decision.source == "remaining"
    assert decision.plan is not None and decision.plan.steps == CUP_TO_TRAY[1:]
    assert decision.world.held == "cup_red" and decision.world.where("cup_red") == GRIPPER


def test_a_failed_pick_with_the_object_in_hand_goes_on_after_it() -> None:
    decision = decide(CUP_TO_TRAY, 0, holding="cup_red")  # e.g. the lift stalled
    assert decision.source == "skip_failed"
    assert decision.plan is not None and decision.plan.steps == CUP_TO_TRAY[1:]


def test_a_pour_that_filled_the_cup_before_failing_is_not_repeated() -> None:
    decision = decide(SERVE_TEA, 1, holding="teapot", fills={"teapot": 0.8, "cup_red": 0.7})
    assert decision.source == "skip_failed"
    assert decision.plan is not None and decision.plan.steps == SERVE_TEA[2:]


def test_when_no_repair_keeps_the_promise_the_planner_plans_from_the_corrected_world() -> None:
    # The full cup slipped during the handover and the tea is gone: picking it up again
    # would hand over an empty cup, so the model plans again.
    planner = RecordingPlanner(SERVE_TEA)
    decision = decide(
        SERVE_TEA, 4, holding=None, planner=planner, fills={"teapot": 0.6, "cup_red": 0.0}
    )
    assert decision.source == "planner"
    assert decision.plan is not None and decision.plan.steps == (GO_HOME, *SERVE_TEA)
    [(instruction, world, attempt, language)] = planner.asked
    assert (instruction, attempt, language) == ("do it", 1, "de")
    assert world is not None and world.held is None
    assert world.where("cup_red") == SOMEWHERE and "cup_red" not in world.filled
    assert world.where("teapot") == "table"


def test_with_something_in_hand_the_arm_does_not_go_home_first() -> None:
    planner = RecordingPlanner((SERVE_TEA[2],))
    # The pour failed with the teapot in hand and the rest cannot keep the promise
    # (the cup is full but the teapot is now empty): the planner's plan runs as it is.
    decision = decide(
        SERVE_TEA, 1, holding="teapot", planner=planner, fills={"teapot": 0.1, "cup_red": 0.1}
    )
    assert decision.source == "planner"
    assert decision.plan is not None and decision.plan.steps == (SERVE_TEA[2],)


def test_a_refusal_from_the_planner_is_passed_on() -> None:
    decision = decide(SERVE_TEA, 4, holding=None, fills={"teapot": 0.6, "cup_red": 0.0})
    assert decision.source == "planner"
    assert decision.plan is not None and decision.plan.refused


def test_it_gives_up_after_max_replans_but_still_corrects_the_world() -> None:
    decision = decide(CUP_TO_TRAY, 1, holding=None, attempt=2, max_replans=2)
    assert decision.source == "give_up" and decision.plan is None
    assert decision.world.held is None and decision.world.where("cup_red") == SOMEWHERE


def test_a_dropped_object_can_be_picked_again_but_one_with_a_person_cannot() -> None:
    world = WorldModel.initial(TEA).apply(CUP_TO_TRAY[0]).with_holding(None)
    assert "cup_red" in world.can_pick()
    assert world.where("cup_red") not in (START, *TEA.persons)
    handed = WorldModel.initial(TEA).apply(CUP_TO_TRAY[0])
    handed = handed.apply(Step("handover", {"object": "cup_red", "person": "guest"}))
    assert "cup_red" not in handed.with_holding(None).can_pick()
    with pytest.raises(ValueError, match="newspaper"):
        world.with_holding("newspaper")


def test_the_brain_node_and_the_episodes_share_one_decision() -> None:
    assert robot.brain.node.next_plan is robot.brain.replan.next_plan
    assert robot.launch.episode.next_plan is robot.brain.replan.next_plan
    assert robot.brain.node.DEFAULT_MAX_REPLANS == robot.launch.episode.DEFAULT_MAX_REPLANS
