"""Batch runs without a model: inputs of every kind, bad input, duplicates, resume, interruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.batch import BatchError, expand, iter_items, run_batch
from summarizer.cli import main
from summarizer.result import Result
from summarizer.schema import ConflictSummary, Meta


class Echo:
    """A test double for Summarizer: an empty, valid result per article; can fail or be interrupted."""

    model_name = "echo"

    def __init__(self, fail_on: str | None = None, interrupt_on: str | None = None) -> None:
        self.fail_on, self.interrupt_on = fail_on, interrupt_on
        self.calls: list[str] = []

    def summarize(self, text: str) -> Result:
        self.calls.append(text)
        if self.interrupt_on and self.interrupt_on in text:
            raise KeyboardInterrupt
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("model failed")
        data = ConflictSummary(summary=text[:20], belligerents=[], locations=[], reinforcements=[], quotes=[])
        data.meta = Meta(model="echo", tokens={"generated": 5})
        return Result(data, text)


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    rows = [
        {"id": "a", "text": "Article A about a clash."},
        "this is not json",
        {"id": "b", "text": "   "},
        {"id": "a", "text": "Same id again."},
        {"text": "no id"},
        {"id": "c", "text": "Article C."},
    ]
    (d / "set.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    return d / "set.jsonl"


def test_every_input_gets_one_line_and_bad_ones_an_error(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = run_batch([str(inputs)], out, Echo(), progress=False)
    got = lines(out)
    assert [x["id"] for x in got] == ["a", "line:2", "b", "a#2", "line:5", "c"]
    errors = {x["id"]: x["error"]["type"] for x in got if x["prediction"] is None}
    assert errors == {"line:2": "MalformedLine", "b": "BadArticle", "a#2": "DuplicateId", "line:5": "MalformedLine"}
    assert "only whitespace" in got[2]["error"]["message"]
    assert (summary.done, summary.failed, summary.skipped) == (2, 4, 0)


def test_files_directories_globs_and_bad_bytes(tmp_path: Path) -> None:
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / "one.txt").write_text("First article.", encoding="utf-8")
    (d / "sub" / "two.md").write_bytes(b"\xef\xbb\xbfSecond article with a BOM.")
    (d / "bad.txt").write_bytes(b"caf\xe9")
    (d / "bin.txt").write_bytes(b"\x00\x01\x02")
    (d / "skip.pdf").write_bytes(b"%PDF")
    files = expand([str(d)])
    assert [p.name for p in files] == ["bad.txt", "bin.txt", "one.txt", "two.md"]
    assert [p.name for p in expand([str(d / "*.txt")])] == ["bad.txt", "bin.txt", "one.txt"]
    items = {Path(i.id).name: i for i in iter_items(files)}
    assert items["two.md"].text == "Second article with a BOM."
    assert items["bad.txt"].error[0] == "BadArticle" and "not UTF-8" in items["bad.txt"].error[1]
    assert "binary" in items["bin.txt"].error[1]
    with pytest.raises(BatchError, match="no such file"):
        expand([str(tmp_path / "missing")])
    with pytest.raises(BatchError, match="matches no file"):
        expand([str(tmp_path / "*.nothing")])


def test_model_failure_does_not_stop_the_batch(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch([str(inputs)], out, Echo(fail_on="Article A"), progress=False)
    got = {x["id"]: x for x in lines(out)}
    assert got["a"]["error"] == {"type": "RuntimeError", "message": "model failed"}
    assert got["c"]["prediction"]["summary"] == "Article C."


def test_refuses_to_overwrite_and_resumes(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = Echo(fail_on="Article A")
    run_batch([str(inputs)], out, first, progress=False)
    with pytest.raises(BatchError, match="--resume"):
        run_batch([str(inputs)], out, Echo(), progress=False)
    again = Echo()
    s = run_batch([str(inputs)], out, again, resume=True, progress=False)
    assert again.calls == [] and s.skipped == 6
    retry = Echo()
    s = run_batch([str(inputs)], out, retry, resume=True, retry_failed=True, progress=False)
    assert retry.calls == ["Article A about a clash."]
    final = {}
    for x in lines(out):
        final[x["id"]] = x
    assert final["a"]["prediction"] is not None


def test_resume_repairs_a_half_written_line(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch([str(inputs)], out, Echo(), progress=False)
    kept = out.read_text(encoding="utf-8").splitlines()[:3]
    out.write_text("\n".join(kept) + '\n{"id": "a#2", "predic', encoding="utf-8")
    run_batch([str(inputs)], out, Echo(), resume=True, progress=False)
    ids = [x["id"] for x in lines(out)]
    assert ids == ["a", "line:2", "b", "a#2", "line:5", "c"]


def test_interrupt_abandons_the_article_in_flight(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    s = run_batch([str(inputs)], out, Echo(interrupt_on="Article C"), progress=False)
    assert s.interrupted
    assert [x["id"] for x in lines(out)] == ["a", "line:2", "b", "a#2", "line:5"]
    run_batch([str(inputs)], out, Echo(), resume=True, progress=False)
    assert [x["id"] for x in lines(out)][-1] == "c"


def test_deterministic_bytes_apart_from_timings(inputs: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run_batch([str(inputs)], a, Echo(), progress=False)
    run_batch([str(inputs)], b, Echo(), progress=False)
    assert a.read_bytes() == b.read_bytes()


def test_cli_batch_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_html_pages_become_story_text(tmp_path: Path) -> None:
    from summarizer.htmltext import html_to_text

    page = """<html><head><title>x</title><script>alert(1)</script><style>p{}</style></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Troops sent to Arvel</h1>
    <figure><img src="a.jpg"><figcaption>Soldiers near Oskor, in a file photo.</figcaption></figure>
    <p>The army sent <b>two battalions</b> to Arvel,
       officials said.</p>
    <p>&ldquo;We hold the bridge,&rdquo; a commander said.</p></article>
    <footer>Subscribe now</footer></body></html>"""
    text = html_to_text(page)
    assert text == (
        "Troops sent to Arvel\n\nThe army sent two battalions to Arvel, officials said."
        "\n\n\u201cWe hold the bridge,\u201d a commander said."
    )
    d = tmp_path / "pages"
    d.mkdir()
    (d / "story.html").write_text(page, encoding="utf-8")
    (d / "empty.html").write_text("<html><body><nav>menu</nav></body></html>", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_batch([str(d)], out, Echo(), progress=False)
    got = {Path(x["id"]).name: x for x in lines(out)}
    assert got["story.html"]["text"] == text
    assert got["story.html"]["prediction"]["summary"] == text[:20]
    assert got["empty.html"]["error"]["type"] == "BadArticle"
    assert "after HTML to text" in got["empty.html"]["error"]["message"]
