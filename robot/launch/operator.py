"""The operator of a run: feeds instructions one at a time and follows each to its end.

It stands where a person at the CLI or the kiosk stands: it publishes an
`Instruction`, watches the brain's `Plan`s and `PlanStatus`es and the cerebellum's
`SkillStatus`es, and when the plan has finished (or failed for good, or was refused)
lets the world settle, then judges the outcome from the world itself.

`poll()` never blocks: `run_nodes(..., until=operator.poll)` drives it.

Its report does not depend on when it polls (the same run gives the same report on a
busy machine). On a simulated clock that only passes when asked (a `SimCerebellum`
not paced to the wall clock) it asks for the settling with `RunUntil`, and it reads
the clock and acts only while the clock stands: at the start, on a request's last
word (the brain's final `PlanStatus`), and once the world has settled. A step is timed
by its `SkillStatus.time_s` when the cerebellum gives one, a `say` step as the step
before it ended (it takes no time). The messages of one poll are taken from their
queues effects first (the brain's `PlanStatus`es, then the `SkillStatus`es they
answer, then the `Plan`s those belong to) and handled causes first, so each is
handled after everything it follows, whenever the poll came.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.msgs import Instruction, Plan, PlanStatus, RunUntil, SkillStatus, Utterance, WorldState
from robot.bus import Bus, fifo, latest
from robot.launch.outcome import judge

SETTLE_S = 1.0
"""Simulated seconds to wait after a plan ends before judging (liquids and objects settle)."""
DEFAULT_TIMEOUT_S = 600.0
"""Simulated seconds an instruction may take before it counts as failed."""
QUEUE = 4096


@dataclass
class StepRecord:
    skill: str
    args: dict[str, str]
    status: str = "pending"
    reason: str = ""
    t_start: float | None = None
    t_end: float | None = None

    def to_json_obj(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "args": self.args,
            "status": self.status,
            "reason": self.reason,
            "t_start": self.t_start,
            "t_end": self.t_end,
        }


@dataclass
class InstructionRecord:
    """One instruction's course: its plan, every step tried, replans, and the verdict.

    plan: the first plan, the one that answers the instruction (the world is judged
    against it). replans: the plans made after a step failed. steps: the steps of all
    of them, in the order they were given.
    """

    instruction: str
    plan: Plan | None = None
    replans: list[Plan] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    state: str = "planning"
    reason: str = ""
    success: bool = False
    judged_by: str = "world"
    """"world" when the ground truth judged it, "skills" without one (a real arm)."""
    said: list[str] = field(default_factory=list)
    before: WorldState | None = None
    after: WorldState | None = None
    offsets: dict[int, int] = field(default_factory=dict)
    """Plan seq -> index in `steps` of that plan's first step."""

    def step_of(self, plan_seq: int, index: int) -> StepRecord | None:
        offset = self.offsets.get(plan_seq)
        return None if offset is None else self.steps[offset + index]

    def plan_of(self, plan_seq: int) -> Plan | None:
        """The first plan or the replan published with `plan_seq`, if it was seen."""
        plans = [self.plan, *self.replans] if self.plan is not None else []
        return next((p for p in plans if p.seq == plan_seq), None)

    def to_json_obj(self) -> dict[str, Any]:
        plan = self.plan.to_json_obj() if self.plan is not None else None
        return {
            "instruction": self.instruction,
            "plan": plan,
            "replans": [p.to_json_obj() for p in self.replans],
            "steps": [s.to_json_obj() for s in self.steps],
            "success": self.success,
            "state": self.state,
            "reason": self.reason,
            "judged_by": self.judged_by,
            "said": self.said,
        }


class Operator:
    """Runs `instructions` in turn on `scene`.

    sim_time_s: the run's clock (simulated seconds). max_replans: the brain's bound, so
    a failed plan of the last attempt is known to be final. on_change(record): called
    whenever a record changes (progress display).
    """

    def __init__(
        self,
        bus: Bus,
        scene: str,
        instructions: list[str],
        sim_time_s: Callable[[], float],
        *,
        max_replans: int,
        has_world: bool = True,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        on_change: Callable[[InstructionRecord], None] = lambda record: None,
    ) -> None:
        self.scene = scene
        self.pending = list(instructions)
        self.records: list[InstructionRecord] = []
        self.clock = sim_time_s
        self.max_replans = max_replans
        self.has_world = has_world
        self.timeout_s = timeout_s
        self.on_change = on_change
        self._instructions = bus.publisher(Instruction)
        self._run_until = bus.publisher(RunUntil)
        self._plans = bus.subscribe(Plan, policy=fifo(QUEUE))
        self._statuses = bus.subscribe(PlanStatus, policy=fifo(QUEUE))
        self._skills = bus.subscribe(SkillStatus, policy=fifo(QUEUE))
        self._speech = bus.subscribe(Utterance, policy=fifo(QUEUE))
        self._world = bus.subscribe(WorldState, policy=latest)
        self.world: WorldState | None = None
        self._current: InstructionRecord | None = None
        self._started_at = 0.0
        self._settled_at: float | None = None
        """When the instruction under way may be judged (s): SETTLE_S after it ended."""

    @property
    def done(self) -> bool:
        return self._current is None and not self.pending

    def poll(self) -> bool:
        """Advance; True once every instruction has been judged."""
        now = self.clock()  # first: the world of that moment has been published by then
        if (w := self._world.poll()) is not None:
            self.world = w
        if self._current is None:
            if not self.pending:
                return True
            if self.has_world and self.world is None:
                return False  # judge needs the world as it was before
            self._start(self.pending.pop(0))
            return False
        record = self._current
        self._follow(record)
        if self._settled_at is None and now - self._started_at > self.timeout_s:
            record.state, record.reason = "failed", f"timed out after {self.timeout_s:.0f} s"
            self._end(now)
        if self._settled_at is not None and now >= self._settled_at:
            self._finish(record)
        return False

    def interrupt(self, why: str) -> None:
        """The run ends early: the instruction under way is interrupted (its running
        step too), the ones not started are recorded as such, each with `why`."""
        record = self._current
        if record is not None:
            self._follow(record)  # take what was published before the end
            record.state, record.reason = "interrupted", why
            for step in record.steps:
                if step.status in ("pending", "running"):
                    step.status = "interrupted" if step.status == "running" else "not started"
            record.after = self.world
            record.success = False
            self._current = None
            self.on_change(record)
        for text in self.pending:
            self.records.append(InstructionRecord(text, state="not started", reason=why))
        self.pending.clear()

    def _start(self, text: str) -> None:
        record = InstructionRecord(instruction=text, before=self.world)
        self.records.append(record)
        self._current = record
        self._started_at = self.clock()
        self._settled_at = None
        self._instructions.publish(Instruction(text=text, source="launch"))
        self.on_change(record)

    def _end(self, now: float) -> None:
        """The instruction under way ended at `now` (s): judge it once settled."""
        self._settled_at = now + SETTLE_S
        self._run_until.publish(RunUntil(time_s=self._settled_at))

    def _follow(self, record: InstructionRecord) -> None:
        # Taken effects first, handled causes first (see the module docstring): a step
        # of a new plan can only be matched once its plan is known.
        statuses = list(iter(self._statuses.poll, None))
        skills = list(iter(self._skills.poll, None))
        while (utterance := self._speech.poll()) is not None:
            record.said.append(utterance.text)
        while (plan := self._plans.poll()) is not None:
            if record.plan is None:
                record.plan = plan
            else:
                record.replans.append(plan)
            record.offsets[plan.seq] = len(record.steps)
            record.steps += [StepRecord(s.skill, dict(s.args)) for s in plan.steps]
            self.on_change(record)
        for skill in skills:
            self._on_skill(record, skill)
        for status in statuses:
            self._on_status(record, status)

    def _on_skill(self, record: InstructionRecord, msg: SkillStatus) -> None:
        step = record.step_of(msg.plan_seq, msg.index)
        if step is None:
            return
        now = self.clock() if msg.time_s is None else msg.time_s
        if msg.state == "running" and step.t_start is None:
            step.t_start = now
        elif msg.state != "running":
            step.t_end = now
        step.status, step.reason = msg.state, msg.reason
        self.on_change(record)

    def _on_status(self, record: InstructionRecord, msg: PlanStatus) -> None:
        plan = record.plan_of(msg.plan_seq)
        if plan is None:
            return  # planning (no seq yet), or another request's
        first = record.offsets[plan.seq]
        for i in range(first, first + msg.step):  # `say` reports via the plan only
            step = record.steps[i]
            if step.skill == "say" and step.status == "pending":
                ends = [s.t_end for s in record.steps[:i] if s.t_end is not None]
                said_at = max(ends, default=self._started_at)
                step.status, step.t_start, step.t_end = "succeeded", said_at, said_at
        record.state, record.reason = msg.state, msg.reason
        final_failure = msg.state == "failed" and plan.attempt >= self.max_replans
        if msg.state in ("succeeded", "refused", "stopped") or final_failure:
            self._end(self.clock())  # a clock that passes only when asked stands here
        self.on_change(record)

    def _finish(self, record: InstructionRecord) -> None:
        record.after = self.world
        finished = record.state in ("succeeded", "refused")
        if self.has_world and record.plan is not None:
            # A refusal succeeds when nothing moved; a plan, when the world shows it done.
            assert record.before is not None and record.after is not None
            verdict = judge(record.plan, self.scene, record.before, record.after)
            record.success = finished and verdict.success
            if not verdict.success:
                record.reason = "; ".join(verdict.reasons)
        else:
            record.judged_by = "skills"
            record.success = finished
        self._current = None
        self.on_change(record)
