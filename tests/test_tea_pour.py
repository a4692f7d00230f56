"""The lidded teapot pours through its spout only."""

from __future__ import annotations

import math

import numpy as np
import pybullet as p
from things import capacity, pot

from core.catalogue import thing
from core.catalogue.geometry import (
    SPOUT_WIDTH_M,
    WINDOW_HEIGHT_M,
    spout_tip,
    window_bottom,
)
from sim.bodies import build_body
from sim.liquids import PARTICLE_RADIUS, TEA, Liquid, Vessel, spawn_points
from sim.props import prop_of
from sim.scenes.common import build_floor
from sim.world import World

ML_PER_PARTICLE = 7.0
"""sim/liquids.py: a 16 mm drop stands for ~7 ml."""
POT_HEIGHT_M = 0.40
"""Where the test's static teapot hangs, its bottom above the floor (m)."""
SPOUT_REACH_M = 0.03
"""A drop that left through the spout passes below the tip within this (m)."""
BELOW_TIP_M = 0.05


def test_the_window_passes_one_drop_and_sits_above_the_full_pot() -> None:
    prop = prop_of(thing("teapot"))
    assert prop.cavity is not None
    full = spawn_points(prop.cavity, capacity("teapot"))
    assert full[:, 2].max() + PARTICLE_RADIUS < window_bottom(pot())
    drop = 2 * PARTICLE_RADIUS
    assert drop < WINDOW_HEIGHT_M < 2 * drop
    assert drop < SPOUT_WIDTH_M < 2 * drop


def _tilted_teapot(tilt_rad: float) -> tuple[World, Vessel, Liquid, np.ndarray]:
    """A static full teapot (set-up, before physics runs) rolled `tilt_rad` about its x
    axis, spout side down, as the pour skill holds it; and its spout tip (world)."""
    world = World()
    build_floor(world.client)
    prop = prop_of(thing("teapot"))
    assert prop.cavity is not None
    body = build_body(world.client, prop.parts, 0.0, (0.0, 0.0, POT_HEIGHT_M))
    orientation = p.getQuaternionFromEuler((-tilt_rad, 0.0, 0.0))
    p.resetBasePositionAndOrientation(
        body.body_id, (0.0, 0.0, POT_HEIGHT_M), orientation, physicsClientId=world.client
    )
    vessel = Vessel("teapot", body, prop.cavity)
    liquid = Liquid(world.client)
    liquid.fill(vessel, capacity("teapot"), TEA)
    rotation = np.array(p.getMatrixFromQuaternion(orientation)).reshape(3, 3)
    tip = np.array([0.0, 0.0, POT_HEIGHT_M]) + rotation @ np.asarray(spout_tip(pot()))
    return world, vessel, liquid, tip


def test_a_teapot_tilted_45_degrees_keeps_its_tea() -> None:
    world, vessel, liquid, _ = _tilted_teapot(math.radians(45.0))
    with world:
        world.step(round(1.0 * world.rate_hz))
        assert liquid.count_inside(vessel) == capacity("teapot")


def test_a_teapot_on_its_side_pours_through_its_spout_only() -> None:
    """A lid-less pot tilted this far pours over its whole rim; this one's drops all
    fall past the spout's tip."""
    world, _, liquid, tip = _tilted_teapot(math.radians(90.0))
    with world:
        level = tip[2] - BELOW_TIP_M
        crossed: dict[int, np.ndarray] = {}
        before = liquid.positions()
        for _ in range(round(2.0 * world.rate_hz)):
            world.step(1)
            now = liquid.positions()
            for body, old, new in zip(liquid.particles, before, now, strict=True):
                if body not in crossed and old[2] >= level > new[2]:
                    crossed[body] = new[:2]
            before = now
        assert len(crossed) >= capacity("teapot") // 3
        misses = [xy for xy in crossed.values() if np.linalg.norm(xy - tip[:2]) > SPOUT_REACH_M]
        assert not misses, (tip[:2], misses)
