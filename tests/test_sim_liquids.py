"""Liquids: particles in vessels, fill levels, spill counting."""

from __future__ import annotations

import numpy as np
import pytest
from things import capacity

from core.catalogue import thing
from sim.bodies import build_body
from sim.liquids import PARTICLE_RADIUS, TEA, Liquid, Vessel, spawn_points
from sim.props import prop_of
from sim.scenes.common import build_floor
from sim.world import World

SETTLE_STEPS = 480


def test_spawn_points_fit_inside_and_do_not_overlap() -> None:
    cavity = prop_of(thing("teapot")).cavity
    assert cavity is not None
    pts = spawn_points(cavity, capacity("teapot"))
    assert len(pts) == capacity("teapot")
    gaps = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(len(pts))
    assert gaps.min() >= 2 * PARTICLE_RADIUS
    assert np.hypot(pts[:, 0], pts[:, 1]).max() + PARTICLE_RADIUS <= cavity.radius
    assert pts[:, 2].max() + PARTICLE_RADIUS <= cavity.rim


def test_too_many_particles_is_a_clear_error() -> None:
    cavity = prop_of(thing("cup_red")).cavity
    assert cavity is not None
    with pytest.raises(ValueError, match="do not fit"):
        spawn_points(cavity, 500)


def _world_with_cup() -> tuple[World, Vessel, Liquid]:
    world = World()
    build_floor(world.client)
    prop = prop_of(thing("cup_red"))
    assert prop.cavity is not None
    body = build_body(world.client, prop.parts, 0.06, (0.0, 0.0, 0.0))
    return world, Vessel("cup", body, prop.cavity), Liquid(world.client)


def test_particles_stay_in_a_resting_vessel_and_count_as_inside() -> None:
    world, cup, liquid = _world_with_cup()
    with world:
        liquid.fill(cup, 10, TEA)
        world.step(SETTLE_STEPS)
        assert liquid.count_inside(cup) == 10
        assert liquid.spilled([cup], [0]) == set()


def test_particles_outside_every_vessel_count_as_spilled() -> None:
    world, cup, liquid = _world_with_cup()
    with world:
        liquid.fill(cup, 5, TEA)
        # A tray 0.3 m away; three drops start above it (set-up) and land on it.
        tray = build_body(world.client, prop_of(thing("tray")).parts, 0.0, (0.3, 0.0, 0.0))
        assert cup.cavity is not None
        over_tray = Vessel("over_tray", tray, cup.cavity)
        drops = liquid.fill(over_tray, 3, TEA)
        world.step(SETTLE_STEPS)
        floor = 0
        spilled = liquid.spilled([cup], [floor, tray.body_id])
        assert spilled == set(drops)
        assert liquid.count_inside(cup) == 5
        assert liquid.touching([tray.body_id]) == set(drops)
