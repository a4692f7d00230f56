"""What to do after a failed step: the one decision the brain node and the episodes share.

Given the plan that was running, the failed step, its reason, what the gripper holds
(`SkillStatus.holding`, from the cerebellum's grasp check) and the measured
`WorldState`, `next_plan` corrects the brain's world model and picks the next plan:

1. the rest of the plan from the failed step (try it again),
2. the rest without the failed step (what it was for already happened: a pour that
   filled the cup before it failed, a pick whose object is in the gripper),
3. the rest after picking up again the object the failed step needed in hand (it
   slipped or was dropped),

the first of these that replays on the corrected world model *and* still delivers what
the instruction's first plan promised (every object it moves ends where promised,
every container it fills ends full); else a fresh plan from the planner; and it gives
up once `max_replans` new plans have been made. With an empty hand the next plan
starts with `go_home`: the failure stopped the arm wherever it was, and the skills set
off best from home (with something in hand the arm stays: carrying a full vessel home
is a spill risked for nothing). The brain sees no joint angle here: only names, fill
levels and what is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import msgspec

from core.errors import PlanRejected
from core.msgs import Plan, Step, WorldState
from core.scenes import SceneSpec
from robot.brain.world import WorldModel, replay

DEFAULT_MAX_REPLANS = 2
"""New plans per instruction after its first one fails."""

HELD_ARG: dict[str, str] = {"place": "object", "handover": "object", "pour": "source"}
"""For a skill that needs an object in hand, the argument naming it."""

GO_HOME = Step("go_home", {})

Source = Literal["remaining", "skip_failed", "pick_again", "planner", "give_up"]


class PlanResultLike(Protocol):
    plan: Plan


class PlannerLike(Protocol):
    """What the brain needs of a planner: `robot.brain.planner.Planner`, or
    `robot.brain.planner_process.PlannerProcess` running one in a child process."""

    def plan(
        self,
        spec: SceneSpec,
        instruction: str,
        world: WorldModel | None = None,
        attempt: int = 0,
        language: str = "",
    ) -> PlanResultLike: ...


@dataclass(frozen=True)
class Failure:
    """A step that did not succeed, with what was measured when it ended.

    plan: the plan that was running; index: the failed step's index in it.
    reason: the cerebellum's sentence, for the log and the PlanStatus.
    holding: what the gripper holds now (`SkillStatus.holding`).
    measured: the latest `WorldState` (fill levels are taken from it), if any.
    """

    plan: Plan
    index: int
    reason: str
    holding: str | None
    measured: WorldState | None = None


@dataclass(frozen=True)
class Replan:
    """The decision: `plan` to run next (None: give up; it may be a refusal), the
    corrected `world` model to run it from, and which rule chose it."""

    plan: Plan | None
    world: WorldModel
    source: Source
    failure: Failure


def promise(start: WorldModel, plan: Plan) -> WorldModel | None:
    """The world model after `plan` from `start`: what the plan promised; None for a
    refused plan or one that does not replay."""
    if plan.refused:
        return None
    try:
        return replay(start, plan.steps)
    except PlanRejected:
        return None


def delivers(end: WorldModel, start: WorldModel, promised: WorldModel) -> bool:
    """True when `end` has what `promised` changed from `start`: every object it moved
    is where it promised, every container it filled is full."""
    for obj, where in promised.located:
        if where != start.where(obj) and end.where(obj) != where:
            return False
    return (promised.filled - start.filled) <= end.filled


def corrected_world(world: WorldModel, failure: Failure) -> WorldModel:
    """The brain's model after the failure: fill levels measured, the gripper as the
    cerebellum reports it."""
    if failure.measured is not None:
        world = world.with_world_state(failure.measured)
    return world.with_holding(failure.holding)


def candidates(failure: Failure, world: WorldModel) -> list[tuple[Source, tuple[Step, ...]]]:
    """The repairs of the running plan to try, in order (see the module docstring)."""
    remaining = failure.plan.steps[failure.index :]
    out: list[tuple[Source, tuple[Step, ...]]] = [("remaining", remaining)]
    if remaining:
        out.append(("skip_failed", remaining[1:]))
        failed = remaining[0]
        needed = failed.args.get(HELD_ARG.get(failed.skill, ""))
        if needed is not None and world.held != needed:
            out.append(("pick_again", (Step("pick", {"object": needed}), *remaining)))
    return out


def next_plan(
    failure: Failure,
    world: WorldModel,
    promised: WorldModel | None,
    start: WorldModel,
    planner: PlannerLike,
    spec: SceneSpec,
    max_replans: int = DEFAULT_MAX_REPLANS,
) -> Replan:
    """The next plan after `failure` (see the module docstring).

    world: the brain's model before the failed step (after the steps that succeeded).
    promised / start: the first plan's promise and the model it was planned from
    (`promise(start, first_plan)`); None promised skips the "still delivers" test.
    """
    now = corrected_world(world, failure)
    attempt = failure.plan.attempt + 1
    if attempt > max_replans:
        return Replan(None, now, "give_up", failure)
    plan = failure.plan
    for source, steps in candidates(failure, now):
        if not steps:
            continue
        try:
            end = replay(now, steps)
        except PlanRejected:
            continue
        if promised is not None and not delivers(end, start, promised):
            continue
        repaired = Plan(
            instruction=plan.instruction,
            steps=from_home(now, steps),
            language=plan.language,
            attempt=attempt,
        )
        return Replan(repaired, now, source, failure)
    fresh = planner.plan(spec, plan.instruction, now, attempt, plan.language).plan
    if not fresh.refused:
        fresh = msgspec.structs.replace(fresh, steps=from_home(now, fresh.steps))
    return Replan(fresh, now, "planner", failure)


def from_home(world: WorldModel, steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """`steps`, starting with `go_home` when the hand is empty (see the module docstring)."""
    if world.held is not None or (steps and steps[0].skill == "go_home"):
        return steps
    return (GO_HOME, *steps)
