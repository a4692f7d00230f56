"""The demo: the tea scene, headless, one request end to end.

    python -m robot.demo [--out out/demo] [--instruction TEXT]

Runs `robot run launch/tea_sim.toml` and leaves behind, in `--out`: the run report
(`report.json`), a recording of every message (`run.mcap`, opens in Foxglove), a GIF
of the overview camera (`run.gif`) and a plot of the joint motion with the safety
limits drawn in (`joints.png`). Prints where they are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from robot.cli import main as robot_main
from robot.launch.config import PROJECT_ROOT

DEMO_LAUNCH = PROJECT_ROOT / "launch" / "tea_sim.toml"
DEMO_INSTRUCTION = "Bring the guest a cup of tea."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/demo", help="folder for the outputs")
    parser.add_argument("--instruction", default=DEMO_INSTRUCTION)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return robot_main(
        [
            "run",
            str(DEMO_LAUNCH),
            "--instruction",
            args.instruction,
            "--report",
            str(out / "report.json"),
            "--record",
            str(out / "run.mcap"),
            "--video",
            str(out / "run.gif"),
            "--plot",
            str(out / "joints.png"),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
