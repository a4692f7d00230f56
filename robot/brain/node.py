"""The brain node: instructions in, plans and skill calls out, replanning on failure.

Protocol (docs/architecture.md, "The plan on the bus"; robot/bus.py):

- subscribes `Instruction` (fifo), `SkillStatus` (fifo), `WorldState` (latest; read
  again whenever the brain acts on a message, so it acts on the world the cerebellum
  published before that message, not on an older one still in the mailbox);
- per instruction: `PlanStatus(planning, plan_seq=0)` (the plan has no seq yet), then
  the `Plan`, then one `SkillCall(plan_seq, index, step)` per motion step, each after
  the previous one's `SkillStatus` says `succeeded`; `say` steps become `Utterance`s
  here, never SkillCalls; `PlanStatus` follows the steps (running / succeeded /
  failed / refused / stopped);
- every `Instruction` and every last `SkillStatus` of a step (succeeded, failed,
  cancelled) is answered at once with the next `SkillCall`, or with none when the
  request is over: a cerebellum in simulated time keeps its clock still until then
  (robot/cerebellum/sim_node.py). A request's last message is its final `PlanStatus`
  (succeeded, refused, failed with no replan left, or stopped: given up without a
  replan because the link between brain and arm was lost), after all that is said
  about it, so a listener that has it has heard everything;
- on a failed or cancelled step: correct the world model (fill levels from the latest
  `WorldState`, the gripper from `SkillStatus.holding`) and choose the next plan with
  `robot.brain.replan.next_plan` (the same decision the episodes benchmark runs), at
  most `max_replans` times, publishing the new Plan with `attempt` + 1 and saying so in
  the request's language.

Instructions that arrive while a plan runs wait their turn, in order.

A planner that fails on a request (raises, or, in its own process, hangs past its
budget or dies) refuses that request with a reason and the brain goes on with the
next one; the node checks its planner process between requests (`CHECK_PERIOD_S`) and
restarts one that died or stopped beating.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from core.errors import PlanRejected
from core.msgs import Instruction, Plan, PlanStatus, SkillCall, SkillStatus, Utterance, WorldState
from core.scenes import SceneSpec, scene_spec
from robot.brain import speech
from robot.brain.model import DEFAULT_THREADS
from robot.brain.planner import DEFAULT_MODEL_DIR, Planner, refusal
from robot.brain.replan import (
    DEFAULT_MAX_REPLANS,
    Failure,
    PlannerLike,
    PlanResultLike,
    next_plan,
    promise,
)
from robot.brain.world import WorldModel
from robot.bus import Bus, fifo, latest
from robot.link import BRAIN_LINK_LOST, LinkWatch
from robot.node import Node

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_MAX_REPLANS", "BrainNode"]

INSTRUCTION_QUEUE = 16
STATUS_QUEUE = 64
ARM_GONE = "the arm is gone"
"""How a request ended by the arm's silence begins its reason."""
CHECK_PERIOD_S = 0.25
"""How often the node checks a planner process between requests (s)."""


class GuardedPlanner:
    """A planner whose failure on one request refuses that request instead of ending
    the brain: the error is logged (its traceback at debug level)."""

    def __init__(self, planner: PlannerLike) -> None:
        self.planner = planner

    def plan(
        self,
        spec: SceneSpec,
        instruction: str,
        world: WorldModel | None = None,
        attempt: int = 0,
        language: str = "",
    ) -> PlanResultLike:
        try:
            return self.planner.plan(spec, instruction, world, attempt, language)
        except Exception as err:
            log.warning("the planner failed on %r: %s", instruction, err)
            log.debug("the planner's failure", exc_info=True)
            return refusal(instruction, language, "invalid", "the planner failed", attempt, "error")


@dataclass
class _Run:
    """The plan being carried out: the published plan, its step index, its request,
    and what the request's first plan promised from the world it was planned in."""

    instruction: Instruction
    lang: str
    plan: Plan
    start: WorldModel
    promised: WorldModel | None
    index: int = 0


class BrainNode(Node):
    """Plans each `Instruction` and drives the plan step by step through the cerebellum.

    planner: a loaded `Planner` (tests pass one to share it) or a `PlannerProcess`
    (the stacks with a real-time loop decode in a child process); None loads `model_dir`
    in the node's own thread at start, with `threads` onnxruntime intra-op threads.
    narrate: say each motion step as it starts.
    """

    def __init__(
        self,
        bus: Bus,
        scene: str,
        planner: PlannerLike | None = None,
        model_dir: Path | str = DEFAULT_MODEL_DIR,
        max_replans: int = DEFAULT_MAX_REPLANS,
        narrate: bool = True,
        threads: int = DEFAULT_THREADS,
        name: str = "brain",
        arm_link: LinkWatch | None = None,
    ) -> None:
        super().__init__(bus, name, period_s=CHECK_PERIOD_S)
        self.arm_link = arm_link
        self.spec = scene_spec(scene)
        self.planner: PlannerLike | None = planner
        self.model_dir = model_dir
        self.max_replans = max_replans
        self.threads = threads
        self.narrate = narrate
        self.world = WorldModel.initial(self.spec)
        self.world_state: WorldState | None = None
        self._pending: deque[Instruction] = deque()
        self._run: _Run | None = None
        self._plans = bus.publisher(Plan)
        self._statuses = bus.publisher(PlanStatus)
        self._calls = bus.publisher(SkillCall)
        self._speech = bus.publisher(Utterance)
        self.handle(Instruction, self.on_instruction, policy=fifo(INSTRUCTION_QUEUE))
        self.handle(SkillStatus, self.on_skill_status, policy=fifo(STATUS_QUEUE))
        self._worlds = self.handle(WorldState, self.on_world_state, policy=latest)

    # -- life cycle --------------------------------------------------------------------

    def setup(self) -> None:
        if self.planner is None:
            self.planner = Planner(self.model_dir, threads=self.threads)

    @property
    def _guarded(self) -> GuardedPlanner:
        """The planner, a failure of which refuses the request at hand."""
        assert self.planner is not None  # loaded by setup
        return GuardedPlanner(self.planner)

    def tick(self) -> None:
        """Say the arm is gone when its beats stop; between requests, restart a planner
        process that died or hangs."""
        if self.busy and self.arm_link is not None and self.arm_link.lost():
            self._arm_gone(f"{ARM_GONE} ({self.arm_link.why()})")
        check = getattr(self.planner, "check", None)
        if check is not None and (done := check()) is not None:
            log.warning("%s", done)

    @property
    def busy(self) -> bool:
        return self._run is not None or bool(self._pending)

    # -- handlers ------------------------------------------------------------------------

    def on_world_state(self, msg: WorldState) -> None:
        if msg.scene == self.spec.name:
            self.world_state = msg

    def _measured(self) -> WorldState | None:
        """The latest `WorldState`, read now (see the module docstring)."""
        if (msg := self._worlds.poll()) is not None:
            self.on_world_state(msg)
        return self.world_state

    def on_instruction(self, msg: Instruction) -> None:
        self._pending.append(msg)
        if self._run is None:
            self._next_instruction()

    def on_skill_status(self, msg: SkillStatus) -> None:
        run = self._run
        if run is None or msg.plan_seq != run.plan.seq or msg.index != run.index:
            return  # progress of an older plan or step: nothing to do
        if msg.state == "running":
            return
        step = run.plan.steps[run.index]
        if msg.state == "succeeded":
            try:
                self.world = self.world.apply(step, run.index)
            except PlanRejected as err:  # the plan was validated; this means a bug
                log.error("world model disagrees with a succeeded step: %s", err)
            run.index += 1
            self._advance()
            return
        reason = msg.reason or f"{step.skill} {msg.state}"
        if reason.startswith(BRAIN_LINK_LOST):  # only a new request moves the arm again
            self._give_up(run, reason)
            self._next_instruction()
            return
        self._replan(run, Failure(run.plan, run.index, reason, msg.holding, self._measured()))

    # -- planning and driving ---------------------------------------------------------------

    def _current_world(self) -> WorldModel:
        world = self.world
        if (measured := self._measured()) is not None:
            world = world.with_world_state(measured)
        return world

    def _say(self, text: str, lang: str) -> None:
        self._speech.publish(Utterance(text=text, language=lang))

    def _status(self, run: _Run, state: str, reason: str = "") -> None:
        self._statuses.publish(
            PlanStatus(
                plan_seq=run.plan.seq,
                state=state,
                step=run.index,
                step_count=len(run.plan.steps),
                reason=reason,
            )
        )

    def _next_instruction(self) -> None:
        while self._run is None and self._pending:
            instr = self._pending.popleft()
            lang = speech.language_of(instr.text, instr.language)
            self._statuses.publish(PlanStatus(plan_seq=0, state="planning"))
            start = self._current_world()
            plan = self._guarded.plan(self.spec, instr.text, start, language=lang).plan
            plan = self._plans.publish(plan)
            run = _Run(instr, lang, plan, start, promise(start, plan))
            if plan.refused:
                self._say(plan.reason, lang)
                self._status(run, "refused", plan.reason)
                continue
            self._run = run
            self._say(speech.event_text("start", lang), lang)
            self._advance()

    def _advance(self) -> None:
        """Run `say` steps here; send the next motion step; finish when none is left."""
        run = self._run
        assert run is not None
        steps = run.plan.steps
        while run.index < len(steps) and steps[run.index].skill == "say":
            self._status(run, "running")
            self._say(steps[run.index].args["text"], run.lang)
            run.index += 1
        if run.index >= len(steps):
            self._say(speech.event_text("done", run.lang), run.lang)
            self._status(run, "succeeded")
            self._run = None
            self._next_instruction()
            return
        step = steps[run.index]
        self._status(run, "running")
        if self.narrate:
            self._say(speech.narrate(step, run.lang, self.spec.name), run.lang)
        self._calls.publish(SkillCall(plan_seq=run.plan.seq, index=run.index, step=step))

    def _give_up(self, run: _Run, reason: str) -> None:
        """End the request without a replan: "stopped", the last word on it."""
        self._run = None
        self._say(speech.event_text("give_up", run.lang), run.lang)
        self._status(run, "stopped", reason)

    def _arm_gone(self, reason: str) -> None:
        """End the running request and refuse those waiting: nothing moves them now."""
        log.warning("brain: %s", reason)
        if self._run is not None:
            self._give_up(self._run, reason)
        while self._pending:
            instr = self._pending.popleft()
            lang = speech.language_of(instr.text, instr.language)
            plan = Plan(instruction=instr.text, refused=True, reason=reason, language=lang)
            refused = self._plans.publish(plan)
            self._say(speech.event_text("give_up", lang), lang)
            self._statuses.publish(PlanStatus(plan_seq=refused.seq, state="refused", reason=reason))

    def _replan(self, run: _Run, failure: Failure) -> None:
        """Go on with the plan `next_plan` chooses, or give up after `max_replans`. The
        step's failure is published once that is decided: given up, it is the request's
        last message (see the module docstring)."""
        decision = next_plan(
            failure, self.world, run.promised, run.start, self._guarded, self.spec, self.max_replans
        )
        # What the cerebellum measured wins over what the brain assumed.
        self.world = decision.world
        self._run = None
        if decision.plan is None:
            self._say(speech.event_text("give_up", run.lang), run.lang)
            self._status(run, "failed", failure.reason)
            self._next_instruction()
            return
        self._status(run, "failed", failure.reason)
        log.info("replanning %r (%s): %s", run.instruction.text, decision.source, failure.reason)
        self._say(speech.event_text("replan", run.lang), run.lang)
        self._statuses.publish(PlanStatus(plan_seq=0, state="planning", reason=failure.reason))
        plan = self._plans.publish(decision.plan)
        new_run = _Run(run.instruction, run.lang, plan, run.start, run.promised)
        if plan.refused:
            self._say(plan.reason, run.lang)
            self._status(new_run, "refused", plan.reason)
            self._next_instruction()
            return
        self._run = new_run
        self._advance()
