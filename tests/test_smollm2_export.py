"""The SmolLM2 conversion path on a tiny random-weight Llama: the torch module exported by
models.smollm2's code loads in the brain and plans under the grammar. Needs torch (the
`train` extra): skipped where it is not installed (CI)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gguf")

from test_smollm2_tokenizer import tiny_vocab  # noqa: E402

from core.scenes import SCENES  # noqa: E402
from models.export import export_onnx  # noqa: E402
from models.gguf_llama import unpermute  # noqa: E402
from models.gguf_tokenizer import build_tokenizer  # noqa: E402
from models.llama import Llama, LlamaConfig  # noqa: E402
from models.smollm2 import write_folder  # noqa: E402
from robot.brain.planner import Planner  # noqa: E402
from robot.brain.world import WorldModel, replay  # noqa: E402


def llama_cpp_order(weight: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's converter's row order for a query or key projection (GGUF spec)."""
    rows, cols = weight.shape
    return weight.reshape(heads, 2, rows // heads // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def test_unpermute_undoes_the_gguf_row_order():
    weight = np.arange(4 * 8 * 3, dtype=np.float32).reshape(4 * 8, 3)
    assert np.array_equal(unpermute(llama_cpp_order(weight, 4), 4), weight)


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    torch.manual_seed(0)
    tokenizer = build_tokenizer(tiny_vocab())
    cfg = LlamaConfig(
        vocab_size=tokenizer.get_vocab_size(),
        n_layer=2,
        n_head=4,
        n_kv_head=2,
        d_model=32,
        d_ff=64,
        max_positions=2048,
        rope_base=100000.0,
    )
    model = Llama(cfg).eval()
    out = tmp_path_factory.mktemp("tiny_llama")
    write_folder(out, cfg, tokenizer.to_str(), bos=1, eos=2)
    with torch.no_grad():
        export_onnx(model, out / "model.onnx", cfg.n_layer, cfg.n_kv_head, cfg.head_dim)
    return model, out


def test_onnx_gives_the_torch_logits_with_and_without_a_cache(tiny_folder):
    model, folder = tiny_folder
    planner = Planner(folder)
    ids = [5, 80, 81, 82, 1, 90, 91]
    with torch.no_grad():
        expected = model.forward_with_cache(
            torch.tensor([ids]),
            torch.ones(1, len(ids), dtype=torch.long),
            torch.arange(len(ids))[None],
            *model.empty_cache(),
        )[0][0, -1].numpy()
    onnx = planner.model
    whole, _ = onnx.forward(ids, onnx.empty_cache())
    _, cache = onnx.forward(ids[:4], onnx.empty_cache())
    stepped, _ = onnx.forward(ids[4:], cache)
    assert np.allclose(whole, expected, atol=1e-4)
    assert np.allclose(stepped, expected, atol=1e-4)


def test_a_random_llama_plans_through_the_grammar_and_validator(tiny_folder):
    _, folder = tiny_folder
    planner = Planner(folder)
    assert planner.model.info.prompt_format == "chat"
    spec = SCENES["tea"]
    for text in ("Please pour tea into the red cup.", "Stell die blaue Tasse aufs Tablett."):
        result = planner.plan(spec, text)
        assert result.decoded is not None  # the model ran (the screen let it through)
        if not result.plan.refused:
            replay(WorldModel.initial(spec), result.plan.steps)
