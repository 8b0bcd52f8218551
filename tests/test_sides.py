"""Side labels the article's sentences contradict (summarizer/sides.py). Invented articles."""

from __future__ import annotations

from summarizer.schema import Belligerent, ConflictSummary
from summarizer.sides import relations, split_enemy_sides


def _data(*items: tuple[str, str, str]) -> ConflictSummary:
    return ConflictSummary(
        summary="s",
        belligerents=[Belligerent(name=n, aliases=[], side=s, role=r) for n, s, r in items],  # type: ignore[arg-type]
        locations=[],
        reinforcements=[],
        quotes=[],
    )


ARTICLE = (
    "OSSEN (Wire) - The Northern Army shelled the town of Talvik on Monday.\n\n"
    "Fighters of the Free Hills Front, who hold the ridge above the town, clashed with the Valley Guard "
    "overnight, residents said.\n\n"
    "Dorvania had about 2,000 troops in the region fighting alongside the Free Hills Front, a report said."
)


def test_relations_read_hostility_and_fighting_alongside() -> None:
    data = _data(
        ("Northern Army", "government", "combatant"),
        ("Free Hills Front", "rebels", "combatant"),
        ("Valley Guard", "rebels", "combatant"),
        ("Dorvania", "government", "supporter"),
    )
    enemies, allies = relations(data, ARTICLE)
    assert frozenset((1, 2)) in enemies  # "clashed with", across the relative clause
    assert frozenset((1, 3)) in allies  # "fighting alongside"
    assert frozenset((0, 1)) not in enemies  # never in one sentence


def test_enemies_sharing_a_label_are_split_and_join_the_other_camp() -> None:
    data = _data(
        ("Northern Army", "government", "combatant"),
        ("Free Hills Front", "rebels", "combatant"),
        ("Valley Guard", "rebels", "combatant"),
    )
    out = split_enemy_sides(data, ARTICLE)
    # the first-listed of the camp keeps the label; its enemy fights no one of the other camp: joins it
    assert [b.side for b in out.belligerents] == ["government", "rebels", "government"]


def test_a_supporter_put_with_a_fighter_of_another_camp_takes_its_label() -> None:
    data = _data(
        ("Northern Army", "government", "combatant"),
        ("Free Hills Front", "rebels", "combatant"),
        ("Dorvania", "government", "supporter"),
    )
    out = split_enemy_sides(data, ARTICLE)
    assert [b.side for b in out.belligerents] == ["government", "rebels", "rebels"]


def test_a_teller_between_the_names_or_another_clause_makes_no_pair() -> None:
    text = (
        "The Northern Army said the Free Hills Front attacked a convoy. "
        "The ministry asked Dorvania, which supplies the army with drones, for help, and accused the Valley "
        "Guard of shelling the town."
    )
    data = _data(
        ("Northern Army", "government", "combatant"),
        ("Free Hills Front", "government", "combatant"),
        ("Dorvania", "government", "supporter"),
        ("Valley Guard", "rebels", "combatant"),
    )
    assert relations(data, text) == (set(), set())
    assert split_enemy_sides(data, text) == data


def test_fighting_between_two_names_parts_them_and_a_contradiction_changes_nothing() -> None:
    data = _data(("Northern Army", "all", "combatant"), ("Free Hills Front", "all", "combatant"))
    text = "Fighting between the Northern Army and the Free Hills Front went on."
    out = split_enemy_sides(data, text)
    assert [b.side for b in out.belligerents] == ["all", "Free Hills Front"]
    both = text + (
        " The Northern Army, backed by the Free Hills Front, held the town."
        " The Free Hills Front attacked the Northern Army."
    )
    assert split_enemy_sides(data, both) == data


def test_a_leader_named_in_the_possessive_stands_for_his_force() -> None:
    article = (
        "Varko's Northern Army (NA) pressed on Talvik.\n\n"
        "Forces loyal to Varko shelled the town and clashed with the Valley Guard overnight.\n\n"
        "Officials accused Dorvania of carrying out air strikes in support of Varko."
    )
    data = _data(
        ("NA", "government", "combatant"),
        ("Valley Guard", "government", "combatant"),
        ("Dorvania", "Dorvania", "supporter"),
    )
    na = data.belligerents[0].model_copy(update={"aliases": ["Northern Army"]})
    data = data.model_copy(update={"belligerents": [na, *data.belligerents[1:]]})
    enemies, allies = relations(data, article)
    assert enemies == {frozenset((0, 1))} and allies == {frozenset((0, 2))}
    assert [b.side for b in split_enemy_sides(data, article).belligerents] == [
        "government",
        "Valley Guard",
        "government",
    ]


def test_a_part_named_with_its_whole_takes_the_wholes_label_but_a_places_possessive_is_no_whole() -> None:
    article = (
        "The Northern Army fought the Free Hills Front near Talvik.\n\n"
        "The Hill Alliance, a coalition of militias that includes the Ossen Brigade, fought beside the army.\n\n"
        "The Northern Army's 5th Corps held the bridge, and the Kessar Battalion of the Hill Alliance the ridge.\n\n"
        "Ossen's Free Hills Front denied it."
    )
    data = _data(
        ("Northern Army", "government", "combatant"),
        ("Free Hills Front", "rebels", "combatant"),
        ("Hill Alliance", "government", "combatant"),
        ("Ossen Brigade", "rebels", "combatant"),
        ("5th Corps", "5th Corps", "combatant"),
        ("Kessar Battalion", "rebels", "combatant"),
        ("Ossen", "Ossen", "supporter"),
    )
    out = split_enemy_sides(data, article)
    assert [b.side for b in out.belligerents] == [
        "government",
        "rebels",
        "government",
        "government",  # "includes"
        "government",  # "the Northern Army's 5th Corps"
        "government",  # "of the Hill Alliance"
        "Ossen",  # "Ossen's Free Hills Front": a place's possessive, no whole
    ]


def test_backed_in_the_fighting_by_puts_two_together() -> None:
    article = "Soldiers of the Northern Army were backed in the fighting by Dorvanian troops, a source said."
    data = _data(("Northern Army", "government", "combatant"), ("Dorvanian troops", "government", "supporter"))
    enemies, allies = relations(data, article)
    assert frozenset((0, 1)) in allies and frozenset((0, 1)) not in enemies


def test_a_verb_of_hostility_or_support_ties_its_clauses_subject_to_its_object_at_any_distance() -> None:
    article = (
        "Forces loyal to the Northern Army shelled southern districts of Talvik overnight and clashed with "
        "troops of the internationally recognised Valley Guard near the disused airport, residents said.\n\n"
        "A source said the Free Hills Front, a force backed by Dorvania, had sent hundreds of fighters from "
        "the coast toward Ossen on Monday afternoon to support Valley Guard units."
    )
    data = _data(
        ("Northern Army", "government", "combatant"),
        ("Valley Guard", "government", "combatant"),
        ("Free Hills Front", "Free Hills Front", "supporter"),
    )
    enemies, allies = relations(data, article)
    assert frozenset((0, 1)) in enemies  # "clashed with troops of the ... Valley Guard"
    assert frozenset((2, 1)) in allies  # "to support Valley Guard units"


def test_a_belligerent_alone_in_its_camp_takes_the_label_of_the_one_the_article_puts_it_with() -> None:
    article = (
        "OSSEN (Wire) - The Northern Army shelled the town of Talvik on Monday.\n\n"
        "The Free Hills Front, backed by the Orlen Hawks, clashed with the Northern Army overnight."
    )
    data = _data(
        ("Northern Army", "government", "combatant"),
        ("Free Hills Front", "rebels", "combatant"),
        ("Orlen Hawks", "Orlen Hawks", "combatant"),
    )
    assert [b.side for b in split_enemy_sides(data, article).belligerents] == ["government", "rebels", "rebels"]
    # one that fights the camp keeps its own label
    hostile = article + "\n\nThe Orlen Hawks later attacked the Free Hills Front."
    assert split_enemy_sides(data, hostile).belligerents[2].side == "Orlen Hawks"
