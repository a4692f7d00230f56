"""A broken model folder fails at load in one line naming the file and what to do.

Each case is the committed planner with one file broken: the others are links to it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from core.errors import ModelError
from robot.brain.model import OnnxCausalLm
from robot.brain.planner import DEFAULT_MODEL_DIR, Planner
from robot.brain.planner_process import PlannerProcess, PlannerProcessError

REPAIR_HINT = "make model"


def linked_copy(folder: Path) -> Path:
    """A folder whose files are links to the committed planner's."""
    folder.mkdir()
    for file in DEFAULT_MODEL_DIR.iterdir():
        (folder / file.name).symlink_to(file)
    return folder


def replace(folder: Path, name: str, data: bytes | None) -> None:
    """Put `data` in place of the link `name` (None: remove it)."""
    (folder / name).unlink()
    if data is not None:
        (folder / name).write_bytes(data)


def original(name: str) -> bytes:
    return (DEFAULT_MODEL_DIR / name).read_bytes()


def random_bytes(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def edited_json(name: str, edit: Callable[[dict], None]) -> bytes:
    data = json.loads(original(name))
    edit(data)
    return json.dumps(data).encode()


def _set(path: str, value: object) -> Callable[[dict], None]:
    """An edit that sets the (dotted) key `path` to `value`; None deletes it."""

    def edit(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[key]
        if value is None:
            del data[last]
        else:
            data[last] = value

    return edit


BROKEN: dict[str, tuple[str, Callable[[], bytes | None], str]] = {
    # case: (file, its new content (None: missing), a fragment of the message)
    "config missing": ("config.json", lambda: None, "is missing"),
    "config empty": ("config.json", lambda: b"", "not valid JSON"),
    "config truncated": ("config.json", lambda: original("config.json")[:100], "not valid JSON"),
    "config random": ("config.json", lambda: random_bytes(300), "not valid JSON"),
    "config a list": ("config.json", lambda: b"[]", "Expected `object`"),
    "config vocab 0": (
        "config.json",
        lambda: edited_json("config.json", _set("vocab_size", 0)),
        "vocab_size",
    ),
    "config context -1": (
        "config.json",
        lambda: edited_json("config.json", _set("max_position_embeddings", -1)),
        "max_position_embeddings",
    ),
    "config plan budget 0": (
        "config.json",
        lambda: edited_json("config.json", _set("robot_planner.max_new_tokens", 0)),
        "max_new_tokens",
    ),
    "config plan budget fills the context": (
        "config.json",
        lambda: edited_json("config.json", _set("robot_planner.max_new_tokens", 100_000)),
        "max_new_tokens",
    ),
    "config unknown prompt format": (
        "config.json",
        lambda: edited_json("config.json", _set("robot_planner.prompt_format", "haiku")),
        "prompt_format",
    ),
    "generation_config eos outside the vocabulary": (
        "generation_config.json",
        lambda: edited_json("generation_config.json", _set("eos_token_id", 99_999)),
        "eos_token_id",
    ),
    "config vocabulary smaller than the tokenizer's": (
        "config.json",
        lambda: edited_json("config.json", _set("vocab_size", 100)),
        "tokenizer.json",
    ),
    "genai_config corrupt": ("genai_config.json", lambda: b"{model: ", "not valid JSON"),
    "genai_config context 0": (
        "genai_config.json",
        lambda: edited_json("genai_config.json", _set("model.context_length", 0)),
        "context_length",
    ),
    "generation_config corrupt": ("generation_config.json", lambda: b"\x00\xff", "not valid JSON"),
    "tokenizer missing": ("tokenizer.json", lambda: None, "is missing"),
    "tokenizer empty": ("tokenizer.json", lambda: b"", "not a valid tokenizer"),
    "tokenizer truncated": (
        "tokenizer.json",
        lambda: original("tokenizer.json")[:5000],
        "not a valid tokenizer",
    ),
    "tokenizer random": ("tokenizer.json", lambda: random_bytes(5000), "not a valid tokenizer"),
    "tokenizer of another shape": ("tokenizer.json", lambda: b'{"a": 1}', "not a valid tokenizer"),
    "model missing": ("model.onnx", lambda: None, "is missing"),
    "model empty": ("model.onnx", lambda: b"", "empty (0 bytes)"),
    "model truncated": ("model.onnx", lambda: original("model.onnx")[:100_000], "not a loadable"),
    "model cut short": ("model.onnx", lambda: original("model.onnx")[:-100], "not a loadable"),
    "model random": ("model.onnx", lambda: random_bytes(100_000), "not a loadable"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_file_is_one_line_naming_it(tmp_path: Path, case: str) -> None:
    name, content, fragment = BROKEN[case]
    folder = linked_copy(tmp_path / "planner")
    replace(folder, name, content())
    with pytest.raises(ModelError) as info:
        Planner(folder)
    message = str(info.value)
    where = folder / ("config.json" if "tokenizer's" in case else name)
    assert str(where) in message, message
    assert fragment in message and REPAIR_HINT in message and "\n" not in message, message


def test_a_missing_folder_says_what_to_point_at(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"nowhere does not exist; point \[brain\] model"):
        OnnxCausalLm(tmp_path / "nowhere")


def test_genai_config_is_optional_and_config_gives_the_context(tmp_path: Path) -> None:
    folder = linked_copy(tmp_path / "planner")
    replace(folder, "genai_config.json", None)
    info = OnnxCausalLm(folder).info
    assert info.context_length == json.loads(original("config.json"))["max_position_embeddings"]
    replace(
        folder, "config.json", edited_json("config.json", _set("max_position_embeddings", None))
    )
    with pytest.raises(ModelError, match=r"config\.json: no max_position_embeddings"):
        OnnxCausalLm(folder)


def test_the_planner_process_reports_the_same_line(tmp_path: Path) -> None:
    folder = linked_copy(tmp_path / "planner")
    replace(folder, "model.onnx", original("model.onnx")[:100_000])
    with pytest.raises(ModelError) as in_process:
        Planner(folder)
    with pytest.raises(PlannerProcessError) as in_child:
        PlannerProcess(folder)
    assert str(in_process.value) in str(in_child.value)
    assert "\n" not in str(in_child.value)
    assert in_child.value.remote_type == "ModelError"
