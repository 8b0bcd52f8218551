"""Hand-labeled gold data: the ``GoldRecord`` model and a checking loader (eval/ANNOTATION.md, "Gold data format").

Only the fields a record lists in ``gold_fields`` are scored, so only their items are checked: each item
needs its key string (``name``, ``sender`` or ``text``), and every verbatim string of an item that does not
carry ``"in_text": false`` must stand in the article exactly. Keys the reader does not know are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

FIELDS = ("belligerents", "locations", "reinforcements", "quotes")
KEY_STRING = {"belligerents": "name", "locations": "name", "reinforcements": "sender", "quotes": "text"}
# Verbatim keys per field (guide, "Which strings are verbatim"): single strings, then lists of strings.
VERBATIM_KEYS: dict[str, tuple[str, ...]] = {
    "belligerents": ("name",),
    "locations": ("name", "within"),
    "reinforcements": ("sender", "forces", "destination", "origin"),
    "quotes": ("text", "speaker"),
}
VERBATIM_LIST_KEYS: dict[str, tuple[str, ...]] = {
    "belligerents": ("aliases",),
    "locations": ("aliases",),
    "reinforcements": (),
    "quotes": (),
}

Mode = Literal["full", "recall"]


class GoldError(ValueError):
    """A gold file that cannot be used; the message names ``file:line`` and the problem."""


class GoldRecord(BaseModel):
    """One annotated article."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    source: dict[str, Any] | None = None
    gold: dict[str, list[dict[str, Any]]]
    gold_fields: list[str] = []
    score_mode: dict[str, Mode] = {}

    @model_validator(mode="after")
    def _defaults(self) -> GoldRecord:
        if not self.id.strip():
            raise ValueError("id is empty")
        if not self.text:
            raise ValueError("text is empty")
        if "gold_fields" not in self.model_fields_set:
            self.gold_fields = [f for f in FIELDS if f in self.gold]
        for f in self.gold_fields:
            if f not in FIELDS:
                raise ValueError(f"gold_fields names unknown field {f!r} (known: {', '.join(FIELDS)})")
            if f not in self.gold:
                raise ValueError(f"gold_fields lists {f!r} but gold has no {f!r} list")
        self.score_mode = {f: self.score_mode.get(f, "full") for f in self.gold_fields}
        return self


def is_optional(item: dict[str, Any]) -> bool:
    """True for a gold item that is neither rewarded nor punished: ``optional`` or ``"in_text": false``."""
    return item.get("optional") is True or item.get("in_text") is False


def verbatim_strings(field: str, item: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Yield ``(key, value)`` for each verbatim string of an item (``aliases[2]`` style keys for lists)."""
    for key in VERBATIM_KEYS[field]:
        if item.get(key) is not None:
            yield key, item[key]
    for key in VERBATIM_LIST_KEYS[field]:
        for j, value in enumerate(item.get(key) or []):
            yield f"{key}[{j}]", value


def _item_problems(field: str, i: int, item: Any, text: str, check_verbatim: bool) -> list[str]:
    where = f"gold.{field}[{i}]"
    if not isinstance(item, dict):
        return [f"{where} is not an object"]
    key = KEY_STRING[field]
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        return [f"{where} has no {key!r} string"]
    problems = []
    for list_key in VERBATIM_LIST_KEYS[field]:
        if list_key in item and not isinstance(item[list_key], list):
            problems.append(f"{where}.{list_key} is not a list")
    if problems:
        return problems
    for k, s in verbatim_strings(field, item):
        if not isinstance(s, str):
            problems.append(f"{where}.{k} is not a string: {s!r}")
        elif check_verbatim and item.get("in_text") is not False and s not in text:
            problems.append(f"{where}.{k} {s!r} is not in the text")
    return problems


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: cannot read: {exc}") from exc
    for lineno, line in enumerate(content.splitlines(), 1):
        if line.strip():
            yield lineno, line


def _files(paths: Sequence[str | Path]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.jsonl")))
        elif p.is_file():
            out.append(p)
        else:
            raise GoldError(f"{p}: no such file or directory")
    return out


def load_gold(paths: Sequence[str | Path], *, check_verbatim: bool = True) -> list[GoldRecord]:
    """Read gold records from ``.jsonl`` files and/or directories (their ``*.jsonl``, sorted), checked.

    Raises ``GoldError`` naming ``file:line`` for bad JSON, a missing or empty id/text, a duplicate id,
    an item without its key string, or a verbatim string that is not in the text. ``check_verbatim=False``
    skips only the last check (for converted data whose strings are known not to stand in the text).
    """
    records: list[GoldRecord] = []
    seen: dict[str, str] = {}
    for path in _files(paths):
        for lineno, line in _read_lines(path):
            where = f"{path}:{lineno}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{where}: bad JSON: {exc.msg} at column {exc.colno}") from exc
            if not isinstance(data, dict):
                raise GoldError(f"{where}: a line must be a JSON object, not {type(data).__name__}")
            for key in ("id", "text"):
                if not isinstance(data.get(key), str) or not data[key].strip():
                    raise GoldError(f"{where}: missing or empty {key!r}")
            try:
                record = GoldRecord.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                loc = ".".join(str(p) for p in first["loc"]) or "$"
                raise GoldError(f"{where}: {loc}: {first['msg']}") from exc
            if record.id in seen:
                raise GoldError(f"{where}: duplicate id {record.id!r} (first at {seen[record.id]})")
            seen[record.id] = where
            for field in record.gold_fields:
                for i, item in enumerate(record.gold[field]):
                    problems = _item_problems(field, i, item, record.text, check_verbatim)
                    if problems:
                        raise GoldError(f"{where}: {problems[0]}")
            records.append(record)
    return records
