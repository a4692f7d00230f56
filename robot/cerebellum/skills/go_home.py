"""go_home(): back to the home pose, keeping whatever is in the gripper."""

from __future__ import annotations

from robot.cerebellum.arm_model import ArmModel
from robot.cerebellum.skills.base import Phase, Skill, SkillContext
from robot.cerebellum.skills.phases import MoveJoints

HOME_SPEED = 0.5


class GoHome(Skill):
    name = "go_home"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        def home(c: SkillContext) -> tuple[float, ...]:
            return c.full_target(c.model.chain_q(c.home))

        return [MoveJoints("home", home, HOME_SPEED)]


HOME_TOOL_POINT_M = (0.20, 0.0, 0.20)
"""Home: the tool 20 cm in front of and 20 cm above the base, gripper level, open a
little: clear of the table and of objects, ready to reach anywhere."""
HOME_GRIPPER_RAD = 0.3


def default_home(model: ArmModel) -> tuple[float, ...]:
    """The home pose (rad, profile order) for `model`'s arm."""
    zero = tuple(0.0 for _ in model.profile.joints)
    q = model.chain.solve_ik(
        HOME_TOOL_POINT_M,
        model.chain_q(zero),
        tool_axis=(1.0, 0.0, 0.0),
        direction=(1.0, 0.0, 0.0),
        what="home",
    )
    home = list(model.with_chain_q(zero, q))
    if model.gripper_index is not None:
        home[model.gripper_index] = HOME_GRIPPER_RAD
    return tuple(home)
