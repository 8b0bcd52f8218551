"""CLI behaviour that needs no model: bad input, validate, schema, help and version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer import __version__
from summarizer.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args], input=stdin, capture_output=True, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "article is empty"),
        (b"  \n\t \n", "only whitespace"),
        (b"caf\xe9 au lait", "not UTF-8"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
    ],
)
def test_extract_bad_input_one_line_nonzero(tmp_path: Path, content: bytes, expected: str) -> None:
    f = tmp_path / "article.txt"
    f.write_bytes(content)
    proc = run("extract", str(f))
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert proc.stdout == b""


def test_extract_missing_file() -> None:
    proc = run("extract", "no/such/article.txt")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "summarizer: error: no/such/article.txt: no such file"


def test_extract_stdin_whitespace() -> None:
    proc = run("extract", "-", stdin=b"   \n")
    assert proc.returncode == 2
    assert "stdin: article is only whitespace" in proc.stderr.decode()


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"summarizer {__version__}"


def test_help_lists_commands() -> None:
    out = run("--help").stdout.decode()
    for cmd in ("extract", "validate", "schema"):
        assert cmd in out
    ex = run("extract", "--help").stdout.decode()
    for opt in ("--model", "--max-new-tokens", "-o"):
        assert opt in ex


def test_max_new_tokens_too_small(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["extract", "x.txt", "--max-new-tokens", "10"])
    assert exc.value.code == 2


def _valid_output(article: str) -> dict:
    return {
        "summary": "The army sent reinforcements.",
        "belligerents": [{"name": "Syrian army", "aliases": [], "side": "government", "role": "combatant"}],
        "locations": [{"name": "Hama province", "aliases": [], "type": "province", "within": None}],
        "reinforcements": [],
        "quotes": [
            {
                "text": "Reinforcements are now being sent",
                "speaker": "the source",
                "speaker_affiliation": None,
            }
        ],
    }


def test_validate_ok_and_errors(tmp_path: Path, example_article: str) -> None:
    article = ROOT / "examples" / "hama-2017.txt"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_valid_output(example_article)), encoding="utf-8")
    proc = run("validate", str(good), "--article", str(article))
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert "0 error(s)" in proc.stderr.decode()

    bad_doc = _valid_output(example_article)
    bad_doc["quotes"][0]["text"] = "Reinforcements are being sent by the navy"
    bad_doc["locations"][0]["type"] = "planet"
    del bad_doc["belligerents"][0]["role"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_doc), encoding="utf-8")
    proc = run("validate", str(bad), "--article", str(article), "--json")
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)
    paths = {p["path"] for p in problems}
    assert "$.locations[0].type" in paths
    assert "$.belligerents[0]" in paths
    # schema errors come first; once fixed, grounding catches the invented quote
    bad_doc["locations"][0]["type"] = "province"
    bad_doc["belligerents"][0]["role"] = "combatant"
    bad.write_text(json.dumps(bad_doc), encoding="utf-8")
    proc = run("validate", str(bad), "--article", str(article))
    assert proc.returncode == 1
    assert "$.quotes[0].text" in proc.stdout.decode()
    assert "not in the article" in proc.stdout.decode()


def test_validate_missing_output_file() -> None:
    proc = run("validate", "nope.json")
    assert proc.returncode == 2
    assert "nope.json: no such file" in proc.stderr.decode()


def test_schema_check_passes() -> None:
    proc = run("schema", "--check")
    assert proc.returncode == 0, proc.stderr.decode()


def test_a_bad_compute_dtype_is_one_line_before_any_load() -> None:
    env = dict(os.environ, SUMMARIZER_DTYPE="half")
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", "extract", "examples/hama-2017.txt"],
        capture_output=True, cwd=ROOT, timeout=120, env=env,
    )  # fmt: skip
    err = proc.stderr.decode()
    assert proc.returncode == 3 and proc.stdout == b""
    assert "SUMMARIZER_DTYPE='half' is not one of: bfloat16, float32" in err and "Traceback" not in err
    assert "SUMMARIZER_DTYPE" in run("--help").stdout.decode()
