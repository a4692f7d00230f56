"""One command: generate the corpus, train the planner, export it to models/planner.

    python -m models.build                  # about 82 minutes on one CPU core
    python -m models.build --minutes 2      # a quick, weaker model (smoke test)

Reproducible: the corpus is seeded (byte-identical on every run) and training is seeded
on one thread; the learning-rate schedule follows the wall-clock budget, so a rerun on
another machine takes a different number of steps and gives a model of the same quality,
not the same bytes.

Evaluation text is kept out of the corpus, exact and near duplicates alike
(`models/eval_filter.py`: every file in `eval/`, and the workspace's `../shared/eval`
when it is there); the count is written to the build stats, and a missing evaluation
file stops the build.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from models import corpus, export, train
from models.eval_filter import EvalFilter, evaluation_sentences

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "planner"
DEFAULT_WORK = HERE.parent / "build" / "planner"
DEFAULT_LAYERS = 6


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model folder to write")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help="corpus and checkpoint folder")
    ap.add_argument("--size", type=int, default=80000, help="corpus examples")
    ap.add_argument("--minutes", type=float, default=80.0, help="training time budget")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--init",
        type=Path,
        help="a previous build's work folder, or an exported model such as models/planner,"
        " to go on training from (its tokenizer and sizes)",
    )
    ap.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    ap.add_argument(
        "--layers",
        type=int,
        default=DEFAULT_LAYERS,
        help="transformer blocks; with --init, a model with fewer is grown to this many"
        " (new blocks start as identities)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    exclude = EvalFilter(evaluation_sentences())
    examples, dropped = corpus.generate(args.size, args.seed, exclude)
    corpus_path = args.work / "corpus.jsonl"
    with corpus_path.open("w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(ex.__dict__, ensure_ascii=False) + "\n")
    logging.info(
        "corpus: %d examples, %d near-duplicates of evaluation text dropped", len(examples), dropped
    )
    cfg = {"n_layer": args.layers, "d_model": 128, "n_head": 4, "d_ff": 512, "max_positions": 384}
    stats = train.train(
        corpus_path,
        args.work,
        args.minutes,
        args.seed,
        cfg,
        vocab_size=4000,
        batch_size=64,
        lr=args.lr,
        init=args.init,
    )
    export.export(args.work, args.out)
    stats |= {
        "corpus_examples": len(examples),
        "eval_sentences_dropped": dropped,
        "build_seconds": round(time.monotonic() - t0),
    }
    (args.out / "build_stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    logging.info("wrote %s: %s", args.out, stats)


if __name__ == "__main__":
    main()
