"""Reinforcement destinations filled from the forces' sentence, and place aliases kept to their own place."""

from __future__ import annotations

from summarizer.destinations import fill_destinations, main_place
from summarizer.parse import own_place_aliases
from summarizer.schema import Belligerent, ConflictSummary, Location, Reinforcement

ARTICLE = (
    "VELDA (Wire) - Coastal Front fighters pushed into the port of Marran on Friday.\n"
    "The navy said two frigates had left Dunmore toward Marran overnight, and that Oskel commandos were "
    "being flown in from the capital.\n"
    "Fighting in Marran went on. Residents of Marran fled to Kessel. The Coastal Front holds Marran.\n"
    "A spokesman said volunteers had left Dunmore for Tarrow on Thursday."
)


def _summary(reinforcements: list[Reinforcement], locations: list[Location] | None = None) -> ConflictSummary:
    locs = locations or [
        Location(name="Velda", aliases=[], type="country", within=None),
        Location(name="Marran", aliases=["the port of Marran"], type="city", within="Velda"),
        Location(name="Dunmore", aliases=[], type="city", within="Velda"),
        Location(name="Kessel", aliases=[], type="town", within="Velda"),
    ]
    return ConflictSummary(
        summary="Fighting in Marran.",
        belligerents=[
            Belligerent(name="navy", aliases=[], side="government", role="combatant"),
            Belligerent(name="Coastal Front", aliases=[], side="rebels", role="combatant"),
        ],
        locations=locs,
        reinforcements=reinforcements,
        quotes=[],
    )


def _one(forces: str, destination: str | None, origin: str | None = None) -> str | None:
    r = Reinforcement(sender="navy", forces=forces, destination=destination, origin=origin, status="under_way")
    return fill_destinations(_summary([r]), ARTICLE).reinforcements[0].destination


def test_null_destination_takes_the_place_after_toward_not_the_one_after_from() -> None:
    assert _one("two frigates", None, origin="Dunmore") == "Marran"


def test_destination_that_names_no_place_is_replaced() -> None:
    assert _one("two frigates", "overnight, and that") == "Marran"


def test_a_place_name_given_by_the_model_is_kept() -> None:
    # a place the forces' sentence writes (not after "from") stays, even beside a better one
    assert _one("two frigates", "Dunmore") == "Dunmore"
    # "left Dunmore toward Marran": a place the sentence does not write gives way to the one it sends them to
    assert _one("two frigates", "Kessel") == "Marran"


def test_without_a_place_in_the_sentence_the_main_place_stands() -> None:
    # "flown in from the capital": no listed place after a word of direction; Marran is named most
    assert _one("Oskel commandos", None) == "Marran"
    assert main_place(_summary([]), ARTICLE) == "Marran"


def test_a_country_is_never_the_main_place() -> None:
    only_country = [Location(name="Velda", aliases=[], type="country", within=None)]
    assert main_place(_summary([], only_country), ARTICLE) is None


def test_unlisted_place_after_for_is_taken_verbatim() -> None:
    assert _one("volunteers", None) == "Tarrow"


def test_unlisted_place_inside_a_listed_name_becomes_that_name() -> None:
    locs = [Location(name="North Tarrow", aliases=[], type="region", within=None)]
    r = Reinforcement(sender="navy", forces="volunteers", destination=None, origin=None, status="under_way")
    assert fill_destinations(_summary([r], locs), ARTICLE).reinforcements[0].destination == "North Tarrow"


def test_no_reinforcements_leaves_the_answer_alone() -> None:
    data = _summary([])
    assert fill_destinations(data, ARTICLE) is data


def _place(name: str, *aliases: str) -> dict:
    return {"name": name, "aliases": list(aliases), "type": "city", "within": None}


def test_place_aliases_that_mention_another_listed_place_go() -> None:
    out = own_place_aliases(
        [
            _place("Lashkar Gah", "capital of Helmand province"),
            _place("Kandahar", "city of Lashkar Gah", "the city of Kandahar"),
            _place("Juba", "Juba district"),
            _place("Marib", "Juba district", "the capital of Juba"),
        ]
    )
    assert [x["aliases"] for x in out] == [
        ["capital of Helmand province"],
        ["the city of Kandahar"],
        ["Juba district"],
        ["the capital of Juba"],  # a place related to Juba, not Juba itself
    ]


def test_place_aliases_that_are_sentences_or_claimed_twice_go() -> None:
    out = own_place_aliases(
        [
            _place("Tripoli", "south of the city. Stay safe", "the capital"),
            _place("Misrata", "the capital", "the bottom of the table on Saturday", "Misurata"),
        ]
    )
    assert [x["aliases"] for x in out] == [["the capital"], ["Misurata"]]


def test_the_country_of_a_city_country_dateline_is_listed_when_the_story_names_it_too() -> None:
    from summarizer.destinations import add_dateline_country
    from summarizer.schema import Belligerent, ConflictSummary, Location

    article = "TALVIK, Norland (Wire) - Norland flew 600 soldiers into Talvik on Monday after clashes."
    bel = Belligerent(name="Norland", aliases=[], side="government", role="combatant")
    town = Location(name="Talvik", aliases=[], type="city", within=None)
    data = ConflictSummary(summary="s", belligerents=[bel], locations=[town], reinforcements=[], quotes=[])
    out = add_dateline_country(data, article)
    assert [(loc.name, loc.type) for loc in out.locations] == [("Talvik", "city"), ("Norland", "country")]
    assert add_dateline_country(out, article) == out  # listed already
    only_dateline = "TALVIK, Norland (Wire) - Soldiers flew into Talvik on Monday after clashes."
    assert add_dateline_country(data, only_dateline) == data  # named only in the dateline: not a location
    dated = "TALVIK, Nov 24 (Wire) - Norland flew 600 soldiers into Talvik."
    assert add_dateline_country(data, dated) == data
    control = data.model_copy(update={"belligerents": []})
    assert add_dateline_country(control, article) == control


def test_a_place_never_named_without_its_kind_takes_the_full_name() -> None:
    from summarizer.destinations import full_place_names

    article = (
        "Fighting spread to al-Rassa province and to Kessar on Monday. Troops moved from al-Rassa province "
        "to Kessar, the capital of Kessar province."
    )
    locs = [
        Location(name="al-Rassa", aliases=[], type="city", within=None),
        Location(name="Kessar", aliases=[], type="city", within="al-Rassa"),
    ]
    sent = Reinforcement(sender="Army", forces="troops", destination="Kessar", origin="al-Rassa", status="arrived")
    out = full_place_names(_summary([sent], locs), article)
    assert [(loc.name, loc.type, loc.within) for loc in out.locations] == [
        ("al-Rassa province", "province", None),
        ("Kessar", "city", "al-Rassa province"),  # "Kessar" also stands alone: the city is kept
    ]
    assert (out.reinforcements[0].origin, out.reinforcements[0].destination) == ("al-Rassa province", "Kessar")


def test_a_destination_is_the_whole_name_with_its_kind_and_no_place_of_origin() -> None:
    article = (
        "Fighting went on at the Marran Dam. The navy said it was sending frigates to its southern Kessel region "
        "to hold the dam.\n\nThe navy said commandos were moving from the naval base at Dunmore."
    )
    dam = Location(name="Marran Dam", aliases=["Dam"], type="site", within=None)
    kessel = Location(name="Kessel", aliases=[], type="town", within=None)
    dunmore = Location(name="Dunmore", aliases=[], type="city", within=None)
    rs = [
        Reinforcement(sender="navy", forces="frigates", destination="Kessel", origin=None, status="under_way"),
        Reinforcement(sender="navy", forces="frigates", destination="Dam", origin=None, status="under_way"),
        Reinforcement(sender="navy", forces="commandos", destination=None, origin=None, status="under_way"),
    ]
    out = fill_destinations(_summary(rs, [dam, kessel, dunmore]), article).reinforcements
    assert out[0].destination == "Kessel region"  # "to its southern Kessel region": the most specific
    assert out[1].destination == "Dam"  # an alias the answer lists stays
    # Dunmore is where the commandos come from: the main place stands, not the base they left
    assert out[2].destination == "Marran Dam"
    undammed = fill_destinations(_summary(rs[1:2], [dam.model_copy(update={"aliases": []})]), article)
    assert undammed.reinforcements[0].destination == "Marran Dam"  # "Dam" is only ever part of that name


def test_forces_sent_to_a_side_with_no_place_named_get_no_destination() -> None:
    article = "Fighting in Marran.\n\nVelda said it was rushing more ammunition to the army."
    r = Reinforcement(sender="navy", forces="more ammunition", destination=None, origin=None, status="under_way")
    assert fill_destinations(_summary([r]), article).reinforcements[0].destination is None


def test_a_place_only_ever_written_with_a_site_word_takes_it_and_the_site_type() -> None:
    from summarizer.destinations import full_place_names

    article = "Shells hit the Vessa bridge and Kessar on Monday. Troops crossed the Vessa bridge into Kessar."
    locs = [
        Location(name="Vessa", aliases=[], type="other", within=None),
        Location(name="Kessar", aliases=[], type="town", within=None),
    ]
    out = full_place_names(_summary([], locs), article)
    assert [(loc.name, loc.type) for loc in out.locations] == [("Vessa bridge", "site"), ("Kessar", "town")]
    twice = [*locs, Location(name="Vessa bridge", aliases=[], type="site", within=None)]
    sent = Reinforcement(sender="navy", forces="troops", destination="Vessa", origin=None, status="arrived")
    out = full_place_names(_summary([sent], twice), article)
    assert [loc.name for loc in out.locations] == ["Kessar", "Vessa bridge"]  # the bare name listed beside it goes
    assert out.reinforcements[0].destination == "Vessa bridge"


def test_a_wide_destination_takes_where_the_same_forces_arrived_next() -> None:
    article = (
        "OSKEL (Wire) - Velda sent 900 soldiers to the northern province of Harn on Monday after rebels "
        "attacked a police post in the town of Brisk. The troops, including a commando unit, arrived in "
        "Brisk and nearby Tolm overnight from Dunmore, the ministry said."
    )
    locs = [
        Location(name="Harn", aliases=[], type="province", within=None),
        Location(name="Brisk", aliases=[], type="town", within="Harn"),
        Location(name="Tolm", aliases=[], type="town", within="Harn"),
        Location(name="Dunmore", aliases=[], type="city", within=None),
    ]
    sent = Reinforcement(sender="navy", forces="900 soldiers", destination="Harn", origin="Dunmore", status="arrived")
    out = fill_destinations(_summary([sent], locs), article)
    assert out.reinforcements[0].destination == "Brisk"
    # a town stays; so does a wide place when the next sentences speak of something else
    town = sent.model_copy(update={"destination": "Tolm"})
    assert fill_destinations(_summary([town], locs), article).reinforcements[0].destination == "Tolm"
    other = article.replace("The troops, including a commando unit,", "Refugees")
    assert fill_destinations(_summary([sent], locs), other).reinforcements[0].destination == "Harn"


def test_a_destination_the_sentence_writes_only_after_from_is_the_origin() -> None:
    article = (
        "VELDA (Wire) - Fighting went on in Marran. Marran was shelled again.\n"
        "Another 400 marines would arrive from neighbouring Dunmore next week, the navy said."
    )
    r = Reinforcement(sender="navy", forces="400 marines", destination="Dunmore", origin=None, status="planned")
    out = fill_destinations(_summary([r]), article).reinforcements[0]
    assert (out.destination, out.origin) == ("Marran", "Dunmore")


def test_a_destination_the_sentence_does_not_write_gives_way_to_where_it_sends_them() -> None:
    article = (
        "VELDA (Wire) - Fighting went on in Marran and near Kessel.\n"
        "An armoured brigade was moving north from Dunmore toward the southern edge of Marran, an officer said."
    )
    r = Reinforcement(sender="navy", forces="armoured brigade", destination="Kessel", origin=None, status="under_way")
    assert fill_destinations(_summary([r]), article).reinforcements[0].destination == "Marran"
    # "from X toward Y": Y is where they go, not a place in the phrase of origin
    r = r.model_copy(update={"destination": None})
    assert fill_destinations(_summary([r]), article).reinforcements[0].destination == "Marran"
    # no word of direction there: a place "in", "at" or "near" stands
    told = (
        "VELDA (Wire) - Kessel fell.\nThe Front also brought in fighters from Dunmore, according to sources in Marran."
    )
    r = r.model_copy(update={"forces": "fighters from Dunmore", "destination": "Kessel"})
    assert fill_destinations(_summary([r]), told).reinforcements[0].destination == "Marran"
    r = r.model_copy(update={"forces": "armoured brigade"})
    # forces written in several sentences: the model's destination stays
    twice = article + "\nThe armoured brigade fought near Kessel."
    r = r.model_copy(update={"destination": "Kessel"})
    assert fill_destinations(_summary([r]), twice).reinforcements[0].destination == "Kessel"


def test_a_combatant_states_own_country_is_listed_when_the_article_names_it() -> None:
    from summarizer.destinations import add_home_countries

    article = "Malian troops fought jihadists near Boulkessi. Mali's army said the camp held. Salvadoran troops left."
    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="Malian army", aliases=[], side="government", role="combatant"),
            Belligerent(name="Salvadoran army", aliases=[], side="government", role="combatant"),  # no country named
            Belligerent(name="Dorvanian army", aliases=[], side="government", role="combatant"),  # no such country
        ],
        locations=[Location(name="Boulkessi", aliases=[], type="town", within=None)],
        reinforcements=[],
        quotes=[],
    )
    out = add_home_countries(data, article)
    assert [(loc.name, loc.type) for loc in out.locations] == [("Boulkessi", "town"), ("Mali", "country")]
    assert add_home_countries(out, article) == out  # listed once
