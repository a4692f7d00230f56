"""A Llama-style decoder in torch, for converting pretrained weights to ONNX.

Pre-norm blocks of RMSNorm, grouped-query attention with rotary position embeddings
(Hugging Face's "rotate half" form: dimension i turns with i + head_dim/2) and a
SiLU-gated MLP; the output head is the token embedding unless the weights bring their
own. `forward_with_cache` is the graph exported to ONNX, in Hugging Face optimum's
decoder layout (the one `models.export` writes for our planner).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from models.gpt import cached_bias


@dataclass(frozen=True)
class LlamaConfig:
    """Sizes of a Llama model. rope_base: the rotary frequency base (theta); norm_eps:
    RMSNorm's epsilon; tied: the output head is the token embedding."""

    vocab_size: int
    n_layer: int
    n_head: int
    n_kv_head: int
    d_model: int
    d_ff: int
    max_positions: int
    rope_base: float = 10000.0
    norm_eps: float = 1e-5
    tied: bool = True

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head


class RmsNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotary embedding of x [b, heads, t, head_dim]; cos, sin [b, 1, t, head_dim]."""
    half = x.shape[-1] // 2
    turned = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + turned * sin


class Block(nn.Module):
    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.attn_norm = RmsNorm(cfg.d_model, cfg.norm_eps)
        self.q = nn.Linear(cfg.d_model, cfg.n_head * hd, bias=False)
        self.k = nn.Linear(cfg.d_model, cfg.n_kv_head * hd, bias=False)
        self.v = nn.Linear(cfg.d_model, cfg.n_kv_head * hd, bias=False)
        self.o = nn.Linear(cfg.n_head * hd, cfg.d_model, bias=False)
        self.ffn_norm = RmsNorm(cfg.d_model, cfg.norm_eps)
        self.gate = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x, cos, sin, past_k, past_v, bias):
        """x [b, t, d_model]; past_k, past_v [b, kv_heads, past, head_dim]; bias
        [b, 1, t, past + t]. Returns x and the grown keys and values."""
        batch, t, _ = x.shape
        cfg, hd = self.cfg, self.cfg.head_dim
        h = self.attn_norm(x)
        q = self.q(h).view(batch, t, cfg.n_head, hd).transpose(1, 2)
        k = self.k(h).view(batch, t, cfg.n_kv_head, hd).transpose(1, 2)
        v = self.v(h).view(batch, t, cfg.n_kv_head, hd).transpose(1, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        # Each key/value head serves n_head / n_kv_head query heads.
        group = cfg.n_head // cfg.n_kv_head
        keys = k.repeat_interleave(group, dim=1)
        values = v.repeat_interleave(group, dim=1)
        att = (q @ keys.transpose(-2, -1)) * (1.0 / math.sqrt(hd)) + bias
        y = (torch.softmax(att, dim=-1) @ values).transpose(1, 2).reshape(batch, t, -1)
        x = x + self.o(y)
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h)), k, v


class Llama(nn.Module):
    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.norm = RmsNorm(cfg.d_model, cfg.norm_eps)
        self.head = None if cfg.tied else nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        steps = torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim
        self.register_buffer("inv_freq", 1.0 / cfg.rope_base**steps, persistent=False)

    def forward_with_cache(self, input_ids, attention_mask, position_ids, *past):
        """ONNX graph: past = (k0, v0, k1, v1, ...), each [b, kv_heads, past, head_dim].

        attention_mask covers past + new tokens (1 real, 0 pad); position_ids [b, t].
        Returns logits [b, t, vocab] and the presents in the order of the pasts.
        """
        x = self.embed(input_ids)
        angles = position_ids[..., None].to(torch.float32) * self.inv_freq
        angles = torch.cat([angles, angles], dim=-1)[:, None]
        cos, sin = angles.cos(), angles.sin()
        bias = cached_bias(input_ids.shape[1], attention_mask, x.dtype)
        presents = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, cos, sin, past[2 * i], past[2 * i + 1], bias)
            presents += [k, v]
        x = self.norm(x)
        logits = x @ self.embed.weight.T if self.head is None else self.head(x)
        return (logits, *presents)

    def empty_cache(self, batch: int = 1) -> list[torch.Tensor]:
        """Past keys and values of length 0, as the first step takes them."""
        shape = (batch, self.cfg.n_kv_head, 0, self.cfg.head_dim)
        return [torch.zeros(shape) for _ in range(2 * self.cfg.n_layer)]

    @torch.no_grad()
    def greedy(self, ids: list[int], max_new: int, stop: set[int]) -> list[int]:
        """Greedy continuation of `ids` (up to `max_new` tokens, until one in `stop`)."""
        cache = self.empty_cache()
        out: list[int] = []
        step = torch.tensor([ids])
        done = 0
        for _ in range(max_new):
            n = step.shape[1]
            mask = torch.ones(1, done + n, dtype=torch.long)
            pos = torch.arange(done, done + n)[None]
            logits, *cache = self.forward_with_cache(step, mask, pos, *cache)
            done += n
            token = int(logits[0, -1].argmax())
            if token in stop:
                break
            out.append(token)
            step = torch.tensor([[token]])
        return out
