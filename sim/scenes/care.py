"""The care scene: an arm on a bedside table with a full glass of water, a pill box,
a folded towel and a basket; the resident sits in an armchair beside it, hand out.

Layout (world frame, m): the arm's base stands on the side table at (0, 0, TOP),
facing +x. Grasps (see `sim/props.py`): the glass from the side like a cup; the pill
box and the towel with the gripper pitched down, jaws across their narrow side.
The basket is a surface: place things on its floor.
"""

from __future__ import annotations

import numpy as np

from sim import props
from sim.liquids import WATER
from sim.person import GREY_HAIR, SEATED, build_person, facing
from sim.scene import Placement, Scene, StaticSurface
from sim.scenes.common import add_object, polar, static_body

SIDE_TABLE_TOP = 0.70  # m above the floor
SIDE_TABLE_SIZE = (0.55, 0.80)  # m, x by y
SIDE_TABLE_CENTRE_X = 0.16  # spans x = -0.115 .. 0.435
ARM_BASE = (0.0, 0.0, SIDE_TABLE_TOP)

# The glass is grasped from the side (0.25-0.39 m from the base); the low pill box and
# towel with the gripper pitched down, which reaches closer (see tests/sim_motions.py).
GLASS_XY = polar(0.31, 20.0)  # clear of the resident's hand above the table
PILL_BOX_XY = polar(0.18, 5.0)
TOWEL_XY = polar(0.19, -30.0)
BASKET_RADIUS_M = 0.27
"""How far the basket's centre stands from the arm's base (m). Things go in from
above, held by two jaws that let them turn once the gripper leans out of the
vertical; 2 cm closer than the 0.29 m we had, the arm reaches over the rim with its
gripper pitched up to 10 deg more steeply, and reaches the centre for more of the seeds'
+-3 cm offsets (at 0.29 m, 7 of 50 towels were out of reach)."""
BASKET_ANGLE_DEG = -78.0
"""...and its bearing (deg left of +x): 6 deg further round than before, so that the
towel's randomised spots still clear the nearer basket (at -72 deg some seeds found
no spot for the towel at all)."""
BASKET_XY = polar(BASKET_RADIUS_M, BASKET_ANGLE_DEG)
CHAIR_XY = (0.24, 0.68)
RESIDENT_FEET = (0.24, 0.62, 0.0)
RESIDENT_HANDOVER = (0.17, 0.22, SIDE_TABLE_TOP + 0.06)
"""0.28 m from the arm's base, 6 cm above the table (the palm 2 cm lower, a hand held
out just over the table). A pill box or a towel is held from above between two jaws
and turns out of them once the gripper leans far out of the vertical: this low, the
SO-101 reaches the point with its gripper pitched ~60 deg down (at 12 cm it managed
only 40-50 deg, and 6 of 25 pill boxes slipped out). Closer to the base it would point
down more steeply, but the glass, held level from the side, no longer reached it
(0.23 m). It still reaches higher, to put a second object on top of a first.
The table top lies within the judge's 10 cm of this point: `handover` itself checks
that what it let go rests on the palm."""
CHAIR_SEAT = 0.46
RESIDENT_SHIRT = (0.55, 0.35, 0.60, 1.0)

GLASS_MASS = 0.12  # kg, empty
PILL_BOX_MASS = 0.05
TOWEL_MASS = 0.06
BASKET_MASS = 0.12


def build(scene: Scene, rng: np.random.Generator) -> None:
    client = scene.world.client
    table = static_body(
        scene, props.table(*SIDE_TABLE_SIZE, SIDE_TABLE_TOP).parts, (SIDE_TABLE_CENTRE_X, 0.0, 0.0)
    )
    scene.surfaces["side_table"] = StaticSurface(
        "side_table",
        table,
        (SIDE_TABLE_CENTRE_X, 0.0, SIDE_TABLE_TOP),
        (SIDE_TABLE_SIZE[0] / 2, SIDE_TABLE_SIZE[1] / 2, 0.0),
    )
    sx, sy, _ = props.BASKET_SIZE
    inner = (sx / 2 - props.BASKET_WALL, sy / 2 - props.BASKET_WALL, 0.0)
    add_object(
        scene,
        "basket",
        props.basket(),
        BASKET_MASS,
        BASKET_XY,
        SIDE_TABLE_TOP,
        rng,
        placement=Placement(props.BASKET_WALL, inner),
    )
    glass = add_object(
        scene, "water_glass", props.water_glass(), GLASS_MASS, GLASS_XY, SIDE_TABLE_TOP, rng
    )
    add_object(scene, "pill_box", props.pill_box(), PILL_BOX_MASS, PILL_BOX_XY, SIDE_TABLE_TOP, rng)
    add_object(scene, "towel", props.towel(), TOWEL_MASS, TOWEL_XY, SIDE_TABLE_TOP, rng)
    assert glass.vessel is not None
    scene.liquid.fill(glass.vessel, props.GLASS_PARTICLES, WATER)
    yaw = facing(RESIDENT_FEET[:2], (RESIDENT_FEET[0], 0.0))
    scene.scenery.append(
        static_body(scene, props.chair(CHAIR_SEAT).parts, (*CHAIR_XY, 0.0), yaw + 0.0)
    )
    scene.persons["resident"] = build_person(
        client, RESIDENT_FEET, yaw, RESIDENT_HANDOVER, SEATED, RESIDENT_SHIRT, GREY_HAIR
    )
