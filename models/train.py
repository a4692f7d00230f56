"""Train the planner: a byte-level BPE tokenizer and a small GPT on the corpus (CPU, seeded).

python -m models.train --corpus corpus.jsonl --out build/planner --minutes 20
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import time
from pathlib import Path
from typing import NamedTuple

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from torch.nn import functional as F

from core.scenes import SCENES
from models.gpt import Gpt, GptConfig, deepened
from robot.brain.dsl import MOTION_SKILLS, REFUSAL_CODES, REFUSE, SAY, SAY_CODES, STEP_SEPARATOR
from robot.brain.prompt import END_TAG, PAD_TAG, SPECIAL_TOKENS, clean_instruction, compact_prompt

log = logging.getLogger("models.train")

MAX_SEQ = 320
"""Examples longer than this many tokens are left out of training."""
INIT_FILES = ("tokenizer.json", "model.pt", "train_stats.json")
"""What a training writes to its folder and a second sitting (`init`) starts from."""
EXPORTED_FILES = ("tokenizer.json", "model.onnx", "config.json", "build_stats.json")
"""What an exported model folder (`models/planner`) holds that a second sitting reads."""


class StartingPoint(NamedTuple):
    """What a second sitting goes on from."""

    tokenizer: Tokenizer
    config: GptConfig
    state: dict[str, torch.Tensor]
    stats: dict
    """The earlier training's stats (train_stats.json or build_stats.json)."""


def starting_point(init: Path) -> StartingPoint:
    """Tokenizer, sizes, weights and training stats of a build's work folder
    (`INIT_FILES`) or of an exported model folder (`EXPORTED_FILES`, e.g. the committed
    planner, whose weights are read back from its ONNX graph)."""
    exported = (init / "model.onnx").is_file()
    files, stats_file = (
        (EXPORTED_FILES, "build_stats.json") if exported else (INIT_FILES, "train_stats.json")
    )
    missing = [f for f in files if not (init / f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{init} has no {', '.join(missing)}: not a build's work folder or an exported model"
        )
    tok = Tokenizer.from_file(str(init / "tokenizer.json"))
    if exported:
        from models.export import imported

        cfg, state = imported(init)
    else:
        saved = torch.load(init / "model.pt")
        cfg, state = GptConfig(**saved["config"]), saved["state"]
    return StartingPoint(tok, cfg, state, json.loads((init / stats_file).read_text()))


def plan_words() -> list[str]:
    """The plan language's own words, one token each. Things' plan words are not among
    them: they are read from the prompt's listing in BPE pieces, so a scene the planner
    never saw (its words new pieces) is planned the same way."""
    return [*MOTION_SKILLS, SAY, REFUSE, STEP_SEPARATOR, *SAY_CODES, *REFUSAL_CODES]


def train_tokenizer(texts: list[str], vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=3,
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    tok.add_tokens([AddedToken(" " + w, normalized=False) for w in plan_words()])
    return tok


def encode(tok: Tokenizer, row: dict) -> tuple[list[int], int]:
    """Token ids of prompt + plan + end, and where the plan starts (loss from there)."""
    text = compact_prompt(SCENES[row["scene"]], row["instruction"], row["listing"])
    prompt = tok.encode(text, add_special_tokens=False).ids
    target = tok.encode(row["plan"] + END_TAG, add_special_tokens=False).ids
    return prompt + target, len(prompt)


def batches(data: list[tuple[list[int], int]], batch_size: int, rng: random.Random):
    """Length-bucketed shuffled batches (little padding)."""
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]) + rng.random() * 6)
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(chunks)
    yield from chunks


def collate(data, idx, pad_id):
    t = max(len(data[i][0]) for i in idx)
    ids = torch.full((len(idx), t), pad_id, dtype=torch.long)
    loss_mask = torch.zeros((len(idx), t), dtype=torch.bool)
    for row, i in enumerate(idx):
        seq, start = data[i]
        ids[row, : len(seq)] = torch.tensor(seq)
        loss_mask[row, start - 1 : len(seq) - 1] = True  # predict token j+1 from position j
    return ids, loss_mask


def evaluate(model: Gpt, data, pad_id: int, batch_size: int = 128) -> tuple[float, float]:
    """(plan token accuracy, whole-plan exact match) with teacher forcing."""
    model.eval()
    correct = total = exact = 0
    with torch.no_grad():
        for s in range(0, len(data), batch_size):
            idx = list(range(s, min(s + batch_size, len(data))))
            ids, lm = collate(data, idx, pad_id)
            pred = model(ids).argmax(-1)
            target = torch.roll(ids, -1, dims=1)
            ok = (pred == target) | ~lm
            correct += int(((pred == target) & lm).sum())
            total += int(lm.sum())
            exact += int(ok.all(dim=1).sum())
    model.train()
    return correct / max(total, 1), exact / max(len(data), 1)


def train(
    corpus: Path,
    out: Path,
    minutes: float,
    seed: int,
    cfg_kw: dict,
    vocab_size: int,
    batch_size: int,
    lr: float,
    init: Path | None = None,
) -> dict:
    """Train on `corpus` for `minutes` and save the tokenizer and model to `out`.

    init: a folder a previous training wrote, or an exported model (`starting_point`),
    to go on from with its tokenizer and sizes (`vocab_size` and `cfg_kw` are then not
    used, but for a larger `n_layer`, to which the model is grown: `gpt.deepened`): a
    longer training in two sittings, on a corpus with new examples the second time.
    """
    start_from = starting_point(init) if init is not None else None
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line]
    rng.shuffle(rows)
    # Requests only: a plan word ("cup_blue", "milk_jug") stays in pieces, the same for
    # a scene in training as for one the planner never saw.
    if start_from is None:
        texts = [clean_instruction(r["instruction"], True) for r in rows]
        tok = train_tokenizer(texts, vocab_size)
    else:
        tok = start_from.tokenizer
    pad_id = tok.token_to_id(PAD_TAG)
    data = [encode(tok, r) for r in rows]
    data = [d for d in data if len(d[0]) <= MAX_SEQ]
    held_out = max(500, len(data) // 50)
    val, train_set = data[:held_out], data[held_out:]
    if not train_set:
        raise ValueError(f"{corpus}: {len(data)} examples, all kept for validation ({held_out})")
    if start_from is None:
        cfg = GptConfig(vocab_size=tok.get_vocab_size(), **cfg_kw)
        model = Gpt(cfg)
    else:
        cfg = start_from.config
        model = Gpt(cfg)
        model.load_state_dict(start_from.state)
        log.info("going on from %s", init)
        if (n_layer := cfg_kw.get("n_layer", 0)) > cfg.n_layer:
            log.info("grown from %d to %d blocks", cfg.n_layer, n_layer)
            model = deepened(model, n_layer)
            cfg = model.cfg
    n_params = sum(p.numel() for p in model.parameters())
    log.info(
        "vocab %d, params %.2fM, %d train / %d val examples",
        cfg.vocab_size,
        n_params / 1e6,
        len(train_set),
        len(val),
    )
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.98))
    budget_s = minutes * 60
    start = time.monotonic()
    step = 0
    warmup = 200
    epoch = 0
    done = False
    while not done:
        epoch += 1
        for idx in batches(train_set, batch_size, rng):
            elapsed = time.monotonic() - start
            if elapsed > budget_s:
                done = True
                break
            frac = elapsed / budget_s
            scale = min(1.0, (step + 1) / warmup) * (
                0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac))
            )
            for g in opt.param_groups:
                g["lr"] = lr * scale
            ids, lm = collate(train_set, idx, pad_id)
            logits = model(ids, at=lm)
            target = torch.roll(ids, -1, dims=1)
            loss = F.cross_entropy(logits, target[lm])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step % 200 == 0:
                log.info(
                    "epoch %d step %d loss %.4f lr %.2e %.0fs",
                    epoch,
                    step,
                    loss.item(),
                    lr * scale,
                    elapsed,
                )
    train_s = time.monotonic() - start
    tok_acc, exact = evaluate(model, val, pad_id)
    log.info(
        "done: %d steps, %.0f s, val token acc %.4f, exact %.4f", step, train_s, tok_acc, exact
    )
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    torch.save({"config": cfg.to_dict(), "state": model.state_dict()}, out / "model.pt")
    stats = {
        "params": n_params,
        "steps": step,
        "epochs": epoch,
        "train_seconds": round(train_s),
        "train_examples": len(train_set),
        "val_examples": len(val),
        "val_token_accuracy": round(tok_acc, 4),
        "val_exact_match": round(exact, 4),
        "seed": seed,
        "batch_size": batch_size,
        "lr": lr,
    }
    if start_from is not None:
        earlier = start_from.stats
        stats["went_on_from"] = {k: earlier[k] for k in ("steps", "train_seconds", "seed")}
    (out / "train_stats.json").write_text(json.dumps(stats, indent=2))
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--vocab", type=int, default=3000)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = {
        "n_layer": args.layers,
        "d_model": args.d_model,
        "n_head": args.heads,
        "d_ff": 4 * args.d_model,
    }
    train(args.corpus, args.out, args.minutes, args.seed, cfg, args.vocab, args.batch, args.lr)


if __name__ == "__main__":
    main()
