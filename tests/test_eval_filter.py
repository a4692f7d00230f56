"""Evaluation text never reaches the training corpus: exact and near duplicates go."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from models import corpus
from models.eval_filter import EvalFilter, evaluation_sentences

EVAL = EvalFilter(
    ["Put both cups on the tray.", "请把红色的杯子放到托盘上。", "Gib dem Gast die Tasse."]
)


@pytest.mark.parametrize(
    "text",
    [
        "put both cups on the tray",
        "PUT BOTH CUPS ON THE TRAY!!",
        "Ｐｕｔ ｂｏｔｈ ｃｕｐｓ ｏｎ ｔｈｅ ｔｒａｙ．",  # full-width forms
        "Could you put both cups on the tray?",
        "Put both cups on the tray please.",
        "把红色的杯子放到托盘上",
        "请把红色的杯子放到托盘上吧",
        "Gib dem Gast bitte die Tasse.",  # a word inserted
        "Put both cups on the table.",  # one word changed: the same frame
    ],
)
def test_exact_and_near_duplicates_are_caught(text: str) -> None:
    assert EVAL.duplicate_of(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Put the red cup on the tray.",
        "把蓝色的杯子递给客人",
        "Gib dem Gast den Tee.",
        "Bring the guest a cup of tea.",
    ],
)
def test_other_requests_pass(text: str) -> None:
    assert EVAL.duplicate_of(text) is None


def test_a_near_duplicate_is_caught_behind_longer_sentences_sharing_as_much() -> None:
    """Four long sentences share all three of the request's bigrams, as its near duplicate
    does: the duplicate is found whatever the order of the ties."""
    longer = [f"put the red cup on the tray and then {w} the guest slowly" for w in "abcd"]
    request = "put the red cup"
    assert EvalFilter([*longer, "put the red cup now"]).duplicate_of(request) == (
        "put the red cup now"
    )
    assert EvalFilter(longer).duplicate_of(request) is None


def test_a_missing_evaluation_file_stops_the_build(tmp_path: Path) -> None:
    missing = tmp_path / "heldout.jsonl"
    with pytest.raises(FileNotFoundError, match=r"heldout\.jsonl"):
        evaluation_sentences((missing,))


def test_the_corpus_holds_no_evaluation_sentence() -> None:
    """Sentences the generator makes, put in the filter, never come out of it."""
    rng = random.Random(5)
    made = [corpus.generate_one(rng).instruction for _ in range(300)]
    guard = EvalFilter(made[:40])
    examples, dropped = corpus.generate(400, 5, guard)
    assert dropped >= 40
    assert all(guard.duplicate_of(e.instruction) is None for e in examples)


def test_every_repository_evaluation_file_is_read() -> None:
    sentences = evaluation_sentences()
    assert len(sentences) >= 34 + 336 + 84 + 240
