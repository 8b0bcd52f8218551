"""The last mends of the belligerent list (``summarizer.actors.tidy_actors``), on invented articles."""

from __future__ import annotations

from summarizer.actors import tidy_actors, tidy_places
from summarizer.schema import Belligerent, ConflictSummary, Location, Reinforcement
from summarizer.validate import validate


def _b(name: str, aliases: list[str] | None = None, side: str = "government", role: str = "combatant") -> Belligerent:
    return Belligerent(name=name, aliases=aliases or [], side=side, role=role)


def _data(belligerents: list[Belligerent], locations: list[Location] | None = None, reinforcements=None):
    return ConflictSummary(
        summary="Fighting.",
        belligerents=belligerents,
        locations=locations or [],
        reinforcements=reinforcements or [],
        quotes=[],
    )


def _names(data: ConflictSummary) -> list[tuple[str, list[str]]]:
    return [(b.name, b.aliases) for b in data.belligerents]


def test_an_acronym_beside_the_name_that_spells_it_out_in_brackets_is_one_item() -> None:
    article = "Fighters of the Velka Liberation Front (VLF) attacked Ostrava. The VLF said it held the bridge."
    data = _data([_b("Velka Liberation Front (VLF)", side="rebels"), _b("VLF", ["the rebels"], side="rebels")])
    assert _names(tidy_actors(data, article)) == [("Velka Liberation Front (VLF)", ["VLF", "the rebels"])]


def test_an_acronym_in_another_items_alias_is_not_enough() -> None:
    # the model listed the enemy's name as an alias of the police: "VLF" stays an item of its own
    article = "Police fought the Velka Liberation Front (VLF) near Ostrava. The VLF said it held the bridge."
    data = _data([_b("Velka police", ["the Velka Liberation Front (VLF)"]), _b("VLF", side="rebels")])
    assert [b.name for b in tidy_actors(data, article).belligerents] == ["Velka police", "VLF"]


def test_akin_names_sharing_an_acronym_are_one_item() -> None:
    article = "The Dravian federal army (DFA) shelled Kolin. Dravian People's Army units, the DFA said, held."
    data = _data([_b("Dravian federal army", ["DFA", "the army"]), _b("Dravian People's Army", ["DFA"])])
    assert _names(tidy_actors(data, article)) == [
        ("Dravian federal army", ["DFA", "the army", "Dravian People's Army"])
    ]


def test_a_shared_alias_of_unrelated_names_folds_nothing() -> None:
    article = "Morland troops fought the Sefa Front (SF) near Tarn; the SF said Morland troops had fled."
    data = _data([_b("Morland troops", ["SF"]), _b("Sefa Front", ["SF"], side="rebels")])
    assert [b.name for b in tidy_actors(data, article).belligerents] == ["Morland troops", "Sefa Front"]


def test_clauses_dates_and_places_with_their_kind_are_no_aliases() -> None:
    article = "The Garan army entered the town, on Wednesday, in Garan's Ulma province, and the army held."
    data = _data([_b("Garan army", ["the town, on Wednesday", "Garan's Ulma province", "the army"])])
    assert _names(tidy_actors(data, article)) == [("Garan army", ["the army"])]


def test_a_listed_town_is_no_belligerent_unless_it_sends_forces() -> None:
    article = "Tarvik army units shelled Ostrava. Ostrava said the Tarvik army was sending tanks to Kolin."
    town = Location(name="Ostrava", aliases=[], type="town", within=None)
    country = Location(name="Tarvik", aliases=[], type="country", within=None)
    data = _data([_b("Tarvik army"), _b("Ostrava", side="rebels"), _b("Tarvik")], [town, country])
    assert [b.name for b in tidy_actors(data, article).belligerents] == ["Tarvik army", "Tarvik"]
    sent = Reinforcement(sender="Ostrava", forces="tanks", destination=None, origin=None, status="planned")
    kept = tidy_actors(_data([_b("Tarvik army"), _b("Ostrava", side="rebels")], [town], [sent]), article)
    assert [b.name for b in kept.belligerents] == ["Tarvik army", "Ostrava"]


def test_an_adjective_of_nationality_takes_the_countrys_name_when_the_article_writes_it() -> None:
    article = "Turkish drones struck Kolin, and Turkey said more would come. Cuban advisers were seen."
    sent = Reinforcement(sender="Turkish", forces="drones", destination="Kolin", origin=None, status="arrived")
    kolin = Location(name="Kolin", aliases=[], type="town", within=None)
    data = _data([_b("Turkish", side="rebels", role="supporter"), _b("Cuban")], [kolin], [sent])
    out = tidy_actors(data, article)
    # "Cuba" is no word of the article ("Cuban" only): the name stays as written
    assert _names(out) == [("Turkey", ["Turkish"]), ("Cuban", [])]
    assert not [p for p in validate(out.model_dump(mode="json"), article) if p.severity == "error"]


def test_weapons_of_a_nation_named_as_an_actor_become_the_country_or_fold_into_it() -> None:
    article = "Norvian tanks and artillery rolled toward Kolin. Norvia denied it. Velkan drones hit Ostrava."
    sent = Reinforcement(
        sender="Norvian tanks and artillery", forces="tanks", destination="Kolin", origin=None, status="under_way"
    )
    data = _data([_b("Norvian tanks and artillery"), _b("Velkan drones"), _b("Velka", side="rebels")], [], [sent])
    data = data.model_copy(update={"summary": "Fighting."})
    out = tidy_actors(data, "Velka said so. " + article)
    assert _names(out) == [("Norvia", ["Norvian tanks and artillery"]), ("Velka", ["Velkan drones"])]
    # the sender stays as written: it is now an alias of Norvia
    assert not [p for p in validate(out.model_dump(mode="json"), "Velka said so. " + article) if p.severity == "error"]


def test_members_of_a_body_take_its_name_and_a_part_of_a_name_folds_into_the_whole() -> None:
    article = (
        "Varnian National Guard fighters held Kolin. National Guard units in Kolin fired back. Ostlandi "
        "paramilitary volunteers and Ostlandi police attacked. The Free Varnian Army and the Varnian Army clashed."
    )
    data = _data(
        [
            _b("Varnian National Guard fighters"),
            _b("National Guard units in Kolin"),
            _b("Ostlandi paramilitary volunteers", side="rebels"),
            _b("Ostlandi", side="rebels"),
            _b("Free Varnian Army", side="rebels"),
            _b("Varnian Army"),
        ],
        [Location(name="Kolin", aliases=[], type="town", within=None)],
    )
    assert _names(tidy_actors(data, article)) == [
        ("Varnian National Guard", ["Varnian National Guard fighters", "National Guard"]),
        ("Ostlandi paramilitary volunteers", ["Ostlandi"]),
        ("Free Varnian Army", []),
        ("Varnian Army", []),  # a state's army is no part of the rebels' name
    ]


def test_an_answer_with_nothing_to_mend_is_returned_as_it_is() -> None:
    data = _data([_b("Garan army", ["the army"]), _b("Sefa Front", side="rebels")])
    assert tidy_actors(data, "The Garan army fought the Sefa Front.") is data


def _loc(name: str, type_: str = "town", within: str | None = None) -> Location:
    return Location(name=name, aliases=[], type=type_, within=within)


def test_places_lose_clauses_owners_actors_and_armed_bodies() -> None:
    article = (
        "Garan troops took Ulma, a district of Garan's Sefa province, on Monday. The Garan military said "
        "the Sefa Front had fled Ulma for Tarn. Garan's Sefa province is calm; Garan officials met in Tarn."
    )
    data = _data(
        [_b("Garan troops"), _b("Sefa Front", side="rebels")],
        [
            _loc("Ulma, a district of Garan's Sefa province", "district"),
            _loc("Garan", "country"),
            _loc("Sefa province", "province"),
            _loc("Garan's Sefa province", "province"),
            _loc("Sefa Front", "other"),
            _loc("Garan military", "other"),
            _loc("Tarn", within="Ulma, a district of Garan's Sefa province"),
        ],
    )
    out = tidy_places(data, article)
    assert [(x.name, x.within) for x in out.locations] == [
        ("Ulma", None),
        ("Garan", None),
        ("Sefa province", None),
        ("Tarn", "Ulma"),
    ]


def test_places_lose_descriptions_adjectives_and_actor_names_and_an_owner_is_a_place() -> None:
    article = (
        "Vazik and Tarnian forces clashed in Vazikistan's Sefa province near the Tarnian exclave of Olm. "
        "The Union for Peace in Tarnia (UPT) and the Sefa Liberation Front (SLF) joined in. Tarnia denied it."
    )
    data = _data(
        [_b("Vazik forces"), _b("Tarnian forces", side="rebels"), _b("Sefa Liberation Front", ["SLF"]), _b("UPT")],
        [
            _loc("Sefa province", "province"),
            _loc("Vazikistan's Sefa province", "province"),
            _loc("Tarnian exclave", "country").model_copy(update={"aliases": ["Olm"]}),
            _loc("Vazik border", "country"),
            _loc("Tarnian", "country"),
            _loc("Sefa Liberation Front", "other"),
            _loc("Tarnia", "country"),
        ],
    )
    out = tidy_places(data, article)
    assert [(x.name, x.type) for x in out.locations] == [
        ("Sefa province", "province"),
        ("Vazikistan", "country"),  # the owner of a place listed twice
        ("Olm", "other"),  # a description named by its proper alias
        ("Tarnia", "country"),  # "Tarnia" is no actor's bracketed name: the end of a longer one
    ]


def test_a_place_forces_move_to_is_kept_as_it_is() -> None:
    article = "Garan troops were sent to Ulma, a district of Sefa, on Monday."
    sent = Reinforcement(sender="Garan troops", forces="Garan troops", destination="Ulma, a district of Sefa",
                         origin=None, status="arrived")  # fmt: skip
    data = _data([_b("Garan troops")], [_loc("Ulma, a district of Sefa", "district")], [sent])
    assert tidy_places(data, article) is data


def test_compass_parts_and_type_words_fold_into_the_listed_place() -> None:
    from summarizer.actors import fold_place_variants
    from summarizer.schema import Location

    data = ConflictSummary(
        summary="s",
        belligerents=[],
        locations=[
            Location(name="Harn", aliases=[], type="region", within=None),
            Location(name="Brisk", aliases=[], type="town", within="western Harn"),
            Location(name="western Harn", aliases=[], type="region", within=None),
            Location(name="Tolm", aliases=[], type="district", within="Harn"),
            Location(name="Tolm district", aliases=[], type="district", within="Harn"),
            Location(name="Kessel", aliases=[], type="city", within=None),
            Location(name="Kessel province", aliases=[], type="province", within=None),  # another place
        ],
        reinforcements=[],
        quotes=[],
    )
    out = fold_place_variants(data)
    assert [(x.name, x.aliases, x.within) for x in out.locations] == [
        ("Harn", ["western Harn"], None),
        ("Brisk", [], "Harn"),
        ("Tolm", ["Tolm district"], "Harn"),
        ("Kessel", [], None),
        ("Kessel province", [], None),
    ]
    assert fold_place_variants(out) == out


def test_a_capital_named_as_a_belligerent_or_sender_is_its_countrys_listed_body() -> None:
    from summarizer.actors import fold_capitals

    article = (
        "Zagreb sent a column of volunteers toward Vinkovci, where the Croatian National Guard held the road. "
        "The Yugoslav army shelled the town."
    )
    sent = Reinforcement(
        sender="Zagreb", forces="a column of volunteers", destination="Vinkovci", origin=None, status="under_way"
    )
    data = _data(
        [_b("Yugoslav army"), _b("Zagreb", ["Croatia"], side="Croatia"), _b("Croatian National Guard", side="Croatia")],
        reinforcements=[sent],
    )
    out = fold_capitals(data, article)
    assert _names(out) == [("Yugoslav army", []), ("Croatian National Guard", ["Zagreb", "Croatia"])]
    assert out.reinforcements[0].sender == "Croatian National Guard"
    # a sender named by a capital, with no item of its own, is also the country's body
    alone = fold_capitals(
        _data([_b("Central African army")], reinforcements=[sent.model_copy(update={"sender": "Bangui"})]), ""
    )
    assert alone.reinforcements[0].sender == "Central African army"


def test_a_capital_whose_country_no_item_is_keeps_its_item() -> None:
    from summarizer.actors import fold_capitals

    # "Damascus" is Syria's capital, but the Syrian Democratic Forces are no body of the Syrian state
    data = _data([_b("Syrian Democratic Forces", side="SDF"), _b("Damascus", side="government")])
    assert fold_capitals(data, "Damascus and the Syrian Democratic Forces clashed.") == data
    # a place that is no capital is left alone
    data = _data([_b("Russia"), _b("Kharkiv", side="Ukraine")])
    assert fold_capitals(data, "Russia attacked Kharkiv.") == data


def test_the_pipeline_folds_a_capital_that_sends_forces_into_its_countrys_army() -> None:
    import json
    from typing import Any

    from doubles import ReadingBackend

    from summarizer.core import Summarizer

    article = (
        "BAMBARI (Wire) - Rebels of the Coalition of Patriots for Change attacked army positions in Bambari on "
        "Tuesday, and the Central African Armed Forces (FACA) fought them for hours, officials said.\n\n"
        "Bangui flew reinforcements into Bambari overnight, a security source said. Soldiers of the Central "
        "African Armed Forces (FACA) were killed in the fighting."
    )

    class Answer(ReadingBackend):
        def answer(self, article: str) -> dict[str, Any]:
            return {
                "summary": "Rebels attacked Bambari.",
                "belligerents": [
                    {
                        "name": "Central African Armed Forces (FACA)",
                        "aliases": [],
                        "side": "government",
                        "role": "combatant",
                    },
                    {
                        "name": "Coalition of Patriots for Change",
                        "aliases": ["Rebels"],
                        "side": "rebels",
                        "role": "combatant",
                    },
                ],
                "locations": [{"name": "Bambari", "aliases": [], "type": "town", "within": None}],
                "reinforcements": [
                    {
                        "sender": "Bangui",
                        "forces": "reinforcements",
                        "destination": "Bambari",
                        "origin": None,
                        "status": "arrived",
                    }
                ],
                "quotes": [],
            }

    out = json.loads(Summarizer(backend=Answer(), second_look=False).summarize(article).to_json())
    assert [b["name"] for b in out["belligerents"]] == [
        "Central African Armed Forces (FACA)",
        "Coalition of Patriots for Change",
    ]
    assert "Bangui" in out["belligerents"][0]["aliases"] or out["reinforcements"][0]["sender"] != "Bangui"
    assert out["reinforcements"][0]["sender"] == "Central African Armed Forces (FACA)"


def test_the_pipeline_folds_a_capital_into_a_country_that_an_actor_becomes_only_when_tidied() -> None:
    import json
    from typing import Any

    from doubles import ReadingBackend

    from summarizer.core import Summarizer

    article = (
        "TSKHINVALI (Wire) - Russian tanks and artillery pounded Georgian positions near Tskhinvali on Friday, "
        "and Georgian troops fired on the town, witnesses said.\n\n"
        "Moscow said it would protect its citizens in South Ossetia. Russian tanks and artillery rolled "
        "through the Roki Tunnel, Russia said."
    )

    class Answer(ReadingBackend):
        def answer(self, article: str) -> dict[str, Any]:
            return {
                "summary": "Russian forces entered South Ossetia.",
                "belligerents": [
                    {"name": "Russian tanks and artillery", "aliases": [], "side": "Russia", "role": "combatant"},
                    {"name": "Georgian troops", "aliases": [], "side": "Georgia", "role": "combatant"},
                    {"name": "Moscow", "aliases": [], "side": "Russia", "role": "supporter"},
                ],
                "locations": [{"name": "Tskhinvali", "aliases": [], "type": "town", "within": None}],
                "reinforcements": [],
                "quotes": [],
            }

    out = json.loads(Summarizer(backend=Answer(), second_look=False).summarize(article).to_json())
    names = {b["name"]: b["aliases"] for b in out["belligerents"]}
    assert "Moscow" not in names and "Moscow" in names["Russia"]


def test_aliases_the_article_lists_as_other_groups_become_belligerents_of_their_own() -> None:
    from summarizer.actors import split_listed_groups

    article = (
        "The rebels, an alliance of the Union of Tarvo Fighters (UTF), the UTF-Renewal and the Rally of Orlen "
        "Patriots (ROP), advanced. Men from the Kessar Hawks and Vasko Lions brigades joined them. The Dravia "
        "Front, or Dravian Resistance, held the hills. The Jammu and Orlen Police stood by."
    )
    data = _data(
        [
            _b("UTF", ["UTF-Renewal", "ROP", "Union of Tarvo Fighters"], side="rebels"),
            _b("Free Army", ["Kessar Hawks and Vasko Lions brigades"], side="rebels"),
            _b("Dravia Front", ["Dravian Resistance"], side="rebels"),
            _b("Orlen Police", ["the Jammu and Orlen Police"]),
        ]
    )
    out = {b.name: (b.aliases, b.side) for b in split_listed_groups(data, article).belligerents}
    assert out["UTF"] == (["Union of Tarvo Fighters"], "rebels")
    assert out["UTF-Renewal"] == ([], "rebels")
    assert out["Rally of Orlen Patriots"] == (["ROP"], "rebels")  # the acronym goes with its name
    assert "Kessar Hawks" in out and "Vasko Lions" in out
    assert out["Dravia Front"][0] == ["Dravian Resistance"]  # "X, or Y" is one group
    assert out["Orlen Police"][0] == ["the Jammu and Orlen Police"]  # no plural word for groups after it


def test_a_group_written_short_in_a_list_is_split_and_another_name_folds_in() -> None:
    from summarizer.actors import split_listed_groups

    article = (
        "Iran has armed several factions, including Vasko Hezbollah and Orlen. A commander in the Orlen "
        "Organisation spoke. The Tarvo Service, the elite unit also known as the Iron Division, flew in. "
        "The Front and allied militias known as the White Guard held the hill."
    )
    data = _data(
        [
            _b("Vasko Hezbollah", ["the Orlen Organisation"]),
            _b("Tarvo Service"),
            _b("Iron Division"),
            _b("Front", side="rebels"),
            _b("White Guard", side="rebels"),
        ]
    )
    split = split_listed_groups(data, article)
    assert [b.name for b in split.belligerents if b.name.endswith("Organisation")] == ["the Orlen Organisation"]
    out = {b.name: b.aliases for b in tidy_actors(split, article).belligerents}
    assert "Iron Division" in out["Tarvo Service"] and "Iron Division" not in out  # "also known as"
    assert "White Guard" in out  # "X and allied militias known as Y" is another group
