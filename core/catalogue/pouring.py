"""What a vessel keeps when it is tilted: the model a pour is aimed by, with no sensor of
the liquid.

A vessel tilted lip first, slowly, and held, keeps a fill level that depends on the tilt
alone, once the fill is above it: what was above it has left. `held_at` is that curve.
It is the thing's catalogue `held_at_tilt`, measured (`python -m sim.pour_curve` in the
twin; a kitchen scale with a real pot), or else, for an open vessel, the volume of its
cavity below its rim's lowest point. So the pour skill tilts to the tilt that keeps what
the target should not get (`tilt_to_keep`), and a world without a liquid sensor keeps
its fill levels by the same curve (robot/perception/fills.py).

Tilts are radians, lip first, from upright; fill levels are 0..1 of the vessel's
`full_volume_ml`.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from core.catalogue.geometry import FLOOR_M
from core.catalogue.types import Thing, Vessel
from core.errors import ConfigError

CURVE_STEP_DEG = 1.0
"""A curve from the geometry is tabled at this step."""
CAVITY_SAMPLES = 41
"""Columns across the cavity's diameter when its volume is summed (a 41 x 41 grid)."""


def tilt_of(orientation: tuple[float, float, float, float]) -> float:
    """How far a vessel at `orientation` (world quaternion, x y z w) leans lip first (its
    +y side down) from upright (rad, 0..pi): leaning the other way counts as upright."""
    x, y, z, w = orientation
    y_axis_up = 2.0 * (y * z + w * x)  # the world z of the vessel's +y axis
    z_axis_up = 1.0 - 2.0 * (x * x + y * y)  # the world z of its +z axis
    return max(0.0, math.atan2(-y_axis_up, z_axis_up))


def held_at(thing: Thing, tilt_rad: float) -> float:
    """The fill level `thing` keeps at most, tilted `tilt_rad` lip first and held."""
    degrees, fractions = _curve(thing)
    return float(np.interp(math.degrees(tilt_rad), degrees, fractions))


def tilt_to_keep(thing: Thing, keep: float) -> float:
    """The tilt (rad) up to which `thing` keeps `keep` (0..1) and past which it keeps
    less: where a vessel holding `keep` starts to pour, and where one holding more has
    poured down to `keep`. For `keep` at or below what it keeps upside down, the least
    tilt that empties it that far."""
    degrees, fractions = _curve(thing)
    below = np.nonzero(fractions < keep)[0]
    if len(below) == 0:
        return math.radians(float(degrees[int(np.argmin(fractions))]))
    k = int(below[0])
    if k == 0:
        return 0.0
    # Linear between the curve's points, as held_at reads it.
    d0, d1, f0, f1 = degrees[k - 1], degrees[k], fractions[k - 1], fractions[k]
    return math.radians(float(d0 + (f0 - keep) / (f0 - f1) * (d1 - d0)))


def _curve(thing: Thing) -> tuple[np.ndarray, np.ndarray]:
    """(tilts in degrees, fill levels kept), fill levels non-increasing (checked when the
    thing's file was loaded)."""
    if thing.container is None:
        raise ConfigError(f"{thing.name} holds no liquid: it has no [container]")
    table = thing.container.held_at_tilt
    if table is None:
        return _cavity_curve(thing)
    return np.array([d for d, _ in table], dtype=float), np.array([f for _, f in table])


@cache
def _cavity_curve_of(radius: float, floor: float, rim: float) -> tuple[np.ndarray, np.ndarray]:
    xs = np.linspace(-radius, radius, CAVITY_SAMPLES)
    grid_x, grid_y = np.meshgrid(xs, xs)
    ys = grid_y[grid_x**2 + grid_y**2 <= radius * radius]
    degrees = np.arange(0.0, 180.0 + CURVE_STEP_DEG, CURVE_STEP_DEG)
    fractions = []
    for d in degrees:
        c, s = math.cos(math.radians(d)), math.sin(math.radians(d))
        # Liquid stays below the rim's lowest point, (0, radius, rim): world height
        # z cos - y sin of a point (y, z) of the vessel.
        level = rim * c - radius * s
        if abs(c) < 1e-9:
            column = np.where(-ys * s <= level, rim - floor, 0.0)
        elif c > 0:
            column = np.clip((level + ys * s) / c, floor, rim) - floor
        else:
            column = rim - np.clip((level + ys * s) / c, floor, rim)
        fractions.append(float(column.mean()) / (rim - floor))
    return degrees, np.minimum.accumulate(np.array(fractions))


def _cavity_curve(thing: Thing) -> tuple[np.ndarray, np.ndarray]:
    """An open vessel's curve from its shape: the cavity below its rim's lowest point,
    full to the rim at 1."""
    body = thing.body
    if not isinstance(body, Vessel):
        raise ConfigError(f"{thing.name} has no curve of what it keeps: [container] held_at_tilt")
    return _cavity_curve_of(body.inner_radius_m, FLOOR_M, body.height_m)
