"""Physics only: nothing passes through anything, over seeded runs.

A step hook watches every contact in the world while the arm works: penetration
(negative contact distance) must stay within PENETRATION_TOL, and every object's
reference point (the centre of its bottom) must stay on or above the table top (or the
floor, if something falls off).

One exception, measured and stated: a drop that falls off the table hits the floor at
~3.8 m/s, 1.6 cm per 240 Hz step, and overlaps the floor by up to that much for one
step before it is pushed out. Particle-floor contacts are not held to the tolerance.
"""

from __future__ import annotations

import numpy as np
import pybullet as p
import pytest
import sim_motions as motions
from things import grasp_height, vessel

from core.catalogue.geometry import WALL_M
from sim.scene import Scene
from sim.scenes import build_scene
from sim.world import World

PENETRATION_TOL = 0.006  # m: drops landing at 1-2 m/s overlap by up to ~5 mm for a step;
# less than a drop's radius (8 mm), so nothing can pass through
CHECK_EVERY = 4  # physics steps between checks
SUPPORT_TOL = 0.003  # m below a support top that still counts as resting on it


class PenetrationWatch:
    """Records the deepest contact and the lowest object bottom seen during a run."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.deepest = 0.0
        self.deepest_pair: tuple[int, int] = (-1, -1)
        self.below_support: list[str] = []
        self.table_top = next(iter(scene.surfaces.values())).top_centre[2]
        scene.world.add_step_hook(self.check)

    def check(self) -> None:
        world = self.scene.world
        if world.steps % CHECK_EVERY:
            return
        floor = self.scene.floor.body_id if self.scene.floor is not None else -1
        particles = set(self.scene.liquid.particles)
        for contact in p.getContactPoints(physicsClientId=world.client):
            pair = {contact[1], contact[2]}
            if floor in pair and pair & particles:
                continue
            if contact[8] < self.deepest:
                self.deepest = contact[8]
                self.deepest_pair = (contact[1], contact[2])
        for name, obj in self.scene.objects.items():
            (x, y, low), _ = obj.body.frame_pose()
            on_table = all(
                abs(c - t) <= h
                for c, t, h in zip(
                    (x, y),
                    next(iter(self.scene.surfaces.values())).top_centre[:2],
                    next(iter(self.scene.surfaces.values())).half_extents[:2],
                    strict=True,
                )
            )
            support = self.table_top if on_table else 0.0
            if low < support - SUPPORT_TOL - PENETRATION_TOL:
                self.below_support.append(f"{name} at t={world.sim_time_s:.2f}: z {low:.4f}")


def _run(seed: int, action: str) -> PenetrationWatch:
    with World() as world:
        scene = build_scene(world, "tea", seed=seed)
        watch = PenetrationWatch(scene)
        if action == "pick":
            at = motions.side_grasp(
                scene, "cup_red", grasp_height("cup_red"), vessel("cup_red").inner_radius_m + WALL_M
            )
            motions.move_line(scene, at, at + np.array([0.0, 0.0, 0.06]), 1.0, motions.CLOSED_RAD)
        else:
            motions.pour(scene, "teapot", "cup_red")
        world.step(120)
    return watch


@pytest.mark.parametrize("seed", [0, 1])
def test_nothing_passes_through_during_a_pick(seed: int) -> None:
    watch = _run(seed, "pick")
    assert watch.deepest >= -PENETRATION_TOL, (watch.deepest, watch.deepest_pair)
    assert not watch.below_support


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8))
def test_nothing_passes_through_during_a_pour(seed: int) -> None:
    watch = _run(seed, "pour")
    assert watch.deepest >= -PENETRATION_TOL, (watch.deepest, watch.deepest_pair)
    assert not watch.below_support


@pytest.mark.parametrize("name", ["tea", "care"])
@pytest.mark.parametrize("seed", range(4))
def test_start_layout_has_no_overlaps(name: str, seed: int) -> None:
    """Randomised start poses never put two objects into each other."""
    with World() as world:
        scene = build_scene(world, name, seed=seed)
        ids = [o.body.body_id for o in scene.objects.values()]
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                assert not p.getClosestPoints(a, b, 0.0, physicsClientId=world.client)
