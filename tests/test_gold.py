"""``summarizer.evaluation.gold``: the gold format of eval/ANNOTATION.md, checked on load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluation import GoldError, GoldRecord, is_optional, load_gold

ROOT = Path(__file__).resolve().parent.parent
HAMA_GOLD = ROOT / "examples" / "hama-2017.gold.jsonl"

TEXT = (
    "Syrian army troops shelled Soran in Hama province. "
    "\u201cWe are ready,\u201d a Syrian military source said. The army sent tanks to Hama."
)


def rec(id: str = "a1", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": id,
        "text": TEXT,
        "gold": {
            "belligerents": [{"name": "Syrian army", "aliases": ["The army"], "side": "gov", "role": "combatant"}],
            "locations": [{"name": "Soran", "aliases": [], "type": "town", "within": "Hama province"}],
            "reinforcements": [
                {"sender": "The army", "forces": "tanks", "destination": "Hama", "origin": None, "status": "under_way"}
            ],
            "quotes": [{"text": "We are ready,", "speaker": "Syrian military source", "speaker_affiliation": None}],
        },
    }
    data.update(over)
    return data


def write(path: Path, *lines: Any) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def test_loads_the_example() -> None:
    (r,) = load_gold([HAMA_GOLD])
    assert r.id == "seed-hama-2017"
    assert r.gold_fields == ["belligerents", "locations", "reinforcements", "quotes"]
    assert set(r.score_mode.values()) == {"full"}


def test_defaults_extras_and_blank_lines(tmp_path: Path) -> None:
    data = rec(meta={"split": "dev"}, source=None)
    data["gold"]["belligerents"][0]["roles"] = ["ATTACK:PERP_ORG"]  # unknown item key: ignored
    del data["gold"]["quotes"]
    path = write(tmp_path / "g.jsonl", "", data, "   ")
    (r,) = load_gold([path])
    # gold_fields default: the fields present in gold, in the guide's order; score_mode full for each
    assert r.gold_fields == ["belligerents", "locations", "reinforcements"]
    assert r.score_mode == {"belligerents": "full", "locations": "full", "reinforcements": "full"}
    assert not hasattr(r, "meta")


def test_partial_score_mode_is_completed() -> None:
    r = GoldRecord.model_validate(rec(gold_fields=["belligerents", "locations"], score_mode={"locations": "recall"}))
    assert r.score_mode == {"belligerents": "full", "locations": "recall"}


def test_directory_loads_sorted_jsonl_only(tmp_path: Path) -> None:
    write(tmp_path / "b.jsonl", rec("b1"))
    write(tmp_path / "a.jsonl", rec("a1"), rec("a2"))
    (tmp_path / "notes.txt").write_text("not gold", encoding="utf-8")
    assert [r.id for r in load_gold([tmp_path])] == ["a1", "a2", "b1"]


def test_is_optional() -> None:
    assert is_optional({"optional": True}) and is_optional({"in_text": False})
    assert not is_optional({}) and not is_optional({"optional": False, "in_text": True})


def _error(tmp_path: Path, *lines: Any, **kw: Any) -> str:
    path = write(tmp_path / "g.jsonl", *lines)
    with pytest.raises(GoldError) as exc:
        load_gold([path], **kw)
    return str(exc.value)


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, rec("a1"), "", '{"id": "x", ')  # blank line 2 still counts: the bad one is line 3
    assert f"{tmp_path / 'g.jsonl'}:3:" in msg and "bad JSON" in msg


@pytest.mark.parametrize("key", ["id", "text"])
def test_missing_id_or_text(tmp_path: Path, key: str) -> None:
    data = rec()
    del data[key]
    msg = _error(tmp_path, data)
    assert "g.jsonl:1:" in msg and f"missing or empty '{key}'" in msg


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    write(tmp_path / "a.jsonl", rec("same"))
    write(tmp_path / "b.jsonl", rec("other"), rec("same"))
    with pytest.raises(GoldError) as exc:
        load_gold([tmp_path])
    msg = str(exc.value)
    assert "b.jsonl:2:" in msg and "duplicate id 'same'" in msg and "a.jsonl:1" in msg


@pytest.mark.parametrize(
    ("field", "key"),
    [("belligerents", "name"), ("locations", "name"), ("reinforcements", "sender"), ("quotes", "text")],
)
def test_item_without_key_string(tmp_path: Path, field: str, key: str) -> None:
    data = rec()
    del data["gold"][field][0][key]
    msg = _error(tmp_path, rec("ok"), data)
    assert "g.jsonl:2:" in msg and f"gold.{field}[0] has no '{key}' string" in msg


@pytest.mark.parametrize(
    ("field", "key", "value"),
    [
        ("belligerents", "name", "Syrian Arab Army"),
        ("belligerents", "aliases", ["the regime"]),
        ("locations", "within", "Hama Governorate"),
        ("reinforcements", "forces", "two battalions"),
        ("reinforcements", "destination", "Aleppo"),
        ("quotes", "text", "We are not ready"),
        ("quotes", "speaker", "the Syrian military source"),  # verbatim: the article has "a Syrian ..."
    ],
)
def test_verbatim_string_not_in_text(tmp_path: Path, field: str, key: str, value: Any) -> None:
    data = rec()
    data["gold"][field][0][key] = value
    msg = _error(tmp_path, data)
    assert "g.jsonl:1:" in msg and "is not in the text" in msg and f"gold.{field}[0].{key}" in msg


def test_in_text_false_is_exempt_and_check_can_be_off(tmp_path: Path) -> None:
    data = rec()
    data["gold"]["belligerents"].append({"name": "Islamic State", "aliases": [], "in_text": False})
    (r,) = load_gold([write(tmp_path / "ok.jsonl", data)])
    assert is_optional(r.gold["belligerents"][1])
    data["gold"]["locations"][0]["within"] = "Lebanon"  # not in TEXT
    assert "is not in the text" in _error(tmp_path, data)
    (r,) = load_gold([tmp_path / "g.jsonl"], check_verbatim=False)
    assert r.gold["locations"][0]["within"] == "Lebanon"


def test_fields_not_annotated_are_not_checked(tmp_path: Path) -> None:
    data = rec(gold_fields=["belligerents"])
    data["gold"]["reinforcements"] = [{"force": "fighters", "destination": "Dagestan"}]  # no sender, not in text
    (r,) = load_gold([write(tmp_path / "g.jsonl", data)])
    assert r.gold_fields == ["belligerents"] and r.score_mode == {"belligerents": "full"}


def test_bad_gold_fields_and_score_mode(tmp_path: Path) -> None:
    assert "unknown field 'events'" in _error(tmp_path, rec(gold_fields=["events"]))
    data = rec(gold_fields=["quotes"])
    del data["gold"]["quotes"]
    assert "gold has no 'quotes' list" in _error(tmp_path, data)
    msg = _error(tmp_path, rec(score_mode={"belligerents": "precision"}))
    assert "g.jsonl:1: score_mode.belligerents:" in msg


def test_missing_path() -> None:
    with pytest.raises(GoldError, match="no such file"):
        load_gold([ROOT / "does-not-exist.jsonl"])
