"""tokenizer.json from GGUF tokenizer metadata (models.gguf_tokenizer), on a tiny
synthetic byte-level vocabulary: no torch, no gguf, no download."""

from __future__ import annotations

import pytest
from tokenizers import pre_tokenizers

from models.gguf_tokenizer import CONTROL, NORMAL, GgufVocab, build_tokenizer, check_round_trip
from robot.brain.tokens import token_texts

SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
MERGES = ("Ġ t", "Ġt e", "Ġte a", "c u", "cu p", "Ġ cup", "2 0")


def tiny_vocab(pre: str = "smollm", model: str = "gpt2") -> GgufVocab:
    """Specials, the 256 byte symbols of byte-level BPE, then one token per merge."""
    tokens = [*SPECIALS, *sorted(pre_tokenizers.ByteLevel.alphabet())]
    tokens += ["".join(m.split()) for m in MERGES]
    types = [CONTROL] * len(SPECIALS) + [NORMAL] * (len(tokens) - len(SPECIALS))
    return GgufVocab(
        model=model,
        pre=pre,
        tokens=tokens,
        token_types=types,
        merges=MERGES,
        bos_id=1,
        eos_id=2,
    )


def test_round_trips_english_german_and_chinese_with_single_special_tokens():
    tokenizer = build_tokenizer(tiny_vocab())
    texts = (
        "Pour tea, please.",
        "Schöne Grüße, Ölkännchen!",
        "请给客人倒一杯茶。",
        " pick cup_red",
    )
    check_round_trip(tokenizer, texts, SPECIALS)
    ids = tokenizer.encode("<|im_start|>user\n tea<|im_end|>", add_special_tokens=False).ids
    assert ids[0] == 1 and ids[-1] == 2
    assert tokenizer.token_to_id("Ġtea") in ids  # the merges apply


def test_smollm_splits_digits_apart_and_gpt2_does_not():
    assert build_tokenizer(tiny_vocab("smollm")).encode("20").tokens == ["2", "0"]
    assert build_tokenizer(tiny_vocab("gpt2")).encode("20").tokens == ["20"]


def test_the_grammar_sees_special_tokens_as_nothing_and_pieces_as_text():
    tokenizer = build_tokenizer(tiny_vocab())
    texts = token_texts(tokenizer, tokenizer.get_vocab_size())
    assert texts[:3] == [None, None, None]
    assert texts[tokenizer.token_to_id("Ġcup")] == " cup"


def test_unsupported_or_inconsistent_metadata_is_refused():
    with pytest.raises(ValueError, match="byte-level BPE"):
        build_tokenizer(tiny_vocab(model="llama"))
    broken = tiny_vocab()
    with pytest.raises(ValueError, match="not in the vocabulary"):
        build_tokenizer(GgufVocab(**{**broken.__dict__, "merges": ("x Ġzz",)}))
    with pytest.raises(ValueError, match="tokens, not one"):
        check_round_trip(build_tokenizer(broken), (), ("<|not_special|>",))
