"""Requests on the full serial path with the world from the twin's camera.

Each held-out seed runs each request with `launch/tea_hil.toml` plus `[camera] source =
"twin"`: the serial limb on the twin-backed virtual bus, in real time, and `WorldState`'s
things from the side camera through the marker detector (robot/perception), carried with
the gripper while held. What the camera does not give yet (persons, surfaces, fill
levels) is still the twin's; the report is judged by the twin's truth. Seeds 42000 on are
held out (the tea request on seed 0 of `tea_hil.toml` was the one debugged on).
Issue 16's target: every family >= 0.9 over 20 held-out seeds.

    .venv/bin/python -m benchmarks.hil_perceived [--seeds 5] [--seed-start 42000] [--json F]
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from benchmarks.common import parser, report
from benchmarks.link_loss import ROOT, robot
from benchmarks.split_episodes import succeeded

REQUESTS = ("Bring the guest a cup of tea.", "Put the blue cup on the tray.")


def launch_with_camera(folder: Path, seed: int) -> Path:
    text = (ROOT / "launch/tea_hil.toml").read_text()
    text = text.replace("seed = 0", f"seed = {seed}")
    text = text.replace('"models/planner"', json.dumps(str(ROOT / "models/planner")))
    path = folder / f"tea_hil_camera_{seed}.toml"
    path.write_text(text + '\n[camera]\nsource = "twin"\n')
    return path


def episode(launch: Path, request: str) -> tuple[bool, str]:
    """Whether `robot run` succeeded, and its judge's words (a failed run's last lines
    are printed by `succeeded`)."""
    ok, said = succeeded(robot("run", str(launch), "-i", request))
    judged = [line.strip() for line in said.splitlines() if "=>" in line]
    return ok, judged[-1] if judged else said.strip()[-200:]


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--seed-start", type=int, default=42000)
    args = p.parse_args()
    wins = dict.fromkeys(REQUESTS, 0)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for seed in range(args.seed_start, args.seed_start + args.seeds):
            launch = launch_with_camera(folder, seed)
            for request in REQUESTS:
                ok, said = episode(launch, request)
                wins[request] += ok
                print(f"seed {seed} {request!r}: {'ok' if ok else 'FAILED'} {said}", flush=True)
    n = args.seeds
    report(
        f"Requests on the hil path with the world from the twin's camera ({n} held-out seeds)",
        [
            (f"success_rate_{i}", wins[r] / n, f"{wins[r]}/{n} {r!r}")
            for i, r in enumerate(REQUESTS)
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
