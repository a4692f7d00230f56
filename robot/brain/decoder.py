"""Greedy decoding over onnxruntime with the KV cache, under the grammar mask."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from robot.brain.grammar import GrammarState, TokenMasker, finish
from robot.brain.model import OnnxCausalLm


@dataclass(frozen=True)
class Decoded:
    """What the decoder wrote.

    text: the plan text; finished: the end token came (else the token budget ran out);
    state: the grammar state at the end; tokens: how many were generated;
    prompt_tokens: prompt length; seconds: wall time of the whole decode.
    """

    text: str
    finished: bool
    state: GrammarState
    tokens: int
    prompt_tokens: int
    seconds: float


def decode(
    model: OnnxCausalLm,
    masker: TokenMasker | None,
    prompt_ids: list[int],
    start: GrammarState,
    max_new_tokens: int,
    use_cache: bool = True,
    shared_prefix: int = 0,
) -> Decoded:
    """Greedy decode; with `masker`, only tokens the grammar allows are considered.

    use_cache=False recomputes the whole sequence at every step (the benchmark's
    baseline); the result is the same, only slower. shared_prefix: how many leading
    prompt tokens are a prefix the model may keep the cache of (`OnnxCausalLm.prefill`).
    """
    t0 = time.perf_counter()
    eos = set(model.info.eos_ids)
    state = start
    ids = list(prompt_ids)
    pieces: list[str] = []
    logits, cache = model.prefill(ids, shared_prefix if use_cache else 0)
    finished = False
    generated = 0
    for _ in range(max_new_tokens):
        if masker is None:
            token = int(np.argmax(logits))
        else:
            allowed = masker.allowed(state)
            if allowed.size == 0:
                break
            token = int(allowed[np.argmax(logits[allowed])])
        if token in eos or (masker is not None and token == masker.eos_id):
            finished = True
            break
        generated += 1
        if masker is not None:
            state = masker.advance(state, token)
            pieces.append(masker.token_texts[token] or "")
        else:
            pieces.append(model.tokenizer.decode([token], skip_special_tokens=False))
        ids.append(token)
        if use_cache:
            logits, cache = model.forward([token], cache)
        else:
            logits = model.forward_no_cache(ids)
    if finished and masker is not None:
        state = finish(state)
    return Decoded(
        text="".join(pieces),
        finished=finished,
        state=state,
        tokens=generated,
        prompt_tokens=len(prompt_ids),
        seconds=time.perf_counter() - t0,
    )
