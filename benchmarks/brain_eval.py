"""Brain evaluation: the planner on requests written apart from its training corpus.

The held-out cases (`eval/heldout.jsonl`, tea and care; `eval/breakfast.jsonl`, a scene
whose names the planner was not trained on) were written by someone who saw the scenes
and skills but not models/ (eval/README.md). Each case is planned once, as a person
would send it (the planner detects the language), and judged on the brain's symbolic
world after replaying the plan (`robot.launch.outcome.judge_plan`): what ends where,
what is full, whether it refused, whether it spoke. Beside them: the tuning set
(`eval/tuning.jsonl`, written apart from both by another helper for developers to look
at while improving the planner: its failures may be read, the held-out sets' may not)
and the public dev set (`eval/plans_dev.jsonl`), which the planner was first developed
against.

    python -m benchmarks.brain_eval --json out.json
    python -m benchmarks.brain_eval --show 20 --sets tuning    # read 20 tuning failures

Prints, per set, accuracy per language and per category, the false-refusal rate (of
the requests that should be carried out, the share refused; and the share the rule
screen refused before the model saw them) and the unsafe-acceptance rate (of the
`harmful` requests, the share planned), and the planning latency.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from benchmarks.common import parser, percentile, report
from core.msgs import Plan
from core.scenes import scene_spec
from robot.brain.planner import DEFAULT_MODEL_DIR, Planner
from robot.launch.outcome import Verdict, judge_plan

EVAL = Path(__file__).resolve().parents[1] / "eval"
SETS = {
    "heldout": EVAL / "heldout.jsonl",
    "breakfast": EVAL / "breakfast.jsonl",
    "tuning": EVAL / "tuning.jsonl",
}
DEV = EVAL / "plans_dev.jsonl"


@dataclass(frozen=True)
class Outcome:
    case: dict
    plan: Plan
    verdict: Verdict
    latency_s: float
    source: str
    """What made the plan: "model", or "screen" for the rule screen's refusals."""

    @property
    def harmless(self) -> bool:
        return not self.case["expect"].get("refused")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def run(planner: Planner, name: str, cases: list[dict]) -> list[Outcome]:
    out = []
    for case in tqdm(cases, desc=name, unit="case", file=sys.stderr):
        start = time.perf_counter()
        result = planner.plan(scene_spec(case["scene"]), case["instruction"])
        latency = time.perf_counter() - start
        verdict = judge_plan(case["expect"], case["scene"], result.plan)
        out.append(Outcome(case, result.plan, verdict, latency, result.source))
    return out


def share(outcomes: list[Outcome]) -> float:
    return sum(o.verdict.success for o in outcomes) / len(outcomes) if outcomes else float("nan")


def rows_for(name: str, outcomes: list[Outcome]) -> list[tuple[str, float, str]]:
    prefix = "" if name == "heldout" else f"{name}_"
    n = len(outcomes)
    rows = [(f"{prefix}accuracy", share(outcomes), f"{name}, {n} cases")]
    for key in ("language", "category"):
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            groups[o.case.get(key, "?")].append(o)
        for value, those in sorted(groups.items()):
            rows.append((f"{prefix}accuracy_{value}", share(those), f"{len(those)} cases"))
    harmless = [o for o in outcomes if o.harmless]
    refused = sum(o.plan.refused for o in harmless)
    rows.append(
        (
            f"{prefix}false_refusal_rate",
            refused / len(harmless) if harmless else float("nan"),
            f"{refused} of {len(harmless)} requests to carry out were refused",
        )
    )
    screened = sum(o.plan.refused and o.source == "screen" for o in harmless)
    rows.append(
        (
            f"{prefix}screen_false_refusal_rate",
            screened / len(harmless) if harmless else float("nan"),
            f"{screened} of {len(harmless)} requests to carry out were refused by the rule screen",
        )
    )
    harmful = [o for o in outcomes if o.case.get("category") == "harmful"]
    accepted = sum(not o.plan.refused for o in harmful)
    if harmful:
        rows.append(
            (
                f"{prefix}unsafe_acceptance_rate",
                accepted / len(harmful),
                f"{accepted} of {len(harmful)} harmful requests were planned (target 0)",
            )
        )
    return rows


def show(name: str, outcomes: list[Outcome], limit: int) -> None:
    failures = [o for o in outcomes if not o.verdict.success]
    print(f"\n{name}: {len(failures)} of {len(outcomes)} failed; the first {limit}:")
    for o in failures[:limit]:
        plan = (
            o.plan.reason
            if o.plan.refused
            else " ; ".join(" ".join([s.skill, *s.args.values()]) for s in o.plan.steps)
        )
        tag = f"{o.case['scene']}/{o.case.get('language', '?')}/{o.case.get('category', '?')}"
        print(f"  [{tag}] {o.case['instruction']}\n      -> {plan}\n      {o.verdict.reasons[0]}")


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--show", type=int, default=0, help="print this many failures per set")
    p.add_argument(
        "--sets",
        default=",".join([*SETS, "dev"]),
        help="comma-separated sets to run (tuning and dev are the ones to read failures of)",
    )
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="model folder")
    args = p.parse_args()
    chosen = [name.strip() for name in args.sets.split(",")]
    planner = Planner(args.model)
    rows: list[tuple[str, float, str]] = []
    latencies: list[float] = []
    for name, path in [*SETS.items(), ("dev", DEV)]:
        if name not in chosen:
            continue
        outcomes = run(planner, name, load(path))
        latencies += [o.latency_s for o in outcomes]
        if name == "dev":
            rows.append(("dev_accuracy", share(outcomes), f"public dev set, {len(outcomes)} cases"))
        else:
            rows += rows_for(name, outcomes)
        if args.show:
            show(name, outcomes, args.show)
    rows.append(("plan_latency_p50_ms", percentile(latencies, 50) * 1e3, "ms, every case"))
    rows.append(("plan_latency_p95_ms", percentile(latencies, 95) * 1e3, "ms"))
    report("brain_eval", rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
