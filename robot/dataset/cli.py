"""`robot dataset`: LeRobot datasets (v3.0) of the twin's episodes, and LeRobot
recordings played on the twin.

    robot dataset generate --out out/tea-ds --families serve_tea,fill_cup \\
        --episodes 100 --seed-start 20000 --processes 2
    robot dataset export out/run.mcap --out out/run-ds
    robot dataset play ~/lerobot/so101-ds --episode 3 \\
        --calibration ~/.cache/huggingface/lerobot/calibration/robots/so101_follower/arm.json

`generate` runs seeded episodes of request families (robot/launch/families.py, those
of benchmarks/episodes.py) on the twin in parallel processes and writes them with the
overview and wrist cameras as videos; `--scene S` takes every family of scene S.
`export` turns the requests of a `robot run --record` recording into episodes (joint
positions and commands, no videos: a recording holds no pictures; `robot run --dataset
DIR` takes the cameras too). `play` replays an episode's joint positions on the twin
(`--launch` a sim or hil launch file) through the motion loop and its safety
supervisor. Datasets: observation.state = measured joint positions, action = the
positions commanded in the same tick, in rad (info.json "units"), at --fps.
docs/datasets.md says more.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from core.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    gen = sub.add_parser("generate", help="generate episodes on the twin, in parallel")
    gen.add_argument("--out", required=True, help="the dataset's directory")
    gen.add_argument("--scene", help="every family of this scene (tea, care, breakfast)")
    gen.add_argument("--families", help="comma-separated families (default: all, or --scene's)")
    gen.add_argument("--episodes", type=int, default=10, help="episodes in all")
    gen.add_argument("--seed-start", type=int, default=0, help="scene seed of episode 0")
    gen.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    gen.add_argument("--fps", type=int, default=15, help="rows and frames per second")
    gen.add_argument("--size", default="320x240", help="frame size WIDTHxHEIGHT (px, even)")
    gen.add_argument("--cameras", default="overview,wrist", help="comma-separated cameras")
    gen.add_argument("--codec", default="h264", choices=("h264", "libsvtav1"))
    gen.add_argument("--shadows", action="store_true", help="render shadows (~4x slower)")
    gen.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    gen.add_argument("--report", metavar="FILE", help="write the throughput figures (JSON)")

    exp = sub.add_parser("export", help="a `robot run --record` recording as a dataset")
    exp.add_argument("recordings", nargs="+", help="MCAP files")
    exp.add_argument("--out", required=True, help="the dataset's directory")
    exp.add_argument("--fps", type=int, default=15)
    exp.add_argument(
        "--clock",
        default="ticks",
        choices=("ticks", "stamps"),
        help="ticks: one joint state per 10 ms of the arm's clock (sim runs); stamps: "
        "their stamp_ns (real-time runs)",
    )
    exp.add_argument("--overwrite", action="store_true")

    play = sub.add_parser("play", help="replay a LeRobot episode's joints on the twin")
    play.add_argument(
        "dataset", help="a LeRobot v3.0 dataset's directory (or a file in it: a data parquet)"
    )
    play.add_argument("--episode", type=int, default=0)
    play.add_argument(
        "--calibration",
        help="the LeRobot calibration JSON it was recorded with (not needed for ours, in rad)",
    )
    play.add_argument(
        "--norm",
        default="range_m100_100",
        choices=("range_m100_100", "degrees"),
        help="LeRobot's motor norm mode of the arm joints (use_degrees=True: degrees); "
        "the gripper is range_0_100",
    )
    play.add_argument(
        "--column", default="observation.state", choices=("observation.state", "action")
    )
    play.add_argument("--launch", default="launch/tea_sim.toml", help="a sim or hil launch file")
    play.add_argument("--speed", type=float, default=1.0, help="playback speed factor")


def run(args: argparse.Namespace) -> int:
    if args.action == "generate":
        return _generate(args)
    if args.action == "export":
        return _export(args)
    return _play(args)


def _generate(args: argparse.Namespace) -> int:
    from robot.dataset.generate import GenerateConfig, generate
    from robot.launch.families import FAMILIES

    if args.families:
        families = tuple(f.strip() for f in args.families.split(",") if f.strip())
    else:
        families = tuple(n for n, f in FAMILIES.items() if args.scene in (None, f.scene))
    if args.scene:
        scenes = sorted({f.scene for f in FAMILIES.values()})
        if not families:
            raise ConfigError(f"--scene {args.scene}: no family is of it (scenes: {scenes})")
        wrong = [f for f in families if f in FAMILIES and FAMILIES[f].scene != args.scene]
        if wrong:
            raise ConfigError(f"--scene {args.scene}: families {wrong} are not of it")
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 320x240") from None
    config = GenerateConfig(
        families=families,
        episodes=args.episodes,
        seed_start=args.seed_start,
        fps=args.fps,
        size=(width, height),
        cameras=tuple(c.strip() for c in args.cameras.split(",") if c.strip()),
        codec=args.codec,
        shadows=args.shadows,
    )
    report = generate(config, args.out, processes=args.processes, overwrite=args.overwrite)
    figures = {
        "episodes": report.episodes,
        "successes": report.successes,
        "processes": report.processes,
        "frames": report.frames,
        "sim_time_s": round(report.sim_time_s, 2),
        "wall_time_s": round(report.wall_time_s, 2),
        "episodes_per_hour_per_core": round(report.episodes_per_hour_per_core, 1),
        "real_time_factor_per_core": round(report.real_time_factor_per_core, 3),
        "real_time_factor_per_cpu": round(report.real_time_factor_per_cpu, 3),
    }
    print(
        f"{args.out}: {report.episodes} episodes ({report.successes} succeeded), "
        f"{report.frames} frames at {args.fps} fps, {args.size}, {len(config.cameras)} "
        f"cameras; {report.wall_time_s:.0f} s on {report.processes} processes: "
        f"{report.episodes_per_hour_per_core:.0f} episodes/h/core, "
        f"{report.real_time_factor_per_core:.2f}x real time per core "
        f"({report.real_time_factor_per_cpu:.2f}x per CPU second the episodes used)"
    )
    if args.report:
        Path(args.report).write_text(json.dumps(figures, indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    from core.profile import load_profile
    from robot.dataset.export import episodes_from_recording
    from robot.dataset.writer import DatasetWriter

    joints = [j.name for j in load_profile("so101").joints]
    writer = DatasetWriter(
        args.out,
        fps=args.fps,
        joints=joints,
        source="robot dataset export",
        overwrite=args.overwrite,
    )
    count = 0
    for path in args.recordings:
        for episode in episodes_from_recording(path, args.fps, args.clock):
            writer.add(episode)
            count += 1
    writer.finish()
    print(f"{args.out}: {count} episodes from {len(args.recordings)} recordings")
    return 0


def _play(args: argparse.Namespace) -> int:
    from robot.dataset.play import play_episode

    result = play_episode(
        args.dataset,
        args.episode,
        calibration=args.calibration,
        norm=args.norm,
        column=args.column,
        launch=args.launch,
        speed=args.speed,
    )
    print(result.summary())
    return 0
