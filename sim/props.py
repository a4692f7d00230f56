"""The catalogue's bodies (core/catalogue) as parts the physics can build.

`prop_of(thing)` turns a thing's body into the parts of one rigid body relative to its
reference point (the centre of its bottom, z up) and, for a container, the `Cavity`
that holds particles. Sizes are in metres; the things' files say why theirs suit the
SO-101's gripper (jaw opening up to ~9 cm, side grasps of bodies 5-7 cm across).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p

from core.catalogue import geometry as g
from core.catalogue.types import (
    Basket,
    Chair,
    Marker,
    Mesh,
    Parts,
    SpoutedPot,
    Table,
    Thing,
    Tray,
    Vessel,
)
from core.msgs import Vec3
from sim.bodies import RGBA, Part, ring_wall_parts

STAVES = 12  # boxes per round wall: round enough to look at, few enough to be cheap


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
    mesh: Mesh | None = None
    """A mesh body instead of parts (its file's path made absolute)."""
    marker: Marker | None = None
    """Its fiducial, drawn on it where a camera looks (sim/markers.py)."""


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


def prop_of(thing: Thing) -> Prop:
    """The parts (or mesh) of `thing`'s body, its cavity if it holds liquid, and its
    spinning friction."""
    body = thing.body
    capacity = thing.container.capacity if thing.container is not None else 0
    if isinstance(body, Vessel):
        prop = vessel(body, capacity)
    elif isinstance(body, SpoutedPot):
        prop = spouted_pot(body, capacity)
    elif isinstance(body, Tray):
        prop = tray(body)
    elif isinstance(body, Basket):
        prop = basket(body)
    elif isinstance(body, Table):
        prop = table(body)
    elif isinstance(body, Chair):
        prop = chair(body)
    elif isinstance(body, Parts):
        prop = Prop([_part(q) for q in body.parts])
    elif isinstance(body, Mesh):
        prop = Prop([], mesh=body)
    else:
        raise ValueError(f"{thing.name!r} has no body the twin can build")
    return Prop(prop.parts, prop.cavity, thing.spinning_friction_m, prop.mesh, thing.marker)


def _part(spec: object) -> Part:
    return Part(spec.shape, spec.size_m, spec.position_m, spec.colour, collide=spec.collide)  # type: ignore[attr-defined]


HANDLE_PARTS = (  # a square loop on +x: top bar, grip, bottom bar (size, x past the wall, z)
    ((0.018, 0.010, 0.006), 0.007, 0.058),
    ((0.006, 0.010, 0.040), 0.016, 0.040),
    ((0.018, 0.010, 0.006), 0.007, 0.022),
)
"""For a cup 7.5 cm tall: its top bar at 5.5-6.1 cm (a side grasp stays below it)."""


def vessel(body: Vessel, capacity: int) -> Prop:
    """An open vessel: a floor disc and a wall of staves, its height tall overall, a
    handle on +x if it has one, a coloured band at the rim if it has a trim."""
    inner, height, colour = body.inner_radius_m, body.height_m, body.colour
    outer = inner + g.WALL_M
    parts = [Part("cylinder", (outer, g.FLOOR_M, 0.0), (0.0, 0.0, g.FLOOR_M / 2), colour)]
    parts += ring_wall_parts(inner, g.WALL_M, height - g.FLOOR_M, g.FLOOR_M, colour, STAVES)
    if body.trim is not None:  # decoration only
        band = Part("cylinder", (outer + 0.0008, 0.006, 0.0), (0, 0, height - 0.004), body.trim)
        parts.append(Part(band.shape, band.size, band.position, band.colour, collide=False))
    if body.handle:
        parts += [Part("box", size, (outer + x, 0.0, z), colour) for size, x, z in HANDLE_PARTS]
    cavity = Cavity(inner, g.FLOOR_M, height, capacity) if capacity else None
    return Prop(parts, cavity)


def _spout(pot: SpoutedPot) -> list[Part]:
    """A square tube leaving the window on +y (floor, two sides, top): the liquid runs
    through the window into it and leaves from its tip, 3 cm clear of the pot's body."""
    base, along, normal = (np.asarray(v) for v in g.spout_frame(pot))
    orientation = tuple(p.getQuaternionFromEuler((g.SPOUT_RISE_RAD, 0.0, 0.0)))
    width, length, plate, side = g.SPOUT_WIDTH_M, g.SPOUT_LENGTH_M, g.SPOUT_PLATE_M, g.SPOUT_SIDE_M
    floor = base + along * length / 2 - normal * plate / 2
    parts = [Part("box", (width + 2 * plate, length, plate), tuple(floor), pot.trim, orientation)]  # type: ignore[arg-type]
    for sign in (-1.0, 1.0):
        centre = base + along * length / 2 + normal * side / 2
        centre[0] = sign * (width + plate) / 2
        parts.append(Part("box", (plate, length, side), tuple(centre), pot.trim, orientation))  # type: ignore[arg-type]
    top = base + along * length / 2 + normal * (side + plate / 2)
    parts.append(Part("box", (width + 2 * plate, length, plate), tuple(top), pot.trim, orientation))  # type: ignore[arg-type]
    return parts


def spouted_pot(pot: SpoutedPot, capacity: int) -> Prop:
    """Floor, octagonal wall with the window cut in its +y flat, the lid with a knob,
    and the spout. The liquid leaves only through the window, into the spout and out of
    its tip (`geometry.spout_tip`): one drop after another, whatever the tilt."""
    inner, rim, colour = pot.inner_radius_m, pot.rim_m, pot.colour
    r_out = inner + g.WALL_M
    corner = r_out / math.cos(math.pi / g.POT_STAVES)
    parts = [Part("cylinder", (r_out, g.FLOOR_M, 0.0), (0.0, 0.0, g.FLOOR_M / 2), colour)]
    walls = ring_wall_parts(inner, g.WALL_M, rim - g.FLOOR_M, g.FLOOR_M, colour, g.POT_STAVES)
    window_side = g.POT_STAVES // 4  # the stave at 90 degrees: the +y flat
    below = g.window_bottom(pot) - g.FLOOR_M
    side = walls[window_side]
    walls[window_side] = Part(
        "box",
        (side.size[0], side.size[1], below),
        (side.position[0], side.position[1], g.FLOOR_M + below / 2),
        colour,
        side.orientation,
    )
    parts += walls
    parts.append(
        Part("cylinder", (corner, g.POT_LID_M, 0.0), (0, 0, rim + g.POT_LID_M / 2), colour)
    )
    knob = (0.0, -0.008, rim + g.POT_LID_M)
    parts.append(Part("sphere", (0.008, 0.0, 0.0), knob, pot.trim, collide=False))
    return Prop(parts + _spout(pot), Cavity(inner, g.FLOOR_M, rim, capacity))


def tray(body: Tray) -> Prop:
    """A flat board with a low rim; things are placed on its top face."""
    sx, sy, sz = body.size_m
    rim = body.rim_m
    parts = [Part("box", body.size_m, (0.0, 0.0, sz / 2), body.colour)]
    for sign in (-1, 1):
        y = sign * (sy / 2 - 0.003)
        x = sign * (sx / 2 - 0.003)
        parts.append(Part("box", (sx, 0.006, rim), (0, y, sz + rim / 2), body.rim_colour))
        parts.append(Part("box", (0.006, sy, rim), (x, 0, sz + rim / 2), body.rim_colour))
    return Prop(parts)


def basket(body: Basket) -> Prop:
    """An open box; things are placed on its floor (inside)."""
    sx, sy, sz = body.size_m
    w, colour = body.wall_m, body.colour
    parts = [Part("box", (sx, sy, w), (0, 0, w / 2), colour)]
    for sign in (-1, 1):
        parts.append(Part("box", (sx, w, sz), (0, sign * (sy - w) / 2, sz / 2), colour))
        parts.append(Part("box", (w, sy - 2 * w, sz), (sign * (sx - w) / 2, 0, sz / 2), colour))
    return Prop(parts)


# -- furniture ------------------------------------------------------------------------

TABLE_THICKNESS = 0.04
TABLE_LEG = 0.05


def table(body: Table) -> Prop:
    """A table whose top's upper face is at its height (m); reference = floor centre."""
    (size_x, size_y), height, colour = body.size_m, body.height_m, body.colour
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
                    body.leg_colour,
                )
            )
    return Prop(parts)


def chair(body: Chair) -> Prop:
    """An armchair facing +x (as a person's frame does); reference = floor centre under
    the seat. Sizes (m): a 0.50 x 0.48 seat, a 0.55 m backrest behind it."""
    seat_height, colour = body.seat_m, body.colour
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
