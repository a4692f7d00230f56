"""Load a causal language model folder (ONNX + tokenizer.json) and run it on onnxruntime.

Any folder in Hugging Face optimum's decoder layout works: our planner or a pretrained
model exported with `optimum-cli export onnx --task text-generation-with-past`. The
session uses one intra-op thread by default so the cerebellum keeps its core.

Loading checks the whole folder, so that a broken one fails here, in one line naming
the file, and never at the first plan: config.json (required: it gives the vocabulary
and the context length), generation_config.json and genai_config.json (optional: an
optimum export has no genai_config.json; when present they must parse), tokenizer.json
and the ONNX file; then it runs the model on one token.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

import msgspec
import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from core.errors import ModelError
from robot.brain.prompt import LISTING_FEATURES, ListingFeature, PromptFormat

DEFAULT_THREADS = 1
DEFAULT_MAX_NEW_TOKENS = 96
PAST_KEY = re.compile(r"past_key_values\.(\d+)\.key$")
ORT_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}
MODEL_FILES = ("model.onnx", "decoder_model_merged.onnx", "decoder_with_past_model.onnx")
GENERATION_CONFIG = "generation_config.json"
KEPT_PREFIXES = 9
"""Prompt prefixes whose KV cache `prefill` keeps: one per scene and request language (a
brain plans in one scene, a benchmark in three)."""
REPAIR = (
    "restore the folder from git or rebuild it with `make model` (another model: export it again)"
)
"""What to do about a missing or corrupt file of a model folder."""

Count = Annotated[int, msgspec.Meta(ge=1)]
TokenId = Annotated[int, msgspec.Meta(ge=0)]


class PlannerSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """config.json's `robot_planner` object (ours; a pretrained model has none)."""

    prompt_format: PromptFormat = "chat"
    max_new_tokens: Count = DEFAULT_MAX_NEW_TOKENS
    """Most tokens a plan may take; the prompt gets the rest of the context."""
    listing: tuple[ListingFeature, ...] = LISTING_FEATURES
    """What the compact prompt's listing says besides names: those the model was trained
    with (a model built before a feature existed names fewer)."""


class ModelConfig(msgspec.Struct, frozen=True):
    """The keys of config.json the stack reads, under Hugging Face's names (others ignored)."""

    vocab_size: Count
    max_position_embeddings: Count | None = None
    n_positions: Count | None = None
    """GPT-2's name for the context length."""
    eos_token_id: TokenId | list[TokenId] | None = None
    num_attention_heads: Count | None = None
    num_key_value_heads: Count | None = None
    head_dim: Count | None = None
    hidden_size: Count | None = None
    robot_planner: PlannerSettings = PlannerSettings()


class GenerationConfig(msgspec.Struct, frozen=True):
    eos_token_id: TokenId | list[TokenId] | None = None


class GenaiModel(msgspec.Struct, frozen=True):
    context_length: Count | None = None


class GenaiConfig(msgspec.Struct, frozen=True):
    """genai_config.json (onnxruntime-genai's): only its context length matters here."""

    model: GenaiModel = GenaiModel()


@dataclass(frozen=True)
class ModelInfo:
    """What the brain needs to know about a loaded model."""

    folder: Path
    eos_ids: tuple[int, ...]
    prompt_format: PromptFormat
    listing: tuple[ListingFeature, ...]
    max_new_tokens: int
    context_length: int
    """Most tokens the model can see at once: prompt and plan together."""
    n_layers: int
    n_heads: int
    head_dim: int
    vocab_size: int


Cache = list[np.ndarray]
"""Past keys and values, [k0, v0, k1, v1, ...], each [1, heads, length, head_dim]."""

T = TypeVar("T")


def _one_line(err: BaseException) -> str:
    """The first line of a library's error message (onnxruntime's run to several)."""
    return (str(err).strip() or type(err).__name__).splitlines()[0]


def _read_json(path: Path, type_: type[T], required: bool) -> T | None:
    """`path` decoded as `type_`; None if it does not exist and is not `required`."""
    if not path.exists():
        if required:
            raise ModelError(f"{path} is missing; {REPAIR}")
        return None
    try:
        return msgspec.json.decode(path.read_bytes(), type=type_)
    except OSError as err:
        raise ModelError(f"cannot read {path}: {err.strerror}") from err
    except msgspec.ValidationError as err:
        raise ModelError(f"{path}: {err}; {REPAIR}") from err
    except msgspec.DecodeError as err:
        raise ModelError(f"{path} is not valid JSON ({err}); {REPAIR}") from err


class OnnxCausalLm:
    """A decoder-only model on onnxruntime, with and without its KV cache.

    Raises `ModelError` naming the file when the folder or a file in it is missing,
    corrupt or inconsistent with the others.
    """

    def __init__(self, folder: Path | str, threads: int = DEFAULT_THREADS) -> None:
        t0 = time.perf_counter()
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ModelError(
                f"model folder {self.folder} does not exist; point [brain] model at a folder "
                "with model.onnx, tokenizer.json and config.json (ours: models/planner)"
            )
        config_path = self.folder / "config.json"
        config = _read_json(config_path, ModelConfig, required=True)
        generation = _read_json(self.folder / GENERATION_CONFIG, GenerationConfig, False)
        genai = _read_json(self.folder / "genai_config.json", GenaiConfig, False)
        self.tokenizer = self._load_tokenizer(config_path, config)
        self.model_path = self._model_path()
        self.session = self._load_session(threads)
        self.info = self._inspect(config_path, config, generation, genai)
        self._output_names = [o.name for o in self.session.get_outputs()]
        self._past_names = [
            f"past_key_values.{i}.{kind}"
            for i in range(self.info.n_layers)
            for kind in ("key", "value")
        ]
        self._ones = np.ones((1, self.info.context_length), dtype=np.int64)
        self._positions = np.arange(self.info.context_length, dtype=np.int64)[None]
        self._prefixes: OrderedDict[tuple[int, ...], Cache] = OrderedDict()
        self._check_runs(config_path)
        self.load_ms = (time.perf_counter() - t0) * 1000.0

    def _load_tokenizer(self, config_path: Path, config: ModelConfig) -> Tokenizer:
        path = self.folder / "tokenizer.json"
        if not path.exists():
            raise ModelError(f"{path} is missing; {REPAIR}")
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as err:  # the tokenizers library raises bare Exceptions
            raise ModelError(
                f"{path} is not a valid tokenizer ({_one_line(err)}); {REPAIR}"
            ) from err
        if tokenizer.get_vocab_size() > config.vocab_size:
            raise ModelError(
                f"{path} has {tokenizer.get_vocab_size()} tokens, more than the vocab_size "
                f"{config.vocab_size} of {config_path}: they are from different models; {REPAIR}"
            )
        return tokenizer

    def _model_path(self) -> Path:
        path = next((self.folder / f for f in MODEL_FILES if (self.folder / f).exists()), None)
        if path is None:
            raise ModelError(f"{self.folder / MODEL_FILES[0]} is missing; {REPAIR}")
        if path.stat().st_size == 0:
            raise ModelError(f"{path} is empty (0 bytes); {REPAIR}")
        return path

    def _load_session(self, threads: int) -> ort.InferenceSession:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            return ort.InferenceSession(
                str(self.model_path), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime's errors derive from Exception only
            raise ModelError(
                f"{self.model_path} is not a loadable ONNX model ({_one_line(err)}); {REPAIR}"
            ) from err

    def _inspect(
        self,
        config_path: Path,
        config: ModelConfig,
        generation: GenerationConfig | None,
        genai: GenaiConfig | None,
    ) -> ModelInfo:
        def fail(path: Path, why: str) -> ModelError:
            return ModelError(f"{path}: {why}; {REPAIR}")

        inputs = {i.name: i for i in self.session.get_inputs()}
        self._input_names = set(inputs)
        for required in ("input_ids", "attention_mask"):
            if required not in inputs:
                raise fail(self.model_path, f"the model has no {required!r} input")
        layers = sorted(int(m.group(1)) for n in inputs if (m := PAST_KEY.match(n)))
        if not layers:
            raise fail(self.model_path, "no past_key_values.N.key inputs (export with past)")
        past = inputs[f"past_key_values.{layers[0]}.key"]
        heads, head_dim = past.shape[1], past.shape[3]
        if not isinstance(heads, int):
            heads = config.num_key_value_heads or config.num_attention_heads
        if not isinstance(head_dim, int):
            head_dim = config.head_dim
            if head_dim is None and config.hidden_size and config.num_attention_heads:
                head_dim = config.hidden_size // config.num_attention_heads
        if not heads or not head_dim:
            raise fail(config_path, "no num_attention_heads, head_dim or hidden_size for the cache")
        self._past_dtype = ORT_TYPES.get(past.type, np.float32)
        eos_ids = self._eos_ids(config_path, config, generation)
        lengths = [config.max_position_embeddings, config.n_positions]
        lengths.append(genai.model.context_length if genai else None)
        context = min((n for n in lengths if n is not None), default=None)
        if context is None:
            raise fail(config_path, "no max_position_embeddings: the context length is unknown")
        planner = config.robot_planner
        if planner.max_new_tokens >= context:
            raise fail(
                config_path,
                f"robot_planner.max_new_tokens {planner.max_new_tokens} leaves no room for a "
                f"prompt in the context of {context} tokens",
            )
        return ModelInfo(
            folder=self.folder,
            eos_ids=eos_ids,
            prompt_format=planner.prompt_format,
            listing=planner.listing,
            max_new_tokens=planner.max_new_tokens,
            context_length=context,
            n_layers=len(layers),
            n_heads=int(heads),
            head_dim=int(head_dim),
            vocab_size=config.vocab_size,
        )

    def _eos_ids(
        self, config_path: Path, config: ModelConfig, generation: GenerationConfig | None
    ) -> tuple[int, ...]:
        """The end tokens: generation_config.json's if it names them, else config.json's."""
        path, eos = config_path, config.eos_token_id
        if generation is not None and generation.eos_token_id is not None:
            path, eos = self.folder / GENERATION_CONFIG, generation.eos_token_id
        eos_ids = tuple(eos) if isinstance(eos, list) else (eos,) if eos is not None else ()
        if not eos_ids:
            raise ModelError(f"{config_path}: no eos_token_id (nor in {GENERATION_CONFIG})")
        if max(eos_ids) >= config.vocab_size:
            raise ModelError(
                f"{path}: eos_token_id {max(eos_ids)} is not below the vocab_size "
                f"{config.vocab_size} of {config_path}; {REPAIR}"
            )
        return eos_ids

    def _check_runs(self, config_path: Path) -> None:
        """Run one token, so a model that loads but cannot run fails here, not mid-plan."""
        try:
            logits, _ = self.forward([self.info.eos_ids[0]], self.empty_cache())
        except Exception as err:  # onnxruntime's errors derive from Exception only
            raise ModelError(
                f"{self.model_path} does not run with the settings of {config_path} "
                f"({_one_line(err)}); {REPAIR}"
            ) from err
        if logits.shape != (self.info.vocab_size,):
            raise ModelError(
                f"{self.model_path} gives logits of shape {logits.shape}, not the vocab_size "
                f"{self.info.vocab_size} of {config_path}; {REPAIR}"
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
        if past_len + n > self.info.context_length:
            # The planner keeps prompt and plan within the context; past it onnxruntime
            # fails deep inside the graph (a position out of the embedding's range).
            raise ValueError(
                f"{n} tokens after {past_len} exceed the model's context of "
                f"{self.info.context_length} tokens"
            )
        feed: dict[str, np.ndarray] = dict(zip(self._past_names, cache, strict=True))
        feed["input_ids"] = np.array([ids], dtype=np.int64)
        # Views of arrays made once: a step allocates only its token's id.
        feed["attention_mask"] = self._ones[:, : past_len + n]
        if "position_ids" in self._input_names:
            feed["position_ids"] = self._positions[:, past_len : past_len + n]
        if "use_cache_branch" in self._input_names:
            feed["use_cache_branch"] = np.array([past_len > 0])
        outputs = self.session.run(self._output_names, feed)
        logits = outputs[0][0, -1]
        return logits.astype(np.float32, copy=False), list(outputs[1:])

    def prefill(self, ids: list[int], shared: int = 0) -> tuple[np.ndarray, Cache]:
        """`forward(ids, empty_cache())`, keeping the cache of the first `shared` tokens.

        A prompt whose first `shared` tokens are those of an earlier call reuses their
        cache and runs only the rest (a chat prompt's scene and examples are hundreds of
        tokens; the request a few dozen). The prefix is always run on its own, so the
        logits do not depend on which prompts came before.
        """
        if not 0 < shared < len(ids):
            return self.forward(ids, self.empty_cache())
        key = tuple(ids[:shared])
        cache = self._prefixes.get(key)
        if cache is None:
            _, cache = self.forward(list(key), self.empty_cache())
            self._prefixes[key] = cache
            if len(self._prefixes) > KEPT_PREFIXES:
                self._prefixes.popitem(last=False)
        self._prefixes.move_to_end(key)
        return self.forward(ids[shared:], cache)

    def forward_no_cache(self, ids: list[int]) -> np.ndarray:
        """Logits of the last position, recomputing the whole sequence (the baseline)."""
        logits, _ = self.forward(ids, self.empty_cache())
        return logits
