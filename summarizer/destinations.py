"""Reinforcement destinations from the article's own words.

A small model often leaves a reinforcement's ``destination`` null, or fills it with a phrase that names
no place ("front line near the airport by Sunday evening"), although the sentence that tells of the
forces says where they go ("... from Misrata toward Tripoli"). The guide asks for the most specific
place the article names or clearly points to. This stage, deterministic and model-free, fills such a
destination from the forces' sentence: a place after a word of direction ("to", "toward", "into",
"for", "reached"; then "in", "at", "near"), never one in a phrase after "from", with the word for its
kind that follows it ("Bambari airfield", "Batken region"). When the sentence names none, the story's
main place stands (the listed place, not a country, that the article names most often): forces "arrived"
with no place named arrive where the story is; forces sent to a side ("to the army") get none. A
destination the answer gives that the article only ever writes inside a listed name ("Dam" of "Tishreen
Dam") takes that name; a wide one (a country, region, province or district) takes the place where one
of the next two sentences, speaking of the same forces, says they arrived ("Colombia sent 1,200 soldiers
to the department of Cauca ... The troops ... arrived in Morales ...").
"""

from __future__ import annotations

import re

from summarizer.candidates import SITE_WORDS, only_in
from summarizer.countries import is_country
from summarizer.parse import is_place_name, state_of
from summarizer.schema import MAX_LOCATIONS, ConflictSummary, Location, Reinforcement
from summarizer.textspans import dateline, fold, has_whole_word, is_whole, occurrences, paragraphs

# The words before a place that send forces there; strong ones first.
_PLACE_WORDS = (
    r"(?:city|town|village|province|region|state|district|area|port|border|capital|outskirts|front|approaches|gates"
    r"|edge|vicinity|direction|axis)"
)
# "the town of", "its southern", "the besieged city of": the words between a word of direction and a name.
_COMPASS = r"(?:(?:north|south|east|west)(?:ern|-?(?:east|west)(?:ern)?)?|central)"
_LEAD = rf"(?:(?:the|its|their)\s+)?(?:{_COMPASS}\s+)?(?:(?:[\w-]+\s+){{0,2}}{_PLACE_WORDS}\s+(?:of\s+)?)?"
_TOWARD = r"(?:to|toward|towards|into|for|reach|reached|reaching)"
_STRONG = re.compile(rf"\b(?:{_TOWARD}|join|joined|bound for)\s+{_LEAD}$", re.I)
_WEAK = re.compile(rf"\b(?:in|at|near|around|on|inside|outside)\s+{_LEAD}$", re.I)
# An unlisted place right after a strong word ("had left Yerevan for Karabakh").
_NAMED_AFTER = re.compile(
    rf"\b{_TOWARD}\s+{_LEAD}"
    r"((?:al-|el-)?[A-Z][\w'’-]*(?:\s+(?:of\s+)?[A-Z][\w'’-]*){0,3})"
)
# A word of nationality: "Syrian", "Congolese", "Turkish", "Iraqi".
_ADJECTIVE = re.compile(r"[A-Z][a-z]+(?:an|ese|ish|i)")
# A place in a phrase of origin: "from the military base at", "from positions near".
_LEFT_FROM = re.compile(r"\bfrom\s+(?:(?!(?:to|toward|towards|into|for|via|and|reach\w*)\s)[\w'’-]+\s+){0,4}$", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")


def _sentence(article: str, pos: int) -> tuple[int, int]:
    """(start, end) of the sentence around offset ``pos``, inside its paragraph."""
    start, end = next(((s, e) for s, e in paragraphs(article) if s <= pos < e), (0, len(article)))
    for m in _SENTENCE_END.finditer(article, start, end):
        if m.end() <= pos:
            start = m.end()
        else:
            return start, m.end()
    return start, end


def _forces_at(article: str, r: Reinforcement) -> int | None:
    """Where the forces stand: the occurrence whose sentence also names the sender, else the first."""
    spots = [s for s in occurrences(article, r.forces) if is_whole(article, s, r.forces)]
    for s in spots:
        lo, hi = _sentence(article, s)
        if fold(r.sender) in fold(article[lo:hi]):
            return s
    return spots[0] if spots else None


def _places(data: ConflictSummary) -> dict[str, str]:
    """Each listed place mention (folded) -> the listed name it stands for."""
    out: dict[str, str] = {}
    for loc in data.locations:
        for m in [loc.name, *loc.aliases]:
            if is_place_name(m):
                out.setdefault(fold(m), loc.name)
    return out


def _count(article: str, mentions: list[str]) -> int:
    return sum(1 for m in mentions for s in occurrences(article, m) if is_whole(article, s, m))


def main_place(data: ConflictSummary, article: str, avoid: set[str] = frozenset()) -> str | None:
    """The listed place, not a country, that the article names most often (first listed on a tie)."""
    best, most = None, 0
    for loc in data.locations:
        if loc.type == "country" or fold(loc.name) in avoid:
            continue
        n = _count(article, [m for m in [loc.name, *loc.aliases] if is_place_name(m)])
        if n > most:
            best, most = loc.name, n
    return best


def _listed_in(listed: dict[str, str], name: str) -> str | None:
    """The listed place that ``name`` is, or whose shortest mention holds it as a whole word ("Karabakh"
    in "Nagorno-Karabakh")."""
    key = fold(name)
    if key in listed:
        return listed[key]
    holders = [k for k in listed if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", k)]
    return listed[min(holders, key=len)] if holders else None


def _listed_between(article: str, lo: int, hi: int, listed: dict[str, str], avoid: set[str]) -> list[tuple[int, str]]:
    """(offset, listed name) of each whole mention of a listed place in ``article[lo:hi]``, but those in
    ``avoid``."""
    out = []
    for key, name in listed.items():
        if fold(name) in avoid:
            continue
        for m in re.finditer(r"\s+".join(map(re.escape, key.split())), article[lo:hi], re.IGNORECASE):
            if is_whole(article, lo + m.start(), m.group()):
                out.append((lo + m.start(), name))
    return out


# A place pointed to by its kind alone after a word of going or holding: "into the pocket", "to hold the dam".
_THE_KIND = re.compile(
    rf"\b(?:{_TOWARD}|to\s+(?:hold|defend|protect|secure|guard|retake|recapture|reinforce))\s+the\s+([a-z]+)\b"
)


def _named_by_kind(word: str, listed: dict[str, str], avoid: set[str]) -> str | None:
    """The one listed place whose name of two words or more ends with ``word`` ("dam" -> "Tishreen Dam",
    "pocket" -> "Bihac pocket"), else None."""
    names = {
        name for key, name in listed.items() if " " in key and key.rsplit(" ", 1)[1] == word and fold(name) not in avoid
    }
    return names.pop() if len(names) == 1 else None


def destination_in(article: str, at: int, length: int, listed: dict[str, str], avoid: set[str]) -> str | None:
    """The place the sentence around ``article[at:at+length]`` sends the forces to, or None."""
    lo, hi = _sentence(article, at)
    strong: list[tuple[int, str]] = []
    weak: list[tuple[int, str]] = []
    for s, name in _listed_between(article, lo, hi, listed, avoid):
        if at <= s < at + length:
            continue
        before = article[lo:s]
        if _LEFT_FROM.search(before):
            continue  # "from the military base at Mozdok": where they come from
        if _STRONG.search(before):
            strong.append((s, name))
        elif _WEAK.search(before):
            weak.append((s, name))
    for m in _NAMED_AFTER.finditer(article, lo, hi):
        name = m.group(1)
        if _ADJECTIVE.fullmatch(name) and re.match(r"\s+[a-z]", article[m.end(1) :]):
            continue  # "towards the Syrian border": a nationality word, no place
        if is_place_name(name) and fold(name) not in avoid:
            strong.append((m.start(1), _listed_in(listed, name) or name))
    for m in _THE_KIND.finditer(article, at + length, hi):  # "to hold the dam": the listed "Tishreen Dam"
        named = _named_by_kind(m.group(1), listed, avoid)
        if named:
            strong.append((m.start(1), named))
    for found in (strong, weak):
        if found:  # the first after the forces, else the last before them
            after = [f for f in found if f[0] >= at]
            return _with_kind(article, *(min(after) if after else max(found)))
    return None


# A lower-case word after a place's name that makes it a more specific place ("Bambari airfield", "Batken
# region"): the guide's destination is the most specific place the article names.
_KIND_WORD = re.compile(
    r"\s+(?:region|province|district|governorate|county|oblast|prefecture|airfield|airport|air base|bridge|dam"
    r"|barracks|border crossing|crossing|checkpoint|valley)\b"
)


def _with_kind(article: str, at: int, name: str) -> str:
    """``name``, written at ``at``, with the word for its kind that follows it there, if any."""
    end = at + len(name)
    if fold(article[at:end]) != fold(name) or not (m := _KIND_WORD.match(article, end)):
        return name
    return article[at : m.end()]


# "rushing more ammunition to the army": the forces go to a side, not to a place.
_TO_A_SIDE = re.compile(
    r"\b(?:to|for)\s+(?:the|its|their|his|her)\s+(?:[\w'’-]+\s+){0,2}(?:army|armed forces|forces|military|government"
    r"|troops|rebels|fighters|militias?|allies|ally|police|authorities)\b",
    re.I,
)


def to_an_actor(article: str, at: int) -> bool:
    """Whether the sentence around offset ``at`` sends the forces to a side ("to the army") after them."""
    _, hi = _sentence(article, at)
    return bool(_TO_A_SIDE.search(article, at, hi))


def _kind_in_sentence(article: str, at: int, place: str) -> str:
    """``place`` with the word for its kind that follows it in the sentence around ``at`` ("Batken" ->
    "Batken region" where the forces go "to its southern Batken region")."""
    lo, hi = _sentence(article, at)
    for s in occurrences(article[lo:hi], place):
        if is_whole(article, lo + s, place) and (longer := _with_kind(article, lo + s, place)) != place:
            return longer
    return place


def _whole_name(article: str, data: ConflictSummary, place: str) -> str:
    """The listed place whose name holds ``place`` wherever the article writes it ("Dam" -> "Tishreen Dam"),
    else ``place``: a piece of a name the article never writes alone is no place of its own."""
    names = [m for loc in data.locations for m in [loc.name, *loc.aliases]]
    if any(fold(place) == fold(n) for n in names):
        return place
    for loc in data.locations:
        if has_whole_word(loc.name, place) and only_in(place, loc.name, article):
            return loc.name
    return place


# A sentence that goes on about the same forces ("The troops, including a special forces battalion,
# arrived in Morales ..."): its subject refers back to them, and a verb of arrival names where they got to.
_BACK_REFERENCE = re.compile(
    r"^[\"“]?(?:(?:The|These|Those)\s+(?:[\w-]+\s+){0,2}?(?:troops|soldiers|reinforcements|forces|units|fighters"
    r"|battalions?|brigades?|companies|commandos|marines|paratroopers|policemen|convoys?|columns?)|They)\b"
)
_ARRIVED = re.compile(
    rf"\b(?:arrived|landed|deployed|reached|were\s+(?:flown|sent|airlifted|moved))\b[^.;]{{0,40}}?"
    rf"(?:\b(?:in|at|to|into|on)\s+{_LEAD}|reached\s+{_LEAD})$"
    rf"|\b(?:were|was)\s+(?:going|heading|moving|driving)\s+(?:to|toward|towards|for)\s+{_LEAD}$",
    re.I,
)
# Kinds of place wide enough that forces sent there arrive somewhere inside them.
_WIDE = {"country", "region", "province", "state", "district"}


def arrival_place(article: str, at: int, listed: dict[str, str], avoid: set[str]) -> str | None:
    """The listed place that one of the next two sentences after the forces' one (at ``at``) says they
    arrived in, when its subject refers back to them (``_BACK_REFERENCE``), else None."""
    _, end = _sentence(article, at)
    for _ in range(2):
        while end < len(article) and article[end].isspace():
            end += 1  # past a paragraph's break: the next paragraph's first sentence
        lo, hi = _sentence(article, end) if end < len(article) else (end, end)
        if hi <= lo:
            return None
        text = article[lo:hi]
        if _BACK_REFERENCE.match(text.lstrip()):
            found = [
                (s, n) for s, n in _listed_between(article, lo, hi, listed, avoid) if _ARRIVED.search(article[lo:s])
            ]
            if found:
                return min(found)[1]
        end = hi
    return None


# The sentence says it does not tell where the forces go.
_WHERE_UNSAID = re.compile(
    r"\b(?:without saying|not saying|(?:did|does|do|would|could) not say|declined to say|refused to say)\s+where\b",
    re.I,
)


def where_unsaid(article: str, at: int) -> bool:
    """Whether the sentence at ``at`` says it does not tell where the forces go ("two more brigades had been
    ordered to join the operation, without saying where they would be deployed"): their destination is null."""
    lo, hi = _sentence(article, at)
    return bool(_WHERE_UNSAID.search(article, lo, hi))


def _written_once(article: str, forces: str) -> bool:
    """Whether the article writes ``forces`` once, as whole words (then its sentence is theirs)."""
    return len([s for s in occurrences(article, forces) if is_whole(article, s, forces)]) == 1


def _origin_not_destination(
    article: str, at: int, r: Reinforcement, listed: dict[str, str], actors: set[str], types: dict[str, str]
) -> Reinforcement:
    """``r`` with its destination mended from the forces' sentence (at ``at``): one the sentence writes
    only after "from" ("would arrive from neighbouring Sonora state") is where they come from, so it
    becomes the origin and the destination is null (filled later); one the sentence does not write at
    all gives way to the place the sentence sends them to ("moving north from the Qayyara air base toward
    the southern edge of Mosul"; ``destination_in``), unless that place is a wide one (a country, region,
    province or district) that may hold the model's."""
    lo, hi = _sentence(article, at)
    dest = r.destination or ""
    spots = [lo + s for s in occurrences(article[lo:hi], dest) if is_whole(article, lo + s, dest)]
    if spots and all(_LEFT_FROM.search(article[lo:s]) for s in spots):
        return r.model_copy(update={"destination": None, "origin": dest})
    if not spots and not has_whole_word(fold(article[lo:hi]), fold(dest)):
        avoid = {fold(x) for x in (r.origin, r.sender) if x} | actors
        there = destination_in(article, at, len(r.forces), listed, avoid)
        # a wide place there ("to the province of Harn") leaves the model's more specific one ("Tolm")
        if there and fold(there) != fold(dest) and types.get(fold(listed.get(fold(there), there))) not in _WIDE:
            return r.model_copy(update={"destination": there})
    return r


def fill_destinations(data: ConflictSummary, article: str) -> ConflictSummary:
    """Reinforcements whose destination is null or names no place get the place their sentence sends
    them to, else the story's main place; a destination that is a place name is kept."""
    if not data.reinforcements:
        return data
    listed = _places(data)
    # a town the answer also lists as a side ("Vukovar") is still a place forces can go to
    actors = {fold(m) for b in data.belligerents for m in [b.name, *b.aliases]} - set(listed)
    types = {fold(m): loc.type for loc in data.locations for m in [loc.name, *loc.aliases]}
    out = []
    for r in data.reinforcements:
        at = _forces_at(article, r)
        once = at is not None and _written_once(article, r.forces)  # then the forces' sentence is theirs
        if once and where_unsaid(article, at):
            out.append(r if r.destination is None else r.model_copy(update={"destination": None}))
            continue
        if r.destination and is_place_name(r.destination) and once:
            r = _origin_not_destination(article, at, r, listed, actors, types)
        if r.destination and is_place_name(r.destination):
            whole = _whole_name(article, data, r.destination)
            if whole == r.destination and at is not None:
                whole = _kind_in_sentence(article, at, whole)
            if at is not None and types.get(fold(whole)) in _WIDE:
                avoid = {fold(x) for x in (r.origin, r.sender, whole) if x} | actors
                whole = arrival_place(article, at, listed, avoid) or whole
            out.append(r if whole == r.destination else r.model_copy(update={"destination": whole}))
            continue
        avoid = {fold(x) for x in (r.origin, r.sender) if x} | actors
        dest = destination_in(article, at, len(r.forces), listed, avoid) if at is not None else None
        dest = dest or (None if at is not None and to_an_actor(article, at) else main_place(data, article, avoid))
        out.append(r.model_copy(update={"destination": dest}))
    return data.model_copy(update={"reinforcements": out})


# "CULIACAN, Mexico (Meridian News) -": the place after the city's comma (not a date: "Nov 24").
_DATELINE_PLACE = re.compile(r"^[A-Z][A-Z.'’ /-]+,\s+(?P<place>[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*){0,4})")
_MONTH = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b")


def add_dateline_country(data: ConflictSummary, article: str) -> ConflictSummary:
    """The answer with the country of a "CITY, Country" dateline listed (type country) when the answer
    lists belligerents, does not list that country, and the story also names it outside the dateline:
    the guide lists the country the conflict is in, and the wire names it after a city it expects
    readers not to know."""
    span = dateline(article)
    if span is None or not data.belligerents or len(data.locations) >= MAX_LOCATIONS:
        return data
    m = _DATELINE_PLACE.match(article, span[0], span[1])
    if m is None or _MONTH.match(m.group("place")):
        return data
    country = m.group("place").strip()
    listed = {fold(x) for loc in data.locations for x in [loc.name, *loc.aliases]}
    body = article[: span[0]] + " " * (span[1] - span[0]) + article[span[1] :]
    if fold(country) in listed or not is_place_name(country) or not has_whole_word(body, country):
        return data
    added = Location(name=country, aliases=[], type="country", within=None)
    return data.model_copy(update={"locations": [*data.locations, added]})


def add_home_countries(data: ConflictSummary, article: str) -> ConflictSummary:
    """The answer with the country of each combatant that is a state's own forces ("Malian Armed Forces"
    -> Mali, "Kyrgyz forces" -> Kyrgyzstan) listed as a location (type country), when the article writes
    that country's name and the answer lists no place by it: the guide lists the country the conflict is
    in, and a state attacked on its own territory."""
    listed = {fold(x) for loc in data.locations for x in [loc.name, *loc.aliases]}
    added: list[Location] = []
    for b in data.belligerents:
        country = state_of(b.name, article) if b.role == "combatant" else None
        if country is None or fold(country) in listed or not is_country(country):
            continue
        if not has_whole_word(article, country) or len(data.locations) + len(added) >= MAX_LOCATIONS:
            continue
        added.append(Location(name=country, aliases=[], type="country", within=None))
        listed.add(fold(country))
    if not added:
        return data
    return data.model_copy(update={"locations": [*data.locations, *added]})


# Words that follow a place's name to say what kind of place it is ("al-Bayda province").
_KIND_AFTER = rf"(?:province|region|state|district|governorate|county|oblast|prefecture|{SITE_WORDS})"
_KIND_TYPES = {"province": "province", "region": "region", "district": "district", "governorate": "province"}
_KIND_TYPES |= {w: "site" for w in SITE_WORDS.split("|")}


def full_place_names(data: ConflictSummary, article: str) -> ConflictSummary:
    """Listed places that the article never names without a word for their kind after them ("al-Bayda"
    where it only writes "al-Bayda province") take the name as written, with that type (province, region
    or district), in their ``within`` and in reinforcements too. A name that also stands alone ("Hama",
    beside "Hama province") may be the city as well and is left as it is; one listed beside its full name
    ("Leilek" beside "Leilek district") goes."""
    renamed: dict[str, str] = {}
    kinds: dict[str, str] = {}
    dropped: set[str] = set()
    taken = {fold(loc.name) for loc in data.locations}
    for loc in data.locations:
        if re.search(rf"\s{_KIND_AFTER}$", loc.name, re.I):
            continue
        after = [
            re.match(rf"\s+({_KIND_AFTER})\b", article[at + len(loc.name) :])
            for at in occurrences(article, loc.name)
            if is_whole(article, at, loc.name)
        ]
        words = {m.group(1) for m in after if m}
        if not after or not all(after) or len(words) != 1:
            continue
        word = words.pop()
        full = f"{loc.name} {word}"
        if not has_whole_word(article, full):
            continue
        renamed[fold(loc.name)] = full
        if fold(full) in taken:
            dropped.add(fold(loc.name))  # "Leilek" beside "Leilek district": one place
        else:
            kinds[full] = _KIND_TYPES.get(word.casefold(), loc.type)
    if not renamed:
        return data

    def new(name: str | None) -> str | None:
        return renamed.get(fold(name), name) if name else name

    locations = [
        loc.model_copy(
            update={"name": new(loc.name), "type": kinds.get(new(loc.name) or "", loc.type), "within": new(loc.within)}
        )
        for loc in data.locations
        if fold(loc.name) not in dropped
    ]
    reinforcements = [
        r.model_copy(update={"destination": new(r.destination), "origin": new(r.origin)}) for r in data.reinforcements
    ]
    return data.model_copy(update={"locations": locations, "reinforcements": reinforcements})
