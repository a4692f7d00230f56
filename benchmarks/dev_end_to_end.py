"""Every public dev case that is not a refusal, planned by the brain and carried out
in the twin, judged from the world against the case's own `expect`.

    python -m benchmarks.dev_end_to_end [--cases eval/plans_dev.jsonl] [--seed 0]

The cases (`eval/plans_dev.jsonl`, the public dev set, kept out of training by the
corpus filter) are read, never trained on: the brain plans each instruction, and
`run_episode` runs the plan in the scene built from `--seed`, replanning a failed step
with the same planner as `robot run` does (`robot.brain.replan.next_plan`). A case
succeeds when the final world is what its `expect` says
(`robot.launch.outcome.judge_expectation`: what is full, what stayed empty, what ends
where, whether something was said) and no particle touched a person, whatever the
plans were; at the first attempt when that took no replan. Where the world judge of the
brain's own first plan says otherwise, both verdicts are printed: the plan promised
something other than the case asks.
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from benchmarks.common import parser, percentile, report
from core.scenes import scene_spec
from robot.brain.planner import Planner
from robot.brain.replan import DEFAULT_MAX_REPLANS
from robot.launch.config import PROJECT_ROOT
from robot.launch.episode import EpisodeResult, run_episode
from robot.launch.outcome import Verdict, judge_expectation

DEFAULT_CASES = PROJECT_ROOT / "eval" / "plans_dev.jsonl"


def expected(case: dict, result: EpisodeResult) -> Verdict:
    """The case's own expectation, judged on the world the run ended in."""
    said = any(s.skill == "say" and s.status == "succeeded" for s in result.steps)
    verdict = judge_expectation(case["expect"], case["scene"], result.before, result.world, said)
    if result.on_person:
        return Verdict(False, (*verdict.reasons, f"{result.on_person} particles on a person"))
    return verdict


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-replans", type=int, default=DEFAULT_MAX_REPLANS)
    args = p.parse_args()
    lines = args.cases.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    cases = [c for c in cases if not c["expect"].get("refused")]
    planner = Planner()
    failures: list[str] = []
    first_attempt = replans = 0
    wall: list[float] = []
    for case in tqdm(cases, desc="dev cases", unit="case"):
        plan = planner.plan(scene_spec(case["scene"]), case["instruction"]).plan
        if plan.refused:
            failures.append(f"{case['instruction']}: refused ({plan.reason})")
            continue
        result = run_episode(
            case["scene"], args.seed, plan, planner=planner, max_replans=args.max_replans
        )
        verdict = expected(case, result)
        first_attempt += verdict.success and not result.replans
        replans += result.replans
        wall.append(result.wall_time_s)
        if result.replans:
            failed = next(s for s in result.steps if s.status == "failed")
            print(
                f"replanned {case['instruction']!r} {result.replans}x after "
                f"{failed.skill}: {failed.reason} ({'/'.join(result.replan_sources)}): "
                f"as expected={verdict.success}"
            )
        if verdict.success != result.success:
            print(
                f"the case and the brain's plan disagree on {case['instruction']!r}: "
                f"expected: {'; '.join(verdict.reasons) or 'met'}; "
                f"plan: {'; '.join(result.reasons) or 'met'}"
            )
        if not verdict.success:
            failures.append(f"{case['instruction']}: {'; '.join(verdict.reasons)}")
    for line in failures:
        print(f"FAIL {line}")
    passed = len(cases) - len(failures)
    report(
        f"dev cases end to end in the twin (seed {args.seed})",
        [
            ("dev_cases", float(len(cases)), "cases that are not refusals"),
            ("dev_cases_succeeded", float(passed), "the case's expect, judged on the world"),
            ("dev_end_to_end_rate", passed / len(cases), "with replanning"),
            ("dev_cases_succeeded_first_attempt", float(first_attempt), "no replan"),
            ("dev_end_to_end_first_attempt_rate", first_attempt / len(cases), ""),
            ("dev_replans_total", float(replans), "new plans"),
            ("dev_median_wall_time_s", percentile(wall, 50) if wall else 0.0, "per case"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
