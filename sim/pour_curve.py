"""Measure what a vessel keeps at each tilt, in the twin: its catalogue `held_at_tilt`.

A full vessel is lifted clear of the table and tilted, lip first, at the pour skill's
slow rate to one tilt, held there until nothing more leaves (HOLD_S), and what it still
holds is counted: one fresh scene per tilt and seed. The median over the seeds, made
non-increasing, is the curve, printed as the TOML line for the thing's `[container]`.
On a real vessel the same is done with a kitchen scale: tilt it full to each angle over
a bowl, hold, weigh what is left.

    python -m sim.pour_curve teapot --scene tea --seeds 0-4
    python -m sim.pour_curve milk_jug --scene breakfast --tilts 70:110:4
"""

from __future__ import annotations

import argparse
import math
import statistics

import numpy as np
import pybullet as p
from tqdm import tqdm

from core.catalogue import thing
from sim.scenes import build_scene
from sim.world import World

LIFT_M = 0.12
"""Clear of the table and of the other things, so what leaves falls away."""
LIFT_S = 1.0
FAST_TILT_RAD_S = 0.8
SLOW_FROM_RAD = math.radians(55.0)
SLOW_TILT_RAD_S = 0.2
"""As the pour skill tilts (robot/cerebellum/skills/pour.py): fast up to 55 degrees,
then slowly."""
HOLD_S = 3.0
"""Drops stop leaving within 2 s of the tilt stopping (measured on the teapot)."""


def held_after_tilt(scene_name: str, name: str, seed: int, tilt_rad: float) -> float:
    """The fill level (0..1) that `name` keeps after a slow tilt to `tilt_rad`, held."""
    with World() as world:
        scene = build_scene(world, scene_name, seed=seed)
        body = scene.objects[name].body
        client, body_id = world.client, body.body_id
        start, upright = p.getBasePositionAndOrientation(body_id, physicsClientId=client)
        # Moved by hand, so the tilt is exactly as asked: no jaws for it to turn in.
        p.changeDynamics(body_id, -1, mass=0.0, physicsClientId=client)

        def pose(lift: float, tilt: float) -> None:
            position = np.asarray(start) + np.array((0.0, 0.0, lift))
            roll = p.getQuaternionFromEuler((-tilt, 0.0, 0.0))  # lowers the +y side: the lip
            _, orientation = p.multiplyTransforms((0, 0, 0), upright, (0, 0, 0), roll)
            p.resetBasePositionAndOrientation(
                body_id, position.tolist(), orientation, physicsClientId=client
            )

        dt = world.time_step
        for k in range(round(LIFT_S / dt)):
            pose(LIFT_M * k * dt / LIFT_S, 0.0)
            world.step()
        tilt = 0.0
        while tilt < tilt_rad:
            rate = SLOW_TILT_RAD_S if tilt >= SLOW_FROM_RAD else FAST_TILT_RAD_S
            tilt = min(tilt_rad, tilt + rate * dt)
            pose(LIFT_M, tilt)
            world.step()
        world.step(round(HOLD_S / dt))
        return scene.fill_level(name)


def curve(medians: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(tilt in degrees, fraction) pairs made non-increasing in fraction, from 1.0 at
    upright: a vessel never holds more for being tilted further."""
    out = [(0.0, 1.0)]
    for degrees, fraction in medians:
        out.append((degrees, round(min(fraction, out[-1][1]), 3)))
    return out


def _range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("thing", help="a vessel of the catalogue, e.g. teapot")
    parser.add_argument("--scene", required=True, help="a scene it is in, e.g. tea")
    parser.add_argument("--seeds", default="0-4", help="scene seeds, FIRST-LAST (default 0-4)")
    parser.add_argument(
        "--tilts", default="60:112:4", help="degrees START:STOP:STEP (default 60:112:4)"
    )
    args = parser.parse_args(argv)
    if thing(args.thing).container is None:
        parser.error(f"{args.thing} holds no liquid: it has no [container]")
    start, stop, step = (int(v) for v in args.tilts.split(":"))
    tilts = list(range(start, stop, step))
    seeds = _range(args.seeds)
    medians = []
    with tqdm(total=len(tilts) * len(seeds), desc=f"tilting {args.thing}") as bar:
        for degrees in tilts:
            kept = []
            for seed in seeds:
                kept.append(held_after_tilt(args.scene, args.thing, seed, math.radians(degrees)))
                bar.update()
            medians.append((float(degrees), statistics.median(kept)))
            tqdm.write(f"{degrees:4d} deg: kept {' '.join(f'{k:.2f}' for k in kept)}")
    pairs = ", ".join(f"[{d:g}, {f:g}]" for d, f in curve(medians))
    print(f"held_at_tilt = [{pairs}]")


if __name__ == "__main__":
    main()
