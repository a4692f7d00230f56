"""Every public dev case that is not a refusal, planned by the brain and carried out
in the twin, judged from the world (issue 7's third target).

    python -m benchmarks.dev_end_to_end [--cases ../shared/eval/plans_dev.jsonl] [--seed 0]

The cases are read, never trained on: the brain plans each instruction, and
`run_episode` runs the plan in the scene built from `--seed`.
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from benchmarks.common import parser, report
from robot.brain.planner import Planner
from robot.launch.config import PROJECT_ROOT
from robot.launch.episode import run_episode
from robot.scenes import scene_spec

DEFAULT_CASES = PROJECT_ROOT.parent / "shared" / "eval" / "plans_dev.jsonl"


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    lines = args.cases.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    cases = [c for c in cases if not c["expect"].get("refused")]
    planner = Planner()
    failures: list[str] = []
    for case in tqdm(cases, desc="dev cases", unit="case"):
        plan = planner.plan(scene_spec(case["scene"]), case["instruction"]).plan
        if plan.refused:
            failures.append(f"{case['instruction']}: refused ({plan.reason})")
            continue
        result = run_episode(case["scene"], args.seed, plan)
        if not result.success:
            failures.append(f"{case['instruction']}: {'; '.join(result.reasons)}")
    for line in failures:
        print(f"FAIL {line}")
    passed = len(cases) - len(failures)
    report(
        f"dev cases end to end in the twin (seed {args.seed})",
        [
            ("dev_cases", float(len(cases)), "cases that are not refusals"),
            ("dev_cases_succeeded", float(passed), "judged from the world"),
            ("dev_end_to_end_rate", passed / len(cases), ""),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
