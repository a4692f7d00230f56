"""The brain node on the bus, against a fake cerebellum (no model, no simulator)."""

from __future__ import annotations

import pytest

from core.errors import ReceiveTimeout
from core.msgs import Instruction, Plan, PlanStatus, SkillCall, SkillStatus, Step, Utterance
from robot.brain.node import ARM_GONE, BrainNode
from robot.brain.planner import PlanResult, refused
from robot.bus import Bus, fifo
from robot.link import BRAIN_LINK_LOST
from robot.node import Node

WAIT_S = 5.0
SERVE = (
    Step("say", {"text": "Hello!"}),
    Step("pick", {"object": "cup_red"}),
    Step("handover", {"object": "cup_red", "person": "guest"}),
)


class ScriptedPlanner:
    """Stands in for the model: a fixed plan per request text, refusals for the rest."""

    def __init__(self, plans: dict[str, tuple[Step, ...]]) -> None:
        self.plans = plans
        self.calls: list[tuple[str, int]] = []

    def plan(self, spec, instruction, world=None, attempt=0, language="en", use_cache=True):
        self.calls.append((instruction, attempt))
        if instruction not in self.plans:
            return PlanResult(refused(instruction, language, "unknown", attempt=attempt), "unknown")
        return PlanResult(
            Plan(
                instruction=instruction,
                steps=self.plans[instruction],
                language=language,
                attempt=attempt,
            )
        )


class FakeCerebellum(Node):
    """Answers each SkillCall: running, then succeeded, or failed for the first
    `fail_times` calls of the skill named `fail_skill`. Reports what it holds as the
    real one does (a pick takes the object, a place or handover lets go); a failure
    with `drop_on_fail` lets go of the held object too (it slipped)."""

    def __init__(
        self, bus: Bus, fail_skill: str = "", fail_times: int = 0, drop_on_fail: bool = False
    ) -> None:
        super().__init__(bus, "fake_cerebellum")
        self.fail_skill = fail_skill
        self.fail_times = fail_times
        self.drop_on_fail = drop_on_fail
        self.held: str | None = None
        self.calls: list[SkillCall] = []
        self.handle(SkillCall, self.on_call, policy=fifo(16))

    def on_call(self, call: SkillCall) -> None:
        self.calls.append(call)
        common = {"plan_seq": call.plan_seq, "index": call.index, "skill": call.step.skill}
        self.bus.publish(SkillStatus(state="running", holding=self.held, **common))
        if call.step.skill == self.fail_skill and self.fail_times > 0:
            self.fail_times -= 1
            if self.drop_on_fail:
                self.held = None
            self.bus.publish(
                SkillStatus(state="failed", reason="cup_red slipped", holding=self.held, **common)
            )
            return
        if call.step.skill == "pick":
            self.held = call.step.args["object"]
        elif call.step.skill in ("place", "handover"):
            self.held = None
        self.bus.publish(SkillStatus(state="succeeded", progress=1.0, holding=self.held, **common))


@pytest.fixture
def bus():
    return Bus()


def run_until_final(bus, planner, instructions, cerebellum, max_replans=2):
    """Run brain + fake cerebellum until every request ended (succeeded, refused, stopped, or
    failed more often than replanning allows); return what was published."""
    statuses = bus.subscribe(PlanStatus, policy=fifo(256))
    plans = bus.subscribe(Plan, policy=fifo(64))
    speech = bus.subscribe(Utterance, policy=fifo(256))
    brain = BrainNode(bus, "tea", planner=planner, max_replans=max_replans)
    brain.start()
    cerebellum.start()
    collected: list[PlanStatus] = []
    try:
        for text in instructions:
            bus.publish(Instruction(text=text))
        ended = failures = 0
        while ended < len(instructions):
            try:
                st = statuses.get(timeout=WAIT_S)
            except ReceiveTimeout:
                break
            collected.append(st)
            failures += st.state == "failed"
            if st.state in ("succeeded", "refused", "stopped") or failures > max_replans:
                ended += 1
                failures = 0
    finally:
        brain.stop()
        cerebellum.stop()
    return collected, list(iter(plans.poll, None)), list(iter(speech.poll, None)), brain


def test_plan_is_driven_step_by_step_and_say_steps_stay_in_the_brain(bus):
    cerebellum = FakeCerebellum(bus)
    statuses, plans, speech, brain = run_until_final(
        bus, ScriptedPlanner({"serve": SERVE}), ["serve"], cerebellum
    )
    assert [p.attempt for p in plans] == [0]
    plan = plans[0]
    assert [c.step.skill for c in cerebellum.calls] == ["pick", "handover"]
    assert all(c.plan_seq == plan.seq for c in cerebellum.calls)
    assert [c.index for c in cerebellum.calls] == [1, 2]
    assert statuses[0].state == "planning"
    assert statuses[-1].state == "succeeded" and statuses[-1].step == 3
    assert "Hello!" in [u.text for u in speech]
    assert brain.world.where("cup_red") == "guest"


def test_failed_step_is_replanned_from_the_current_world_in_the_request_language(bus):
    cerebellum = FakeCerebellum(bus, fail_skill="handover", fail_times=1)
    planner = ScriptedPlanner({"Gib dem Gast die rote Tasse.": SERVE})
    statuses, plans, speech, _ = run_until_final(
        bus, planner, ["Gib dem Gast die rote Tasse."], cerebellum
    )
    assert [p.attempt for p in plans] == [0, 1]
    # The gripper still holds the cup: the new plan continues with the handover.
    assert [s.skill for s in plans[1].steps] == ["handover"]
    assert any(s.state == "failed" and "slipped" in s.reason for s in statuses)
    assert statuses[-1].state == "succeeded"
    assert any("noch einmal" in u.text for u in speech)
    assert all(u.language == "de" for u in speech)


def test_replanning_is_bounded(bus):
    cerebellum = FakeCerebellum(bus, fail_skill="pick", fail_times=99)
    _, plans, speech, _ = run_until_final(
        bus, ScriptedPlanner({"serve": SERVE}), ["serve"], cerebellum, max_replans=2
    )
    assert [p.attempt for p in plans] == [0, 1, 2]
    # Each new plan sets off from home (the hand is empty), then tries the pick again.
    assert [c.step.skill for c in cerebellum.calls] == ["pick", "go_home"] * 2 + ["pick"]
    assert "Sorry, I couldn't finish that." in [u.text for u in speech]


def test_refused_request_moves_nothing_and_the_next_one_runs(bus):
    cerebellum = FakeCerebellum(bus)
    statuses, plans, _, _ = run_until_final(
        bus, ScriptedPlanner({"serve": SERVE}), ["bring the newspaper", "serve"], cerebellum
    )
    assert plans[0].refused and not plans[0].steps
    assert [s.state for s in statuses if s.state in ("refused", "succeeded")] == [
        "refused",
        "succeeded",
    ]
    assert all(c.plan_seq == plans[1].seq for c in cerebellum.calls)


CUP_TO_TRAY = (
    Step("pick", {"object": "cup_red"}),
    Step("place", {"object": "cup_red", "target": "tray"}),
)


def test_an_object_dropped_during_a_failed_place_is_picked_up_again(bus):
    cerebellum = FakeCerebellum(bus, fail_skill="place", fail_times=1, drop_on_fail=True)
    planner = ScriptedPlanner({"tray": CUP_TO_TRAY})
    statuses, plans, _, brain = run_until_final(bus, planner, ["tray"], cerebellum)
    assert [p.attempt for p in plans] == [0, 1]
    # The cerebellum says the gripper is empty: the same place would fail again.
    assert plans[1].steps == (Step("go_home", {}), *CUP_TO_TRAY)
    assert [c.step.skill for c in cerebellum.calls] == ["pick", "place", "go_home", "pick", "place"]
    assert statuses[-1].state == "succeeded"
    assert brain.world.where("cup_red") == "tray" and brain.world.held is None
    assert planner.calls == [("tray", 0)]  # repaired without planning from scratch


class CrashesOn(ScriptedPlanner):
    """A planner that raises on one request (as onnxruntime did on a context overflow)."""

    def __init__(self, bad: str, plans: dict[str, tuple[Step, ...]]) -> None:
        super().__init__(plans)
        self.bad = bad

    def plan(self, spec, instruction, world=None, attempt=0, language="en", use_cache=True):
        if instruction == self.bad:
            raise RuntimeError("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : index out of range")
        return super().plan(spec, instruction, world, attempt, language, use_cache)


def test_a_planner_that_raises_refuses_that_request_and_the_brain_goes_on(bus):
    cerebellum = FakeCerebellum(bus)
    planner = CrashesOn("🍵" * 82, {"serve": SERVE})
    statuses, plans, _, brain = run_until_final(bus, planner, ["🍵" * 82, "serve"], cerebellum)
    assert brain.failure is None
    assert plans[0].refused and "planner failed" in plans[0].reason
    assert [s.state for s in statuses if s.state in ("refused", "succeeded")] == [
        "refused",
        "succeeded",
    ]


class LinkLostCerebellum(FakeCerebellum):
    """Fails the handover as the arm does when the brain's link was lost."""

    def on_call(self, call: SkillCall) -> None:
        if call.step.skill != "handover":
            return super().on_call(call)
        self.calls.append(call)
        reason = f"{BRAIN_LINK_LOST} (250 ms silent): skill stopped, arm held"
        common = {"plan_seq": call.plan_seq, "index": call.index, "skill": call.step.skill}
        self.bus.publish(SkillStatus(state="failed", reason=reason, holding=self.held, **common))


def test_a_skill_stopped_for_a_lost_link_ends_the_request_without_a_replan(bus):
    cerebellum = LinkLostCerebellum(bus)
    planner = ScriptedPlanner({"serve": SERVE})
    statuses, plans, _, _ = run_until_final(bus, planner, ["serve"], cerebellum)
    assert [p.attempt for p in plans] == [0]  # only a new request moves the arm again
    assert statuses[-1].state == "stopped" and BRAIN_LINK_LOST in statuses[-1].reason
    assert planner.calls == [("serve", 0)]


class GoneArm:
    """A link watch on an arm that has gone."""

    def lost(self) -> bool:
        return True

    def why(self) -> str:
        return "its process or link closed"


def test_the_brain_ends_its_request_and_refuses_the_waiting_when_the_arm_is_gone(bus):
    statuses = bus.subscribe(PlanStatus, policy=fifo(64))
    brain = BrainNode(bus, "tea", planner=ScriptedPlanner({"serve": SERVE}), arm_link=GoneArm())
    silent = Node(bus, "silent_arm")  # takes the skill call, answers nothing
    calls = silent.handle(SkillCall, lambda call: None, policy=fifo(8))
    brain.start()
    try:
        bus.publish(Instruction(text="serve"))
        bus.publish(Instruction(text="serve"))
        ended = []
        while len(ended) < 2:
            st = statuses.get(timeout=WAIT_S)
            if st.state in ("stopped", "refused"):
                ended.append(st)
    finally:
        brain.stop()
    assert [s.state for s in ended] == ["stopped", "refused"]
    assert all(s.reason.startswith(ARM_GONE) for s in ended)
    assert calls.poll() is not None  # the first request had begun
