"""Write `so101.urdf`: our own description of an SO-101-class arm, from public facts.

Run `python core/descriptions/so101/generate_urdf.py` after changing a number here;
the URDF beside this file is its output and is committed, so nothing runs at import.

Frames (all joints at zero): the arm stands in the "calibration pose" -- upper arm
straight up, forearm, wrist and gripper pointing forward along +x, jaws closing in the
horizontal plane. Axes: pan about +z; lift, elbow and wrist flex about +y (positive
leans forward / bends down); roll about the gripper's long axis +x; the moving jaw
hinges about the gripper's +z and opens towards +y.

Gripper: the jaw on -y is fixed (its inner face is the plane y = -FIXED_JAW_FACE_Y of
`gripper_link`), the jaw on +y moves (gripper angle 0 = closed, positive = open; its pad
is bent so it lies parallel to the fixed jaw around a 5.6 cm object, at ~0.8 rad; closed
on nothing, the pad tip crosses the fixed jaw, as jaws of one body do not collide).
`gripper_frame` is the tool frame: GRIPPER_FRAME_X along the gripper axis from the roll
joint, on the axis: the centre of a 5 cm object held against the fixed jaw (an object of
radius r held against the fixed jaw has its centre at y = r - FIXED_JAW_FACE_Y).
Masses and inertias come from the collision boxes (uniform solids). Links between the
joints are simple boxes; the moving jaw weighs 0.05 kg, the other moving links
0.08-0.12 kg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

# -- lengths (m), from the public facts -------------------------------------
PAN_HEIGHT = 0.062  # base plate top to the shoulder-pan axis
SHOULDER_HEIGHT = 0.054  # pan axis to the shoulder-lift axis (shoulder bracket)
UPPER_ARM = 0.116  # shoulder lift -> elbow
FOREARM = 0.135  # elbow -> wrist flex
WRIST = 0.061  # wrist flex -> wrist roll
GRIPPER_FRAME_X = 0.098  # wrist roll -> tool frame
ARM_WIDTH = 0.032  # square section of the printed links
BASE_SIZE = (0.10, 0.08, PAN_HEIGHT)

# -- gripper geometry (m), in gripper_link's frame ----------------------------------
FIXED_JAW_FACE_Y = 0.025  # the fixed jaw's inner face lies at y = -0.025
JAW_THICKNESS = 0.008
JAW_HEIGHT = 0.028  # jaw extent along z: the band that touches an object
JAW_START_X = 0.030  # where the fixed jaw leaves the gripper body
JAW_TIP_X = 0.118
GRIPPER_BODY = (0.045, 0.050, 0.036)  # gripper servo housing, from x = 0
HINGE_X = 0.022  # moving jaw hinge, inside the housing
# The moving jaw is a bar from the hinge and a pad bent back by PAD_BEND, so that the pad
# lies parallel to the fixed jaw when it holds an object NOMINAL_GRASP_WIDTH across
# (then the squeeze pushes the object straight at the fixed jaw, not out of the jaws).
NOMINAL_GRASP_WIDTH = 0.056
PAD_BEND = math.radians(45.0)
PAD_LENGTH = 0.040
BAR_LENGTH = NOMINAL_GRASP_WIDTH / math.sin(PAD_BEND)

# -- masses (kg) ----------------------------------------------------------------------
BASE_MASS = 0.40  # base with servo and clamp; fixed to the table anyway
SHOULDER_MASS = 0.12
UPPER_ARM_MASS = 0.12
FOREARM_MASS = 0.11
WRIST_MASS = 0.08
GRIPPER_MASS = 0.12
MOVING_JAW_MASS = 0.05

# -- joint limits (rad, rad/s, N*m): STS3215 servos -----------------------------------
STALL_TORQUE = 2.9
NO_LOAD_SPEED = 4.7  # 0.222 s / 60 deg at 7.4 V
DEG = 0.017453292519943295

FINGER_FRICTION = 1.2  # printed PLA with rubber pads
FINGER_SPINNING_FRICTION = 0.0  # m: torsion a soft pad's contact patch resists
ORANGE = "1.0 0.55 0.1 1"
BLACK = "0.12 0.12 0.12 1"
GREY = "0.35 0.35 0.38 1"


@dataclass(frozen=True)
class Box:
    size: tuple[float, float, float]
    xyz: tuple[float, float, float]
    colour: str
    yaw: float = 0.0  # rad about the link's z


def _vec(v: tuple[float, ...]) -> str:
    return " ".join(f"{x:.6g}" for x in v)


def _box_inertia(mass: float, boxes: list[Box]) -> tuple[tuple[float, float, float], list[float]]:
    """Centre of mass and diagonal inertia (kg*m^2) of boxes sharing `mass` by volume."""
    volumes = [b.size[0] * b.size[1] * b.size[2] for b in boxes]
    total = sum(volumes)
    com = tuple(
        sum(v * b.xyz[i] for v, b in zip(volumes, boxes, strict=True)) / total for i in range(3)
    )
    diag = [0.0, 0.0, 0.0]
    for v, b in zip(volumes, boxes, strict=True):
        m = mass * v / total
        sx, sy, sz = b.size
        own = (m * (sy**2 + sz**2) / 12, m * (sx**2 + sz**2) / 12, m * (sx**2 + sy**2) / 12)
        d = [b.xyz[i] - com[i] for i in range(3)]
        shift = (d[1] ** 2 + d[2] ** 2, d[0] ** 2 + d[2] ** 2, d[0] ** 2 + d[1] ** 2)
        for i in range(3):
            diag[i] += own[i] + m * shift[i]
    return com, diag


def _link(name: str, mass: float, boxes: list[Box], friction: float | None = None) -> str:
    com, (ixx, iyy, izz) = _box_inertia(mass, boxes)
    parts = [f'  <link name="{name}">']
    if friction is not None:
        parts.append(
            f'    <contact><lateral_friction value="{friction}"/>'
            f'<spinning_friction value="{FINGER_SPINNING_FRICTION}"/></contact>'
        )
    parts.append(
        f'    <inertial><origin xyz="{_vec(com)}"/><mass value="{mass}"/>'
        f'<inertia ixx="{ixx:.4e}" ixy="0" ixz="0" iyy="{iyy:.4e}" iyz="0" izz="{izz:.4e}"/>'
        "</inertial>"
    )
    for b in boxes:
        geom = (
            f'<origin xyz="{_vec(b.xyz)}" rpy="0 0 {b.yaw:.6g}"/>'
            f'<geometry><box size="{_vec(b.size)}"/></geometry>'
        )
        parts.append(
            f'    <visual>{geom}<material name="{name}_{len(parts)}">'
            f'<color rgba="{b.colour}"/></material></visual>'
        )
        parts.append(f"    <collision>{geom}</collision>")
    parts.append("  </link>")
    return "\n".join(parts)


def _joint(
    name: str,
    parent: str,
    child: str,
    xyz: tuple[float, float, float],
    axis: str,
    lower_deg: float,
    upper_deg: float,
) -> str:
    return (
        f'  <joint name="{name}" type="revolute">\n'
        f'    <parent link="{parent}"/><child link="{child}"/>\n'
        f'    <origin xyz="{_vec(xyz)}"/><axis xyz="{axis}"/>\n'
        f'    <limit lower="{lower_deg * DEG:.4f}" upper="{upper_deg * DEG:.4f}" '
        f'effort="{STALL_TORQUE}" velocity="{NO_LOAD_SPEED}"/>\n'
        '    <dynamics damping="0.05" friction="0.02"/>\n'
        "  </joint>"
    )


def _moving_jaw_boxes() -> list[Box]:
    """Bar along +x from the hinge, then the pad turned by -PAD_BEND; inner faces on -y."""
    bar_start = 0.012  # the first 12 mm sit in the housing
    bar = Box(
        (BAR_LENGTH - bar_start, JAW_THICKNESS, JAW_HEIGHT),
        ((bar_start + BAR_LENGTH) / 2, JAW_THICKNESS / 2, 0.0),
        BLACK,
    )
    c, s = math.cos(PAD_BEND), math.sin(PAD_BEND)
    pad_centre = (
        BAR_LENGTH + PAD_LENGTH / 2 * c + JAW_THICKNESS / 2 * s,
        -PAD_LENGTH / 2 * s + JAW_THICKNESS / 2 * c,
        0.0,
    )
    pad = Box((PAD_LENGTH, JAW_THICKNESS, JAW_HEIGHT), pad_centre, BLACK, yaw=-PAD_BEND)
    return [bar, pad]


def build() -> str:
    w = ARM_WIDTH
    bx, by, bz = BASE_SIZE
    jaw_len = JAW_TIP_X - JAW_START_X
    links = [
        _link("base_link", BASE_MASS, [Box((bx, by, bz), (0.0, 0.0, bz / 2), GREY)]),
        _link(
            "shoulder_link",
            SHOULDER_MASS,
            [
                Box((0.06, 0.06, 0.010), (0.0, 0.0, 0.005), BLACK),
                Box((0.040, 0.045, SHOULDER_HEIGHT - 0.010), (0.0, 0.0, 0.032), ORANGE),
            ],
        ),
        _link(
            "upper_arm_link",
            UPPER_ARM_MASS,
            [Box((w, w, UPPER_ARM), (0, 0, UPPER_ARM / 2), ORANGE)],
        ),
        _link("forearm_link", FOREARM_MASS, [Box((FOREARM, w, w), (FOREARM / 2, 0, 0), ORANGE)]),
        _link("wrist_link", WRIST_MASS, [Box((WRIST, w, w), (WRIST / 2, 0, 0), BLACK)]),
        _link(
            "gripper_link",
            GRIPPER_MASS,
            [
                Box(GRIPPER_BODY, (GRIPPER_BODY[0] / 2, 0, 0), ORANGE),
                Box(
                    (jaw_len, JAW_THICKNESS, JAW_HEIGHT),
                    (JAW_START_X + jaw_len / 2, -FIXED_JAW_FACE_Y - JAW_THICKNESS / 2, 0),
                    BLACK,
                ),
            ],
            friction=FINGER_FRICTION,
        ),
        _link("moving_jaw_link", MOVING_JAW_MASS, _moving_jaw_boxes(), friction=FINGER_FRICTION),
        # A frame only; a tiny inertial so the importer does not assume 1 kg.
        '  <link name="gripper_frame"><inertial><mass value="1e-5"/>'
        '<inertia ixx="1e-9" ixy="0" ixz="0" iyy="1e-9" iyz="0" izz="1e-9"/></inertial></link>',
    ]
    joints = [
        _joint(
            "shoulder_pan", "base_link", "shoulder_link", (0, 0, PAN_HEIGHT), "0 0 1", -110, 110
        ),
        _joint(
            "shoulder_lift",
            "shoulder_link",
            "upper_arm_link",
            (0, 0, SHOULDER_HEIGHT),
            "0 1 0",
            -100,
            100,
        ),
        _joint("elbow_flex", "upper_arm_link", "forearm_link", (0, 0, UPPER_ARM), "0 1 0", -97, 97),
        _joint("wrist_flex", "forearm_link", "wrist_link", (FOREARM, 0, 0), "0 1 0", -95, 95),
        _joint("wrist_roll", "wrist_link", "gripper_link", (WRIST, 0, 0), "1 0 0", -157, 163),
        _joint(
            "gripper",
            "gripper_link",
            "moving_jaw_link",
            (HINGE_X, -FIXED_JAW_FACE_Y, 0),
            "0 0 1",
            -10,
            100,
        ),
        '  <joint name="gripper_frame_joint" type="fixed">\n'
        '    <parent link="gripper_link"/><child link="gripper_frame"/>\n'
        f'    <origin xyz="{GRIPPER_FRAME_X} 0 0"/>\n'
        "  </joint>",
    ]
    header = (
        '<?xml version="1.0"?>\n'
        "<!-- Generated by generate_urdf.py: edit the numbers there, not here. -->\n"
        '<robot name="so101">'
    )
    return "\n".join([header, *links, *joints, "</robot>", ""])


def main() -> None:
    out = Path(__file__).with_name("so101.urdf")
    out.write_text(build())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
