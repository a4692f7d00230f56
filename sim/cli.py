"""`robot sim`: open a scene in the PyBullet twin, look at it, take pictures.

    robot sim --scene tea --snapshot tea.png            # overview picture, headless
    robot sim --scene care --camera wrist --snapshot wrist.png --depth depth.png
    robot sim --scene tea --camera table --seconds 3 --gif tea.gif   # a recording
    robot sim --scene tea --gui                         # a window, in real time
    robot sim --scene tea --state                       # the WorldState as JSON

The arm holds its start pose; objects move only by physics.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from core.catalogue import scene_names
from core.msgs import encode_json
from sim.cameras import CAMERA_NAMES, render, save_png
from sim.scenes import build_scene
from sim.video import DEFAULT_FPS, Recorder
from sim.world import PHYSICS_RATE_HZ, World

DEPTH_RANGE_M = 2.0  # depth pictures map 0..DEPTH_RANGE_M to white..black


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.add_argument(
        "--scene",
        required=True,
        metavar="FILE_OR_NAME",
        help=f"scene to open: one of {', '.join(scene_names())}, or a scene file",
    )
    parser.add_argument("--profile", default="so101", help="robot profile (so101, panda)")
    parser.add_argument("--seed", type=int, default=0, help="randomisation seed (default 0)")
    parser.add_argument("--gui", action="store_true", help="open a PyBullet window")
    parser.add_argument("--seconds", type=float, default=0.0, help="simulate this long first")
    parser.add_argument("--rate", type=float, default=PHYSICS_RATE_HZ, help="physics rate (Hz)")
    parser.add_argument("--camera", default="overview", choices=CAMERA_NAMES)
    parser.add_argument("--snapshot", metavar="FILE.png", help="write an RGB picture")
    parser.add_argument("--depth", metavar="FILE.png", help="write a depth picture")
    parser.add_argument("--segmentation", metavar="FILE.png", help="write a segmentation picture")
    parser.add_argument("--gif", metavar="FILE.gif", help="record --seconds of simulation")
    parser.add_argument("--state", action="store_true", help="print the WorldState as JSON")


def _depth_png(depth: np.ndarray) -> np.ndarray:
    grey = 255.0 * (1.0 - np.clip(depth / DEPTH_RANGE_M, 0.0, 1.0))
    return np.repeat(grey.astype(np.uint8)[:, :, None], 3, axis=2)


def _segmentation_png(seg: np.ndarray) -> np.ndarray:
    """One distinct colour per body id, black background."""
    rng = np.random.default_rng(0)
    palette = rng.integers(60, 256, size=(int(seg.max()) + 2, 3), dtype=np.uint8)
    palette[0] = 0
    return palette[seg + 1]


def run(args: argparse.Namespace) -> int:
    with World(gui=args.gui, rate_hz=args.rate) as world:
        scene = build_scene(world, args.scene, seed=args.seed, profile=args.profile)
        recorder = None
        if args.gif:
            recorder = Recorder(scene, args.camera, fps=DEFAULT_FPS)
            world.add_step_hook(recorder.on_step)
        steps = round(args.seconds * world.rate_hz)
        for _ in range(steps):
            world.step()
            if args.gui:
                time.sleep(world.time_step)
        if recorder is not None:
            print(f"wrote {recorder.save(args.gif)} ({len(recorder.frames)} frames)")
        if args.snapshot or args.depth or args.segmentation:
            picture = render(scene, args.camera)
            for path, image in (
                (args.snapshot, picture.rgb),
                (args.depth, _depth_png(picture.depth)),
                (args.segmentation, _segmentation_png(picture.segmentation)),
            ):
                if path:
                    save_png(image, path)
                    print(f"wrote {path}")
        if args.state:
            sys.stdout.write(encode_json(scene.state()).decode() + "\n")
            print(f"spilled={scene.spilled()} on_person={scene.on_person()}", file=sys.stderr)
        if args.gui and not args.seconds:
            print("simulating in real time; close the window or press Ctrl-C to stop")
            while world.connected():
                world.step()
                time.sleep(world.time_step)
    return 0
