"""Marker pose error in the twin: where the detector puts each thing against where the
physics has it.

Each scene (tea, care, breakfast) is built on held-out seeds; the side camera
(sim/cameras.py, where the things' markers face) renders 640x480; the detector
(robot/perception/markers.py) finds the tags and locates their things, standing on the
scene's fixed surfaces. Error: the distance between a thing's located reference point
and the twin's ground truth. Only things whose tag is at most 0.8 m from the camera
count (the issue's range); the rest are counted apart. Seeds 40000-40009 chose the
camera and the method (a tag's own pose was 15-57 mm off; standing it on its support
brought that under 3 mm); 41000 on are held out. Targets (issue 16): median <= 5 mm,
p95 <= 15 mm. Then the perception process (robot/perception/process.py) runs on the
twin's camera for `RATE_RUN_S`, sent a snapshot every 50 ms as the hil stack sends them:
the frames it sustains a second, on this machine.

    .venv/bin/python -m benchmarks.perception [--seeds 20] [--seed-start 41000] [--json F]
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import parser, percentile, report
from core.catalogue import load_scene
from robot.perception.markers import MarkerDetector, markers_of, things_seen
from robot.perception.process import (
    CameraSpec,
    PerceptionProcess,
    supports_of,
    twin_camera_model,
)
from sim.cameras import HEIGHT, WIDTH, render
from sim.scenes import build_scene
from sim.world import World

SCENES = ("tea", "care", "breakfast")
RATE_RUN_S = 10.0
SNAPSHOT_PERIOD_S = 0.05
RANGE_M = 0.8
TARGET_MEDIAN_MM = 5.0
TARGET_P95_MM = 15.0


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--seed-start", type=int, default=41000)
    args = p.parse_args()
    errors_mm: list[float] = []
    render_ms: list[float] = []
    detect_ms: list[float] = []
    marked = in_range_missed = beyond_range = 0
    for scene_name in SCENES:
        description = load_scene(scene_name)
        markers = markers_of(description.things)
        supports = supports_of(description)
        for seed in range(args.seed_start, args.seed_start + args.seeds):
            with World() as world:
                scene = build_scene(world, scene_name, seed=seed)
                model = twin_camera_model(scene)
                detector = MarkerDetector(model, markers)
                started = time.perf_counter()
                picture = render(scene, "side")
                rendered = time.perf_counter()
                sightings = detector.detect(picture.rgb)
                seen = things_seen(sightings, markers, supports, model)
                detect_ms.append((time.perf_counter() - rendered) * 1e3)
                render_ms.append((rendered - started) * 1e3)
                truth = scene.state().objects
                distances = {s.marker_id: s.distance_m for s in sightings}
                marked += len(markers)
                for name, marker in markers.items():
                    if name not in seen:
                        in_range_missed += 1
                        continue
                    if distances[marker.id] > RANGE_M:
                        beyond_range += 1
                        continue
                    error = seen[name][:3, 3] - np.array(truth[name].position)
                    errors_mm.append(float(np.linalg.norm(error)) * 1e3)
            print(f"{scene_name} seed {seed}: {len(seen)}/{len(markers)} things seen", flush=True)
    frames_per_s, frame_s = sustained_rate(args.seed_start)
    median, p95 = percentile(errors_mm, 50), percentile(errors_mm, 95)
    report(
        f"Marker pose error in the twin, side camera {WIDTH}x{HEIGHT}, "
        f"{args.seeds} held-out seeds a scene",
        [
            ("pose_error_median_mm", median, f"target <= {TARGET_MEDIAN_MM:.0f}"),
            ("pose_error_p95_mm", p95, f"target <= {TARGET_P95_MM:.0f}"),
            ("pose_error_max_mm", max(errors_mm), "mm"),
            ("located_within_range", len(errors_mm), f"things, of {marked} marked"),
            ("seen_beyond_range", beyond_range, f"things further than {RANGE_M} m"),
            ("not_seen", in_range_missed, "things whose tag was not found"),
            ("render_ms_p50", percentile(render_ms, 50), "ms (the twin's camera)"),
            ("detect_ms_p50", percentile(detect_ms, 50), "ms (find, locate)"),
            ("detect_ms_p95", percentile(detect_ms, 95), "ms"),
            ("process_frames_per_s", frames_per_s, "frames a second, twin camera"),
            ("process_frame_ms_p50", percentile(frame_s, 50) * 1e3, "ms (render, find, locate)"),
        ],
        args.json,
        {"met": median <= TARGET_MEDIAN_MM and p95 <= TARGET_P95_MM},
    )


def sustained_rate(seed: int) -> tuple[float, list[float]]:
    """Frames a second the perception process sustains on the tea twin, and each
    frame's time (s)."""
    with World() as world:
        scene = build_scene(world, "tea", seed=seed)
        truth, joints = scene.state(), scene.arm.state()[0]
    camera = PerceptionProcess(CameraSpec("twin", "tea", seed))
    times: list[float] = []
    try:
        end = time.monotonic() + RATE_RUN_S
        while time.monotonic() < end:
            camera.send_snapshot(truth, joints)
            seen = camera.poll()
            times += [] if seen is None else [seen.frame_s]
            time.sleep(SNAPSHOT_PERIOD_S)
    finally:
        camera.close()
    return len(times) / RATE_RUN_S, times


if __name__ == "__main__":
    main()
