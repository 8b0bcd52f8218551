"""Movements of forces read from the article's sentences (summarizer/movements.py)."""

from __future__ import annotations

from summarizer.destinations import fill_destinations
from summarizer.movements import add_movements, drop_unmoved, find_movements, one_per_movement
from summarizer.schema import Belligerent, ConflictSummary, Location, Reinforcement

ARTICLE = (
    "TALVIK (Wire) - Fighting raged around the town of Talvik on Monday.\n\n"
    "Military intelligence said the Northern Army was moving three armoured brigades from the Ossen region "
    "toward Talvik, and had massed artillery on the ridge.\n\n"
    "The Free Hills Front, which controls the capital Marra, also brought in fighters from Marra over the weekend, "
    "according to local sources in Talvik.\n\n"
    "A defence ministry spokesman said a further 500 Northern soldiers would be sent to Talvik next week.\n\n"
    "The Free Hills Front denied sending tanks to the town.\n\n"
    "Asked whether reinforcements had been sent to Talvik, the spokesman declined to comment.\n\n"
    "The government said it would bring the troops home by the end of the year."
)


def _data(reinforcements: list[Reinforcement] | None = None) -> ConflictSummary:
    return ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="Northern Army", aliases=["the army"], side="government", role="combatant"),
            Belligerent(name="Free Hills Front", aliases=[], side="rebels", role="combatant"),
        ],
        locations=[
            Location(name="Talvik", aliases=[], type="town", within=None),
            Location(name="Ossen region", aliases=[], type="region", within=None),
            Location(name="Marra", aliases=[], type="city", within=None),
        ],
        reinforcements=reinforcements or [],
        quotes=[],
    )


def test_find_movements_reads_active_and_passive_shapes_and_skips_denied_asked_and_withdrawn() -> None:
    found = [(m.forces, m.status) for m in find_movements(ARTICLE)]
    assert ("three armoured brigades", "under_way") in found
    assert ("fighters", "arrived") in found
    assert ("further 500 Northern soldiers", "planned") in found
    forces = [f for f, _ in found]
    assert "tanks" not in forces  # denied
    assert "reinforcements" not in forces  # only asked about
    assert not any("troops" in f for f in forces)  # brought home: a withdrawal
    assert not any("artillery" in f for f in forces)  # massed where they are: no movement verb


def test_add_movements_names_sender_destination_and_origin_from_the_sentence() -> None:
    out = add_movements(_data(), ARTICLE)
    got = {(r.sender, r.forces, r.destination, r.origin) for r in out.reinforcements}
    assert ("Northern Army", "three armoured brigades", "Talvik", "Ossen region") in got
    assert ("Free Hills Front", "fighters", "Talvik", "Marra") in got
    # the passive one has no listed sender in its sentence ("a defence ministry spokesman"): left out
    assert not any("500" in r.forces for r in out.reinforcements)


def test_add_movements_keeps_what_the_answer_tells_and_never_repeats_a_sender_and_place() -> None:
    told = Reinforcement(
        sender="Northern Army", forces="three armoured brigades", destination="Talvik", origin=None, status="under_way"
    )
    out = add_movements(_data([told]), ARTICLE)
    assert out.reinforcements[0] == told
    assert [(r.sender, r.forces) for r in out.reinforcements[1:]] == [("Free Hills Front", "fighters")]
    other = told.model_copy(update={"forces": "reinforcements"})  # same sender and place, other words
    again = add_movements(_data([other]), ARTICLE)
    assert [r.sender for r in again.reinforcements].count("Northern Army") == 1


def test_add_movements_adds_nothing_without_belligerents() -> None:
    empty = _data().model_copy(update={"belligerents": []})
    assert add_movements(empty, ARTICLE) == empty


def test_a_sender_that_is_the_receiver_takes_the_sentence_sender_and_a_sending_country_is_no_place() -> None:
    article = (
        "Fighting went on around Talvik.\n\n"
        "Norland said on Monday it would send two more air defence systems to Talvik, and Ostia accused "
        "Vesta of sending mercenaries to the front near Talvik."
    )
    data = _data(
        [
            Reinforcement(
                sender="Northern Army",
                forces="two more air defence systems",
                destination="Talvik",
                origin="Norland",
                status="planned",
            )
        ]
    )
    states = [Location(name=n, aliases=[], type="country", within=None) for n in ("Norland", "Vesta")]
    places = [*data.locations, *states]
    out = add_movements(data.model_copy(update={"locations": places}), article)
    assert [(r.sender, r.forces) for r in out.reinforcements] == [
        ("Norland", "two more air defence systems"),
        ("Vesta", "mercenaries"),
    ]
    assert [loc.name for loc in out.locations] == ["Talvik", "Ossen region", "Marra"]


def test_an_aside_is_no_subject_and_an_unlisted_named_force_can_send() -> None:
    article = (
        "Fighting went on around Talvik.\n\n"
        "A military source said the Ridge Brigades, a force backed by the Northern Army, had sent hundreds "
        "of fighters toward Talvik on Monday."
    )
    out = add_movements(_data(), article)
    assert [(r.sender, r.forces, r.destination) for r in out.reinforcements] == [
        ("Ridge Brigades", "hundreds of fighters", "Talvik")
    ]


def test_drop_unmoved_keeps_forces_told_of_moving_and_drops_forces_only_fighting() -> None:
    text = (
        "The Northern Army has been waging an offensive with the help of clan militias. "
        "Armoured brigades shelled Talvik. Later the army sent two armoured brigades toward Ossen."
    )
    data = _data(
        [
            Reinforcement(
                sender="Northern Army", forces="clan militias", destination="Talvik", origin=None, status="under_way"
            ),
            Reinforcement(
                sender="Northern Army", forces="armoured brigades", destination="Ossen", origin=None, status="under_way"
            ),
            Reinforcement(
                sender="Northern Army", forces="river boats", destination="Talvik", origin=None, status="under_way"
            ),
        ]
    )
    kept = [r.forces for r in drop_unmoved(data, text).reinforcements]
    # the brigades are also named where they are sent; forces not written in the article stay
    assert kept == ["armoured brigades", "river boats"]


def test_a_state_that_says_it_will_send_is_the_sender_though_the_answer_lists_it_nowhere() -> None:
    article = (
        "Fighting went on around Talvik.\n\n"
        "Norland said on Monday it would send two more air defence systems to Talvik.\n\n"
        "Tom Hale said it would send tanks to Talvik."
    )
    answer = Reinforcement(
        sender="Northern Army",
        forces="two more air defence systems",
        destination="Talvik",
        origin=None,
        status="planned",
    )
    out = add_movements(_data([answer]), article)
    assert [(r.sender, r.forces) for r in out.reinforcements] == [("Norland", "two more air defence systems")]


def test_it_sends_is_the_side_that_said_so_not_the_first_named_in_the_sentence() -> None:
    article = (
        "Free Hills Front fighters attacked army posts near Talvik on Sunday, and the Northern Army, which "
        "holds the town, said it was sending two battalions from Marra to Talvik."
    )
    wrong = Reinforcement(sender="Free Hills Front", forces="two battalions", destination="Talvik", origin=None,
                          status="under_way")  # fmt: skip
    fixed = add_movements(_data([wrong]), article).reinforcements
    assert [(r.sender, r.forces, r.destination) for r in fixed] == [("Northern Army", "two battalions", "Talvik")]


MOVING = (
    "OSSEN (Wire) - Columns of Norvian tanks and artillery were moving from Marra toward Talvik on Friday, "
    "officials said.\n\n"
    "Reinforcements from the city of Marra were on their way to the Kesh district, the army spokesman said.\n\n"
    "A column of about 300 volunteers left Ossen on Wednesday for Vella, to strengthen the defences there.\n\n"
    "About 150 soldiers landed at Talvik airfield from the capital Marra, army spokesman Ivo Rask told reporters.\n\n"
    "Free Hills fighters reached Talvik from Marra and attacked the market.\n\n"
    "Hundreds of families left Talvik.\n\n"
    "He said a further two companies were expected to arrive in Talvik from Marra later in the week.\n\n"
    "The aid agency said its convoys had been unable to reach Talvik."
)


def _moving_data() -> ConflictSummary:
    return ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="Norvia", aliases=[], side="north", role="combatant"),
            Belligerent(name="Northern Army", aliases=["the army"], side="north", role="combatant"),
            Belligerent(name="Free Hills Front", aliases=[], side="rebels", role="combatant"),
        ],
        locations=[
            Location(name="Talvik", aliases=[], type="town", within=None),
            Location(name="Marra", aliases=[], type="city", within=None),
            Location(name="Kesh district", aliases=[], type="district", within=None),
            Location(name="Vella", aliases=[], type="town", within=None),
        ],
        reinforcements=[],
        quotes=[],
    )


def test_forces_that_move_of_themselves_are_read_and_attacks_withdrawals_and_failed_moves_are_not() -> None:
    found = {m.forces: m.status for m in find_movements(MOVING) if m.moving}
    assert found == {
        "Columns of Norvian tanks and artillery": "under_way",
        "Reinforcements": "under_way",
        "A column of about 300 volunteers": "under_way",  # left for Vella: on its way
        "About 150 soldiers": "arrived",
        "a further two companies": "planned",
    }  # not the fighters who attacked, the families who left, nor convoys unable to reach


def test_moving_forces_take_sender_from_their_nation_or_teller_and_a_place_that_follows_them() -> None:
    out = add_movements(_moving_data(), MOVING)
    got = {r.forces: (r.sender, r.destination, r.origin) for r in out.reinforcements}
    assert got["Columns of Norvian tanks and artillery"] == ("Norvia", "Talvik", "Marra")  # "Norvian" -> Norvia
    assert got["Reinforcements"] == ("Northern Army", "Kesh district", "Marra")  # "the army spokesman said"
    assert got["About 150 soldiers"] == ("Northern Army", "Talvik airfield", "Marra")  # the place with its kind
    # no listed side in the column's sentence: left out; the same side and place is told once
    assert "A column of about 300 volunteers" not in got
    assert "a further two companies" not in got  # Northern Army -> Talvik already taken


def test_forces_going_to_join_a_side_strengthen_that_side() -> None:
    article = "Fighting went on in Talvik.\n\nAs 200 more Norvian police landed in Talvik to join the Northern Army."
    out = add_movements(_moving_data(), article)
    assert [(r.sender, r.destination) for r in out.reinforcements] == [("Northern Army", "Talvik")]


def test_an_aside_before_a_passive_verb_is_no_end_of_the_forces() -> None:
    article = "Soldiers of the Ridge Battalion, an elite unit, were flown from Marra to a field near Talvik at dawn."
    assert [m.forces for m in find_movements(article)] == ["Soldiers of the Ridge Battalion"]


def test_a_town_the_answer_also_lists_as_a_side_is_still_where_forces_go() -> None:
    data = _moving_data()
    data = data.model_copy(
        update={
            "belligerents": [*data.belligerents, Belligerent(name="Talvik", aliases=[], side="x", role="combatant")]
        }
    )
    article = "Fighting in Talvik.\n\nFresh Norvian units crossed the river from Norvia's Marra and reached Talvik."
    out = add_movements(data, article)
    assert [(r.sender, r.destination, r.origin) for r in out.reinforcements] == [("Norvia", "Talvik", "Marra")]


def test_a_unit_owned_by_a_force_is_sent_by_that_force() -> None:
    data = _moving_data()
    data = data.model_copy(
        update={
            "belligerents": [
                *data.belligerents,
                Belligerent(name="9th Division", aliases=[], side="north", role="combatant"),
            ]
        }
    )
    article = (
        "Fighting in Talvik.\n\nAn armoured brigade of the Norvian army's 9th Division was moving from Marra toward "
        "Talvik, an officer said."
    )
    out = add_movements(data, article)
    assert [(r.sender, r.destination) for r in out.reinforcements] == [("Norvian army", "Talvik")]


def test_a_number_with_a_thousands_comma_stays_in_the_forces() -> None:
    sent = "Ostia, which signed a pact with Velda last year, has sent about 1,000 more soldiers to Harn province."
    assert [(m.forces, m.status) for m in find_movements(sent)] == [("about 1,000 more soldiers", "arrived")]
    flown = find_movements("About 1,500 Ostian soldiers with tanks were flown to Brisk on Monday.")
    assert [m.forces for m in flown] == ["About 1,500 Ostian soldiers with tanks"]


def test_forces_that_strike_or_are_sentenced_are_not_moved() -> None:
    text = (
        "Coalition warplanes carried out dozens of air strikes to halt the advance on Ossen. "
        "A court sentenced 25 soldiers to death for fleeing the front near Talvik. "
        "The army sent 300 soldiers to Ossen."
    )
    data = _data(
        [
            Reinforcement(
                sender="Northern Army", forces="warplanes", destination="Ossen", origin=None, status="arrived"
            ),
            Reinforcement(
                sender="Northern Army", forces="25 soldiers", destination="Talvik", origin=None, status="arrived"
            ),
            Reinforcement(
                sender="Northern Army", forces="300 soldiers", destination="Ossen", origin=None, status="arrived"
            ),
        ]
    )
    assert [r.forces for r in drop_unmoved(data, text).reinforcements] == ["300 soldiers"]


def test_a_movement_told_twice_from_and_to_the_same_places_is_one_item() -> None:
    from summarizer.movements import one_per_movement

    def sent(forces: str, destination: str | None, origin: str | None) -> Reinforcement:
        return Reinforcement(
            sender="Northern Army", forces=forces, destination=destination, origin=origin, status="under_way"
        )

    data = _data(
        [
            sent("troops", "Ossen district", "Talvik"),
            sent("Reinforcements", "Ossen district", "Talvik"),
            sent("tanks", "Ossen district", None),  # the same sender to the same place: told again
            sent("drones", "Talvik", None),  # another place: another movement
        ]
    )
    assert [r.forces for r in one_per_movement(data).reinforcements] == ["troops", "drones"]


def test_forces_sent_in_the_passive_by_an_unlisted_state_that_announces_them() -> None:
    article = (
        "Fighting went on near Ossen.\n\n"
        "Ghana's defence ministry said on Wednesday that a further 800 soldiers would be sent to Ossen "
        "before the end of the month."
    )
    data = _data([])
    added = add_movements(data, article).reinforcements
    assert [(r.sender, r.forces, r.destination) for r in added] == [("Ghana", "further 800 soldiers", "Ossen region")]


def test_a_crossing_column_with_an_aside_is_read_and_gives_its_sender_to_the_forces_in_the_aside() -> None:
    article = (
        "Fighting went on around Talvik.\n\n"
        "Observers said Norvian reinforcements, including tanks and rocket launchers, were crossing the border "
        "into Talvik on Thursday."
    )
    assert [(m.forces, m.status) for m in find_movements(article)] == [("Norvian reinforcements", "under_way")]
    # the answer gave the receiver for the tanks named in the aside: the column's sender replaces it
    wrong = Reinforcement(
        sender="Free Hills Front",
        forces="tanks and rocket launchers",
        destination="Talvik",
        origin=None,
        status="arrived",
    )
    out = add_movements(_moving_data().model_copy(update={"reinforcements": [wrong]}), article)
    assert [(r.sender, r.forces) for r in out.reinforcements] == [("Norvia", "tanks and rocket launchers")]


def test_counted_forces_in_lower_case_that_left_a_place_for_another_are_under_way_from_it() -> None:
    data = _moving_data().model_copy(
        update={
            "belligerents": [
                Belligerent(name="Hill troops", aliases=["Norvian forces"], side="north", role="combatant"),
                Belligerent(name="Free Hills Front", aliases=[], side="rebels", role="combatant"),
            ]
        }
    )
    article = "Fighting in Talvik.\n\nNorvia's Defence Ministry said thousands of volunteers had left Marra for Vella."
    out = add_movements(data, article)
    # the ministry's state is the one a listed alias is named after ("Norvian forces" -> Norvia)
    assert [(r.sender, r.forces, r.destination, r.origin, r.status) for r in out.reinforcements] == [
        ("Hill troops", "thousands of volunteers", "Vella", "Marra", "under_way")
    ]


def test_forces_that_arrived_from_a_place_told_by_a_military_source_came_to_the_story_place() -> None:
    data = _moving_data().model_copy(
        update={
            "belligerents": [
                Belligerent(name="government troops", aliases=[], side="government", role="combatant"),
                Belligerent(name="Free Hills Front", aliases=[], side="rebels", role="combatant"),
            ]
        }
    )
    article = (
        "Troops retook Talvik on Saturday. Talvik had fallen to rebels on Thursday.\n\n"
        "Dozens of soldiers in armoured vehicles arrived from Marra, the regional capital, on Friday night, a "
        "military source told Wire, asking not to be named."
    )
    out = add_movements(data, article)
    assert [(r.sender, r.destination, r.origin, r.status) for r in out.reinforcements] == [
        ("government troops", "Talvik", "Marra", "arrived")
    ]
    # a military source says nothing of whose where two state forces are listed
    two = data.model_copy(
        update={
            "belligerents": [
                *data.belligerents,
                Belligerent(name="Vellan army", aliases=[], side="x", role="combatant"),
            ]
        }
    )
    assert add_movements(two, article).reinforcements == []


def test_forces_sent_to_hold_a_place_named_by_its_kind_go_to_that_place() -> None:
    data = _moving_data().model_copy(
        update={
            "locations": [*_moving_data().locations, Location(name="Ossen Dam", aliases=[], type="other", within=None)]
        }
    )
    article = (
        "Rebels attacked troops near the Ossen Dam in the Kesh district on Sunday, and the Northern Army said "
        "it was sending hundreds of fighters from Marra to hold the dam."
    )
    out = add_movements(data, article)
    assert [(r.sender, r.destination, r.origin) for r in out.reinforcements] == [
        ("Northern Army", "Ossen Dam", "Marra")
    ]


def test_forces_ordered_to_join_without_saying_where_are_planned_with_no_destination() -> None:
    article = (
        "Fighting went on in Talvik.\n\n"
        "The military's media wing said in a statement that two more brigades had been ordered to join the "
        "operation, without saying where they would be deployed."
    )
    data = _data().model_copy(update={"belligerents": [*_data().belligerents[:1], _moving_data().belligerents[2]]})
    out = add_movements(data, article)
    # the military's wing speaks for the one listed army; where they go is not said, not the story's place
    assert [(r.sender, r.destination, r.status) for r in out.reinforcements] == [("Northern Army", None, "planned")]
    # the answer's own guess of a place is dropped
    guess = Reinforcement(
        sender="Northern Army", forces="two more brigades", destination="Talvik", origin=None, status="planned"
    )
    filled = fill_destinations(data.model_copy(update={"reinforcements": [guess]}), article)
    assert filled.reinforcements[0].destination is None


def test_forces_whose_own_words_are_the_only_movement_and_denied_charges_are_dropped() -> None:
    article = (
        "Fighting went on in Talvik.\n\n"
        "The Northern Army has relied on Kestrel drones supplied by Norvia, which have destroyed dozens of tanks.\n\n"
        "Vella has accused Norvia of sending hired gunmen to fight for the army, a charge that Norvia denies.\n\n"
        "Norvian reinforcements reached Talvik."
    )

    def item(forces: str) -> Reinforcement:
        return Reinforcement(sender="Norvia", forces=forces, destination="Talvik", origin=None, status="arrived")

    data = _moving_data().model_copy(
        update={
            "reinforcements": [
                item("Kestrel drones supplied by Norvia"),
                item("hired gunmen"),
                item("Norvian reinforcements"),
            ]
        }
    )
    assert [r.forces for r in drop_unmoved(data, article).reinforcements] == ["Norvian reinforcements"]


def test_forces_joined_and_forces_described_by_their_maker_are_not_moved() -> None:
    article = (
        "Fighting went on in Talvik.\n\n"
        "A column of the Northern Army was moving toward Talvik to join police units that hold the town.\n\n"
        "The rebels relied on Kestrel drones supplied by Norvia."
    )

    def item(forces: str) -> Reinforcement:
        return Reinforcement(sender="Norvia", forces=forces, destination="Talvik", origin=None, status="arrived")

    data = _moving_data().model_copy(update={"reinforcements": [item("police units"), item("Kestrel drones")]})
    assert drop_unmoved(data, article).reinforcements == []


def test_the_army_in_the_clause_is_the_one_listed_army_and_a_second_item_to_the_same_place_is_one_movement() -> None:
    article = "Fighting went on in Talvik.\n\nOfficers said the army brought up more armour to Talvik."
    out = add_movements(_data(), article)
    assert [(r.sender, r.forces, r.destination) for r in out.reinforcements] == [
        ("Northern Army", "more armour", "Talvik")
    ]
    first = Reinforcement(
        sender="Northern Army", forces="a brigade", destination="Talvik", origin=None, status="arrived"
    )
    again = first.model_copy(update={"forces": "more armour"})
    other = first.model_copy(update={"destination": "Marra"})
    kept = one_per_movement(_data([first, again, other])).reinforcements
    assert [(r.forces, r.destination) for r in kept] == [("a brigade", "Talvik"), ("a brigade", "Marra")]


def test_forces_on_the_move_go_where_the_next_paragraph_says_they_were_going() -> None:
    article = (
        "Fighting went on near Talvik.\n\n"
        "Residents said columns of trucks carrying Free Hills Front fighters had been moving south since Monday.\n\n"
        '"We counted twenty trucks," said a farmer. "They were going toward Talvik."'
    )
    out = add_movements(_moving_data(), article)
    assert [(r.sender, r.destination, r.status) for r in out.reinforcements] == [
        ("Free Hills Front", "Talvik", "under_way")
    ]


def test_an_answer_item_that_will_be_dropped_hides_no_movement() -> None:
    from summarizer.movements import mend_reinforcements

    article = (
        "Fighting went on in Talvik.\n\n"
        "Northern Army tanks and Free Hills Front infantry attacked the town of Talvik on Monday.\n\n"
        "Government troops retook Talvik. About 300 Northern Army soldiers in armoured trucks arrived from Marra "
        "on Friday night, a military source said."
    )

    def item(sender: str, forces: str) -> Reinforcement:
        return Reinforcement(sender=sender, forces=forces, destination="Talvik", origin=None, status="arrived")

    # forces that strike (dropped as unmoved) and a sender that is a piece of a sentence (dropped as no actor)
    for wrong in (item("Northern Army", "Northern Army tanks"), item("trucks arrived from Marra on Friday", "trucks")):
        out = mend_reinforcements(_data([wrong]), article)
        assert [(r.sender, r.forces, r.destination, r.origin) for r in out.reinforcements] == [
            ("Northern Army", "About 300 Northern Army soldiers in armoured trucks", "Talvik", "Marra")
        ]


SHAPES = (
    "KORVAN, Estmark (Wire) - A column of about 30 trucks, some of them towing guns, was seen on Tuesday heading "
    "towards Talvik from Ossen, a police officer said.\n\n"
    "Several thousand Hill Guards, the volunteer militia of the Free Hills Front, have begun moving from Marra "
    "to reinforce the army at Talvik.\n\n"
    "Rebels shelled the bridge on Monday, and the Northern Army rushed two more battalions to Talvik.\n\n"
    "The mission would move two companies from Marra to Talvik by Thursday.\n\n"
    "A convoy of Red Cross trucks carrying rice was driving towards Talvik.\n\n"
    "Helicopters flying from Marra struck the column near Ossen."
)


def _shapes_data(reinforcements: list[Reinforcement] | None = None) -> ConflictSummary:
    data = _data(reinforcements)
    extra = Belligerent(name="Korvan Mission", aliases=["the Korvan mission"], side="UN", role="combatant")
    return data.model_copy(update={"belligerents": [*data.belligerents, extra]})


def test_find_movements_reads_seen_heading_begun_moving_and_skips_aid_and_verbs_without_forces() -> None:
    found = {m.forces: m for m in find_movements(SHAPES)}
    # "was seen on Tuesday heading": the time, the auxiliaries and the aside go
    assert found["A column of about 30 trucks"].status == "under_way"
    assert "Several thousand Hill Guards" in found  # "have begun moving"
    assert not any("Red Cross" in f or "rice" in f for f in found)  # aid is no force
    assert not any(f.startswith("from") for f in found)  # "flying from Marra" takes no forces


def test_senders_of_the_new_shapes() -> None:
    out = add_movements(_shapes_data(), SHAPES)
    got = {(r.forces, r.sender, r.destination) for r in out.reinforcements}
    # the forces' own words name their side before the side they go to join
    assert ("Several thousand Hill Guards", "Free Hills Front", "Talvik") in {
        (f, s, d) for f, s, d in got if f.startswith("Several")
    }
    # the clause after ", and" has its own subject
    assert any(f == "two more battalions" and s == "Northern Army" for f, s, _ in got)
    # "The mission" is the one listed mission
    assert any(f == "two companies" and s == "Korvan Mission" for f, s, _ in got)


def test_the_answers_destination_that_is_the_origin_is_replaced() -> None:
    article = "Officials said Estmark had redeployed two brigades from the village of Marra to trenches around Talvik."
    data = _data(
        [
            Reinforcement(
                sender="Northern Army", forces="two brigades", destination="Marra", origin=None, status="arrived"
            )
        ]
    )
    out = add_movements(data, article)
    assert [(r.destination, r.origin) for r in out.reinforcements] == [("Talvik", "Marra")]


def test_a_named_unit_sends_itself_and_due_to_is_planned_and_a_nationality_word_is_no_destination() -> None:
    article = (
        "TALVIK (Wire) - Marko has also redeployed his elite Rapid Reaction Unit from Ossen to Talvik.\n\n"
        "The first of two Estmark battalions is due to be airlifted next week from Marra.\n\n"
        "A convoy of Free Hills Front fighters was driving towards the Estmarkian border on its way to Talvik."
    )
    found = {m.forces: m for m in find_movements(article)}
    assert found["The first of two Estmark battalions"].status == "planned"
    out = add_movements(_data(), article)
    got = {(r.sender, r.destination) for r in out.reinforcements}
    assert ("Rapid Reaction Unit", "Talvik") in got  # no listed side named: the unit itself
    assert not any(d and "Estmarkian" in d for _, d in got)


def test_a_passive_after_and_takes_its_sender_from_its_own_clause() -> None:
    article = (
        "TALVIK (Wire) - Free Hills Front fighters attacked a checkpoint near Talvik, killing seven soldiers, and "
        "two battalions of the Northern Army were rushed into Talvik on Wednesday, officials said."
    )
    found = [m.forces for m in find_movements(article)]
    assert "two battalions of the Northern Army" in found  # the clause's "and" is no part of the forces
    out = add_movements(_data(), article)
    assert [(r.sender, r.destination) for r in out.reinforcements] == [("Northern Army", "Talvik")]
