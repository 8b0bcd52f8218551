"""Check any output (ours or another tool's) against the schema and the article.

Three layers, each problem reported with a JSON path and a plain sentence:
1. JSON Schema (the shipped schema file, draft 2020-12);
2. pydantic (the same contract as Python models);
3. grounding, when the article is given: every verbatim string stands in the article, spans point
   at it, no duplicate items or aliases, and reinforcement senders / quote affiliations name a listed
   belligerent where they should.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import jsonschema
from pydantic import ValidationError

from summarizer.schema import ConflictSummary, load_schema
from summarizer.textspans import fold as _norm


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an output."""

    path: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


def _path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _schema_problems(data: Any) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(load_schema())
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        msg = err.message
        if err.validator == "enum":
            msg = f"{err.instance!r} is not one of the allowed values {err.validator_value}"
        elif err.validator == "required":
            msg = f"missing required key: {msg.split(' is a required')[0]}"
        elif err.validator == "additionalProperties":
            msg = f"unknown key: {msg}"
        problems.append(Problem(_path(err.absolute_path), msg))
    return problems


def _pydantic_problems(data: Any) -> list[Problem]:
    try:
        ConflictSummary.model_validate(data)
    except ValidationError as exc:
        return [Problem(_path(e["loc"]), e["msg"]) for e in exc.errors()]
    return []


def _loose(s: str) -> str:
    """``_norm`` without a leading article, for naming a listed actor ("The army" names "army")."""
    words = _norm(s).split()
    if len(words) > 1 and words[0] in {"the", "a", "an"}:
        words = words[1:]
    return " ".join(words)


def _verbatim_strings(data: dict[str, Any]):
    """Yield (path, string, span-or-None) for every verbatim string."""
    for i, b in enumerate(data.get("belligerents", [])):
        spans = b.get("spans") or {}
        yield f"$.belligerents[{i}].name", b["name"], spans.get("name")
        al = spans.get("aliases") or []
        for j, a in enumerate(b.get("aliases", [])):
            yield f"$.belligerents[{i}].aliases[{j}]", a, al[j] if j < len(al) else None
    for i, loc in enumerate(data.get("locations", [])):
        spans = loc.get("spans") or {}
        yield f"$.locations[{i}].name", loc["name"], spans.get("name")
        al = spans.get("aliases") or []
        for j, a in enumerate(loc.get("aliases", [])):
            yield f"$.locations[{i}].aliases[{j}]", a, al[j] if j < len(al) else None
        if loc.get("within") is not None:
            yield f"$.locations[{i}].within", loc["within"], spans.get("within")
    for i, r in enumerate(data.get("reinforcements", [])):
        spans = r.get("spans") or {}
        for key in ("sender", "forces", "destination", "origin"):
            if r.get(key) is not None:
                yield f"$.reinforcements[{i}].{key}", r[key], spans.get(key)
    for i, q in enumerate(data.get("quotes", [])):
        spans = q.get("spans") or {}
        yield f"$.quotes[{i}].text", q["text"], spans.get("text")
        yield f"$.quotes[{i}].speaker", q["speaker"], spans.get("speaker")


def _grounding_problems(data: dict[str, Any], article: str) -> list[Problem]:
    problems = []
    folded = _norm(article)
    for path, s, span in _verbatim_strings(data):
        if s not in article:
            hint = " (it does appear with different case or spacing)" if _norm(s) in folded else ""
            problems.append(Problem(path, f"{s!r} is not in the article{hint}"))
            continue
        if span is not None:
            start, end = span
            if article[start:end] != s:
                problems.append(Problem(path, f"span [{start}, {end}] points at {article[start:end]!r}, not {s!r}"))
    return problems


def _consistency_problems(data: dict[str, Any]) -> list[Problem]:
    problems = []
    for field in ("belligerents", "locations"):
        seen: dict[str, int] = {}
        for i, item in enumerate(data.get(field, [])):
            key = _norm(item["name"])
            if key in seen:
                problems.append(
                    Problem(f"$.{field}[{i}].name", f"duplicate of $.{field}[{seen[key]}] ({item['name']!r})")
                )
            seen.setdefault(key, i)
            names = {key}
            for j, a in enumerate(item.get("aliases", [])):
                if _norm(a) in names:
                    problems.append(
                        Problem(f"$.{field}[{i}].aliases[{j}]", f"alias {a!r} repeats the name or another alias")
                    )
                names.add(_norm(a))
    for field, key in (("reinforcements", None), ("quotes", "text")):
        seen_items: dict[str, int] = {}
        for i, item in enumerate(data.get(field, [])):
            k = (
                _norm(item[key])
                if key
                else json.dumps({x: item.get(x) for x in ("sender", "forces", "destination", "origin", "status")})
            )
            if k in seen_items:
                problems.append(Problem(f"$.{field}[{i}]", f"duplicate of $.{field}[{seen_items[k]}]"))
            seen_items.setdefault(k, i)
    mentions = set()
    for b in data.get("belligerents", []):
        mentions.add(_loose(b["name"]))
        mentions.update(_loose(a) for a in b.get("aliases", []))
    if mentions:
        for i, r in enumerate(data.get("reinforcements", [])):
            if _loose(r["sender"]) not in mentions:
                problems.append(
                    Problem(
                        f"$.reinforcements[{i}].sender",
                        f"sender {r['sender']!r} is not the name or an alias of a listed belligerent",
                    )
                )
        for i, q in enumerate(data.get("quotes", [])):
            aff = q.get("speaker_affiliation")
            if aff and _loose(aff) not in mentions:
                problems.append(
                    Problem(
                        f"$.quotes[{i}].speaker_affiliation",
                        f"{aff!r} is not a listed belligerent (fine if it is another organisation)",
                        "warning",
                    )
                )
    elif data.get("reinforcements"):
        problems.append(Problem("$.reinforcements", "reinforcements are listed but no belligerents"))
    return problems


def schema_problems(output: dict[str, Any]) -> list[Problem]:
    """Only the schema layers (JSON Schema, then pydantic): what "schema-valid" means."""
    output = json.loads(json.dumps(output))
    return _schema_problems(output) or _pydantic_problems(output)


def validate(output: str | dict[str, Any], article: str | None = None) -> list[Problem]:
    """Return every problem found in ``output`` (JSON text or a parsed dict); empty means valid.

    Without ``article`` only the schema and internal consistency are checked.
    """
    if isinstance(output, str):
        try:
            output = json.loads(output)
        except json.JSONDecodeError as exc:
            return [Problem("$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
    else:
        output = json.loads(json.dumps(output))  # tuples (e.g. from model_dump()) become lists
    problems = _schema_problems(output)
    if problems:
        return problems
    problems = _pydantic_problems(output)
    if problems:
        return problems
    problems = _consistency_problems(output)
    if article is not None:
        problems = _grounding_problems(output, article) + problems
    return problems
