"""Keep evaluation text out of the training corpus: exact and near duplicates.

Every sentence of every evaluation file (the public dev set, the held-out sets and the
tuning set in `eval/`, and the workspace's `../shared/eval/` when it is there, at build time only)
is indexed. A corpus sentence is dropped when, after normalising both (NFKC, lower
case, punctuation gone), it equals an evaluation sentence, or when the two share most
of the longer one's token bigrams (`NEAR_OVERLAP`): the same request with a word or two
added, dropped or changed. Tokens are words in Latin
script and single characters in Chinese, where words are not spaced.

A missing evaluation file stops the build (`FileNotFoundError` naming it): a corpus
built without its filter could hold evaluation sentences, and nothing would say so.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
EVAL_FILES = tuple(
    REPO_ROOT / "eval" / name
    for name in ("plans_dev.jsonl", "heldout.jsonl", "breakfast.jsonl", "tuning.jsonl")
)
"""The evaluation files the repository holds; each must be there to build."""
WORKSPACE_EVAL = REPO_ROOT.parent / "shared" / "eval"
"""Evaluation cases beside the repository, read too when the folder exists."""
N = 2
"""Token n-gram length: bigrams still match across a word inserted in the middle."""
NEAR_OVERLAP = 0.6
"""Share of the longer sentence's bigrams found in both that makes a duplicate: "could
you put both cups on the tray" shares 5 of 7 with "put both cups on the tray"."""
TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\d_]+|\d+")


def tokens(text: str) -> list[str]:
    """Lower-case words (Latin) and characters (Chinese), NFKC-normalised."""
    return TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def bigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + N]) for i in range(len(words) - N + 1)}


def evaluation_sentences(files: tuple[Path, ...] = EVAL_FILES) -> list[str]:
    """Every instruction of `files` and of the workspace's evaluation folder."""
    found = [*files, *sorted(WORKSPACE_EVAL.glob("*.jsonl"))] if WORKSPACE_EVAL.is_dir() else files
    sentences = []
    for path in found:
        if not path.is_file():
            raise FileNotFoundError(
                f"evaluation cases {path} not found: the corpus is not built without the "
                "filter that keeps them out"
            )
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                sentences.append(json.loads(line)["instruction"])
    return sentences


class EvalFilter:
    """Answers "is this sentence (nearly) one of the evaluation sentences?"."""

    def __init__(self, sentences: list[str]) -> None:
        self.sentences = sentences
        self._exact = {" ".join(tokens(s)): s for s in sentences}
        self._grams = [bigrams(tokens(s)) for s in sentences]
        self._index: dict[tuple[str, ...], list[int]] = {}
        for i, grams in enumerate(self._grams):
            for gram in grams:
                self._index.setdefault(gram, []).append(i)

    def duplicate_of(self, text: str) -> str | None:
        """The evaluation sentence `text` duplicates, or None."""
        words = tokens(text)
        if (exact := self._exact.get(" ".join(words))) is not None:
            return exact
        grams = bigrams(words)
        shared = Counter(i for gram in grams for i in self._index.get(gram, ()))
        # Every sentence that can pass, in file order: the answer must not depend on how
        # ties among the most shared fall, which follows the hash seed.
        least = NEAR_OVERLAP * len(grams)
        for i in sorted(i for i, count in shared.items() if count >= least):
            if shared[i] / max(len(grams), len(self._grams[i])) >= NEAR_OVERLAP:
                return self.sentences[i]
        return None
