"""Load a causal language model folder (ONNX + tokenizer.json) and run it on onnxruntime.

Any folder in Hugging Face optimum's decoder layout works: our planner or a pretrained
model exported with `optimum-cli export onnx --task text-generation-with-past`. The
session uses one intra-op thread by default so the cerebellum keeps its core.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from robot.errors import RobotError

DEFAULT_THREADS = 1
PAST_KEY = re.compile(r"past_key_values\.(\d+)\.key$")
ORT_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}
MODEL_FILES = ("model.onnx", "decoder_model_merged.onnx", "decoder_with_past_model.onnx")


class ModelLoadError(RobotError):
    """A model folder is missing a file or does not have the expected inputs."""


@dataclass(frozen=True)
class ModelInfo:
    """What the brain needs to know about a loaded model."""

    folder: Path
    eos_ids: tuple[int, ...]
    prompt_format: str
    max_new_tokens: int
    n_layers: int
    n_heads: int
    head_dim: int
    vocab_size: int


Cache = list[np.ndarray]
"""Past keys and values, [k0, v0, k1, v1, ...], each [1, heads, length, head_dim]."""


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class OnnxCausalLm:
    """A decoder-only model on onnxruntime, with and without its KV cache."""

    def __init__(self, folder: Path | str, threads: int = DEFAULT_THREADS) -> None:
        t0 = time.perf_counter()
        self.folder = Path(folder)
        model_path = next(
            (self.folder / f for f in MODEL_FILES if (self.folder / f).exists()), None
        )
        if model_path is None:
            raise ModelLoadError(f"no model.onnx in {self.folder}; export one with models/build.py")
        tok_path = self.folder / "tokenizer.json"
        if not tok_path.exists():
            raise ModelLoadError(f"no tokenizer.json in {self.folder}")
        self.tokenizer = Tokenizer.from_file(str(tok_path))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(model_path), opts, providers=["CPUExecutionProvider"]
        )
        self.info = self._inspect()
        self._output_names = [o.name for o in self.session.get_outputs()]
        self.load_ms = (time.perf_counter() - t0) * 1000.0

    def _inspect(self) -> ModelInfo:
        config = _read_json(self.folder / "config.json")
        gen = _read_json(self.folder / "generation_config.json")
        inputs = {i.name: i for i in self.session.get_inputs()}
        self._input_names = set(inputs)
        for required in ("input_ids", "attention_mask"):
            if required not in inputs:
                raise ModelLoadError(f"{self.folder}: model has no {required!r} input")
        layers = sorted(int(m.group(1)) for n in inputs if (m := PAST_KEY.match(n)))
        if not layers:
            raise ModelLoadError(
                f"{self.folder}: no past_key_values.N.key inputs (export with past)"
            )
        past = inputs[f"past_key_values.{layers[0]}.key"]
        heads, head_dim = past.shape[1], past.shape[3]
        if not isinstance(heads, int):
            heads = int(config.get("num_key_value_heads", config.get("num_attention_heads", 0)))
        if not isinstance(head_dim, int):
            head_dim = int(
                config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
            )
        self._past_dtype = ORT_TYPES.get(past.type, np.float32)
        eos = gen.get("eos_token_id", config.get("eos_token_id"))
        eos_ids = tuple(eos) if isinstance(eos, list) else (int(eos),) if eos is not None else ()
        if not eos_ids:
            raise ModelLoadError(
                f"{self.folder}: no eos_token_id in config.json or generation_config.json"
            )
        planner = config.get("robot_planner", {})
        fmt = planner.get("prompt_format", "chat")
        return ModelInfo(
            folder=self.folder,
            eos_ids=eos_ids,
            prompt_format=fmt,
            max_new_tokens=int(planner.get("max_new_tokens", 96)),
            n_layers=len(layers),
            n_heads=int(heads),
            head_dim=int(head_dim),
            vocab_size=int(config.get("vocab_size", self.tokenizer.get_vocab_size())),
        )

    # -- tokens ----------------------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def empty_cache(self) -> Cache:
        shape = (1, self.info.n_heads, 0, self.info.head_dim)
        return [np.zeros(shape, self._past_dtype) for _ in range(2 * self.info.n_layers)]

    # -- running ---------------------------------------------------------------------------

    def forward(self, ids: list[int], cache: Cache) -> tuple[np.ndarray, Cache]:
        """Run new tokens `ids` after `cache`; returns the last position's logits and
        the grown cache."""
        past_len = cache[0].shape[2]
        n = len(ids)
        feed: dict[str, np.ndarray] = {
            "input_ids": np.asarray([ids], dtype=np.int64),
            "attention_mask": np.ones((1, past_len + n), dtype=np.int64),
        }
        if "position_ids" in self._input_names:
            feed["position_ids"] = np.arange(past_len, past_len + n, dtype=np.int64)[None]
        if "use_cache_branch" in self._input_names:
            feed["use_cache_branch"] = np.array([past_len > 0])
        for i in range(self.info.n_layers):
            feed[f"past_key_values.{i}.key"] = cache[2 * i]
            feed[f"past_key_values.{i}.value"] = cache[2 * i + 1]
        outputs = self.session.run(self._output_names, feed)
        logits = outputs[0][0, -1]
        return logits.astype(np.float32, copy=False), list(outputs[1:])

    def forward_no_cache(self, ids: list[int]) -> np.ndarray:
        """Logits of the last position, recomputing the whole sequence (the baseline)."""
        logits, _ = self.forward(ids, self.empty_cache())
        return logits
