"""Grouped-query attention without copying the KV cache, for passes of several new tokens.

transformers' SDPA path repeats every key/value head for each query head it serves (``repeat_kv``)
whenever a pass feeds more than one token with a mask: for Qwen2.5-1.5B (12 query heads, 2 KV heads)
that writes six copies of the whole KV cache, layer by layer, on every pass. Copy speculation and
batched decoding feed several tokens per pass, so that copy came to cost as much as the weights.
Here the query heads that share a KV head are folded into the query length instead, so SDPA reads
the cache as it is; the result is the same attention (exactly, up to the kernel's summation order).

The cache itself grows by concatenation in transformers (``DynamicLayer.update``), which copies every
layer's keys and values on every pass: a decoding pass over a 2,000-token cache spent about 12% of its
time there on 2 cores. ``GrowingLayer`` keeps them as views of buffers with room to spare, so a pass
writes only its new tokens; ``install`` makes every cache the model is given use it.
"""

from __future__ import annotations

from typing import Any

import torch

NAME = "summarizer_sdpa"
# ``GrowingLayer``: room added when a buffer is (re)allocated, in tokens: a quarter of the length, at least
ROOM_MIN = 256


def packed_gqa_sdpa(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    is_causal: bool | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers' SDPA attention, with query heads folded onto their shared KV head when several
    tokens come with a mask (the case where transformers would copy the cache)."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    groups = getattr(module, "num_key_value_groups", 1)
    batch, heads, q_len, dim = query.shape
    if groups == 1 or (attention_mask is None and q_len > 1) or kwargs.get("position_bias") is not None:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, is_causal=is_causal, **kwargs
        )
    kv_heads = heads // groups
    # [B, H, L, D] -> [B, KV, G*L, D]: the G query heads of one KV head become G*L query rows
    q = query.reshape(batch, kv_heads, groups * q_len, dim)
    mask = attention_mask
    if mask is not None:
        if mask.shape[1] != 1:
            raise ValueError("a per-head attention mask cannot be folded")
        # [B, 1, L, T] -> [B, 1, G*L, T]: each folded row keeps its token's mask row
        mask = mask.expand(mask.shape[0], groups, q_len, mask.shape[-1]).reshape(mask.shape[0], 1, groups * q_len, -1)
    out = torch.nn.functional.scaled_dot_product_attention(
        q, key, value, attn_mask=mask, dropout_p=dropout, scale=scaling, is_causal=False
    )
    out = out.reshape(batch, heads, q_len, value.shape[-1])
    return out.transpose(1, 2).contiguous(), None


def _view_of(t: torch.Tensor, buf: torch.Tensor) -> bool:
    """Whether ``t`` is a leading slice (along the sequence) of ``buf``."""
    return (
        t.data_ptr() == buf.data_ptr()
        and t.dtype == buf.dtype
        and t.shape[:-2] == buf.shape[:-2]
        and t.shape[-1] == buf.shape[-1]
        and t.stride() == buf.stride()
    )


def _grow_class() -> type:
    from transformers.cache_utils import DynamicLayer

    class GrowingLayer(DynamicLayer):
        """A ``DynamicLayer`` whose keys and values are leading slices of buffers with room to grow: an
        update writes the new tokens into the room instead of concatenating (a copy of the whole cache).
        ``crop`` keeps the slices, so the room reused after it is the cropped tokens' own. Whatever replaces
        the keys or values with other tensors (a batch join, an index select) only costs the next update
        a fresh buffer."""

        def update(
            self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
        ) -> tuple[torch.Tensor, torch.Tensor]:
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
            n = self.keys.shape[-2] if self.keys.numel() else 0
            end = n + key_states.shape[-2]
            room = getattr(self, "_room", None)
            fits = (
                room is not None
                and n > 0
                and _view_of(self.keys, room[0])
                and _view_of(self.values, room[1])
                and end <= room[0].shape[-2]
                and key_states.shape[:-2] == room[0].shape[:-2]
                and key_states.dtype == room[0].dtype
            )
            if not fits:
                cap = end + max(ROOM_MIN, end // 4)
                kb = key_states.new_empty(*key_states.shape[:-2], cap, key_states.shape[-1])
                vb = value_states.new_empty(*value_states.shape[:-2], cap, value_states.shape[-1])
                if n:
                    kb[..., :n, :] = self.keys
                    vb[..., :n, :] = self.values
                room = self._room = (kb, vb)
            room[0][..., n:end, :] = key_states
            room[1][..., n:end, :] = value_states
            self.keys, self.values = room[0][..., :end, :], room[1][..., :end, :]
            return self.keys, self.values

    return GrowingLayer


_GROWING: list[type] = []


def growing_layer() -> type:
    """The ``GrowingLayer`` class (built once, on first use: transformers is imported lazily)."""
    if not _GROWING:
        _GROWING.append(_grow_class())
    return _GROWING[0]


def grow(cache: Any) -> Any:
    """Make the plain dynamic layers of ``cache`` (a transformers ``DynamicCache``) ``GrowingLayer``s; return it."""
    from transformers.cache_utils import DynamicLayer

    cls = growing_layer()
    for layer in getattr(cache, "layers", ()):
        if type(layer) is DynamicLayer:
            layer.__class__ = cls
    return cache


def _grow_given_cache(module: torch.nn.Module, args: tuple, kwargs: dict[str, Any]) -> None:
    for key in ("cache", "past_key_values"):
        if kwargs.get(key) is not None:
            grow(kwargs[key])


def install(model: Any) -> bool:
    """Use ``packed_gqa_sdpa`` for ``model`` when it runs transformers' SDPA attention, and ``GrowingLayer``
    for every cache it is given; False if the model does not run SDPA (then nothing changes)."""
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask
    from transformers.modeling_utils import AttentionInterface

    if getattr(model.config, "_attn_implementation", None) != "sdpa":
        return False
    AttentionInterface.register(NAME, packed_gqa_sdpa)
    AttentionMaskInterface.register(NAME, sdpa_mask)
    model.set_attn_implementation(NAME)
    model.register_forward_pre_hook(_grow_given_cache, with_kwargs=True)
    return True
