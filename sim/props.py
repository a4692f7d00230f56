"""The things in our scenes, as parts: vessels, cups, boxes, furniture, people.

Each builder returns the parts of one body relative to its reference point (the centre
of its bottom, z up) and, for vessels, the `Cavity` that holds particles. Sizes are in
metres and were chosen for the SO-101's gripper (jaw opening up to ~9 cm, side grasps
of bodies 5-7 cm across, see `core/descriptions/so101/generate_urdf.py`).

Colours are saturated and distinct so a stranger reads the picture at a glance: red
and blue cups, a cream teapot, a wooden table, people in clothes and skin tones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p

from core.msgs import Vec3
from sim.bodies import RGBA, Part, ring_wall_parts

WALL = 0.004  # vessel wall thickness (m)
FLOOR = 0.006  # vessel floor thickness (m)
STAVES = 12  # boxes per round wall: round enough to look at, few enough to be cheap

RED: RGBA = (0.85, 0.12, 0.10, 1.0)
BLUE: RGBA = (0.10, 0.30, 0.85, 1.0)
CREAM: RGBA = (0.96, 0.92, 0.80, 1.0)
TEAPOT_TRIM: RGBA = (0.15, 0.45, 0.35, 1.0)
GLASS: RGBA = (0.75, 0.90, 1.00, 0.45)
WOOD: RGBA = (0.62, 0.43, 0.25, 1.0)
DARK_WOOD: RGBA = (0.40, 0.26, 0.15, 1.0)
TRAY_COLOUR: RGBA = (0.20, 0.20, 0.22, 1.0)
WICKER: RGBA = (0.78, 0.62, 0.35, 1.0)
TOWEL_COLOUR: RGBA = (0.98, 0.98, 0.96, 1.0)
TOWEL_STRIPE: RGBA = (0.25, 0.65, 0.85, 1.0)
PILL_BOX_COLOUR: RGBA = (1.00, 0.85, 0.10, 1.0)
PILL_LID_COLOUR: RGBA = (0.10, 0.60, 0.30, 1.0)


@dataclass(frozen=True)
class Cavity:
    """The inside of a vessel, in its reference frame: an upright cylinder of
    `radius` (m) from `floor` to `rim` (m above the bottom). `capacity` is the number of
    particles that makes it full (filled = 1)."""

    radius: float
    floor: float
    rim: float
    capacity: int


@dataclass(frozen=True)
class Prop:
    """A body's parts, its cavity if it is a vessel, and its spinning friction (m) if it
    needs one other than PyBullet's default (none: a point contact resists no twist)."""

    parts: list[Part]
    cavity: Cavity | None = None
    spinning_friction: float | None = None


def _z_to(direction: np.ndarray) -> tuple[float, float, float, float]:
    """Quaternion turning +z onto `direction`."""
    d = direction / np.linalg.norm(direction)
    axis = np.cross((0.0, 0.0, 1.0), d)
    s = float(np.linalg.norm(axis))
    if s < 1e-9:
        return (0.0, 0.0, 0.0, 1.0) if d[2] > 0 else (1.0, 0.0, 0.0, 0.0)
    angle = math.atan2(s, float(d[2]))
    return tuple(p.getQuaternionFromAxisAngle(list(axis / s), angle))  # type: ignore[return-value]


def rod(a: Vec3, b: Vec3, radius: float, colour: RGBA, collide: bool = True) -> Part:
    """A cylinder from point a to point b (m)."""
    va, vb = np.asarray(a), np.asarray(b)
    mid = (va + vb) / 2.0
    length = float(np.linalg.norm(vb - va))
    return Part(
        "cylinder",
        (radius, length, 0.0),
        (float(mid[0]), float(mid[1]), float(mid[2])),
        colour,
        orientation=_z_to(vb - va),
        collide=collide,
    )


def vessel(
    inner_radius: float, height: float, colour: RGBA, capacity: int, trim: RGBA | None = None
) -> Prop:
    """An open cup: a floor disc and a wall of staves, `height` (m) tall overall."""
    outer = inner_radius + WALL
    parts = [Part("cylinder", (outer, FLOOR, 0.0), (0.0, 0.0, FLOOR / 2), colour)]
    parts += ring_wall_parts(inner_radius, WALL, height - FLOOR, FLOOR, colour, STAVES)
    if trim is not None:  # a thin coloured band at the rim, decoration only
        parts.append(
            Part(
                "cylinder",
                (outer + 0.0008, 0.006, 0.0),
                (0, 0, height - 0.004),
                trim,
                collide=False,
            )
        )
    return Prop(parts, Cavity(inner_radius, FLOOR, height, capacity))


# -- tea ------------------------------------------------------------------------------

CUP_INNER_RADIUS = 0.024
CUP_HEIGHT = 0.075
CUP_CAPACITY = 21
"""Particles for a full cup: three of the four layers a whole teapot makes in it, so a
full pour fills a cup and the cup still holds it all without spilling."""


def cup(colour: RGBA) -> Prop:
    """A cylindrical cup 5.6 cm across with a handle on its +x side.

    Grasp: from -x (the side opposite the handle), gripper horizontal at about
    CUP_GRASP_HEIGHT, jaws closing along the cup's y across its 5.6 cm.
    """
    prop = vessel(CUP_INNER_RADIUS, CUP_HEIGHT, colour, CUP_CAPACITY)
    r = CUP_INNER_RADIUS + WALL
    handle = [  # a square loop: top bar, grip, bottom bar (m)
        Part("box", (0.018, 0.010, 0.006), (r + 0.007, 0.0, 0.058), colour),
        Part("box", (0.006, 0.010, 0.040), (r + 0.016, 0.0, 0.040), colour),
        Part("box", (0.018, 0.010, 0.006), (r + 0.007, 0.0, 0.022), colour),
    ]
    return Prop(prop.parts + handle, prop.cavity)


CUP_GRASP_HEIGHT = 0.040
"""m above the bottom, just above the empty cup's centre of mass (~3.7 cm): higher
up the jaws catch the handle's top bar (5.5-6.1 cm)."""

TEAPOT_INNER_RADIUS = 0.027
"""m: the octagonal body's inner apothem (its flats are 6.2 cm apart outside)."""
TEAPOT_STAVES = 8
"""An octagon: flats on +-y for the jaws, one on +y for the spout's window, and few
enough parts to leave room for the lid and the spout (PyBullet's 16-shape limit)."""
TEAPOT_RIM = 0.100
"""m above the bottom: the underside of the lid, the top of the cavity."""
TEAPOT_LID = 0.003  # m thick
TEAPOT_HEIGHT = TEAPOT_RIM + TEAPOT_LID
TEAPOT_PARTICLES = 28
TEAPOT_GRASP_HEIGHT = 0.054
"""m above the bottom: about 1 cm above the full pot's centre of mass (4.3-4.7 cm; the
empty pot's is 5.2 cm), so it hangs upright in the jaws, and low enough that the jaws' top
edge (1.4 cm above) stays 0.9 cm below the spout's underside (`spout_underside_z()`).
At 6.0 cm that gap was 0.3 cm: a pot turned ~5 degrees in the jaws put its spout on
the moving jaw, which then pushed through the spout's thin plates and levered the pot
round during the pour."""
TEAPOT_SPINNING_FRICTION = 0.0058
"""m: the twist the contact between the gripper's rubber pads and the glazed pot resists,
per newton of squeeze. A jaw meets the octagonal pot at one of its vertical edges (the
pot stands up to 15 degrees off the jaws, and the moving jaw's pad, bent to lie flat on
5.6 cm cups, meets a 6.2 cm body 6 degrees off parallel), a line that PyBullet reduces
to one or two points; a point resists no twist, so the pot turned about the jaw axis
in the jaws (by 10-110 degrees during a pour). A real rubber pad
pressed on that edge makes a strip as long as the jaw is tall (2.8 cm), and a strip
of length L resists about mu * L / 4 of twist per newton: ~7 mm with mu ~1. Bullet
combines spinning friction as a_spin * b_lateral + b_spin * a_lateral, so set on the
pot it gives the pad-pot contact 0.0058 * 1.2 (the pads' lateral friction) = 7 mm, the
strip's figure, and leaves every other object's grasp as it was; against the table
(0.5) it is 2.9 mm, where the pot's flat bottom resists far more anyway. The pot still
turns in the jaws: over seeds 0-29 of a pick and a pour into the red cup, 13 degrees
(median) at 6 mm or 7 mm. 7 mm lowers the worst turn from 54 to 32 degrees, and a pot
that turned less can be picked again after a short pour: over seeds 0-49, serve_tea
0.94 -> 0.98 and fill_cup 0.96 -> 1.00, spilled particles 4 -> 0 in each."""
WINDOW_HEIGHT = 0.020
"""m: the opening in the +y wall, under the lid, through which the tea reaches the
spout. Wider and taller than one particle (16 mm) but not two: the tea leaves in a
single file, and only there (a lid-less pot tilted 90 degrees pours
over its whole rim, most of it beside the cup)."""
WINDOW_BOTTOM = TEAPOT_RIM - WINDOW_HEIGHT
"""m above the bottom: above the full pot's surface (the top layer's tops, ~7.2 cm),
so carrying it upright spills nothing."""


SPOUT_LENGTH = 0.030  # m, from the window outwards
SPOUT_WIDTH = 0.024  # m between its side walls: the window's width, one particle
SPOUT_RISE = math.radians(20.0)  # rad: the channel climbs outwards from the window
SPOUT_PLATE = 0.003  # m
SPOUT_SIDE = WINDOW_HEIGHT
"""m between the spout's floor and its top plate: a closed channel (a tube), so a drop
can leave only at the tip, whatever the tilt."""


def _spout_frame(r_out: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base, along, normal) of the spout in the teapot's frame: the middle of the
    window's sill (m), the channel's outward direction and its floor's upward normal."""
    base = np.array([0.0, r_out - 0.002, WINDOW_BOTTOM])
    along = np.array([0.0, math.cos(SPOUT_RISE), math.sin(SPOUT_RISE)])
    normal = np.array([0.0, -math.sin(SPOUT_RISE), math.cos(SPOUT_RISE)])
    return base, along, normal


def _spout(r_out: float) -> list[Part]:
    """A square tube leaving the window on +y (floor, two sides, top): the tea runs
    through the window into it and leaves from its tip, 3 cm clear of the pot's body."""
    base, along, normal = _spout_frame(r_out)
    orientation = tuple(p.getQuaternionFromEuler((SPOUT_RISE, 0.0, 0.0)))
    floor = base + along * SPOUT_LENGTH / 2 - normal * SPOUT_PLATE / 2
    parts = [
        Part(
            "box",
            (SPOUT_WIDTH + 2 * SPOUT_PLATE, SPOUT_LENGTH, SPOUT_PLATE),
            tuple(floor),
            TEAPOT_TRIM,
            orientation,
        )
    ]  # type: ignore[arg-type]
    for side in (-1.0, 1.0):
        centre = base + along * SPOUT_LENGTH / 2 + normal * SPOUT_SIDE / 2
        centre[0] = side * (SPOUT_WIDTH + SPOUT_PLATE) / 2
        parts.append(
            Part(
                "box",
                (SPOUT_PLATE, SPOUT_LENGTH, SPOUT_SIDE),
                tuple(centre),
                TEAPOT_TRIM,
                orientation,
            )
        )  # type: ignore[arg-type]
    top = base + along * SPOUT_LENGTH / 2 + normal * (SPOUT_SIDE + SPOUT_PLATE / 2)
    parts.append(
        Part(
            "box",
            (SPOUT_WIDTH + 2 * SPOUT_PLATE, SPOUT_LENGTH, SPOUT_PLATE),
            tuple(top),
            TEAPOT_TRIM,
            orientation,
        )  # type: ignore[arg-type]
    )
    return parts


def spout_underside_z() -> float:
    """Height (m, teapot frame) of the spout's lowest point: its floor's underside where
    it leaves the window (the channel climbs outwards from there)."""
    return WINDOW_BOTTOM - SPOUT_PLATE * math.cos(SPOUT_RISE)


def spout_tip() -> np.ndarray:
    """The middle of the spout's outlet, in the teapot's frame (m): aim this at a cup."""
    base, along, normal = _spout_frame(TEAPOT_INNER_RADIUS + WALL)
    return base + along * SPOUT_LENGTH + normal * SPOUT_SIDE / 2


def _teapot_body() -> list[Part]:
    """Floor, octagonal wall with the window cut in its +y flat, and the lid (m)."""
    r_out = TEAPOT_INNER_RADIUS + WALL
    corner = r_out / math.cos(math.pi / TEAPOT_STAVES)
    parts = [Part("cylinder", (r_out, FLOOR, 0.0), (0.0, 0.0, FLOOR / 2), CREAM)]
    walls = ring_wall_parts(
        TEAPOT_INNER_RADIUS, WALL, TEAPOT_RIM - FLOOR, FLOOR, CREAM, TEAPOT_STAVES
    )
    window_side = TEAPOT_STAVES // 4  # the stave at 90 degrees: the +y flat
    below = WINDOW_BOTTOM - FLOOR
    side = walls[window_side]
    walls[window_side] = Part(
        "box",
        (side.size[0], side.size[1], below),
        (side.position[0], side.position[1], FLOOR + below / 2),
        CREAM,
        side.orientation,
    )
    parts += walls
    parts.append(
        Part("cylinder", (corner, TEAPOT_LID, 0.0), (0, 0, TEAPOT_RIM + TEAPOT_LID / 2), CREAM)
    )
    parts.append(
        Part("sphere", (0.008, 0.0, 0.0), (0.0, -0.008, TEAPOT_HEIGHT), TEAPOT_TRIM, collide=False)
    )
    return parts


def teapot() -> Prop:
    """A lidded octagonal teapot 6.2 cm across its flats, 10.3 cm tall, with an open
    spout on its +y side (the moving jaw's side: the open jaw passes below it).

    The tea leaves only through a window in the +y wall under the lid, into the spout
    and out of its tip (`spout_tip()`): one drop after another, whatever the tilt.
    Grasp: from -x, gripper horizontal at TEAPOT_GRASP_HEIGHT, jaws across its y.
    Pour: hold the pot beside the cup with the spout tip over the cup and roll the
    wrist negative, so the top goes towards the gripper's +y.
    """
    parts = _teapot_body() + _spout(TEAPOT_INNER_RADIUS + WALL)
    cavity = Cavity(TEAPOT_INNER_RADIUS, FLOOR, TEAPOT_RIM, TEAPOT_PARTICLES)
    return Prop(parts, cavity, spinning_friction=TEAPOT_SPINNING_FRICTION)


TRAY_SIZE = (0.12, 0.17, 0.010)
"""m: its long side (y) runs across the arm's reach and holds two cups side by side
with room for the gripper's open jaws between them."""
TRAY_RIM = 0.006


def tray() -> Prop:
    """A flat serving tray with a low rim; objects are placed on its top face."""
    sx, sy, sz = TRAY_SIZE
    parts = [Part("box", TRAY_SIZE, (0.0, 0.0, sz / 2), TRAY_COLOUR)]
    for sign in (-1, 1):
        parts.append(
            Part(
                "box", (sx, 0.006, TRAY_RIM), (0, sign * (sy / 2 - 0.003), sz + TRAY_RIM / 2), WOOD
            )
        )
        parts.append(
            Part(
                "box", (0.006, sy, TRAY_RIM), (sign * (sx / 2 - 0.003), 0, sz + TRAY_RIM / 2), WOOD
            )
        )
    return Prop(parts)


# -- care -----------------------------------------------------------------------------

GLASS_INNER_RADIUS = 0.025
GLASS_HEIGHT = 0.095
GLASS_PARTICLES = 28
GLASS_GRASP_HEIGHT = 0.065
"""m above the bottom, above the full glass's centre of mass: it hangs upright."""


def water_glass() -> Prop:
    """A clear tumbler 5.8 cm across. Grasp like a cup, from any side."""
    return vessel(GLASS_INNER_RADIUS, GLASS_HEIGHT, GLASS, GLASS_PARTICLES)


PILL_BOX_SIZE = (0.060, 0.050, 0.028)


def pill_box() -> Prop:
    """A weekly pill box, 6 x 5 x 2.8 cm. Grasp from above, jaws across its 5 cm (y):
    the SO-101's bent jaw pad lies flat on a 5-6 cm body (narrower, its tip pinches the
    top edge and the box turns out of the grip when carried)."""
    sx, sy, sz = PILL_BOX_SIZE
    return Prop(
        [
            Part("box", (sx, sy, sz - 0.006), (0, 0, (sz - 0.006) / 2), PILL_BOX_COLOUR),
            Part("box", (sx, sy, 0.006), (0, 0, sz - 0.003), PILL_LID_COLOUR),
        ]
    )


TOWEL_SIZE = (0.11, 0.05, 0.03)  # m: a folded hand towel
TOWEL_STRIPE_WIDTH = 0.008  # m


def towel() -> Prop:
    """A folded hand towel, 11 x 5 x 3 cm, its long side along x. Rigid (a block that
    looks soft: white with two blue stripes), because PyBullet's cloth would cost more
    than the whole scene. It cannot roll away from the jaws, as a rolled towel would.

    Grasp from above (gripper pitched ~1.3 rad down), jaws across its 5 cm (y).
    """
    _, sy, sz = TOWEL_SIZE
    parts = [Part("box", TOWEL_SIZE, (0.0, 0.0, sz / 2), TOWEL_COLOUR)]
    for x in (-0.03, 0.03):
        parts.append(
            Part(
                "box",
                (TOWEL_STRIPE_WIDTH, sy + 0.001, sz + 0.001),
                (x, 0.0, sz / 2),
                TOWEL_STRIPE,
                collide=False,
            )
        )
    return Prop(parts)


BASKET_SIZE = (0.15, 0.12, 0.055)
BASKET_WALL = 0.006


def basket() -> Prop:
    """An open wicker basket; things are placed on its floor (inside)."""
    sx, sy, sz = BASKET_SIZE
    w = BASKET_WALL
    parts = [Part("box", (sx, sy, w), (0, 0, w / 2), WICKER)]
    for sign in (-1, 1):
        parts.append(Part("box", (sx, w, sz), (0, sign * (sy - w) / 2, sz / 2), WICKER))
        parts.append(Part("box", (w, sy - 2 * w, sz), (sign * (sx - w) / 2, 0, sz / 2), WICKER))
    return Prop(parts)


# -- furniture ------------------------------------------------------------------------

TABLE_THICKNESS = 0.04
TABLE_LEG = 0.05


def table(size_x: float, size_y: float, height: float, colour: RGBA = WOOD) -> Prop:
    """A table whose top's upper face is at `height` (m); reference = floor centre."""
    parts = [
        Part("box", (size_x, size_y, TABLE_THICKNESS), (0, 0, height - TABLE_THICKNESS / 2), colour)
    ]
    leg_h = height - TABLE_THICKNESS
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(
                Part(
                    "box",
                    (TABLE_LEG, TABLE_LEG, leg_h),
                    (sx * (size_x / 2 - TABLE_LEG), sy * (size_y / 2 - TABLE_LEG), leg_h / 2),
                    DARK_WOOD,
                )
            )
    return Prop(parts)


def chair(seat_height: float, colour: RGBA = DARK_WOOD) -> Prop:
    """An armchair facing +x (as a person's frame does); reference = floor centre under
    the seat. Sizes (m): a 0.50 x 0.48 seat, a 0.55 m backrest behind it."""
    return Prop(
        [
            Part("box", (0.48, 0.50, 0.08), (0, 0, seat_height - 0.04), colour),
            Part("box", (0.08, 0.50, 0.55), (-0.22, 0, seat_height + 0.235), colour),
            Part(
                "box",
                (0.40, 0.44, seat_height - 0.08),
                (-0.02, 0, (seat_height - 0.08) / 2),
                colour,
            ),
        ]
    )
