"""A Hugging Face tokenizer.json from a GGUF file's tokenizer metadata (no torch, no gguf).

A GGUF file carries its tokenizer as metadata (the keys `tokenizer.ggml.*` of the GGUF
spec): the model kind, the pre-tokenizer's name, every token's text and type, the BPE
merges and the special ids. For byte-level BPE (`tokenizer.ggml.model` "gpt2", as in
SmolLM2) that is all the `tokenizers` library needs to rebuild the same tokenizer.

    vocab = GgufVocab(model="gpt2", pre="smollm", tokens=[...], token_types=[...], ...)
    tokenizer = build_tokenizer(vocab)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

BYTE_LEVEL_BPE = "gpt2"
"""`tokenizer.ggml.model` of a GPT-2 style byte-level BPE vocabulary."""

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
"""`tokenizer.ggml.token_type` values (llama.cpp's llama_token_type)."""

DIGITS_APART = frozenset({"smollm", "starcoder", "refact", "command-r", "codeshell"})
"""`tokenizer.ggml.pre` names that split every digit apart before the GPT-2 regex (as
llama.cpp's vocabulary does for them; SmolLM2 is "smollm")."""


@dataclass(frozen=True)
class GgufVocab:
    """The `tokenizer.ggml.*` metadata of a GGUF file, as plain Python values.

    model: `tokenizer.ggml.model`; pre: `tokenizer.ggml.pre` ("" if absent); tokens and
    token_types: per token id; merges: "left right" strings, highest priority first.
    """

    model: str
    pre: str
    tokens: Sequence[str]
    token_types: Sequence[int]
    merges: Sequence[str]
    bos_id: int | None
    eos_id: int


def _pre_tokenizer(pre: str) -> pre_tokenizers.PreTokenizer:
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre in DIGITS_APART:
        return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
    return byte_level


def build_tokenizer(vocab: GgufVocab) -> Tokenizer:
    """The tokenizer `vocab` describes; raises ValueError for a kind it cannot build.

    Control tokens (<|im_start|>, <|im_end|>, ...) become special added tokens, so each
    is one id wherever it stands in a text and decoding may skip them; user-defined
    tokens become plain added tokens.
    """
    if vocab.model != BYTE_LEVEL_BPE:
        raise ValueError(
            f"tokenizer.ggml.model {vocab.model!r}: only byte-level BPE ({BYTE_LEVEL_BPE!r}) "
            "is supported"
        )
    if len(vocab.tokens) != len(vocab.token_types):
        raise ValueError(f"{len(vocab.tokens)} tokens but {len(vocab.token_types)} token types")
    ids = {text: i for i, text in enumerate(vocab.tokens)}
    merges = [tuple(m.split(" ", 1)) for m in vocab.merges]
    bad = next((m for m in merges if len(m) != 2 or m[0] not in ids or m[1] not in ids), None)
    if bad is not None:
        raise ValueError(f"merge {' '.join(bad)!r} names a token not in the vocabulary")
    tokenizer = Tokenizer(models.BPE(vocab=ids, merges=merges, fuse_unk=False))
    tokenizer.pre_tokenizer = _pre_tokenizer(vocab.pre)
    tokenizer.decoder = decoders.ByteLevel()
    special = [i for i, kind in enumerate(vocab.token_types) if kind == CONTROL]
    user = [i for i, kind in enumerate(vocab.token_types) if kind == USER_DEFINED]
    tokenizer.add_special_tokens(
        [AddedToken(vocab.tokens[i], special=True, normalized=False) for i in special]
    )
    tokenizer.add_tokens([AddedToken(vocab.tokens[i], normalized=False) for i in user])
    return tokenizer


def check_round_trip(tokenizer: Tokenizer, texts: Sequence[str], single: Sequence[str]) -> None:
    """Raise ValueError unless every text decodes back to itself and every `single`
    token is one id."""
    for text in texts:
        back = tokenizer.decode(tokenizer.encode(text, add_special_tokens=False).ids)
        if back != text:
            raise ValueError(f"tokenizer does not round-trip {text!r}: got {back!r}")
    for token in single:
        got = tokenizer.encode(token, add_special_tokens=False).ids
        if len(got) != 1:
            raise ValueError(f"{token!r} is {len(got)} tokens, not one")
