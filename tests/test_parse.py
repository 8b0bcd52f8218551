"""``parse``: from the model's JSON text to a clean ``ConflictSummary``."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from summarizer.parse import ParseError, clean, drop_cross_aliases, names_same, own_aliases, parse, unlisted_places
from summarizer.schema import MAX_ALIASES, ConflictSummary, Reinforcement


def bel(name: str, aliases: list[str], side: str = "government", role: str = "combatant") -> dict[str, Any]:
    return {"name": name, "aliases": aliases, "side": side, "role": role}


def loc(name: str, aliases: list[str], within: str | None = None, type_: str = "town") -> dict[str, Any]:
    return {"name": name, "aliases": aliases, "type": type_, "within": within}


def rein(sender: str, forces: str, destination: str | None, status: str = "under_way") -> dict[str, Any]:
    return {"sender": sender, "forces": forces, "destination": destination, "origin": None, "status": status}


def quote(text: str, speaker: str = "a source") -> dict[str, Any]:
    return {"text": text, "speaker": speaker, "speaker_affiliation": None}


def doc(**kw: Any) -> dict[str, Any]:
    return {"summary": "s", "belligerents": [], "locations": [], "reinforcements": [], "quotes": [], **kw}


def run(d: dict[str, Any], article: str | None = None) -> ConflictSummary:
    return parse(json.dumps(d), article)


def test_returns_model() -> None:
    out = run(doc(belligerents=[bel("Syrian army", ["the army"])]))
    assert isinstance(out, ConflictSummary)
    assert out.belligerents[0].name == "Syrian army"
    assert out.belligerents[0].aliases == ["the army"]
    assert out.belligerents[0].spans is None


def test_duplicate_belligerents_are_merged() -> None:
    out = run(
        doc(
            belligerents=[
                bel("Syrian army", ["the army"]),
                bel("Tahrir al-Sham", [], side="rebels"),
                bel("syrian  Army", ["army", "The Army", "regime forces"], side="other", role="supporter"),
            ]
        )
    )
    assert [b.name for b in out.belligerents] == ["Syrian army", "Tahrir al-Sham"]
    first = out.belligerents[0]
    assert first.aliases == ["the army", "army", "regime forces"]
    assert (first.side, first.role) == ("government", "combatant")  # the first item's fields are kept


def test_duplicate_locations_are_merged() -> None:
    out = run(doc(locations=[loc("Soran", []), loc("SORAN", ["Soran district"], within="Hama")]))
    assert len(out.locations) == 1
    assert out.locations[0].name == "Soran"
    assert out.locations[0].aliases == ["Soran district"]
    assert out.locations[0].within is None


def test_alias_equal_to_name_is_dropped() -> None:
    out = run(doc(belligerents=[bel("Syrian army", ["Syrian Army", "the army"])], locations=[loc("Hama", ["hama"])]))
    assert out.belligerents[0].aliases == ["the army"]
    assert out.locations[0].aliases == []


def test_repeated_alias_is_dropped() -> None:
    out = run(doc(belligerents=[bel("Syrian army", ["the army", "army", "The  army", "army"])]))
    assert out.belligerents[0].aliases == ["the army", "army"]


def test_duplicate_reinforcements_and_quotes() -> None:
    out = run(
        doc(
            belligerents=[bel("Syrian army", [])],
            reinforcements=[
                rein("Syrian army", "tanks", "Hama"),
                rein("syrian army", "Tanks", "hama", status="arrived"),
                rein("Syrian army", "tanks", None),
            ],
            quotes=[quote("We will win"), quote("we will  win", speaker="someone"), quote("We hold")],
        )
    )
    assert [(r.destination, r.status) for r in out.reinforcements] == [
        ("Hama", "under_way"),
        (None, "under_way"),
    ]
    assert [q.text for q in out.quotes] == ["We will win", "We hold"]
    assert out.quotes[0].speaker == "a source"


def test_clean_does_not_mutate_input() -> None:
    raw = doc(belligerents=[bel("Syrian army", ["the army", "the army"]), bel("Syrian army", ["army"])])
    before = copy.deepcopy(raw)
    clean(raw, "the Syrian army and the army")
    assert raw == before


ARTICLE = "Rebels of Jaish al-Izza shelled Jobar, near Damascus. The army sent tanks to Jobar from Harasta."


def test_partial_words_dropped_with_article() -> None:
    d = doc(
        belligerents=[
            bel("Jaish al-Izza", ["Rebels", "Reb", "al-Izz"], side="rebels"),
            bel("Jais", [], side="rebels"),  # only inside "Jaish"
            bel("army", ["arm"]),
        ],
        locations=[
            loc("Jobar", ["Job"], within="Damas", type_="district"),
            loc("Jo", [], within="Damascus"),
            loc("Damascus", [], type_="city"),
        ],
        reinforcements=[
            rein("army", "tanks", "Jobar"),
            rein("army", "tank", "Jobar"),  # forces cut "tanks"
            rein("arm", "tanks", None),  # sender cuts "army"
            {**rein("army", "tanks", "Job"), "origin": "Haras"},
        ],
    )
    out = run(d, ARTICLE)
    assert [(b.name, b.aliases) for b in out.belligerents] == [("Jaish al-Izza", ["Rebels"]), ("army", [])]
    assert [(x.name, x.aliases, x.within) for x in out.locations] == [
        ("Jobar", [], None),
        ("Damascus", [], None),
    ]
    assert [(r.forces, r.destination, r.origin) for r in out.reinforcements] == [
        ("tanks", "Jobar", None),
        ("tanks", None, None),
    ]


def test_partial_words_kept_without_article() -> None:
    d = doc(belligerents=[bel("Jais", ["reb"])], locations=[loc("Jo", [], within="Damas")])
    out = run(d)
    assert out.belligerents[0].name == "Jais"
    assert out.belligerents[0].aliases == ["reb"]
    assert out.locations[0].within == "Damas"


def test_whole_words_with_punctuation_are_kept() -> None:
    article = "U.S.-backed forces advanced on al-Bab."
    out = run(doc(belligerents=[bel("U.S.-backed forces", ["U.S."])], locations=[loc("al-Bab", ["Bab"])]), article)
    assert out.belligerents[0].aliases == ["U.S."]
    assert out.locations[0].aliases == ["Bab"]


@pytest.mark.parametrize("text", ["", "{", '{"summary": "x",}', "not json", '{"a": 1} trailing'])
def test_bad_json_raises(text: str) -> None:
    with pytest.raises(ParseError, match="not JSON"):
        parse(text)


@pytest.mark.parametrize("text", ["[]", '"text"', "3", "null"])
def test_json_not_an_object_raises(text: str) -> None:
    with pytest.raises(ParseError, match="not a JSON object"):
        parse(text)


@pytest.mark.parametrize(
    "d",
    [
        doc(belligerents=[{"aliases": [], "side": "x", "role": "combatant"}]),  # name missing
        doc(locations=[loc("Hama", [], type_="capital")]),
        doc(quotes=[quote("")]),
        doc(extra=1),
        doc(belligerents="Syrian army"),
    ],
    ids=["name missing", "bad enum", "empty text", "unknown key", "not a list"],
)
def test_schema_violation_raises(d: dict[str, Any]) -> None:
    with pytest.raises(ParseError, match="does not fit the schema"):
        run(d)


@pytest.mark.parametrize("missing", ["belligerents", "quotes"])
def test_missing_list_field_raises(missing: str) -> None:
    d = doc()
    del d[missing]
    with pytest.raises(ParseError, match="does not fit the schema"):
        run(d)


def test_parse_error_is_value_error() -> None:
    assert issubclass(ParseError, ValueError)


def test_merged_aliases_stay_within_bounds() -> None:
    # each item alone is grammar-valid (at most MAX_ALIASES aliases); merged they are not
    a = [f"alias a{i}" for i in range(MAX_ALIASES)]
    b = [f"alias b{i}" for i in range(MAX_ALIASES)]
    out = run(doc(belligerents=[bel("Syrian army", a), bel("Syrian army", b)]))
    assert len(out.belligerents) == 1
    assert out.belligerents[0].aliases[: len(a)] == a
    assert len(out.belligerents[0].aliases) == MAX_ALIASES


def _reinforcement(sender: str, forces: str, destination: str | None = "Tolin") -> dict:
    return {"sender": sender, "forces": forces, "destination": destination, "origin": None, "status": "arrived"}


def _answer(reinforcements: list[dict]) -> str:
    import json

    bel = [
        {"name": n, "aliases": [], "side": "x", "role": "combatant"}
        for n in ("Dorvan army", "Northern Front", "Kessar")
    ]
    return json.dumps(
        {"summary": "s", "belligerents": bel, "locations": [], "reinforcements": reinforcements, "quotes": []}
    )


def test_reinforcements_must_name_what_is_sent() -> None:
    from summarizer.parse import names_forces, parse

    for forces in (
        "reinforcements",
        "two battalions",
        "tanks",
        "1,200 soldiers",
        "hundreds of fighters",
        "ammunition and food",
        "two more IRIS-T air defence systems",
        "400 members of the National Guard",
        "large numbers",
        "more than 100 armoured vehicles",
    ):
        assert names_forces(forces), forces
    for forces in (
        "2023",
        "two",
        "two days of fighting",
        "information minister",
        "glide bombs",
        "cut the highway between Tolin and Kessar",
        "no troops",
        "none of its soldiers",
    ):
        assert not names_forces(forces), forces
    article = "The Dorvan army sent two battalions to Tolin in 2023. Fighting went on for two days of fighting."
    out = parse(
        _answer([_reinforcement("Dorvan army", "two battalions"), _reinforcement("Dorvan army", "2023")]), article
    )
    assert [r.forces for r in out.reinforcements] == ["two battalions"]


def test_one_movement_claimed_by_several_senders_keeps_the_nearest() -> None:
    from summarizer.parse import parse

    article = (
        "The Dorvan army held Tolin. Far away, the Northern Front sent tanks and rocket launchers to Tolin, "
        "officials in Kessar said."
    )
    items = [_reinforcement(s, "tanks and rocket launchers") for s in ("Dorvan army", "Northern Front", "Kessar")]
    out = parse(_answer(items), article)
    assert [r.sender for r in out.reinforcements] == ["Northern Front"]
    # different forces for different senders are all kept
    items = [_reinforcement("Dorvan army", "two battalions"), _reinforcement("Northern Front", "tanks")]
    article2 = "The Dorvan army sent two battalions to Tolin; the Northern Front sent tanks."
    assert len(parse(_answer(items), article2).reinforcements) == 2


def test_a_speaker_called_by_title_takes_the_name_the_article_gives() -> None:
    from summarizer.parse import resolve_speaker

    article = (
        '"We hold the ridge," said Dorvan\'s defence minister, Ilse Marrow. Later Tarek Oslo, the rebels\u2019 '
        'spokesman, denied it. "Lies," said the army spokesman Col. Ivo Renn. Officials in Kessar, Tolin Province, '
        "spoke too, and a local official said more."
    )
    assert resolve_speaker("Dorvan's defence minister", article) == "Ilse Marrow"
    assert resolve_speaker("the rebels\u2019 spokesman", article) == "Tarek Oslo"
    assert resolve_speaker("the army spokesman", article) == "Col. Ivo Renn"
    assert resolve_speaker("and a local official", article) == "a local official"
    # a name stays; a description with no name beside it stays; a place is never taken for a person
    assert resolve_speaker("Ilse Marrow", article) == "Ilse Marrow"
    assert resolve_speaker("a military source", article) == "a military source"
    assert resolve_speaker("Officials in Kessar", article) == "Officials in Kessar"
    assert resolve_speaker("officials in Kessar", "officials in Kessar, Tolin Province.", {"tolin province"}) == (
        "officials in Kessar"
    )


def test_a_speaker_beside_a_long_or_particled_name_or_named_so() -> None:
    from summarizer.parse import resolve_speaker

    article = (
        "But a junta spokesman, Major General Arun Thet Oo, told state television the base held. "
        "Dorvan spokesman Major Faraj al-Varni said the army had taken the airport. "
        '"We hear planes all night," a shopkeeper named Haji Tolan said by phone.'
    )
    assert resolve_speaker("junta spokesman", article) == "Major General Arun Thet Oo"
    assert resolve_speaker("Dorvan spokesman", article) == "Major Faraj al-Varni"
    assert resolve_speaker("shopkeeper", article) == "Haji Tolan"


def test_a_place_named_after_people_or_an_institution_is_dropped() -> None:
    import json

    from summarizer.parse import parse

    article = "The LNA spokesman said the Bosnian Serb army left Tolin and the Delmas 2 police station."
    locs = [
        {"name": n, "aliases": [], "type": "other", "within": None}
        for n in ("LNA spokesman", "Bosnian Serb army", "Tolin", "Delmas 2 police station")
    ]
    answer = {"summary": "s", "belligerents": [], "locations": locs, "reinforcements": [], "quotes": []}
    out = parse(json.dumps(answer), article)
    assert [loc.name for loc in out.locations] == ["Tolin", "Delmas 2 police station"]


def test_every_sender_names_a_listed_belligerent() -> None:
    from summarizer.parse import list_senders
    from summarizer.schema import MAX_BELLIGERENTS, Belligerent, ConflictSummary, Reinforcement
    from summarizer.validate import validate

    def r(sender: str) -> Reinforcement:
        return Reinforcement(sender=sender, forces="troops", destination=None, origin=None, status="arrived")

    bel = Belligerent(name="Dorvan army", aliases=["the army"], side="government", role="combatant")
    data = ConflictSummary(
        summary="s", belligerents=[bel], locations=[], reinforcements=[r("The army"), r("Varnia")], quotes=[]
    )
    out = list_senders(data)
    assert [(b.name, b.side, b.role) for b in out.belligerents[1:]] == [("Varnia", "Varnia", "supporter")]
    assert [x.sender for x in out.reinforcements] == ["The army", "Varnia"]
    assert not [p for p in validate(out.model_dump()) if p.severity == "error"]
    assert list_senders(out) == out
    full = data.model_copy(
        update={
            "belligerents": [
                Belligerent(name=f"Group {i}", aliases=[], side="x", role="combatant") for i in range(MAX_BELLIGERENTS)
            ],
            "reinforcements": [r("Group 1"), r("Varnia")],
        }
    )
    assert [x.sender for x in list_senders(full).reinforcements] == ["Group 1"]
    rdf = Belligerent(name="Rwanda Defence Force", aliases=[], side="government", role="supporter")
    by_initials = data.model_copy(update={"belligerents": [bel, rdf], "reinforcements": [r("RDF")]})
    out = list_senders(by_initials)
    assert [x.sender for x in out.reinforcements] == ["Rwanda Defence Force"] and len(out.belligerents) == 2
    to_the_army = r("Varnia").model_copy(update={"destination": "the army"})
    out = list_senders(data.model_copy(update={"reinforcements": [to_the_army]}))
    assert [(b.name, b.side) for b in out.belligerents[1:]] == [("Varnia", "government")]


def test_a_sender_listed_as_another_actors_alias_becomes_its_own() -> None:
    from summarizer.parse import split_senders
    from summarizer.schema import Belligerent, ConflictSummary, Reinforcement

    host = Belligerent(
        name="Southern African forces", aliases=["MONUSCO", "SADC forces", "Wazalendo"], side="gov", role="combatant"
    )
    data = ConflictSummary(
        summary="s",
        belligerents=[host],
        locations=[],
        reinforcements=[
            Reinforcement(sender=s, forces="troops", destination=None, origin=None, status="arrived")
            for s in ("MONUSCO", "SADC forces", "Southern African forces", "Wazalendo")
        ],
        quotes=[],
    )
    out = split_senders(data)
    assert [(b.name, b.aliases, b.side) for b in out.belligerents] == [
        ("Southern African forces", ["MONUSCO", "SADC forces", "Wazalendo"], "gov"),
        ("MONUSCO", [], "gov"),
        ("Wazalendo", [], "gov"),
    ]
    rdf = Belligerent(name="Rwanda Defence Force", aliases=[], side="gov", role="supporter")
    with_rdf = data.model_copy(
        update={
            "belligerents": [host.model_copy(update={"aliases": ["RDF"]}), rdf],
            "reinforcements": [data.reinforcements[0].model_copy(update={"sender": "RDF"})],
        }
    )
    assert split_senders(with_rdf) == with_rdf  # a listed actor's initials: no new item
    # then no alias names another item; two actors under one description: the host stays apart
    assert [(b.name, b.aliases) for b in drop_cross_aliases(out).belligerents] == [
        ("Southern African forces", ["SADC forces"]),  # a description, and no sender of its own
        ("MONUSCO", []),
        ("Wazalendo", []),
    ]


# ---- datelines and unlisted places -----------------------------------------------------------------------

DATELINED = (
    "CULIACAN, Mexico (Wire) - Soldiers landed in Culiacán and fought gunmen near Navolato, "
    "in Sinaloa state.\nThe army said Mexico would send more troops to Culiacán."
)


def test_place_only_in_the_dateline_is_dropped() -> None:
    d = doc(locations=[loc("Navolato", [], within="Sinaloa state"), loc("Mexico", []), loc("CULIACAN", [])])
    article = DATELINED.replace("Culiacán", "the city")
    names = [x.name for x in run(d, article).locations]
    assert names == ["Navolato", "Mexico"]  # "Mexico" is also in the story; "CULIACAN" only in the dateline


def test_dateline_spelling_becomes_the_story_spelling_and_merges() -> None:
    d = doc(locations=[loc("Culiacán", ["the city"]), loc("CULIACAN", ["CULIACAN, Mexico"], within="CULIACAN")])
    out = run(d, DATELINED + " Fighting went on in the city.")
    assert [x.name for x in out.locations] == ["Culiacán"]
    assert out.locations[0].aliases == ["the city"]  # the dateline-only alias is gone, not repeated


def test_dateline_rule_needs_the_article() -> None:
    d = doc(locations=[loc("CULIACAN", [])])
    assert [x.name for x in run(d).locations] == ["CULIACAN"]


def test_unlisted_places_are_withins_then_reinforcement_places() -> None:
    d = doc(
        belligerents=[bel("Mexican army", [])],
        reinforcements=[
            {**rein("Mexican army", "600 soldiers", "Culiacán"), "origin": "Mexico City"},
            {**rein("Mexican army", "troops", "Sonora state"), "origin": "Mexico City"},
        ],
        locations=[
            loc("Navolato", [], within="Sinaloa state"),
            loc("Culiacán", [], within="Sinaloa state"),
            loc("Sinaloa", [], within="Mexico"),
            loc("El Dorado", [], within="Culiacán"),
        ],
    )
    # "Culiacán" is listed already; "Sinaloa state" and "Mexico City" are named twice
    assert unlisted_places(run(d)) == ["Sinaloa state", "Mexico", "Mexico City", "Sonora state"]


# ---- names that are not armed actors ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Colonel Dmytro Lysenko",
        "Deputy Defence Minister Mykola Dankevych",
        "President Bashar al-Assad",
        "U.N. military observers",
        "Bosnian Serb army statement",
        "U.N. official in Zagreb",
        "bakers battled for the title of the county's best",
        "helicopter gunships battled Islamist militants",
    ],
)
def test_people_observers_and_pieces_of_sentences_are_not_belligerents(name: str) -> None:
    d = doc(belligerents=[bel("Syrian army", []), bel(name, [])])
    assert [b.name for b in run(d).belligerents] == ["Syrian army"]


@pytest.mark.parametrize(
    "name",
    [
        "General Staff",
        "Ukraine's General Staff",
        "General Command of the Armed Forces",
        "Sources of Strength Brigade",
        "allied tribal fighters",
        "Democratic Forces for the Liberation of Rwanda",
    ],
)
def test_bodies_with_title_words_stay(name: str) -> None:
    d = doc(belligerents=[bel(name, [])])
    assert [b.name for b in run(d).belligerents] == [name]


def test_actor_named_only_in_the_dateline_is_dropped_not_respelled() -> None:
    article = "SRINAGAR, India - Militants fought soldiers in Srinagar.\nThe Indian army said so."
    d = doc(belligerents=[bel("SRINAGAR", []), bel("Indian army", ["SRINAGAR"])])
    out = run(d, article)
    assert [(b.name, b.aliases) for b in out.belligerents] == [("Indian army", [])]


@pytest.mark.parametrize(
    "name, ok",
    [
        ("western Tigray", True),
        ("west Belfast", True),
        ("al-Bayda province", True),
        ("St. Petersburg", True),
        ("Delmas 2 police station", True),
        ("Malian Armed Forces (FAMa)", False),
        ("not overrun. We held the ammunition depot and", False),
        ("border posts with Uganda and Tanzania", False),
        ("Bosnian Serb army statement", False),
        ("United Nations", False),
        ("Vardan Security Observatory", False),  # a body, not a place
        ("Ostian TB3 drones", False),  # weapons
        ("Tank Hill", True),
    ],
)
def test_place_names(name: str, ok: bool) -> None:
    from summarizer.parse import is_place_name

    assert is_place_name(name) is ok
    d = doc(
        belligerents=[bel("Dorvan army", [])],
        reinforcements=[{**rein("Dorvan army", "troops", name), "origin": None}],
    )
    assert unlisted_places(run(d)) == ([name] if ok else [])


def test_an_acronym_item_is_folded_into_the_item_it_abbreviates() -> None:
    article = (
        "The Tolin Defence Front (TDF) and the Northern Joint Task Force (NJTF) shelled Kessar. NATO watched "
        "the Front, and the TDF said so."
    )
    d = doc(
        belligerents=[
            bel("Northern Joint Task Force", []),
            bel("Tolin Defence Front", ["the Front"]),
            bel("TDF", ["the TDF"]),
            bel("NJTF", []),
            bel("NATO", []),
        ]
    )
    out = run(d, article)
    assert [(b.name, b.aliases) for b in out.belligerents] == [
        ("Northern Joint Task Force", ["NJTF"]),
        ("Tolin Defence Front", ["the Front", "TDF", "the TDF"]),
        ("NATO", []),
    ]
    # by initials alone, without the article
    d2 = doc(belligerents=[bel("Kessar Liberation Army", []), bel("KLA", [])])
    assert [(b.name, b.aliases) for b in run(d2).belligerents] == [("Kessar Liberation Army", ["KLA"])]


def test_merge_acronyms_on_a_finished_answer_keeps_the_long_items_side() -> None:
    from summarizer.parse import merge_acronyms

    data = run(doc(belligerents=[bel("Civil Joint Force", [], side="government"), bel("Tolin Rebels", [], "rebels")]))
    added = data.belligerents + [
        data.belligerents[0].model_copy(update={"name": "CJF", "side": "CJF", "aliases": ["the CJF"]})
    ]
    out = merge_acronyms(data.model_copy(update={"belligerents": added}))
    assert [(b.name, b.side, b.aliases) for b in out.belligerents] == [
        ("Civil Joint Force", "government", ["CJF", "the CJF"]),
        ("Tolin Rebels", "rebels", []),
    ]
    assert merge_acronyms(data) is data  # nothing to fold


def test_a_description_is_not_replaced_by_an_organisation_beside_it() -> None:
    from summarizer.parse import resolve_speaker

    article = "The Tolin Front, Kessar Brigade, said it would fight. The army spokesman, Col. Ivo Renn, said so."
    assert resolve_speaker("the Tolin Front", article) == "the Tolin Front"
    assert resolve_speaker("The army spokesman", article) == "Col. Ivo Renn"


# ---- aliases that name another entity --------------------------------------------------------------

ALIAS_ARTICLE = (
    "Fighters of the Tarn Liberation Front and the Free Oskar Army attacked Velm on Monday, while the Kolmar "
    "army, known by its initials KAF, held the town. The TLF, or Tarn Liberation Front, said its 4th Brigade "
    "had arrived. The M7 joined them; the March 7 Movement has fought for years. Troops from Dravia and "
    "Ostrel backed the army. "
    "Velm, a market town, lies near Sorn, the rebels said, and the Front would fight on."
)


def test_aliases_that_name_another_actor_are_not_its_own() -> None:
    aliases = ["the Free Oskar Army", "TLF", "the rebels", "the Front"]
    # another group's name goes; initials, a description and a shared word stay
    assert own_aliases("Tarn Liberation Front", aliases, ALIAS_ARTICLE) == ["TLF", "the rebels", "the Front"]
    # "known by its initials KAF" ties the acronym; an unlisted name with nothing shared goes
    assert own_aliases("Kolmar army", ["KAF", "Ostrel", "the army"], ALIAS_ARTICLE) == ["KAF", "the army"]
    assert own_aliases("M7", ["March 7 Movement"], ALIAS_ARTICLE) == ["March 7 Movement"]  # the same number


def test_an_alias_that_is_another_items_name_or_initials_goes() -> None:
    data = run(
        doc(
            belligerents=[
                bel("Tarn Liberation Front", ["the Free Oskar Army", "FOA", "TLF"], side="rebels"),
                bel("Free Oskar Army", [], side="rebels"),
            ],
            locations=[loc("Velm", ["Sorn"]), loc("Sorn", [])],
        )
    )
    out = drop_cross_aliases(data)
    assert out.belligerents[0].aliases == ["TLF"] and out.belligerents[1].aliases == []
    assert out.locations[0].aliases == []


def test_a_described_actor_whose_alias_is_another_actor_is_folded_into_it() -> None:
    data = run(
        doc(
            belligerents=[
                bel("Jihadist fighters", ["JNIM", "the militants"], side="jihadists"),
                bel("Burkinabe army", ["the army"]),
                bel("Allied groups", ["JNIM", "Kolmar army"], side="x"),  # two actors: not one of them
                bel("Burkinabe police", ["JNIM"], side="y"),  # a body, and JNIM no mention of it: not folded
                bel("Kolmar's government", ["Kolmar army"], side="x"),  # its own mention: a duplicate
                bel("JNIM", [], side="al Qaeda affiliate"),
                bel("Kolmar army", [], side="x"),
            ]
        )
    )
    out = drop_cross_aliases(data)
    assert [(b.name, b.aliases, b.side) for b in out.belligerents] == [
        ("Burkinabe army", ["the army"], "government"),
        ("Allied groups", [], "x"),
        ("Burkinabe police", [], "y"),
        ("JNIM", ["Jihadist fighters", "the militants"], "al Qaeda affiliate"),
        ("Kolmar army", ["Kolmar's government"], "x"),
    ]


def test_place_aliases_that_are_clauses_pronouns_or_actors_go() -> None:
    d = doc(
        belligerents=[bel("Kolmar army", [])],
        locations=[loc("Velm", ["Velm, a market town", "It", "Kolmar army", "Sorn", "market town"])],
    )
    out = run(d, ALIAS_ARTICLE)
    assert out.locations[0].aliases == ["Sorn", "market town"]  # another place's name: the second look's call


@pytest.mark.parametrize(
    ("alias", "name", "same"),
    [
        ("Houthis", "Houthi movement", True),
        ("Ukrainian forces", "Ukraine", True),
        ("the Ezza Army", "Ezza Army group", True),
        ("RSF", "Rapid Support Forces", True),
        ("Rebels", "Jaish al-Izza", True),  # generic words only: a description
        ("Bab", "al-Bab", True),
        ("the Free Syrian Army", "Tahrir al-Sham", False),
        ("MONUSCO", "Southern African forces", False),
        ("Minova", "Goma", False),
        ("RDF", "Rwanda", True),  # a country's forces by their acronym
        ("MONUSCO", "Malawi", True),  # the same first letter: this rule cannot tell
        ("MONUSCO", "Congolese army", False),
        ("the Defence Ministry", "Russian forces", False),
    ],
)
def test_names_same(alias: str, name: str, same: bool) -> None:
    assert names_same(alias, name, None) is same


FRAGMENT_ARTICLE = (
    "Fighting spread across the Democratic Republic of Congo, where the Allied Democratic Forces hold Beni. "
    "Rebels came from Sanaa and from al-Bayda province. The Krajina Serbs attacked. Trinidad and Tobago said "
    "nothing, and the U.N. envoy to Libya flew to Tripoli."
)


def test_locations_that_are_no_places_of_their_own_go() -> None:
    d = doc(
        belligerents=[bel("Krajina Serbs", [])],
        locations=[
            loc("Democratic Republic of Congo", []),
            loc("Democratic", []),  # only ever inside longer names, one of them a listed place
            loc("Krajina", []),  # only inside an actor's name: stays
            loc("Sanaa", []),
            loc("al-Bayda province", []),
            loc("Sanaa and from al-Bayda province", []),  # two listed places as one
            loc("Trinidad and Tobago", []),  # its parts are not listed: one place
            loc("U.N. envoy to Libya", []),  # an office, not a place
            loc("Tripoli", []),
        ],
    )
    out = run(d, FRAGMENT_ARTICLE)
    assert [x.name for x in out.locations] == [
        "Democratic Republic of Congo",
        "Krajina",
        "Sanaa",
        "al-Bayda province",
        "Trinidad and Tobago",
        "Tripoli",
    ]


def test_names_the_article_gives_as_one() -> None:
    text = (
        "Stepanakert, the region's main city, which Azerbaijan calls Khankendi, was shelled. Goma, Sake, or "
        "Minova may fall. The Oskar Army, known locally as the Oskars, held."
    )
    assert names_same("Khankendi", "Stepanakert", text)
    assert names_same("the Oskars", "Oskar Army", text)
    assert not names_same("Minova", "Goma", text)  # a list, not a second name


def _quote_article(n: int) -> str:
    paras = [f'"Position {i} is holding and the men are tired," said Captain Ivo Maric {i}.' for i in range(n)]
    return "\n\n".join(["Fighting went on near the river on Monday.", *paras])


def test_quotes_past_the_generated_cap_are_added_with_their_pattern_speaker() -> None:
    from summarizer.parse import add_unwritten_quotes
    from summarizer.schema import GENERATED_QUOTES, MAX_QUOTES, Quote, generation_schema

    article = _quote_article(GENERATED_QUOTES + 3)
    assert generation_schema()["properties"]["quotes"]["maxItems"] == GENERATED_QUOTES < MAX_QUOTES
    written = [
        Quote(
            text=f"Position {i} is holding and the men are tired",
            speaker=f"Captain Ivo Maric {i}",
            speaker_affiliation="army" if i == 0 else None,
        )
        for i in range(GENERATED_QUOTES)
    ]
    data = ConflictSummary(summary="s", belligerents=[], locations=[], reinforcements=[], quotes=written)
    out = add_unwritten_quotes(data, article)
    assert [q.text for q in out.quotes[:GENERATED_QUOTES]] == [q.text for q in written]
    added = out.quotes[GENERATED_QUOTES:]
    assert [(q.text, q.speaker) for q in added] == [
        (f"Position {i} is holding and the men are tired", f"Captain Ivo Maric {i}")
        for i in range(GENERATED_QUOTES, GENERATED_QUOTES + 3)
    ]
    assert all(q.speaker_affiliation is None for q in added)
    # nothing is added twice, and a passage with no attribution pattern is not added
    assert add_unwritten_quotes(out, article).quotes == out.quotes
    bare = article + '\n\nThe wall by the bridge read: "Nobody knows who wrote this line here."'
    assert len(add_unwritten_quotes(out, bare).quotes) == len(out.quotes)


def test_an_added_quote_takes_the_affiliation_its_speaker_has_in_the_answer() -> None:
    from summarizer.parse import add_unwritten_quotes
    from summarizer.schema import Quote

    article = (
        'Shelling hit the town. "We will hold the bridge," said Major Ana Ruiz.\n\n'
        '"The river is our best defence now," said Major Ana Ruiz.'
    )
    first = Quote(text="We will hold the bridge", speaker="Major Ana Ruiz", speaker_affiliation="the army")
    data = ConflictSummary(summary="s", belligerents=[], locations=[], reinforcements=[], quotes=[first])
    out = add_unwritten_quotes(data, article)
    assert [(q.text, q.speaker_affiliation) for q in out.quotes] == [
        ("We will hold the bridge", "the army"),
        ("The river is our best defence now", "the army"),
    ]


def test_an_alias_naming_the_province_a_place_lies_in_becomes_a_location_of_its_own() -> None:
    from summarizer.parse import split_unit_aliases
    from summarizer.schema import Location

    data = ConflictSummary(
        summary="s",
        belligerents=[],
        locations=[
            Location(name="Talvik", aliases=["capital of Ossen province", "Talvik city"], type="city", within=None),
            Location(name="Marra", aliases=["Marra district", "Lower Vale region"], type="town", within="Ostia"),
            Location(name="Lower Vale region", aliases=[], type="region", within=None),
        ],
        reinforcements=[],
        quotes=[],
    )
    out = split_unit_aliases(data)
    got = {loc.name: (loc.aliases, loc.within, loc.type) for loc in out.locations}
    assert got["Talvik"] == (["Talvik city"], "Ossen province", "city")
    assert got["Ossen province"] == ([], None, "province")
    # "Marra district" is Marra itself; a listed unit is not added twice; a given within is kept
    assert got["Marra"] == (["Marra district"], "Ostia", "town")
    assert [loc.name for loc in out.locations].count("Lower Vale region") == 1
    assert split_unit_aliases(out) == out


def test_a_state_listed_more_than_once_by_its_forces_is_one_belligerent() -> None:
    from summarizer.parse import merge_state_forces, state_of
    from summarizer.schema import Belligerent, Location

    article = "Norland's army and the Norlandian Armed Forces, with Ostia, fought the Free Hills Front in Norland."
    assert state_of("Norland's army", article) == "Norland"
    assert state_of("Norlandian Armed Forces", article) == "Norland"
    assert state_of("Norlandian Armed Forces (NAF)", article) == "Norland"
    assert state_of("Free Hills Front", article) is None
    # a state's government, defence force or border service; "-stan" states from their adjective
    more = "Vazikistan and Norland clashed; Vazik border service and Norlandian authorities said so."
    assert state_of("Norlandian National Defense Force", more) == "Norland"
    assert state_of("Norlandian authorities", more) == "Norland"
    assert state_of("Vazik border service", more) == "Vazikistan"
    assert state_of("Vazik rebels", more) is None
    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="Norland's army", aliases=[], side="government", role="supporter"),
            Belligerent(name="Free Hills Front", aliases=[], side="rebels", role="combatant"),
            Belligerent(name="Norlandian Armed Forces", aliases=["the army"], side="government", role="combatant"),
            Belligerent(name="Norland", aliases=[], side="government", role="combatant"),
        ],
        locations=[Location(name="Norland", aliases=[], type="country", within=None)],
        reinforcements=[],
        quotes=[],
    )
    out = merge_state_forces(data, article)
    assert [(b.name, b.aliases, b.role) for b in out.belligerents] == [
        ("Norland's army", ["Norlandian Armed Forces", "the army", "Norland"], "combatant"),
        ("Free Hills Front", [], "combatant"),
    ]
    assert merge_state_forces(out, article) == out


def test_a_place_named_only_as_a_speakers_base_or_for_a_government_is_no_location() -> None:
    from summarizer.parse import drop_speaker_bases
    from summarizer.schema import Location, Reinforcement

    article = (
        'Shelling hit Talvik on Monday, a U.N. official in Marra said. "It is bad," the spokesman told reporters '
        "in Ossen. Vesta denied any role, according to Norland. Fighting also reached Talvik's suburbs."
    )

    def loc(name: str, kind: str = "city") -> Location:
        return Location(name=name, aliases=[], type=kind, within=None)

    data = ConflictSummary(
        summary="s",
        belligerents=[],
        locations=[loc("Talvik"), loc("Marra"), loc("Ossen"), loc("Vesta"), loc("Norland", "country")],
        reinforcements=[],
        quotes=[],
    )
    out = drop_speaker_bases(data, article)
    assert [x.name for x in out.locations] == ["Talvik", "Norland"]  # a country stays
    sent = Reinforcement(sender="x", forces="troops", destination="Marra", origin=None, status="planned")
    kept = drop_speaker_bases(data.model_copy(update={"reinforcements": [sent]}), article)
    assert "Marra" in [x.name for x in kept.locations]  # forces go there: kept
    pair = 'Shelling hit Talvik. Marra and Ossen agreed to a truce. "Ossen does not want war," he said.'
    both = drop_speaker_bases(data.model_copy(update={"locations": [loc("Talvik"), loc("Marra"), loc("Ossen")]}), pair)
    assert [x.name for x in both.locations] == ["Talvik"]  # two capitals that agree, one that wants: governments


def test_a_belligerent_named_by_its_reinforcements_takes_the_actors_name() -> None:
    from summarizer.parse import actors_not_forces
    from summarizer.schema import Belligerent

    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="Ridge Serb reinforcements", aliases=["Ridge Serb"], side="a", role="combatant"),
            Belligerent(name="Northern forces", aliases=[], side="b", role="combatant"),
        ],
        locations=[],
        reinforcements=[],
        quotes=[],
    )
    out = actors_not_forces(data)
    assert [(b.name, b.aliases) for b in out.belligerents] == [("Ridge Serb", []), ("Northern forces", [])]
    assert actors_not_forces(out) == out
    # a sender named by its reinforcements, whose bare name is listed, takes that name
    sent = Reinforcement(
        sender="Ridge Serb reinforcements", forces="tanks", destination=None, origin=None, status="arrived"
    )
    other = sent.model_copy(update={"sender": "Valley reinforcements"})  # "Valley" is not listed: kept
    out = actors_not_forces(out.model_copy(update={"reinforcements": [sent, other]}))
    assert [r.sender for r in out.reinforcements] == ["Ridge Serb", "Valley reinforcements"]


def test_a_supporter_state_is_no_location_unless_something_happens_in_it() -> None:
    from summarizer.parse import drop_supporter_states
    from summarizer.schema import Belligerent, Location

    def state(name: str) -> Location:
        return Location(name=name, aliases=[], type="country", within=None)

    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="Free Hills Front", aliases=[], side="rebels", role="combatant"),
            Belligerent(name="Norland", aliases=[], side="rebels", role="supporter"),
            Belligerent(name="Vesta", aliases=[], side="rebels", role="supporter"),
            Belligerent(name="Ostia", aliases=[], side="government", role="combatant"),
        ],
        locations=[state("Norland"), state("Vesta"), state("Ostia")],
        reinforcements=[],
        quotes=[],
    )
    article = "Norland supplies the Front with drones. Vesta backs it, and strikes hit targets in Vesta. Ostia fights."
    out = drop_supporter_states(data, article)
    assert [x.name for x in out.locations] == ["Vesta", "Ostia"]


def test_an_origin_the_article_never_gives_as_a_place_of_leaving_is_null() -> None:
    from summarizer.parse import origin_written, parse

    article = (
        "The Dorvan army of Dorvania sent two battalions to Tolin. The Northern Front brought tanks from its "
        "stronghold of Kessar, "
        "and troops based in Mirova flew in later."
    )
    assert origin_written(article, "Kessar") and origin_written(article, "Mirova")
    assert not origin_written(article, "Dorvania") and not origin_written(article, "Tolin")
    answer = _answer(
        [
            dict(_reinforcement("Dorvan army", "two battalions"), origin="Dorvania"),
            dict(_reinforcement("Northern Front", "tanks"), origin="Kessar"),
        ]
    )
    out = parse(answer, article)
    assert [(r.forces, r.origin) for r in out.reinforcements] == [("two battalions", None), ("tanks", "Kessar")]


def test_an_armed_body_listed_as_a_place_too_is_no_place_and_no_place_lies_within_itself() -> None:
    article = (
        "Government troops retook the town of Kessa from the Free Highland Front on Tuesday. "
        "The Front's fighters withdrew toward Ulm, in Tarsia."
    )
    answer = {
        "summary": "x",
        "belligerents": [
            {"name": "Government troops", "aliases": [], "side": "government", "role": "combatant"},
            {"name": "Free Highland Front", "aliases": [], "side": "rebels", "role": "combatant"},
        ],
        "locations": [
            {"name": "Kessa", "aliases": ["the town of Kessa"], "type": "town", "within": "Kessa"},
            {"name": "Free Highland Front", "aliases": [], "type": "other", "within": None},
            {"name": "Ulm", "aliases": [], "type": "town", "within": "Tarsia"},
        ],
        "reinforcements": [],
        "quotes": [],
    }
    data = parse(json.dumps(answer), article)
    assert [(loc.name, loc.within) for loc in data.locations] == [("Kessa", None), ("Ulm", "Tarsia")]
    # a place that is also a belligerent's name but no armed body's ("Tarsia" the state) stays
    answer["belligerents"].append({"name": "Tarsia", "aliases": [], "side": "government", "role": "supporter"})
    answer["locations"].append({"name": "Tarsia", "aliases": [], "type": "country", "within": None})
    assert "Tarsia" in [loc.name for loc in parse(json.dumps(answer), article).locations]


def test_actors_keep_only_aliases_that_can_be_their_own_mentions() -> None:
    from summarizer.parse import actor_mentions

    article = (
        "The Vardan Liberation Army (VLA) fought the Ostian army and the Northern Defence Association. "
        "Ostia's Royal Armed Forces said so."
    )
    aliases = [
        "the rebels",  # a description stays
        "Vardan Liberation Army (VLA)",  # its own name, with its acronym
        "the Northern Defence Association",  # another body
        "allied youths from the armed group known as",  # a piece of a sentence
        "residents who fled across the border",
        "Talgar",  # a capital or a leader may stand for a side
    ]
    assert actor_mentions("VLA", aliases, article) == ["the rebels", "Vardan Liberation Army (VLA)", "Talgar"]
    # a body akin to the name is its own; a state keeps its own bodies named without another people
    assert actor_mentions("Ostian army", ["the Ostian Armed Forces", "the Vardan Liberation Army"], article) == [
        "the Ostian Armed Forces"
    ]
    assert actor_mentions("Ostia", ["Royal Armed Forces"], article, {"ostia"}) == ["Royal Armed Forces"]
    assert actor_mentions("Ostia", ["Royal Armed Forces"], article) == []  # not a listed state


def test_places_keep_only_aliases_that_can_be_their_own_mentions() -> None:
    from summarizer.parse import place_mention

    for alias in [
        "Old Talgar",
        "eastern Talgar",
        "the town of Talgar",
        "the regional capital Talgar",
        "Talgar camp",
        "Talgar district",
        "the pocket",
    ]:
        assert place_mention(alias, "Talgar"), alias
    for alias in [
        "thousands of people were walking toward Talgar along",
        "the main road that brings food from",
        "the town of Vardan",  # another place
        "the border with Ostia",
        "Raghwan to the northwest",
        "the last major city in the region",
    ]:
        assert not place_mention(alias, "Talgar"), alias


def test_own_mentions_keeps_aliases_that_other_fields_refer_to() -> None:
    from summarizer.parse import own_mentions
    from summarizer.schema import Belligerent, Location, Reinforcement

    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(
                name="Vardan rebels", aliases=["the Ostian Liberation Front", "the rebels"], side="r", role="combatant"
            ),
        ],
        locations=[
            Location(name="Talgar", aliases=["the border with Ostia", "the road to Vardan"], type="town", within=None)
        ],
        reinforcements=[
            Reinforcement(
                sender="the Ostian Liberation Front",
                forces="fighters",
                destination="the road to Vardan",
                origin=None,
                status="arrived",
            )
        ],
        quotes=[],
    )
    out = own_mentions(data, "text")
    assert out.belligerents[0].aliases == ["the Ostian Liberation Front", "the rebels"]  # a sender
    assert out.locations[0].aliases == ["the road to Vardan"]  # a destination
    assert own_mentions(out, "text") == out


def test_a_place_listed_by_its_acronym_folds_into_the_place_it_abbreviates() -> None:
    from summarizer.parse import merge_acronyms
    from summarizer.schema import Location

    data = ConflictSummary(
        summary="s",
        belligerents=[],
        locations=[
            Location(name="Goma", aliases=[], type="city", within="Northern Republic of Vardan"),
            Location(name="Northern Republic of Vardan", aliases=["Vardan"], type="country", within=None),
            Location(name="NRV", aliases=[], type="country", within=None),
            Location(name="NATO", aliases=[], type="other", within=None),  # abbreviates no listed place
        ],
        reinforcements=[],
        quotes=[],
    )
    out = merge_acronyms(data, "Goma lies in the Northern Republic of Vardan (NRV).")
    assert [(x.name, x.aliases) for x in out.locations] == [
        ("Goma", []),
        ("Northern Republic of Vardan", ["Vardan", "NRV"]),
        ("NATO", []),
    ]


def test_an_alias_that_writes_another_listed_actors_name_is_not_its_own() -> None:
    from summarizer.parse import own_mentions
    from summarizer.schema import Belligerent

    article = (
        "Tanks and VLF infantry attacked Talvik. The Ostian Defence Force (ODF) and its ODF tanks held the town. "
        "The Dorvan-backed group, as residents call the VLF, withdrew."
    )
    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(
                name="Ostian Defence Force (ODF)", aliases=["ODF tanks", "VLF infantry"], side="a", role="combatant"
            ),
            Belligerent(name="VLF", aliases=["the Dorvan-backed group"], side="b", role="combatant"),
            Belligerent(name="Dorvan", aliases=[], side="b", role="supporter"),
        ],
        locations=[],
        reinforcements=[],
        quotes=[],
    )
    out = own_mentions(data, article)
    # "VLF infantry" names the other side; "the Dorvan-backed group" names its backer, not itself
    assert [b.aliases for b in out.belligerents] == [["ODF tanks"], ["the Dorvan-backed group"], []]
