"""Our planner beside a pretrained language model, on the held-out sets, in one run.

Each model folder is loaded by the same `Planner` (its own prompt format, the same rule
screen, grammar mask and validator) and plans every case of the chosen sets, judged as
`benchmarks.brain_eval` judges them. Per model: accuracy overall, per language and per
category, the false-refusal and unsafe-acceptance rates, plan latency p50/p90 on one
thread, the folder's size on disk and the load time; and whether onnxruntime-genai (if
installed) loads the folder.

    python -m models.smollm2 --out build/smollm2           # once: convert SmolLM2-135M
    python -m benchmarks.brain_llm                         # models/planner vs build/smollm2
    python -m benchmarks.brain_llm --models models/planner,build/smollm2 --sets heldout

Not among `make bench`: the converted model is hundreds of MB, built on demand.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.brain_eval import SETS, load, rows_for, run
from benchmarks.common import percentile
from robot.brain.planner import DEFAULT_MODEL_DIR, Planner

ROOT = Path(__file__).resolve().parents[1]
SMOLLM2_DIR = ROOT / "build" / "smollm2"
DEFAULT_SETS = ("heldout", "breakfast")
DEFAULT_JSON = ROOT / "out" / "bench" / "brain_llm.json"
MB = 1e6


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / MB


def genai_loads(folder: Path) -> float:
    """1 if onnxruntime-genai loads `folder` and runs one token, 0 if not, NaN if it is
    not installed."""
    try:
        import onnxruntime_genai as og
    except ImportError:
        return float("nan")
    try:
        model = og.Model(str(folder))
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=2, do_sample=False)
        generator = og.Generator(model, params)
        generator.append_tokens([0])
        generator.generate_next_token()
    except Exception as err:  # a foreign runtime: report, do not fail the benchmark
        print(f"onnxruntime-genai could not load {folder}: {err}", file=sys.stderr)
        return 0.0
    return 1.0


def measure(folder: Path, sets: list[str]) -> dict[str, tuple[float, str]]:
    """Every figure of one model: name -> (value, unit or note)."""
    t0 = time.perf_counter()
    planner = Planner(folder)
    figures = {
        "load_ms": ((time.perf_counter() - t0) * 1e3, "ms, Planner(folder) once"),
        "size_mb": (folder_mb(folder), "MB on disk"),
    }
    latencies: list[float] = []
    model_made: list[float] = []
    for name in sets:
        outcomes = run(planner, f"{folder.name}/{name}", load(SETS[name]))
        latencies += [o.latency_s for o in outcomes]
        model_made += [o.latency_s for o in outcomes if o.source == "model"]
        figures |= {row: (value, unit) for row, value, unit in rows_for(name, outcomes)}
    for q in (50, 90):
        figures[f"plan_latency_p{q}_ms"] = (percentile(latencies, q) * 1e3, "ms, every case")
        figures[f"model_plan_latency_p{q}_ms"] = (
            percentile(model_made, q) * 1e3,
            "ms, cases the model decoded",
        )
    figures["genai_loads"] = (genai_loads(folder), "1: onnxruntime-genai loads and runs it")
    return figures


def print_table(results: dict[str, dict[str, tuple[float, str]]]) -> None:
    names = list(results)
    rows = list(dict.fromkeys(row for figures in results.values() for row in figures))
    width = max(len(r) for r in rows)
    print("\n" + f"{'figure':<{width}}  " + "  ".join(f"{n:>14}" for n in names) + "  note")
    for row in rows:
        cells = [results[n].get(row, (float("nan"), ""))[0] for n in names]
        # A note with counts differs per model: each model's, in the columns' order.
        notes = list(dict.fromkeys(results[n][row][1] for n in names if row in results[n]))
        note = " | ".join(notes)
        print(f"{row:<{width}}  " + "  ".join(f"{c:>14.3f}" for c in cells) + f"  {note}")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--models",
        default=f"{DEFAULT_MODEL_DIR},{SMOLLM2_DIR}",
        help="comma-separated model folders (default: our planner and build/smollm2)",
    )
    ap.add_argument("--sets", default=",".join(DEFAULT_SETS), help=f"of {', '.join(SETS)}")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write figures")
    args = ap.parse_args()
    folders = [Path(f.strip()) for f in args.models.split(",")]
    sets = [s.strip() for s in args.sets.split(",")]
    missing = [f for f in folders if not f.is_dir()]
    if missing:
        hint = f"SmolLM2: python -m models.smollm2 --out {SMOLLM2_DIR}"
        print(f"no model folder {missing[0]} ({hint})", file=sys.stderr)
        return 2
    results = {folder.name: measure(folder, sets) for folder in folders}
    print_table(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    data = {
        name: {"folder": str(folder), **{k: v for k, (v, _) in figures.items()}}
        for folder, (name, figures) in zip(folders, results.items(), strict=True)
    }
    args.json.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
