"""Episodes benchmark (issue 7 item 5): seeded, randomised episodes per request family.

Each family is one or more instructions in one scene. The brain's `Planner` is loaded
once and plans each instruction once (the plan does not depend on the seed: the seed
moves objects +-3 cm +-15 deg and draws masses and frictions). Episode k of a family
runs the family's instruction k mod len(instructions) with scene seed k through
`robot.launch.episode.run_episode` with the planner, so a failed step is replanned as
`robot run` does (`robot.brain.replan.next_plan`, at most `--max-replans` times). An
episode succeeds when the world judge is satisfied with what the first plan promised,
the last plan ran every step, and no particle ever touched a person. It succeeded at
the first attempt when it did so with no replan: the run is the same as one without
replanning up to the first failure, so both figures come from one run.

    python -m benchmarks.episodes --episodes 50 --json out.json
    python -m benchmarks.episodes --episodes 10 --families serve_tea,fill_cup

Prints one table per family (success rates with and without replanning, median sim
and wall time, particles spilled, failure reasons and replan causes counted) and
writes `success_rate` and `first_attempt_success_rate` (over all families),
`replans_total`, `episodes_replanned`, `median_sim_time_s`, `median_wall_time_s`,
`spilled_total`, and per family `success_rate_<family>`,
`first_attempt_success_rate_<family>`, `replans_<family>`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from tqdm import tqdm

from benchmarks.common import parser, percentile, report
from core.msgs import Plan
from core.scenes import scene_spec
from robot.brain.planner import Planner
from robot.brain.replan import DEFAULT_MAX_REPLANS
from robot.launch.episode import EpisodeResult, run_episode


@dataclass(frozen=True)
class Family:
    scene: str
    instructions: tuple[str, ...]


FAMILIES: dict[str, Family] = {
    "serve_tea": Family("tea", ("Bring the guest a cup of tea",)),
    "fill_cup": Family("tea", ("Pour tea into the red cup",)),
    "cups_to_tray": Family("tea", ("Put both cups on the tray",)),
    "care_fetch": Family(
        "care", ("Hand the pill box to the resident", "Bring the water glass to the resident")
    ),
    "towel_to_basket": Family("care", ("Put the towel in the basket",)),
}


def first_reason(result: EpisodeResult) -> str:
    """The root cause of a failed episode: the first failed step's reason, over every
    plan (what followed is its consequence), else the judge's first reason."""
    for step in result.steps:
        if step.status == "failed":
            return f"{step.skill}: {step.reason}"
    return result.reasons[0] if result.reasons else "refused" if result.plan.refused else "?"


def final_reason(result: EpisodeResult) -> str:
    """Why the last plan did not do it: its failed step, a refused replan, or the
    judge's first reason."""
    return result.reasons[-1] if result.reasons else "?"


def run_family(
    name: str, plans: list[Plan], episodes: int, planner: Planner, max_replans: int
) -> list[EpisodeResult]:
    family = FAMILIES[name]
    results = []
    for seed in tqdm(range(episodes), desc=name, unit="episode", file=sys.stderr):
        plan = plans[seed % len(plans)]
        results.append(
            run_episode(family.scene, seed, plan, planner=planner, max_replans=max_replans)
        )
    return results


def seeds_by(
    reason: Callable[[EpisodeResult], str], failures: list[tuple[int, EpisodeResult]]
) -> dict[str, list[int]]:
    """Failures grouped by `reason`, most frequent first: reason -> seeds."""
    groups: dict[str, list[int]] = {}
    for seed, result in failures:
        groups.setdefault(reason(result), []).append(seed)
    return dict(sorted(groups.items(), key=lambda item: -len(item[1])))


def join(seeds: list[int]) -> str:
    return ", ".join(map(str, seeds))


def rate(results: list[EpisodeResult], first_attempt: bool = False) -> float:
    if first_attempt:
        return sum(r.first_attempt_success for r in results) / len(results)
    return sum(r.success for r in results) / len(results)


def print_family(name: str, results: list[EpisodeResult]) -> None:
    n = len(results)
    ok = sum(r.success for r in results)
    first = sum(r.first_attempt_success for r in results)
    replanned = [r for r in results if r.replans]
    # Results are in seed order: a failure's seed is its index.
    reasons = seeds_by(first_reason, [(k, r) for k, r in enumerate(results) if not r.success])
    finals = seeds_by(
        final_reason, [(k, r) for k, r in enumerate(results) if not r.success and r.replans]
    )
    recovered = seeds_by(
        lambda r: f"{first_reason(r)} -> {'/'.join(r.replan_sources)}",
        [(k, r) for k, r in enumerate(results) if r.success and r.replans],
    )
    print(f"\n{name}  ({FAMILIES[name].scene}: {' / '.join(FAMILIES[name].instructions)})")
    print(f"  success rate       {ok / n:8.3f}  ({ok}/{n}, replanning as the stack does)")
    print(f"  first attempt      {first / n:8.3f}  ({first}/{n}, no replan)")
    replans = sum(r.replans for r in results)
    print(f"  replans            {replans:8d}  in {len(replanned)} episodes")
    print(f"  median sim time    {percentile([r.sim_time_s for r in results], 50):8.1f}  s")
    print(f"  median wall time   {percentile([r.wall_time_s for r in results], 50):8.1f}  s")
    print(f"  spilled total      {sum(r.spilled for r in results):8d}  particles")
    print(f"  on a person (max)  {max(r.on_person for r in results):8d}  particles")
    for reason, seeds in reasons.items():
        print(f"  {len(seeds):4d} x failed, first: {reason} (seeds {join(seeds)})")
    for reason, seeds in finals.items():
        print(f"  {len(seeds):4d} x failed after replanning, last: {reason} (seeds {join(seeds)})")
    for cause, seeds in recovered.items():
        print(f"  {len(seeds):4d} x recovered: {cause} (seeds {join(seeds)})")


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=50, help="episodes per family (seeds 0..N-1)")
    p.add_argument(
        "--max-replans",
        type=int,
        default=DEFAULT_MAX_REPLANS,
        help="new plans per episode after a failure (the brain's default)",
    )
    p.add_argument(
        "--families",
        default=",".join(FAMILIES),
        help=f"comma-separated families out of {', '.join(FAMILIES)}",
    )
    args = p.parse_args()
    names = [n.strip() for n in args.families.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        p.error(f"unknown families {unknown}; choose from {list(FAMILIES)}")
    planner = Planner()
    everything: list[EpisodeResult] = []
    rows: list[tuple[str, float, str]] = []
    for name in names:
        family = FAMILIES[name]
        spec = scene_spec(family.scene)
        plans = [planner.plan(spec, text).plan for text in family.instructions]
        for plan in plans:
            if plan.refused:
                print(f"warning: {name}: the planner refused {plan.instruction!r}: {plan.reason}")
        results = run_family(name, plans, args.episodes, planner, args.max_replans)
        print_family(name, results)
        everything += results
        n = f"of {len(results)} episodes"
        rows += [
            (f"success_rate_{name}", rate(results), f"{n}, with replanning"),
            (f"first_attempt_success_rate_{name}", rate(results, True), f"{n}, no replan"),
            (f"replans_{name}", float(sum(r.replans for r in results)), "new plans"),
        ]
    n = f"of {len(everything)} episodes"
    rows = [
        ("success_rate", rate(everything), f"{n} with replanning, target >= 0.95 per family"),
        ("first_attempt_success_rate", rate(everything, True), f"{n}, no replan"),
        ("replans_total", float(sum(r.replans for r in everything)), "new plans"),
        ("episodes_replanned", float(sum(r.replans > 0 for r in everything)), n),
        ("median_sim_time_s", percentile([r.sim_time_s for r in everything], 50), "s"),
        ("median_wall_time_s", percentile([r.wall_time_s for r in everything], 50), "s"),
        ("spilled_total", float(sum(r.spilled for r in everything)), "particles"),
        *rows,
    ]
    report("episodes", rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
