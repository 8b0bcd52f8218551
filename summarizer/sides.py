"""Side labels that the article's own sentences contradict.

A small model often gives two enemies one side label ("government" for both the LNA and the GNA, one
label for a junta and the alliance fighting it) or puts a force with the side it shells. Wire copy says
who fights whom in a few fixed shapes: a side, a verb of hostility, then its enemy ("Kurdish Peshmerga
forces ... shelled Islamic State positions", "X clashed with troops of Y", "the RSF, which has been at war
with the SAF"), "fighting between X and Y", "X accused Y of ..."; and who stands with whom: "X, backed by
Y", "Y-backed X", "forces loyal to X", "X and its allies", "in support of X", "Y, which supplies it".

This stage, deterministic and model-free, reads those sentences for pairs of listed belligerents and
splits a side label shared by enemies: inside that camp, the belligerents are put in two groups so that
enemies part and allies stay (the camp's first-listed belligerent keeps the label; one with no such
sentence stays with it). The other group takes the label of another camp that none of them fights and
that fights the first group, else a label of its own (its first belligerent's name). A camp whose
sentences contradict each other is left as it is.

Before that, a part named with its whole ("the Joint Forces, an alliance ... that includes the Sudan
Liberation Army", "the Bosnian army's 5th Corps", "the Carlos Patino front of the EMC") takes the whole's
label unless it fights someone so labelled, and a leader named in the possessive before one belligerent
("Haftar's Libyan National Army") stands for it in later sentences ("forces loyal to Haftar").
"""

from __future__ import annotations

import re
from collections import deque

from summarizer.parse import _BODY_END, state_of
from summarizer.schema import MAX_SIDE, ConflictSummary
from summarizer.textspans import fold

# A verb or noun of hostility between two named sides, the attacker first.
_HOSTILE = re.compile(
    r"\b(?:attack(?:ed|s|ing)?|shell(?:ed|s|ing)|clash(?:ed|es|ing)?|fight(?:s|ing)?|fought|battl(?:ed|es|ing)"
    r"|ambush(?:ed|es|ing)?|bomb(?:ed|s|ing)|strikes?|struck|targeted|targeting|besieg(?:ed|es|ing)"
    r"|surround(?:ed|s|ing)|encircl(?:ed|es|ing)|repel(?:led|s|ling)?|repuls(?:ed|es|ing)|pushed back"
    r"|drove (?:out|back)|(?:re)?captured|seized|overran|overrun|took control|war|against|offensive|assault"
    r"|accused|blamed|positions of|killed|kill(?:s|ing)?|fire on|fired on|raid(?:ed|s)?|shot down)\b",
    re.IGNORECASE,
)
# Words that put a teller, not an enemy, between two names.
_TELLING = re.compile(
    r"\b(?:said|says|told|according to|reported|announced|statement|spokes(?:man|woman|person)|denied|claimed)\b"
    r"|[;:\"“”]",
    re.IGNORECASE,
)
# Between two names, words that make them partners: "X and Y", "X, backed by Y", "X's allies".
_ALLIED_BETWEEN = re.compile(
    r"^(?:,?\s*(?:along with|together with|alongside)\s+(?:the\s+|its\s+|their\s+)?|"
    r",?\s*(?:which is |who are |which are )?(?:backed|supported|armed|funded|trained|aided|helped|joined)\s+by\s+"
    r"(?:the\s+)?|,?\s*(?:its|their)\s+(?:allies|ally|partners?|backers?)(?:\s+in)?,?\s+(?:the\s+)?"
    r"|,?\s*(?:allied|loyal|aligned|affiliated)\s+(?:to|with)\s+(?:the\s+)?|-(?:backed|allied|aligned|linked)\s+)$",
    re.IGNORECASE,
)
# Ending the words between two names: the second backs the first ("X were backed in the fighting by Y").
_BACKED_BY = re.compile(
    r"\b(?:backed|supported|helped|aided|assisted|joined|reinforced|armed|funded|trained)\b[^,;.]*\bby\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# Anywhere between two names: the first fights for the second ("troops ... fighting alongside M23").
_FOR = re.compile(
    r"\b(?:alongside|fight(?:s|ing)? for|fought for|on behalf of|in support of|to (?:help|back|support|aid))\b", re.I
)
# Between two names, words that make the second a part or member of the first, or the first of the
# second: "the Joint Forces, an alliance ... that includes the Sudan Liberation Army", "the Carlos Patino
# front of the EMC", "the Bosnian army's 5th Corps".
_WHOLE_FIRST = re.compile(r"\b(?:includes?|including|included|made up of|compris(?:es|ing))\b", re.IGNORECASE)
_PART_FIRST = re.compile(
    r"\b(?:members? of|part of|a faction of|a wing of|an arm of|units? of|brigades? of)\b", re.IGNORECASE
)
_PART_BETWEEN = re.compile(r"^(?:\s+of\s+(?:the\s+)?|['’]s\s+)$")
# A person's name before a listed belligerent's in the possessive: "Haftar's Libyan National Army".
_LEADER = re.compile(r"(?<![\w-])([A-Z][\w-]+)['’]s\s+(?:the\s+)?$")
_GAP = 90  # the most characters between the two names of one sentence's pair
# A verb of hostility or support right before the name it takes as object, at any distance from its
# subject: "clashed with troops of the", "to support".
_OBJECT_VERB = re.compile(
    r"\b(?:(?P<ally>to\s+(?:support|reinforce|help|back|aid|bolster|relieve)|fight(?:ing)?\s+alongside)"
    r"|(?:clashed|clashing|fought|fighting|battled|battling)\s+(?:with|against)|attacked|shelled|ambushed"
    r"|repelled|besieged|encircled|overran|bombed)"
    r"\s+(?:(?:the\s+)?(?:troops|forces|fighters|units|positions|soldiers|members)\s+of\s+)?(?:the\s+)?",
    re.IGNORECASE,
)
_TWO_WORDS = re.compile(r"(?:[\w-]+\s+){0,2}")  # "internationally recognised" before the object's name
# A word that tells who says what: the clause's subject comes after the last one before the verb.
_TOLD = re.compile(r"\b(?:said|says|told|according to|reported|announced|that)\b|[:\"“”]", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?$", re.IGNORECASE)
_WAR_WORD = re.compile(r"\b(?:fight\w*|clash\w*|war|battles?|ceasefires?|truce|hostilities|conflict)\b", re.I)


def _sentences(article: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])[\"”’]?\s+|\n+", article) if s.strip()]


def _mentions(data: ConflictSummary, article: str) -> list[tuple[str, int]]:
    """(mention, belligerent index) for every name, alias and the state a state's forces are named after;
    a mention claimed by two belligerents is left out; longest first."""
    owners: dict[str, set[int]] = {}
    leaders: dict[str, set[int]] = {}
    shown: dict[str, str] = {}
    for i, b in enumerate(data.belligerents):
        for m in [b.name, *b.aliases, state_of(b.name, article) or ""]:
            if len(m) > 1:
                owners.setdefault(fold(m), set()).add(i)
                shown.setdefault(fold(m), m)
    # a leader named in the possessive before one belligerent only stands for it ("Haftar's LNA": a later
    # "forces loyal to Haftar" or "in support of Haftar" tells of the LNA)
    places = {fold(m) for loc in data.locations for m in [loc.name, *loc.aliases]}
    for i, b in enumerate(data.belligerents):
        for m in dict.fromkeys([b.name, *b.aliases]):
            for at in (x.start() for x in re.finditer(rf"(?<![\w-]){re.escape(m)}(?![\w-])", article)):
                lead = _LEADER.search(article[max(0, at - 40) : at])
                if lead and fold(lead.group(1)) not in owners.keys() | places:
                    leaders.setdefault(fold(lead.group(1)), set()).add(i)
                    shown.setdefault(fold(lead.group(1)), lead.group(1))
    for k, v in leaders.items():
        owners.setdefault(k, set()).update(v)
    pairs = [(shown[k], next(iter(v))) for k, v in owners.items() if len(v) == 1]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _find(sentence: str, mentions: list[tuple[str, int]]) -> list[tuple[int, int, int]]:
    """(start, end, belligerent) of each mention in ``sentence``, longest first where they overlap."""
    found: list[tuple[int, int, int]] = []
    taken: list[tuple[int, int]] = []
    for mention, who in mentions:
        for m in re.finditer(rf"(?<![\w-]){re.escape(mention)}(?![\w])", sentence):
            if all(m.end() <= s or m.start() >= e for s, e in taken):
                found.append((m.start(), m.end(), who))
                taken.append((m.start(), m.end()))
    return sorted(found)


def relations(data: ConflictSummary, article: str) -> tuple[set[frozenset[int]], set[frozenset[int]]]:
    """Pairs of belligerent indexes the article's sentences put against each other, and pairs it puts
    together (one pair can be in both: then it counts as neither)."""
    enemies, allies, _ = _read(data, article)
    return enemies, allies


def _read(data: ConflictSummary, article: str) -> tuple[set[frozenset[int]], set[frozenset[int]], set[tuple[int, int]]]:
    """``relations`` and the (part, whole) pairs among the allies: "W's P", "P of the W", "W ... includes P",
    "P, part of W"."""
    mentions = _mentions(data, article)
    enemies: set[frozenset[int]] = set()
    allies: set[frozenset[int]] = set()
    parts: set[tuple[int, int]] = set()
    for sentence in _sentences(article):
        found = _find(sentence, mentions)
        for n, (a_start, a_end, a) in enumerate(found):
            for b_start, _, b in found[n + 1 :]:
                if a == b:
                    continue
                gap = sentence[a_end:b_start]
                pair = frozenset((a, b))
                possessive = gap.strip()[:1] in "'’"
                # "the Bosnian army's 5th Corps", never a place's ("Yemen's Houthi movement")
                if _PART_BETWEEN.match(gap) and (not possessive or _BODY_END.search(sentence[a_start:a_end])):
                    allies.add(pair)
                    parts.add((b, a) if possessive else (a, b))  # "W's P" / "P of the W"
                    break
                if _ALLIED_BETWEEN.match(gap):
                    allies.add(pair)
                    break
                if len(gap) > _GAP or _TELLING.search(gap):
                    break
                if _BACKED_BY.search(gap):
                    allies.add(pair)
                    break
                whole_first, part_first = _WHOLE_FIRST.search(gap), _PART_FIRST.search(gap)
                if whole_first or part_first:
                    allies.add(pair)
                    parts.add((b, a) if whole_first else (a, b))  # "W ... includes P" / "P, part of W"
                    break
                if _FOR.search(gap):
                    allies.add(pair)
                    break
                if ", and " in gap:  # another clause, whose subject may be someone else
                    break
                between = _BETWEEN.search(sentence[: found[n][0]])
                if between and re.fullmatch(r"\s+and\s+(?:the\s+)?", gap) and _WAR_WORD.search(sentence):
                    enemies.add(pair)
                    break
                if _HOSTILE.search(gap) and not re.search(r"\b(?:and|or)\s+(?:the\s+)?$", gap):
                    enemies.add(pair)
                    break
        for verb in _OBJECT_VERB.finditer(sentence):
            # the clause's subject (its first listed name after the last word of telling) and the name the
            # verb takes as object: "Forces loyal to ... Haftar shelled ... and clashed with troops of the
            # GNA", "the Giants Brigades ... had sent hundreds of fighters ... to support Yemeni army units"
            objects = [f for f in found if f[0] >= verb.end() and _TWO_WORDS.fullmatch(sentence[verb.end() : f[0]])]
            cut = max((t.end() for t in _TOLD.finditer(sentence, 0, verb.start())), default=0)
            subjects = [f for f in found if cut <= f[0] and f[1] <= verb.start()]
            if not objects or not subjects or ", and " in sentence[subjects[0][1] : verb.start()]:
                continue
            a, b = subjects[0][2], objects[0][2]
            if a != b:
                (allies if verb.group("ally") else enemies).add(frozenset((a, b)))
    both = enemies & allies
    return enemies - both, allies - both, {p for p in parts if frozenset(p) not in both}


def _two_groups(members: list[int], enemies: set[frozenset[int]], allies: set[frozenset[int]]) -> dict[int, int]:
    """Colour 0/1 for each member so that enemies differ and allies agree (BFS from each uncoloured member in
    list order, starting at 0); empty when the sentences contradict each other."""
    inside = set(members)
    edges: dict[int, list[tuple[int, int]]] = {m: [] for m in members}
    for pair, differ in [(p, 1) for p in enemies] + [(p, 0) for p in allies]:
        a, b = tuple(pair)
        if a in inside and b in inside:
            edges[a].append((b, differ))
            edges[b].append((a, differ))
    colour: dict[int, int] = {}
    for start in members:
        if start in colour:
            continue
        colour[start] = 0
        todo = deque([start])
        while todo:
            x = todo.popleft()
            for y, differ in edges[x]:
                want = colour[x] ^ differ
                if y not in colour:
                    colour[y] = want
                    todo.append(y)
                elif colour[y] != want:
                    return {}
    return colour


def split_enemy_sides(data: ConflictSummary, article: str) -> ConflictSummary:
    """The answer with each side label that the article shows enemies sharing split in two (see module)."""
    if len(data.belligerents) < 2:
        return data
    enemies, allies, parts = _read(data, article)
    if not enemies and not allies:
        return data
    sides = [b.side for b in data.belligerents]
    # a supporter that the article puts with a combatant of another camp, and against no one of that
    # camp, takes that camp's label ("M23 ... Rwanda ... fighting alongside" with Rwanda labelled
    # "government")
    for pair in sorted(allies, key=sorted):
        i, j = sorted(pair)
        roles = (data.belligerents[i].role, data.belligerents[j].role)
        if fold(sides[i]) == fold(sides[j]) or sorted(roles) != ["combatant", "supporter"]:
            continue
        fighter, backer = (i, j) if roles[0] == "combatant" else (j, i)
        camp = [k for k, side in enumerate(sides) if fold(side) == fold(sides[fighter])]
        if not any(frozenset((backer, k)) in enemies for k in camp):
            sides[backer] = sides[fighter]
    # a belligerent alone in its camp that the article puts with another ("gunmen of the allied Amal movement
    # were fighting alongside them") takes that one's label, unless it fights someone so labelled
    for pair in sorted(allies, key=sorted):
        i, j = sorted(pair)
        if fold(sides[i]) == fold(sides[j]):
            continue
        alone = [k for k in (i, j) if sum(fold(x) == fold(sides[k]) for x in sides) == 1]
        if len(alone) == 2:  # both alone: the one labelled with its own name joins the other
            alone = [k for k in alone if fold(sides[k]) == fold(data.belligerents[k].name)]
        if len(alone) != 1:
            continue
        k, other = alone[0], j if alone[0] == i else i
        camp = [x for x, side in enumerate(sides) if fold(side) == fold(sides[other])]
        if not any(frozenset((k, x)) in enemies for x in camp):
            sides[k] = sides[other]
    # a part the article names with its whole ("the Joint Forces ... that includes the SLA", "the Bosnian
    # army's 5th Corps") takes the whole's label, unless it fights someone labelled so
    for part, whole in sorted(parts):
        camp = [k for k, side in enumerate(sides) if fold(side) == fold(sides[whole])]
        if fold(sides[part]) != fold(sides[whole]) and not any(frozenset((part, k)) in enemies for k in camp):
            sides[part] = sides[whole]
    camps: dict[str, list[int]] = {}
    for i, s in enumerate(sides):
        camps.setdefault(fold(s), []).append(i)
    for label, members in list(camps.items()):
        if not any(pair <= set(members) for pair in enemies):
            continue
        colour = _two_groups(members, enemies, allies)
        moved = [i for i in members if colour.get(i) == 1]
        if not colour or not moved:
            continue
        stay = [i for i in members if colour[i] == 0]
        sides_now = [fold(s) for s in sides]
        new = None
        for other in dict.fromkeys(s for s in sides_now if s != label):
            group = [j for j, s in enumerate(sides_now) if s == other]
            fights_moved = any(frozenset((i, j)) in enemies for i in moved for j in group)
            fights_stay = any(frozenset((i, j)) in enemies for i in stay for j in group)
            if fights_stay and not fights_moved:
                new = next(sides[j] for j in group)
                break
        others = [s for s in dict.fromkeys(sides_now) if s != label]
        if new is None and len(others) == 1:
            # two camps: a group split off from one, fighting no one of the other, joins the other
            group = [j for j, s in enumerate(sides_now) if s == others[0]]
            if not any(frozenset((i, j)) in enemies for i in moved for j in group):
                new = sides[group[0]]
        if new is None:
            taken = set(sides_now)
            name = data.belligerents[moved[0]].name[:MAX_SIDE]
            new = name if fold(name) not in taken else None
        if new is None:
            continue
        for i in moved:
            sides[i] = new
    if sides == [b.side for b in data.belligerents]:
        return data
    out = [b.model_copy(update={"side": s}) for b, s in zip(data.belligerents, sides, strict=True)]
    return data.model_copy(update={"belligerents": out})
