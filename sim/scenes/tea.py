"""The tea scene: an arm on a table with a full teapot, a red and a blue cup and a
tray; a guest stands at the end of the table, right hand held out.

Layout (world frame, m): the arm's base stands on the table top at (0, 0, TABLE_TOP),
facing +x. Objects sit about 0.3 m from the base, each turned so its grasp side (-x)
faces the arm. Grasps (see `sim/props.py`): side grasps, gripper horizontal, jaws
closing across the object at its grasp height. Pour: hold the teapot, bring its
spout tip over a cup, roll the wrist so the top goes towards the gripper's +y (the
spout's side); the lidded pot lets its tea out through the spout only.
"""

from __future__ import annotations

import numpy as np

from sim import props
from sim.liquids import TEA
from sim.person import STANDING, build_person, facing
from sim.scene import Placement, Scene, StaticSurface
from sim.scenes.common import add_object, polar, static_body

TABLE_TOP = 0.75  # m above the floor
TABLE_SIZE = (0.62, 1.00)  # m, x by y
TABLE_CENTRE_X = 0.19  # the table spans x = -0.12 .. 0.50; the arm is near its back edge
ARM_BASE = (0.0, 0.0, TABLE_TOP)

# Side grasps need the object 0.25-0.39 m from the base (see tests/sim_motions.py).
TEAPOT_XY = polar(0.30, 40.0)
CUP_RED_XY = polar(0.31, -5.0)
CUP_BLUE_XY = polar(0.30, -40.0)
TRAY_XY = polar(0.31, -85.0)
# The guest stands at the table's left end, clear of the way from teapot to cups.
GUEST_FEET = (0.10, 0.66, 0.0)
GUEST_HANDOVER = (*polar(0.33, 75.0), TABLE_TOP + 0.20)
GUEST_SHIRT = (0.20, 0.55, 0.30, 1.0)

TEAPOT_MASS = 0.15  # kg, empty
CUP_MASS = 0.06
TRAY_MASS = 0.15


def build(scene: Scene, rng: np.random.Generator) -> None:
    client = scene.world.client
    table = static_body(
        scene, props.table(*TABLE_SIZE, TABLE_TOP).parts, (TABLE_CENTRE_X, 0.0, 0.0)
    )
    scene.surfaces["table"] = StaticSurface(
        "table",
        table,
        (TABLE_CENTRE_X, 0.0, TABLE_TOP),
        (TABLE_SIZE[0] / 2, TABLE_SIZE[1] / 2, 0.0),
    )
    tray_top = props.TRAY_SIZE[2]
    add_object(
        scene,
        "tray",
        props.tray(),
        TRAY_MASS,
        TRAY_XY,
        TABLE_TOP,
        rng,
        placement=Placement(tray_top, (props.TRAY_SIZE[0] / 2, props.TRAY_SIZE[1] / 2, 0.0)),
    )
    teapot = add_object(scene, "teapot", props.teapot(), TEAPOT_MASS, TEAPOT_XY, TABLE_TOP, rng)
    add_object(scene, "cup_red", props.cup(props.RED), CUP_MASS, CUP_RED_XY, TABLE_TOP, rng)
    add_object(scene, "cup_blue", props.cup(props.BLUE), CUP_MASS, CUP_BLUE_XY, TABLE_TOP, rng)
    assert teapot.vessel is not None
    scene.liquid.fill(teapot.vessel, props.TEAPOT_PARTICLES, TEA)
    scene.persons["guest"] = build_person(
        client,
        GUEST_FEET,
        facing(GUEST_FEET[:2], (GUEST_FEET[0], 0.0)),
        GUEST_HANDOVER,
        STANDING,
        GUEST_SHIRT,
    )
