"""The folded grouped-query attention gives transformers' SDPA attention, without copying the cache."""

from __future__ import annotations

import pytest
import torch
from transformers.integrations.sdpa_attention import sdpa_attention_forward

from summarizer.backends.attention import packed_gqa_sdpa


class Layer(torch.nn.Module):
    def __init__(self, groups: int) -> None:
        super().__init__()
        self.num_key_value_groups = groups
        self.is_causal = True


def _inputs(batch: int, heads: int, kv_heads: int, q_len: int, kv_len: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(batch, heads, q_len, 16, generator=g)
    k = torch.randn(batch, kv_heads, kv_len, 16, generator=g)
    v = torch.randn(batch, kv_heads, kv_len, 16, generator=g)
    # causal over the last q_len positions, with holes (padding, rejected drafts) per row
    mask = torch.ones(batch, 1, q_len, kv_len, dtype=torch.bool)
    for i in range(q_len):
        mask[:, :, i, kv_len - q_len + i + 1 :] = False
    mask[0, :, :, 3] = False
    if batch > 1:
        mask[1, :, :, 5:9] = False
    return q, k, v, mask


@pytest.mark.parametrize(("batch", "heads", "kv_heads", "q_len"), [(1, 12, 2, 9), (3, 12, 2, 4), (2, 8, 4, 2)])
def test_folded_heads_give_the_same_attention(batch: int, heads: int, kv_heads: int, q_len: int) -> None:
    q, k, v, mask = _inputs(batch, heads, kv_heads, q_len, 40)
    layer = Layer(heads // kv_heads)
    want, _ = sdpa_attention_forward(layer, q, k, v, mask, scaling=0.25)
    got, _ = packed_gqa_sdpa(layer, q, k, v, mask, scaling=0.25)
    assert got.shape == want.shape == (batch, q_len, heads, 16)
    assert torch.allclose(got, want, atol=1e-5)


def test_one_token_or_no_groups_use_transformers_own_path() -> None:
    q, k, v, mask = _inputs(2, 12, 2, 1, 30)
    layer = Layer(6)
    assert torch.equal(packed_gqa_sdpa(layer, q, k, v, mask)[0], sdpa_attention_forward(layer, q, k, v, mask)[0])
    q, k, v, mask = _inputs(1, 4, 4, 3, 20)
    layer = Layer(1)
    assert torch.equal(packed_gqa_sdpa(layer, q, k, v, mask)[0], sdpa_attention_forward(layer, q, k, v, mask)[0])


def test_a_per_head_mask_is_refused() -> None:
    q, k, v, mask = _inputs(1, 12, 2, 3, 20)
    with pytest.raises(ValueError, match="per-head"):
        packed_gqa_sdpa(Layer(6), q, k, v, mask.expand(1, 12, 3, 20))


def test_growing_layers_write_new_tokens_into_room_and_keep_the_numbers() -> None:
    import copy

    from doubles import tiny_qwen2
    from transformers import DynamicCache

    from summarizer.backends import attention

    model = tiny_qwen2(4, vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2).float()
    plain = copy.deepcopy(model)
    assert attention.install(model) and attention.install(plain)
    plain._forward_pre_hooks.clear()  # the same attention, caches that grow by concatenation
    prompt = torch.tensor([[5, 9, 33, 71, 2, 200, 14]])
    feeds = [[3], [7, 8, 9, 10], [11], [12, 13]]
    with torch.inference_mode():
        grown, cache = model(input_ids=prompt, use_cache=True), None
        base = plain(input_ids=prompt, use_cache=True)
        cache, ref = grown.cache, base.cache
        for n, feed in enumerate(feeds):
            ids = torch.tensor([feed])
            got = model(input_ids=ids, cache=cache, use_cache=True).logits
            want = plain(input_ids=ids, cache=ref, use_cache=True).logits
            assert torch.equal(got, want)
            layer = cache.layers[0]
            assert type(layer) is attention.growing_layer() and type(ref.layers[0]) is not attention.growing_layer()
            assert layer.keys.shape[-2] == ref.layers[0].keys.shape[-2]
            if n == 1:
                room = layer._room[0].data_ptr()
                cache.crop(-2)  # rejected drafts: the room is reused, not reallocated
                ref.crop(-2)
        assert cache.layers[0]._room[0].data_ptr() == room
        # a copy owns its room: growing it leaves the original untouched
        before = cache.layers[0].keys.clone()
        twin = copy.deepcopy(cache)
        model(input_ids=torch.tensor([[40, 41]]), cache=twin, use_cache=True)
        cache.crop(-1)
        model(input_ids=torch.tensor([[50]]), cache=cache, use_cache=True)
        assert torch.equal(twin.layers[0].keys[..., : before.shape[-2] - 1, :], before[..., :-1, :])
        # keys replaced by another tensor (a batch join): the next update takes a fresh buffer
        other = DynamicCache(ddp_cache_data=[(ly.keys.clone(), ly.values.clone()) for ly in cache.layers])
        n = other.get_seq_length()
        model(input_ids=torch.tensor([[60]]), cache=other, use_cache=True)
        assert other.get_seq_length() == n + 1 and type(other.layers[0]) is attention.growing_layer()
