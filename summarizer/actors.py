"""One belligerent per armed actor, named as the guide wants it, after every other rule has run.

A small model, and the rules and second look that add to its answer, can leave an actor listed twice or
a non-actor listed as one. This last stage, deterministic and model-free, mends these shapes of that:

* an acronym listed on its own beside the name that spells it out in brackets ("FMLN" beside
  "Farabundo Marti National Liberation Front (FMLN)"), or two items whose names share a distinctive
  word and whose aliases share an acronym ("JNA" under both "Yugoslav federal army" and "Yugoslav
  People's Army"): one item, the first, with the other's mentions as aliases;
* aliases that are no mention of an actor: a clause or a date ("the town, on Wednesday", "border for a
  second day on Thursday") or a place with its kind ("Syria's Aleppo province");
* a belligerent that is a listed town, city, village, district or site ("Vukovar"): under the guide, a
  place standing for a side is at most that side's alias, never a belligerent of its own; it is kept
  when a reinforcement names it as sender;
* a bare adjective of nationality ("Cuban", "Turkish") named as an actor when the article writes the
  country ("Cuba", "Turkey"): the country becomes the name, the adjective an alias; weapons of a nation
  named as an actor ("Russian tanks and artillery") likewise, or fold into the country where it is listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from summarizer.candidates import used_as_adjective
from summarizer.countries import country_of_capital, stands_for
from summarizer.parse import (
    _COMPASS,
    _fold_into,
    _merge_acronyms,
    _stems,
    initials,
    is_proper_name,
    merge_state_forces,
    state_of,
    unbracketed,
)
from summarizer.schema import MAX_ALIASES, Belligerent, ConflictSummary
from summarizer.second_look import _demonym
from summarizer.textspans import fold
from summarizer.validate import _loose

_DAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
# an alias that is a clause, a date or a place named with its kind, never a mention of an actor
_NOT_AN_ALIAS = re.compile(
    rf",|\b(?:on|since|by|until|last|this)\s+(?:{_DAYS})\b"
    r"|\b(?:province|district|region|governorate|county|city|town|village|prefecture|municipality)$",
    re.IGNORECASE,
)
# kinds of listed places that can stand for a side but never be one (countries and regions can be states)
_PLACE_KINDS = {"city", "town", "village", "district", "site"}
# an adjective of nationality on its own: "Cuban", "Turkish", "Congolese", "Iraqi"
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:an|ian|ese|ish|i)$")
# weapons of one nationality named as an actor: "Russian tanks and artillery", "Turkish drones"
_KIT = re.compile(
    r"^([A-Z][a-z]+(?:an|ian|ese|ish|i))\s+(?:(?:tanks?|artillery|armou?r|drones?|aircraft|warplanes|jets|helicopters"
    r"|gunships|missiles|rockets|armou?red vehicles|vehicles|warships|ships|boats)(?:,?\s+and\s+|,\s*|$))+$"
)
_ALL_CAPS = re.compile(r"^[A-Z]{2,6}$")  # an acronym alias ("JNA")


def _country_of(demonym: str, article: str) -> str | None:
    """The country ``demonym`` is an adjective of, when the article writes it as a word of its own:
    "Cuban" -> "Cuba", "Turkish" -> "Turkey", "Congolese" -> "Congo", "Iraqi" -> "Iraq"."""
    w = demonym
    stems = [w[:-1], w[:-2], w[:-2] + "a", w[:-3] + "a", w[:-3] + "ey", w[:-3] + "y", w[:-3], w[:-4] + "o", w[:-4]]
    stems += [w + "stan", w + "istan"]  # "Kyrgyz" -> "Kyrgyzstan", "Tajik" -> "Tajikistan"
    for stem in dict.fromkeys(s for s in stems if len(s) >= 3):
        if stem != w and re.search(rf"(?<![\w-]){re.escape(stem)}(?![\w-])", article):
            return stem
    return None


def _acronyms(item: Belligerent) -> set[str]:
    return {_loose(x) for x in item.aliases if _ALL_CAPS.match(x.strip())}


def _shared_alias_folds(items: list[Belligerent]) -> list[Belligerent]:
    """Items whose names share a distinctive word and that share an acronym among their aliases ("JNA"
    under "Yugoslav federal army" and "Yugoslav People's Army") are one: the later folds into the earlier.
    A shared alias alone is not enough: a small model also lists the enemy's name as an alias."""
    return _fold_pairs(items, lambda a, b: bool(_acronyms(a) & _acronyms(b) and _stems(a.name) & _stems(b.name)))


def _fold_pairs(
    items: list[Belligerent], same: Callable[[Belligerent, Belligerent], bool], both_ways: bool = False
) -> list[Belligerent]:
    """``items`` with the second of the first pair (a, b) for which ``same(a, b)`` holds folded into the
    first, again until no pair holds; pairs in list order, a before b unless ``both_ways``."""
    while True:
        pair = next(
            (
                (a, b)
                for i, a in enumerate(items)
                for b in (items if both_ways else items[i + 1 :])
                if a is not b and same(a, b)
            ),
            None,
        )
        if pair is None:
            return items
        items = _fold_into(items, pair[1], pair[0])


# A named body with a word for its members after it ("Croatian National Guard fighters", "National Guard
# units in Vukovar"): the body is the actor.
_MEMBERS_TAIL = re.compile(
    r"^(?P<body>.*\b(?:Guards?|Army|Front|Forces|Movement|Brigades?|Corps|Police|Militia|Council|Division"
    r"|Battalion|Regiment))\s+(?:units|fighters|troops|forces|soldiers|members|militiamen)"
    r"(?:\s+(?:in|of|at|near|from|around)\s+.+)?$"
)
_BODY_END = re.compile(
    r"\b(?:Guards?|Army|Front|Forces|Movement|Brigades?|Corps|Police|Militia|Council|Division|Battalion|Regiment)$"
)


# Between two names of a list joined by "and", each with an optional bracketed acronym: "the Union of Forces
# for Democracy and Development (UFDD), the UFDD-Fundamental and the Rally of Forces for Change (RFC)".
_ACR_AFTER = r"(?:\s+\([A-Z][\w-]{1,9}\))?\)?"
_AND = rf"{_ACR_AFTER},?\s+and\s+(?:the\s+)?"
_COMMA = rf"{_ACR_AFTER},\s+(?:the\s+)?"
_LIST_GOES_ON = rf"{_ACR_AFTER},?\s+and\b"
# An acronym, with digits or a hyphen: "RFC", "SPLA-IO", "M23".
_ACRONYM_LIKE = re.compile(r"[A-Z][A-Z0-9-]{1,9}")
# A group word after two names joined by "and": "Shams al-Shamal and Thuwar al-Raqqa brigades".
_GROUP_TAIL = re.compile(r"\s+(?:brigades|groups|units|factions|militias|movements)$")


def _forms(mention: str, article: str) -> list[str]:
    """``mention`` and, for an acronym the article spells out before it in brackets, the spelled-out name."""
    out = [mention]
    if _ACRONYM_LIKE.fullmatch(mention.strip()):
        spelled = re.search(
            rf"((?:[A-Z][\w'’-]*)(?:\s+(?:(?:of|for|and|the|de|du|del)\s+)*[A-Z][\w'’-]*)*)\s+\({re.escape(mention)}\)",
            article,
        )
        if spelled:
            # the words whose initials spell the acronym ("the UFDD-Fundamental and the Rally of Forces for
            # Change (RFC)" -> "Rally of Forces for Change"), else the shortest run from its first letter with
            # no "and" ("Sudan People's Liberation Army-in-Opposition (SPLA-IO)")
            words = spelled.group(1).split()
            runs = [" ".join(words[k:]) for k in range(len(words) - 1, -1, -1) if words[k][:1].isupper()]
            letters = re.sub(r"[^A-Z]", "", mention)
            exact = [r for r in runs if initials(r) == letters]
            loose = [r for r in runs if r[:1] == letters[:1] and " and " not in r and len(r.split()) > 1]
            if exact or loose:
                out.append((exact or loose)[0])
    return out


def _joined(a: str, b: str, article: str) -> bool:
    """Whether the article lists ``a`` and ``b`` as two names of one list: "A and B", "A, B and C" (never
    when one spells the other out)."""
    xs, ys = _forms(a, article), _forms(b, article)
    if {_the_less(x) for x in xs} & {_the_less(y) for y in ys}:
        return False
    xs, ys = xs + _short_forms(a, article), ys + _short_forms(b, article)
    for x in xs:
        for y in ys:
            for first, second in ((x, y), (y, x)):
                f, s2 = re.escape(first), re.escape(second)
                if re.search(rf"(?<![\w-]){f}{_AND}{s2}(?![\w-])", article) or re.search(
                    rf"(?<![\w-]){f}{_COMMA}{s2}(?![\w-]){_LIST_GOES_ON}", article
                ):
                    return True
    return False


def _named(mention: str) -> bool:
    """A proper name or an acronym, not a description ("the armed wing of the main opposition movement")."""
    return is_proper_name(mention) or bool(_ACRONYM_LIKE.fullmatch(mention.strip()))


# "the Badr Organisation" is also written "Badr": the name without its generic last word.
_GENERIC_TAIL = re.compile(r"\s+(?:Organi[sz]ation|Movement|Group|Brigades?|Party|Front|Militia)$")


def _short_forms(mention: str, article: str) -> list[str]:
    """``mention`` without "the" and its generic last word, where the article writes it so on its own."""
    short = _GENERIC_TAIL.sub("", re.sub(r"^the\s+", "", mention.strip(), flags=re.IGNORECASE))
    if short != mention.strip() and re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])(?!\s+[A-Z])", article):
        return [short]
    return []


def _known_as_folds(items: list[Belligerent], article: str) -> list[Belligerent]:
    """An item the article gives as another's other name folds into it: the other's name, then nothing, a
    comma or an aside of its own, then "(also) known as" ("the Counter-Terrorism Service, the U.S.-trained
    unit also known as the Golden Division"); not "X and allied militias known as Y"."""

    def known_as(a: Belligerent, b: Belligerent) -> bool:
        pattern = (
            rf"(?<![\w-]){re.escape(a.name)}(?![\w-])(?:,\s+(?:the|an?)\s+[^,;:\"“”]{{0,60}}?\s+|,?\s+)"
            rf"(?:also\s+)?known(?:\s+in\s+\w+)?\s+as\s+(?:the\s+)?{re.escape(b.name)}(?![\w-])"
        )
        m = re.search(pattern, article)
        return bool(m and " and " not in m.group() and not re.search(r"[.!?]\s+[A-Z]", m.group()))

    return _fold_pairs(items, known_as, both_ways=True)


def _the_less(name: str) -> str:
    return fold(re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE))


def _split_coordinated(items: list[Belligerent], article: str) -> list[Belligerent]:
    """Aliases that name another group become items of their own (same side and role): an alias the article
    lists with "and" beside the item's name or another of its aliases ("the Union of Forces for Democracy and
    Development (UFDD), the UFDD-Fundamental and the Rally of Forces for Change (RFC)": three groups; "X, or
    Y" is one), an acronym alias by the name it spells out ("RFC" -> "Rally of Forces for Change", the
    acronym its alias), and each part of an alias made of two proper names joined by "and" ("Shams al-Shamal
    and Thuwar al-Raqqa brigades": a plural word for groups after them; not "the Jammu and Kashmir Police", nor
    a name the article follows with its acronym). The bound on belligerents is kept by ``schema.within_bounds``."""
    out: list[Belligerent] = []
    for b in items:
        mentions = [b.name, *b.aliases]
        own = {_the_less(f) for f in _forms(b.name, article)}  # the name, spelled out where it is an acronym
        keep: list[str] = []
        split: list[tuple[str, list[str]]] = []
        for alias in b.aliases:
            if own & {_the_less(f) for f in _forms(alias, article)}:
                keep.append(alias)  # the name spelled out, or its acronym
                continue
            bare = _GROUP_TAIL.sub("", alias.strip())
            parts = [p.strip() for p in bare.split(" and ")] if " and " in bare and bare != alias.strip() else []
            named = not re.search(rf"{re.escape(alias.strip())}\s+\(", article)
            if named and len(parts) == 2 and all(is_proper_name(p) for p in parts):
                split.extend((p, []) for p in parts)
                continue
            if _named(alias) and any(_joined(m, alias, article) for m in mentions if m != alias and _named(m)):
                forms = _forms(alias, article)
                split.append((forms[-1], [alias] if len(forms) > 1 else []))
                continue
            keep.append(alias)
        if not split:
            out.append(b)
            continue
        out.append(b.model_copy(update={"aliases": keep}))
        for name, acronym in split:
            if any(fold(name) == fold(m) for x in [*out, *items] for m in [x.name, *x.aliases] if x is not b):
                continue
            out.append(Belligerent(name=name, aliases=acronym, side=b.side, role=b.role))
    return out


def split_listed_groups(data: ConflictSummary, article: str) -> ConflictSummary:
    """The answer with aliases that name other groups made belligerents of their own (``_split_coordinated``),
    before the reinforcements are read, so that a movement of "the RFC" has the RFC as its sender."""
    out = _split_coordinated(data.belligerents, article)
    return data if out == data.belligerents else data.model_copy(update={"belligerents": out})


def _bare_names(items: list[Belligerent], article: str) -> list[Belligerent]:
    """Items named as a body's members take the body's name where the article writes it."""
    out = []
    for b in items:
        m = _MEMBERS_TAIL.match(b.name.strip())
        if m and re.search(rf"(?<![\w-]){re.escape(m.group('body'))}(?![\w-])", article):
            body = m.group("body")
            keep = [b.name] if " in " not in b.name and " near " not in b.name else []
            aliases = [a for a in dict.fromkeys([*keep, *b.aliases]) if fold(a) != fold(body)]
            b = b.model_copy(update={"name": body, "aliases": aliases[:MAX_ALIASES]})
        out.append(b)
    return out


def _part_folds(items: list[Belligerent], article: str, places: set[str]) -> list[Belligerent]:
    """An item whose name is the end of another's ("National Guard" of "Croatian National Guard"), a named
    body but not a nation's forces ("Syrian Army" is no part of "Free Syrian Army"), folds into it; so does
    a lone word that opens exactly one other item's name and stands in the article as an adjective ("Serb"
    of "Serb paramilitary volunteers"), unless it is a listed place."""
    changed = True
    while changed:
        changed = False
        for a in items:
            name = a.name.strip()
            words = name.split()
            national = re.search(r"(?:an|ese|ish|i)$", words[0]) or state_of(name, article)
            if len(words) >= 2 and _BODY_END.search(name) and not national:
                hosts = [b for b in items if b is not a and b.name.strip().endswith(" " + name)]
            elif len(words) == 1 and fold(name) not in places and used_as_adjective(name, article):
                hosts = [b for b in items if b is not a and b.name.strip().startswith(name + " ")]
            else:
                continue
            if len(hosts) == 1:
                items = _fold_into(items, a, hosts[0])
                changed = True
                break
    return items


def tidy_actors(data: ConflictSummary, article: str) -> ConflictSummary:
    """The module's mends on a finished answer (see the module docstring)."""
    senders = {_loose(r.sender) for r in data.reinforcements}
    places = {fold(loc.name) for loc in data.locations if loc.type in _PLACE_KINDS}
    out: list[Belligerent] = []
    gone: list[tuple[Belligerent, str]] = []
    for b in data.belligerents:
        aliases = [a for a in b.aliases if not _NOT_AN_ALIAS.search(a) or _loose(a) in senders]
        if fold(b.name) in places and _loose(b.name) not in senders:
            continue
        kit = _KIT.match(b.name.strip())
        if kit and (country := _country_of(kit.group(1), article)):
            # "Russian tanks and artillery": weapons are no actor, the state that sends them is
            if any(fold(country) == fold(x.name) for x in data.belligerents):
                gone.append((b, country))
            else:
                out.append(b.model_copy(update={"name": country, "aliases": [b.name, *aliases][:MAX_ALIASES]}))
            continue
        if _DEMONYM.match(b.name.strip()) and (country := _country_of(b.name.strip(), article)):
            if not any(fold(country) == fold(x.name) for x in data.belligerents):
                aliases = [b.name, *(a for a in aliases if fold(a) != fold(country))]
                b = b.model_copy(update={"name": country})
        if aliases != b.aliases:
            b = b.model_copy(update={"aliases": aliases[:MAX_ALIASES]})
        out.append(b)
    for b, country in gone:
        host = next(x for x in out if fold(x.name) == fold(country))
        out = _fold_into([*out, b], b, host)
    merged = _merge_acronyms([b.model_dump(exclude={"spans"}) for b in out], article)
    if len(merged) < len(out):
        out = [
            Belligerent.model_validate(m | {"aliases": list(dict.fromkeys(m["aliases"]))[:MAX_ALIASES]}) for m in merged
        ]
    out = _part_folds(_bare_names(out, article), article, {fold(loc.name) for loc in data.locations})
    out = _known_as_folds(_shared_alias_folds(out), article)
    if out == data.belligerents:
        return data
    return merge_state_forces(data.model_copy(update={"belligerents": out}), article)


_POSSESSIVE = re.compile(r"^(?P<owner>.+?)['’]s\s+(?P<place>.+)$")
_ARMED_LAST = re.compile(r"\b(?:military|militia|militias|paramilitaries|insurgents|guerrillas)$", re.IGNORECASE)


# "Tajik exclave", "Kyrgyz border": an adjective of nationality and lower-case words, a description
_DESCRIBED = re.compile(r"^([A-Z][a-z]+)(?:\s+[a-z]+){1,2}$")


def _acronym_of_actor(name: str, article: str, mentions: set[str]) -> bool:
    """Whether the article writes ``name``, not as the end of a longer name, with a listed actor's name or
    alias in brackets after it ("Tehrik-e-Taliban Pakistan (TTP)"): the name of that actor, not a place."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(name)}\s*\(([^()]{{1,40}})\)", article):
        if _loose(m.group(1)) in mentions and not _NAME_GOES_ON.search(article[max(0, m.start() - 40) : m.start()]):
            return True
    return False


# Words before a name that make it the end of a longer one ("Union for Peace in the Central African Republic")
_NAME_GOES_ON = re.compile(r"(?:\b(?:of|for|in|and|de|al)\s+(?:the\s+)?|\b(?!The\b|A\b|An\b)[A-Z][\w'’-]*\s+)$")


_COMPASS_OF = re.compile(rf"^(?:the\s+)?{_COMPASS}\s+(?P<place>.+)$", re.I)
_KIND_TAIL = re.compile(
    r"^(?P<place>.+?)\s+(?P<kind>district|province|region|state|governorate|county|territory|city|town|village)$", re.I
)
_KIND_OF_TYPE = {"governorate": "province", "county": "district", "territory": "district"}


def fold_place_variants(data: ConflictSummary) -> ConflictSummary:
    """One item per place: a part named by a compass word ("western Tigray" beside "Tigray") and a place
    named with its own type word ("Juba district" beside "Juba", typed district) are mentions of the listed
    place (the guide's aliases), not places of their own; "Hama province" beside the city "Hama" stays."""
    items = list(data.locations)
    by_name = {_loose(loc.name): loc for loc in items}
    for loc in list(items):
        host = None
        if m := _COMPASS_OF.match(loc.name.strip()):
            host = by_name.get(_loose(m.group("place")))
        elif m := _KIND_TAIL.match(loc.name.strip()):
            bare = by_name.get(_loose(m.group("place")))
            kind = m.group("kind").casefold()
            if bare is not None and bare.type == _KIND_OF_TYPE.get(kind, kind):
                host = bare
        if host is None or host is loc or host not in items or loc not in items:
            continue
        items = _fold_into(items, loc, host)
        by_name = {_loose(x.name): x for x in items}
    if len(items) == len(data.locations):
        return data
    folded = {_loose(m): x.name for x in items for m in x.aliases}
    items = [x.model_copy(update={"within": folded.get(_loose(x.within), x.within)}) if x.within else x for x in items]
    items = [
        x.model_copy(update={"within": None}) if x.within and _loose(x.within) == _loose(x.name) else x for x in items
    ]
    return data.model_copy(update={"locations": items})


def tidy_places(data: ConflictSummary, article: str) -> ConflictSummary:
    """The last mends of the location list: a name with a clause after a comma keeps the name ("North
    Waziristan, a district of ..." -> "North Waziristan", or goes when that is listed); a place named with
    its owner ("Syria's Aleppo province") goes when the place is listed, and leaves the owner in its stead
    when that is not; a nationality adjective with lower-case words ("Tajik exclave") takes its one-word
    proper alias or goes; a belligerent's name (other than a country: a state attacked at home is a place
    too) or one the article writes with an actor's acronym in brackets ("Tehrik-e-Taliban Pakistan (TTP)"),
    a body of armed men ("Georgian military") or an adjective of nationality ("Pakistani", the guide's "no
    nationality adjectives") is no location. A place that a reinforcement names is kept."""
    actors = {fold(b.name) for b in data.belligerents}  # not aliases: a capital can be a side's alias and a place
    actors |= {fold(unbracketed(b.name)) for b in data.belligerents}  # "FMLN" bracket left out
    mentions = {_loose(m) for b in data.belligerents for m in [b.name, *b.aliases]}
    moved = {fold(x) for r in data.reinforcements for x in (r.destination, r.origin) if x}
    listed = {fold(loc.name) for loc in data.locations}
    renamed: dict[str, str | None] = {}
    out = []
    for loc in data.locations:
        name = loc.name.strip()
        if fold(name) in moved:
            out.append(loc)
            continue
        described = _DESCRIBED.match(name)
        if described and _country_of(described.group(1), article):
            # "Tajik exclave", "Kyrgyz border": a description, named by a proper alias if it has one
            proper = [a for a in loc.aliases if a[:1].isupper() and not _POSSESSIVE.match(a) and " " not in a.strip()]
            if not proper or fold(proper[0]) in listed:
                renamed[loc.name] = None
                continue
            renamed[loc.name] = proper[0]
            out.append(loc.model_copy(update={"name": proper[0], "aliases": [], "type": "other"}))
            continue
        head = name.split(",")[0].strip()
        owned = _POSSESSIVE.match(name)
        if head == name and owned and fold(owned.group("place")) in listed and fold(owned.group("owner")) not in listed:
            # "Ethiopia's Amhara region" beside "Amhara region": the owner is the place this item adds
            owner = owned.group("owner")
            renamed[loc.name] = owner
            listed.add(fold(owner))
            kind = "country" if " " not in owner else "region"
            out.append(loc.model_copy(update={"name": owner, "aliases": [], "type": kind, "within": None}))
            continue
        if head != name:
            if not head or fold(head) in listed or fold(head) in renamed.values():
                renamed[loc.name] = None
                continue
            renamed[loc.name] = head
            loc = loc.model_copy(update={"name": head})
        elif (
            (owned and fold(owned.group("place")) in listed)
            or (fold(name) in actors and loc.type != "country")
            or _ARMED_LAST.search(name)
            or (loc.type != "country" and _demonym(name, article))
            or (_DEMONYM.match(name) and _country_of(name, article))
            or _acronym_of_actor(name, article, mentions)
        ):
            renamed[loc.name] = None
            continue
        out.append(loc)
    if not renamed:
        return data
    fixed = []
    for loc in out:
        if loc.within in renamed:
            loc = loc.model_copy(update={"within": renamed[loc.within]})
        fixed.append(loc)
    return data.model_copy(update={"locations": fixed})


def fold_capitals(data: ConflictSummary, article: str) -> ConflictSummary:
    """A belligerent named by a capital ("Zagreb", "Moscow") becomes an alias of the listed actor that is
    its country or the country's own body ("Croatian National Guard", "Russia"), the first such one; a
    sender named by a capital ("Bangui") is that actor. A capital whose country no listed actor stands for
    keeps its item (it is then the only name the answer has for that state's side)."""
    items = list(data.belligerents)
    hosts: dict[str, Belligerent | None] = {}

    def host_of(capital: str) -> Belligerent | None:
        country = country_of_capital(unbracketed(capital))
        if country is None:
            return None
        if country not in hosts:
            hosts[country] = next(
                (
                    b
                    for b in items
                    if country_of_capital(unbracketed(b.name)) is None
                    and (
                        any(stands_for(unbracketed(m), country) for m in [b.name, *b.aliases])
                        or fold(state_of(b.name, article) or "") == fold(country)
                    )
                ),
                None,
            )
        return hosts[country]

    renamed: dict[str, str] = {}
    for b in list(items):
        host = host_of(b.name)
        if host is not None:
            target = next(x for x in items if x.name == host.name)
            items = _fold_into(items, b, target)
            hosts = {}  # the host changed: look it up again
            renamed.update({fold(m): target.name for m in [b.name, *b.aliases]})
    senders = []
    for r in data.reinforcements:
        to = renamed.get(fold(r.sender))
        if to is None and (host := host_of(r.sender)) is not None:
            to = host.name
        senders.append(r if to is None else r.model_copy(update={"sender": to}))
    if items == data.belligerents and senders == data.reinforcements:
        return data
    return data.model_copy(update={"belligerents": items, "reinforcements": senders})
