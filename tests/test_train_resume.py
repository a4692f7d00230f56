"""Training in two sittings (`models.build --init`): the second goes on from the first's
weights with its tokenizer and sizes. Needs torch (the `train` extra): skipped where it is
not installed (CI)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from models import corpus, train  # noqa: E402
from models.eval_filter import EvalFilter  # noqa: E402

TINY = {"n_layer": 1, "d_model": 16, "n_head": 2, "d_ff": 32, "max_positions": 384}


def write_corpus(path, seed: int) -> None:
    examples, _ = corpus.generate(600, seed, EvalFilter([]))
    path.write_text("".join(json.dumps(e.__dict__, ensure_ascii=False) + "\n" for e in examples))


def test_a_second_sitting_starts_from_the_first_ones_weights_and_tokenizer(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    write_corpus(tmp_path / "a.jsonl", seed=1)
    write_corpus(tmp_path / "b.jsonl", seed=2)
    train.train(tmp_path / "a.jsonl", first, 0.02, 7, TINY, 300, 16, 1e-3)
    # No time to train: what the second sitting saves is what it started from.
    stats = train.train(tmp_path / "b.jsonl", second, 0.0, 8, {}, 999, 16, 1e-3, init=first)

    assert (second / "tokenizer.json").read_text() == (first / "tokenizer.json").read_text()
    before, after = torch.load(first / "model.pt"), torch.load(second / "model.pt")
    assert after["config"] == before["config"]
    assert all(torch.equal(after["state"][k], v) for k, v in before["state"].items())
    assert stats["steps"] == 0
    first_stats = json.loads((first / "train_stats.json").read_text())
    assert stats["went_on_from"]["steps"] == first_stats["steps"] > 0


def test_a_second_sitting_names_what_its_folder_lacks(tmp_path):
    write_corpus(tmp_path / "a.jsonl", seed=1)
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "tokenizer.json").write_text("{}")
    with pytest.raises(
        FileNotFoundError, match=r"has no model\.pt, train_stats\.json: not a build"
    ):
        train.train(
            tmp_path / "a.jsonl",
            tmp_path / "out",
            0.0,
            8,
            {},
            999,
            16,
            1e-3,
            init=tmp_path / "half",
        )


def test_a_second_sitting_can_start_from_an_exported_model(tmp_path):
    """The committed planner has no model.pt: its weights are read back from the ONNX."""
    from models import export

    first = tmp_path / "first"
    write_corpus(tmp_path / "a.jsonl", seed=1)
    train.train(tmp_path / "a.jsonl", first, 0.02, 7, TINY, 300, 16, 1e-3)
    export.export(first, tmp_path / "exported")
    (tmp_path / "exported" / "build_stats.json").write_text(
        (first / "train_stats.json").read_text()
    )
    stats = train.train(
        tmp_path / "a.jsonl",
        tmp_path / "second",
        0.0,
        8,
        {},
        999,
        16,
        1e-3,
        init=tmp_path / "exported",
    )

    before, after = torch.load(first / "model.pt"), torch.load(tmp_path / "second" / "model.pt")
    assert after["config"] == before["config"]
    assert all(torch.allclose(after["state"][k], v) for k, v in before["state"].items())
    assert stats["went_on_from"]["steps"] > 0


def test_a_second_sitting_may_grow_the_model_and_starts_computing_what_it_did(tmp_path):
    from models.gpt import Gpt, GptConfig

    first, second = tmp_path / "first", tmp_path / "second"
    write_corpus(tmp_path / "a.jsonl", seed=1)
    train.train(tmp_path / "a.jsonl", first, 0.02, 7, TINY, 300, 16, 1e-3)
    stats = train.train(
        tmp_path / "a.jsonl", second, 0.0, 8, {"n_layer": 3}, 999, 16, 1e-3, init=first
    )

    def loaded(folder):
        saved = torch.load(folder / "model.pt")
        model = Gpt(GptConfig(**saved["config"]))
        model.load_state_dict(saved["state"])
        return model.eval()

    small, grown = loaded(first), loaded(second)
    assert len(grown.blocks) == 3 and stats["params"] > sum(p.numel() for p in small.parameters())
    ids = torch.randint(0, small.cfg.vocab_size, (2, 12))
    assert torch.allclose(small(ids), grown(ids), atol=1e-6)
    # A model is never shrunk: fewer blocks asked for than it has leaves it as it is.
    train.train(
        tmp_path / "a.jsonl", tmp_path / "third", 0.0, 8, {"n_layer": 2}, 9, 16, 1e-3, init=second
    )
    assert len(loaded(tmp_path / "third").blocks) == 3
