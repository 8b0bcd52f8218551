"""The project's hand-labeled data: loads, is frozen where it must be, and shares no names with the prompts."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from summarizer.evaluation.gold import load_gold

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "eval" / "data"
TEST_SHA256 = "f93e95fa371bf8cbb5c3a3be1b8fabad5be25bd3c2de625ef019cb08a8f6eca5"


def test_splits_load_and_have_the_promised_size() -> None:
    dev = load_gold([DATA / "dev.jsonl"])
    test = load_gold([DATA / "test.jsonl"])
    assert dev[0].id == "seed-hama-2017"
    assert len(dev) >= 19 and len(test) >= 12
    assert not {r.id for r in dev} & {r.id for r in test}
    for split in (dev, test):
        controls = [r for r in split if not any(r.gold[f] for f in ("belligerents", "locations", "reinforcements"))]
        assert len(controls) >= 2


def test_test_split_is_frozen() -> None:
    assert hashlib.sha256((DATA / "test.jsonl").read_bytes()).hexdigest() == TEST_SHA256


def test_constructed_articles_are_marked() -> None:
    for path in (DATA / "dev.jsonl", DATA / "test.jsonl", DATA / "dev2.jsonl", DATA / "dev3.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec["id"] != "seed-hama-2017":
                assert rec.get("constructed") is True, rec["id"]
                assert rec["source"]["publisher"] == "constructed for evaluation"


def test_prompt_examples_share_no_names_with_evaluation_articles() -> None:
    examples = ROOT / "prompts" / "examples"
    words = set()
    for txt in examples.glob("*.txt"):
        words |= set(re.findall(r"\b[A-Z][a-z]{3,}\b", txt.read_text(encoding="utf-8")))
    common = {
        "The",
        "This",
        "They",
        "Their",
        "That",
        "Monday",
        "January",
        "Saturday",
        "Colonel",
        "Front",
        "Human",
        "Rights",
        "Centre",
        "Ministry",
        "Ridge",
        "City",
        "Red",
    }
    names = words - common
    texts = " ".join(r.text for r in load_gold([DATA]))
    found = sorted(n for n in names if re.search(rf"\b{n}\b", texts))
    assert found == []


def test_constructed_controls_load_with_empty_gold_for_the_conflict_fields() -> None:
    controls = load_gold([DATA / "controls.jsonl"])
    assert len(controls) == 8
    for rec in controls:
        assert not any(rec.gold[f] for f in ("belligerents", "locations", "reinforcements"))
    for line in (DATA / "controls.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        assert rec["constructed"] is True and rec["source"]["publisher"] == "constructed for evaluation"
        assert "quotes" not in rec["gold_fields"]
