"""Attach character spans to every verbatim string (LangExtract-style char intervals).

Spans are Python string indices (code points), end exclusive, into the article exactly as given.
Where a string occurs several times: a quote's text inside quotation marks, a speaker nearest its
quote, anything else the first occurrence in the story's body (captions and datelines skipped).
"""

from __future__ import annotations

from summarizer.schema import (
    BelligerentSpans,
    ConflictSummary,
    LocationSpans,
    QuoteSpans,
    ReinforcementSpans,
)
from summarizer.textspans import body_ranges, locate, quoted_passages


class GroundingError(ValueError):
    """A string that must be verbatim does not stand in the article."""


def ground(data: ConflictSummary, article: str) -> ConflictSummary:
    """Return a copy of ``data`` with ``spans`` filled in; raises if a string is not in the article."""
    body = body_ranges(article)
    quoted = [(p.start, p.end) for p in quoted_passages(article)]

    def span(s: str, path: str, **kw) -> tuple[int, int]:
        found = locate(article, s, body=body, **kw)
        if found is None:
            raise GroundingError(f"{path}: {s!r} is not in the article")
        return found

    def opt(s: str | None, path: str) -> tuple[int, int] | None:
        return None if s is None else span(s, path)

    out = data.model_copy(deep=True)
    for i, b in enumerate(out.belligerents):
        p = f"$.belligerents[{i}]"
        b.spans = BelligerentSpans(
            name=span(b.name, p + ".name"),
            aliases=[span(a, f"{p}.aliases[{j}]") for j, a in enumerate(b.aliases)],
        )
    for i, loc in enumerate(out.locations):
        p = f"$.locations[{i}]"
        loc.spans = LocationSpans(
            name=span(loc.name, p + ".name"),
            aliases=[span(a, f"{p}.aliases[{j}]") for j, a in enumerate(loc.aliases)],
            within=opt(loc.within, p + ".within"),
        )
    for i, r in enumerate(out.reinforcements):
        p = f"$.reinforcements[{i}]"
        r.spans = ReinforcementSpans(
            sender=span(r.sender, p + ".sender"),
            forces=span(r.forces, p + ".forces"),
            destination=opt(r.destination, p + ".destination"),
            origin=opt(r.origin, p + ".origin"),
        )
    for i, q in enumerate(out.quotes):
        p = f"$.quotes[{i}]"
        text_span = span(q.text, p + ".text", prefer=quoted)
        q.spans = QuoteSpans(text=text_span, speaker=span(q.speaker, p + ".speaker", near=text_span))
    return out


def reread(data: ConflictSummary, article: str) -> ConflictSummary:
    """Return a copy of grounded ``data`` whose verbatim strings are re-read from ``article`` at their spans.

    For an answer made from a case-restored copy of the article (``truecase.case_view``): the spans
    are the same, the strings become the article's own characters. A mention that re-reads the same
    as an earlier one of its item (or, for names, of an earlier item) is dropped.
    """

    def at(s: tuple[int, int]) -> str:
        return article[s[0] : s[1]]

    out = data.model_copy(deep=True)
    for items in (out.belligerents, out.locations):
        seen: set[str] = set()
        kept = []
        for item in items:
            assert item.spans is not None, "reread needs grounded data"
            name = at(item.spans.name)
            if name in seen:
                continue
            aliases, spans = [], []
            for s in item.spans.aliases:
                a = at(s)
                if a != name and a not in aliases:
                    aliases.append(a)
                    spans.append(s)
            item.name, item.aliases, item.spans.aliases = name, aliases, spans
            within = getattr(item.spans, "within", None)
            if within is not None:
                item.within = at(within)
            seen.update([name, *aliases])
            kept.append(item)
        items[:] = kept
    for r in out.reinforcements:
        assert r.spans is not None, "reread needs grounded data"
        r.sender, r.forces = at(r.spans.sender), at(r.spans.forces)
        r.destination = None if r.spans.destination is None else at(r.spans.destination)
        r.origin = None if r.spans.origin is None else at(r.spans.origin)
    for q in out.quotes:
        assert q.spans is not None, "reread needs grounded data"
        q.text, q.speaker = at(q.spans.text), at(q.spans.speaker)
    return out


def to_article(data: ConflictSummary, article: str, starts: list[int]) -> ConflictSummary:
    """Return grounded ``data`` found in a copy of ``article`` with characters left out
    (``article.plain_text``) with its spans moved into ``article`` (``starts[i]``: where the copy's
    character ``i`` stands there) and its strings re-read from ``article`` at them (``reread``)."""

    def move(s: tuple[int, int]) -> tuple[int, int]:
        if s[1] <= s[0]:
            at = starts[s[0]] if s[0] < len(starts) else len(article)
            return at, at
        return starts[s[0]], starts[s[1] - 1] + 1

    out = data.model_copy(deep=True)
    for item in (*out.belligerents, *out.locations, *out.reinforcements, *out.quotes):
        assert item.spans is not None, "to_article needs grounded data"
        for name in type(item.spans).model_fields:
            value = getattr(item.spans, name)
            if isinstance(value, list):
                setattr(item.spans, name, [move(s) for s in value])
            elif value is not None:
                setattr(item.spans, name, move(value))
    return reread(out, article)
