"""Long articles: chunk boundaries, alias-aware merging, and the pipeline's use of both."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.backends import GenerationResult
from summarizer.chunking import merge, split_chunks
from summarizer.core import Summarizer
from summarizer.schema import MAX_QUOTES, ConflictSummary
from summarizer.textspans import paragraphs


def words(s: str) -> int:
    return len(s.split())


paragraph = st.lists(
    st.sampled_from(["Rebels", "attacked", "the", "town.", "Troops", "said", "calm."]), min_size=1, max_size=40
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=25), st.integers(min_value=45, max_value=120))
def test_chunks_cover_every_paragraph_within_budget(paras: list[str], budget: int) -> None:
    text = "\n\n".join(paras)
    chunks = split_chunks(text, budget, words)
    assert chunks
    for s, e in chunks:
        assert 0 <= s < e <= len(text)
        assert words(text[s:e]) <= budget
    covered = set()
    for s, e in chunks:
        covered |= {p for p in paragraphs(text) if s <= p[0] and p[1] <= e}
    assert covered == set(paragraphs(text))
    starts = [s for s, _ in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_overlap_repeats_the_boundary_paragraph() -> None:
    text = "\n\n".join(f"Paragraph {i} has five words." for i in range(6))
    chunks = split_chunks(text, 12, words)
    assert len(chunks) > 1
    first, second = chunks[0], chunks[1]
    assert second[0] < first[1]  # the second chunk starts inside the first


def test_long_paragraph_is_cut_at_sentences() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    chunks = split_chunks(text, 20, words)
    assert len(chunks) > 1
    for s, e in chunks:
        assert words(text[s:e]) <= 20
        assert text[s:e].rstrip().endswith(".")


def _summary(**lists) -> ConflictSummary:
    base = {"summary": "s", "belligerents": [], "locations": [], "reinforcements": [], "quotes": []}
    base.update(lists)
    return ConflictSummary.model_validate(base)


def bel(name: str, *aliases: str, side: str = "a") -> dict:
    return {"name": name, "aliases": list(aliases), "side": side, "role": "combatant"}


def test_merge_is_alias_aware_and_bounded() -> None:
    a = _summary(
        belligerents=[bel("Syrian army", "the army")],
        quotes=[{"text": f"q{i} words here", "speaker": "x", "speaker_affiliation": None} for i in range(30)],
    )
    b = _summary(
        belligerents=[bel("the army", "government forces"), bel("Rebel Front")],
        quotes=[{"text": f"q{i} words here", "speaker": "x", "speaker_affiliation": None} for i in range(20, 50)],
    )
    m = merge([a, b])
    assert [x.name for x in m.belligerents] == ["Syrian army", "Rebel Front"]
    assert m.belligerents[0].aliases == ["the army", "government forces"]
    assert len(m.quotes) == MAX_QUOTES
    assert [q.text for q in m.quotes][:3] == ["q0 words here", "q1 words here", "q2 words here"]


class TinyBackend:
    """A deterministic backend double: names the first capitalised word of each chunk as a belligerent."""

    model_name = "tiny"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return words(text)

    def generate(self, messages, grammar, max_new_tokens) -> GenerationResult:
        article = messages[-1]["content"].split("<<<\n", 1)[1].rsplit("\n>>>", 1)[0]
        self.prompts.append(article)
        name = re.findall(r"\b[A-Z][a-z]+\b", article)[-1]
        out = {"summary": "x", "belligerents": [bel(name)], "locations": [], "reinforcements": [], "quotes": []}
        return GenerationResult(text=json.dumps(out), prompt_tokens=10, generated_tokens=5)


def test_long_article_is_chunked_and_spans_point_into_the_whole_text() -> None:
    paras = [
        f"Fighting continued near the river today and {name} said nothing more."
        for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot")
    ] * 3
    text = "\n\n".join(paras)
    backend = TinyBackend()
    s = Summarizer(backend=backend, input_budget=200)
    short = s.summarize(paras[0])
    assert short.meta["chunks"] == 1
    long = s.summarize(text * 3)
    assert long.meta["chunks"] > 1
    for b in long.data.belligerents:
        start, end = b.spans.name
        assert (text * 3)[start:end] == b.name


def test_monster_article_is_refused_clearly() -> None:
    import pytest

    from summarizer.article import ArticleError

    s = Summarizer(backend=TinyBackend())
    with pytest.raises(ArticleError, match="over the limit"):
        s.summarize("Rebels attacked. " * 300_000)  # about 5 MB
