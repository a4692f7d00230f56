"""Where the tool frame goes to grasp, hold over, place or hand over an object.

All positions in metres, world frame. A horizontal tool's axes with the wrist roll at
zero: x (approach) along the radial direction u from the arm's base, z up, so
y = (-u_y, u_x, 0). A tool pointing down: x = (0, 0, -1), y the same as above before
the wrist rolls.
"""

from __future__ import annotations

import math

import numpy as np

from robot.cerebellum.skills.base import SkillContext, SkillFailed
from robot.cerebellum.skills.grasps import FIXED_JAW_FACE_Y, Grasp, grasp_of

DOWN = np.array([0.0, 0.0, -1.0])
UP = np.array([0.0, 0.0, 1.0])


def tool_y(approach: np.ndarray) -> np.ndarray:
    """The tool's y axis (jaw closing direction) for a horizontal approach, roll 0."""
    return np.array([-approach[1], approach[0], 0.0])


OFFSET_ITERATIONS = 4


def offset_side_pose(
    ctx: SkillContext, centre: np.ndarray, offset: float
) -> tuple[np.ndarray, np.ndarray]:
    """(tool point, approach) for a horizontal tool whose y axis passes `offset` (m) from
    `centre`: the tool point = centre - y * offset. A 5-axis arm keeps its tool and its
    approach axis in one vertical plane through the pan axis, so the approach must be
    radial to the *tool point*, not to the centre; a few fixed-point steps find it."""
    point = centre
    approach = ctx.radial_approach(centre)
    for _ in range(OFFSET_ITERATIONS):
        point = centre - tool_y(approach) * offset
        approach = ctx.radial_approach(point)
    return point, approach


def require_grasp(ctx: SkillContext, name: str) -> Grasp:
    grasp = grasp_of(ctx.thing(name))
    if grasp is None:
        raise SkillFailed(f"cannot grasp {name}: no known way to hold it")
    return grasp


def wrap_half_turn(angle: float) -> float:
    """The angle (rad) modulo pi, in [-pi/2, pi/2): jaws are symmetric under a half turn."""
    return (angle + math.pi / 2) % math.pi - math.pi / 2


def roll_across(ctx: SkillContext, point: np.ndarray, across: np.ndarray) -> float:
    """Wrist roll (rad) of a tool pointing down at `point` (world) whose jaws close along
    the horizontal direction `across` (either way: the jaws are symmetric)."""
    y0 = tool_y(ctx.radial_approach(point))
    return wrap_half_turn(math.atan2(y0[1], y0[0]) - math.atan2(across[1], across[0]))


def grasp_pose(ctx: SkillContext, name: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(tool point, approach direction, wrist roll) to grasp `name` where it is now,
    with the object just off the fixed jaw (it slides onto it as the jaw closes)."""
    grasp = require_grasp(ctx, name)
    centre = ctx.object_position(name) + UP * grasp.height
    if grasp.style == "side":
        point, approach = offset_side_pose(ctx, centre, grasp.lateral_offset)
        return point, approach, 0.0
    # From above: roll the wrist so the jaws close across the object's y axis.
    world = ctx.require_world()
    x, y, z, w = world.objects[name].orientation
    object_y = np.array([2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)])
    roll = roll_across(ctx, centre, object_y)
    y0 = tool_y(ctx.radial_approach(centre))
    c, s = math.cos(-roll), math.sin(-roll)
    y_rolled = np.array([c * y0[0] - s * y0[1], s * y0[0] + c * y0[1], 0.0])
    return centre - y_rolled * grasp.lateral_offset, DOWN, roll


def held_offset(grasp: Grasp) -> float:
    """Where a held object's centre sits on the tool's y axis: against the fixed jaw."""
    return FIXED_JAW_FACE_Y + grasp.half_width


def pose_holding_at(
    ctx: SkillContext, name: str, bottom: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """(tool point, approach, roll) that puts held `name`'s bottom centre at `bottom`,
    gripper horizontal (side grasps) or pointing down (top grasps)."""
    grasp = require_grasp(ctx, name)
    centre = bottom + UP * grasp.height
    point, approach = offset_side_pose(ctx, centre, held_offset(grasp))
    if grasp.style == "side":
        return point, approach, 0.0
    return point, DOWN, 0.0


def tool_rotation(approach: np.ndarray) -> np.ndarray:
    """Rotation (3x3, columns x y z) of a tool approaching along `approach` with its y
    axis horizontal (wrist roll zero): level, or pitched down by approach's slope."""
    x = approach / np.linalg.norm(approach)
    y = tool_y(np.array([x[0], x[1], 0.0]) / max(1e-9, float(np.hypot(x[0], x[1]))))
    return np.column_stack((x, y, np.cross(x, y)))


def pitch_of(approach: np.ndarray) -> float:
    """How far (rad) an approach direction points below the horizontal."""
    return math.asin(max(-1.0, min(1.0, -float(approach[2]) / float(np.linalg.norm(approach)))))


def pitched(horizontal: np.ndarray, pitch: float) -> np.ndarray:
    """The horizontal unit direction turned `pitch` rad downward."""
    return horizontal * math.cos(pitch) + np.array([0.0, 0.0, -math.sin(pitch)])


def in_hand_offset(ctx: SkillContext, name: str) -> np.ndarray:
    """Where the held object's bottom centre really is in the tool frame (m), from the
    world's ground truth: grasps never land exactly where they were aimed."""
    tool = ctx.model.tool_pose(ctx.commanded())
    return tool[:3, :3].T @ (ctx.object_position(name) - tool[:3, 3])


def held_pose(
    ctx: SkillContext, name: str, bottom: np.ndarray, pitch: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(tool point, approach) that puts held `name`'s bottom centre at `bottom` (world)
    with the tool pitched `pitch` rad down; by default its present pitch, so an object
    picked upright with a tilted gripper stays upright. Uses the object's measured
    place in the gripper."""
    offset = in_hand_offset(ctx, name)
    if pitch is None:
        pitch = pitch_of(ctx.model.tool_pose(ctx.commanded())[:3, 0])
    point = bottom.copy()
    approach = pitched(ctx.radial_approach(bottom), pitch)
    for _ in range(OFFSET_ITERATIONS):
        point = bottom - tool_rotation(approach) @ offset
        approach = pitched(ctx.radial_approach(point), pitch)
    return point, approach


def solve_held(ctx: SkillContext, name: str, bottom: np.ndarray, what: str) -> np.ndarray:
    """Chain joints for `held_pose`: the present pitch if reachable (the object stays as
    upright as it was picked), else level. Raises SkillFailed("<what> out of reach")."""
    present = pitch_of(ctx.model.tool_pose(ctx.commanded())[:3, 0])
    for pitch in (present, 0.0):
        point, approach = held_pose(ctx, name, bottom, pitch)
        try:
            return ctx.solve(point, approach, what, roll=0.0)
        except SkillFailed:
            continue
    raise SkillFailed(f"{what} out of reach")
