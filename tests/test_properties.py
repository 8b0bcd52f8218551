"""Property-based tests: the validator never crashes and reports paths; resume survives any torn write."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.predictions import PredictionWriter, read_predictions
from summarizer.validate import validate

ARTICLE = 'The Syrian army sent reinforcements to Hama. "We will win," a source said.'

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["summary", "belligerents", "locations", "reinforcements", "quotes", "meta", "other"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, json_values, max_size=6) | json_values)
def test_validator_reports_problems_for_any_json(doc) -> None:
    problems = validate(doc, ARTICLE)
    assert isinstance(problems, list)
    for p in problems:
        assert p.path.startswith("$")
        assert p.message and p.severity in {"error", "warning"}
    if not isinstance(doc, str):  # a str is taken as JSON text, anything else as parsed JSON
        assert [str(p) for p in validate(json.dumps(doc), ARTICLE)] == [str(p) for p in problems]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_validator_on_any_text(text: str) -> None:
    problems = validate(text)
    assert all(p.path.startswith("$") for p in problems)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_lines=st.integers(min_value=0, max_value=6), cut=st.integers(min_value=0, max_value=400))
def test_resume_after_a_torn_write(tmp_path: Path, n_lines: int, cut: int) -> None:
    path = tmp_path / f"p{n_lines}-{cut}.jsonl"
    path.unlink(missing_ok=True)
    with PredictionWriter(path) as w:
        for i in range(n_lines):
            w.write({"id": f"a{i}", "prediction": {"summary": "é" * i}, "meta": {}})
    whole = path.read_bytes()
    torn = json.dumps({"id": "torn", "prediction": {"summary": "x" * 50}}).encode()
    with open(path, "ab") as fh:  # a write cut short anywhere (possibly mid-character)
        fh.write(torn[: cut % (len(torn) + 1)])
    done = read_predictions(path, repair=True)
    full = cut % (len(torn) + 1) == len(torn)
    expected = {f"a{i}" for i in range(n_lines)} | ({"torn"} if full else set())
    assert set(done) == expected
    if not full:
        assert path.read_bytes() == whole
    with PredictionWriter(path) as w:  # appending after the repair gives a clean file
        w.write({"id": "next", "prediction": None})
    assert set(read_predictions(path)) == expected | {"next"}
