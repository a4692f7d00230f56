"""A small decoder-only transformer (GPT-style, pre-norm, learned positions, tied output).

`forward_with_cache` is the graph exported to ONNX: it takes the past keys and values
per layer and returns the present ones, in the layout Hugging Face optimum uses.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class GptConfig:
    vocab_size: int
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 128
    d_ff: int = 512
    max_positions: int = 256
    dropout: float = 0.0

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)


MASKED = -1e9
"""Attention bias where a query may not see a key (its softmax weight is 0 in float32)."""


def cached_bias(t: int, attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Attention bias [b, 1, t, total] of `t` new tokens after `total - t` cached ones:
    0 where a query may see a key (not after it, not padding), MASKED elsewhere."""
    total = attention_mask.shape[1]
    q_pos = torch.arange(t, device=attention_mask.device)[:, None] + (total - t)
    k_pos = torch.arange(total, device=attention_mask.device)[None, :]
    allowed = (k_pos <= q_pos)[None, None] & (attention_mask[:, None, None, :] > 0)
    return torch.where(allowed, torch.zeros((), dtype=dtype), torch.full((), MASKED, dtype=dtype))


class Block(nn.Module):
    def __init__(self, cfg: GptConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.fc = nn.Linear(cfg.d_model, cfg.d_ff)
        self.out = nn.Linear(cfg.d_ff, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def attend(self, x, past_k, past_v, bias):
        batch, t, _ = x.shape
        h, hd = self.cfg.n_head, self.cfg.head_dim
        q, k, v = self.qkv(self.ln1(x)).split(self.cfg.d_model, dim=2)
        q = q.view(batch, t, h, hd).transpose(1, 2)
        k = k.view(batch, t, h, hd).transpose(1, 2)
        v = v.view(batch, t, h, hd).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        if bias is None:
            # Training: causal over right-padded rows, so a real token never sees
            # padding; the fused kernel is several times faster than the explicit mask.
            p = self.cfg.dropout if self.training else 0.0
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=p)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd)) + bias
            y = self.drop(torch.softmax(att, dim=-1)) @ v
        y = y.transpose(1, 2).reshape(batch, t, self.cfg.d_model)
        return self.drop(self.proj(y)), k, v

    def forward(self, x, past_k, past_v, bias):
        a, k, v = self.attend(x, past_k, past_v, bias)
        x = x + a
        x = x + self.drop(self.out(F.gelu(self.fc(self.ln2(x)))))
        return x, k, v


class Gpt(nn.Module):
    def __init__(self, cfg: GptConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.max_positions, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear | nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, ids: torch.Tensor, at: torch.Tensor | None = None) -> torch.Tensor:
        """Training forward: ids [b, t], right padded, so under the causal mask no real
        position attends to padding and no padding mask is needed.

        Logits [b, t, vocab]; with `at` (bool [b, t]) only those positions' [n, vocab]:
        the output layer over the whole vocabulary is most of the cost, and the loss
        needs it only where the plan is.
        """
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.tok(ids) + self.pos(pos)[None]
        for blk in self.blocks:
            x, _, _ = blk(x, None, None, None)
        if at is not None:
            x = x[at]
        return self.ln_f(x) @ self.tok.weight.T

    def forward_with_cache(self, input_ids, attention_mask, position_ids, *past):
        """ONNX graph: past = (k0, v0, k1, v1, ...), each [b, heads, past_len, head_dim].

        attention_mask covers past + new tokens (1 real, 0 pad). Returns logits
        [b, t, vocab] and the presents in the same order as the pasts.
        """
        x = self.tok(input_ids) + self.pos(position_ids)
        bias = cached_bias(input_ids.shape[1], attention_mask, x.dtype)
        presents = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, past[2 * i], past[2 * i + 1], bias)
            presents += [k, v]
        return (self.ln_f(x) @ self.tok.weight.T, *presents)


def deepened(model: Gpt, n_layer: int) -> Gpt:
    """`model` grown to `n_layer` blocks: new blocks are spread evenly among its own, each
    with its output projections at zero, so it adds nothing to the residual stream and the
    deeper model computes exactly what `model` did until training moves it."""
    old = list(model.blocks)
    extra = n_layer - len(old)
    if extra < 0:
        raise ValueError(f"cannot grow {len(old)} blocks to {n_layer}")
    grown = Gpt(GptConfig(**(model.cfg.to_dict() | {"n_layer": n_layer})))
    fresh = list(grown.blocks)[:extra]  # initialised as any new model's
    for block in fresh:
        for layer in (block.proj, block.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
    after = Counter(j * len(old) // extra for j in range(extra))  # old block -> new ones
    blocks: list[nn.Module] = []
    for i, block in enumerate(old):
        blocks += [block, *(fresh.pop() for _ in range(after[i]))]
    grown.blocks = nn.ModuleList(blocks)
    for part in ("tok", "pos", "ln_f"):
        setattr(grown, part, getattr(model, part))
    return grown
