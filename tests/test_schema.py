"""The output contract: schema file, header, guide field names, models vs. JSON Schema, generation schema."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from summarizer import schema as S
from summarizer.schema import ConflictSummary, generation_schema, load_schema, render_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schemas" / "conflict_summary.schema.json"


def test_schema_file_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema()
    assert S.main(["--check"]) == 0


def test_loaded_schema_equals_built_schema() -> None:
    assert load_schema() == S.build_schema()
    assert json.loads(render_schema()) == S.build_schema()


def test_header() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["version"] == S.SCHEMA_VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+", schema["version"])
    assert schema["$id"] == S.SCHEMA_ID
    assert schema["$id"].endswith(schema["version"])
    assert schema["title"] == "ConflictSummary"


def test_schema_is_valid_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())
    assert jsonschema.validators.validator_for(load_schema()) is jsonschema.Draft202012Validator


def _defs() -> dict[str, Any]:
    return load_schema()["$defs"]


GUIDE_FIELDS = {
    "Belligerent": ["name", "aliases", "side", "role"],
    "Location": ["name", "aliases", "type", "within"],
    "Reinforcement": ["sender", "forces", "destination", "origin", "status"],
    "Quote": ["text", "speaker", "speaker_affiliation"],
}


@pytest.mark.parametrize("name, fields", GUIDE_FIELDS.items())
def test_item_fields_match_guide(name: str, fields: list[str]) -> None:
    node = _defs()[name]
    assert list(node["properties"]) == [*fields, "spans"]
    assert node["required"] == fields
    assert node["additionalProperties"] is False


def test_top_level_fields() -> None:
    schema = load_schema()
    assert list(schema["properties"]) == [
        "summary",
        "belligerents",
        "locations",
        "reinforcements",
        "quotes",
        "meta",
    ]
    assert schema["required"] == ["summary", "belligerents", "locations", "reinforcements", "quotes"]
    assert schema["additionalProperties"] is False
    for field, item in (
        ("belligerents", "Belligerent"),
        ("locations", "Location"),
        ("reinforcements", "Reinforcement"),
        ("quotes", "Quote"),
    ):
        assert schema["properties"][field]["type"] == "array"
        assert schema["properties"][field]["items"] == {"$ref": f"#/$defs/{item}"}
        assert isinstance(schema["properties"][field]["maxItems"], int)


@pytest.mark.parametrize(
    "item, key, values",
    [
        ("Belligerent", "role", ["combatant", "supporter"]),
        (
            "Location",
            "type",
            ["country", "region", "province", "city", "town", "village", "district", "site", "other"],
        ),
        ("Reinforcement", "status", ["planned", "under_way", "arrived"]),
    ],
)
def test_enums_match_guide(item: str, key: str, values: list[str]) -> None:
    assert _defs()[item]["properties"][key]["enum"] == values


def _verbatim_paths(node: Any, path: str = "") -> set[str]:
    out = set()
    if isinstance(node, dict):
        if node.get("x-verbatim"):
            out.add(path)
        for k, v in node.items():
            out |= _verbatim_paths(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out |= _verbatim_paths(v, f"{path}/{i}")
    return out


def test_verbatim_fields_match_guide() -> None:
    # "Which strings are verbatim" in the annotation guide; summary, side, speaker_affiliation are free
    assert _verbatim_paths(load_schema()) == {
        "/$defs/Belligerent/properties/name",
        "/$defs/Belligerent/properties/aliases/items",
        "/$defs/Location/properties/name",
        "/$defs/Location/properties/aliases/items",
        "/$defs/Location/properties/within",
        "/$defs/Reinforcement/properties/sender",
        "/$defs/Reinforcement/properties/forces",
        "/$defs/Reinforcement/properties/destination",
        "/$defs/Reinforcement/properties/origin",
        "/$defs/Quote/properties/text",
        "/$defs/Quote/properties/speaker",
    }


# ---- models and JSON Schema agree -------------------------------------------------------------


def _bel(**kw: Any) -> dict[str, Any]:
    return {"name": "Syrian army", "aliases": ["the army"], "side": "government", "role": "combatant", **kw}


def _loc(**kw: Any) -> dict[str, Any]:
    return {"name": "Soran", "aliases": [], "type": "town", "within": "Hama province", **kw}


def _rein(**kw: Any) -> dict[str, Any]:
    return {
        "sender": "Syrian army",
        "forces": "reinforcements",
        "destination": "Hama province",
        "origin": None,
        "status": "under_way",
        **kw,
    }


def _quote(**kw: Any) -> dict[str, Any]:
    return {"text": "We will win", "speaker": "a source", "speaker_affiliation": None, **kw}


def _doc(**kw: Any) -> dict[str, Any]:
    return {
        "summary": "The army sends reinforcements.",
        "belligerents": [_bel()],
        "locations": [_loc()],
        "reinforcements": [_rein()],
        "quotes": [_quote()],
        **kw,
    }


VALID = {
    "full": _doc(),
    "empty lists": _doc(belligerents=[], locations=[], reinforcements=[], quotes=[]),
    "null within": _doc(locations=[_loc(within=None)]),
    "with spans": _doc(
        belligerents=[_bel(spans={"name": [0, 11], "aliases": [[20, 28]]})],
        locations=[_loc(spans={"name": [1, 6], "aliases": [], "within": None})],
        reinforcements=[_rein(spans={"sender": [0, 1], "forces": [2, 3], "destination": None, "origin": None})],
        quotes=[_quote(spans={"text": [5, 16], "speaker": [30, 38]})],
    ),
    "null spans": _doc(belligerents=[_bel(spans=None)]),
    "meta with extra keys": _doc(
        meta={"model": "m", "timings": {"total_s": 1.5}, "tokens": {"generated": 3}, "closed_early": False}
    ),
    "max aliases": _doc(belligerents=[_bel(aliases=[f"a{i}" for i in range(S.MAX_ALIASES)])]),
    "name at max length": _doc(belligerents=[_bel(name="x" * S.MAX_NAME)]),
}

INVALID = {
    "missing role": _doc(belligerents=[{k: v for k, v in _bel().items() if k != "role"}]),
    "missing within": _doc(locations=[{k: v for k, v in _loc().items() if k != "within"}]),
    "missing quotes": {k: v for k, v in _doc().items() if k != "quotes"},
    "unknown top-level key": _doc(extra=1),
    "unknown item key": _doc(quotes=[_quote(confidence=0.9)]),
    "role outside enum": _doc(belligerents=[_bel(role="observer")]),
    "type outside enum": _doc(locations=[_loc(type="capital")]),
    "status outside enum": _doc(reinforcements=[_rein(status="done")]),
    "role null": _doc(belligerents=[_bel(role=None)]),
    "empty name": _doc(belligerents=[_bel(name="")]),
    "empty summary": _doc(summary=""),
    "summary too long": _doc(summary="x" * (S.MAX_SUMMARY + 1)),
    "name too long": _doc(belligerents=[_bel(name="x" * (S.MAX_NAME + 1))]),
    "too many aliases": _doc(belligerents=[_bel(aliases=[f"a{i}" for i in range(S.MAX_ALIASES + 1)])]),
    "too many quotes": _doc(quotes=[_quote(text=f"q{i}") for i in range(S.MAX_QUOTES + 1)]),
    "quotes not a list": _doc(quotes={"text": "x"}),
    "summary not a string": _doc(summary=5),
    "span of three numbers": _doc(belligerents=[_bel(spans={"name": [0, 1, 2], "aliases": [[0, 1]]})]),
    "negative span": _doc(belligerents=[_bel(spans={"name": [-1, 4], "aliases": [[0, 1]]})]),
    "span missing aliases": _doc(belligerents=[_bel(spans={"name": [0, 4]})]),
    "not an object": [],
}


def _schema_ok(doc: Any) -> bool:
    return jsonschema.Draft202012Validator(load_schema()).is_valid(doc)


def _model_ok(doc: Any) -> bool:
    try:
        ConflictSummary.model_validate(copy.deepcopy(doc))
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("doc", VALID.values(), ids=VALID.keys())
def test_both_accept(doc: dict[str, Any]) -> None:
    assert _schema_ok(doc)
    assert _model_ok(doc)


@pytest.mark.parametrize("doc", INVALID.values(), ids=INVALID.keys())
def test_both_reject(doc: Any) -> None:
    assert not _schema_ok(doc)
    assert not _model_ok(doc)


@pytest.mark.parametrize("bad", ["3", True], ids=["numeric string", "bool"])
def test_both_reject_non_integer_span(bad: Any) -> None:
    doc = _doc(belligerents=[_bel(spans={"name": [bad, 11], "aliases": [[20, 28]]})])
    assert not _schema_ok(doc)
    assert not _model_ok(doc)


def test_model_round_trip_validates_against_schema() -> None:
    doc = VALID["with spans"]
    dumped = ConflictSummary.model_validate(doc).model_dump(mode="json", exclude_none=False)
    assert _schema_ok(dumped)
    assert dumped["belligerents"][0]["spans"]["name"] == [0, 11]


# ---- generation schema ------------------------------------------------------------------------


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def _strings(node: Any) -> set[str]:
    if isinstance(node, dict):
        return {s for v in node.values() for s in _strings(v)}
    if isinstance(node, list):
        return {s for v in node for s in _strings(v)}
    return {node} if isinstance(node, str) else set()


def test_generation_schema_has_no_spans_or_meta() -> None:
    gen = generation_schema()
    assert "spans" not in _keys(gen)
    assert "meta" not in _keys(gen)
    assert not [s for s in _strings(gen) if s in ("spans", "meta")]
    assert not [d for d in gen["$defs"] if d.endswith("Spans") or d == "Meta"]
    assert not [s for s in _strings(gen) if "Spans" in s or s.endswith("/Meta")]
    # the rest is intact
    assert list(gen["properties"]) == ["summary", "belligerents", "locations", "reinforcements", "quotes"]
    assert gen["required"] == list(gen["properties"])
    assert list(gen["$defs"]["Quote"]["properties"]) == GUIDE_FIELDS["Quote"]
    assert gen["$defs"]["Location"]["required"] == GUIDE_FIELDS["Location"]
    jsonschema.Draft202012Validator.check_schema(gen)


def test_generation_schema_does_not_touch_public_schema() -> None:
    generation_schema()
    schema = load_schema()
    assert "spans" in schema["$defs"]["Belligerent"]["properties"]
    assert "meta" in schema["properties"]
    assert "BelligerentSpans" in schema["$defs"]


def test_generation_schema_accepts_plain_output_and_refuses_spans() -> None:
    v = jsonschema.Draft202012Validator(generation_schema())
    assert v.is_valid(_doc())
    assert not v.is_valid(_doc(meta={"model": "m"}))
    assert not v.is_valid(VALID["with spans"])
