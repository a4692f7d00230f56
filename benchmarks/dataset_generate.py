"""Dataset generation throughput: episodes per hour per core, and simulated seconds per
wall second per core (x real time), generating a LeRobot dataset with two cameras.

    python -m benchmarks.dataset_generate --episodes 4 --processes 2 --json out.json

Runs `robot.dataset.generate.generate` (the episodes in `--processes` spawned processes,
each rendering the overview and wrist cameras at `--fps` and `--size` and encoding them,
then the writer joining videos and writing the meta) into a temporary directory (or
`--out`). "Per core": divided by the processes, which should not exceed the cores
(target: >= 0.5x real time per core at 15 fps, 320x240, two cameras). The wall time is
the whole run's, the dataset written (the planner's loading in each process included).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import parser, percentile, report
from robot.dataset.generate import GenerateConfig, generate

DEFAULT_FAMILIES = "breakfast_bowl,towel_to_basket,breakfast_handover,fill_cup"


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=4)
    p.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--families", default=DEFAULT_FAMILIES)
    p.add_argument("--seed-start", type=int, default=20_000)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--size", default="320x240")
    p.add_argument("--codec", default="h264")
    p.add_argument("--out", help="keep the dataset here (default: a temporary directory)")
    args = p.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    config = GenerateConfig(
        families=tuple(args.families.split(",")),
        episodes=args.episodes,
        seed_start=args.seed_start,
        fps=args.fps,
        size=(width, height),
        codec=args.codec,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "ds"
        start = time.perf_counter()
        result = generate(config, out, processes=args.processes, overwrite=bool(args.out))
        total = time.perf_counter() - start
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
    setting = f"{args.fps} fps, {args.size}, 2 cameras, {args.codec}, {args.processes} processes"
    rows = [
        ("episodes_per_hour_per_core", result.episodes_per_hour_per_core, setting),
        ("real_time_factor_per_core", result.real_time_factor_per_core, "x real time, >= 0.5"),
        ("real_time_factor_per_cpu", result.real_time_factor_per_cpu, "x, per CPU second used"),
        ("episodes", float(result.episodes), f"families {args.families}"),
        ("successes", float(result.successes), "judged from the world"),
        ("frames", float(result.frames), "rows (each with a frame per camera)"),
        ("sim_time_s", result.sim_time_s, "s simulated, all episodes"),
        ("wall_time_s", result.wall_time_s, "s, episodes run"),
        ("total_wall_time_s", total, "s, with the dataset written"),
        ("median_episode_wall_s", percentile(result.episode_wall_s, 50), "s in its process"),
        ("dataset_mb", size_mb, "MB on disk"),
    ]
    report("dataset_generate", rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
