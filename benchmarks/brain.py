"""Benchmark the brain: plan latency per scene on one thread, tokens/s, KV cache speed-up,
model load time, peak memory, and our decoding loop against onnxruntime-genai's.

    python benchmarks/brain.py [--model models/planner] [--rounds 5] [--json FILE]

The requests below are the benchmark's own (not the evaluation sets). The KV-cache
comparison decodes the same tokens with and without the cache in the same run:
`kv_speedup` on a 64-token continuation of a long request (end token ignored, grammar
off, so both loops do exactly 64 steps), `kv_speedup_plans` on the real plans of the
latency set (typically 5-25 tokens, where the cache matters less).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.scenes import SCENES  # noqa: E402
from robot.brain.decoder import decode  # noqa: E402
from robot.brain.grammar import GrammarState  # noqa: E402
from robot.brain.planner import DEFAULT_MODEL_DIR, Planner  # noqa: E402
from robot.brain.world import WorldModel  # noqa: E402

REQUESTS = {
    "tea": [
        "Could you fill the crimson mug with tea?",
        "Serve our visitor a cup of tea, please.",
        "Move the azure cup onto the tray and then go home.",
        "Fill both cups, then put the red one on the tray.",
        "Schenk bitte Tee in die blaue Tasse ein und stell sie aufs Tablett.",
        "请给客人倒一杯茶，然后回到初始位置。",
        "Hand the teapot to the visitor.",
        "Splash the visitor with the hot tea.",
    ],
    "care": [
        "Please pass the medicine box to the resident.",
        "Lay the hand towel in the laundry basket, then return home.",
        "Put the glass of water on the nightstand.",
        "Reich der Bewohnerin bitte das Handtuch.",
        "把药盒递给奶奶，然后把毛巾放进篮子里。",
        "Give the resident the towel, then the pill box.",
        "Fetch the newspaper for the patient.",
    ],
}
LONG_REQUEST = (
    "Fill both cups with tea, then put the red cup on the tray, give the blue cup to the guest, "
    "say enjoy and go back to your home position."
)
LONG_TOKENS = 64
KV_REPEATS = 3
GENAI_ROUNDS = 3
"""Times each request goes through each loop, interleaved (ours, ours with the kept
prefix, genai's), so the machine's noise falls on all three alike."""


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench_latency(planner: Planner, rounds: int) -> dict[str, float]:
    out: dict[str, float] = {}
    all_ms: list[float] = []
    tokens = 0
    decode_s = 0.0
    for scene, requests in REQUESTS.items():
        spec = SCENES[scene]
        for text in requests:
            planner.plan(spec, text)  # warm the mask cache, as a running brain would be
        ms = []
        for _ in range(rounds):
            for text in requests:
                t0 = time.perf_counter()
                result = planner.plan(spec, text)
                ms.append((time.perf_counter() - t0) * 1000.0)
                if result.decoded is not None:
                    tokens += result.decoded.tokens
                    decode_s += result.decoded.seconds
        out[f"latency_p50_ms_{scene}"] = pct(ms, 50)
        out[f"latency_p95_ms_{scene}"] = pct(ms, 95)
        all_ms += ms
    out["latency_p50_ms"] = pct(all_ms, 50)
    out["latency_p95_ms"] = pct(all_ms, 95)
    out["tokens_per_s"] = tokens / decode_s if decode_s else 0.0
    return out


def bench_kv(planner: Planner) -> dict[str, float]:
    """Same decode with and without the KV cache, side by side."""
    spec = SCENES["tea"]
    text = LONG_REQUEST
    ids = planner.prompt_ids(spec, text)
    model = planner.model
    with_cache, without = [], []
    for _ in range(KV_REPEATS):
        # Long continuation: no grammar and no end token, exactly LONG_TOKENS steps each.
        t0 = time.perf_counter()
        _forced(model, ids, LONG_TOKENS, use_cache=True)
        with_cache.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _forced(model, ids, LONG_TOKENS, use_cache=False)
        without.append(time.perf_counter() - t0)
    plan_cached, plan_plain = [], []
    for scene, requests in REQUESTS.items():
        for t in requests:
            pids = planner.prompt_ids(SCENES[scene], t)
            st = GrammarState(world=WorldModel.initial(SCENES[scene]))
            plan_cached.append(decode(model, planner.masker, pids, st, 64, use_cache=True).seconds)
            plan_plain.append(decode(model, planner.masker, pids, st, 64, use_cache=False).seconds)
    return {
        "kv_speedup": statistics.median(without) / statistics.median(with_cache),
        "kv_long_tokens": LONG_TOKENS,
        "kv_prompt_tokens": len(ids),
        "kv_long_ms_cached": statistics.median(with_cache) * 1000,
        "kv_long_ms_uncached": statistics.median(without) * 1000,
        "kv_speedup_plans": sum(plan_plain) / sum(plan_cached),
    }


def _forced(model, ids: list[int], n: int, use_cache: bool) -> list[int]:
    seq = list(ids)
    cache = model.empty_cache()
    logits, cache = model.forward(seq, cache)
    for _ in range(n):
        token = int(np.argmax(logits))
        seq.append(token)
        if use_cache:
            logits, cache = model.forward([token], cache)
        else:
            logits = model.forward_no_cache(seq)
    return seq[len(ids) :]


def bench_load(model_dir: Path) -> float:
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        Planner(model_dir)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_genai(planner: Planner, model_dir: Path) -> dict[str, float]:
    """Our loop (unconstrained, greedy) against onnxruntime-genai's on the same prompts."""
    try:
        import onnxruntime_genai as og
    except ImportError:
        return {}
    try:
        model = og.Model(str(model_dir))
    except Exception as err:  # a foreign runtime: report, do not fail the benchmark
        print(f"onnxruntime-genai could not load {model_dir}: {err}", file=sys.stderr)
        return {}
    ours, kept, theirs, agree = [], [], [], 0
    cases = [(s, t) for s, reqs in REQUESTS.items() for t in reqs] * GENAI_ROUNDS
    for scene, text in cases:
        ids = planner.prompt_ids(SCENES[scene], text)
        start = GrammarState(world=WorldModel.initial(SCENES[scene]))
        t0 = time.perf_counter()
        mine = decode(planner.model, None, ids, start, 64)
        ours.append(time.perf_counter() - t0)
        # As the planner runs: the listing's KV cache kept (computed on first use).
        shared = planner.shared_prefix(SCENES[scene], text, ids)
        t0 = time.perf_counter()
        decode(planner.model, None, ids, start, 64, shared_prefix=shared)
        kept.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=len(ids) + 64, do_sample=False)
        gen = og.Generator(model, params)
        gen.append_tokens(ids)
        while not gen.is_done():
            gen.generate_next_token()
        out = list(gen.get_sequence(0))[len(ids) :]
        theirs.append(time.perf_counter() - t0)
        mine_ids = planner.model.encode(mine.text)
        agree += out[: len(mine_ids)] == mine_ids
    return {
        "ours_plan_ms_p50": statistics.median(ours) * 1000,
        "ours_kept_prefix_plan_ms_p50": statistics.median(kept) * 1000,
        "genai_plan_ms_p50": statistics.median(theirs) * 1000,
        "ours_over_genai": statistics.median(ours) / statistics.median(theirs),
        "ours_kept_prefix_over_genai": statistics.median(kept) / statistics.median(theirs),
        "genai_same_tokens_fraction": agree / len(cases),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--json", type=Path, default=None, help="write the figures as a flat JSON object"
    )
    args = ap.parse_args()
    figures: dict[str, float] = {"load_ms": bench_load(args.model)}
    planner = Planner(args.model, threads=1)
    figures |= bench_latency(planner, args.rounds)
    figures |= bench_kv(planner)
    figures |= bench_genai(planner, args.model)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    width = max(len(k) for k in figures)
    print(f"{'figure':<{width}}  value")
    for k, v in figures.items():
        print(f"{k:<{width}}  {v:10.2f}")
    if args.json:
        args.json.write_text(
            json.dumps({k: round(float(v), 3) for k, v in figures.items()}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
