"""Evaluation runs without a model: prediction files, resume, score-only, compare, HTML report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from summarizer.article import check_article
from summarizer.cli import main
from summarizer.evaluation.runner import run_eval, select
from summarizer.grounding import ground
from summarizer.predictions import PredictionWriter, read_predictions
from summarizer.result import Result
from summarizer.schema import ConflictSummary, Meta

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "examples" / "hama-2017.gold.jsonl"


def _gold_line() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8").splitlines()[0])


class GoldEcho:
    """A test double for Summarizer: answers with the gold labels of known articles (plumbing tests only)."""

    model_name = "gold-echo"

    class prompts:  # noqa: N801 - mimics Summarizer.prompts
        version = "test"

    def __init__(self, records: list[dict], fail_ids: set[str] = frozenset()) -> None:
        self.by_text = {r["text"]: r for r in records}
        self.fail_ids = fail_ids
        self.calls: list[str] = []

    def summarize(self, text: str) -> Result:
        check_article(text)
        rec = self.by_text[text]
        self.calls.append(rec["id"])
        if rec["id"] in self.fail_ids:
            raise RuntimeError("boom")
        strip = {"optional", "in_text"}
        data = {"summary": "gold"}
        for f in ("belligerents", "locations", "reinforcements", "quotes"):
            data[f] = [
                {k: v for k, v in it.items() if k not in strip} for it in rec["gold"][f] if not it.get("optional")
            ]
        model = ground(ConflictSummary.model_validate(data), text)
        model.meta = Meta(model="gold-echo", timings={"total_s": 1.0}, tokens={"generated": 10})
        return Result(model, text)


@pytest.fixture
def gold_dir(tmp_path: Path) -> Path:
    base = _gold_line()
    lines = []
    for i in range(3):
        rec = dict(base, id=f"a{i}", text=base["text"] + ("\n\nExtra paragraph." * i))
        lines.append(json.dumps(rec, ensure_ascii=False))
    d = tmp_path / "gold"
    d.mkdir()
    (d / "set.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def _records(gold_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (gold_dir / "set.jsonl").read_text(encoding="utf-8").splitlines()]


def test_read_predictions_cuts_a_half_written_last_line(tmp_path: Path) -> None:
    p = tmp_path / "p.jsonl"
    with PredictionWriter(p) as w:
        w.write({"id": "x", "prediction": None})
        w.write({"id": "y", "prediction": None})
    with open(p, "a", encoding="utf-8") as fh:
        fh.write('{"id": "z", "predic')
    assert set(read_predictions(p)) == {"x", "y"}
    read_predictions(p, repair=True)
    assert p.read_text(encoding="utf-8").endswith('"prediction": null}\n')
    assert len(p.read_text(encoding="utf-8").splitlines()) == 2


def test_read_predictions_rejects_corruption_in_the_middle(tmp_path: Path) -> None:
    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "x"}\nnot json\n{"id": "y"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"p.jsonl:2"):
        read_predictions(p)


def test_select_sample_is_seeded_and_ordered(gold_dir: Path) -> None:
    from summarizer.evaluation.gold import load_gold

    recs = load_gold([gold_dir])
    a = [r.id for r in select(recs, sample=2, seed=7)]
    b = [r.id for r in select(recs, sample=2, seed=7)]
    assert a == b and len(a) == 2 and a == sorted(a)
    assert [r.id for r in select(recs, limit=1)] == ["a0"]


def test_run_resumes_and_records_failures(gold_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    echo = GoldEcho(_records(gold_dir), fail_ids={"a1"})
    scores = run_eval([gold_dir], out, summarizer=echo, progress=False)
    assert echo.calls == ["a0", "a1", "a2"]
    assert scores["n_articles"] == 3
    assert scores["failed"] == 1
    lines = [json.loads(x) for x in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["a0", "a1", "a2"]
    assert lines[1]["prediction"] is None and lines[1]["error"]["type"] == "RuntimeError"
    ex = scores["extraction"]  # this call's wall time, the honest per-article figure for batched runs
    assert ex["articles"] == 3 and ex["batch_size"] == 1 and ex["wall_s"] >= 0
    assert "this run extracted 3 articles" in (out / "report.md").read_text(encoding="utf-8")
    # a second run does nothing new: everything (failed ones too) is already there
    echo2 = GoldEcho(_records(gold_dir))
    again = run_eval([gold_dir], out, summarizer=echo2, progress=False)
    assert echo2.calls == []
    assert "extraction" not in again
    for name in ("scores.json", "report.md", "report.html"):
        assert (out / name).exists()


def test_score_only_reproduces_the_run(gold_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    scores = run_eval([gold_dir], out, summarizer=GoldEcho(_records(gold_dir)), progress=False)
    assert scores["validity_rate"] == 1.0
    assert scores["fields"]["belligerents"]["recall"] == 1.0
    code = main(["eval", "--score-only", str(out / "predictions.jsonl"), str(gold_dir), "--out", str(tmp_path / "re")])
    assert code == 0
    again = json.loads((tmp_path / "re" / "scores.json").read_text(encoding="utf-8"))
    for f in ("belligerents", "locations", "reinforcements", "quotes"):
        for k in ("precision", "recall", "f1", "tp", "fp", "fn"):
            assert again["fields"][f][k] == scores["fields"][f][k]


def test_compare_lists_changed_articles(gold_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = _records(gold_dir)
    run_eval([gold_dir], tmp_path / "A", summarizer=GoldEcho(recs), progress=False)
    run_eval([gold_dir], tmp_path / "B", summarizer=GoldEcho(recs, fail_ids={"a2"}), progress=False)
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "A"), str(tmp_path / "B")]) == 0
    out = capsys.readouterr().out
    assert "articles whose result changed (1): a2" in out
    assert "belligerents" in out and "-" in out


def test_score_only_unknown_id(gold_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "nope", "prediction": null}\n', encoding="utf-8")
    assert main(["eval", "--score-only", str(p), str(gold_dir), "--out", str(tmp_path / "o")]) == 2
    assert "not in the gold data" in capsys.readouterr().err


def test_html_report_escapes_article_text(gold_dir: Path, tmp_path: Path) -> None:
    recs = _records(gold_dir)
    evil = dict(recs[0], id="evil", text=recs[0]["text"] + "\n\n<script>document.body.dataset.pwned='1'</script>")
    d = tmp_path / "g2"
    d.mkdir()
    (d / "x.jsonl").write_text(json.dumps(evil, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    run_eval([d], out, summarizer=GoldEcho([evil]), progress=False)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert '<mark class="matched"' in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium is not installed")
def test_html_report_renders_in_chromium(gold_dir: Path, tmp_path: Path) -> None:
    recs = _records(gold_dir)
    evil = dict(recs[0], id="evil", text=recs[0]["text"] + "\n\n<script>document.body.dataset.pwned='1'</script>")
    d = tmp_path / "g2"
    d.mkdir()
    (d / "x.jsonl").write_text(json.dumps(evil, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    # drop one gold item from the prediction so that "missed" shows too
    echo = GoldEcho([dict(evil, gold=dict(evil["gold"], belligerents=evil["gold"]["belligerents"][1:]))])
    run_eval([d], out, summarizer=echo, progress=False)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'ud'}",
    ]
    url = (out / "report.html").as_uri()
    dom = subprocess.run(["chromium", *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    assert 'class="matched"' in dom and 'class="missed"' in dom
    assert "data-pwned" not in dom  # the article's script did not run
    assert "&lt;script&gt;" in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        ["chromium", *flags, f"--screenshot={shot}", "--window-size=1200,900", url], capture_output=True, timeout=120
    )
    assert shot.exists() and shot.stat().st_size > 10_000
