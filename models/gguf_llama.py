"""Read a Llama-architecture GGUF file: its sizes, its tokenizer and its weights.

Key and tensor names are the GGUF spec's (`llama.*`, `tokenizer.ggml.*`, `blk.N.*`).
Quantised tensors (Q4_1, Q8_0, ...) are dequantized to float32 by the `gguf` package.

llama.cpp's converter reorders the rows of every query and key projection so that the
two halves of each rotary pair sit side by side (its rope turns dimension 2i with
2i+1); `models.llama` turns dimension i with i + head_dim/2 (Hugging Face's layout, the
one onnxruntime-genai and optimum exports assume), so those rows are put back here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from gguf import GGUFReader
from gguf.quants import dequantize

from models.gguf_tokenizer import GgufVocab
from models.llama import LlamaConfig

ARCH = "llama"
BLOCK_TENSORS = {
    "attn_norm": "attn_norm",
    "attn_q": "q",
    "attn_k": "k",
    "attn_v": "v",
    "attn_output": "o",
    "ffn_norm": "ffn_norm",
    "ffn_gate": "gate",
    "ffn_up": "up",
    "ffn_down": "down",
}
"""GGUF tensor names within block N (blk.N.NAME.weight) -> `models.llama.Block` names."""


def field(reader: GGUFReader, key: str, default: object = None) -> object:
    """The value of metadata `key` (a scalar, a string or a list); `default` if absent."""
    found = reader.fields.get(key)
    if found is None:
        if default is None:
            raise KeyError(f"GGUF metadata has no {key!r}")
        return default
    return found.contents()


def read_config(reader: GGUFReader) -> LlamaConfig:
    arch = field(reader, "general.architecture")
    if arch != ARCH:
        raise ValueError(f"general.architecture is {arch!r}, not {ARCH!r}")
    n_head = int(field(reader, f"{ARCH}.attention.head_count"))
    d_model = int(field(reader, f"{ARCH}.embedding_length"))
    rope_dims = int(field(reader, f"{ARCH}.rope.dimension_count", d_model // n_head))
    if rope_dims != d_model // n_head:
        raise ValueError(f"rotary embedding on {rope_dims} dimensions of each head: unsupported")
    names = {t.name for t in reader.tensors}
    tokens = field(reader, "tokenizer.ggml.tokens")
    return LlamaConfig(
        vocab_size=int(field(reader, f"{ARCH}.vocab_size", len(tokens))),
        n_layer=int(field(reader, f"{ARCH}.block_count")),
        n_head=n_head,
        n_kv_head=int(field(reader, f"{ARCH}.attention.head_count_kv", n_head)),
        d_model=d_model,
        d_ff=int(field(reader, f"{ARCH}.feed_forward_length")),
        max_positions=int(field(reader, f"{ARCH}.context_length")),
        rope_base=float(field(reader, f"{ARCH}.rope.freq_base", 10000.0)),
        norm_eps=float(field(reader, f"{ARCH}.attention.layer_norm_rms_epsilon")),
        tied="output.weight" not in names,
    )


def read_vocab(reader: GGUFReader) -> GgufVocab:
    bos = reader.fields.get("tokenizer.ggml.bos_token_id")
    return GgufVocab(
        model=str(field(reader, "tokenizer.ggml.model")),
        pre=str(field(reader, "tokenizer.ggml.pre", "")),
        tokens=list(field(reader, "tokenizer.ggml.tokens")),
        token_types=[int(t) for t in field(reader, "tokenizer.ggml.token_type")],
        merges=list(field(reader, "tokenizer.ggml.merges")),
        bos_id=int(bos.contents()) if bos is not None else None,
        eos_id=int(field(reader, "tokenizer.ggml.eos_token_id")),
    )


def unpermute(weight: np.ndarray, heads: int) -> np.ndarray:
    """Undo llama.cpp's rotary row order of a query or key projection [heads*hd, in]."""
    rows, cols = weight.shape
    half = rows // heads // 2
    return weight.reshape(heads, half, 2, cols).swapaxes(1, 2).reshape(rows, cols)


def _torch_name(name: str) -> str:
    """The `models.llama.Llama` parameter for GGUF tensor `name`."""
    if name == "token_embd.weight":
        return "embed.weight"
    if name == "output_norm.weight":
        return "norm.weight"
    if name == "output.weight":
        return "head.weight"
    parts = name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[2] in BLOCK_TENSORS:
        return f"blocks.{parts[1]}.{BLOCK_TENSORS[parts[2]]}.weight"
    raise ValueError(f"unexpected tensor {name!r} in a {ARCH} GGUF file")


def read_weights(reader: GGUFReader, cfg: LlamaConfig) -> dict[str, torch.Tensor]:
    """Every tensor dequantized to float32, under `models.llama.Llama`'s names."""
    state: dict[str, torch.Tensor] = {}
    for tensor in reader.tensors:
        values = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
        if tensor.name.endswith("attn_q.weight"):
            values = unpermute(values, cfg.n_head)
        elif tensor.name.endswith("attn_k.weight"):
            values = unpermute(values, cfg.n_kv_head)
        state[_torch_name(tensor.name)] = torch.from_numpy(np.ascontiguousarray(values))
    return state


def open_gguf(path: Path) -> GGUFReader:
    return GGUFReader(str(path), "r")
