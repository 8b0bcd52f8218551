"""End to end with the bundled model (slow: deselect with -m 'not model'; CI runs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer import Summarizer, validate
from summarizer.cli import main
from summarizer.schema import SCHEMA_VERSION

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def summarizer() -> Summarizer:
    return Summarizer()


@pytest.fixture(scope="module")
def result(summarizer: Summarizer, example_article: str):
    return summarizer.summarize(example_article)


def test_output_validates_and_is_grounded(result, example_article: str) -> None:
    problems = validate(result.to_json(), example_article)
    assert [p for p in problems if p.severity == "error"] == []
    out = json.loads(result.to_json())
    for b in out["belligerents"]:
        s, e = b["spans"]["name"]
        assert example_article[s:e] == b["name"]
    for q in out["quotes"]:
        s, e = q["spans"]["text"]
        assert example_article[s:e] == q["text"]


def test_expected_facts(result) -> None:
    data = result.data
    names = [b.name for b in data.belligerents] + [a for b in data.belligerents for a in b.aliases]
    assert any("Tahrir al-Sham" in n for n in names)
    places = [loc.name for loc in data.locations] + [a for loc in data.locations for a in loc.aliases]
    assert any("Soran" in p for p in places)
    assert any("Reinforcements are now being sent" in q.text for q in data.quotes)


def test_meta(result) -> None:
    meta = result.meta
    assert meta["schema_version"] == SCHEMA_VERSION
    assert meta["prompt_version"].startswith("single-pass-")
    assert meta["tokens"]["generated"] > 0
    assert meta["timings"]["total_s"] > 0
    assert not meta["closed_early"]


def test_deterministic(summarizer: Summarizer, result, example_article: str) -> None:
    again = summarizer.summarize(example_article)
    assert again.data.model_dump(exclude={"meta"}) == result.data.model_dump(exclude={"meta"})
    # the shared prompt prefix was reused from the first call
    assert again.meta["tokens"]["prompt_reused"] > 0


def test_no_conflict_article(summarizer: Summarizer) -> None:
    text = (
        "The city council approved a new budget on Tuesday after a long debate. The mayor said "
        "the plan would fund two new libraries and repair roads in the northern districts."
    )
    r = summarizer.summarize(text)
    assert r.data.belligerents == []
    assert r.data.reinforcements == []
    assert validate(r.to_json(), text) == []


def test_cli_budget_closes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With a tiny token budget the grammar still closes the JSON: valid, grounded, never cut off."""
    out = tmp_path / "out.json"
    article = ROOT / "examples" / "hama-2017.txt"
    code = main(["extract", str(article), "--max-new-tokens", "64", "-o", str(out)])
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["meta"]["closed_early"] is True
    # the budget counts the tokens the model chose; grammar-forced tokens are free
    assert doc["meta"]["tokens"]["sampled"] <= 64
    problems = validate(doc, article.read_text(encoding="utf-8"))
    assert [p for p in problems if p.severity == "error"] == []


def test_eval_slice_valid_and_rescored_identically(summarizer: Summarizer, tmp_path: Path) -> None:
    """`summarizer eval` on a slice of eval/data: validity 1.0, and --score-only gives the same figures."""
    from summarizer.evaluation.runner import run_eval

    data = ROOT / "eval" / "data" / "dev.jsonl"
    out = tmp_path / "run"
    scores = run_eval([data], out, summarizer=summarizer, limit=1, progress=False)
    assert scores["n_articles"] == 1
    assert scores["validity_rate"] == 1.0
    assert scores["verbatim_rate"] == 1.0
    assert scores["failed"] == 0
    assert main(["eval", "--score-only", str(out / "predictions.jsonl"), str(data), "--out", str(tmp_path / "re")]) == 0
    again = json.loads((tmp_path / "re" / "scores.json").read_text(encoding="utf-8"))
    assert again["fields"] == scores["fields"]
    assert again["side_grouping"] == scores["side_grouping"]
