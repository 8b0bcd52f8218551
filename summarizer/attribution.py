"""Who said each quote, read from the wire's attribution patterns around it.

News copy attributes direct speech in a few fixed shapes: after the closing mark (``"…," said X``,
``"…," X said``), before the opening mark in the same sentence (``X said its forces had "…"``), or not
at all when a quote continues the previous one (``… X said. "…"``, or a paragraph that is only a
quotation). These are found here deterministically, as spans of the article, so a speaker is always
text that stands next to its quote. A pronoun ("he said") takes the speaker of the quote before it in
the same paragraph; otherwise it is left to the model.
"""

from __future__ import annotations

import re
from typing import Any

from summarizer.schema import MAX_SPEAKER
from summarizer.textspans import Passage, paragraphs, quoted_passages

_VERB = (
    r"(?:said|says|say|told|tells|added|adds|wrote|writes|declared|stated|warned|asked|replied|explained|insisted"
    r"|announced|posted|tweeted|noted|continued|recalled|cautioned|urged|described|called)"
)
# A speaker phrase: no sentence punctuation or quotation marks, at most twelve words.
_SPK = r"[^.;:!?\"“”«»\n]{2,120}?"
_CLOSERS = '"”»“’'
_OPENERS = '"“«„‘'
# ``"…," said the source, who …`` / ``"…" said X.``: the phrase after the verb, to a comma or a full stop.
_AFTER_VERB_FIRST = re.compile(
    rf"^[,]?\s*{_VERB}\s+(?P<spk>{_SPK})(?=\s*(?:[,.;:]|$|\s+(?:who|whose|which|as|speaking|adding|on|after"
    r"|(?:identified|described|named|known|introduced)\s+as)\b))"
)
# ``"…," X said …`` / ``"…," the commander, Abdelsalam Zoubi, said …``.
_AFTER_SPK_FIRST = re.compile(rf"^[,]?\s*(?P<spk>{_SPK}),?\s+{_VERB}\b")
# ``X said its forces had "…`` in the sentence before the opening mark.
_BEFORE = re.compile(
    rf"(?:^|[,;]\s+|\.\s+)(?P<spk>[^,;.\"“”«»]{{2,120}}?)"
    # an aside between the subject and its verb: "Major General X, who commands the ground operation, said"
    rf"(?:,\s+(?:who|which|whose|speaking|asking|declining|citing)\b[^,;.\"“”«»]{{2,160}},)?,?\s+{_VERB}\b[^.]*$"
)
_PRONOUN = re.compile(r"^(?:he|she|they|we|i)$", re.IGNORECASE)
_PREPOSITIONAL = re.compile(r"\s*(?:in|on|at|according to|after|before|during|with)\b", re.IGNORECASE)
_NAMED_AFTER = re.compile(r",\s+(?P<name>(?:[A-Z][\w'’.-]*\s+){0,4}(?:[A-Z]|al-[A-Z])[\w'’-]+)(?=\s*[,.;]|\s*$)")
_PRONOUN_OPENS = re.compile(rf"(?:He|She)\s+(?:also\s+)?{_VERB}\b")
_PRONOUN_AFTER = re.compile(rf"^[,]?\s*(?P<p>he|she)\s+{_VERB}\b")
# "it said": a pronoun for a body, which the speaker before it need not be
_IT = re.compile(r"^(?:it|its)$", re.IGNORECASE)
# An appositive name inside a description: "the commander, Abdelsalam Zoubi," -> "Abdelsalam Zoubi".
_APPOSITIVE = re.compile(
    r",\s+(?P<name>(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*)(?:\s+(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*)){1,3}),?$"
)
_SUBORDINATE = re.compile(r",\s+(?:who|which|whose|where)\b.*$")
_TRAILING_ADVERB = re.compile(
    r"(?:\s+(?:also|later|earlier|again|then|further|previously|separately|too|however|meanwhile|once))+$",
    re.IGNORECASE,
)


# "the statement said": an anaphor; its antecedent is the nearest statement the article gave an author
# before the quote ("X said in a statement", "In a statement carried by …, X said", "an X statement").
_ANAPHOR = re.compile(r"^the\s+(?:statement|communiqu[eé]|post|message)$", re.IGNORECASE)
_ISSUED = [
    re.compile(r"(?:^|[.!?]\s+|\n)(?P<spk>[A-Z][^.!?\n]{1,100}?)\s+(?:posted|tweeted|published)\b"),
    # "..., Eritrea's information ministry said in a statement" (after a comma), "The Congolese army, known
    # by its French acronym FARDC, said in a statement" (from the sentence's start)
    re.compile(
        r"(?:^|[.!?,]\s+|\n)(?P<spk>(?:the\s+)?[A-Z][^.!?\n,]{1,100}?),?\s+(?:said|says) in an? (?:\w+\s+)?statement"
    ),
    re.compile(r"(?:^|[.!?]\s+|\n)(?P<spk>[A-Z][^.!?\n]{1,100}?),?\s+(?:said|says) in an? (?:\w+\s+)?statement"),
    # "according to a ministry statement": "the ministry", resolved as a body named by its kind
    re.compile(r"\baccording to an? (?P<spk>(?-i:[a-z]+)) statement\b"),
    re.compile(r"\bIn an? (?:\w+\s+)?statement[^.!?\n]*?,\s+(?P<spk>[^,.!?\n]{2,80}?)\s+(?:said|says)\b"),
    re.compile(r"(?:^|\s)(?:An?|The)\s+(?P<spk>[A-Z][^.!?\n,]{0,60}?\s+statement)\b"),
]


# "the mission said": a body named by its kind; its antecedent is the nearest earlier speaker of that
# kind the article named ("The U.N. peacekeeping mission in Congo, MONUSCO, said ...").
_BODY_ANAPHOR = re.compile(
    r"^the\s+(?P<kind>mission|ministry|group|movement|coalition|alliance|agency|command|militia|office)$",
    re.IGNORECASE,
)


def _body(article: str, before: int, kind: str) -> str | None:
    """The nearest speaker before offset ``before`` (within 1,500 characters) whose phrase names a body of
    ``kind`` by more than the bare anaphor ("The U.N. peacekeeping mission in Congo, MONUSCO"; "..., the
    defence ministry said")."""
    patterns = [
        rf"(?:^|[.!?]\s+|\n)(?P<spk>[A-Z][^.!?\n]{{0,100}}?\b{kind}\b[^.!?\n]{{0,60}}?),?\s+(?:said|says|told|added)\b",
        rf",\s+(?P<spk>(?:the\s+)?[\w'’ .-]{{0,60}}?\b{kind}),?\s+(?:said|says|told|added)\b",
    ]
    best: tuple[int, str] | None = None
    for pattern in reversed(patterns):  # at the same place, the phrase after the comma
        for m in re.finditer(pattern, article[:before], re.IGNORECASE):
            if m.start() < before - 1500:
                continue
            spk = _clean(m.group("spk"))
            if spk and spk.casefold() != f"the {kind}".casefold() and (best is None or m.end() > best[0]):
                named = re.search(r",\s+(?P<name>[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,3})$", spk)
                best = (m.end(), named.group("name") if named else spk)  # "… mission in Congo, MONUSCO": the name
    return best[1] if best else None


def _author(article: str, before: int) -> str | None:
    """The author of the nearest statement introduced before offset ``before`` (within 1,500 characters)."""
    lo = max(0, before - 1500)
    best: tuple[int, str] | None = None
    for pattern in _ISSUED:
        for m in pattern.finditer(article, lo, before):
            raw = m.group("spk")
            spk = (_body(article, m.start(), raw) or f"the {raw}") if re.fullmatch(r"[a-z]+", raw) else _clean(raw)
            if spk and (best is None or m.end() > best[0]):
                best = (m.end(), spk)
    return best[1] if best else None


# A person introduced in a paragraph with no quotation in it, whom the next paragraph's "he said" refers
# to: "A Ukrainian battalion commander ..., who asked to be identified only by his call sign, Tesla,
# described ..."; "A 24-year-old operator ..., who gave his call sign as Fox, said ..."; "One of them, a
# 19-year-old who gave his name as Amani, said ..."; "Mwamba said the arrival ...".
_INTRODUCED = re.compile(
    r"^(?P<spk>(?:An?|The)\s+[^,.;:\"“”]{2,90}?\b(?:commander|officer|soldier|fighter|operator|resident|official"
    r"|source|doctor|nurse|medic|spokes(?:man|woman|person)|man|woman|mother|father|farmer|driver|teacher"
    r"|volunteer|survivor|witness|engineer|pilot|gunner|sniper|sergeant|captain|lieutenant|colonel|general"
    r"|major|veteran|worker|trader|student|elder|chief|leader|member|diplomat|analyst)s?)\b"
)
_NAME = r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
# The name a person goes by, which names a person wherever it is given.
_PERSON_GOES_BY = re.compile(
    r"\b(?:call ?sign|nom de guerre|gave (?:only )?(?:his|her) (?:first )?name (?:only )?as"
    r"|identified (?:himself|herself) as)"
    rf"(?:,|\s+as|\s+is|\s+was)?\s+{_NAME}"
)
# ... and one that does where the sentence opens with a person (``_INTRODUCED``).
_GOES_BY = re.compile(rf"\b(?:nickname|code name|first name|named|identified as|known as)(?:,|\s+as|\s+is)?\s+{_NAME}")
# A sentence whose subject is a person's name and whose verb is one of saying: "Mwamba said the ...".
_NAME_SAID = re.compile(rf"^{_NAME}\s+(?:also\s+)?{_VERB}\b")


def _introduced(article: str, lo: int, hi: int) -> str | None:
    """The person the last sentence of ``article[lo:hi]`` (a paragraph with no quotation marks) that
    introduces one names: the name they go by (a call sign, "gave his name as"), a name that is the
    subject of a verb of saying, or a person the sentence opens with (``_INTRODUCED``); else None."""
    text = article[lo:hi]
    if any(ch in text for ch in _OPENERS + _CLOSERS.replace("’", "")):
        return None
    for sentence in reversed(re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())):
        if named := _PERSON_GOES_BY.search(sentence):
            return named.group("name")
        if (said := _NAME_SAID.match(sentence)) and said.group("name").split()[0] not in {"The", "A", "An"}:
            return said.group("name")
        m = _INTRODUCED.match(sentence)
        if m:
            if named := _GOES_BY.search(sentence):
                return named.group("name")
            # the whole subject: to its first comma or verb ("A young operator with the drone company said")
            subject = re.match(rf"[^,;:]+?(?=\s*,|\s+{_VERB}\b)", sentence)
            return _clean(subject.group() if subject else m.group("spk"))
    return None


def _clean(spk: str) -> str | None:
    """The speaker phrase trimmed, or None when it is no speaker (too long, a fragment, a pronoun)."""
    spk = _SUBORDINATE.sub("", spk.strip()).strip().rstrip(",").strip()
    spk = _TRAILING_ADVERB.sub("", spk)  # "He also said": "He"
    m = _APPOSITIVE.search(spk)
    if m:
        spk = m.group("name")
    words = spk.split()
    if not words or len(words) > 12:
        return None
    capitalised = any(w[0].isupper() or w.startswith(("al-", "el-")) for w in words)
    if not (words[0][0].isupper() or words[0].casefold() in {"the", "a", "an"} or words[0][:1].isdigit()):
        if not capitalised:  # "government spokeswoman Claudine Mukamana", "al-Obeidi"; not "adding that"
            return None
    return spk


def _sentence_start(article: str, lo: int, pos: int) -> int:
    """Start of the sentence that holds ``pos`` (a full stop followed by a capital), not before ``lo``."""
    i = pos
    while i > lo:
        if article[i - 1] in ".!?" and i < len(article) and article[i] == " " and i + 1 < len(article):
            nxt = article[i + 1]
            if nxt.isupper() or nxt in _OPENERS:
                return i + 1
        i -= 1
    return lo


def attribute(article: str, passages: list[Passage]) -> dict[tuple[int, int], str]:
    """For each quoted passage (``textspans.quoted_passages``), the speaker the attribution pattern
    names, as a string of the article; passages with no pattern (or only a pronoun with no earlier
    speaker in the paragraph) are left out."""
    out: dict[tuple[int, int], str] = {}
    paras = paragraphs(article)
    previous: str | None = None
    previous_para = -1
    for p in passages:
        para = next((n for n, (s, e) in enumerate(paras) if s <= p.start < e), -1)
        if para < 0:
            continue
        lo, hi = paras[para]
        if para != previous_para:
            # a paragraph that is only a quotation continues the quote before it
            whole = article[lo:hi].strip().strip(_OPENERS + _CLOSERS).strip()
            continued = _PRONOUN_OPENS.match(article, lo) is not None  # "She said the arrival ..."
            if not (para == previous_para + 1 and (whole == p.text.strip() or continued)):
                previous = None
        close = p.end
        while close < hi and article[close] in ",.!? ":
            close += 1
        if close < hi and article[close] in _CLOSERS:
            close += 1
        after = article[close:hi]
        opening = p.start - 1
        while opening > lo and article[opening] not in _OPENERS:
            opening -= 1
        before = article[_sentence_start(article, lo, opening) : opening]
        spk = None
        # a quote that ends its sentence ('... and "will turn the town into a graveyard." The army said ...')
        # takes no speaker from the next sentence
        ended = p.text.rstrip().endswith(".") or "." in article[p.end : close]
        for pattern in () if ended else (_AFTER_VERB_FIRST, _AFTER_SPK_FIRST):
            m = pattern.search(after)
            if m:
                spk = _clean(m.group("spk"))
                named = _NAMED_AFTER.match(after, m.end("spk"))
                if spk and named and pattern is _AFTER_VERB_FIRST:
                    spk = named.group("name")  # "said the spokesman, Lieutenant Andriy Koval."
                goes_by = _PERSON_GOES_BY.search(after[m.end("spk") :].split(".")[0])
                if spk and goes_by:
                    spk = goes_by.group("name")  # "said a Cossack commander who gave his name only as Nikolai"
                if spk:
                    break
        if spk is None and (pronoun := _PRONOUN_AFTER.match(after)):
            spk = pronoun.group("p")  # '"…," he said': lower case, which _clean refuses
        at = 0
        while spk is None and (m := _BEFORE.search(before, at)):
            # "In a statement posted on a militant website, the Islamic Shura of Dagestan said": no phrase that
            # opens with a preposition is the speaker; the next clause is tried
            if not _PREPOSITIONAL.match(m.group("spk")):
                spk = _clean(m.group("spk"))
            at = m.start() + 1
        if spk is not None and _ANAPHOR.match(spk):
            spk = _author(article, p.start) or spk
        elif spk is not None and (body := _BODY_ANAPHOR.match(spk)):
            spk = _body(article, p.start, body.group("kind")) or spk
        if spk is not None and _IT.match(spk):
            spk = None
        elif spk is not None and _PRONOUN.match(spk):
            if previous is None and spk.casefold() in {"he", "she"} and para > 0 and p.start - lo < 3:
                # a paragraph that opens with the quote: "he" is the person the paragraph before introduced
                previous = _introduced(article, *paras[para - 1])
            elif (
                previous is None
                and spk.casefold() in {"he", "she"}
                and (start := _sentence_start(article, lo, opening)) > lo
            ):
                # "A Ministry of Defence spokesman denied reports .... "That is not their mission," he said.'
                previous = _introduced(article, lo, start)
            spk = previous
        elif spk is None and before.strip() == "":
            spk = previous  # a quote that opens its sentence with no cue continues the one before
        if spk:
            out[(p.start, p.end)] = spk
            previous = spk
        previous_para = para
    return out


def attribute_quotes(quotes: list[dict[str, Any]], article: str) -> list[dict[str, Any]]:
    """The quotes with each speaker replaced by the one the attribution pattern names, where there is
    one (on the dev split the pattern's speaker was right more often than the model's, also where it is
    a bare "the ministry" or "the officer")."""
    by_text = pattern_speakers(article)
    out = []
    for q in quotes:
        spk = speaker_of(q.get("text") or "", by_text)
        if spk:
            q = dict(q, speaker=spk)
        out.append(q)
    return out


def pattern_speakers(article: str) -> dict[str, str]:
    """Each quoted passage's text (spaces normalised, outer commas and stops trimmed) -> the speaker the
    attribution patterns name (``attribute``); passages with none are left out."""
    passages = quoted_passages(article)
    found = attribute(article, passages)
    by_text: dict[str, str] = {}
    for p in passages:
        if (p.start, p.end) in found:
            by_text.setdefault(_key(p.text), found[(p.start, p.end)])
    return by_text


def speaker_of(text: str, by_text: dict[str, str]) -> str | None:
    """The pattern speaker of a quote ``text`` (a whole passage or a piece of one), if it fits the schema."""
    key = _key(text)
    spk = by_text.get(key) or next((v for k, v in by_text.items() if key and key in k), None)
    return spk if spk and len(spk) <= MAX_SPEAKER else None


def _key(text: str) -> str:
    return " ".join(text.split()).strip(" ,.")
