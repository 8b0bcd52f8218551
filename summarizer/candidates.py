"""Deterministic candidates from the text: proper-noun spans that could be places or actors.

The model is then asked, item by item, how likely each candidate is to continue its own list
(see ``second_look.py``); it chooses, it cannot write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from summarizer.textspans import body_ranges, fold, quoted_passages

# A capitalised word (letters, inner apostrophes, hyphens and dots: "Al-Bab", "Ma'arat"), optionally
# prefixed by a lower-case particle joined with a hyphen ("al-Sham", "el-Fasher"); or initials with their
# dots, the last one included ("U.S.", "U.N.").
_WORD = r"(?:(?:\p{Lu}\.){2,}|(?:(?:al|el|ad|ar|as|an|at|az|ash)-)?\p{Lu}[\p{L}\p{M}'’.\-]*[\p{L}\p{M}]|\p{Lu})"
_JOIN = r"(?:of|for|al|el|de|del|da|di|du|la|le|bin|ibn|van|von|the)"
# ``regex``, not ``re``: it knows Unicode classes (\p{Lu}), so "Ürümqi" and "Çaykara" are names too.
# A leading ordinal belongs to a unit's name: "47th Mechanised Brigade", "3rd Military Region".
_ORDINAL = r"(?:\d{1,3}(?:st|nd|rd|th)[ ])?"
_SPAN_RE = regex.compile(rf"(?<![\p{{L}}\p{{M}}\-'\d]){_ORDINAL}(?:{_WORD})(?:[ ](?:{_JOIN}[ ])?(?:{_WORD}))*")

# Words that open sentences or name days and months, never places or armed actors on their own.
_NEVER_ALONE = set(
    "a an the this that these those it its he she they we i you his her their our my in on at of for from by "
    "with after before during but and or if as when while since until on also however meanwhile monday tuesday "
    "wednesday thursday friday saturday sunday january february march april may june july august september "
    "october november december mr mrs ms dr within without across along among amid around behind beyond despite "
    "inside outside through throughout toward towards under upon via".split()
)


@dataclass(frozen=True)
class Candidate:
    """A proper-noun span: its text and the offset of its first occurrence in the body."""

    text: str
    start: int


def _trim(span: str) -> str:
    span = re.sub(r"['’]s?$", "", span)  # possessive: "Assad's" -> "Assad"
    words = span.split(" ")
    while words and words[0].casefold() in _NEVER_ALONE:
        words = words[1:]
    while words and words[-1].casefold() in _NEVER_ALONE:
        words = words[:-1]
    return " ".join(words)


def proper_noun_spans(article: str, max_words: int = 6) -> list[Candidate]:
    """Capitalised word sequences in the story's body (captions and datelines left out), first
    occurrence first, without repeats. A single word that the article also uses in lower case
    ("Fighting" opening a sentence) is left out, and so are words that only open a sentence."""
    lower_words = {w for w in re.findall(r"\b[a-z][\w'-]*\b", article)}
    seen: set[str] = set()
    out: list[Candidate] = []
    for start, end in body_ranges(article):
        for m in _SPAN_RE.finditer(article, start, end):
            text = _trim(m.group())
            if not text or len(text) < 2 or len(text.split(" ")) > max_words:
                continue
            if " " not in text and text.casefold() in lower_words:
                continue
            key = fold(text)
            if key in seen:
                continue
            seen.add(key)
            out.append(Candidate(text, article.find(text, m.start())))
    return out


# A lower-case word for a site after a proper name: "the Gupta bridge", "Batken airport", "the Isfara river".
SITE_WORDS = (
    r"bridge|dam|airport|airfield|air base|airbase|border crossing|crossing|checkpoint|water intake|tunnel|river"
    r"|camp|barracks|pass|power plant|power station|refinery|oilfield|oil field"
)
_SITE_RE = regex.compile(rf"({_SPAN_RE.pattern})[ ](?:{SITE_WORDS})(?![\p{{L}}\-])")


_QUANTIFIERS = {"every", "each", "any", "all", "some", "no", "one", "another", "other", "which", "what"}


# A coalition or force named by its leader: "the U.S.-led coalition", "Saudi-led coalition warplanes".
_LED_RE = regex.compile(rf"({_WORD}(?:[ ]{_WORD}){{0,2}})-led[ ](?:coalition|alliance|mission)(?![\p{{L}}\-])")


def led_spans(article: str) -> list[Candidate]:
    """Coalitions the story's body names by their leader ("U.S.-led coalition"), first
    occurrence first, without repeats: armed actors that no capitalised span holds whole."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for start, end in body_ranges(article):
        for m in _LED_RE.finditer(article, start, end):
            text = re.sub(r"^The ", "", m.group())  # opening a sentence
            key = fold(text)
            if key not in seen:
                seen.add(key)
                out.append(Candidate(text, article.find(text, m.start())))
    return out


def site_spans(article: str) -> list[Candidate]:
    """Proper names written with a lower-case word for a site after them ("the Gupta bridge"), as written,
    first occurrence first, without repeats: the whole is the place's name."""
    lower_words = {w for w in re.findall(r"\b[a-z][\w'-]*\b", article)}
    seen: set[str] = set()
    out: list[Candidate] = []
    for start, end in body_ranges(article):
        for m in _SITE_RE.finditer(article, start, end):
            name = _trim(m.group(1))
            single = " " not in name and (name.casefold() in lower_words or name.casefold() in _QUANTIFIERS)
            if not name or single or (re.search(r"(?:an|ese|ish|i)$", name) and used_as_adjective(name, article)):
                continue
            text = article[m.start(1) + m.group(1).find(name) : m.end()]
            if fold(text) not in seen:
                seen.add(fold(text))
                out.append(Candidate(text, m.start(1)))
    return out


def used_as_adjective(word: str, article: str) -> bool:
    """Whether a lower-case word follows ``word`` wherever the article writes it ("Rwandan troops", "the
    Rwandan camp", "Serb paramilitaries"): an adjective there, not a name of its own."""
    follows = re.findall(rf"(?<![\w-]){re.escape(word)}(?![\w-])\s*(\S?)", article)
    return bool(follows) and all(f[:1].islower() for f in follows)


def only_in(name: str, longer: str, article: str) -> bool:
    """Whether every whole-word occurrence of ``name`` in the article is inside an occurrence of ``longer``."""
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(longer), article)]
    spots = [m.start() for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", article)]
    return bool(spots) and all(any(lo <= s < hi for lo, hi in spans) for s in spots)


# Wire phrasings that name a side's military backer: "backed by X", "military support from X and Y",
# "troops from X, Y and Z", "aligned with X", "the X-backed group", "an X-linked group".
_NAME = rf"(?:(?:al|el) )?(?:{_WORD})(?:[ ](?:{_JOIN}[ ])?(?:{_WORD}))*"  # "the al Qaeda-linked group"
_NAMES = rf"(?:the )?({_NAME})(?:(?:, | and |, and )(?:the )?({_NAME}))*"
_FROM = 1  # the index of the "from" pattern below
_SUPPORT_RE = [
    regex.compile(c)
    for c in (
        rf"\b(?i:backed|supported|armed|supplied|funded|financed|trained|equipped|assisted) by "
        rf"(?:(?i:neighbouring|neighboring) )?{_NAMES}",
        rf"\b(?i:support|backing|aid|help|assistance|troops|soldiers|forces|drones|weapons|arms|air ?strikes|jets"
        rf"|warplanes) from {_NAMES}",
        rf"\b(?i:aligned|allied) with {_NAMES}",
        rf"({_NAME})-(?:backed|supported|armed|funded|sponsored|linked|allied|affiliated|aligned|trained|supplied)\b",
        # "Turkey, which already supplies it with armed drones"
        rf"\b(?:the )?({_NAME}),? which (?:already |also |has |had )*(?:supplies|supplied|arms|armed|backs|backed"
        rf"|funds|funded|trains|trained|equips|equipped)\b",
        # "Iran has supplied Hezbollah with most of its arsenal", "Liberia, whose government has supplied it"
        rf"\b({_NAME}),? (?:whose (?:government|army|military|leaders?) )?(?:has|had|have) (?:also |long )*"
        rf"(?:supplied|armed|funded|financed|equipped)(?: and (?:supplied|armed|funded|financed|equipped|trained))?"
        rf" (?:it|them|the |several |(?:\p{{Lu}}))",
        # "accused the United Arab Emirates of carrying out air strikes in support of Haftar"
        rf"\b(?i:accused|accuses|accusing) (?:the )?({_NAME}) of (?:(?i:carrying out|conducting|launching) )?"
        rf"(?i:air ?strikes|drone strikes|strikes|sending|supplying|arming|funding)\b",
    )
]


def support_cues(article: str) -> dict[str, bool]:
    """Proper names that the story's body gives as a side's backer ("backed by X", "support from X and
    Y", "X-backed"), in order of first cue, each mapped to False when only "from" named it ("troops
    from X" is also said of places)."""
    out: dict[str, bool] = {}
    for start, end in body_ranges(article):
        for n, pattern in enumerate(_SUPPORT_RE):
            for m in pattern.finditer(article, start, end):
                for group in range(1, (m.lastindex or 0) + 1):
                    for cap in m.captures(group):
                        name = _trim(cap)
                        if len(name) >= 2:
                            out[name] = out.get(name, False) or n != _FROM
    return out


# A numbered military unit: an ordinal, up to three capitalised words, a unit word ("6th Infantry Division",
# "215th Maiwand Corps", "2nd Combined Arms Army", "3rd Military Region").
_UNIT = regex.compile(
    rf"(?:{_WORD} )*?(?:\d{{1,3}}(?:st|nd|rd|th)|First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth)"
    rf"(?: {_WORD}){{0,3}} (?:Division|Brigades?|Corps|Regiment|Battalion|Army|Military Region|Fleet|Squadron"
    rf"|Infantry|Marines|Group)"
)


def is_unit_name(name: str) -> bool:
    """Whether ``name`` is a numbered military unit; the guide lists a named unit on its own."""
    return _UNIT.fullmatch(name) is not None


# Words for a kind of place written with its name: "the town of Mellit", "the Abu Shouk camp".
_PLACE_KIND = (
    r"(?:town|city|village|camp|district|region|province|area|port|base|airport|outskirts|suburb|neighbou?rhood"
    r"|county|governorate|territory)"
)


def place_cue(name: str, article: str) -> bool:
    """Whether the article writes ``name`` with a word for a kind of place, before ("the town of X") or,
    unless the name ends like a demonym, after ("the X camp")."""
    e = re.escape(name)
    if re.search(rf"\b{_PLACE_KIND}s? of (?:the )?{e}(?![\w-])", article):
        return True
    # after the name only when it cannot be a demonym ("the Rwandan town")
    return not re.search(r"(?:an|ese|ish|i)$", name) and bool(re.search(rf"(?<![\w-]){e} {_PLACE_KIND}\b", article))


def covered(candidate: str, mentions: list[str]) -> bool:
    """True when ``candidate`` is already said by a mention (same words, or its words inside one, or
    the mention's words inside it: "Syrian" in "Syrian army", "Hama" in "Hama province")."""
    c = fold(candidate).split()
    for m in mentions:
        w = fold(m).split()
        if not w:
            continue
        for a, b in ((c, w), (w, c)):
            n = len(a)
            if any(b[i : i + n] == a for i in range(len(b) - n + 1)):
                return True
    return False


def enclosing_spans(name: str, article: str) -> set[str] | None:
    """The longer capitalised spans that hold every occurrence of ``name`` in the article ("Democratic
    Republic of Congo" for "Democratic"), or None if ``name`` stands on its own somewhere (or nowhere)."""
    spans = [(m.start(), m.end()) for m in _SPAN_RE.finditer(article)]
    out: set[str] = set()
    found = False
    for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", article):
        found = True
        holder = next(((a, b) for a, b in spans if a <= m.start() and m.end() <= b), None)
        if holder is None or _trim(article[holder[0] : holder[1]]) == name:
            return None
        out.add(_trim(article[holder[0] : holder[1]]))
    return out if found else None


# Words for real violence and armed actors that sport, business and politics rarely use as figures of speech
# ("offensive", "troops", "battle", "war", "attack" are left out: they are).
_VIOLENCE = re.compile(
    r"\b(?:killed|killing|wounded|injured|died|dead|deaths?|casualties|bombings?|explosions?|exploded|shelling"
    r"|shelled|air ?strikes?|gunmen|gunfire|guerrillas?|rebels?|militants?|insurgents?|soldiers|militias?"
    r"|jihadists?|artillery|massacre|ambushed|hostages?|assassinat(?:ed|ion)|terrorists?|clashes|clashed)\b",
    re.IGNORECASE,
)


def _outside_quotes(article: str) -> str:
    """The article with its quoted passages blanked out (same length)."""
    chars = list(article)
    for p in quoted_passages(article):
        chars[p.start : p.end] = " " * (p.end - p.start)
    return "".join(chars)


def violence_cues(article: str) -> set[str]:
    """The distinct words of real violence (``_VIOLENCE``, lower-cased) the article uses outside quotation
    marks (a manager's "it was a war out there" is not a cue)."""
    return {m.group().lower() for m in _VIOLENCE.finditer(_outside_quotes(article))}


# Words of armed forces and their arms, including those sport and business borrow ("troops", "battalion").
_MILITARY = re.compile(
    r"\b(?:troops?|army|armies|armed|military|militar\w+|forces|soldiers?|weapons?|tanks?|artillery|missiles?"
    r"|drones?|militias?|rebels?|insurgents?|guerrillas?|jihadists?|militants?|warplanes?|air ?strikes?"
    r"|ceasefire|battalions?|brigades?|police|gunmen)\b",
    re.IGNORECASE,
)


MIN_WORDS_FOR_NO_FORCE = 100


def tells_of_no_force(article: str) -> bool:
    """Whether the article, of at least ``MIN_WORDS_FOR_NO_FORCE`` words, uses no word of real violence
    (``violence_cues``) and no word of armed forces or arms at all (``_MILITARY``) outside quotation marks:
    a report of an armed conflict that long always does; a match report whose sides are countries
    ("Wales", "Ireland") does not. A shorter text is never judged so."""
    if len(article.split()) < MIN_WORDS_FOR_NO_FORCE:
        return False
    told = _outside_quotes(article)  # quoted passages found once for both word lists
    return not _VIOLENCE.search(told) and not _MILITARY.search(told)


# After an actor's name, words that make it an armed side: its men or positions ("Islamic State fighters",
# "shelled Islamic State positions") or a verb of armed action ("Islamic State seized the city").
_ARMED_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:(?:positions?|fighters?|militants?|forces|troops|rebels|gunmen|insurgents|militiamen|units"
    r"|snipers|jihadists)\b|(?:(?:had|has|have)\s+)?(?:seized|captured|overran|attacked|shelled|ambushed|stormed"
    r"|launched|fired|killed|retook|raided|bombed|struck|abducted|executed)\b)"
)


# Before a name: its men ("fighters of the Maute group", "gunmen of the allied Amal movement", "Renegade
# soldiers of the West Side Boys"); the nouns in lower case, so "the Armed Forces of Liberia" is no cue for
# "Liberia".
_MEMBERS_BEFORE = re.compile(
    r"\b(?:fighters|gunmen|militiamen|soldiers|members|units|commanders|militants|guerrillas|insurgents|rebels"
    r"|troops|forces)\s+of\s+(?:the\s+)?(?:(?:allied|rival|renegade|breakaway|hardline|armed)\s+)?$"
)
# After a name: an aside that calls it an armed group ("Abu Sayyaf, the kidnap-for-ransom group,", "Several
# thousand Kamajors, the traditional hunters' militia"), not a monitor's or aid group's ("the group's
# stronghold" is no aside).
_ARMED_ASIDE = re.compile(
    r",\s+(?:an?|the)\s+(?:(?!monitor|watchdog|rights|aid|news|doctors|medical)[\w'’-]+\s+){0,4}?"
    r"(?:group|militia|movement|faction|rebels|insurgents|guerrillas)\b(?!['’])"
)


def member_cues(name: str, article: str) -> int:
    """How many times the article writes ``name`` after its men ("fighters of the X") or with an aside that
    calls it an armed group ("X, a clan-based militia,"): stronger cues than ``armed_cues``."""
    return sum(
        1
        for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", article)
        if _MEMBERS_BEFORE.search(_sentence_case(article, max(0, m.start() - 60), m.start()))
        or _ARMED_ASIDE.match(article, m.end())
    )


def _sentence_case(article: str, lo: int, hi: int) -> str:
    """``article[lo:hi]`` with the first letter of each sentence in it in lower case ("Fighters of the" ->
    "fighters of the"); its own first letter only where a sentence starts there."""
    text = re.sub(r"([.!?]\s+|\n)([A-Z])", lambda m: m.group(1) + m.group(2).lower(), article[lo:hi])
    starts = lo == 0 or re.search(r"(?:[.!?]\s+|\n)$", article[max(0, lo - 3) : lo]) is not None
    return text[:1].lower() + text[1:] if starts else text


def armed_cues(name: str, article: str) -> int:
    """How many times the article writes ``name`` followed by its men or positions, or by a verb of armed
    action (``_ARMED_AFTER``)."""
    return sum(
        1
        for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", article)
        if _ARMED_AFTER.match(article, m.end())
    )
