"""Grouped-query attention without copying the KV cache, for passes of several new tokens.

transformers' SDPA path repeats every key/value head for each query head it serves (``repeat_kv``)
whenever a pass feeds more than one token with a mask: for Qwen2.5-1.5B (12 query heads, 2 KV heads)
that writes six copies of the whole KV cache, layer by layer, on every pass. Copy speculation and
batched decoding feed several tokens per pass, so that copy came to cost as much as the weights.
Here the query heads that share a KV head are folded into the query length instead, so SDPA reads
the cache as it is; the result is the same attention (exactly, up to the kernel's summation order).
"""

from __future__ import annotations

from typing import Any

import torch

NAME = "summarizer_sdpa"


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


def install(model: Any) -> bool:
    """Use ``packed_gqa_sdpa`` for ``model`` when it runs transformers' SDPA attention; False if not."""
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask
    from transformers.modeling_utils import AttentionInterface

    if getattr(model.config, "_attn_implementation", None) != "sdpa":
        return False
    AttentionInterface.register(NAME, packed_gqa_sdpa)
    AttentionMaskInterface.register(NAME, sdpa_mask)
    model.set_attn_implementation(NAME)
    return True
