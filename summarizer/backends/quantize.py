"""int8 / int4 quantization of a model's Linear layers, for CPU inference in eager mode.

``w8a8`` (int8 weights and int8 activations) swaps each ``nn.Linear`` for an ``Int8DynamicLinear``: the
weight is int8 (symmetric, one scale per output row) and each pass's input is quantized to int8 on the fly
(one scale per pass), so the matmul runs in integers on torch's x86/fbgemm engine (AVX-512 VNNI where the
CPU has it): about 4x faster than a bf16 matmul for the few rows of a decoding pass on 2 cores, and
somewhat faster for a prefill. The exception is the MLP's down projection (``MLP_OUTPUTS``): its input,
the gated activations, has tokens and channels far larger than the rest, which one int8 scale per pass
cannot hold, so that layer stays bf16.

``w8a8-fast`` scales each input row (token) to unit range before quantizing, so that one large token no
longer coarsens the others, and with that makes the down projection int8 too: a decoding pass takes about
a third less time, and the logits are closer to bf16 than ``w8a8``'s, but the dev and test answers moved
(README, "int8 down projections"), so it is opt-in.

The weight-only modes keep activations bf16:

* int8: symmetric, one scale per output row;
* int4: asymmetric, a scale and zero per group of 32 inputs, with the group's step fitted so that weights
  dequantized from a 4-bit GGUF (Q4_K, Q4_1, ...) are rebuilt almost exactly. A layer that int4 would
  change by more than ``INT4_MAX_ERROR`` (relative to its norm), such as one from a Q6_K or Q8_0 tensor
  or an ordinary bf16 checkpoint, gets int8 instead.

Short inputs (decoding one token, or a few forced ones) run torch's fused CPU kernels
(``aten._weight_int8pack_mm``, ``aten._weight_int4pack_mm_for_cpu``), which read the small weights
directly. Those kernels are slower than a bf16 matmul for long inputs, so a prefill dequantizes each
weight to bf16 (in chunks of rows) and uses the ordinary matmul. Neither torch.compile nor torchao is
needed: torchao's eager int8 weight-only layer casts the whole weight to bf16 on every call, which makes
decoding slower than plain bf16.
"""

from __future__ import annotations

import functools
import math
import os
import platform
import sys
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

QUANT_MODES = ("none", "int8", "int4", "w8a8", "w8a8-fast")
W8A8_MODES = ("w8a8", "w8a8-fast")
# "auto", the default of ``Summarizer`` and the CLI, picks one of them for this machine: see ``resolve_mode``
AUTO = "auto"
# w8a8: Linear layers (by attribute name) that read an MLP's gated activations, which w8a8 leaves bf16.
# Against bf16 logits, the example article's prompt and a dev article's (mean KL over their last 600
# positions; top-1 agreement): w8a8 0.020 / 0.021 (0.92 / 0.90); one scale per token, these layers bf16
# 0.0061 / 0.0064 (0.96 / 0.95); w8a8-fast (one scale per token, every layer int8) 0.015 / 0.014 (0.93 / 0.93).
MLP_OUTPUTS = frozenset({"down_proj", "fc2", "w2", "dense_4h_to_h"})
# Rows (tokens) up to which the fused kernels run; longer inputs dequantize and use a bf16 matmul. Measured
# break-even on one core for Qwen2.5-1.5B's MLP layers: about 40 rows for int8 and 100 for int4 (whose
# dequantizing costs more).
INT8_KERNEL_MAX_ROWS = 32
INT4_KERNEL_MAX_ROWS = 96
# ``ShortPassInt8Linear``: rows up to which the int8 kernel runs; 2 cores, AVX2, a 8960 -> 1536 down projection:
# 0.87 / 3.8 / 10 ms at 1 / 9 / 16 rows against float32's 2.5 / 9.0 / 12 ms, and slower beyond about 20 rows
SHORT_PASS_MAX_ROWS = 16
INT4_GROUP = 32
INT4_MAX_ERROR = 0.02  # relative (Frobenius) error of a layer's weight above which int4 mode uses int8
GRID_SEARCH_MAX_OFF = 0.9  # share of groups off the plain int4 grid above which no finer grid is sought
# Output rows handled at a time when quantizing or dequantizing (a multiple of 64, the int4 packing block),
# which bounds the temporaries for large layers such as the LM head.
CHUNK_ROWS = 8192
# w8a8: output rows packed together (see ``Int8DynamicLinear``); Qwen2.5-1.5B's largest layer has 8960
PACK_ROWS = 16384
# the dtype models are loaded in (``transformers_backend._load_dir``), and built in by ``load_quantized``
LOAD_DTYPE = torch.bfloat16
# the dtype the unquantized layers compute in (``compute_dtype``), as the environment may ask for it
DTYPE_ENV = "SUMMARIZER_DTYPE"
DTYPES = {"bfloat16": torch.bfloat16, "float32": torch.float32}


def _rows(x: torch.Tensor) -> int:
    return x.numel() // x.shape[-1] if x.shape[-1] else 0


class _QuantLinear(nn.Module):
    """Shared forward: the fused kernel for short inputs, a chunked dequantize-and-matmul for long ones."""

    in_features: int
    out_features: int
    bias: torch.Tensor | None

    def _kernel(self, x2d: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _kernel_max_rows(self) -> int:
        raise NotImplementedError

    def dequantize(self, dtype: torch.dtype, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Output rows ``start:stop`` of the weight as a ``dtype`` tensor of shape (rows, in_features)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if _rows(x) > self._kernel_max_rows():
            n = self.out_features
            parts = [F.linear(x, self.dequantize(x.dtype, s, s + CHUNK_ROWS)) for s in range(0, n, CHUNK_ROWS)]
            y = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)
        else:
            y = self._kernel(x.reshape(-1, self.in_features)).reshape(*x.shape[:-1], self.out_features)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Int8Linear(_QuantLinear):
    """A Linear layer with an int8 weight (symmetric, one scale per output row) and bf16 activations.

    ``rows``: the weight's ``_int8_rows`` when they are known already (read from a cache)."""

    def __init__(self, linear: nn.Linear, rows: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        super().__init__()
        w = linear.weight.detach()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        qweight, scale = rows if rows is not None else _int8_rows(w)
        self.register_buffer("qweight", qweight)
        self.register_buffer("scale", scale.to(w.dtype))
        self.bias = linear.bias

    def _kernel_max_rows(self) -> int:
        return INT8_KERNEL_MAX_ROWS

    def _kernel(self, x2d: torch.Tensor) -> torch.Tensor:
        return torch.ops.aten._weight_int8pack_mm(x2d.contiguous(), self.qweight, self.scale.to(x2d.dtype))

    def dequantize(self, dtype: torch.dtype, start: int = 0, stop: int | None = None) -> torch.Tensor:
        return self.qweight[start:stop].to(dtype).mul_(self.scale[start:stop].to(dtype)[:, None])


def _int8_rows(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``w`` as int8 (symmetric, one float32 scale per output row), quantized in chunks of rows."""
    qweight = torch.empty(w.shape, dtype=torch.int8)
    scale = torch.empty(w.shape[0], dtype=torch.float32)
    for s in range(0, w.shape[0], CHUNK_ROWS):
        block = w[s : s + CHUNK_ROWS].to(torch.float32, copy=True)
        sc = block.abs().amax(dim=1).clamp(min=1e-12) / 127
        qweight[s : s + CHUNK_ROWS] = block.div_(sc[:, None]).round_().clamp_(-127, 127).to(torch.int8)
        scale[s : s + CHUNK_ROWS] = sc
    return qweight, scale


def w8a8_available() -> bool:
    """Whether this torch build and CPU run w8a8: torch's x86 (or fbgemm) quantized engine on x86-64."""
    engines = set(torch.backends.quantized.supported_engines)
    return platform.machine().lower() in ("x86_64", "amd64") and bool({"x86", "fbgemm"} & engines)


def resolve_mode(mode: str) -> str:
    """``mode`` itself, or for ``auto``: w8a8 where it runs (``w8a8_available``), else none (bf16)."""
    if mode == AUTO:
        return "w8a8" if w8a8_available() else "none"
    if mode not in QUANT_MODES:
        raise ValueError(f"unknown quantization mode {mode!r} (allowed: {AUTO}, {', '.join(QUANT_MODES)})")
    return mode


class ShortPassInt8Linear(nn.Module):
    """A float32 Linear layer that also holds its weight as int8 rows, for short passes.

    On an x86 CPU without bfloat16 (``compute_dtype`` float32), w8a8's down projections stay float32, and
    torch's float32 matmul of a few rows is slow there: a decoding pass of 9 rows spends more than half its
    time in them. A pass of at most ``SHORT_PASS_MAX_ROWS`` rows (decoding, drafted and forced tokens) runs
    torch's weight-only int8 kernel on a bfloat16 copy of its input instead (2.9x faster at 1 row, 2.3x at
    9, README "int8 down projections for short passes"); longer passes (prefills, the second look's
    questions) keep the float32 weight, so their results, and cached prefixes, do not change.

    ``rows``: the weight's ``_int8_rows`` when they are known already (read from a cache)."""

    def __init__(self, linear: nn.Linear, rows: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        super().__init__()
        self.linear = linear
        self.in_features, self.out_features = linear.in_features, linear.out_features
        qweight, scale = rows if rows is not None else _int8_rows(linear.weight.detach())
        # memory of its own: torch's int8 kernel crashes on rows memory-mapped from a file
        self.register_buffer("qweight", qweight.clone())
        self.register_buffer("scale", scale.to(torch.bfloat16))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if _rows(x) > SHORT_PASS_MAX_ROWS:
            return self.linear(x)
        x2d = x.reshape(-1, self.in_features).to(torch.bfloat16).contiguous()
        y = torch.ops.aten._weight_int8pack_mm(x2d, self.qweight, self.scale).to(x.dtype)
        y = y.reshape(*x.shape[:-1], self.out_features)
        return y + self.linear.bias if self.linear.bias is not None else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, short_rows={SHORT_PASS_MAX_ROWS}"


def short_pass_int8(model: nn.Module, cache: Path | None = None) -> int:
    """Wrap each float32 Linear layer of ``model`` that w8a8 left unquantized (``MLP_OUTPUTS``) in a
    ``ShortPassInt8Linear``; return how many. ``cache``: a file for their int8 rows (``rows_cache_file``
    with mode ``short``), read when it fits every layer, else written."""
    names = [
        name
        for name, child in model.named_modules()
        if isinstance(child, nn.Linear)
        and child.weight.dtype == torch.float32
        and name.rsplit(".", 1)[-1] in MLP_OUTPUTS
    ]
    if not names:
        return 0
    cached = _read_rows(cache)
    if not all(_rows_fit(cached, name, model.get_submodule(name)) for name in names):
        cached = {}
    fresh: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def wrapped(name: str) -> nn.Module:
        linear = model.get_submodule(name)
        if cached:
            rows = (cached.pop(f"{name}.q"), cached.pop(f"{name}.scale"))  # each freed once packed
        else:
            rows = _int8_rows(linear.weight.detach())
            fresh[f"{name}.q"], fresh[f"{name}.scale"] = rows
        return ShortPassInt8Linear(linear, rows)

    _replace_layers(model, names, wrapped)
    if cache is not None and fresh:
        _write_rows(cache, fresh)
    return len(names)


@functools.cache
def _cpu_flags() -> frozenset[str] | None:
    """The CPU's feature flags as Linux lists them in /proc/cpuinfo; None where it cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return None


@functools.cache
def _reduce_range() -> bool:
    """Whether int8 activations must keep to 7 bits: on x86 without VNNI, fbgemm's u8*s8 products are summed
    in saturating 16-bit pairs (torch's own advice for that engine)."""
    flags = _cpu_flags()
    return flags is None or not {"avx512_vnni", "avx_vnni"} & flags


def compute_dtype() -> torch.dtype:
    """The dtype that the layers left unquantized (and attention) compute in: ``SUMMARIZER_DTYPE``
    (``bfloat16`` or ``float32``) when set; else bfloat16 where the CPU multiplies it natively (x86 with
    AVX-512 BF16 or AMX, or a CPU that is not x86), and float32 on other x86 CPUs, where torch's bfloat16
    matmul of a few rows runs several times slower than a float32 one (README, "float32 where the CPU
    has no bfloat16")."""
    asked = os.environ.get(DTYPE_ENV, "").strip().lower()
    if asked:
        if asked not in DTYPES:
            raise ValueError(f"{DTYPE_ENV}={asked!r} is not one of: {', '.join(DTYPES)}")
        return DTYPES[asked]
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return LOAD_DTYPE
    flags = _cpu_flags()
    return LOAD_DTYPE if flags is None or {"avx512_bf16", "amx_bf16"} & flags else torch.float32


def _rows_as(dtype: torch.dtype):
    def hook(module: nn.Module, args: tuple, output: torch.Tensor) -> torch.Tensor:
        return output.to(dtype)

    return hook


def cast_keeping_embedding(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """Cast ``model`` to ``dtype`` (``compute_dtype``), all but its input embedding, which keeps its weight
    (bfloat16: 0.47 GB for the bundled model instead of 0.93 GB, and still the checkpoint's own memory
    where it is a view of it) and gives the rows it looks up in ``dtype``: the same numbers, since a
    bfloat16 value widens exactly. An embedding tied to an LM head that is still a plain Linear is cast."""
    emb = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    tied = head is not None and getattr(head, "weight", None) is getattr(emb, "weight", False)
    # a weight tied to an unquantized LM head is cast with it
    weight = emb.weight.data if isinstance(emb, nn.Embedding) and not tied else None
    if weight is None or weight.dtype == dtype:
        return model.to(dtype)
    emb.weight.data = weight.new_empty(0)  # out of the cast's way: no float32 copy, not even for a moment
    model.to(dtype)
    emb.weight.data = weight
    emb.register_forward_hook(_rows_as(dtype))
    return model


class Int8DynamicLinear(nn.Module):
    """A Linear layer with an int8 weight and int8 activations (see the module docstring): one activation
    scale per pass, or with ``per_token`` one per input row.

    ``rows``: the weight's ``_int8_rows`` when they are known already (read from a cache)."""

    def __init__(
        self, linear: nn.Linear, rows: tuple[torch.Tensor, torch.Tensor] | None = None, per_token: bool = False
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.per_token = per_token
        qweight, scale = rows if rows is not None else _int8_rows(linear.weight.detach())
        bias = None if linear.bias is None else linear.bias.detach().float()
        # per token, the bias is added after each row's scale is put back, so it is not packed
        self.register_buffer("row_bias", bias if per_token else None)
        packed_bias = None if per_token else bias
        # fbgemm packs a very tall weight (an LM head of 150k rows) several times slower per row than a
        # layer's: it is packed, and run, in parts of ``PACK_ROWS`` rows
        self._packed = [
            _prepack(
                qweight[s : s + PACK_ROWS],
                scale[s : s + PACK_ROWS],
                None if packed_bias is None else packed_bias[s : s + PACK_ROWS],
            )
            for s in range(0, self.out_features, PACK_ROWS)
        ]
        # the packed weight is not a parameter or buffer: its size, for memory and bandwidth figures
        self.packed_nbytes = (
            qweight.numel() + 8 * self.out_features + (0 if packed_bias is None else 4 * self.out_features)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x2d = x.reshape(-1, self.in_features).float()
        row_max = None
        if self.per_token:
            # each row scaled to [-1, 1], so that fbgemm's one scale per call fits every row alike
            row_max = x2d.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12)
            x2d = x2d / row_max
        parts = [torch.ops.quantized.linear_dynamic(x2d, p, _reduce_range()) for p in self._packed]
        y = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)
        if row_max is not None:
            y = y.mul_(row_max)
            if self.row_bias is not None:
                y = y.add_(self.row_bias)
        return y.to(x.dtype).reshape(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, per_token={self.per_token}"


@functools.cache
def _quiet_qtensor_warning() -> None:
    """Silence torch's notice that quantized tensors (qint8) will go some day, once for the process: the
    packing runs on several threads, where ``warnings.catch_warnings`` is not safe."""
    warnings.filterwarnings(
        "ignore", message=r"torch\.quantize_per_tensor, torch\.quantize_per_channel", category=UserWarning
    )


def _prepack(qweight: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None) -> object:
    """int8 rows with their scales (and a float bias, if given) packed for ``torch.ops.quantized.linear_dynamic``."""
    zeros = torch.zeros(qweight.shape[0], dtype=torch.long)
    _quiet_qtensor_warning()
    q = torch._make_per_channel_quantized_tensor(qweight, scale.double(), zeros, 0)
    return torch.ops.quantized.linear_prepack(q, bias)


def _unpack_int4_t(packed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The 4-bit values of a ``_convert_weight_to_int4pack_for_cpu`` weight (n, k/2) as a (k, n) ``dtype``
    tensor, for the layout of that op's AVX-512 build: per block of 64 output rows and per input, 32 bytes
    whose low nibbles hold rows 0-31 and high nibbles rows 32-63."""
    n, k = packed.shape[0], packed.shape[1] * 2
    p = packed.view(n // 64, k, 32).transpose(0, 1)
    out = torch.empty(k, n // 64, 2, 32, dtype=dtype)
    out[:, :, 0].copy_(p & 15)
    out[:, :, 1].copy_(p >> 4)
    return out.view(k, n)


def _quantize_int4(w: torch.Tensor, group: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float, float]:
    """Asymmetric int4 per group of ``group`` inputs, in the kernel's convention w = (q - 8) * scale + zero.

    Returns (q, scales, zeros, squared error, squared norm of ``w``). A group's step is (max - min) / 15,
    or, for a group off that grid, the spacing of its own values where that fits better: a 4-bit GGUF
    block (Q4_0/Q4_1/Q4_K), dequantized, lies on a grid of 16 levels that it need not fill to both ends,
    and its own spacing rebuilds it almost exactly (up to bf16 rounding)."""
    n, k = w.shape
    g = w.to(torch.float32, copy=True).reshape(-1, group)
    norm2 = float(torch.dot(g.view(-1), g.view(-1)))
    lo, hi = torch.aminmax(g, dim=1)
    span = hi.sub_(lo).clamp_(min=1e-12)
    u = g.sub_(lo[:, None]).div_(span[:, None])  # in [0, 1]
    x = u * 15
    q = x.round()
    resid = x.sub_(q)
    err = torch.linalg.vecdot(resid, resid).div_(225)  # in units of span**2
    levels = torch.full_like(lo, 15)
    rows = (resid.abs_().amax(dim=1) > 0.1).nonzero().squeeze(1)  # groups the plain grid does not fit
    # nearly all groups off the plain grid: no 4-bit source (Q6_K, Q8_0, bf16), and searching would be wasted work
    if 0 < rows.numel() <= GRID_SEARCH_MAX_OFF * lo.numel():
        sub = u[rows]
        gaps = sub.sort(dim=1).values.diff(dim=1)
        real = gaps > 0.5 / 15  # nearer than half a plain step: the same level
        unit = torch.where(real, gaps, torch.inf).amin(dim=1)
        # each gap is a whole number of steps; counting them is robust to bf16 noise in the smallest one
        sub_levels = gaps.div_(unit[:, None]).round_().mul_(real).sum(dim=1).clamp_(1, 15)
        xs = sub.mul_(sub_levels[:, None])
        qs = xs.round()
        resid = xs.sub_(qs)
        sub_err = torch.linalg.vecdot(resid, resid).div_(sub_levels.square())
        better = sub_err < err[rows]
        q[rows] = torch.where(better[:, None], qs, q[rows])
        levels[rows] = torch.where(better, sub_levels, 15)
        err[rows] = torch.minimum(sub_err, err[rows])
    scale = span / levels
    sq_err = float(torch.dot(err, span.square()))
    shape = (n, k // group)
    return q.reshape(n, k).to(torch.int32), scale.view(shape), lo.add_(scale, alpha=8).view(shape), sq_err, norm2


@functools.cache
def _packing_is_known() -> bool:
    """Whether this CPU's ``_convert_weight_to_int4pack_for_cpu`` lays weights out as ``_unpack_int4_t`` reads."""
    q = torch.arange(128 * 64, dtype=torch.int32).reshape(128, 64).mul_(7).remainder_(16)
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 1)
    return packed.shape == (128, 32) and torch.equal(_unpack_int4_t(packed, torch.int32), q.t())


_Int4Parts = tuple[torch.Tensor, torch.Tensor, torch.Tensor, bool, float]


def _pack_int4(w: torch.Tensor, group: int, max_error: float = math.inf) -> _Int4Parts | None:
    """(packed weight, scales, zeros, unpackable, relative error), or None as soon as the error so far
    exceeds ``max_error``. With the known packed layout the weight is quantized and packed in chunks of
    rows; otherwise at once, and ``unpackable`` is False."""
    pack = torch.ops.aten._convert_weight_to_int4pack_for_cpu
    unpackable = w.shape[0] % 64 == 0 and _packing_is_known()
    step = CHUNK_ROWS if unpackable else w.shape[0]
    packed, scales, zeros, err, norm2 = [], [], [], 0.0, 0.0
    for s in range(0, w.shape[0], step):
        q, scale, zero, e, n2 = _quantize_int4(w[s : s + step], group)
        packed.append(pack(q, 1))
        scales.append(scale)
        zeros.append(zero)
        err, norm2 = err + e, norm2 + n2
        if err > max_error**2 * norm2:
            return None
    rel_err = (err / max(norm2, 1e-30)) ** 0.5
    return torch.cat(packed), torch.cat(scales), torch.cat(zeros), unpackable, rel_err


class Int4Linear(_QuantLinear):
    """A Linear layer with an int4 weight (asymmetric, groups of ``group_size`` inputs) and bf16 activations."""

    def __init__(self, linear: nn.Linear, group_size: int = INT4_GROUP, parts: _Int4Parts | None = None) -> None:
        super().__init__()
        w = linear.weight.detach()
        self.in_features, self.out_features, self.group_size = linear.in_features, linear.out_features, group_size
        parts = parts or _pack_int4(w, group_size)
        assert parts is not None
        packed, scale, zero, self.unpackable, self.weight_error = parts
        self.register_buffer("qweight", packed)
        # (in_features / group, out_features, 2): scale and zero of each group, as the kernel takes them
        self.register_buffer(
            "scale_and_zero", torch.stack((scale, zero), dim=2).transpose(0, 1).contiguous().to(w.dtype)
        )
        self.bias = linear.bias

    def _kernel(self, x2d: torch.Tensor) -> torch.Tensor:
        sz = self.scale_and_zero.to(x2d.dtype)
        y = torch.ops.aten._weight_int4pack_mm_for_cpu(x2d.contiguous(), self.qweight, self.group_size, sz)
        return y[:, : self.out_features]

    def _kernel_max_rows(self) -> int:
        # without the known packed layout there is no dequantizing: the kernel takes every input
        return INT4_KERNEL_MAX_ROWS if self.unpackable else sys.maxsize

    def dequantize(self, dtype: torch.dtype, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Output rows ``start:stop`` of the weight as a ``dtype`` tensor of shape (rows, in_features)
        (a transposed view, which a matmul takes as it is)."""
        if not self.unpackable:
            # a layout other than the known one: the kernel itself multiplies an identity by the weight
            eye = torch.eye(self.in_features, dtype=dtype if dtype == torch.bfloat16 else torch.float32)
            return self._kernel(eye)[:, start:stop].t().to(dtype)
        w = _unpack_int4_t(self.qweight[start:stop], dtype)  # (k, rows)
        sz = self.scale_and_zero[:, start:stop].float()  # (k / group, rows, 2)
        scale, offset = sz[..., 0], sz[..., 1] - 8 * sz[..., 0]
        k, g = self.in_features, self.group_size
        groups = w.view(k // g, g, -1)
        torch.addcmul(offset.to(dtype)[:, None], groups, scale.to(dtype)[:, None], out=groups)
        return w.t()

    def extra_repr(self) -> str:
        return super().extra_repr() + f", group_size={self.group_size}"


def _check_supported(model: nn.Module, mode: str) -> None:
    for module in model.modules():
        if isinstance(module, nn.Linear) and module.weight.device.type != "cpu":
            raise ValueError(f"{mode} quantization runs on CPU only; found a Linear on {module.weight.device}")
    if mode in W8A8_MODES:
        if not w8a8_available() or not hasattr(torch.ops.quantized, "linear_dynamic"):
            engines = ", ".join(torch.backends.quantized.supported_engines)
            raise RuntimeError(
                f"w8a8 quantization needs an x86-64 CPU and torch's x86/fbgemm quantized engine (this machine: "
                f"{platform.machine()}, engines: {engines}); use int8 or none instead"
            )
        return
    ops = ["_weight_int8pack_mm"]
    if mode == "int4":
        ops += ["_convert_weight_to_int4pack_for_cpu", "_weight_int4pack_mm_for_cpu"]
    for op in ops:
        if not hasattr(torch.ops.aten, op):
            raise RuntimeError(f"{mode} quantization needs torch.ops.aten.{op}, which torch {torch.__version__} lacks")


def _copy_remaining(model: nn.Module, checkpoint: Path | None = None) -> None:
    """Give the tensors that were not quantized (embeddings, norms, biases) memory of their own, so that a
    checkpoint that transformers memory-mapped at load (safetensors) is unmapped, instead of its pages,
    the bf16 weights just replaced included, staying resident beside the quantized copies.

    ``checkpoint``: the model's directory; a parameter stored there under its own name, shape and dtype is
    read from the file with plain reads (``_checkpoint_reader``) rather than copied from the mapping, whose
    pages would otherwise be resident twice until the last one is copied. Others are copied."""
    reader = _checkpoint_reader(checkpoint)
    for name, param in model.named_parameters():  # each shared parameter once; it stays shared
        fresh = reader(name, param.data) if reader is not None else None
        param.data = fresh if fresh is not None else param.data.clone()
    for module in model.modules():
        if not isinstance(module, (_QuantLinear, Int8DynamicLinear)):
            for name, buf in module._buffers.items():
                if buf is not None:
                    module._buffers[name] = buf.clone()


def _safe_open(path: Path):
    """``safetensors.safe_open`` reading tensors with pread(2) into memory of their own where the installed
    safetensors offers it (0.8 and later), else memory-mapped."""
    from safetensors import safe_open

    try:
        return safe_open(str(path), framework="pt", backend="pread")
    except TypeError:
        return safe_open(str(path), framework="pt")


def _checkpoint_reader(directory: Path | None):
    """A function (name, tensor like it) -> that tensor read from ``directory``'s safetensors files, or None
    when it is not stored there as it is in the model (renamed, converted, another shape or dtype);
    None when the directory has no safetensors files."""
    if directory is None:
        return None
    files = sorted(Path(directory).glob("*.safetensors"))
    files = [f for f in files if "-rows-v" not in f.name]  # not our int8 rows cache (``rows_cache_file``)
    if not files:
        return None
    from safetensors import SafetensorError

    where: dict[str, Path] = {}
    try:
        for f in files:
            with _safe_open(f) as handle:
                where.update(dict.fromkeys(handle.keys(), f))
    except (OSError, SafetensorError):
        return None

    def read(name: str, like: torch.Tensor) -> torch.Tensor | None:
        if name not in where:
            return None
        try:
            with _safe_open(where[name]) as handle:
                t = handle.get_tensor(name)
        except (OSError, SafetensorError):
            return None
        if t.shape != like.shape or t.dtype != like.dtype:
            return None
        n = min(64, like.numel())  # a cheap check that the model did not change it after loading
        if not torch.equal(t.reshape(-1)[:n], like.reshape(-1)[:n]):
            return None
        return t

    return read


CACHE_FORMAT = 1  # bump when ``_int8_rows`` changes, so that old cache files are not read


def _read_rows(path: Path | None) -> dict[str, torch.Tensor]:
    """int8 rows cached by an earlier ``quantize_weights`` (empty when there is no usable file)."""
    if path is None or not path.is_file():
        return {}
    from safetensors import SafetensorError

    try:
        with _safe_open(path) as handle:
            return {name: handle.get_tensor(name) for name in handle.keys()}
    except (OSError, SafetensorError):
        return {}  # unreadable or cut short: quantize again and rewrite it


def _write_rows(path: Path, rows: dict[str, torch.Tensor]) -> None:
    """Write the rows atomically next to ``path``; a read-only or full cache only costs the next load."""
    from safetensors.torch import save_file

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rows-", suffix=".tmp")
        os.close(fd)
        try:
            save_file(rows, tmp, metadata={"format": str(CACHE_FORMAT)})
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass


def rows_cache_file(directory: Path, mode: str) -> Path:
    """Where ``quantize_weights`` caches the int8 rows of a model kept in ``directory`` (the w8a8 modes share
    one file: the rows are the same, and a file holding more layers than a mode needs fits it)."""
    return directory / f"{'w8a8' if mode in W8A8_MODES else mode}-rows-v{CACHE_FORMAT}.safetensors"


@torch.no_grad()
def quantize_weights(
    model: nn.Module, mode: str, cache: Path | None = None, checkpoint: Path | None = None
) -> nn.Module:
    """Replace ``model``'s Linear layers in place by quantized ones and return ``model``.

    ``mode`` is one of ``QUANT_MODES``: ``none`` leaves the model unchanged; ``int8``, ``int4`` and ``w8a8``
    are described in the module docstring (w8a8: the layers in ``MLP_OUTPUTS`` stay bf16).
    With int4, a layer gets int8 when int4 would change it by more
    than ``INT4_MAX_ERROR`` or the int4 kernel cannot take its shape (inputs not a multiple of
    ``INT4_GROUP``, outputs not a multiple of 64). Embeddings and norms keep their dtype (a weight tied to
    the LM head stays bf16 for the embedding) but are copied: see ``_copy_remaining``, to which
    ``checkpoint`` (the directory the model was loaded from) goes. Layers are quantized on as many
    threads as torch uses.

    ``cache``: a file for the int8 rows of the int8 and w8a8 modes (``rows_cache_file``): read when it
    holds every layer's rows with the right shapes, else written after quantizing, so that the next load
    skips the rounding (about 10 s for the bundled model on 2 cores).
    """
    if mode not in QUANT_MODES:
        raise ValueError(f"unknown quantization mode {mode!r} (allowed: {', '.join(QUANT_MODES)})")
    if mode == "none":
        return model
    _check_supported(model, mode)
    if mode in W8A8_MODES and torch.backends.quantized.engine not in ("x86", "fbgemm"):
        torch.backends.quantized.engine = "x86" if "x86" in torch.backends.quantized.supported_engines else "fbgemm"
    # names only, so that each bf16 weight is freed as soon as its layer is replaced
    names = _layers_to_quantize(model, mode)
    cached = _read_rows(cache) if mode != "int4" else {}
    if not all(_rows_fit(cached, name, model.get_submodule(name)) for name in names):
        cached = {}  # another model's or an incomplete file: quantize every layer and rewrite it
    fresh: dict[str, torch.Tensor] = {}

    @torch.no_grad()  # grad mode is per thread
    def quantized(name: str) -> nn.Module:
        linear = model.get_submodule(name)
        if mode in ("int8", *W8A8_MODES):
            if cached:
                q, sc = cached.pop(f"{name}.q"), cached.pop(f"{name}.scale")
            else:
                q, sc = _int8_rows(linear.weight.detach())
                fresh[f"{name}.q"], fresh[f"{name}.scale"] = q, sc
            return _quantized_from_rows(linear, (q, sc), mode)
        parts = None
        if linear.in_features % INT4_GROUP == 0 and linear.out_features % 64 == 0:
            parts = _pack_int4(linear.weight.detach(), INT4_GROUP, INT4_MAX_ERROR)
        return Int4Linear(linear, parts=parts) if parts else Int8Linear(linear)

    _replace_layers(model, names, quantized)
    if cache is not None and fresh:
        _write_rows(cache, fresh)
    cached.clear()
    fresh.clear()
    _copy_remaining(model, checkpoint)
    return model


def _layers_to_quantize(model: nn.Module, mode: str) -> list[str]:
    """The names of ``model``'s Linear layers that ``mode`` quantizes: all of them, but w8a8 leaves the MLP's
    down projection bf16 (it reads the gated activations, whose large tokens and channels would swamp one
    int8 scale per pass; w8a8-fast has one per token and quantizes it too)."""
    return [
        name
        for name, child in model.named_modules()
        if name and isinstance(child, nn.Linear) and not (mode == "w8a8" and name.rsplit(".", 1)[-1] in MLP_OUTPUTS)
    ]


def _replace_layers(model: nn.Module, names: list[str], build) -> None:
    """Replace each layer of ``model`` named in ``names`` by ``build(name)``, built on as many threads as
    torch uses (torch's kernels let go of the GIL, and fbgemm's packing of a w8a8 weight runs on one thread)."""
    with ThreadPoolExecutor(max_workers=max(1, torch.get_num_threads())) as pool:
        for name, new in zip(names, pool.map(build, names), strict=True):
            parent_name, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent_name) if parent_name else model, attr, new)
            del new


def _rows_fit(cached: dict[str, torch.Tensor], name: str, linear: nn.Module) -> bool:
    """Whether ``cached`` holds int8 rows and scales for ``linear`` (an ``nn.Linear`` named ``name``)."""
    if f"{name}.q" not in cached or f"{name}.scale" not in cached or not isinstance(linear, nn.Linear):
        return False
    return _rows_well_formed(cached, name) and cached[f"{name}.q"].shape == linear.weight.shape


def _quantized_from_rows(linear: nn.Linear, rows: tuple[torch.Tensor, torch.Tensor], mode: str) -> nn.Module:
    if mode in W8A8_MODES:
        return Int8DynamicLinear(linear, rows, per_token=mode == "w8a8-fast")  # packs a copy of the rows
    # memory of its own: torch's int8 kernel crashes on rows memory-mapped from a file (``load_quantized``)
    return Int8Linear(linear, (rows[0].clone(), rows[1]))


def load_quantized(
    directory: Path, mode: str, cache: Path, meanwhile: Callable[[], object] | None = None
) -> nn.Module | None:
    """The model kept in ``directory`` (a transformers checkpoint in safetensors files), its Linear layers
    quantized for ``mode`` (int8 or a w8a8 mode) from the int8 rows cached in ``cache`` by an earlier
    ``quantize_weights``, without reading its bf16 weights. The cached rows and the checkpoint are
    memory-mapped; the layers are packed from the rows on torch's threads while the model's code is
    imported and ``meanwhile`` (other loading, such as the tokenizer's) runs; then the model is built empty
    and every tensor that is not quantized (embeddings, norms, biases, w8a8's down projections) is a view
    of the checkpoint. The result equals ``quantize_weights`` applied to the loaded model, in about half
    the time.

    None when this cannot be done (no cache file, or one without every layer; a tensor missing from the
    checkpoint, or stored under another shape or dtype): then load the model and call ``quantize_weights``.
    """
    if mode not in ("int8", *W8A8_MODES) or not cache.is_file():
        return None
    from safetensors import SafetensorError

    files = [f for f in sorted(Path(directory).glob("*.safetensors")) if "-rows-v" not in f.name]
    try:
        with safe_open_mapped(cache) as handle:  # mapped: the rows are read once, by the packing
            rows = {name: handle.get_tensor(name) for name in handle.keys()}
        stored: dict[str, torch.Tensor] = {}
        for f in files:
            with safe_open_mapped(f) as handle:
                stored.update({name: handle.get_tensor(name) for name in handle.keys()})
    except (OSError, SafetensorError):
        return None
    # the layers the rows are for, as ``_layers_to_quantize`` will name them once the model is built
    names = [
        key[: -len(".q")]
        for key in rows
        if key.endswith(".q")
        and f"{key[: -len('.q')]}.scale" in rows
        and not (mode == "w8a8" and key[: -len(".q")].rsplit(".", 1)[-1] in MLP_OUTPUTS)
    ]
    if not files or not names or not all(_rows_well_formed(rows, name) for name in names):
        return None

    @torch.no_grad()
    def pack(name: str) -> nn.Module:
        q = rows[f"{name}.q"]
        # the layer's shape, dtype and bias, as ``_empty_model`` will have it
        like = nn.Linear(q.shape[1], q.shape[0], bias=False, device="meta", dtype=LOAD_DTYPE)
        bias = stored.get(f"{name}.bias")
        if bias is not None:
            like.bias = nn.Parameter(bias, requires_grad=False)
        return _quantized_from_rows(like, (q, rows[f"{name}.scale"]), mode)

    pool = ThreadPoolExecutor(max_workers=max(1, torch.get_num_threads()))
    try:
        packing = {name: pool.submit(pack, name) for name in names}
        config = _config_with_code(Path(directory))
        if meanwhile is not None:
            meanwhile()
        try:
            packed = {name: future.result() for name, future in packing.items()}
        except (RuntimeError, ValueError):
            return None  # rows or a bias that torch would not pack: the ordinary path says what is wrong
        # only now: the empty model is built under a patch of ``nn.Module`` that the packing must not see
        model = _empty_model(Path(directory), config)
        if sorted(names) != sorted(_layers_to_quantize(model, mode)):
            return None
        if not all(_rows_fit(rows, name, model.get_submodule(name)) for name in names):
            return None
        if not _assign_stored(model, stored, {f"{name}.weight" for name in names}):
            return None
        for name in names:
            parent_name, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent_name) if parent_name else model, attr, packed.pop(name))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        rows.clear()
    if any(t.is_meta for t in (*model.parameters(), *model.buffers())):
        return None
    return model.eval()


def _rows_well_formed(rows: dict[str, torch.Tensor], name: str) -> bool:
    """Whether ``rows`` holds an int8 matrix and one scale per row for the layer ``name``."""
    q, scale = rows[f"{name}.q"], rows[f"{name}.scale"]
    return q.dtype == torch.int8 and q.dim() == 2 and scale.dim() == 1 and scale.shape[0] == q.shape[0]


def _config_with_code(directory: Path) -> object:
    """The config of the checkpoint in ``directory``, with the module of its causal-LM class imported
    (seconds, that the packing runs beside)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(str(directory), trust_remote_code=False)
    try:
        AutoModelForCausalLM._model_mapping[type(config)]  # the import, ahead of ``from_config``
    except (KeyError, AttributeError, ImportError):
        pass  # ``from_config`` imports it, or says what is wrong
    return config


def _empty_model(directory: Path, config: object) -> nn.Module:
    """The causal LM of ``config`` built with its parameters on the meta device (no memory, no init; as
    accelerate does it, by patching ``nn.Module`` while it runs); its buffers (rotary tables) are computed
    as usual, and the generation config is read from ``directory``."""
    from accelerate import init_empty_weights
    from transformers import AutoModelForCausalLM, GenerationConfig

    with init_empty_weights(include_buffers=False):
        model = AutoModelForCausalLM.from_config(config, dtype=LOAD_DTYPE, trust_remote_code=False)
    if (directory / "generation_config.json").is_file():
        model.generation_config = GenerationConfig.from_pretrained(str(directory))
    return model


def _assign_stored(model: nn.Module, stored: dict[str, torch.Tensor], skip: set[str]) -> bool:
    """Give each parameter of ``model`` not named in ``skip`` the tensor stored under its name (a tied
    parameter stays one tensor); False when one is missing or stored with another shape or dtype."""
    owners: dict[int, list[tuple[nn.Module, str, str]]] = {}
    for module_name, module in model.named_modules():
        for attr, param in module._parameters.items():
            if param is not None:
                name = f"{module_name}.{attr}" if module_name else attr
                owners.setdefault(id(param), []).append((module, attr, name))
    for places in owners.values():
        wanted = [name for _, _, name in places if name not in skip]
        if not wanted:
            continue
        like = places[0][0]._parameters[places[0][1]]
        found = [stored[n] for n in wanted if n in stored]
        if not found or found[0].shape != like.shape or found[0].dtype != like.dtype:
            return False
        shared = nn.Parameter(found[0], requires_grad=False)
        for module, attr, _ in places:
            module._parameters[attr] = shared
    return True


def safe_open_mapped(path: Path):
    """``safetensors.safe_open`` whose tensors are views of the file, memory-mapped (pages read when used)."""
    from safetensors import safe_open

    return safe_open(str(path), framework="pt")
