"""Turn the model's JSON text into a clean ``ConflictSummary``.

The grammar already guarantees the shape; this stage removes what the grammar cannot forbid:
repeated items and aliases (one item per name, an alias never equal to its own name or repeated), and
reinforcements that are not one (forces that name no troops, weapons or equipment; one movement
claimed for several senders).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import regex

from summarizer.attribution import attribute_quotes, pattern_speakers, speaker_of
from summarizer.candidates import SITE_WORDS, enclosing_spans
from summarizer.grammar import quote_texts
from summarizer.schema import (
    MAX_ALIASES,
    MAX_BELLIGERENTS,
    MAX_LOCATIONS,
    MAX_QUOTE_TEXT,
    MAX_QUOTES,
    MAX_SIDE,
    Belligerent,
    ConflictSummary,
    Location,
    Quote,
)
from summarizer.textspans import dateline, has_whole_word, is_whole, occurrences, plain
from summarizer.textspans import fold as _norm
from summarizer.validate import _loose


class ParseError(ValueError):
    """The model's text is not the JSON the schema describes."""


def _dedupe_entities(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name: dict[str, dict[str, Any]] = {}
    for item in items:
        key = _norm(item["name"])
        if key in by_name:
            kept = by_name[key]
            kept["aliases"] = kept["aliases"] + [a for a in item.get("aliases", [])]
        else:
            by_name[key] = dict(item)
    out = []
    for item in by_name.values():
        seen = {_norm(item["name"])}
        aliases = []
        for alias in item.get("aliases", []):
            k = _norm(alias)
            if k not in seen:
                seen.add(k)
                aliases.append(alias)
        item["aliases"] = aliases[:MAX_ALIASES]
        out.append(item)
    return out


def _dedupe(items: list[dict[str, Any]], key_fields: tuple[str, ...]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for item in items:
        key = tuple(_norm(str(item.get(f))) for f in key_fields)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# What a reinforcement's ``forces`` must name (the guide: troops, fighters, weapons or equipment): a
# word of one of these stems. "2023", "two days of fighting" or "the information minister" name none.
_FORCE_WORD = re.compile(
    r"\b(?:reinforc|troop|soldier|fighter|combatant|battalion|brigade|regiment|division|corps|compan(?:y|ies)"
    r"|platoon|unit|squad|detachment|contingent|commando|marine|paratroop|guard|ranger|militia|police|gendarm"
    r"|officer|volunteer|gunm[ae]n|men\b|recruit|conscript|reservist|reserves|mercenar|jihadist|militant|rebel"
    r"|insurgent|force|personnel|member|tank|armou?r|vehicle|truck|pickup|helicopter|gunship|aircraft|jet"
    r"|warplane|plane|drone|artiller|howitzer|launcher|missile|rocket|mortar|weapon|arms\b|ammunition|munition"
    r"|equipment|suppl|air.defen[cs]e|system|boat|ship|vessel|convoy|column|numbers)",
    re.IGNORECASE,
)


def names_forces(forces: str) -> bool:
    """Whether a reinforcement's ``forces`` names troops, fighters, weapons or equipment, and some: not "no
    troops" or "none of its soldiers" (forces denied are none sent)."""
    return bool(_FORCE_WORD.search(forces)) and not re.match(r"\s*(?:no|none|not|neither|nor|without)\b", forces, re.I)


def _nearest(article: str, anchor: str, name: str) -> int:
    """Characters between the first occurrence of ``anchor`` and the nearest occurrence of ``name``."""
    at = article.find(anchor)
    spots = [m.start() for m in re.finditer(re.escape(name), article)]
    if at < 0 or not spots:
        return len(article)
    return min(abs(at - s) for s in spots)


def origin_written(article: str, origin: str) -> bool:
    """Whether the article gives ``origin`` as where something leaves from ("from the Zaporizhzhia
    region", "from its stronghold of Benghazi", "had left Yerevan", "units based in Mexico City"), not
    only as a sender's own country: the guide's origin is a place the article names, and each origin
    becomes a listed location."""
    return bool(
        re.search(
            rf"\b(?:(?:from|out of|left|leaving|departed|via)\s+(?:[\w'’,-]+\s+){{0,6}}?"
            rf"|(?:based|stationed|garrisoned)\s+(?:in|at)\s+(?:the\s+)?){re.escape(origin)}(?![\w])",
            article,
            re.IGNORECASE,
        )
    )


def _tidy_reinforcements(items: list[dict[str, Any]], article: str | None) -> list[dict[str, Any]]:
    """Drop reinforcements whose forces name nothing sent; an origin the article never gives as a place of
    leaving is null; where several senders claim the same forces, keep the sender written nearest to them
    (one movement is one item)."""
    items = [r for r in items if names_forces(str(r.get("forces", "")))]
    if article is None:
        return items
    items = [r if not r.get("origin") or origin_written(article, r["origin"]) else dict(r, origin=None) for r in items]
    by_forces: dict[str, list[dict[str, Any]]] = {}
    for r in items:
        by_forces.setdefault(_norm(r["forces"]), []).append(r)
    winner = {
        forces: _norm(min(group, key=lambda x: _nearest(article, x["forces"], x["sender"]))["sender"])
        for forces, group in by_forces.items()
        if len({_norm(x["sender"]) for x in group}) > 1
    }
    return [r for r in items if winner.get(_norm(r["forces"]), _norm(r["sender"])) == _norm(r["sender"])]


# A person's name as news writes it, titles included: two to five words, capitalised or a particle
# ("Eoin Prendergast", "Maj. Gen. Ali Dara", "Major General Thet Naing Oo", "Major Faraj al-Obeidi").
_NAME_WORD = r"(?:[A-Z][a-z]{0,3}\.|[A-Z][\w'’-]*|(?:al|el|bin|ibn|de|da|van|von)(?:-[A-Z][\w'’-]*)?)"
_PERSON = rf"(?:{_NAME_WORD}\s){{1,4}}(?:[A-Z]|(?:al|el)-[A-Z])[\w'’-]+"
# Capitalised only because they start a sentence: never the first word of a name.
_SENTENCE_STARTS = set(
    "The A An And But Or On In At After Before Later Earlier Then Meanwhile Also However When While Separately "
    "Yesterday Today".split()
)
_LEADING_JUNK = re.compile(r"^(?:and|or|but|while|as)\s+", re.IGNORECASE)


# Words that end the name of an organisation, not of a person ("Belfast Brigade", "Sahrawi Press Service").
_ORG_END = re.compile(
    r"\b(?:agency|press|news|radio|television|tv|party|alliance|union|association|committee|company|group"
    r"|brigades?|battalion|regiment|organi[sz]ation|institute|observatory|network|channel|council)$",
    re.IGNORECASE,
)


# "the spokesman", "the regional commander": a person named earlier, now called by title (the guide: use the name)
_TITLE_REF = re.compile(
    r"^the\s+(?:[a-z'’-]+\s+){0,2}(?P<head>spokes(?:man|woman|person)|commander|coordinator|governor|mayor|minister"
    r"|officer|official|chief|leader|general|colonel|director|secretary|envoy|administrator|chairman)$",
    re.IGNORECASE,
)


def _is_description(speaker: str) -> bool:
    """A speaker given by role rather than name: "ValuMart's managing director", "a military source",
    "LNA spokesman" (a name never ends in a lower-case word; "al-Obeidi" is not one)."""
    words = speaker.split()
    if not words:
        return False
    first, last = words[0], words[-1]
    return (
        first[0].islower()
        or first.endswith(("'s", "’s"))
        or first in {"The", "A", "An"}
        or (len(words) > 1 and last.isalpha() and last.islower())
    )


def resolve_speaker(speaker: str, article: str, not_people: set[str] | None = None) -> str:
    """The guide's rule "where a person is named once and later called by title, use the name": a
    description that the article puts next to a person's name ("Eoin Prendergast, ValuMart's managing
    director", "said the army spokesman, Col. Ali Dara", "a shopkeeper named Haji Mohammad") becomes that
    name; a leading "and" is dropped.
    ``not_people``: folded names known to be places or armed actors, never taken for a person."""
    speaker = _LEADING_JUNK.sub("", speaker).strip() or speaker
    if not _is_description(speaker):
        return speaker
    desc = re.escape(speaker)
    patterns = [
        rf"({_PERSON}),\s+{desc}(?!\w)",
        rf"(?<!\w){desc},?\s+(?:named\s+|called\s+)?({_PERSON})(?=[.,;:]|\s+said|\s+told|\s*$)",
    ]
    if title := _TITLE_REF.match(speaker):
        # "the spokesman" after "SDF spokesman Baran Khalil told ...", "the coordinator" after "Tesfaye Alemu,
        # the federal government's security coordinator", "the commander" after "X, who commands ..."
        head = title.group("head").lower()
        verb = re.escape(re.sub(r"(?:er|or|man|woman|person)$", "", head))
        patterns += [
            rf"\b{head}\s+({_PERSON})(?=[.,;:]|\s+(?:said|told|says|added|who|of|in|at|on)\b)",
            rf"({_PERSON}),\s+(?:the|a|an)\s+(?:[\w'’-]+\s+){{0,4}}?{head}\b",
            rf"({_PERSON}),\s+who\s+{verb}s\b",
        ]
    for pattern in patterns:
        for m in re.finditer(pattern, article):
            words = m.group(1).split()
            while len(words) > 2 and words[0] in _SENTENCE_STARTS:
                words.pop(0)
            name = " ".join(words)
            person = not _BODY_END.search(name) and not _ORG_END.search(name)  # "Belfast Brigade": none
            if (
                words[0] not in _SENTENCE_STARTS
                and person
                and name in article
                and _norm(name) not in (not_people or set())
            ):
                return name
    return speaker


# A "place" whose last word names people or an institution is not a place: "LNA spokesman", "Bosnian
# Serb army", "GNA's health ministry" ("Delmas 2 police station" ends in a place word and stays).
_NOT_A_PLACE = re.compile(
    r"\b(?:ministry|minister|commander|spokesman|spokeswoman|spokesperson|army|forces|government|brigades?"
    r"|militias?|police|officials?|troops|rebels|fighters|soldiers|militants|statement|envoy|envoys|nations"
    r"|observatory|council|agency|commission|committee|institute|organi[sz]ation|drones?|tanks?|missiles?|artillery"
    r"|weapons|aircraft|jets|helicopters|vehicles|rockets)$",
    re.IGNORECASE,
)
# Lower-case words that may open a place's name ("western Tigray", "west Belfast", "the Lachin corridor").
_PLACE_OPENERS = set(
    "the north south east west northern southern eastern western central northeastern northwestern southeastern "
    "southwestern north-east north-west south-east south-west upper lower greater inner outer old new".split()
)


_PARTICLE = re.compile(r"^(?:al|el|ad|ar|as|an|at|az|ash)-\w")
# A person's office "to" or "of" a place is no place: "U.N. envoy to Libya", "governor of Hama".
_OFFICE = re.compile(
    r"\b(?:envoy|ambassador|minister|ministry|spokes(?:man|woman|person)|commander|governor|mayor|president"
    r"|officials?|representative|delegation)\s+(?:to|of|for|in)\b",
    re.IGNORECASE,
)


def _fragments(locations: list[dict[str, Any]], article: str) -> list[dict[str, Any]]:
    """Locations without those that are no places of their own: a word the article writes only inside a
    longer place name the answer lists ("Democratic" of "Democratic Republic of Congo"; "Krajina" inside
    the actor "Krajina Serbs" stays), and two listed places joined as one ("Sanaa and from al-Bayda
    province")."""
    listed = {_loose(m) for item in locations for m in [item["name"], *item.get("aliases", [])]}
    kept = []
    for loc in locations:
        holders = enclosing_spans(loc["name"], article)
        if holders and any(_loose(h) in listed for h in holders):
            continue
        parts = re.split(r",?\s+and\s+(?:from\s+|in\s+|to\s+|into\s+)?", loc["name"])
        if len(parts) > 1 and all(_loose(p) in listed for p in parts):
            continue
        kept.append(loc)
    return kept


def unbracketed(s: str) -> str:
    """``s`` stripped, without a bracket at its end ("Malian Armed Forces (FAMa)" -> "Malian Armed Forces")."""
    return re.sub(r"\s*\([^()]*\)$", "", s.strip())


def is_place_name(name: str) -> bool:
    """True for a string that can name a place: no sentence inside it, opening with a capital (or a word
    such as "western"), and not ending in a word for people or an institution (``_NOT_A_PLACE``; a
    trailing bracket is left out: "Malian Armed Forces (FAMa)")."""
    name = name.strip()
    words = name.split()
    if not words or len(words) > 8 or re.search(r"\b[a-z]{2,}[.!?;:]\s", name):
        return False
    first = words[0]
    if not (first[0].isupper() or first[0].isdigit() or first.casefold() in _PLACE_OPENERS or _PARTICLE.match(first)):
        return False
    return not _NOT_A_PLACE.search(unbracketed(name)) and not _OFFICE.search(name)


def _drop_partial_words(data: dict[str, Any], article: str) -> dict[str, Any]:
    """Drop mentions that stand in the article only inside a longer word ("J" from "Jobar")."""

    def ok(s: str | None) -> bool:
        return s is None or has_whole_word(article, s)

    for field in ("belligerents", "locations"):
        if not isinstance(data.get(field), list):
            continue
        kept = []
        for item in data[field]:
            if not ok(item["name"]):
                continue
            item = dict(item, aliases=[a for a in item.get("aliases", []) if ok(a)])
            if field == "locations" and not ok(item.get("within")):
                item["within"] = None
            kept.append(item)
        data[field] = kept
    if isinstance(data.get("reinforcements"), list):
        kept = []
        for r in data["reinforcements"]:
            if ok(r["sender"]) and ok(r["forces"]):
                kept.append(dict(r, **{k: r.get(k) if ok(r.get(k)) else None for k in ("destination", "origin")}))
        data["reinforcements"] = kept
    return data


def _story_form(article: str, s: str, line: tuple[int, int], respell: bool = True) -> str | None:
    """``s`` if it stands in the article outside the dateline; else the story's own spelling of the same
    name ("Culiacán" for a dateline's "CULIACAN"); else None (the place is named only in the dateline)."""
    if any(is_whole(article, i, s) and not line[0] <= i < line[1] for i in occurrences(article, s)):
        return s
    if not respell:
        return None
    key, n = plain(s), len(s)
    for i in range(line[1], len(article) - n + 1):
        if is_whole(article, i, article[i : i + n]) and plain(article[i : i + n]) == key:
            return article[i : i + n]
    return None


def _undateline(items: list[dict[str, Any]], article: str, respell: bool = True) -> list[dict[str, Any]]:
    """The guide: a place named only in the dateline is not a location. A dateline mention that the story
    names too becomes the story's spelling (``respell``: for places); one the story does not name is dropped."""
    line = dateline(article)
    if line is None:
        return items
    kept = []
    for item in items:
        name = _story_form(article, item["name"], line, respell)
        if name is None:
            continue
        aliases = [f for f in (_story_form(article, a, line, respell) for a in item.get("aliases", [])) if f]
        item = dict(item, name=name, aliases=aliases)
        if item.get("within"):
            item["within"] = _story_form(article, item["within"], line)
        kept.append(item)
    return kept


# Not an armed actor (the guide: no monitors, news outlets, civilians, politicians): a person named with a
# title ("Colonel Dmytro Lysenko", "Deputy Defence Minister Mykola Dankevych"), or a name whose last word
# names people who speak or watch ("U.N. military observers", "Bosnian Serb army statement").
_PERSON_TITLE = regex.compile(
    r"^(?i:(?:(?:deputy|vice|acting|former|retired|chief|senior)\s+)*(?:colonel|col\.|lieutenant|lt\.|major|maj\."
    r"|captain|capt\.|brigadier|general|gen\.|admiral|sergeant|sgt\.|commander|president|premier|prime minister"
    r"|(?:\w+\s+){0,2}minister|(?:\w+\s+)?secretary|spokes(?:man|woman|person)|governor|mayor|senator|mr\.?|mrs\.?"
    r"|ms\.?|dr\.?))(?:\s+(?:\p{Lu}[\p{L}\p{M}'’.-]+|(?:al|el|bin|ibn|de|da|van|von)(?:-\S+)?))+$"
)
# Words that end the name of a body, not of a person: "General Staff", "General Command".
_BODY_END = re.compile(
    r"\b(?:staff|command|headquarters|corps|army|forces?|guards?|division|brigades?|council|ministry|police"
    r"|front|movement|office|service)$",
    re.IGNORECASE,
)
# The last word of an armed body's name, which a place's name never ends in.
_ARMED_END = re.compile(
    r"\b(?:army|forces|front|movement|alliance|coalition|corps|brigades?|division|battalions?|regiments?"
    r"|militias?|guards?|group)$",
    re.IGNORECASE,
)
_NOT_AN_ACTOR = re.compile(
    r"\b(?:statements?|officials?|observers?|spokes(?:man|woman|person|men|women)|sources?|correspondents?"
    r"|reporters?|journalists?|monitors?|witnesses|residents|civilians|analysts?)(?:\s+(?:in|at|from|of)\s+.+)?$",
    re.IGNORECASE,
)


def is_actor_name(name: str) -> bool:
    """False for a name that is a titled person or people who speak or watch (``_PERSON_TITLE``,
    ``_NOT_AN_ACTOR``), never an armed actor under the guide, or a piece of a sentence: five words or more
    opening in lower case ("bakers battled for the title of ...": a descriptive name is short, "allied
    tribal fighters")."""
    name = name.strip()
    if name[:1].islower() and len(name.split()) >= 5:
        return False
    return bool(_BODY_END.search(name)) or not (_PERSON_TITLE.match(name) or _NOT_AN_ACTOR.search(name))


_ACRONYM = re.compile(r"^[A-Z][A-Za-z]{0,2}(?:[A-Z][A-Za-z]{0,2}){1,6}$")


def initials(name: str) -> str:
    """The capitals that open the words of ``name``: "Kosovo Liberation Army" -> "KLA"."""
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w[:1].isupper())


def _merge_acronyms(items: list[dict[str, Any]], article: str | None) -> list[dict[str, Any]]:
    """One item per actor: an item named by an acronym ("KLA", "CTS") is folded into the item whose name
    it abbreviates, by initials or as the article writes it ("Kosovo Liberation Army (KLA)")."""
    out = [dict(i) for i in items]
    for b in list(out):
        acr = b["name"].strip()
        if not _ACRONYM.match(acr) or sum(c.isupper() for c in acr) < 2:
            continue
        for a in out:
            if a is b or a not in out:
                continue
            names = [a["name"], *a.get("aliases", [])]
            spelled = article is not None and any(f"{n} ({acr})" in article for n in names)
            spelled = spelled or bool(re.search(rf"\(\s*{re.escape(acr)}\s*\)", a["name"]))  # "… Front (FMLN)"
            if spelled or initials(a["name"]) == acr.upper():
                a["aliases"] = [*a.get("aliases", []), acr, *b.get("aliases", [])]
                out.remove(b)
                break
    return out


# Words that many names share and that say nothing about which entity a name is ("Free Syrian Army" is not
# "Syrian army" because both say "army"; it is because both say "Syrian").
_GENERIC = set(
    "the a an of and for in al el army armed forces force group groups movement military troops government "
    "national rebels rebel fighters brigade brigades militia militias party front state people's popular "
    "democratic republic united city province region district town village".split()
)
_JOINERS = {"of", "for", "and", "the", "al", "el", "de", "del", "da", "du", "la", "le", "bin", "ibn", "van", "von"}


def _stems(name: str) -> set[str]:
    words = re.findall(r"[\w'’-]+", name.casefold())
    return {re.sub(r"['’]s?$", "", w) for w in words} - _GENERIC


def _akin(a: str, b: str) -> bool:
    """Two words that name the same thing: equal, or one a form of the other ("Syria"/"Syrian",
    "Houthi"/"Houthis", "Ukraine"/"Ukrainian"): a shared start of at least five letters, at most two short."""
    return a == b or len(os.path.commonprefix([a, b])) >= max(5, min(len(a), len(b)) - 2)


def _bare(s: str) -> str:
    """``s`` stripped, without a leading "the", "a" or "an" (case kept)."""
    return re.sub(r"^(?:the|a|an)\s+", "", s.strip(), flags=re.IGNORECASE)


def abbreviations(items: list[Any]) -> dict[str, Any]:
    """The initials of each item with a name of several words ("RDF" for "Rwanda Defence Force"), loosely
    normalised, mapped to the item."""
    return {_loose(initials(x.name)): x for x in items if len(x.name.split()) > 1}


def is_proper_name(s: str) -> bool:
    """A name, not a description: after a leading "the", every word is capitalised (or a joiner such as
    "of", "al-"), not every word is generic ("Rebels"), and there is no comma ("Giants Brigades", "South
    Africa"; not "the army", "Nagorno-Karabakh's main city")."""
    words = _bare(s).split()
    if not words or "," in s or all(w.casefold() in _GENERIC for w in words):  # "Rebels" opening a sentence
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or w in _JOINERS or _PARTICLE.match(w) for w in words)


def same_number(a: str, b: str) -> bool:
    """Two names with the same numbers in them, and some: "47th Brigade" and "47th Mechanised Brigade"."""
    numbers = re.findall(r"\d+", a)
    return bool(numbers) and numbers == re.findall(r"\d+", b)


def names_same(alias: str, name: str, article: str | None) -> bool:
    """Whether ``alias`` can be a mention of the entity called ``name``: a description ("the army"), or a
    name that shares a distinctive word with it ("the Ezza Army" ~ "Ezza Army group", "Houthis" ~ "Houthi
    movement"), or its initials ("RSF"), or one the article writes in brackets after the other
    ("Congolese army (FARDC)")."""
    if not is_proper_name(alias):
        return True
    if set(re.split(r"[\s-]+", _loose(alias))) <= set(re.split(r"[\s-]+", _loose(name))):  # "Bab" of "al-Bab"
        return True
    if any(_akin(a, b) for a in _stems(alias) for b in _stems(name)):
        return True
    bare = _bare(alias)
    if initials(name) == bare.upper() or initials(bare) == name.strip().upper():
        return True
    if bare.isupper() and len(bare) > 2 and bare[0] == name.strip()[:1].upper() and " " not in name.strip():
        return True  # a country's forces by their acronym: "RDF" of "Rwanda", "IDF" of "Israel"
    if same_number(bare, name):  # "March 23 Movement" of "M23"
        return True
    if article is not None and _said_same(article, _bare(name), bare):
        return True
    return bool(re.search(rf"\(\s*{re.escape(bare)}\s*\)", name) or re.search(rf"\(\s*{re.escape(name)}\s*\)", bare))


# An alias that is a piece of a sentence, not a mention: a relative pronoun or a finite verb, or a last
# word that leads on ("allied youths from the armed group known as").
_CLAUSE = re.compile(
    r"\b(?:who|whom|which|that|whose|were|was|is|are|has|have|had|will|would|said|says|sits|brings?)\b"
    r"|(?:^|\s)(?:of|the|a|an|as|to|in|on|at|from|with|and|or|by|for|over|into|toward|towards|along|near)$",
    re.IGNORECASE,
)
# The last word of a name that is a body of its own ("the Ulster Defence Association", "the Kosovo Liberation
# Army (KLA)"); not a unit or a nickname ("Golden Division" is the Counter Terrorism Service's).
_BODY_HEAD = re.compile(
    r"\b(?:Army|Armed Forces|Forces?|Association|Constabulary|Council|Alliance|Front|Movement|Party|Agency|Police)$"
)
# Words of a state's own bodies that name no other place or people ("Royal Armed Forces" of "Morocco").
_STATE_BODY_WORDS = set("royal defence defense armed national special security police guard republican navy".split())
# compass words that may open a place's alias ("eastern Congo", "northern Jobar")
_COMPASS = r"(?:north|south|east|west|central|(?:north|south)-?(?:east|west))(?:ern)?"


def _clause(alias: str) -> bool:
    return bool(_CLAUSE.search(alias.strip()))


def _loosely_akin(alias: str, names: list[str]) -> bool:
    """Whether a word of ``alias`` shares a start of five letters (or all of a shorter word) with a word of
    one of ``names`` ("Mozambique" / "Mozambican army"); generic words and words of any state's bodies
    ("Defence", "Security") do not count."""
    stems = {x for n in names for x in _stems(n)} - _STATE_BODY_WORDS
    return any(a == b or len(os.path.commonprefix([a, b])) >= 5 for a in _stems(alias) for b in stems)


def _body_of(body: str, known: list[str], article: str | None) -> bool:
    """Whether the body named ``body`` ("Libyan National Army (LNA)") is the actor of one of the ``known``
    names: its acronym in brackets is one, ``names_same`` says so, or they share a distinctive word."""
    bare = unbracketed(body)
    bracket = body.strip()[len(bare) :].strip(" ()")
    loose = {_loose(k) for k in known}
    return (
        (bracket and _loose(bracket) in loose)
        or any(names_same(bare, k, article) for k in known)
        or _loosely_akin(bare, known)
    )


def actor_mentions(name: str, aliases: list[str], article: str | None, countries: set[str] = frozenset()) -> list[str]:
    """The aliases of the actor ``name`` that can be its mentions: none that is a piece of a sentence
    (``_CLAUSE``), and none that names a body of its own (``_BODY_HEAD``: "the Ulster Defence Association"
    under "Provisional IRA") unless ``names_same`` gives it the name or another kept alias ("Libyan
    National Army (LNA)" under "LNA") or it shares a distinctive word with them ("the Armed Defence Forces
    of Mozambique" under "Mozambican army"). Capitals, leaders and descriptions stay ("Moscow", "Haftar",
    "the army"): the guide lets a place or a person stand for a side. A state (``state_of``, with the
    listed ``countries``) keeps its own bodies, named without another place or people ("Royal Armed
    Forces" under "Morocco")."""
    kept = [a for a in aliases if not _clause(a)]
    bodies = [a for a in kept if is_proper_name(unbracketed(a)) and _BODY_HEAD.search(unbracketed(a))]
    if article is not None and state_of(name, article, countries) is not None:
        bodies = [a for a in bodies if not _stems(unbracketed(a)) <= _STATE_BODY_WORDS]
    known = [name, *[a for a in kept if a not in bodies]]
    changed = True
    while changed:
        own = [b for b in bodies if _body_of(b, known, article)]
        known += own
        bodies = [b for b in bodies if b not in own]
        changed = bool(own)
    return [a for a in kept if a not in bodies]


def place_mention(alias: str, name: str) -> bool:
    """Whether ``alias`` can be a mention of the place ``name``: a proper name (after a compass word:
    "Shushi", "eastern Congo"), the name with a few words before it or a type or site word after it ("the
    regional capital Mekelle", "Abu Shouk camp", "Qayyara air base"), or "the" and a word or two ("the
    pocket"); not a phrase of a sentence ("thousands of people were walking toward Goma along") or another
    place ("the town of Avdiivka" under "Pokrovsk", "the border with China" under "Muse")."""
    if _clause(alias) or "," in alias:
        return False
    bare = re.sub(rf"^(?:the\s+)?{_COMPASS}\s+", "", alias.strip(), flags=re.IGNORECASE)
    if is_proper_name(bare):
        return True
    key, own = _loose(alias), _loose(name)
    if _mention_of(key, own) or re.fullmatch(rf"(?:the\s+)?{re.escape(own)}\s+(?:{SITE_WORDS})", key):
        return True
    return bool(re.fullmatch(r"the(?:\s+[a-z]+){1,2}", alias.strip()))


_ACRONYM = re.compile(r"^[A-Z][A-Z0-9-]{1,7}$")
# Words in an alias that put another actor's name there as its backer or master ("the Rwanda-backed group",
# "forces loyal to Haftar"), not as the alias's own body.
_BACKER_WORDS = re.compile(r"\b(?:loyal to|backed by|allied (?:to|with)|supported by|armed by)\b", re.IGNORECASE)


def _names_another(alias: str, name: str, others: list[str]) -> bool:
    """Whether ``alias`` writes another listed actor's name (or acronym) as a word of its own, and not
    ``name``: "tanks and UNITA infantry" under the South African forces, not "the Rwanda-backed group"."""
    if has_whole_word(alias, name) or _BACKER_WORDS.search(alias):
        return False
    for other in others:
        if len(other) < 3 or _norm(other) == _norm(name):
            continue
        if re.search(rf"(?<![\w-]){re.escape(other)}(?![\w-]|['’]s\b)", alias):
            return True
    return False


def own_mentions(data: ConflictSummary, article: str | None) -> ConflictSummary:
    """Each belligerent and place keeps only the aliases that are its own mentions (``actor_mentions``,
    ``place_mention``), and any that a reinforcement, a quote or a place's ``within`` refers to."""
    used = {_loose(r.sender) for r in data.reinforcements}
    used |= {_loose(q.speaker_affiliation) for q in data.quotes if q.speaker_affiliation}
    used |= {_loose(x) for r in data.reinforcements for x in (r.destination, r.origin) if x}
    used |= {_loose(loc.within) for loc in data.locations if loc.within}
    countries = {_norm(loc.name) for loc in data.locations if loc.type == "country"}
    actors = []
    for b in data.belligerents:
        mine = set(actor_mentions(b.name, b.aliases, article, countries))
        others = [m for x in data.belligerents if x is not b for m in [x.name, *x.aliases] if _ACRONYM.match(m)]
        others += [x.name for x in data.belligerents if x is not b]
        kept = [a for a in b.aliases if (a in mine and not _names_another(a, b.name, others)) or _loose(a) in used]
        actors.append(b.model_copy(update={"aliases": kept}))
    places = [
        loc.model_copy(update={"aliases": [a for a in loc.aliases if place_mention(a, loc.name) or _loose(a) in used]})
        for loc in data.locations
    ]
    if actors == data.belligerents and places == data.locations:
        return data
    return data.model_copy(update={"belligerents": actors, "locations": places})


def _said_same(article: str, a: str, b: str) -> bool:
    """Whether the article gives ``a`` and ``b`` as two names of one thing: "A (B)", "A, known as B",
    "A, known by its French acronym B", "A, or B", "A, also called B", "A, which Azerbaijan calls B",
    "A, the region's main city, which … calls B" (either way round)."""
    called = (
        r"(?:known\s+(?:locally\s+|in\s+[^.,;]{1,30}?\s+)?(?:as|by\s[^.,;]{0,30}?)|also\s+(?:called|known\s+as|spelled)"
        r"|dubbed|aka|(?:which|that|whom)\s+[^.,;]{1,30}?\s+calls?)"
    )
    # "A (B)", "A, or B", "A, known as B", or a naming clause after an appositive: "A, the main city, which … calls B"
    link = rf"(?:\s*\(|,?\s+(?:or|{called})\s+|,\s+[^.;()]{{0,40}}?,\s+{called}\s+)(?:the\s+)?"
    for x, y in ((a, b), (b, a)):
        if re.search(rf"(?<!\w){re.escape(x)}{link}{re.escape(y)}(?!\w)", article, re.IGNORECASE):
            return True
    return False


def own_aliases(name: str, aliases: list[str], article: str | None) -> list[str]:
    """The aliases that can be mentions of the entity called ``name`` (``names_same``). The others name
    another entity ("Free Syrian Army" listed as an alias of "Tahrir al-Sham", "Burundi" of "Southern
    African forces"): the second look asks about them as entities of their own."""
    return [a for a in aliases if names_same(a, name, article)]


def _fold_into(items: list[Any], host: Any, target: Any) -> list[Any]:
    """``items`` without ``host``, whose name and aliases become aliases of ``target``."""
    names = [target.name, *target.aliases]
    extra = [m for m in [host.name, *host.aliases] if _loose(m) not in {_loose(n) for n in names}]
    merged = target.model_copy(update={"aliases": list(dict.fromkeys([*target.aliases, *extra]))[:MAX_ALIASES]})
    return [merged if x is target else x for x in items if x is not host]


# The last word of a description that still names one body ("Yemeni army", "Somalia's government"): such an
# item is not folded into another actor its aliases name ("Yemeni army" listing "the United Arab Emirates").
_INSTITUTION = re.compile(r"\b(?:army|government|military|police|navy|air force|guard|ministry)$", re.IGNORECASE)


def drop_cross_aliases(data: ConflictSummary) -> ConflictSummary:
    """No alias that is another item's name, or its initials: once "Free Syrian Army" is a belligerent of
    its own, it (and "FSA") is no longer an alias of "Tahrir al-Sham"; the same for locations. An actor
    whose such aliases name one other actor is folded into it when one of them is its own mention (a
    duplicate: "Somalia's government" listing "Somalia"), or when it is named by a loose description of
    fighters, not of a body ("Jihadist fighters" listing "JNIM"; "Yemeni army" is not folded)."""
    update: dict[str, Any] = {}
    for field in ("belligerents", "locations"):
        items = list(getattr(data, field))
        fixed = []
        folds: list[tuple[Any, Any]] = []
        for item in items:
            others = [x for x in items if x is not item]
            owner = {_loose(x.name): x for x in others} | abbreviations(others)
            owner.pop(_loose(initials(item.name)), None)
            kept = [a for a in item.aliases if _loose(a) not in owner]
            new = item if len(kept) == len(item.aliases) else item.model_copy(update={"aliases": kept})
            crossed = [a for a in item.aliases if _loose(a) in owner]
            targets = {id(owner[_loose(a)]): owner[_loose(a)] for a in crossed}
            if field == "belligerents" and len(targets) == 1:
                own = any(names_same(a, item.name, None) for a in crossed)  # "Somalia" of "Somalia's government"
                loose = not is_proper_name(item.name) and not _INSTITUTION.search(item.name)  # "Jihadist fighters"
                if own or loose:
                    folds.append((new, next(iter(targets.values()))))
            fixed.append(new)
        for host, target in folds:
            target = next((x for x in fixed if x.name == target.name), None)
            if target is not None and host in fixed and target is not host:
                fixed = _fold_into(fixed, host, target)
        update[field] = fixed
    return data.model_copy(update=update)


# Words that only stand for a name already said; never a place's alias on their own.
_PRONOUNS = {"it", "its", "they", "he", "she", "this", "that", "there", "here", "we"}


def _place_alias(alias: str) -> bool:
    """An alias a place can have: no comma (a clause, "Sake, and"), not a word that only opens a sentence
    ("It"), no word for people or an institution last ("Sudan's army")."""
    return "," not in alias and alias.strip().casefold() not in _PRONOUNS and not _NOT_A_PLACE.search(alias)


_PLACE_TYPE = r"(?:city|town|village|province|region|district|area|state|department|governorate|county|municipality)"


def _mention_of(alias: str, name: str) -> bool:
    """Whether ``alias`` (loose form) is only another way to write the place ``name``: with an article,
    up to two leading words or a type ("the city of Lashkar Gah", "nearby Suárez", "Juba district"),
    never a place related to it ("the capital of Sinaloa state")."""
    pattern = (
        rf"(?:the\s+)?(?:(?!of\b)[\w-]+\s+){{0,2}}(?:{_PLACE_TYPE}\s+of\s+)?"
        rf"{re.escape(name)}(?:\s+{_PLACE_TYPE})?"
    )
    return re.fullmatch(pattern, alias) is not None


# Capitalised words that name no place: a phrase whose only capitals are these has no proper name.
_CALENDAR = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July"
    r"|August|September|October|November|December)\b"
)


def own_place_aliases(locations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each place keeps only aliases that can be its own mention: not a sentence ("south of the city.
    Stay safe"), not a phrase of four or more words with no capital but a day's or month's ("the bottom of the
    table on Saturday"), not a mention of another listed place ("city of Lashkar Gah" under "Kandahar"), and not
    an alias an earlier place already has (one mention names one place)."""
    names = [_loose(x["name"]) for x in locations]
    claimed: set[str] = set()
    out = []
    for i, item in enumerate(locations):
        kept = []
        for alias in item.get("aliases", []):
            key = _loose(alias)
            sentence = re.search(r"\b[a-z]{2,}[.!?;:]\s", alias)
            if sentence or (len(alias.split()) >= 4 and _CALENDAR.sub("", alias).islower()):
                continue
            if key in claimed or any(_mention_of(key, n) for j, n in enumerate(names) if j != i and n != names[i]):
                continue
            kept.append(alias)
        claimed.update({names[i], *(_loose(a) for a in kept)})
        out.append(dict(item, aliases=kept))
    return out


def clean(data: dict[str, Any], article: str | None = None) -> dict[str, Any]:
    """Remove duplicate items and aliases, and (given the article) mentions that cut a word."""
    data = dict(data)
    if article is not None:
        data = _drop_partial_words(data, article)
    if isinstance(data.get("locations"), list):
        data["locations"] = [loc for loc in data["locations"] if is_place_name(loc["name"])]
        if article is not None:
            data["locations"] = _undateline(data["locations"], article)
            data["locations"] = _fragments(data["locations"], article)
    if isinstance(data.get("belligerents"), list):
        data["belligerents"] = [b for b in data["belligerents"] if is_actor_name(b["name"])]
        data["belligerents"] = _merge_acronyms(data["belligerents"], article)
        if article is not None:
            data["belligerents"] = _undateline(data["belligerents"], article, respell=False)
    for field in ("belligerents", "locations"):
        if isinstance(data.get(field), list):
            data[field] = _dedupe_entities(data[field])
    if isinstance(data.get("belligerents"), list) and isinstance(data.get("locations"), list):
        actors = {_loose(m) for b in data["belligerents"] for m in [b["name"], *b.get("aliases", [])]}
        # an armed body the answer lists as a place too ("Free Highland Front", type "other") is no place
        data["locations"] = [
            x for x in data["locations"] if not (_loose(x["name"]) in actors and _ARMED_END.search(x["name"]))
        ]
        data["locations"] = [
            dict(x, aliases=[a for a in x.get("aliases", []) if _place_alias(a) and _loose(a) not in actors])
            for x in data["locations"]
        ]
        data["locations"] = own_place_aliases(data["locations"])
        # no place lies within itself
        data["locations"] = [
            dict(x, within=None)
            if x.get("within") and _loose(x["within"]) in {_loose(m) for m in [x["name"], *x.get("aliases", [])]}
            else x
            for x in data["locations"]
        ]
    if isinstance(data.get("reinforcements"), list):
        data["reinforcements"] = _dedupe(data["reinforcements"], ("sender", "forces", "destination"))
        data["reinforcements"] = _tidy_reinforcements(data["reinforcements"], article)
    if isinstance(data.get("quotes"), list):
        data["quotes"] = _dedupe(data["quotes"], ("text",))
        if article is not None:
            data["quotes"] = attribute_quotes(data["quotes"], article)
            known = {
                _norm(m)
                for field in ("belligerents", "locations")
                for item in data.get(field) or []
                for m in [item["name"], *item.get("aliases", [])]
            }
            data["quotes"] = [
                dict(q, speaker=resolve_speaker(q["speaker"], article, known)) if q.get("speaker") else q
                for q in data["quotes"]
            ]
    return data


def add_unwritten_quotes(data: ConflictSummary, article: str) -> ConflictSummary:
    """The answer with the quoted passages it does not hold added, where the wire's attribution patterns
    name a speaker (``attribution.pattern_speakers``).

    The grammar asks the model about the first ``GENERATED_QUOTES`` passages of each chunk only, so a
    long article's later quotes would be lost. An added quote's affiliation is the one the answer gives
    the same speaker, else null; a passage with no pattern speaker is left out.
    """
    have = {q.text for q in data.quotes}
    by_text = pattern_speakers(article)
    known = {_norm(m) for item in [*data.belligerents, *data.locations] for m in [item.name, *item.aliases]}
    affiliation = {q.speaker: q.speaker_affiliation for q in data.quotes}
    added = []
    for text in quote_texts(article, MAX_QUOTE_TEXT):
        speaker = speaker_of(text, by_text) if text not in have else None
        if speaker:
            speaker = resolve_speaker(speaker, article, known)
            added.append(Quote(text=text, speaker=speaker, speaker_affiliation=affiliation.get(speaker)))
            have.add(text)
    room = MAX_QUOTES - len(data.quotes)
    return data.model_copy(update={"quotes": [*data.quotes, *added[:room]]}) if added and room > 0 else data


# An alias that names the administrative unit a place lies in: "capital of Helmand province", "the provincial
# capital of X", or the unit's name itself ("Helmand province" under "Lashkar Gah").
_UNIT_ALIAS = re.compile(
    r"^(?:the\s+)?(?:(?:provincial|regional|state)\s+)?(?:capital|city|town)\s+of\s+(?:the\s+)?(?P<of>.+)$|^(?P<unit>.+)$",
    re.IGNORECASE,
)
_UNIT_NAME = re.compile(
    r"^(?:al-|el-)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}\s+(?P<kind>province|region|state|governorate|district|county)$"
)
_UNIT_TYPES = {"state": "province", "governorate": "province", "county": "district"}


def split_unit_aliases(data: ConflictSummary) -> ConflictSummary:
    """Locations with the administrative unit an alias names made a location of its own: the guide lists
    the province a town is in as a place, while a small model writes "capital of Helmand province" or
    "Helmand province" as an alias of "Lashkar Gah". The unit ("Helmand province", type from its last
    word) is added unless listed, and becomes the host's ``within`` when it has none; the alias goes."""
    names = {_norm(loc.name) for loc in data.locations}
    hosts: list[Location] = []
    added: list[Location] = []
    for loc in data.locations:
        kept, within = [], loc.within
        for alias in loc.aliases:
            m = _UNIT_ALIAS.match(alias)
            unit = (m.group("of") or m.group("unit")).strip() if m else ""
            kind = _UNIT_NAME.match(unit)
            if not kind or _norm(loc.name) in _norm(unit):  # "Gogjali district" is Gogjali itself
                kept.append(alias)
                continue
            if _norm(unit) not in names:
                names.add(_norm(unit))
                word = kind.group("kind").lower()
                added.append(Location(name=unit, aliases=[], type=_UNIT_TYPES.get(word, word), within=None))
            within = within or unit
        hosts.append(loc if kept == loc.aliases else loc.model_copy(update={"aliases": kept, "within": within}))
    if not added and hosts == data.locations:
        return data
    room = max(0, MAX_LOCATIONS - len(hosts))
    return data.model_copy(update={"locations": [*hosts, *added[:room]]})


# A state's own forces or government named after it: "Sudan's army", "Somalia's government", "Sudanese Armed
# Forces", "Somali National Army".
_STATE_POSSESSIVE = re.compile(
    r"^(?:the\s+)?(?P<state>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)['’]s\s+(?:army|armed forces|military|forces|troops"
    r"|general staff|national army|government)$",
    re.IGNORECASE,
)
_STATE_DEMONYM = re.compile(
    r"^(?:the\s+)?(?P<demonym>[A-Z][a-z]+(?:n|i|ese|z|k|h))\s+(?:army|armed forces|military|forces|troops|national army"
    r"|soldiers|authorities|government|(?:national\s+)?defen[cs]e forces?|border (?:service|guards?|troops)"
    r"|security forces)$",
    re.IGNORECASE,
)


def state_of(name: str, article: str, countries: set[str] = frozenset()) -> str | None:
    """The state whose own forces or government ``name`` is, as the article writes it ("Sudan's army",
    "Sudanese Armed Forces" -> "Sudan"; a name in ``countries``, folded, is its own state), else None.
    A demonym's state must be a listed country or a word of the article ("Somali" -> "Somalia"); an
    acronym in brackets after the name is left out ("Sudanese Armed Forces (SAF)")."""
    name = unbracketed(name)
    if m := _STATE_POSSESSIVE.match(name):
        return m.group("state")
    if m := _STATE_DEMONYM.match(name):
        w = m.group("demonym")
        stems = (w + "a", w[:-1], w[:-3] + "e", w[:-3] + "a", w[:-2] + "o", w[:-4] + "o", w[:-3], w[:-2])
        for stem in (*stems, w + "stan", w + "istan"):  # "Kyrgyz" -> "Kyrgyzstan", "Tajik" -> "Tajikistan"
            if len(stem) > 3 and (
                _norm(stem) in countries or re.search(rf"(?<![\w-]){re.escape(stem)}(?![\w-])", article)
            ):
                return stem
        return None
    return name if _norm(name) in countries else None


_SENT_WORD = re.compile(r"\s+(?:reinforcements?|deployment)$", re.IGNORECASE)


def actors_not_forces(data: ConflictSummary) -> ConflictSummary:
    """Belligerents named by what they send ("Krajina Serb reinforcements") take the name without the
    word for it ("Krajina Serb"): reinforcements are forces, not an actor; so do such senders when the bare
    name is listed."""
    out = []
    for b in data.belligerents:
        bare = _SENT_WORD.sub("", b.name)
        if bare != b.name and bare.strip() and not any(_norm(bare) == _norm(x.name) for x in data.belligerents):
            b = b.model_copy(update={"name": bare, "aliases": [a for a in b.aliases if _norm(a) != _norm(bare)]})
        out.append(b)
    listed = {_norm(m) for b in out for m in [b.name, *b.aliases]}
    sent = []
    for r in data.reinforcements:
        bare = _SENT_WORD.sub("", r.sender)
        if bare != r.sender and _norm(r.sender) not in listed and _norm(bare) in listed:
            r = r.model_copy(update={"sender": bare})
        sent.append(r)
    if out == data.belligerents and sent == data.reinforcements:
        return data
    return data.model_copy(update={"belligerents": out, "reinforcements": sent})


def merge_state_forces(data: ConflictSummary, article: str) -> ConflictSummary:
    """One belligerent per state: a state's forces or government listed more than once ("Sudan's army" and
    "Sudanese Armed Forces", "Rwanda" and "Rwanda's army") become one item, the first, with the others'
    names as aliases (a combatant if any was)."""
    countries = {_norm(loc.name) for loc in data.locations if loc.type == "country"}
    first: dict[str, int] = {}
    out: list[Belligerent] = []
    for b in data.belligerents:
        state = state_of(b.name, article, countries)
        key = _norm(state) if state else None
        if key is None or key not in first:
            if key is not None:
                first[key] = len(out)
            out.append(b)
            continue
        host = out[first[key]]
        aliases = [a for a in dict.fromkeys([*host.aliases, b.name, *b.aliases]) if _norm(a) != _norm(host.name)]
        role = "combatant" if "combatant" in (host.role, b.role) else host.role
        out[first[key]] = host.model_copy(update={"aliases": aliases[:MAX_ALIASES], "role": role})
    if len(out) == len(data.belligerents):
        return data
    return data.model_copy(update={"belligerents": out})


# Where a place stands only as the base of people who speak or watch ("told reporters in Zagreb", "a U.N.
# official in Baghdad said", "a research group in Kyiv", "a Kyiv-based monitor"), or for a government by
# metonymy ("Baku denied", "according to Kyiv", "under Kyiv's control"), it is no place of the fighting.
_BASE_BEFORE = re.compile(
    r"(?:\b(?:reporters|officials?|spokes(?:man|woman|person)|group|monitor|observatory|analysts?|agency|government"
    r"|ministry|embassy|correspondents?|journalists?|diplomats?|office|headquarters|conference|talks|meeting|summit"
    r"|court|parliament|mission|envoy|sources?)\s+(?:\w+\s+)?(?:in|from)|\baccording\s+to)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_BASE_AFTER = re.compile(
    r"^(?:-based\b|['’]s\s+(?:control|government|forces|troops|army|allies|officials|leaders)\b"
    r"|(?:\s+and\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)?"  # "Bishkek and Dushanbe agreed"
    r"(?:\s+(?:has|have|had)\s+(?:also\s+|not\s+)?(?:said|denied|accused|announced|claimed|called|warned|insisted"
    r"|lowered|raised|asked|sent|promised|pledged|rejected|blamed|vowed|agreed)\b"
    r"|,?\s+(?:said|says|say|denied|deny|denies|accused|accuses|announced|claimed|claims|called"
    r"|calls|warned|warns|insisted|insists|blamed|blames|rejected|rejects|vowed|vows|agreed|agree|agrees"
    r"|(?:does|do|did|will|would)\s+not\s+want|wants?)\b))",
    re.IGNORECASE,
)


def drop_speaker_bases(data: ConflictSummary, article: str) -> ConflictSummary:
    """Locations, other than countries, that the article names only as the base of people who speak or
    watch, or for a government by metonymy (``_BASE_BEFORE``, ``_BASE_AFTER``): the guide lists no place
    named only as the base of a non-combatant. Places forces move from or to are kept."""
    moved = {_norm(p) for r in data.reinforcements for p in (r.destination, r.origin) if p}
    kept = []
    for loc in data.locations:
        spots = [
            (at, m)
            for m in dict.fromkeys([loc.name, *loc.aliases])
            for at in occurrences(article, m)
            if is_whole(article, at, m)
        ]
        only_bases = bool(spots) and all(
            _BASE_BEFORE.search(article[max(0, at - 60) : at])
            or _BASE_AFTER.match(article[at + len(m) : at + len(m) + 40])
            for at, m in spots
        )
        if loc.type == "country" or not only_bases or _norm(loc.name) in moved:
            kept.append(loc)
    if len(kept) == len(data.locations):
        return data
    return data.model_copy(update={"locations": kept})


def drop_supporter_states(data: ConflictSummary, article: str) -> ConflictSummary:
    """Countries listed both as a supporter belligerent and as a location, where the article never puts
    anything "in", "into" or "inside" them, no listed place lies within them and no forces go there, are
    no locations: the guide lists a belligerent state as a place only when it is attacked on its own
    territory, and a small model lists every state it names as a place."""
    backers = {_norm(b.name) for b in data.belligerents if b.role == "supporter"}
    inside = {_norm(loc.within) for loc in data.locations if loc.within}
    inside |= {_norm(r.destination) for r in data.reinforcements if r.destination}

    def stays(loc: Location) -> bool:
        if loc.type != "country" or _norm(loc.name) not in backers or _norm(loc.name) in inside:
            return True
        names = "|".join(re.escape(m) for m in dict.fromkeys([loc.name, *loc.aliases]))
        return bool(re.search(rf"\b(?:in|into|inside|across|on)\s+(?:the\s+)?(?:{names})(?![\w-])", article))

    kept = [loc for loc in data.locations if stays(loc)]
    return data if len(kept) == len(data.locations) else data.model_copy(update={"locations": kept})


def unlisted_places(data: ConflictSummary) -> list[str]:
    """Places the answer names but does not list as locations, in order: the ``within`` of a location,
    then a reinforcement's destination and origin. The guide lists the country or region of the conflict
    and the places forces move from or to; a small model often names them only in those fields ("Syria"
    as the ``within`` of "Hama province", "Mexico City" as where troops come from)."""
    listed = {_loose(m) for loc in data.locations for m in [loc.name, *loc.aliases]}
    out: list[str] = []
    named = [loc.within for loc in data.locations] + [p for r in data.reinforcements for p in (r.destination, r.origin)]
    for place in named:
        if place and _loose(place) not in listed and is_place_name(place):
            listed.add(_loose(place))
            out.append(place)
    return out


def merge_acronyms(data: ConflictSummary, article: str | None = None) -> ConflictSummary:
    """``_merge_acronyms`` on a finished answer (items the second look added included), for belligerents
    and for places ("DRC" listed beside "Democratic Republic of Congo")."""
    update: dict[str, Any] = {}
    for field, model in (("belligerents", Belligerent), ("locations", Location)):
        items = [x.model_dump(exclude={"spans"}) for x in getattr(data, field)]
        merged = _merge_acronyms(items, article)
        if len(merged) == len(items):
            continue
        for item in merged:
            item["aliases"] = list(dict.fromkeys(item["aliases"]))[:MAX_ALIASES]
        update[field] = [model.model_validate(x) for x in merged]
    return data.model_copy(update=update) if update else data


def split_senders(data: ConflictSummary, article: str | None = None) -> ConflictSummary:
    """A reinforcement's sender that the answer gives only as an alias that is not its host's own
    (``names_same``: "MONUSCO" listed under "Burundian and Southern African forces") becomes a belligerent
    of its own, with its host's side and role (``drop_cross_aliases`` then takes it out of the host's
    aliases)."""
    moved: dict[str, Belligerent] = {}
    abbreviated = abbreviations(data.belligerents)
    for r in data.reinforcements:
        key = _loose(r.sender)
        if key in abbreviated:  # "RDF" for a listed "Rwanda Defence Force": ``list_senders`` names it
            continue
        for b in data.belligerents:
            alias = next((a for a in b.aliases if _loose(a) == key), None)
            if alias is None or _loose(b.name) == key or key in moved:
                continue
            if not names_same(alias, b.name, article) and is_actor_name(alias):
                moved[key] = Belligerent(name=alias, aliases=[], side=b.side, role=b.role)
    if not moved or len(data.belligerents) + len(moved) > MAX_BELLIGERENTS:
        return data
    return data.model_copy(update={"belligerents": [*data.belligerents, *moved.values()]})


def list_senders(data: ConflictSummary) -> ConflictSummary:
    """Every reinforcement's sender names a listed belligerent (the validator's rule): a sender that is
    the initials of a listed name becomes that name; a sender the answer did not list becomes a
    belligerent of its own (role "supporter": it sends forces to a side; side label that of the listed
    belligerent its destination names, "Ukraine" for arms sent to Ukraine, else its own name), or, when
    the list is full or the sender is no armed actor ("Colonel X"), its reinforcements are dropped."""
    if not data.belligerents:
        return data
    mentions = {_loose(m) for b in data.belligerents for m in [b.name, *b.aliases]}
    by_initials = {k: b.name for k, b in abbreviations(data.belligerents).items()}
    side_of = {_loose(m): b.side for b in data.belligerents for m in [b.name, *b.aliases]}
    added: list[Belligerent] = []
    kept = []
    for r in data.reinforcements:
        key = _loose(r.sender)
        if key not in mentions and key in by_initials:  # "RDF" for the listed "Rwanda Defence Force"
            r = r.model_copy(update={"sender": by_initials[key]})
            key = _loose(r.sender)
        if key not in mentions:
            if len(data.belligerents) + len(added) >= MAX_BELLIGERENTS or not is_actor_name(r.sender):
                continue
            side = side_of.get(_loose(r.destination or ""), r.sender[:MAX_SIDE])
            added.append(Belligerent(name=r.sender, aliases=[], side=side, role="supporter"))
            mentions.add(key)
        kept.append(r)
    if not added and kept == data.reinforcements:
        return data
    return data.model_copy(update={"belligerents": [*data.belligerents, *added], "reinforcements": kept})


def parse(text: str, article: str | None = None) -> ConflictSummary:
    """Parse and clean the model's compact JSON answer."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"model output is not JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(raw, dict):
        raise ParseError("model output is not a JSON object")
    try:
        return ConflictSummary.model_validate(clean(raw, article))
    except Exception as exc:  # pydantic.ValidationError, KeyError on a missing field
        raise ParseError(f"model output does not fit the schema: {exc}") from exc
