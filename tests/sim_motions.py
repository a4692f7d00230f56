"""Scripted SO-101 motions for the twin's tests: closed-form IK and grasp/pour scripts.

Test-only: the cerebellum owns real IK and skills. These scripts prove that grasps and
pours work by physics alone, and document the geometry that works:

- Side grasp (cups, teapot, glass): gripper horizontal (pitch 0), roll 0, pointing
  radially away from the arm's base; come in along that line from 6 cm short of the
  object; come down APPROACH from above to its grasp height (low grasps near the base
  cannot come in horizontally: the wrist runs out of range), with the object centre
  GRASP_CLEARANCE further towards the moving jaw than touching the fixed jaw, jaw open
  OPEN_RAD; then close to
  CLOSED_RAD (the jaw stops on the object and squeezes with the servo's torque).
- Grasp from above (pill box, folded towel): gripper pitched TOP_PITCH_RAD down (the
  wrist cannot point straight down over the table: wrist flex stops at 95 deg), tool
  frame over the object's middle at `height` (about its top minus 4 mm), come down
  APPROACH_TOP, close across the object's narrow side (its y, tangential to the base).
- Pour: lift 10 cm, carry the pot high, come down beside the cup with the spout tip
  over the cup's middle, the gripper's axis POUR_HEIGHT above the cup's rim, and roll the
  wrist (negative roll: the pot's top goes towards the gripper's +y, the spout side)
  to POUR_ROLL_RAD while moving so the spout tip stays over the cup.
"""

from __future__ import annotations

import math

import numpy as np

from core.catalogue.geometry import WALL_M, spout_tip
from core.descriptions.so101 import generate_urdf as so101
from core.pose import quat_matrix
from sim.scene import Scene

FIXED_JAW = so101.FIXED_JAW_FACE_Y
REACH_WRIST = so101.WRIST + so101.GRIPPER_FRAME_X  # wrist flex -> tool frame (m)
OPEN_RAD = 1.5
CLOSED_RAD = -0.17
GRASP_CLEARANCE = 0.008  # m between the object and the fixed jaw while coming in
APPROACH = 0.06  # m above the grasp, where the straight descent starts
APPROACH_TOP = 0.04  # m, the same for grasps from above
TOP_PITCH_RAD = 1.3
POUR_HEIGHT = 0.05  # m from the cup's rim up to the gripper's axis: the lidded pot clears it
POUR_ROLL_RAD = 1.6
STEP_S = 0.1
POUR_TILT_S = 5.0  # s from upright to POUR_ROLL_RAD
POUR_AIM_BACK = 0.015  # m: aim this much short of the cup's middle (the drops fly on)
POUR_HOLD_S = 3.0  # s: the lidded pot lets its tea go one drop at a time
CARRY_ABOVE = 0.04  # m above the pouring height while carrying
LIFT_OUT_STEPS = 5


class Unreachable(ValueError):
    pass


def solve(
    scene: Scene, tool: np.ndarray, pitch: float = 0.0, roll: float = 0.0, gripper: float = 0.0
) -> np.ndarray:
    """Joint angles (rad) putting the tool frame at `tool` (m, world) with the gripper
    pitched `pitch` below horizontal, rolled `roll`; SO-101 only (planar arm)."""
    base = np.asarray(scene.arm.base_position)
    rel = np.asarray(tool, dtype=float) - base
    pan = math.atan2(rel[1], rel[0])
    r = math.hypot(rel[0], rel[1])
    z = rel[2] - so101.PAN_HEIGHT - so101.SHOULDER_HEIGHT
    wr = r - REACH_WRIST * math.cos(pitch)
    wz = z + REACH_WRIST * math.sin(pitch)
    l1, l2 = so101.UPPER_ARM, so101.FOREARM
    s = (l1**2 + l2**2 - wr**2 - wz**2) / (2 * l1 * l2)
    if abs(s) > 1:
        raise Unreachable(f"tool {tool} out of reach")
    elbow = math.asin(s)
    lift = math.atan2(wr, wz) - math.atan2(l2 * math.cos(elbow), l1 - l2 * math.sin(elbow))
    wrist = pitch - lift - elbow
    q = np.array([pan, lift, elbow, wrist, roll, gripper])
    lower = np.array([j.lower for j in scene.arm.profile.joints])
    upper = np.array([j.upper for j in scene.arm.profile.joints])
    if np.any(q[:5] < lower[:5]) or np.any(q[:5] > upper[:5]):
        raise Unreachable(f"tool {tool} needs joints {np.round(q, 3)} beyond the limits")
    return q


def hold(scene: Scene, q: np.ndarray, seconds: float) -> None:
    scene.arm.command(q)
    scene.world.step(round(seconds * scene.world.rate_hz))


def move_line_pitched(
    scene: Scene, a: np.ndarray, b: np.ndarray, seconds: float, gripper: float, pitch: float
) -> np.ndarray:
    """Move the tool along a straight line with the gripper pitched `pitch` (rad) down."""
    n = max(1, round(seconds / STEP_S))
    q = np.zeros(6)
    for k in range(1, n + 1):
        q = solve(scene, a + (b - a) * k / n, pitch=pitch, gripper=gripper)
        hold(scene, q, seconds / n)
    return q


def top_grasp(scene: Scene, name: str, height: float, half_width: float) -> np.ndarray:
    """Grasp object `name` from above, jaws across its `half_width` (m) side, tool frame
    `height` (m) above its bottom; returns the tool position (m) at the grasp."""
    centre = np.array(scene.objects[name].body.frame_pose()[0])
    base = scene.arm.base_position
    yaw = math.atan2(centre[1] - base[1], centre[0] - base[0])
    side = np.array([-math.sin(yaw), math.cos(yaw), 0.0])
    at = centre + np.array([0.0, 0.0, height]) - (half_width - FIXED_JAW + GRASP_CLEARANCE) * side
    above = at + np.array([0.0, 0.0, APPROACH_TOP])
    start = np.array(scene.arm.tool_pose()[0])
    steps = round(1.5 / STEP_S)
    for k in range(1, steps + 1):  # pitch down on the way
        point = start + (above - start) * k / steps
        hold(scene, solve(scene, point, pitch=TOP_PITCH_RAD * k / steps, gripper=OPEN_RAD), STEP_S)
    q = move_line_pitched(scene, above, at, 1.0, OPEN_RAD, TOP_PITCH_RAD)
    q[5] = CLOSED_RAD
    hold(scene, q, 1.0)
    return at


def move_line(
    scene: Scene, a: np.ndarray, b: np.ndarray, seconds: float, gripper: float, roll: float = 0.0
) -> np.ndarray:
    """Move the tool along a straight line (horizontal gripper) in STEP_S steps."""
    n = max(1, round(seconds / STEP_S))
    q = np.zeros(6)
    for k in range(1, n + 1):
        q = solve(scene, a + (b - a) * k / n, roll=roll, gripper=gripper)
        hold(scene, q, seconds / n)
    return q


def side_grasp(scene: Scene, name: str, height: float, radius: float) -> np.ndarray:
    """Grasp object `name` (radius m) from the arm's side at `height` (m above its
    bottom); returns the tool position (m) at the grasp."""
    centre = np.array(scene.objects[name].body.frame_pose()[0])
    yaw = math.atan2(centre[1] - scene.arm.base_position[1], centre[0] - scene.arm.base_position[0])
    side = np.array([-math.sin(yaw), math.cos(yaw), 0.0])
    at = centre + np.array([0.0, 0.0, height]) - (radius - FIXED_JAW + GRASP_CLEARANCE) * side
    start = np.array(scene.arm.tool_pose()[0])
    above = at + np.array([0.0, 0.0, APPROACH])
    move_line(scene, start, above, 1.5, OPEN_RAD)
    q = move_line(scene, above, at, 1.0, OPEN_RAD)
    q[5] = CLOSED_RAD
    hold(scene, q, 1.0)
    return at


def _rotation(yaw: float, roll: float) -> np.ndarray:
    """Tool orientation of the planar arm: yaw about z, then roll about the tool's x."""
    cy, sy, cr, sr = math.cos(yaw), math.sin(yaw), math.cos(roll), math.sin(roll)
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ rx


def pour(scene: Scene, source: str, target: str, lift: float = 0.10) -> None:
    """Grasp the teapot `source`, lift it, pour into the cup `target`, stand it up again
    over the cup's side (held). Pure joint targets; the tea moves by physics only."""
    from things import grasp_height, pot, vessel

    radius = pot().inner_radius_m + WALL_M
    at = side_grasp(scene, source, grasp_height("teapot"), radius)
    q = move_line(scene, at, at + np.array([0.0, 0.0, lift]), 1.5, CLOSED_RAD)
    body = scene.objects[source].body
    spout = np.asarray(spout_tip(pot()))

    def tip_in_tool() -> np.ndarray:
        """Where the spout tip is in the tool frame now, from the pot's pose (ground
        truth, as a skill would see it in the WorldState): the pot may turn in the grip."""
        pos, orn = body.frame_pose()
        tip_world = np.asarray(pos) + quat_matrix(orn) @ spout
        tool, tool_orn = scene.arm.tool_pose()
        return quat_matrix(tool_orn).T @ (tip_world - np.asarray(tool))

    tip = tip_in_tool()
    cup = np.array(scene.objects[target].body.frame_pose()[0])
    rim = cup[2] + vessel("cup_red").height_m
    base = np.asarray(scene.arm.base_position)

    def tool_for(roll: float) -> np.ndarray:
        height = rim + POUR_HEIGHT
        point = np.array([cup[0], cup[1], height])
        for _ in range(3):  # the tool's yaw depends on where it is
            yaw = math.atan2(point[1] - base[1], point[0] - base[0])
            offset = _rotation(yaw, roll) @ (tip + np.array([0.0, POUR_AIM_BACK, 0.0]))
            point = np.array([cup[0] - offset[0], cup[1] - offset[1], height])
        return point

    start = np.array(scene.arm.tool_pose()[0])
    high = np.array([0.0, 0.0, CARRY_ABOVE])
    q = move_line(scene, start, tool_for(0.0) + high, 2.0, CLOSED_RAD)
    q = move_line(scene, tool_for(0.0) + high, tool_for(0.0), 1.0, CLOSED_RAD)
    tip = tip_in_tool()
    steps = round(POUR_TILT_S / STEP_S)
    for k in range(1, steps + 1):
        roll = -POUR_ROLL_RAD * k / steps
        tip = tip_in_tool()
        q = solve(scene, tool_for(roll), roll=roll, gripper=CLOSED_RAD)
        hold(scene, q, STEP_S)
    hold(scene, q, POUR_HOLD_S)
    # Lift the spout straight out of the cup first, then stand the pot up again.
    rise = np.array([0.0, 0.0, CARRY_ABOVE])
    roll = -POUR_ROLL_RAD
    for k in range(1, LIFT_OUT_STEPS + 1):
        q = solve(scene, tool_for(roll) + rise * k / LIFT_OUT_STEPS, roll=roll, gripper=CLOSED_RAD)
        hold(scene, q, STEP_S)
    for k in range(steps - 1, -1, -1):
        roll = -POUR_ROLL_RAD * k / steps
        q = solve(scene, tool_for(roll) + rise, roll=roll, gripper=CLOSED_RAD)
        hold(scene, q, STEP_S / 2)
    hold(scene, q, POUR_HOLD_S)
