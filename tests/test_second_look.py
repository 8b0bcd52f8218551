"""The second look: candidate places put to the model as yes/no questions, the armed-conflict gate,
and what is added or emptied afterwards. The model is replaced by a scripted scorer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from summarizer.schema import (
    MAX_LOCATIONS,
    Belligerent,
    ConflictSummary,
    Location,
    Quote,
    Reinforcement,
    within_bounds,
)
from summarizer.second_look import (
    ACTOR_QUESTION,
    ANSWER_PREFIX,
    GATE_QUESTION,
    LOCATION_MIN_LOGODDS,
    LOCATION_SLACK,
    LOCATION_TYPES,
    MAX_CANDIDATES,
    PLACE_QUESTION,
    Look,
    add_backers,
    add_belligerents,
    add_locations,
    add_unlisted_places,
    array_end,
    drop_belligerents,
    look,
    no_conflict,
    side_of,
    type_of,
)

# An invented article; its candidates are Northern Front, Tolin, Dorvanian, Kessar, Port Selby and
# Colonel Vasko Brel ("Marrow Heights" is in a photo caption).
ARTICLE = (
    "The rebels of the Northern Front shelled Tolin on Monday, the Dorvanian army said.\n"
    "The fighting spread to Kessar and to villages near Port Selby.\n"
    '"We will hold Tolin," said Colonel Vasko Brel, a commander of the Northern Front.\n'
    "A damaged house in Marrow Heights, in this file photo.\n"
)
MESSAGES = [
    {"role": "system", "content": "Fill the schema."},
    {"role": "user", "content": "An example article."},
    {"role": "assistant", "content": "{}"},
    {"role": "user", "content": "Article:\n" + ARTICLE},
]


def compact(obj: Any) -> str:
    """JSON as the grammar makes the model write it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def answer_dict(locations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "summary": "Northern Front rebels shelled Tolin [in Dorvania].",
        "belligerents": [
            {"name": "Northern Front", "aliases": ["rebels"], "side": "rebels", "role": "combatant"},
            {"name": "Dorvanian army", "aliases": [], "side": "government", "role": "combatant"},
        ],
        "locations": [{"name": "Tolin", "aliases": [], "type": "town", "within": None}]
        if locations is None
        else locations,
        "reinforcements": [],
        "quotes": [
            {"text": "We will hold Tolin,", "speaker": "Colonel Vasko Brel", "speaker_affiliation": "Northern Front"}
        ],
    }


def answer_and_data(locations: list[dict[str, Any]] | None = None) -> tuple[str, ConflictSummary]:
    text = compact(answer_dict(locations))
    return text, ConflictSummary.model_validate_json(text)


Call = tuple[list[dict[str, str]], str, list[str]]


class ScriptedScorer:
    """Returns fixed log-probabilities and records every call.

    ``places`` maps a candidate name to its (yes, no) scores for the place question; ``gate`` is the
    (yes, no) pair for the armed-conflict question; ``scores`` maps other continuations (type_of) to a score.
    """

    def __init__(
        self,
        places: dict[str, tuple[float, float]] | None = None,
        gate: tuple[float, float] = (-0.5, -3.0),
        scores: dict[str, float] | None = None,
        default: float = -6.0,
    ) -> None:
        self.places = places or {}
        self.gate = gate
        self.scores = scores or {}
        self.default = default
        self.calls: list[Call] = []

    def continuation_logprobs(
        self, messages: list[dict[str, str]], answer_prefix: str, continuations: list[str]
    ) -> list[float]:
        self.calls.append((copy.deepcopy(messages), answer_prefix, list(continuations)))
        last = messages[-1]["content"]
        if last.endswith(GATE_QUESTION):
            return list(self.gate)
        if PLACE_QUESTION in last:
            return list(self.places.get(asked_name(last), (-2.0, -1.0)))
        return [self.scores.get(c, self.default) for c in continuations]

    def place_calls(self) -> list[Call]:
        return [c for c in self.calls if PLACE_QUESTION in c[0][-1]["content"]]

    def gate_calls(self) -> list[Call]:
        return [c for c in self.calls if c[0][-1]["content"].endswith(GATE_QUESTION)]

    def asked(self) -> list[str]:
        """The candidate names put to the model, in order."""
        return [asked_name(c[0][-1]["content"]) for c in self.place_calls()]


def asked_name(content: str) -> str:
    return json.loads(content.split(PLACE_QUESTION)[-1])


def asked_about(article: str, data: ConflictSummary | None = None) -> list[str]:
    answer, default = answer_and_data()
    scorer = ScriptedScorer()
    look(scorer, MESSAGES, answer, data or default, article, gate=False)
    return scorer.asked()


# ---- array_end -----------------------------------------------------------------------------------


def test_array_end_simple() -> None:
    text = '{"locations":[],"x":1}'
    assert array_end(text, "locations") == text.index("]")


def test_array_end_nested_objects_and_arrays() -> None:
    text = compact(answer_dict())
    end = array_end(text, "locations")
    assert end is not None
    assert text[end] == "]"
    assert text[end:].startswith('],"reinforcements":')
    assert json.loads(text[text.index('"locations":[') + len('"locations":') : end + 1]) == answer_dict()["locations"]


def test_array_end_other_keys() -> None:
    text = compact(answer_dict())
    for key in ("belligerents", "reinforcements", "quotes"):
        end = array_end(text, key)
        assert end is not None and text[end] == "]"
        start = text.index(json.dumps(key) + ":[") + len(key) + 3
        assert json.loads(text[start : end + 1]) == answer_dict()[key]


def test_array_end_ignores_brackets_and_escaped_quotes_in_strings() -> None:
    locations = [
        {"name": 'Tolin "]} [{', "aliases": ["a\\]", '\\"]'], "type": "town", "within": "x ] y"},
        {"name": "Kessar", "aliases": [], "type": "city", "within": None},
    ]
    text = compact(answer_dict(locations))
    assert '\\"]' in text  # an escaped quote followed by a bracket, inside a string
    end = array_end(text, "locations")
    assert end is not None
    assert text[end:].startswith('],"reinforcements":')
    start = text.index('"locations":[') + len('"locations":')
    assert json.loads(text[start : end + 1]) == locations


def test_array_end_summary_with_brackets_before_the_key() -> None:
    text = compact({"summary": 'a "[" ] } {', "locations": [["x"], {"y": "]"}], "quotes": []})
    end = array_end(text, "locations")
    assert end is not None and text[end:] == '],"quotes":[]}'


def test_array_end_missing_key_or_unclosed_array() -> None:
    assert array_end('{"belligerents":[]}', "locations") is None
    assert array_end('{"locations":{}}', "locations") is None  # not an array
    assert array_end('{"locations":[{"name":"Tolin"', "locations") is None
    assert array_end("", "locations") is None


# ---- look: candidates ----------------------------------------------------------------------------


def test_candidates_exclude_mentions_speakers_and_captions() -> None:
    # Northern Front and Dorvanian (in "Dorvanian army") are belligerents, Tolin a location, Colonel
    # Vasko Brel a speaker; Marrow Heights is only in a photo caption
    assert asked_about(ARTICLE) == ["Kessar", "Port Selby"]


def test_candidates_exclude_aliases_within_and_reinforcement_places() -> None:
    article = (
        "The rebels of the Northern Front shelled Tolin and Kessar on Monday.\n"
        "The Dorvanian army sent tanks from Varlo to Port Selby, in Brask province, near Ostrava Ridge.\n"
    )
    text = compact(
        {
            "summary": "Fighting.",
            "belligerents": [
                {"name": "Northern Front rebels", "aliases": ["the Front"], "side": "r", "role": "combatant"}
            ],
            "locations": [{"name": "Tolin", "aliases": ["Kessar"], "type": "town", "within": "Brask province"}],
            "reinforcements": [
                {
                    "sender": "Dorvanian army",
                    "forces": "tanks",
                    "destination": "Port Selby",
                    "origin": "Varlo",
                    "status": "under_way",
                }
            ],
            "quotes": [],
        }
    )
    # "the Front" can be the rebels' own alias; "Kessar" names another place than Tolin, so it is asked
    assert asked_about(article, ConflictSummary.model_validate_json(text)) == ["Kessar", "Ostrava Ridge"]


def test_speaker_exclusion_is_by_substring() -> None:
    _, data = answer_and_data()
    data = data.model_copy(
        update={"quotes": [Quote(text="x", speaker="Colonel Vasko Brel of Kessar", speaker_affiliation=None)]}
    )
    assert asked_about(ARTICLE, data) == ["Port Selby"]


def test_an_armed_body_named_in_a_speaker_is_still_asked_about() -> None:
    article = "A 5th Corps officer and a Kessar Defence Front fighter said Tolin was shelled. KDF said so too.\n"
    _, data = answer_and_data()
    speakers = ["A 5th Corps officer", "a Kessar Defence Front fighter", "KDF", "Colonel Vasko Brel of Kessar"]
    data = data.model_copy(update={"quotes": [Quote(text="x", speaker=s, speaker_affiliation=None) for s in speakers]})
    assert asked_about(article, data) == ["5th Corps", "Kessar Defence Front", "KDF"]


def test_demonyms_are_not_asked_about() -> None:
    article = "The Varnian troops shelled Kessar. The Ostlandi militia and Varnian tanks left.\n"
    assert asked_about(article) == ["Kessar"]


def test_a_demonym_that_also_stands_alone_is_asked_about() -> None:
    article = "The Varnian troops shelled Kessar, said a Varnian.\n"
    assert asked_about(article) == ["Varnian", "Kessar"]


@pytest.mark.parametrize(
    "article, name",
    [
        ("The fighting in Sudan has killed thousands. The war in Sudan began in April.\n", "Sudan"),
        ("The shelling of Mali has stopped, and Mali is calm.\n", "Mali"),
        ("The drones hit Tehran on Monday.\n", "Tehran"),
        ("The protests in \u00dcr\u00fcmqi were crushed.\n", "\u00dcr\u00fcmqi"),
    ],
)
def test_countries_and_cities_ending_like_demonyms_are_asked_about(article: str, name: str) -> None:
    # "Sudan has", "Mali is", "Tehran on": a lower-case word follows, but these are places, not adjectives
    assert name in asked_about(article)


def test_no_call_when_every_candidate_is_covered() -> None:
    locations = [{"name": n, "aliases": [], "type": "town", "within": None} for n in ("Tolin", "Kessar", "Port Selby")]
    answer, data = answer_and_data(locations)
    scorer = ScriptedScorer()
    found = look(scorer, MESSAGES, answer, data, ARTICLE, gate=False, actors=False)
    assert scorer.calls == []
    assert found.locations == {} and found.conflict_logodds is None


def test_at_most_max_candidates_are_asked_about() -> None:
    names = [f"Town{chr(65 + i // 26)}{chr(97 + i % 26)}" for i in range(MAX_CANDIDATES + 5)]
    article = "The shelling hit " + ", ".join(names) + ".\n"
    answer, data = answer_and_data()
    scorer = ScriptedScorer()
    found = look(scorer, MESSAGES, answer, data, article, gate=False)
    assert scorer.asked() == names[:MAX_CANDIDATES]
    assert list(found.locations) == names[:MAX_CANDIDATES]


# ---- look: the place questions and their log-odds -----------------------------------------------


def test_place_question_is_appended_to_the_last_user_message() -> None:
    answer, data = answer_and_data()
    before = copy.deepcopy(MESSAGES)
    scorer = ScriptedScorer()
    look(scorer, MESSAGES, answer, data, ARTICLE, gate=False)
    assert MESSAGES == before  # the caller's messages are not changed
    calls = scorer.place_calls()
    assert len(calls) == 2
    for (messages, prefix, conts), name in zip(calls, ["Kessar", "Port Selby"], strict=True):
        assert messages[:-1] == MESSAGES[:-1]
        assert messages[-1] == {"role": "user", "content": MESSAGES[-1]["content"] + PLACE_QUESTION + f'"{name}"'}
        assert prefix == ANSWER_PREFIX == '{"answer":'
        assert conts == ["true", "false"]


def test_place_names_are_json_strings_with_non_ascii_kept() -> None:
    article = "The shelling hit the Kessar Bridge and \u00dcr\u00fcmqi.\n"
    answer, data = answer_and_data()
    scorer = ScriptedScorer()
    look(scorer, MESSAGES, answer, data, article, gate=False)
    contents = [c[0][-1]["content"] for c in scorer.place_calls()]
    assert contents[0].endswith(PLACE_QUESTION + '"Kessar Bridge"')
    assert contents[1].endswith(PLACE_QUESTION + '"\u00dcr\u00fcmqi"')  # not escaped to \\u00dc


def test_location_log_odds_are_yes_minus_no() -> None:
    answer, data = answer_and_data()
    scorer = ScriptedScorer({"Kessar": (-0.25, -3.5), "Port Selby": (-4.5, -0.5)})
    found = look(scorer, MESSAGES, answer, data, ARTICLE, gate=False)
    assert found.locations == pytest.approx({"Kessar": 3.25, "Port Selby": -4.0})
    assert list(found.locations) == ["Kessar", "Port Selby"]  # article order
    assert found.types == {}


def test_locations_off_makes_no_place_call() -> None:
    answer, data = answer_and_data()
    scorer = ScriptedScorer(gate=(-1.0, -1.5))
    found = look(scorer, MESSAGES, answer, data, ARTICLE, locations=False, actors=False)
    assert scorer.place_calls() == [] and len(scorer.calls) == 1
    assert found.locations == {}
    assert found.conflict_logodds == pytest.approx(0.5)


# ---- look: the gate ------------------------------------------------------------------------------


def test_gate_log_odds_and_question() -> None:
    answer, data = answer_and_data()
    before = copy.deepcopy(MESSAGES)
    scorer = ScriptedScorer(gate=(-0.25, -2.75))
    found = look(scorer, MESSAGES, answer, data, ARTICLE, locations=False)
    assert MESSAGES == before
    ((messages, prefix, conts),) = scorer.gate_calls()
    assert prefix == ANSWER_PREFIX
    assert conts == ["true", "false"]
    assert messages[:-1] == MESSAGES[:-1]
    assert messages[-1] == {"role": "user", "content": MESSAGES[-1]["content"] + GATE_QUESTION}
    assert found.conflict_logodds == pytest.approx(2.5)


def test_gate_negative_log_odds() -> None:
    answer, data = answer_and_data()
    found = look(ScriptedScorer(gate=(-4.0, -0.5)), MESSAGES, answer, data, ARTICLE, locations=False)
    assert found.conflict_logodds == pytest.approx(-3.5)


def test_gate_off() -> None:
    answer, data = answer_and_data()
    scorer = ScriptedScorer()
    found = look(scorer, MESSAGES, answer, data, ARTICLE, gate=False)
    assert scorer.gate_calls() == []
    assert found.conflict_logodds is None


def test_both_looks_in_one_call_gate_last() -> None:
    answer, data = answer_and_data()
    scorer = ScriptedScorer({"Kessar": (-1.0, -1.5)}, gate=(-0.1, -0.2))
    found = look(scorer, MESSAGES, answer, data, ARTICLE)
    assert len(scorer.place_calls()) == 2 and len(scorer.gate_calls()) == 1
    assert scorer.calls[-1] == scorer.gate_calls()[0]
    assert found.conflict_logodds == pytest.approx(0.1)
    assert found.locations["Kessar"] == pytest.approx(0.5)
    meta = found.as_meta()
    assert meta["conflict_logodds"] == 0.1
    assert meta["locations"] == {"Kessar": 0.5, "Port Selby": -1.0} and meta["types"] == {}
    json.dumps(meta)  # serialisable


def test_as_meta_without_gate() -> None:
    assert Look().as_meta() == {
        "conflict_logodds": None,
        "locations": {},
        "types": {},
        "actors": {},
        "checked": {},
        "backers": {},
        "sides": {},
        "armed": {},
        "cued": [],
        "armed_cues": {},
        "member_cues": {},
    }


# ---- type_of -------------------------------------------------------------------------------------


def test_type_of_picks_the_likeliest_type() -> None:
    answer, _ = answer_and_data()
    scorer = ScriptedScorer(scores={'city"': -0.5, 'town"': -0.7})
    assert type_of(scorer, MESSAGES, answer, "Kessar") == "city"
    ((_, prefix, conts),) = scorer.calls
    assert conts == [f'{t}"' for t in LOCATION_TYPES]
    end = answer.index('],"reinforcements":')
    assert prefix == answer[:end] + ',{"name":"Kessar","aliases":[],"type":"'


def test_type_of_in_an_empty_list() -> None:
    answer, _ = answer_and_data([])
    scorer = ScriptedScorer(scores={'village"': -0.1})
    assert type_of(scorer, MESSAGES, answer, "Kessar") == "village"
    ((_, prefix, _),) = scorer.calls
    assert prefix.endswith('"locations":[{"name":"Kessar","aliases":[],"type":"')


# ---- add_locations -------------------------------------------------------------------------------


def locs(n: int) -> list[Location]:
    return [Location(name=f"Place{i}", aliases=[], type="town", within=None) for i in range(n)]


def summary_with(n: int) -> ConflictSummary:
    _, data = answer_and_data()
    return data.model_copy(update={"locations": locs(n)})


def test_add_locations_above_margin_with_types() -> None:
    data = summary_with(1)
    found = Look(
        locations={"Kessar": 0.5, "Port Selby": -0.1, "Brask": 0.0, "Varlo": 3.0},
        types={"Kessar": "city", "Port Selby": "town"},
    )
    out = add_locations(data, found, margin=0.0)
    assert [loc.name for loc in out.locations] == ["Place0", "Varlo", "Kessar"]  # likeliest first
    assert out.locations[2] == Location(name="Kessar", aliases=[], type="city", within=None)
    assert out.locations[1].type == "other"  # no type scored
    assert data.locations == locs(1)  # the input is not changed
    ConflictSummary.model_validate(out.model_dump())


def test_add_locations_never_adds_an_armed_body() -> None:
    found = Look(locations={"5th Corps": 3.0, "Kessar Front": 3.0, "DRC": 3.0})
    assert [loc.name for loc in add_locations(summary_with(0), found, margin=1.0).locations] == ["DRC"]


def test_a_place_written_with_its_kind_passes_a_lower_floor() -> None:
    from summarizer.candidates import place_cue

    article = "Jets struck the town of Mellit, the Abu Shouk camp and the Rwandan town. Varo said Kessar was calm."
    names = ("Mellit", "Abu Shouk", "Kessar", "Varo", "Rwandan")
    assert [n for n in names if place_cue(n, article)] == ["Mellit", "Abu Shouk"]
    found = Look(locations={"Mellit": 0.75, "Kessar": 0.75, "Abu Shouk": 0.25}, cued=["Mellit", "Abu Shouk"])
    assert [loc.name for loc in add_locations(summary_with(0), found, margin=1.5).locations] == ["Mellit"]


def test_add_locations_custom_margin() -> None:
    data = summary_with(0)
    found = Look(locations={"Kessar": 0.5, "Port Selby": -0.1, "Varlo": 3.0})
    assert [loc.name for loc in add_locations(data, found, margin=1.0).locations] == ["Varlo"]
    assert [loc.name for loc in add_locations(data, found, margin=-1.0).locations] == ["Varlo", "Kessar", "Port Selby"]


def test_add_locations_default_threshold() -> None:
    data = summary_with(0)
    found = Look(locations={"Kessar": LOCATION_MIN_LOGODDS, "Varlo": LOCATION_MIN_LOGODDS + 0.01, "Brask": 0.5})
    assert [loc.name for loc in add_locations(data, found).locations] == ["Varlo"]  # strictly above


def test_add_locations_nothing_above_margin_returns_the_same() -> None:
    data = summary_with(2)
    assert add_locations(data, Look(locations={"Kessar": -0.5})) is data
    assert add_locations(data, Look()) is data


@pytest.mark.parametrize("already", [MAX_LOCATIONS - 3, MAX_LOCATIONS - 1, MAX_LOCATIONS])
def test_add_locations_keeps_a_slack_past_max_that_the_end_cuts(already: int) -> None:
    data = summary_with(already)
    found = Look(locations={f"Extra{i}": LOCATION_MIN_LOGODDS + 1.0 + i for i in range(10)})
    out = add_locations(data, found)
    room = MAX_LOCATIONS + LOCATION_SLACK - already
    assert len(out.locations) == MAX_LOCATIONS + LOCATION_SLACK  # later stages may fold some away
    assert [loc.name for loc in out.locations[already:]] == [f"Extra{i}" for i in range(9, 9 - room, -1)]
    cut = within_bounds(out)
    assert cut.locations == out.locations[:MAX_LOCATIONS]  # the answer's own and the likeliest kept
    ConflictSummary.model_validate(cut.model_dump())


# ---- no_conflict ---------------------------------------------------------------------------------


def test_places_need_actors() -> None:
    from summarizer.second_look import places_need_actors

    _, data = answer_and_data()
    assert data.belligerents and data.locations and places_need_actors(data) == data
    alone = places_need_actors(data.model_copy(update={"belligerents": []}))
    assert (alone.locations, alone.reinforcements, alone.quotes) == ([], [], data.quotes)


def test_no_conflict_keeps_quotes_and_summary() -> None:
    _, data = answer_and_data()
    data = data.model_copy(
        update={
            "reinforcements": [
                Reinforcement(
                    sender="Dorvanian army", forces="tanks", destination="Tolin", origin=None, status="planned"
                )
            ]
        }
    )
    assert data.belligerents and data.locations and data.reinforcements
    out = no_conflict(data)
    assert out.belligerents == [] and out.locations == [] and out.reinforcements == []
    assert out.summary == data.summary
    assert out.quotes == data.quotes and out.quotes
    assert data.belligerents and data.locations and data.reinforcements  # the input is not changed
    assert isinstance(data.belligerents[0], Belligerent)


# ---- armed actors: questions, additions, drops, sides ------------------------------------------------


class ActorScorer(ScriptedScorer):
    """Scripted scores for the armed-actor question too (``actors``: name -> (yes, no))."""

    def __init__(self, actors: dict[str, tuple[float, float]], **kw: Any) -> None:
        super().__init__(**kw)
        self.actors = actors

    def continuation_logprobs(
        self, messages: list[dict[str, str]], answer_prefix: str, continuations: list[str]
    ) -> list[float]:
        last = messages[-1]["content"]
        if ACTOR_QUESTION in last:
            self.calls.append((copy.deepcopy(messages), answer_prefix, list(continuations)))
            name = json.loads(last.rsplit(ACTOR_QUESTION, 1)[1])
            return list(self.actors.get(name, (-3.0, -1.0)))
        return super().continuation_logprobs(messages, answer_prefix, continuations)


def test_actor_questions_cover_candidates_and_the_answers_belligerents() -> None:
    answer, data = answer_and_data()
    scorer = ActorScorer({"Dorvanian army": (-0.1, -3.1), "Kessar": (-4.0, -0.5)})
    found = look(scorer, MESSAGES, answer, data, ARTICLE, gate=False, locations=False)
    assert found.checked == {"Northern Front": pytest.approx(-2.0), "Dorvanian army": pytest.approx(3.0)}
    assert "Kessar" in found.actors and found.actors["Kessar"] == pytest.approx(-3.5)
    assert "Northern Front" not in found.actors  # an actor of the answer already
    assert "Tolin" in found.actors  # listed as a place only: it may be an actor too ("Turkey")
    places = look(scorer, MESSAGES, answer, data, ARTICLE, gate=False, actors=False)
    assert "Tolin" not in places.locations and "Kessar" in places.locations


def test_drop_belligerents_removes_non_actors_and_their_reinforcements() -> None:
    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="City Rovers", aliases=["Rovers"], side="a", role="combatant"),
            Belligerent(name="Dorvanian army", aliases=[], side="b", role="combatant"),
        ],
        locations=[],
        reinforcements=[
            Reinforcement(sender="Rovers", forces="two strikers", destination=None, origin=None, status="arrived"),
            Reinforcement(
                sender="Dorvanian army", forces="reinforcements", destination=None, origin=None, status="planned"
            ),
        ],
        quotes=[],
    )
    found = Look(checked={"City Rovers": -2.0, "Dorvanian army": 2.0})
    out = drop_belligerents(data, found, -0.5)
    assert [b.name for b in out.belligerents] == ["Dorvanian army"]
    assert [r.sender for r in out.reinforcements] == ["Dorvanian army"]
    assert drop_belligerents(data, Look(), -0.5) == data  # unscored items stay


def test_add_belligerents_above_the_floor_unless_likelier_a_place() -> None:
    _, data = answer_and_data()
    found = Look(
        actors={"Kessar Brigade": 2.0, "Kessar": 2.0, "Vasko": 0.5},
        locations={"Kessar": 3.0},
        sides={"Kessar Brigade": "rebels"},
    )
    out = add_belligerents(data, found, 1.25)
    added = out.belligerents[len(data.belligerents) :]
    assert [(b.name, b.side, b.role) for b in added] == [("Kessar Brigade", "rebels", "combatant")]


def test_add_belligerents_skips_a_unit_numbered_like_one_listed() -> None:
    _, data = answer_and_data()
    found = Look(actors={"47th Mechanised Brigade": 2.0, "47th Brigade": 2.5, "5th Corps": 1.5})
    added = add_belligerents(data, found, 1.25).belligerents[len(data.belligerents) :]
    assert [b.name for b in added] == ["47th Mechanised Brigade", "5th Corps"]


def test_a_numbered_unit_passes_a_lower_floor_and_is_never_a_place() -> None:
    _, data = answer_and_data()
    found = Look(
        actors={"12th Kessar Division": 0.25, "Kessar Brigade": 0.25, "4th Infantry Regiment": -1.5},
        locations={"12th Kessar Division": 1.0},
    )
    added = add_belligerents(data, found, 1.25).belligerents[len(data.belligerents) :]
    assert [b.name for b in added] == ["12th Kessar Division"]


def test_side_of_picks_the_likeliest_label() -> None:
    answer, _ = answer_and_data()
    scorer = ScriptedScorer(scores={'government"': -0.5, 'rebels"': -2.0})
    assert side_of(scorer, MESSAGES, answer, "Kessar Brigade", ["rebels", "government"]) == "government"
    prefix = scorer.calls[-1][1]
    assert prefix.endswith('{"name":"Kessar Brigade","aliases":[],"side":"')
    assert prefix.startswith(answer[: array_end(answer, "belligerents")])


def test_role_words_as_side_labels_are_replaced_by_a_camp() -> None:
    from summarizer.second_look import camp_labels, fix_role_sides

    data = ConflictSummary(
        summary="s",
        belligerents=[
            Belligerent(name="Dorvanian army", aliases=[], side="government", role="combatant"),
            Belligerent(name="Northern Front", aliases=[], side="rebels", role="combatant"),
            Belligerent(name="Varnia", aliases=[], side="supporter", role="supporter"),
        ],
        locations=[],
        reinforcements=[],
        quotes=[],
    )
    assert camp_labels(data) == ["government", "rebels"]
    answer = compact(data.model_dump(exclude_none=False))
    scorer = ScriptedScorer(scores={'rebels"': -0.3, 'government"': -2.0, 'Varnia"': -4.0, 'supporter"': 0.0})
    found = Look()
    out = fix_role_sides(scorer, MESSAGES, answer, data, found)
    assert [b.side for b in out.belligerents] == ["government", "rebels", "rebels"]
    assert found.sides == {"Varnia": "rebels"}
    asked = scorer.calls[-1][2]
    assert '"supporter"' not in asked  # a role is never offered back
    # nothing to fix: no question asked
    scorer2 = ScriptedScorer()
    assert fix_role_sides(scorer2, MESSAGES, answer, out, Look()) == out and not scorer2.calls


# ---- add_unlisted_places -----------------------------------------------------------------------------


def test_add_unlisted_places_lists_unlisted_withins() -> None:
    data = summary_with(0).model_copy(
        update={
            "locations": [
                Location(name="Tolin", aliases=[], type="town", within="Kessar province"),
                Location(name="Varlo", aliases=[], type="town", within="Dorvania"),
                Location(name="Brask", aliases=[], type="town", within="Tolin"),
            ]
        }
    )
    out = add_unlisted_places(data, {"Dorvania": "country"})
    assert [(x.name, x.type, x.within) for x in out.locations[3:]] == [
        ("Kessar province", "province", None),  # no type given: the name's last word
        ("Dorvania", "country", None),
    ]
    assert add_unlisted_places(out, {}) == out  # nothing left to add
    full = data.model_copy(update={"locations": [*data.locations, *locs(MAX_LOCATIONS - 3)]})
    assert add_unlisted_places(full, {}) == full  # no room


# ---- backers ------------------------------------------------------------------------------------

BACKED = ARTICLE + "The Northern Front fights with military support from Varnia and Kessaria.\n"


def test_backers_are_asked_about_unless_already_listed() -> None:
    answer, data = answer_and_data()
    data = data.model_copy(
        update={
            "belligerents": [*data.belligerents, Belligerent(name="Kessaria", aliases=[], side="x", role="supporter")]
        }
    )
    scorer = ActorScorer({"Varnia": (-1.0, -1.5)})
    found = look(scorer, MESSAGES, answer, data, BACKED, gate=False, locations=False)
    assert found.backers == {"Varnia": pytest.approx(0.5)}  # Kessaria is in the answer already


def test_add_backers_as_supporters_above_the_floor() -> None:
    _, data = answer_and_data()
    found = Look(backers={"Varnia": -1.0, "Kessaria": -2.0, "Northern Front": 3.0}, sides={"Varnia": "rebels"})
    out = add_backers(data, found, -1.5)
    added = out.belligerents[len(data.belligerents) :]
    assert [(b.name, b.side, b.role) for b in added] == [("Varnia", "rebels", "supporter")]  # listed: not again
    assert add_backers(data, Look(), -1.5) == data


def test_a_backer_listed_by_its_initials_is_not_asked_about() -> None:
    answer, data = answer_and_data()
    data = data.model_copy(
        update={"belligerents": [*data.belligerents, Belligerent(name="VDF", aliases=[], side="x", role="supporter")]}
    )
    article = ARTICLE + "The Varnia Defence Force-backed rebels and the al Qaeda-linked Northern Front fought.\n"
    scorer = ActorScorer({})
    found = look(scorer, MESSAGES, answer, data, article, gate=False, locations=False)
    assert list(found.backers) == ["al Qaeda"]  # "Varnia Defence Force" is the listed "VDF"


def test_side_of_a_supporter_is_never_its_own_name() -> None:
    answer, _ = answer_and_data()
    scorer = ScriptedScorer(scores={'Varnia"': -0.1, 'government"': -0.5, 'rebels"': -2.0})
    assert side_of(scorer, MESSAGES, answer, "Varnia", ["rebels", "government"]) == "Varnia"
    assert side_of(scorer, MESSAGES, answer, "Varnia", ["rebels", "government"], own=False) == "government"
    assert scorer.calls[-1][2] == ['rebels"', 'government"']
    # with no camp labels at all, its own name is the only label there is
    assert side_of(scorer, MESSAGES, answer, "Varnia", [], own=False) == "Varnia"


# ---- armed kinds and the control check ----------------------------------------------------------------


class KindScorer:
    """Scores the kind question: ``kinds`` maps a name to the kind (first token) it makes likeliest."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds
        self.calls = 0

    def continuation_logprobs(
        self, messages: list[dict[str, str]], answer_prefix: str, continuations: list[str]
    ) -> list[float]:
        from summarizer.second_look import KIND_PREFIX, KIND_QUESTION

        self.calls += 1
        content = messages[-1]["content"]
        assert answer_prefix == KIND_PREFIX and KIND_QUESTION in content
        best = self.kinds[json.loads(content.split(KIND_QUESTION)[-1])]
        return [-0.1 if c == best else -5.0 for c in continuations]


def test_armed_kinds_scores_each_name_once_armed_against_other_kinds() -> None:
    from summarizer.second_look import armed_kinds

    scorer = KindScorer({"Rapid Support Forces": "armed", "Castlemoor United": "sports", "Russia": "country"})
    got = armed_kinds(scorer, MESSAGES, ["Rapid Support Forces", "Castlemoor United", "Russia", "Russia"])
    assert scorer.calls == 3
    assert got["Rapid Support Forces"] > 3 and got["Russia"] > 3
    assert got["Castlemoor United"] < -3
    assert armed_kinds(scorer, MESSAGES, []) == {}


def test_is_control_only_when_no_chunk_has_an_armed_actor_and_the_text_tells_of_no_violence() -> None:
    from summarizer.second_look import is_control

    calm = 'United beat Rovers 2-1. "It was a war out there, and my troops were killed," said the manager.'
    bloody = "Two men were killed and three wounded when gunmen opened fire in the market."
    club, army = Look(armed={"United": -4.0, "Rovers": -2.0}), Look(armed={"army": 2.0, "club": -4.0})
    assert is_control([club], calm, -1.0)  # the quote's war words are no cue
    assert not is_control([club], bloody, -1.0)  # killings reported: never emptied
    assert not is_control([club, army], calm, -1.0)  # one chunk with an armed actor: a conflict
    assert not is_control([Look()], calm, -1.0)  # nothing scored: no decision
    assert not is_control([club], calm, None)
    assert not is_control([Look(armed={"United": -0.5})], calm, -1.0)


def test_a_name_written_with_a_site_word_is_asked_whole_and_alone_only_where_it_stands_alone() -> None:
    article = (
        "Shells hit the Vessa bridge and the Kessar dam near Kessar on Monday. Every camp was empty.\n"
        "Varnian troops held the Varnian checkpoint.\n"
    )
    asked = asked_about(article)
    # "Vessa" is never written without "bridge"; "Kessar" also stands alone; no quantifier or adjective site
    assert asked[:2] == ["Vessa bridge", "Kessar dam"]
    assert "Vessa" not in asked and "Kessar" in asked
    assert not any(a.startswith(("Every camp", "Varnian")) for a in asked)


def test_a_site_written_with_its_word_takes_the_lower_cued_place_floor() -> None:
    answer, data = answer_and_data()
    found = look(ScriptedScorer(), MESSAGES, answer, data, "Shells hit the Vessa bridge on Monday.\n", gate=False)
    assert "Vessa bridge" in found.cued


def test_a_body_named_on_its_own_passes_a_lower_floor_unless_the_answer_gives_it_as_an_alias() -> None:
    _, data = answer_and_data()
    # a body of its own at 0.5 is added; "Armed Forces" has no word of its own, "Vasko" names no body, and
    # 0.25 is under the floor
    found = Look(actors={"Kessar River Alliance": 0.5, "Armed Forces": 0.5, "Kessar Brigade": 0.25, "Vasko": 0.5})
    added = add_belligerents(data, found, 1.25).belligerents[len(data.belligerents) :]
    assert [b.name for b in added] == ["Kessar River Alliance"]
    given = data.model_copy(
        update={"belligerents": [data.belligerents[0].model_copy(update={"aliases": ["Kessar River Alliance"]})]}
    )
    assert [b.name for b in add_belligerents(given, found, 1.25).belligerents[1:]] == []


def test_a_force_unit_or_police_of_its_own_passes_the_lower_floor() -> None:
    _, data = answer_and_data()
    found = Look(actors={"Rapid Action Force": 0.9, "Anti-Riot Unit": 0.9, "Federal Police": 0.9, "Special Unit": 0.9})
    added = add_belligerents(data, found, 1.25).belligerents[len(data.belligerents) :]
    # "Special Unit" has no word of its own
    assert [b.name for b in added] == ["Rapid Action Force", "Anti-Riot Unit", "Federal Police"]


def test_a_name_written_with_its_fighters_or_armed_verbs_passes_a_lower_floor() -> None:
    from summarizer.candidates import armed_cues

    article = (
        "Kessar Guard fighters shelled the town. Peshmerga units shelled Kessar Guard positions, and the "
        "Valley Union met in Ossen. Kessar Guard had seized the bridge."
    )
    assert armed_cues("Kessar Guard", article) == 3
    assert armed_cues("Valley Union", article) == 0
    _, data = answer_and_data()
    found = Look(actors={"Kessar Guard": 0.5, "Valley Union": 0.5}, armed_cues={"Kessar Guard": 3})
    added = add_belligerents(data, found, 1.25).belligerents[len(data.belligerents) :]
    assert [b.name for b in added] == ["Kessar Guard"]
