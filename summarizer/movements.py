"""Reinforcements the answer left out, read from the article's own sentences.

A small model lists one or two movements of forces and stops, although wire copy tells of them in a few
fixed shapes: a side, a verb of sending or moving, then what is sent ("Russia was moving two motor rifle
brigades from the Zaporizhzhia region toward Pokrovsk", "the army had flown two battalions of the
Republican Guard in from Kinshasa"), or the forces first in the passive ("a further 800 South African
soldiers would be sent to Goma"). This stage, deterministic and model-free, finds such sentences. The
forces are the words after the verb up to a preposition or a comma (before "be sent" in the passive) and
must name troops, fighters, weapons or equipment; a movement denied, refused, only asked about or back
home is none. The sender is the first listed belligerent named in the clause that holds the verb (after
the last "said" or "that" before it, asides between commas skipped; "it" is the one that said so;
"accused X of sending" is X); a country the answer lists only as a place, or a named force it does not
list ("the Giants Brigades had sent") or a state that says "it" sends ("Germany said it would send"),
can be the sender too, and becomes a belligerent through
``parse.list_senders``. In the passive, the sender is the side named before the forces, else the one
that announces them. A third shape has the forces as the subject of a verb of motion ("Columns of Russian
tanks were moving toward Tskhinvali", "Reinforcements from Osh were on their way to the Leilek district",
"A column of volunteers left Zagreb for Vinkovci", "reinforcements ... were crossing the border into the
pocket"); it counts only where the words tell of reinforcing (a word such as "reinforcements", "fresh",
"column" in the forces, a place they come from or left, or a purpose such as "to strengthen") and not of an
attack, and only where the sentence names where they go, or where they "arrived from" a place (then they
came to the story's main place); forces in lower case need such a word or a count ("thousands of
volunteers"). Its sender is the side their own words name ("militiamen of the Popular Mobilization Forces",
an aside on them included), else the side they go to join, else their nation ("Russian" -> a listed
Russia), else the one that tells of them ("the army spokesman said"; "a military source" is the one
listed state force, where only one is). Forces "ordered to join" in the passive are planned. The origin is
the place after "from" or "left"; the destination comes from ``destinations.destination_in`` (else the
story's main place, unless the forces go to a side, "to the army", or the sentence says it does not tell
where).

A movement is added only when the answer has none from the same sender to the same place and does not
tell of the same words already. Where the answer's own reinforcement is such a movement, the movement's
sender replaces the answer's (a small model often gives the receiver).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.countries import is_country
from summarizer.destinations import (
    _forces_at,
    _listed_in,
    _places,
    _sentence,
    arrival_place,
    destination_in,
    fill_destinations,
    main_place,
    to_an_actor,
    where_unsaid,
)
from summarizer.parse import is_actor_name, is_place_name, names_forces, state_of
from summarizer.schema import MAX_FORCES, MAX_REINFORCEMENTS, ConflictSummary, Reinforcement
from summarizer.textspans import fold, occurrences, paragraphs

_MOVE = (
    r"sent|send|sends|sending|deployed|deploy|deploys|deploying|dispatched|dispatch|dispatches|dispatching"
    r"|rushed|rush|rushes|rushing|moved|move|moves|moving|flown|flew|fly|flies|flying|brought|bring|brings"
    r"|bringing|airlifted|airlift|airlifting|transferred|transfer|transferring|redeployed|redeploy|redeploying"
)
_PARTICLE = r"(?:\s+(?:in|up|out))?"
_ACTIVE = re.compile(rf"\b(?:{_MOVE}){_PARTICLE}\s+(?=\S)", re.I)
_PASSIVE = re.compile(
    rf"\b(?:be|been|being|was|were|are|is)\s+(?:(?:{_MOVE}){_PARTICLE}|ordered\s+to\s+(?:join|reinforce|move|deploy))\b",
    re.I,
)
# Where the forces' words end after the verb: a preposition, a clause, punctuation (not the comma of a
# number: "about 1,000 more soldiers").
_FORCES_END = re.compile(
    r"\s+(?:from|to|toward|towards|into|in|on|onto|over|across|at|near|around|along|through|by|as|after|before"
    r"|against|with|for|home|back|since|until|that|which|who|while|and\s+(?:had|has|have|was|were|is|are|deployed|sent|moved))\b|,(?!\d{3}\b)|[;:.()\"“”]",
    re.I,
)
# Words before a passive verb after which the forces' phrase starts.
_BOUNDARY = re.compile(
    r"\b(?:said|says|that|but|while|when|as|because|told|whether|if)\b|,(?!\d{3}\b)|[;:“\"]|\s[-–—]\s", re.I
)
_REPORTED = re.compile(r"\b(?:said|says|told|tells|added|announced|reported|according to|that)\b", re.I)
_ASIDE = re.compile(r",[^,]*,")
_RELATIVE = re.compile(r",\s+(?:which|who|whose|where)\b[^,]*,")  # ", which holds the town,"
# The subject of a clause that is a named armed force: capitalised words ending in a word for one.
_NAMED_FORCE = re.compile(
    r"^\s*(?:the\s+)?(?P<name>(?:[A-Z][\w'’-]*\s+){0,4}(?:Brigades?|Army|Forces|Front|Guards?|Militias?|Corps"
    r"|Division|Regiment|Battalions?|Movement|Group|Rebels|Fighters|Police))\b(?=\s+(?:has|have|had|was|were|is|are"
    r"|also|then|later|on|last|this|earlier|would|will|\w+ed|\w+s)\b)"
)
# The one that speaks at the head of a sentence, a name of up to four capitalised words: "Germany said".
_SPEAKER_HEAD = re.compile(
    r"^\s*(?:the\s+)?(?P<name>[A-Z][\w'’-]*(?:\s+(?:of\s+)?[A-Z][\w'’-]*){0,3})\s+(?:said|says|announced|announces)\b"
)
# A state, or a state's ministry or government, opening a sentence as the one that says something: "South
# Africa's defence ministry said on Wednesday that ...", "Germany said ...".
_STATE_HEAD = re.compile(
    r"^\s*(?:the\s+)?(?P<state>(?-i:[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,2}))(?:['’]s\s+(?:(?:defen[cs]e|foreign|interior)\s+)?"
    r"(?:ministry|government|military|army|armed forces|general staff))?\s+(?:said|says|announced|announces)\b",
    re.IGNORECASE,
)
# A word that ends or holds the name of a state body or armed force, not of a person.
_BODY_WORD = re.compile(
    r"\b(?:Ministry|Government|Army|Forces|Command|Council|Office|Department|Alliance|Union|Brigades?|Front"
    r"|Movement|Group|Guards?|Corps|Police|Navy|Republic|Kingdom|States|Emirates)\b"
)
_ACCUSED = re.compile(r"\b(?:accused|accuses|accusing|blamed|blames)\s+(.+?)\s+(?:of|for)\s*$", re.I)
# A movement denied, refused, asked about or only wondered at is not one.
_NEGATED = re.compile(
    r"\b(?:not|never|no|unable|denied|deny|denies|denying|refused|refuses|rejected|dismissed|whether|if)\b", re.I
)
# Words after the forces that make the movement a withdrawal.
_AWAY = re.compile(r"^\s*(?:home|back|away|out of)\b", re.I)
# Verbs of motion whose subject is the forces ("fresh units crossed the river and reached the town",
# "reinforcements were on their way to the district", "a column left the capital for the front").
_GOING = re.compile(
    r"\b(?:(?:were|was|are|is|had|have|has)\s+(?:been\s+)?)?(?:arrived|arrive|arrives|arriving|landed|lands|reached"
    r"|reach|reaches|crossed|crossing|crosses|rolled|rolling|poured|pouring|streamed|headed|heading|moving|left|leaving"
    r"|driving|drove|marching|marched"
    r"|set off|set out|on (?:their|its) way|en route)\b",
    re.I,
)
# A word in the forces' phrase that tells of reinforcing rather than of an attacking force.
_REINFORCING = re.compile(
    r"\b(?:reinforcements?|fresh|more|additional|extra|further|new|columns?|convoys?|contingents?)\b", re.I
)
_ARRIVING = re.compile(r"(?:(?:had|have|has)\s+)?(?:arrived|arrive|arrives|arriving)\b", re.I)
_ORIGIN_CUE = re.compile(r"\bfrom\s+(?:the\s+)?(?:[a-z-]+\s+){0,3}[A-Z]")
# A count at the head of a forces' phrase written in lower case: "thousands of volunteers", "two battalions".
_COUNTED = re.compile(
    r"^(?:(?:about|some|around|nearly|almost|more than|over|up to|at least)\s+)?(?:\d[\d,]*|tens|thousands|hundreds"
    r"|dozens|scores|several|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty)\b",
    re.I,
)
_JOIN = re.compile(r"\bto\s+(?:join|reinforce|bolster|support|strengthen)\s+([^,.;]{1,80})", re.I)
# Words that make a phrase before a verb of motion a clause, not the forces' noun phrase.
_NOT_A_PHRASE = re.compile(
    r"\b(?:he|she|it|they|we|i|you|were|was|is|are|had|has|have|be|been|would|will|could|can|to|said|says|expected)\b",
    re.I,
)
# "a further two companies were expected to arrive": the forces before a verb of expecting, planned.
_DUE_TO = re.compile(r"\s+(?:were|was|are|is)\s+(?:expected|due|set|scheduled|about)\s+to$", re.I)
_PURPOSE = re.compile(r"\bto\s+(?:strengthen|bolster|reinforce|hold|defend|protect|join|support|help)\b", re.I)
# Forces that left a place go somewhere only when a place follows "for" or "to" ("left Zagreb for Vinkovci").
_LEFT_FOR = re.compile(r"\b(?:for|to|toward|towards)\s+(?:the\s+)?(?:[a-z-]+\s+){0,4}[A-Z]")
# Verbs of attack in the clause after the verb of motion: forces that arrive to attack are no reinforcement.
_ATTACK = re.compile(
    r"\b(?:attack\w*|storm\w*|opened fire|ambush\w*|seiz\w*|captur\w*|overr[au]n\w*|shell\w*|raid\w*|kill\w*"
    r"|loot\w*|burn\w*|abduct\w*|kidnap\w*)\b",
    re.I,
)
# A preposition right after a verb of sending: the verb is used without forces ("flying from the airport").
_PREPOSITION_FIRST = re.compile(
    r"(?:from|to|toward|towards|into|in|on|at(?!\s+least)|over|across|by|with|out of)\b", re.I
)
_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:\s+(?:morning|afternoon|evening|night))?"
# A time at the head or tail of the words before a verb: "Later on Wednesday a column ...", "By Saturday
# afternoon about 300 soldiers had been flown in", "was seen on Tuesday heading".
_TIME_HEAD = re.compile(
    rf"^(?:(?:later|earlier|late|early)\s+)?(?:on|by|in|at|during|before|after)\s+(?:{_DAY}|dawn|nightfall"
    rf"|midday|the\s+(?:morning|afternoon|evening|night))\s*,?\s+|^(?:later|earlier|overnight|meanwhile),?\s+",
    re.I,
)
_TIME_TAIL = re.compile(
    rf"\s+(?:(?:late|early)\s+)?(?:on|by|in)\s+(?:{_DAY}|the\s+(?:morning|afternoon|evening|night))$"
)
# Words that make a convoy or its load aid, or its people civilians: no forces ("a convoy of Red Cross trucks
# carrying rice", "families fleeing").
_NOT_MILITARY = re.compile(
    r"\b(?:aid|relief|food|rice|grain|humanitarian|Red Cross|Red Crescent|medicine|civilians|refugees|evacuees"
    r"|families|residents|journalists|diplomats|observers|inspectors)\b",
    re.I,
)
# Where over-long forces can be cut: "A convoy of Iraqi Kurdish peshmerga fighters with artillery and ...".
_SHORTER = re.compile(r",|\s+(?:with|carrying|towing|mounted|armed|backed|supported)\b", re.I)
# Where the forces stand before they are moved: "two battalions stationed at Mongo" -> "two battalions".
_STATIONED = re.compile(r"\s+(?:stationed|based|garrisoned|deployed)\s+(?:at|in|near|around)\s+.*$", re.I)
# "Reinforcements from the city of Osh": the place they come from is no part of the forces' phrase.
_FROM_TAIL = re.compile(r"\s+from\s+.*$", re.I)
# An aside between commas right before a verb ("Soldiers of the X Battalion, an elite unit, were flown").
_TRAILING_ASIDE = re.compile(r",[^,]*,$")
_AUX_END = re.compile(
    r"(?:\s+(?:would|will|had|have|has|could|may|might|must|are|is|were|was|now|already|also|still|soon|been"
    r"|began|begun|started|seen|spotted|observed|reported))+$",
    re.I,
)
_PLANNED = re.compile(
    r"\b(?:will|would|plans?|planned|planning|to be|expected|intends?|promised|pledged|set to|ordered|due to"
    r"|scheduled)\b",
    re.I,
)
_UNDER_WAY = re.compile(
    r"\b(?:moving|sending|being|heading|on (?:the|their) way|en route|rushing|bringing|crossing|rolling|pouring"
    r"|streaming|left|leaving|driving|marching)\b",
    re.I,
)
_FROM = re.compile(
    r"\b(?:from|left|leaving)\s+(?:the\s+)?"
    r"(?:(?:[\w-]+\s+){0,2}(?:city|town|village|district|province|region|state|stronghold|base|capital|port|camp|airport|valley"
    r"|department|county|governorate|oblast)"
    r"\s+(?:of\s+)?)?"
    r"((?:al-|el-)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})"
)


@dataclass
class Movement:
    """A movement of forces found in the article: ``forces`` stands at ``article[at:at+len(forces)]``;
    ``moving`` when the forces are the subject of a verb of motion ("reinforcements reached the town")."""

    at: int
    forces: str
    verb_at: int
    status: str
    moving: bool = False


def _end(mv: Movement) -> int:
    """Where the words of ``mv``'s forces end: at its verb where they come first, an aside on them included
    ("Krajina Serb reinforcements, including tanks and multiple rocket launchers, were crossing")."""
    return max(mv.at + len(mv.forces), mv.verb_at if mv.at < mv.verb_at else 0)


def _trim_forces(words: str) -> str:
    """The forces' phrase without a leading "in"/"a further" connective or trailing adverb."""
    words = _TIME_HEAD.sub("", re.sub(r"^(?:in|up|out)\s+", "", words.strip(), flags=re.I))
    words = re.sub(r"^(?:and|but|while|as)\s+(?=(?:the\s+)?(?:\d|[a-z]+\s+\w))", "", words)  # "..., and two battalions"
    words = re.sub(r"\s+(?:in|up|out|back|south|north|east|west|there|here|again)$", "", words, flags=re.I)
    return words.strip()


def find_movements(article: str) -> list[Movement]:
    """Every sentence's movements of forces (``Movement``), in article order; negated ones left out."""
    out: list[Movement] = []
    seen: set[int] = set()
    for p_lo, p_hi in paragraphs(article):
        pos = p_lo
        while pos < p_hi:
            lo, hi = _sentence(article, pos)
            hi = max(hi, lo + 1)
            sent = article[lo:hi]
            for m in _ACTIVE.finditer(sent):
                participle = not m.group().rstrip().endswith("ing")
                if participle and re.search(r"\b(?:be|been|being|was|were|are|is)\s+$", sent[: m.start()]):
                    continue  # a passive verb: below
                rest = sent[m.end() :]
                if _PREPOSITION_FIRST.match(rest):
                    continue  # "helicopters flying from the airport": the verb takes no forces
                end = _FORCES_END.search(rest)
                forces = _trim_forces(rest[: end.start()] if end else rest)
                if end and _AWAY.match(rest[end.start() :]):
                    continue
                _add(out, seen, lo, sent, m.start(), sent.find(forces, m.end()) if forces else -1, forces)
            for m in _PASSIVE.finditer(sent):
                if re.match(r"(?:are|is)\s+deployed\b", m.group(), re.I) or re.match(r"\w+\s+moving", m.group()):
                    continue  # forces where they stand, or moving on their own: no passive movement
                # "The first of two Nigerian battalions is due to be airlifted": the forces before "is due"; "two
                # battalions stationed at Mongo, in central Chad, would be brought": the auxiliary goes, then the aside
                head = _DUE_TO.sub("", sent[: m.start()].rstrip())
                head = _TRAILING_ASIDE.sub("", _AUX_END.sub("", head).rstrip())
                start = max((b.end() for b in _BOUNDARY.finditer(head)), default=0)
                forces = _trim_forces(_AUX_END.sub("", head[start:]))
                forces = _STATIONED.sub("", forces)
                forces = re.sub(r"^(?:the|a|an)\s+(?=(?:further|more|additional)\b)", "", forces, flags=re.I)
                _add(out, seen, lo, sent, m.start(), head.rfind(forces) if forces else -1, forces)
            for m in _GOING.finditer(sent):
                _add_moving(out, seen, lo, sent, m)
            pos = hi
    return sorted(out, key=lambda mv: mv.at)


def _add_moving(out: list[Movement], seen: set[int], lo: int, sent: str, m: re.Match[str]) -> None:
    """Forces that are the subject of a verb of motion ("fresh units reached the town"), kept only where the
    words tell of reinforcing (a cue in the forces' phrase, a place they come from, or a purpose) and not
    of an attack; ``add_movements`` keeps one only where its sentence names where the forces go."""
    rest = sent[m.end() :]
    # "rolled out of Saguiaran towards Marawi" goes somewhere; "pulled out of the town" does not
    if (_AWAY.match(rest) and not _LEFT_FOR.search(rest)) or _ATTACK.search(rest.split(",")[0]):
        return
    end = _FORCES_END.search(rest)
    if names_forces(rest[: end.start()] if end else rest):
        return  # a transitive verb ("was moving two brigades"): the active shape reads it
    if re.search(r"(?:left|leaving)$", m.group(), re.I) and not _LEFT_FOR.search(rest):
        return  # forces that left a place for none: a withdrawal, or nothing said of where
    # "A column of about 20 vehicles, some of them mounted with heavy guns, was seen on Tuesday heading": the
    # time, then the auxiliaries, then the aside go
    head = _AUX_END.sub("", _TIME_TAIL.sub("", sent[: m.start()].rstrip())).rstrip()
    head = _TRAILING_ASIDE.sub("", head)
    start = max((b.end() for b in _BOUNDARY.finditer(head)), default=0)
    if _GOING.search(head[start:]):
        return  # a second verb of the same forces ("crossed the river and reached the town")
    phrase = _DUE_TO.sub("", head[start:])
    forces = _trim_forces(_AUX_END.sub("", _FROM_TAIL.sub("", phrase)))
    if not forces or _NOT_A_PHRASE.search(forces):
        return
    if forces[0].islower() and not (_REINFORCING.search(forces) or _COUNTED.match(forces)):
        return
    left = re.search(r"(?:left|leaving)$", m.group(), re.I)  # "had left Yerevan for Karabakh": a place left
    cue = _REINFORCING.search(forces) or _ORIGIN_CUE.search(head[start:] + " " + rest) or _PURPOSE.search(rest)
    if not (cue or left):
        return
    before = len(out)
    _add(out, seen, lo, sent, m.start(), head.rfind(forces), forces, max_words=14)
    if len(out) > before:
        out[-1].moving = True


def _add(
    out: list[Movement], seen: set[int], lo: int, sent: str, verb: int, at: int, forces: str, max_words: int = 10
) -> None:
    """Append the movement of ``forces`` (at ``at`` in ``sent``, its verb at ``verb``) unless the words name no
    forces, are too long for a noun phrase (``max_words``; longer for forces that are a verb's subject, "A
    convoy of about 40 army trucks towing artillery pieces was seen heading"), or the clause negates it."""
    if len(forces) > MAX_FORCES and (cut := _SHORTER.search(forces)):
        forces = forces[: cut.start()]
    if at < 0 or not forces or re.match(r"(?:and|or|but)\b", forces, re.I) or len(forces) > MAX_FORCES:
        return
    if _NOT_MILITARY.search(forces):
        return
    if len(forces.split()) > max_words or not names_forces(forces):
        return
    if not re.search(r"[a-z]", forces) or lo + at in seen:
        return
    clause = sent[:verb]
    if _NEGATED.search(clause[max(0, clause.rfind(",")) :] if "," in clause else clause):
        return
    status = (
        "planned"
        if _PLANNED.search(sent[max(0, verb - 40) : verb + 20])
        else ("under_way" if _UNDER_WAY.search(sent[max(0, verb - 12) : verb + 20]) else "arrived")
    )
    seen.add(lo + at)
    out.append(Movement(at=lo + at, forces=forces, verb_at=lo + verb, status=status))


def _mentions(data: ConflictSummary, article: str) -> list[tuple[str, str]]:
    """(mention, listed name) for every belligerent name and alias, the country a state's forces are named
    after, and the countries listed only as places (a state that sends forces is an actor under the
    guide); longest mention first."""
    pairs = [(m, b.name) for b in data.belligerents for m in dict.fromkeys([b.name, *b.aliases])]
    taken = {fold(m) for m, _ in pairs}
    named = [(b.name, b.name) for b in data.belligerents]
    aliased = [(m, b.name) for b in data.belligerents for m in b.aliases]
    for m, name in named + aliased:  # the states of names first, then of aliases ("Armenian forces" -> Armenia)
        country = state_of(m, article)
        if country and fold(country) not in taken:
            pairs.append((country, name))
            taken.add(fold(country))
    for loc in data.locations:
        if loc.type == "country" and fold(loc.name) not in taken:
            pairs.append((loc.name, loc.name))
            taken.add(fold(loc.name))
    return sorted(pairs, key=lambda p: -len(p[0]))


def _senders_not_places(data: ConflictSummary, senders: set[str]) -> ConflictSummary:
    """Countries the answer listed as places that turn out to send forces elsewhere: no longer places
    (they become supporters through ``parse.list_senders``), unless another listed place lies within them
    or forces go to a place within them."""
    inside = {fold(loc.within) for loc in data.locations if loc.within}
    inside |= {fold(r.destination) for r in data.reinforcements if r.destination}
    gone = {s for s in senders if s not in inside}
    if not gone:
        return data
    return data.model_copy(update={"locations": [loc for loc in data.locations if fold(loc.name) not in gone]})


def _first_named(text: str, mentions: list[tuple[str, str]], last: bool = False) -> str | None:
    """The listed belligerent whose mention stands first (or with ``last``, last) in ``text`` (whole words,
    case-insensitive)."""
    best: tuple[int, str] | None = None
    for mention, name in mentions:
        for m in re.finditer(rf"(?<![\w-]){re.escape(mention)}(?![\w-])", text, re.IGNORECASE):
            if best is None or (m.start() > best[0] if last else m.start() < best[0]):
                best = (m.start(), name)
            if not last:
                break
    return best[1] if best else None


def _nation_named(article: str, text: str, mentions: list[tuple[str, str]]) -> str | None:
    """The listed belligerent a nationality word in ``text`` points to: the state it names ("Russian" ->
    a listed "Russia") or the one listed belligerent whose name opens with the word used as an adjective
    ("Yugoslav" -> "Yugoslav People's Army", where the article writes "Yugoslav federal army"; the first by
    name where several do)."""
    listed = {fold(m) for m, _ in mentions}
    for word in re.findall(r"\b[A-Z][\w'’-]{2,}", text):
        state = state_of(f"{word} forces", article, listed)
        if state and (found := _first_named(state, mentions)):
            return found
        opening = {name for _, name in mentions if name.split()[0] == word and " " in name}
        adjective = re.search(rf"(?<![\w-]){re.escape(word)}\s+[a-z]", article)
        if opening and adjective:
            return sorted(opening)[0]
    return None


# A force named in the possessive inside the forces' phrase: "of the Iraqi army's 9th Division".
_PARENT = re.compile(
    r"\b(?:the\s+)?(?P<name>(?:[A-Z][\w'’-]*\s+){1,3}(?:army|military|forces|police|navy|guard|corps|Army|Forces"
    r"|Police|Navy|Guard|Corps))['’]s\s+"
)


def _parent_force(forces: str, mentions: list[tuple[str, str]]) -> str | None:
    """The force that owns the unit the forces belong to ("An armoured brigade of the Iraqi army's 9th
    Division" -> "Iraqi army"): the guide's sender is the parent force; its listed name where it has one."""
    m = _PARENT.search(forces)
    if m is None:
        return None
    return _first_named(m.group("name"), mentions) or m.group("name")


# The one that tells of a movement after it: "..., the Kyrgyz border service said in a statement."
# (a clause of "-ing" may follow: "a military source told Crossline Press, asking not to be named.")
_TOLD_AFTER = re.compile(
    r"[,\"”]\s*(?P<who>[^,\"“”]{2,80}?)\s+(?:said|says|told|reported|announced)\b[^,]*(?:,\s+\w+ing\b[^\"“”]*)?[.!?]?$"
)


def _teller(article: str, mv: Movement, mentions: list[tuple[str, str]]) -> str | None:
    _, hi = _sentence(article, mv.verb_at)
    m = _TOLD_AFTER.search(article[mv.verb_at : hi].rstrip())
    if m is None:
        return None
    who = m.group("who")
    return _first_named(who, mentions) or _nation_named(article, who, mentions) or _body_named(who, mentions)


# Words for a kind of armed body that, in a teller's description ("army spokesman"), point to the one
# listed belligerent that a mention of that kind names.
_BODY_KIND = re.compile(r"\b(?:army|military|police|navy|government|rebels?|militias?|guerrillas?|insurgents?)\b", re.I)


# A teller of a state's forces ("a military source", "security officials") and the words of a listed
# name that make it a state's forces ("government troops", "the army").
_STATE_TELLER = re.compile(r"\b(?:military|army|security|defen[cs]e|government)\b", re.I)
_STATE_FORCE = re.compile(r"\b(?:army|military|troops|soldiers|government|armed forces)\b", re.I)
_NOT_STATE = re.compile(r"\b(?:rebels?|militias?|insurgents?|guerrillas?|separatists?|militants?|jihadists?)\b", re.I)


def _body_named(who: str, mentions: list[tuple[str, str]]) -> str | None:
    """The only listed belligerent with a mention holding the body word in ``who`` ("army spokesman" ->
    the one listed army), else, for a teller of a state's forces ("a military source"), the only listed
    belligerent named as a state's forces ("government troops"), else None."""
    for word in _BODY_KIND.findall(who):
        holders = {name for m, name in mentions if re.search(rf"\b{re.escape(word)}\b", m, re.I)}
        if len(holders) == 1:
            return holders.pop()
    if _STATE_TELLER.search(who):
        holders = {name for m, name in mentions if _STATE_FORCE.search(m) and not _NOT_STATE.search(m)}
        if len(holders) == 1:
            return holders.pop()
    return None


# Where the side that forces go to join ends: "to reinforce the army at Waterloo" -> "the army".
_JOINED_END = re.compile(r"\s+(?:in|at|on|near|around|after|before|as|and|a day|from|with)\b", re.I)
# A new clause with a subject of its own, before a verb of sending.
_NEW_CLAUSE = re.compile(r",\s+(?:and|but|while|whereas)\s+|\s+while\s+", re.I)
# A wire dateline at the head of a sentence: "MAKHACHKALA, Russia (Lantern News) - ".
_DATELINE = re.compile(r"^\s*[A-Z][A-Z'’. -]+,[^-–—()]*(?:\([^)]*\))?\s*[-–—]+\s*")
# A definite description: "the mission", "The brigade", "the guerrillas".
_THE_NOUN = re.compile(r"\b[Tt]he\s+([a-z][a-z-]{2,})\b")


# A named unit in the forces' words: "his elite Anti-Terrorist Unit", "two battalions of the Presidential Guard".
_UNIT_IN = re.compile(
    r"(?<![\w-])(?:[A-Z][\w'’-]*\s+){1,4}(?:Unit|Brigade|Battalion|Regiment|Division|Corps|Force|Guard)(?![\w-])"
)


def _unit_named(forces: str) -> str | None:
    """A named unit the forces' words hold, as the sender where no listed side sends them (a named force
    sends itself: its parent is the sender only where the article names one)."""
    m = _UNIT_IN.search(forces)
    return m.group() if m and is_actor_name(m.group()) else None


def _head_named(article: str, text: str, at: int, mentions: list[tuple[str, str]]) -> str | None:
    """The listed belligerent a definite description in ``text`` stands for ("The mission would move" -> the
    one listed as "the U.N. mission"; "The brigade had brought" -> a listed "... Brigade"): the one whose
    mention ends in the description's noun, the one mentioned last before ``at`` where several do."""
    for noun in _THE_NOUN.findall(text):
        holders = {name for m, name in mentions if fold(m).split()[-1:] == [noun.casefold()] and fold(m) != noun}
        if len(holders) == 1:
            return holders.pop()
        if holders:
            last = {
                name: max((s for m, n in mentions if n == name for s in occurrences(article[:at], m)), default=-1)
                for name in holders
            }
            best = max(last, key=lambda n: last[n])
            if last[best] >= 0:
                return best
    return None


def sender_of(article: str, mv: Movement, mentions: list[tuple[str, str]]) -> str | None:
    """The listed belligerent that sends ``mv``: the first named in the clause of its verb, else the first
    named earlier in the sentence (a passive movement's sender is the one that announces it)."""
    lo, _ = _sentence(article, mv.verb_at)
    before = article[lo : mv.verb_at]
    cut = 0
    for m in _REPORTED.finditer(before):
        cut = m.end()
    at = mv.at - lo
    if mv.moving:
        # the side their own words name, an aside on them included ("militiamen of the Popular Mobilization
        # Forces", "Several thousand Kamajors, the ... militia of the Civil Defence Forces (CDF), have begun"),
        # the side they go to join, their nation ("Russian tanks"), the one that tells
        _, hi = _sentence(article, mv.verb_at)
        own = article[mv.at : _end(mv)]
        joins = _JOIN.search(article, mv.verb_at, hi)
        joined = _JOINED_END.split(joins.group(1), maxsplit=1)[0] if joins else ""
        return (
            _parent_force(own, mentions)
            or _first_named(own, mentions)
            or (_first_named(joined, mentions) if joined else None)
            or _nation_named(article, mv.forces, mentions)
            or _teller(article, mv, mentions)
            or _first_named(before[:cut], mentions)
            or _head_named(article, before[:at], mv.at, mentions)
        )
    if mv.at > mv.verb_at:  # active: the subject of the verb's clause ("it": the one that said so)
        # an aside between commas is no subject ("the Giants Brigades, a force backed by the UAE, had sent"),
        # nor one of an earlier clause ("Israeli troops battled Hezbollah guerrillas ..., and the Israeli army
        # rushed", "..., while France ... flew in extra soldiers")
        clause = _ASIDE.sub(" ", before[cut:])
        clause = _NEW_CLAUSE.split(clause)[-1]
        accused = _ACCUSED.search(clause)  # "Armenia has accused Turkey of sending ..."
        clause = accused.group(1) if accused else clause
        found = _first_named(clause, mentions)
        if found is None and re.search(r"\b(?:it|they)\b", clause, re.I):
            # "it" is the one that said so: the side named nearest before the verb of saying ("Turkish-backed
            # factions attacked ..., and the SDF said it was sending"), a relative clause between commas skipped
            found = _first_named(_RELATIVE.sub(" ", before[:cut]), mentions, last=True)
        if found is None and re.search(r"\bit\b", clause, re.I) and (head := _SPEAKER_HEAD.match(before[:cut])):
            name = head.group("name")  # "Germany said on Monday it would send": a state or body, unlisted
            if is_actor_name(name) and (" " not in name or _BODY_WORD.search(name)):
                return name
        if found is None and (named := _NAMED_FORCE.search(clause)):
            return named.group("name")  # a named force the answer did not list ("the Giants Brigades")
        # "the army brought up more armour": the one listed army; "The mission would move": the listed "U.N.
        # mission"
        return (
            found
            or _body_named(clause, mentions)
            or _first_named(mv.forces, mentions)
            or _head_named(article, clause, mv.verb_at, mentions)
            or _unit_named(mv.forces)  # "Taylor has redeployed his elite Anti-Terrorist Unit": the unit
        )
    # passive: a side named before the forces in their clause, else the one that announces them (a state
    # the answer does not list: "South Africa's defence ministry said ... 800 soldiers would be sent")
    head = _STATE_HEAD.match(before[:cut])
    # "MAKHACHKALA, Russia (Lantern News) - Two battalions ...", "rebels attacked the post, and two wings of
    # the Frontier Corps were rushed": the dateline and an earlier clause name no sender
    own = _NEW_CLAUSE.split(_DATELINE.sub("", before[cut:at]))[-1]
    return (
        _first_named(own, mentions)
        or _first_named(before[:cut], mentions)
        or _first_named(mv.forces, mentions)  # "South African soldiers"
        or (head.group("state") if head and is_country(head.group("state")) else None)
        or _body_named(before[:cut], mentions)  # "the military's media wing said ...": the one state army
        or _teller(article, mv, mentions)  # "..., an army spokesman said."
        or _head_named(article, before[:at], mv.at, mentions)
    )


def _origin(article: str, mv: Movement, listed: dict[str, str]) -> str | None:
    lo, hi = _sentence(article, mv.verb_at)
    for m in _FROM.finditer(article, min(mv.at, mv.verb_at), hi):  # "Reinforcements from Osh were on their way"
        name = m.group(1)
        if is_place_name(name):
            owned = re.match(r"[A-Z][\w-]*['’]s\s+(.+)$", name)  # "Russia's North Ossetia"
            return (_listed_in(listed, owned.group(1)) if owned else None) or _listed_in(listed, name) or name
    return None


def _fix_senders(
    data: ConflictSummary, article: str, movements: list[Movement], mentions: list[tuple[str, str]]
) -> ConflictSummary:
    """The answer's reinforcements whose forces a found movement holds take that movement's sender where
    its sentence names one (a small model often gives the receiver: "Ukrainian servicemen" for the
    systems Germany sends), and its destination where the answer's is the place the forces come from
    ("redeployed at least two brigades from the village of Bure ... to trenches around Tsorona" is not to
    Bure); a reinforcement that then repeats an earlier one's sender and place goes."""
    listed = _places(data)
    out: list[Reinforcement] = []
    seen: set[tuple[str, str]] = set()
    for r in data.reinforcements:
        # where the answer's sender is named with them, else the first; words written more than once
        # ("fighters") cannot say which movement they are
        at = _forces_at(article, r) if len(occurrences(article, r.forces)) == 1 else None
        for mv in movements:
            if at is not None and at < _end(mv) and mv.at < at + len(r.forces):
                sender = sender_of(article, mv, mentions)
                if sender and fold(sender) != fold(r.sender):
                    r = r.model_copy(update={"sender": sender})
                origin = _origin(article, mv, listed)
                if r.destination and origin and fold(r.destination) == fold(origin):
                    avoid = {fold(r.sender), fold(origin)}
                    dest = destination_in(article, mv.at, len(mv.forces), listed, avoid)
                    if dest:
                        r = r.model_copy(update={"destination": dest, "origin": r.origin or origin})
                break
        key = (fold(r.sender), fold(r.destination or ""))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return data if out == data.reinforcements else data.model_copy(update={"reinforcements": out})


def add_movements(data: ConflictSummary, article: str) -> ConflictSummary:
    """The answer with the movements it left out added (``find_movements``), one per sender and place,
    while the schema's bound leaves room. The answer's reinforcements whose sender is neither listed nor an
    actor's name ("armoured vehicles retook the town of Batibo") go first: they would be dropped later
    (``parse.list_senders``) and must not hide a movement of the same forces or place."""
    if not data.belligerents:
        return data
    mentions = _mentions(data, article)
    named = {fold(m) for m, _ in mentions}
    sound = [r for r in data.reinforcements if fold(r.sender) in named or is_actor_name(r.sender)]
    if len(sound) < len(data.reinforcements):
        data = data.model_copy(update={"reinforcements": sound})
    movements = find_movements(article)
    data = _fix_senders(data, article, movements, mentions)
    listed = _places(data)
    actors = {fold(m) for m, _ in mentions} - set(listed)  # a town listed as a side too is still a place
    have = {(fold(r.sender), fold(r.destination or "")) for r in data.reinforcements}
    # where the answer's forces stand; words written more than once ("fighters") cannot say which movement
    told = [
        (at, at + len(r.forces))
        for r in data.reinforcements
        if len(spots := occurrences(article, r.forces)) == 1
        for at in spots
    ]
    added: list[Reinforcement] = []
    for mv in movements:
        if any(lo < _end(mv) and mv.at < hi for lo, hi in told):
            continue  # the answer tells of these forces already
        sender = sender_of(article, mv, mentions)
        if sender is None:
            continue
        avoid = {fold(sender)} | actors
        origin = _origin(article, mv, listed)
        if origin is not None:
            avoid.add(fold(origin))
        unsaid = where_unsaid(article, mv.at)  # "without saying where they would be deployed"
        dest = None if unsaid else destination_in(article, mv.at, len(mv.forces), listed, avoid)
        if dest is None and mv.moving and not unsaid:  # "... had been moving south." "They were going toward Sake."
            dest = arrival_place(article, mv.at, listed, avoid)
        # forces on the move with no place named are not told where they go, unless they "arrived from" one
        # (they came to the story's place)
        if dest is None and mv.moving and not (origin and _ARRIVING.match(article, mv.verb_at)):
            continue
        if dest is None and not unsaid and not to_an_actor(article, mv.at):
            dest = main_place(data, article, avoid)
        key = (fold(sender), fold(dest or ""))
        if key in have:
            continue
        have.add(key)
        added.append(Reinforcement(sender=sender, forces=mv.forces, destination=dest, origin=origin, status=mv.status))
    room = max(0, MAX_REINFORCEMENTS - len(data.reinforcements))
    if added and room:
        data = data.model_copy(update={"reinforcements": [*data.reinforcements, *added[:room]]})
    actors = {fold(m) for b in data.belligerents for m in [b.name, *b.aliases]}
    return _senders_not_places(data, {fold(r.sender) for r in data.reinforcements} - actors)


# Words that tell of forces sent, moving, arriving or being gathered (the guide's "sends, moves or
# mobilises toward an area"); a reinforcement whose forces stand in no sentence with one is not one.
_REINFORCING_WORD = re.compile(r"\breinforc", re.I)
_MOVEMENT_CUE = re.compile(
    r"\b(?:send(?:s|ing)?|sent|deploy\w*|dispatch\w*|arriv\w*|reinforc\w*|mov(?:e|ed|es|ing)|rush\w*|mobili[sz]\w*"
    r"|flown|flew|fly\w*|airlift\w*|brought|bring\w*|head(?:ed|ing|s)?|en route|pour\w*|mass(?:ed|ing)"
    r"|land(?:ed|ing|s)?|reach(?:ed|ing|es)?|cross(?:ed|ing|es)?|roll(?:ed|ing|s)?|stream(?:ed|ing|s)?"
    r"|concentrat\w*|redeploy\w*|bolster\w*|join\w*|transferr?\w*|suppl(?:y|ies|ied|ying)|deliver\w*|convoy\w*"
    r"|advanc\w*|march\w*|pull\w*|recruit\w*|call(?:ed)? up|drafted|amass\w*|build-?up|buil[dt]\w* up"
    r"|on (?:their|its|the) way|shipp?\w*|station\w*|posted|positioned|left|depart\w*|set (?:off|out)|travel\w*)\b",
    re.IGNORECASE,
)


# The forces doing the fighting themselves: "warplanes carried out dozens of air strikes".
_STRIKING = re.compile(
    r"\s+(?:(?:have|has|had)\s+)?(?:carried out|conducted|launched|struck|bombed|shelled|pounded|hit|attacked"
    r"|fired)\b",
    re.I,
)


# A charge of sending forces that the sentence says is denied: "..., a charge that both Ankara and Baku deny".
_CHARGE_DENIED = re.compile(
    r"\b(?:a|the)\s+(?:charge|claim|accusation|allegation)s?\s+(?:that|which)\s+[^.;]*?\bden(?:y|ies|ied)\b", re.I
)


# Words right before forces that make them the ones joined, not the ones sent.
_RECEIVER = re.compile(r"\b(?:join|joining|reinforce|reinforcing|relieve|relieving)\s+(?:the\s+)?$", re.I)
# A participle after the forces that tells what they are: "drones supplied by Turkey".
_MADE_BY = re.compile(r"\s+(?:supplied|provided|made|built|bought|donated)\s+by\s+(?:the\s+)?[\w'’-]+", re.I)


def _told_moving(article: str, at: int, forces: str) -> bool:
    """Whether the sentence of the forces at ``at`` tells of a movement in words other than the forces' own
    and a participle that says what they are ("Bayraktar drones supplied by Turkey" is a kind of drone;
    "reinforcements" still tells of one), is no charge the sentence says is denied, and the forces are
    neither the ones joined ("to join Federal Police units") nor ones that strike."""
    lo, hi = _sentence(article, at)
    if _RECEIVER.search(article[lo:at]):
        return False
    own = len(forces) if not _REINFORCING_WORD.search(forces) else 0
    if own and (made := _MADE_BY.match(article, at + own)):
        own = made.end() - at
    rest = article[lo:at] + " " * own + article[at + own : hi]
    return (
        bool(_MOVEMENT_CUE.search(rest))
        and not _CHARGE_DENIED.search(rest)
        and not _STRIKING.match(article, at + len(forces))
    )


def drop_unmoved(data: ConflictSummary, article: str) -> ConflictSummary:
    """The answer without reinforcements whose forces the article names only in sentences that tell of no
    movement beyond the forces' own words ("Peshmerga forces ... shelled Islamic State positions", "with the
    help of clan militias", "relied on drones supplied by Turkey"), or where the forces themselves strike
    ("warplanes carried out dozens of air strikes to halt the advance"), or where the sentence calls the
    movement a charge that is denied; forces not found as written are kept."""
    keep = []
    for r in data.reinforcements:
        spots = [s for s in occurrences(article, r.forces) if s >= 0]
        moved = not spots or any(_told_moving(article, s, r.forces) for s in spots)
        if moved:
            keep.append(r)
    if len(keep) == len(data.reinforcements):
        return data
    return data.model_copy(update={"reinforcements": keep})


def one_per_movement(data: ConflictSummary) -> ConflictSummary:
    """The answer with one reinforcement per movement: a later one that goes from the same place to the same
    place as an earlier one ("Reinforcements from Osh ... on their way to the Leilek district", listed again
    as the "troops" the border service told of), or that the same sender sends to the same place as an
    earlier one ("an armoured brigade" and "more armour" the army brings to Mosul), is the same movement
    told again, and goes (the guide: one movement told several times is one item)."""
    seen: set[tuple[str, str]] = set()
    sent: set[tuple[str, str]] = set()
    keep = []
    for r in data.reinforcements:
        if r.destination and r.origin:
            key = (fold(r.destination), fold(r.origin))
            if key in seen:
                continue
            seen.add(key)
        if r.destination:
            key = (fold(r.sender), fold(r.destination))
            if key in sent:
                continue
            sent.add(key)
        keep.append(r)
    if len(keep) == len(data.reinforcements):
        return data
    return data.model_copy(update={"reinforcements": keep})


def mend_reinforcements(data: ConflictSummary, article: str) -> ConflictSummary:
    """The reinforcement stages in order: the answer's unmoved forces dropped (so that they hide no
    movement), movements added, unmoved ones dropped again, destinations filled, one item per movement."""
    data = drop_unmoved(add_movements(drop_unmoved(data, article), article), article)
    return one_per_movement(fill_destinations(data, article))
