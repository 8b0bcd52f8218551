"""Turn the model's JSON text into a clean ``ConflictSummary``.

The grammar already guarantees the shape; this stage removes what the grammar cannot forbid:
repeated items and aliases (one item per name, an alias never equal to its own name or repeated).
"""

from __future__ import annotations

import json
from typing import Any

from summarizer.schema import MAX_ALIASES, ConflictSummary
from summarizer.textspans import fold as _norm
from summarizer.textspans import has_whole_word


class ParseError(ValueError):
    """The model's text is not the JSON the schema describes."""


def _dedupe_entities(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name: dict[str, dict[str, Any]] = {}
    for item in items:
        key = _norm(item["name"])
        if key in by_name:
            kept = by_name[key]
            kept["aliases"] = kept["aliases"] + [a for a in item.get("aliases", [])]
        else:
            by_name[key] = dict(item)
    out = []
    for item in by_name.values():
        seen = {_norm(item["name"])}
        aliases = []
        for alias in item.get("aliases", []):
            k = _norm(alias)
            if k not in seen:
                seen.add(k)
                aliases.append(alias)
        item["aliases"] = aliases[:MAX_ALIASES]
        out.append(item)
    return out


def _dedupe(items: list[dict[str, Any]], key_fields: tuple[str, ...]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for item in items:
        key = tuple(_norm(str(item.get(f))) for f in key_fields)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _drop_partial_words(data: dict[str, Any], article: str) -> dict[str, Any]:
    """Drop mentions that stand in the article only inside a longer word ("J" from "Jobar")."""

    def ok(s: str | None) -> bool:
        return s is None or has_whole_word(article, s)

    for field in ("belligerents", "locations"):
        if not isinstance(data.get(field), list):
            continue
        kept = []
        for item in data[field]:
            if not ok(item["name"]):
                continue
            item = dict(item, aliases=[a for a in item.get("aliases", []) if ok(a)])
            if field == "locations" and not ok(item.get("within")):
                item["within"] = None
            kept.append(item)
        data[field] = kept
    if isinstance(data.get("reinforcements"), list):
        kept = []
        for r in data["reinforcements"]:
            if ok(r["sender"]) and ok(r["forces"]):
                kept.append(dict(r, **{k: r.get(k) if ok(r.get(k)) else None for k in ("destination", "origin")}))
        data["reinforcements"] = kept
    return data


def clean(data: dict[str, Any], article: str | None = None) -> dict[str, Any]:
    """Remove duplicate items and aliases, and (given the article) mentions that cut a word."""
    data = dict(data)
    if article is not None:
        data = _drop_partial_words(data, article)
    for field in ("belligerents", "locations"):
        if isinstance(data.get(field), list):
            data[field] = _dedupe_entities(data[field])
    if isinstance(data.get("reinforcements"), list):
        data["reinforcements"] = _dedupe(data["reinforcements"], ("sender", "forces", "destination"))
    if isinstance(data.get("quotes"), list):
        data["quotes"] = _dedupe(data["quotes"], ("text",))
    return data


def parse(text: str, article: str | None = None) -> ConflictSummary:
    """Parse and clean the model's compact JSON answer."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"model output is not JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(raw, dict):
        raise ParseError("model output is not a JSON object")
    try:
        return ConflictSummary.model_validate(clean(raw, article))
    except Exception as exc:  # pydantic.ValidationError, KeyError on a missing field
        raise ParseError(f"model output does not fit the schema: {exc}") from exc
