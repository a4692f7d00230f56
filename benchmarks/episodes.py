"""Episodes benchmark (issue 7 item 5): seeded, randomised episodes per request family.

Each family is one or more instructions in one scene. The brain's `Planner` is loaded
once and plans each instruction once (the plan does not depend on the seed: the seed
moves objects +-3 cm +-15 deg and draws masses and frictions). Episode k of a family
runs the family's instruction k mod len(instructions) with scene seed k through
`robot.launch.episode.run_episode`, and counts as a success when the world judge is
satisfied and no particle ever touched a person.

    python -m benchmarks.episodes --episodes 50 --json out.json
    python -m benchmarks.episodes --episodes 10 --families serve_tea,fill_cup

Prints one table per family (success rate, median sim time, particles spilled,
failure reasons counted) and writes `success_rate` (over all families),
`median_sim_time_s`, `spilled_total` and `success_rate_<family>`.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

from tqdm import tqdm

from benchmarks.common import parser, percentile, report
from robot.brain.planner import Planner
from robot.launch.episode import EpisodeResult, run_episode
from robot.msgs import Plan
from robot.scenes import scene_spec


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
    """The root cause of a failed episode: the failed step's reason if a step failed
    (what followed is its consequence), else the judge's first reason."""
    for step in result.steps:
        if step.status == "failed":
            return f"{step.skill}: {step.reason}"
    return result.reasons[0] if result.reasons else "refused" if result.plan.refused else "?"


def run_family(name: str, plans: list[Plan], episodes: int) -> list[EpisodeResult]:
    family = FAMILIES[name]
    results = []
    for seed in tqdm(range(episodes), desc=name, unit="episode", file=sys.stderr):
        results.append(run_episode(family.scene, seed, plans[seed % len(plans)]))
    return results


def print_family(name: str, results: list[EpisodeResult]) -> None:
    ok = sum(r.success for r in results)
    reasons = Counter(first_reason(r) for r in results if not r.success)
    print(f"\n{name}  ({FAMILIES[name].scene}: {' / '.join(FAMILIES[name].instructions)})")
    print(f"  success rate       {ok / len(results):8.3f}  ({ok}/{len(results)})")
    print(f"  median sim time    {percentile([r.sim_time_s for r in results], 50):8.1f}  s")
    print(f"  median wall time   {percentile([r.wall_time_s for r in results], 50):8.1f}  s")
    print(f"  spilled total      {sum(r.spilled for r in results):8d}  particles")
    print(f"  on a person (max)  {max(r.on_person for r in results):8d}  particles")
    for reason, count in reasons.most_common():
        print(f"  {count:4d} x {reason}")


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=50, help="episodes per family (seeds 0..N-1)")
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
        results = run_family(name, plans, args.episodes)
        print_family(name, results)
        everything += results
        rate = sum(r.success for r in results) / len(results)
        rows.append((f"success_rate_{name}", rate, f"of {len(results)} episodes"))
    total = sum(r.success for r in everything) / len(everything)
    rows = [
        ("success_rate", total, f"of {len(everything)} episodes, target >= 0.95 per family"),
        ("median_sim_time_s", percentile([r.sim_time_s for r in everything], 50), "s"),
        ("spilled_total", float(sum(r.spilled for r in everything)), "particles"),
        *rows,
    ]
    report("episodes", rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
