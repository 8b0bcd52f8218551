"""Summarizer.summarize_many and batched runs, with a backend double that decodes in batches and
hands results back out of order (as the real batched decoder does when answers differ in length)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import ArticleError
from summarizer.backends.base import GenerationError, GenerationResult
from summarizer.batch import run_batch
from summarizer.core import Summarizer
from summarizer.predictions import predict_lines


def _article(messages: list[dict[str, str]]) -> str:
    return messages[-1]["content"].split("<<<\n", 1)[1].rsplit("\n>>>", 1)[0]


def _answer(article: str) -> str:
    name = re.findall(r"\b[A-Z][a-z]+\b", article)[-1]
    bel = {"name": name, "aliases": [], "side": "side A", "role": "combatant"}
    out = {"summary": "x", "belligerents": [bel], "locations": [], "reinforcements": [], "quotes": []}
    return json.dumps(out)


class BatchingBackend:
    """Takes up to ``batch_size`` requests, then returns their answers last-first."""

    model_name = "batching-double"

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate(self, messages, grammar, max_new_tokens) -> GenerationResult:
        return GenerationResult(text=_answer(_article(messages)), prompt_tokens=10, generated_tokens=5)

    def generate_many(self, requests, batch_size=4):
        requests = iter(requests)
        while True:
            group = [r for _, r in zip(range(batch_size), requests, strict=False)]
            if not group:
                return
            self.batches.append([key for key, *_ in group])
            for key, messages, _grammar, _n in reversed(group):
                if "FAIL" in _article(messages):
                    yield key, GenerationError("no complete answer")
                else:
                    yield key, self.generate(messages, _grammar, _n)


class SequentialBackend(BatchingBackend):
    generate_many = None  # type: ignore[assignment]

    def __getattribute__(self, name: str) -> Any:
        if name == "generate_many":
            raise AttributeError(name)
        return super().__getattribute__(name)


LONG = "\n\n".join(
    f"Fighting went on near the river and {name} said nothing more about it today."
    for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot") * 3
)
ARTICLES = [
    ("one", "The Kelvar militia attacked Dusa on Monday."),
    ("two", LONG),
    ("three", "Government troops of Marvia entered Osk."),
    ("four", "Soldiers from Tressa guarded the border."),
]


def _data(result: Any) -> dict:
    d = result.to_dict()
    d.pop("meta")
    return d


def test_results_match_one_at_a_time_and_come_back_once_each() -> None:
    backend = BatchingBackend()
    s = Summarizer(backend=backend, input_budget=200, second_look=False)
    alone = {key: _data(s.summarize(text)) for key, text in ARTICLES}
    assert s.summarize(LONG).meta["chunks"] > 1
    got = list(s.summarize_many(ARTICLES, batch_size=3))
    assert sorted(k for k, _ in got) == sorted(k for k, _ in ARTICLES)
    assert [k for k, _ in got] != [k for k, _ in ARTICLES]  # finish order, not input order
    for key, result in got:
        assert not isinstance(result, Exception), result
        assert _data(result) == alone[key]
        for b in result.data.belligerents:
            assert result.article[b.spans.name[0] : b.spans.name[1]] == b.name
    assert dict(got)["two"].meta["chunks"] == s.summarize(LONG).meta["chunks"]
    assert max(len(b) for b in backend.batches) == 3


def test_a_bad_article_or_a_failed_chunk_fails_alone() -> None:
    s = Summarizer(backend=BatchingBackend(), input_budget=200, second_look=False)
    failing_chunk = LONG.replace("Delta said", "Delta FAIL said")
    articles = [("ok", ARTICLES[0][1]), ("blank", "   "), ("chunk", failing_chunk), ("ok2", ARTICLES[2][1])]
    got = dict(s.summarize_many(articles, batch_size=2))
    assert sorted(got) == ["blank", "chunk", "ok", "ok2"]
    assert isinstance(got["blank"], ArticleError)
    assert isinstance(got["chunk"], GenerationError)
    assert not isinstance(got["ok"], Exception) and not isinstance(got["ok2"], Exception)


def test_batch_size_one_or_a_backend_that_cannot_batch_runs_in_order() -> None:
    for backend, size in ((BatchingBackend(), 1), (SequentialBackend(), 4)):
        s = Summarizer(backend=backend, input_budget=200, second_look=False)
        got = list(s.summarize_many(ARTICLES + [("blank", "")], batch_size=size))
        assert [k for k, _ in got] == ["one", "two", "three", "four", "blank"]
        assert isinstance(got[-1][1], ArticleError)
        assert not backend.batches
    with pytest.raises(ValueError, match="batch_size"):
        list(Summarizer(backend=BatchingBackend(), second_look=False).summarize_many(ARTICLES, batch_size=0))


def test_predict_lines_turn_failures_into_error_lines() -> None:
    s = Summarizer(backend=BatchingBackend(), input_budget=200, second_look=False)
    lines = list(predict_lines(s, [("a", "Rebels of Kor fought."), ("b", "")], batch_size=2))
    by_id = {x["id"]: x for x in lines}
    assert by_id["a"]["prediction"]["belligerents"][0]["name"] == "Kor"
    assert by_id["b"]["prediction"] is None and by_id["b"]["error"]["type"] == "ArticleError"
    assert "total_s" in by_id["b"]["meta"]["timings"]


def test_batched_run_writes_every_input_once(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    rows = [{"id": k, "text": t} for k, t in ARTICLES] + [{"id": "blank", "text": " "}, {"id": "one", "text": "x"}]
    (d / "set.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", encoding="utf-8")
    (d / "page.html").write_text("<html><body><p>The Orvan guard held Tesk.</p></body></html>", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    backend = BatchingBackend()
    s = Summarizer(backend=backend, input_budget=200, second_look=False)
    summary = run_batch([str(d / "set.jsonl"), str(d / "page.html")], out, s, progress=False, batch_size=3)
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    ids = [x["id"] for x in got]
    assert sorted(ids) == sorted(["one", "two", "three", "four", "blank", "one#2", "line:7", str(d / "page.html")])
    assert (summary.done, summary.failed) == (5, 3)
    html = next(x for x in got if x["id"] == str(d / "page.html"))
    assert html["text"] == "The Orvan guard held Tesk." and html["prediction"]["belligerents"][0]["name"] == "Tesk"
    assert backend.batches  # the batched path was taken
    # resume: nothing left to do
    again = run_batch([str(d / "set.jsonl"), str(d / "page.html")], out, s, progress=False, resume=True, batch_size=3)
    assert again.skipped == 8 and again.done == 0
