"""The skill executor: turns `SkillCall`s into running skills and reports `SkillStatus`.

One skill runs at a time (the brain sends the next step only after the previous one
finished). `update()` is called ~50 times a second from the cerebellum's non-real-time
thread; it never touches the limb, only asks the motion core for targets.

An engaged protective stop (the `EStop` message) fails the running skill ("protective
stop") and cancels its motion; the brain decides what to do next once it is reset.
"""

from __future__ import annotations

import logging

from core.msgs import SkillCall, SkillStatus, WorldState
from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.motion import MotionPort, MotionRequest
from robot.cerebellum.skills.base import Skill, SkillContext, SkillFailed
from robot.cerebellum.skills.go_home import GoHome
from robot.cerebellum.skills.handover import Handover
from robot.cerebellum.skills.pick import Pick
from robot.cerebellum.skills.place import Place
from robot.cerebellum.skills.pour import Pour

log = logging.getLogger(__name__)

JAW_EMPTY_MARGIN_RAD = 0.1
"""Jaws squeezing an object stop on it, well short of their goal (the grasp aims
GRIPPER_SQUEEZE_RAD, 0.25 rad, inside it). Measured within this of the commanded
goal, or opening past it, they hold nothing (rad)."""

SKILLS: dict[str, type[Skill]] = {
    "pick": Pick,
    "place": Place,
    "pour": Pour,
    "handover": Handover,
    "go_home": GoHome,
}


class SkillRunner:
    """Runs one skill at a time over a `SkillContext`."""

    def __init__(self, model: ArmModel, core: MotionPort, home: tuple[float, ...]) -> None:
        self.ctx = SkillContext(model, core, home)
        self.call: SkillCall | None = None
        self.skill: Skill | None = None

    @property
    def busy(self) -> bool:
        return self.skill is not None

    def start(self, call: SkillCall) -> SkillStatus:
        """Begin a skill; returns its first status (running, or failed at once)."""
        if self.call is not None:
            self.cancel("superseded by a new step")
        self.call = call
        skill_type = SKILLS.get(call.step.skill)
        if skill_type is None:
            return self._finish("failed", f"the cerebellum has no skill {call.step.skill!r}")
        try:
            self.skill = skill_type(self.ctx, call.step.args)
        except SkillFailed as err:
            return self._finish("failed", err.reason)
        return self._status("running")

    def see(self, world: WorldState) -> None:
        """Take `world` as the latest: the next skill started reads it."""
        self.ctx.world = world

    def update(self, world: WorldState | None, now_s: float) -> SkillStatus | None:
        """Advance the running skill; returns a status when it finished, or when what
        the gripper holds changed (a "running" one: a camera's world carries the thing
        with the gripper from then on), else None. world: the latest, as `see` takes it
        (None: the one `see` was last given)."""
        if world is not None:
            self.see(world)
        self.ctx.now_s = now_s
        if self.skill is None:
            return None
        if self.ctx.core.estop_engaged:
            return self.cancel("protective stop", state="failed")
        held = self.ctx.held
        try:
            done = self.skill.update(self.ctx)
        except SkillFailed as err:
            self.hold()
            return self._finish("failed", err.reason)
        if done:
            return self._finish("succeeded")
        return self._status("running") if self.ctx.held != held else None

    def cancel(self, reason: str, state: str = "cancelled") -> SkillStatus | None:
        """Stop the running skill where the arm is; returns its final status."""
        if self.call is None:
            return None
        self.hold()
        return self._finish(state, reason)

    def hold(self) -> None:
        """Ask the motion core to stay where it is commanded now."""
        core = self.ctx.core
        if core.commanded:
            core.request(MotionRequest(target=core.commanded))

    def _status(self, state: str, reason: str = "") -> SkillStatus:
        assert self.call is not None
        progress = 1.0 if state == "succeeded" else (self.skill.progress if self.skill else 0.0)
        return SkillStatus(
            plan_seq=self.call.plan_seq,
            index=self.call.index,
            skill=self.call.step.skill,
            state=state,  # type: ignore[arg-type]
            reason=reason,
            progress=progress,
            # What the grasp check believes is in the gripper: after a failure the brain
            # replans from it (a dropped object must be picked again).
            holding=self.ctx.held,
        )

    def check_grasp(self) -> None:
        """Forget a held object the jaws no longer hold (it slipped out on the way), so
        `SkillStatus.holding` and the next skill agree with the gripper."""
        ctx = self.ctx
        index = ctx.model.gripper_index
        state = ctx.core.latest_state
        if ctx.held is None or index is None or state is None:
            return
        if state.position[index] <= ctx.gripper_goal + JAW_EMPTY_MARGIN_RAD:
            log.info("the jaws hold nothing: %s is no longer in the gripper", ctx.held)
            ctx.held = None
            ctx.held_from = None

    def _finish(self, state: str, reason: str = "") -> SkillStatus:
        if state != "succeeded":
            self.check_grasp()
        status = self._status(state, reason)
        if state != "succeeded":
            log.info("skill %s %s: %s", status.skill, state, reason)
        self.call = None
        self.skill = None
        return status
