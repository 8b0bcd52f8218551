"""The dtype the unquantized layers compute in: float32 on x86 CPUs without a native bfloat16 matmul."""

from __future__ import annotations

import copy

import pytest
import torch
from doubles import tiny_qwen2

from summarizer.backends import quantize
from summarizer.backends.quantize import Int8DynamicLinear, compute_dtype, quantize_weights


@pytest.fixture
def x86(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("SUMMARIZER_DTYPE", raising=False)
    monkeypatch.setattr(quantize.platform, "machine", lambda: "x86_64")
    return monkeypatch


def test_x86_without_bf16_instructions_computes_in_float32(x86: pytest.MonkeyPatch) -> None:
    x86.setattr(quantize, "_cpu_flags", lambda: frozenset({"fma", "avx", "avx2"}))
    assert compute_dtype() == torch.float32


@pytest.mark.parametrize("flag", ["avx512_bf16", "amx_bf16"])
def test_x86_with_bf16_instructions_keeps_bfloat16(x86: pytest.MonkeyPatch, flag: str) -> None:
    x86.setattr(quantize, "_cpu_flags", lambda: frozenset({"avx2", "avx512f", flag}))
    assert compute_dtype() == torch.bfloat16


def test_unknown_flags_or_other_machines_keep_bfloat16(x86: pytest.MonkeyPatch) -> None:
    x86.setattr(quantize, "_cpu_flags", lambda: None)
    assert compute_dtype() == torch.bfloat16
    x86.setattr(quantize, "_cpu_flags", lambda: frozenset({"avx2"}))
    x86.setattr(quantize.platform, "machine", lambda: "aarch64")
    assert compute_dtype() == torch.bfloat16


def test_the_environment_decides_when_set(x86: pytest.MonkeyPatch) -> None:
    x86.setattr(quantize, "_cpu_flags", lambda: frozenset({"avx2"}))
    x86.setenv("SUMMARIZER_DTYPE", "bfloat16")
    assert compute_dtype() == torch.bfloat16
    x86.setenv("SUMMARIZER_DTYPE", " Float32 ")
    assert compute_dtype() == torch.float32
    x86.setenv("SUMMARIZER_DTYPE", "half")
    with pytest.raises(ValueError, match=r"SUMMARIZER_DTYPE='half' is not one of: bfloat16, float32"):
        compute_dtype()


def test_cpu_flags_are_read_from_cpuinfo() -> None:
    flags = quantize._cpu_flags()
    if flags is None:
        pytest.skip("no /proc/cpuinfo flags here")
    assert "fpu" in flags or "fp" in flags or len(flags) > 3


@pytest.mark.parametrize("mode", ["w8a8", "w8a8-fast", "int8", "int4"])
def test_a_quantized_model_cast_to_float32_computes_in_float32_and_agrees(mode: str) -> None:
    base = tiny_qwen2(4, vocab_size=256, hidden_size=128, intermediate_size=256, num_hidden_layers=2)
    model = quantize_weights(copy.deepcopy(base), mode)
    ids = torch.tensor([[3, 77, 150, 9, 201, 45, 12, 8]])
    with torch.inference_mode():
        ref = base.float()(input_ids=ids).logits
        bf16 = model(input_ids=ids).logits
        model.to(torch.float32)
        fp32 = model(input_ids=ids).logits
    assert bf16.dtype == torch.bfloat16 and fp32.dtype == torch.float32
    assert all(p.dtype == torch.float32 for p in model.parameters() if p.is_floating_point())
    if mode.startswith("w8a8"):
        assert any(isinstance(m, Int8DynamicLinear) for m in model.modules())
    # the float32 pass is as close to the float32 model as the bfloat16 pass is, or closer
    err_fp32 = (fp32 - ref).norm() / ref.norm()
    err_bf16 = (bf16.float() - ref).norm() / ref.norm()
    assert err_fp32 < 0.1 and err_fp32 <= err_bf16 * 1.05


def _w8a8_float32():
    base = tiny_qwen2(4, vocab_size=256, hidden_size=128, intermediate_size=256, num_hidden_layers=2)
    model = quantize_weights(copy.deepcopy(base), "w8a8").to(torch.float32)
    return base.float(), model


def test_short_passes_run_the_down_projections_in_int8_and_long_ones_unchanged(tmp_path) -> None:
    base, model = _w8a8_float32()
    plain = copy.deepcopy(model)
    cache = tmp_path / "short-rows.safetensors"
    assert quantize.short_pass_int8(model, cache) == 2  # one down projection per layer
    assert cache.is_file()
    downs = [m for m in model.modules() if isinstance(m, quantize.ShortPassInt8Linear)]
    assert len(downs) == 2 and all(d.qweight.dtype == torch.int8 for d in downs)
    short = torch.tensor([[3, 77, 150, 9]])
    long = torch.randint(0, 256, (1, quantize.SHORT_PASS_MAX_ROWS + 3), generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        # longer than SHORT_PASS_MAX_ROWS: the float32 weight, the very same logits
        assert torch.equal(model(input_ids=long).logits, plain(input_ids=long).logits)
        got, before, ref = (m(input_ids=short).logits for m in (model, plain, base))
    assert got.dtype == torch.float32
    assert not torch.equal(got, before)  # the int8 kernel ran
    assert (got - ref).norm() / ref.norm() < 0.1  # and agrees with the unquantized model
    # a second model reads the rows from the cache file and computes the same
    written = cache.stat().st_mtime_ns
    again = copy.deepcopy(plain)
    assert quantize.short_pass_int8(again, cache) == 2
    assert cache.stat().st_mtime_ns == written  # read, not rewritten
    with torch.inference_mode():
        assert torch.equal(again(input_ids=short).logits, got)


def test_short_passes_leave_bfloat16_models_and_other_modes_alone() -> None:
    base = tiny_qwen2(4, vocab_size=256, hidden_size=128, intermediate_size=256, num_hidden_layers=2)
    assert quantize.short_pass_int8(quantize_weights(copy.deepcopy(base), "w8a8")) == 0  # bfloat16 compute
    assert quantize.short_pass_int8(quantize_weights(copy.deepcopy(base), "w8a8-fast").float()) == 0  # int8 already


@pytest.mark.parametrize("mode", ["w8a8", "none"])
def test_the_embedding_keeps_its_bfloat16_weight_and_gives_float32_rows(mode: str) -> None:
    base = tiny_qwen2(4, vocab_size=256, hidden_size=128, intermediate_size=256, num_hidden_layers=2)
    base.config.tie_word_embeddings = True
    base.tie_weights()
    model = quantize_weights(copy.deepcopy(base), mode)
    cast = copy.deepcopy(model).to(torch.float32)
    quantize.cast_keeping_embedding(model, torch.float32)
    tied = mode == "none"  # the LM head is the embedding's own weight: both are cast
    assert model.get_input_embeddings().weight.dtype == (torch.float32 if tied else torch.bfloat16)
    ids = torch.tensor([[3, 77, 150, 9, 201]])
    with torch.inference_mode():
        assert model.get_input_embeddings()(ids).dtype == torch.float32
        assert torch.equal(model(input_ids=ids).logits, cast(input_ids=ids).logits)
