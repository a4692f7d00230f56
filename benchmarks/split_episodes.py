"""Episodes with the brain in another process over Zenoh, beside the same episodes in
one process: does splitting the cell cost successes?

Each seed runs "Bring the guest a cup of tea." twice on the tea twin: `robot run
launch/tea_sim.toml --seed S` (every layer in one process), and the split cell of
launch/tea_split.toml (`robot up --host brain-box`, then `robot run --host arm-pi`).
Seeds 32000-32009 chose the link watch's silence (robot/link.py: at 200 ms, 6 of 10 split
episodes were stopped for a brain that was alive); 33000 on are held out.

    .venv/bin/python -m benchmarks.split_episodes [--seeds 10] [--seed-start 33000] [--json F]
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import parser, report
from benchmarks.link_loss import ROOT, robot, split_launch
from robot.bus_zenoh import free_port

REQUEST = "Bring the guest a cup of tea."
RUN_TIMEOUT_S = 600.0
STOP_WAIT_S = 30.0


def succeeded(command: list[str]) -> bool:
    """Whether `robot run ...` succeeded; one that hangs past RUN_TIMEOUT_S failed."""
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def one_process(seed: int) -> bool:
    return succeeded(robot("run", "launch/tea_sim.toml", "--seed", str(seed), "-i", REQUEST))


def split(seed: int, folder: Path) -> bool:
    launch = str(split_launch(folder, free_port(), seed))
    up = subprocess.Popen(
        robot("up", launch, "--host", "brain-box"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return succeeded(robot("run", launch, "--host", "arm-pi", "-i", REQUEST))
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--seed-start", type=int, default=33000)
    args = p.parse_args()
    together = apart = 0
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(args.seed_start, args.seed_start + args.seeds):
            one, two = one_process(seed), split(seed, Path(folder))
            together += one
            apart += two
            print(f"seed {seed}: one process {'ok' if one else 'FAILED'}, "
                  f"split {'ok' if two else 'FAILED'}", flush=True)  # fmt: skip
    n = args.seeds
    report(
        f"Tea episodes, one process against the brain over Zenoh ({n} held-out seeds)",
        [
            ("one_process_success_rate", together / n, f"{together}/{n}"),
            ("split_success_rate", apart / n, f"{apart}/{n}"),
            ("target_split_at_least_one_process", float(apart >= together), "1 = met"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
