"""The shapes' fixed proportions, and what a vessel's body says about pouring.

The twin builds bodies from these (sim/props.py) and the pour skill aims with them
(robot/cerebellum/skills/pour.py): one source for both. Metres, in the thing's frame
(origin at the centre of its bottom, z up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.catalogue.types import SpoutedPot, Thing, Vec3, Vessel

WALL_M = 0.004
"""A vessel's wall thickness."""
FLOOR_M = 0.006
"""A vessel's floor thickness."""
POT_LID_M = 0.003
POT_STAVES = 8
"""A spouted pot is an octagon: flats on +-y for the jaws, one on +y for the spout's
window, and few enough parts to leave room for the lid and the spout (PyBullet's
16-shape limit)."""
WINDOW_HEIGHT_M = 0.020
"""The opening in a pot's +y wall under the lid through which the liquid reaches the
spout: taller than one particle (16 mm) but not two, so it leaves in single file."""
SPOUT_LENGTH_M = 0.030
SPOUT_WIDTH_M = 0.024
"""Between the spout's side walls: the window's width, one particle."""
SPOUT_RISE_RAD = math.radians(20.0)
"""The channel climbs outwards from the window."""
SPOUT_PLATE_M = 0.003
SPOUT_SIDE_M = WINDOW_HEIGHT_M
"""Between the spout's floor and its top plate: a closed channel, so a drop can leave
only at the tip, whatever the tilt."""


def window_bottom(pot: SpoutedPot) -> float:
    """Height (m) of the window's sill: above a full pot's surface, so carrying it
    upright spills nothing."""
    return pot.rim_m - WINDOW_HEIGHT_M


def spout_frame(pot: SpoutedPot) -> tuple[Vec3, Vec3, Vec3]:
    """(base, along, normal) of the spout: the middle of the window's sill (m), the
    channel's outward direction and its floor's upward normal."""
    r_out = pot.inner_radius_m + WALL_M
    base = (0.0, r_out - 0.002, window_bottom(pot))
    along = (0.0, math.cos(SPOUT_RISE_RAD), math.sin(SPOUT_RISE_RAD))
    normal = (0.0, -math.sin(SPOUT_RISE_RAD), math.cos(SPOUT_RISE_RAD))
    return base, along, normal


def spout_tip(pot: SpoutedPot) -> Vec3:
    """The middle of the spout's outlet (m): where the stream leaves."""
    base, along, normal = spout_frame(pot)
    return tuple(  # type: ignore[return-value]
        b + a * SPOUT_LENGTH_M + n * SPOUT_SIDE_M / 2
        for b, a, n in zip(base, along, normal, strict=True)
    )


def spout_underside(pot: SpoutedPot) -> float:
    """Height (m) of the spout's lowest point, where it leaves the window: a side grasp's
    jaws must stay below it."""
    return window_bottom(pot) - SPOUT_PLATE_M * math.cos(SPOUT_RISE_RAD)


@dataclass(frozen=True)
class PourShape:
    """What pouring needs of a vessel (m): its cavity's radius, the height of its top
    (rim or lid), and its lip, where the stream leaves (a spout's tip, or the rim on +y,
    the side the wrist's roll lowers)."""

    inner_radius: float
    height: float
    lip: Vec3


def pour_shape(thing: Thing) -> PourShape | None:
    """The pour geometry of a vessel thing; None for anything else."""
    body = thing.body
    if isinstance(body, SpoutedPot):
        return PourShape(body.inner_radius_m, body.rim_m + POT_LID_M, spout_tip(body))
    if isinstance(body, Vessel):
        lip = (0.0, body.inner_radius_m + WALL_M, body.height_m)
        return PourShape(body.inner_radius_m, body.height_m, lip)
    return None
