"""Long articles: split at paragraph (else sentence) boundaries with overlap, extract each chunk, merge.

Chunks are contiguous slices of the article, so every verbatim string a chunk yields is also a
substring of the whole article, and grounding afterwards gives spans in whole-article coordinates.
Merging is alias-aware: two items that share any mention (name or alias, case and spacing folded)
are one item.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from summarizer.schema import (
    MAX_ALIASES,
    MAX_BELLIGERENTS,
    MAX_LOCATIONS,
    MAX_QUOTES,
    MAX_REINFORCEMENTS,
    ConflictSummary,
)
from summarizer.textspans import fold, paragraphs

_SENTENCE_END = re.compile(r"(?<=[.!?\u201d\"])\s+")


def _pieces(text: str, start: int, end: int, budget: int, count: Callable[[str], int]) -> list[tuple[int, int]]:
    """Cut one over-long paragraph into pieces within the budget, at sentence ends (else anywhere)."""
    cuts = [start] + [start + m.end() for m in _SENTENCE_END.finditer(text[start:end])] + [end]
    out: list[tuple[int, int]] = []
    lo = start
    for i in range(1, len(cuts)):
        if count(text[lo : cuts[i]]) > budget and cuts[i - 1] > lo:
            out.append((lo, cuts[i - 1]))
            lo = cuts[i - 1]
    out.append((lo, end))
    final: list[tuple[int, int]] = []
    for s, e in out:  # a single sentence over budget: cut by characters
        step = max(1, int((e - s) * budget / max(1, count(text[s:e]))))
        final += [(i, min(e, i + step)) for i in range(s, e, step)] if count(text[s:e]) > budget else [(s, e)]
    return final


def split_chunks(text: str, budget: int, count: Callable[[str], int], overlap: int = 1) -> list[tuple[int, int]]:
    """(start, end) of chunks of at most ``budget`` tokens; consecutive chunks share ``overlap`` paragraphs."""
    units: list[tuple[int, int]] = []
    for s, e in paragraphs(text):
        units += [(s, e)] if count(text[s:e]) <= budget else _pieces(text, s, e, budget, count)
    if not units:
        return []
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units) and count(text[units[i][0] : units[j][1]]) <= budget:
            j += 1
        chunks.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        i = max(i + 1, j - overlap)
    return chunks


def _mentions(item: dict) -> set[str]:
    return {fold(item["name"])} | {fold(a) for a in item.get("aliases", [])}


def _merge_entities(lists: list[list[dict]], limit: int) -> list[dict]:
    merged: list[dict] = []
    for items in lists:
        for item in items:
            target = next((m for m in merged if _mentions(m) & _mentions(item)), None)
            if target is None:
                merged.append(dict(item, aliases=list(item.get("aliases", []))))
                continue
            known = _mentions(target)
            for mention in [item["name"], *item.get("aliases", [])]:
                if fold(mention) not in known and len(target["aliases"]) < MAX_ALIASES:
                    target["aliases"].append(mention)
                    known.add(fold(mention))
            if target.get("within") is None and item.get("within"):
                target["within"] = item["within"]
    return merged[:limit]


def _merge_unique(lists: list[list[dict]], key: Callable[[dict], tuple], limit: int) -> list[dict]:
    seen, out = set(), []
    for items in lists:
        for item in items:
            k = key(item)
            if k not in seen:
                seen.add(k)
                out.append(item)
    return out[:limit]


def merge(parts: list[ConflictSummary]) -> ConflictSummary:
    """One result from per-chunk results (first chunk's summary; items in order of first mention)."""
    dumps = [p.model_dump(exclude={"meta"}) for p in parts]

    def col(field: str) -> list[list[dict]]:
        return [d[field] for d in dumps]

    return ConflictSummary.model_validate(
        {
            "summary": dumps[0]["summary"] if dumps else "",
            "belligerents": _merge_entities(col("belligerents"), MAX_BELLIGERENTS),
            "locations": _merge_entities(col("locations"), MAX_LOCATIONS),
            "reinforcements": _merge_unique(
                col("reinforcements"),
                lambda r: (fold(r["sender"]), fold(r["forces"]), fold(r["destination"] or "")),
                MAX_REINFORCEMENTS,
            ),
            "quotes": _merge_unique(col("quotes"), lambda q: (fold(q["text"]),), MAX_QUOTES),
        }
    )
