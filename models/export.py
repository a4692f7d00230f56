"""Export a trained planner to an ONNX folder that any causal-LM runtime can load.

Inputs/outputs follow Hugging Face optimum's layout for decoder-only models with a KV
cache: `input_ids`, `attention_mask`, `position_ids`, `past_key_values.N.key/value`
-> `logits`, `present.N.key/value` (all [batch, heads, seq, head_dim]). Beside
model.onnx: tokenizer.json, config.json, generation_config.json, genai_config.json
(onnxruntime-genai) and tokenizer_config.json.

    python -m models.export --run build/planner --out models/planner
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from models.gpt import Gpt, GptConfig
from robot.brain.prompt import END_TAG, LISTING_FEATURES, PAD_TAG, SCENE_TAG

OPSET = 17

MAX_PLAN_TOKENS = 112
"""Most tokens a plan may take: the longest corpus plan is 98 (eight steps, each thing's
plan word in BPE pieces)."""


class CacheWrapper(torch.nn.Module):
    """Any model with `forward_with_cache(input_ids, attention_mask, position_ids, *past)`
    as a module whose forward is that graph."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past):
        return self.model.forward_with_cache(input_ids, attention_mask, position_ids, *past)


def export_onnx(
    model: torch.nn.Module, path: Path, n_layer: int, kv_heads: int, head_dim: int
) -> None:
    """Export `model.forward_with_cache` to `path` in optimum's decoder layout, with
    `n_layer` caches of [batch, kv_heads, length, head_dim]."""
    past_len, new = 3, 2
    past = []
    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes: dict[str, dict[int, str]] = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(n_layer):
        for kv in ("key", "value"):
            past.append(torch.zeros(1, kv_heads, past_len, head_dim))
            names_in.append(f"past_key_values.{i}.{kv}")
            names_out.append(f"present.{i}.{kv}")
            axes[f"past_key_values.{i}.{kv}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kv}"] = {0: "batch_size", 2: "total_sequence_length"}
    ids = torch.zeros(1, new, dtype=torch.long)
    mask = torch.ones(1, past_len + new, dtype=torch.long)
    pos = torch.arange(past_len, past_len + new)[None]
    torch.onnx.export(
        CacheWrapper(model).eval(),
        (ids, mask, pos, *past),
        str(path),
        input_names=names_in,
        output_names=names_out,
        dynamic_axes=axes,
        opset_version=OPSET,
        dynamo=False,
        do_constant_folding=True,
    )


@dataclass(frozen=True)
class Layout:
    """What onnxruntime-genai must know of an exported decoder (genai_config.json)."""

    n_layer: int
    n_head: int
    n_kv_head: int
    head_dim: int
    hidden: int
    context: int
    vocab_size: int
    bos: int
    eos: int
    pad: int

    @classmethod
    def of(cls, cfg: object, bos: int, eos: int, pad: int) -> Layout:
        """The layout of a `models.gpt.GptConfig` or `models.llama.LlamaConfig` (the same
        field names; a GPT has as many key/value heads as query heads)."""
        return cls(
            n_layer=cfg.n_layer,
            n_head=cfg.n_head,
            n_kv_head=getattr(cfg, "n_kv_head", cfg.n_head),
            head_dim=cfg.head_dim,
            hidden=cfg.d_model,
            context=cfg.max_positions,
            vocab_size=cfg.vocab_size,
            bos=bos,
            eos=eos,
            pad=pad,
        )


def genai_config(layout: Layout) -> dict:
    """genai_config.json for an `export_onnx` model.onnx (greedy search, one thread)."""
    return {
        "model": {
            "bos_token_id": layout.bos,
            "context_length": layout.context,
            "decoder": {
                "session_options": {
                    "log_id": "onnxruntime-genai",
                    "intra_op_num_threads": 1,
                    "provider_options": [],
                },
                "filename": "model.onnx",
                "head_size": layout.head_dim,
                "hidden_size": layout.hidden,
                "inputs": {
                    "input_ids": "input_ids",
                    "attention_mask": "attention_mask",
                    "position_ids": "position_ids",
                    "past_key_names": "past_key_values.%d.key",
                    "past_value_names": "past_key_values.%d.value",
                },
                "outputs": {
                    "logits": "logits",
                    "present_key_names": "present.%d.key",
                    "present_value_names": "present.%d.value",
                },
                "num_attention_heads": layout.n_head,
                "num_hidden_layers": layout.n_layer,
                "num_key_value_heads": layout.n_kv_head,
            },
            "eos_token_id": layout.eos,
            "pad_token_id": layout.pad,
            "type": "llama",
            "vocab_size": layout.vocab_size,
        },
        "search": {
            "diversity_penalty": 0.0,
            "do_sample": False,
            "early_stopping": True,
            "length_penalty": 1.0,
            "max_length": layout.context,
            "min_length": 0,
            "no_repeat_ngram_size": 0,
            "num_beams": 1,
            "num_return_sequences": 1,
            "past_present_share_buffer": False,
            "repetition_penalty": 1.0,
            "temperature": 1.0,
            "top_k": 1,
            "top_p": 1.0,
        },
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_configs(cfg: GptConfig, out: Path, tokenizer_path: Path) -> None:
    tok = json.loads(tokenizer_path.read_text(encoding="utf-8"))
    ids = {t["content"]: t["id"] for t in tok["added_tokens"]}
    eos, pad, bos = ids[END_TAG], ids[PAD_TAG], ids[SCENE_TAG]
    config = {
        "model_type": "robot_planner_gpt",
        "architectures": ["RobotPlannerGpt"],
        "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.d_model,
        "num_hidden_layers": cfg.n_layer,
        "num_attention_heads": cfg.n_head,
        "num_key_value_heads": cfg.n_head,
        "head_dim": cfg.head_dim,
        "intermediate_size": cfg.d_ff,
        "max_position_embeddings": cfg.max_positions,
        "bos_token_id": bos,
        "eos_token_id": eos,
        "pad_token_id": pad,
        "use_cache": True,
        "robot_planner": {
            "prompt_format": "compact",
            "max_new_tokens": MAX_PLAN_TOKENS,
            "listing": list(LISTING_FEATURES),
        },
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "generation_config.json").write_text(
        json.dumps(
            {
                "bos_token_id": bos,
                "eos_token_id": eos,
                "pad_token_id": pad,
                "do_sample": False,
                "max_new_tokens": MAX_PLAN_TOKENS,
            },
            indent=2,
        )
        + "\n"
    )
    write_json(out / "genai_config.json", genai_config(Layout.of(cfg, bos, eos, pad)))
    (out / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "eos_token": END_TAG,
                "pad_token": PAD_TAG,
                "bos_token": SCENE_TAG,
                "add_bos_token": False,
                "clean_up_tokenization_spaces": False,
                "model_max_length": cfg.max_positions,
            },
            indent=2,
        )
        + "\n"
    )


def export(run: Path, out: Path) -> None:
    ckpt = torch.load(run / "model.pt", map_location="cpu")
    cfg = GptConfig(**ckpt["config"])
    model = Gpt(cfg)
    model.load_state_dict(ckpt["state"])
    out.mkdir(parents=True, exist_ok=True)
    export_onnx(model, out / "model.onnx", cfg.n_layer, cfg.n_head, cfg.head_dim)
    shutil.copy(run / "tokenizer.json", out / "tokenizer.json")
    write_configs(cfg, out, out / "tokenizer.json")


def imported(folder: Path) -> tuple[GptConfig, dict[str, torch.Tensor]]:
    """The config and weights of a planner `export` wrote (`folder`/model.onnx and
    config.json): the inverse of `export`, so a committed model can be trained on.

    Named initializers keep their module names; the graph stores each linear layer's
    weight transposed under a generated name, found by the MatMul node that reads it
    (`/blocks.N/qkv/MatMul`). The output layer is the token embedding, tied.
    """
    import onnx
    from onnx import numpy_helper

    config = json.loads((folder / "config.json").read_text())
    cfg = GptConfig(
        vocab_size=config["vocab_size"],
        n_layer=config["num_hidden_layers"],
        n_head=config["num_attention_heads"],
        d_model=config["hidden_size"],
        d_ff=config["intermediate_size"],
        max_positions=config["max_position_embeddings"],
    )
    graph = onnx.load(str(folder / "model.onnx")).graph
    arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = {k.removeprefix("model."): torch.from_numpy(v.copy()) for k, v in arrays.items()}
    for node in graph.node:
        parts = node.name.strip("/").split("/")
        if node.op_type == "MatMul" and len(parts) == 3 and parts[0].startswith("blocks."):
            weight = arrays[node.input[1]]
            state[f"{parts[0]}.{parts[1]}.weight"] = torch.from_numpy(weight.T.copy())
    model = Gpt(cfg)
    wanted = set(model.state_dict())
    state = {k: v for k, v in state.items() if k in wanted}
    if missing := sorted(wanted - set(state)):
        raise ValueError(f"{folder / 'model.onnx'} has no weights for {', '.join(missing)}")
    return cfg, state


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--run", type=Path, required=True, help="folder with model.pt and tokenizer.json"
    )
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    export(args.run, args.out)


if __name__ == "__main__":
    main()
