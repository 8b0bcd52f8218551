"""Plain-text facts about an article: quoted passages, boilerplate paragraphs, where strings occur.

Everything here is deterministic and model-free; grammar building and grounding both use it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import regex

# Opening mark -> closing marks accepted for it.
_PAIRS = {
    "\u201c": '\u201d\u201c"',  # “ … ” (some sources close with another “ or a straight ")
    '"': '"\u201d',
    "\u00ab": "\u00bb",  # « … »
    "\u201e": "\u201c\u201d",  # „ … “
}
# Single marks ‘ … ’ are quotation marks only in an article that has none of the above (the British
# style of some outlets); elsewhere they nest inside a quotation. A ’ before a letter is an apostrophe.
_SINGLE = {"\u2018": "\u2019"}
_CAPTION = re.compile(
    r"(\b(file photo|still image|image taken|picture taken|purports to show|photo:|caption:)"
    r"|\((?:[^()]*\b(?:via|reuters|afp|ap|getty|photo|epa)\b[^()]*)\)\s*$"
    r"|^\s*date\s+\d{4}-\d{2}-\d{2}\b"
    r"|\bdownload\b.*\bapp\b"
    r"|^\s*(?:read more|related|advertisement|subscribe)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Passage:
    """Text inside quotation marks: ``article[start:end]``, without the marks."""

    start: int
    end: int
    text: str


def fold(s: str) -> str:
    """Casefold and collapse whitespace: the key for "same mention" ("the army" and "army" differ)."""
    return " ".join(s.casefold().split())


def paragraphs(article: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty paragraph; paragraphs are separated by blank lines or newlines."""
    out = []
    for m in re.finditer(r"[^\n]+", article):
        if m.group().strip():
            out.append((m.start(), m.end()))
    return out


def is_boilerplate(paragraph: str) -> bool:
    """True for photo captions, datelines/metadata lines and app or subscription trailers."""
    return bool(_CAPTION.search(paragraph))


# A wire dateline opening a paragraph: the place in capitals, then perhaps a country or a date, perhaps the
# agency in brackets, then a dash ("KYIV (Crossline Press) -", "SARAJEVO, Nov 24 (Reuters) -",
# "GOMA, Democratic Republic of Congo (AP) —", "BAKU/YEREVAN -", "SAN SALVADOR, 3 JAN 90 (ACAN) --").
_CAPS = r"\p{Lu}[\p{Lu}\p{M}.'’\-]*\p{Lu}\.?"
_DATELINE = regex.compile(
    rf"[ \t]*(?:{_CAPS})(?:[ /](?:{_CAPS}))*(?:,[^\n()]{{1,60}}?)?[ \t]*(?:\([^()\n]{{1,60}}\))?[ \t]*(?:--?|–|—)[ \t]+"
)


def dateline(article: str) -> tuple[int, int] | None:
    """(start, end) of the wire dateline that opens one of the first paragraphs, or None."""
    for start, end in paragraphs(article)[:3]:
        m = _DATELINE.match(article, start, end)
        if m:
            return start, m.end()
    return None


def plain(s: str) -> str:
    """Casefolded, without accents: "CULIACAN" and "Culiacán" are the same place name."""
    return "".join(c for c in unicodedata.normalize("NFKD", s.casefold()) if not unicodedata.combining(c))


def body_ranges(article: str) -> list[tuple[int, int]]:
    """Paragraph ranges that belong to the story's body (boilerplate and the dateline left out)."""
    ranges = [(s, e) for s, e in paragraphs(article) if not is_boilerplate(article[s:e])]
    line = dateline(article)
    if line is None:
        return ranges
    return [(max(s, line[1]) if s == line[0] else s, e) for s, e in ranges if not (s == line[0] and e <= line[1])]


def quoted_passages(article: str) -> list[Passage]:
    """Passages inside quotation marks, one per paragraph.

    A quotation left open at the end of a paragraph (the wire convention for quotes running over
    several paragraphs) ends there; the next paragraph's opening mark starts a new passage. Single
    marks (‘ … ’) count only in an article with no double ones, opening after a space.
    """
    out: list[Passage] = []
    pairs = _PAIRS if any(ch in article for ch in _PAIRS) else _SINGLE
    for p_start, p_end in paragraphs(article):
        i = p_start
        while i < p_end:
            ch = article[i]
            single = ch in _SINGLE
            if ch in pairs and (not single or i == p_start or article[i - 1].isspace() or article[i - 1] in "(—"):
                closers = pairs[ch]
                j = i + 1
                while j < p_end and (article[j] not in closers or (single and article[j + 1 : j + 2].isalpha())):
                    j += 1
                if single and j == p_end:  # a single mark never closed is an apostrophe ("the ‘90s")
                    i += 1
                    continue
                start, end = i + 1, j
                # trim whitespace inside the marks
                while start < end and article[start].isspace():
                    start += 1
                while end > start and article[end - 1].isspace():
                    end -= 1
                if end > start:
                    out.append(Passage(start, end, article[start:end]))
                i = j + 1
            else:
                i += 1
    return out


def occurrences(article: str, needle: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``needle``."""
    if not needle:
        return []
    out, i = [], article.find(needle)
    while i != -1:
        out.append(i)
        i = article.find(needle, i + 1)
    return out


def is_whole(article: str, start: int, needle: str) -> bool:
    """True when ``needle`` at ``start`` cuts no word at either end."""
    end = start + len(needle)
    left = start == 0 or not (article[start - 1].isalnum() and needle[0].isalnum())
    right = end == len(article) or not (article[end].isalnum() and needle[-1].isalnum())
    return left and right


def has_whole_word(article: str, needle: str) -> bool:
    """True when ``needle`` occurs somewhere without cutting a word at either end."""
    return any(is_whole(article, s, needle) for s in occurrences(article, needle))


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in ranges)


def locate(
    article: str,
    needle: str,
    *,
    prefer: list[tuple[int, int]] | None = None,
    near: tuple[int, int] | None = None,
    body: list[tuple[int, int]] | None = None,
) -> tuple[int, int] | None:
    """Span of ``needle`` in ``article`` or None.

    Among several occurrences, pick (in order): one inside a ``prefer`` range; the one nearest to
    the ``near`` span; the first in the story's body; the first overall. Whole-word occurrences are preferred
    to occurrences inside a longer word.
    """
    starts = occurrences(article, needle)
    if not starts:
        return None

    pool = [s for s in starts if is_whole(article, s, needle)] or starts
    if prefer:
        inside = [s for s in pool if _inside(s, prefer)]
        if inside:
            pool = inside
    if near is not None:
        lo, hi = near

        def distance(s: int) -> int:
            e = s + len(needle)
            return 0 if s < hi and e > lo else (lo - e if e <= lo else s - hi)

        best = min(pool, key=lambda s: (distance(s), s))
        return best, best + len(needle)
    if body is None:
        body = body_ranges(article)
    in_body = [s for s in pool if _inside(s, body)]
    s = (in_body or pool)[0]
    return s, s + len(needle)
