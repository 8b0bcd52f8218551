"""Read an ALL-CAPS article (wire copy, radio transcripts) with its case restored.

Candidates, shape rules and the model all tell names from words by capitals, so in an article written
in capitals every word looks like a name. ``case_view`` gives the pipeline a copy of such an article
with each word's usual case restored by the ``truecase`` package's statistical model (word and context
frequencies from an English news corpus, Lita et al. 2003). Only letters change case, one for one, so
every offset into the copy is an offset into the article; ``grounding.reread`` puts the article's own
characters back into the result, which stays verbatim.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

import regex

from summarizer.textspans import dateline

# An article is read in its case-restored form when at least this share of its cased letters are
# capitals (over at least MIN_LETTERS letters): ordinary news has 3-10% capitals, a shouted
# headline over a normal body stays far below.
SHOUTING_SHARE = 0.85
MIN_LETTERS = 40
# A word the case model has never seen is kept in capitals when it is this short or has no vowel
# (an acronym: "FMLN", "MRTA", "URNG"); longer ones become capitalised names ("Medellin").
ACRONYM_MAX = 4
# A word seen both ways is capitalised only when the case model prefers that by this much (log odds):
# its corpus is small, and a wrong capital makes a word look like a name ("an Army post").
CAPITAL_MARGIN = 1.0

_WORD = regex.compile(r"\p{L}+(?:['’]\p{L}+)?")
_VOWEL = regex.compile(r"[AEIOUY]", regex.IGNORECASE)
# After one of these a new sentence (or heading, or quotation) starts: its first word is capitalised.
_OPENERS = ".!?:[]("
_QUOTES = '"“‘'
# Small words inside a name spelled out before its acronym: "Army of National Liberation (ELN)".
_NAME_JOINS = {"of", "the", "and", "for", "de", "del", "la", "el", "y"}
# "U.S." and "A.M.": a single letter between dots is an initial, kept in capitals.
_INITIAL = regex.compile(r"(?<![\p{L}.])\p{L}\.(?=\p{L}\.)|(?<=\p{L}\.)\p{L}\.")


def shouting(text: str) -> bool:
    """Whether ``text`` is written in capitals (share of capital letters at least ``SHOUTING_SHARE``)."""
    upper = lower = 0
    for ch in text:
        if ch.isupper():
            upper += 1
        elif ch.islower():
            lower += 1
    return upper + lower >= MIN_LETTERS and upper >= SHOUTING_SHARE * (upper + lower)


@lru_cache(maxsize=1)
def _caser() -> Any:
    """The truecase package's model (loaded once, ~3 s, ~0.5 GB; only for articles in capitals)."""
    from truecase import TrueCaser

    return TrueCaser()


def case_view(text: str) -> str:
    """``text`` with each word's usual case restored if it is written in capitals, else ``text`` itself.

    The copy has the same length and the same characters but for the case of letters.
    """
    if not shouting(text):
        return text
    caser = _caser()
    chars = list(text)
    line = dateline(text)  # a wire dateline stays in capitals, as datelines are written and read
    kept = range(*line) if line else range(0)
    initials = {m.start() for m in _INITIAL.finditer(text)}
    prev: str | None = None
    words = list(_WORD.finditer(text))
    spelled = _spelled_out(text, words)
    for i, m in enumerate(words):
        word = m.group()
        if m.start() in kept:
            prev = word
            continue
        nxt = words[i + 1].group().lower() if i + 1 < len(words) else None
        if m.start() in initials:
            cased = word.upper()
        elif i in spelled:
            cased = word.capitalize() if word.lower() not in _NAME_JOINS else word.lower()
        else:
            cased = _case_word(caser, word, prev, nxt, _alone_in_brackets(text, m.start(), m.end()))
            if _opens(text, m.start(), initials):
                cased = cased[:1].upper() + cased[1:]
        for k, ch in enumerate(cased):
            if len(ch) == 1 and ch.lower() == text[m.start() + k].lower():
                chars[m.start() + k] = ch
        prev = cased
    return "".join(chars)


def _case_word(caser: Any, word: str, prev: str | None, nxt: str | None, bracketed: bool) -> str:
    """One word's usual case: the case model's choice in context, or the acronym / name rule."""
    low = word.lower()
    if bracketed and len(word) > 1:
        return word.upper()
    forms = caser.word_casing_lookup.get(low)
    if not forms:
        stem, sep, tail = (regex.split(r"(['’])", low, maxsplit=1) + ["", ""])[:3]
        if sep and stem in caser.word_casing_lookup:
            return _case_word(caser, stem, prev, nxt, False) + sep + tail
        if _inflected_word(caser, stem):
            return stem + sep + tail
        if len(stem) <= ACRONYM_MAX or not _VOWEL.search(stem):
            return stem.upper() + sep + tail
        return stem.capitalize() + sep + tail
    # a word in capitals is how headlines write it, not a case of its own; odd mixes ("MInistry") are noise
    usual = [f for f in forms if f in (low, low.capitalize())]
    if not usual:
        return max(forms, key=lambda f: caser.uni_dist[f])
    if len(usual) == 1:
        return usual[0]
    low_score, cap_score = (caser.get_score(prev, f, nxt) for f in (low, low.capitalize()))
    return low.capitalize() if cap_score > low_score + CAPITAL_MARGIN else low


def _alone_in_brackets(text: str, start: int, end: int) -> bool:
    """Whether the word stands alone in brackets, as an acronym does: "(ELN)", "[FAL]"."""
    return (text[start - 1 : start], text[end : end + 1]) in (("(", ")"), ("[", "]"))


def _opens(text: str, start: int, initials: set[int]) -> bool:
    """Whether the word at ``start`` opens a sentence, heading or quotation.

    Not after the dot of an initial ("U.S. officials").
    """
    k = start
    while k > 0 and text[k - 1].isspace():
        k -= 1
    if k == 0:
        return True
    mark = text[k - 1]
    if mark in _QUOTES:  # an opening mark (the word right after it) after a sentence's end or a comma
        if k != start or (k >= 2 and not text[k - 2].isspace()):
            return False
        j = k - 1
        while j > 0 and text[j - 1].isspace():
            j -= 1
        return j == 0 or text[j - 1] in _OPENERS + ","
    return mark in _OPENERS and not (mark == "." and k - 2 in initials)


_ENDINGS = ("s", "es", "ed", "d", "ing", "ion", "ions", "er", "ers", "ly")


def _inflected_word(caser: Any, low: str) -> bool:
    """Whether another form of an unseen word is a lower-case word the model knows ("abductions": "abduction")."""
    stems = {low} | {low[: -len(e)] for e in _ENDINGS if low.endswith(e) and len(low) - len(e) >= 3}
    for stem in stems:
        for form in {stem} | {stem + e for e in _ENDINGS}:
            if form != low and form in caser.word_casing_lookup.get(form, ()):
                return True
    return False


def _spelled_out(text: str, words: list[Any]) -> set[int]:
    """Indexes of words that spell out the acronym in brackets after them.

    "Guatemalan National Revolutionary Unity (URNG)": as many words as the acronym has letters (small
    joining words not counted), no punctuation between them, and all but one of their initials among
    the acronym's letters (Spanish acronyms order them differently).
    """
    found: set[int] = set()
    for i, m in enumerate(words):
        if not _alone_in_brackets(text, m.start(), m.end()) or not 2 <= len(m.group()) <= 6:
            continue
        letters = m.group().upper()
        picked: list[int] = []
        content: list[str] = []  # initials of the picked words that are not joining words
        j = i - 1
        while j >= 0 and len(content) < len(letters):
            gap = text[words[j].end() : words[j + 1].start()] if j + 1 < i else text[words[j].end() : m.start() - 1]
            if gap.strip(" -"):
                break
            picked.append(j)
            if words[j].group().lower() not in _NAME_JOINS:
                content.append(words[j].group()[0].upper())
            j -= 1
        while picked and words[picked[-1]].group().lower() in _NAME_JOINS:
            picked.pop()
        if len(content) != len(letters):
            continue
        hits = sum((Counter(content) & Counter(letters)).values())
        if hits >= len(letters) - (1 if len(letters) >= 3 else 0):
            found.update(picked)
    return found
