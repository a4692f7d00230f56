"""Text helpers shared by the language realisers: rates, typos, finishing a sentence."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

TYPO_RATE = 0.12
CODE_SWITCH_RATE = 0.08
PERSON_ME_RATE = 0.12
POSSESSIVE_RATE = 0.1
CORRECTION_RATE = 0.05
"""Per noun phrase: a self-correction ("the red, no, the blue cup"); the plan takes the second."""
REASON_FIRST_RATE = 0.35
"""Of requests with a reason: the situation told first ("she's tired, so put ...")."""
DESCRIPTION_RATE = 0.06
"""Per noun phrase: a description instead of a name ("the box with the green lid")."""
REFERENCE_RATE = 0.5
"""When an earlier clause makes "the other cup" / "the empty one" / "the full one" unique."""

COMMON_RATE = 0.3
"""Wordings drawn from the first few of a table (its most common, listed first): plain
requests ("put the towel in the basket") must not drown among a table's rarer frames."""
COMMON_HEAD = 3

KEYBOARD_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


def common_choice(rng: random.Random, table: Sequence[T]) -> T:
    """One of `table`, its first COMMON_HEAD entries favoured at COMMON_RATE."""
    if rng.random() < COMMON_RATE:
        return rng.choice(table[:COMMON_HEAD])
    return rng.choice(table)


def add_typos(text: str, rng: random.Random) -> str:
    """One or two keyboard slips in words of four letters or more."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    for i in rng.sample(candidates, min(len(candidates), rng.choice([1, 1, 2]))):
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        op = rng.choice(["swap", "drop", "double", "replace"])
        if op == "swap":
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif op == "drop":
            w = w[:j] + w[j + 1 :]
        elif op == "double":
            w = w[:j] + w[j] + w[j:]
        else:
            w = w[:j] + rng.choice(KEYBOARD_NEIGHBOURS) + w[j + 1 :]
        words[i] = w
    return " ".join(words)


def tidy(text: str) -> str:
    """One space between words, no comma before other punctuation or at the end."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r",\s*([,.!?;:])", r"\1", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"([,;:])(?=[^\s\d])", r"\1 ", text)
    text = re.sub(r"，\s*([，。！？])", r"\1", text)
    return re.sub(r"[,，]\s*$", "", text).strip()


def finish(text: str, rng: random.Random, question: bool = False) -> str:
    """Capitalise (mostly) and end with punctuation (mostly)."""
    text = tidy(text)
    if rng.random() < 0.75:
        text = text[:1].upper() + text[1:]
    end = "?" if question and rng.random() < 0.8 else rng.choice([".", ".", ".", "!", "", ""])
    if text[-1:] in ".!?":
        return text
    return text + end


def normalise(text: str) -> str:
    """Lower case, letters and digits only: how dev sentences are matched against the corpus."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def gibberish(rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join(
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 8)))
        for _ in range(rng.randint(1, 5))
    )


def without_article(phrase: str, articles: Sequence[str]) -> str:
    """`phrase` without the first of `articles` it starts with: "the red cup" -> "red cup"."""
    return next((phrase[len(a) :] for a in articles if phrase.startswith(a)), phrase)
