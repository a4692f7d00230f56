"""Real-time factor of the PyBullet twin (issue 4): simulated seconds per wall second.

Each scene is built with its particles (DIRECT mode, 240 Hz, one thread), then stepped
for --seconds with the arm holding its start pose; real-time factor = simulated time /
CPU time of this process (PyBullet DIRECT steps in this one thread, so CPU time is what
one core spends, whatever else the shared machine runs), median of --repeats runs. The
wall-clock figure of the same runs is printed beside it. Two figures per scene:

- rtf_<scene>: as the twin runs, resting bodies may sleep (Bullet wakes them on
  contact); this is what a developer's headless run costs while the arm works on one
  object and the rest of the scene waits.
- rtf_<scene>_awake: no body may sleep, every particle is solved every step: the worst
  case, e.g. while the teapot is carried and its tea sloshes.

    python -m benchmarks.sim [--seconds 10] [--repeats 3] [--json FILE]
"""

from __future__ import annotations

import statistics
import time

from benchmarks.common import parser, report
from sim.scenes import build_scene
from sim.world import PHYSICS_RATE_HZ, World

SCENES = ("tea", "care")


def real_time_factor(scene_name: str, seconds: float, awake: bool) -> tuple[float, float]:
    """(simulated s per CPU s, simulated s per wall s) over `seconds` of simulation."""
    with World(rate_hz=PHYSICS_RATE_HZ) as world:
        scene = build_scene(world, scene_name, seed=0)
        if awake:
            scene.keep_awake()
        steps = round(seconds * world.rate_hz)
        cpu, wall = time.process_time(), time.perf_counter()
        world.step(steps)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    simulated = steps / world.rate_hz
    return simulated / cpu, simulated / wall


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0, help="simulated seconds per run")
    p.add_argument("--repeats", type=int, default=3, help="runs per figure (median)")
    args = p.parse_args()
    rows = []
    for name in SCENES:
        for awake in (False, True):
            runs = [real_time_factor(name, args.seconds, awake) for _ in range(args.repeats)]
            key = f"rtf_{name}" + ("_awake" if awake else "")
            wall = statistics.median(r[1] for r in runs)
            note = "x real time per CPU second, " + (
                "every body awake" if awake else "sleeping allowed"
            )
            rows.append((key, statistics.median(r[0] for r in runs), f"{note} (wall: {wall:.1f})"))
    report(
        f"PyBullet twin, {PHYSICS_RATE_HZ:.0f} Hz, DIRECT, {args.seconds:.0f} s", rows, args.json
    )


if __name__ == "__main__":
    main()
