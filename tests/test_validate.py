"""``summarizer.validate``: JSON path and key words of each problem, three layers."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from summarizer import Problem, validate
from summarizer.grounding import ground
from summarizer.schema import ConflictSummary

ARTICLE = (
    "Syrian army troops shelled the town of Soran in Hama province on Monday.\n\n"
    "The army is sending reinforcements to Hama province, a military source said. "
    "\u201cWe are ready,\u201d the source said.\n\n"
    "Rebels of Tahrir al-Sham said they held Soran."
)


def good() -> dict[str, Any]:
    return {
        "summary": "The Syrian army sends reinforcements to Hama province.",
        "belligerents": [
            {"name": "Syrian army", "aliases": ["The army"], "side": "government", "role": "combatant"},
            {"name": "Tahrir al-Sham", "aliases": ["Rebels"], "side": "rebels", "role": "combatant"},
        ],
        "locations": [
            {"name": "Soran", "aliases": ["the town of Soran"], "type": "town", "within": "Hama province"},
            {"name": "Hama province", "aliases": [], "type": "province", "within": None},
        ],
        "reinforcements": [
            {
                "sender": "The army",
                "forces": "reinforcements",
                "destination": "Hama province",
                "origin": None,
                "status": "under_way",
            }
        ],
        "quotes": [{"text": "We are ready,", "speaker": "the source", "speaker_affiliation": "Syrian army"}],
    }


def at(problems: list[Problem], path: str) -> list[Problem]:
    return [p for p in problems if p.path == path]


def test_valid_grounded_document() -> None:
    assert validate(good(), ARTICLE) == []
    assert validate(json.dumps(good()), ARTICLE) == []


def test_valid_document_with_spans_from_ground() -> None:
    grounded = ground(ConflictSummary.model_validate(good()), ARTICLE)
    doc = grounded.model_dump(mode="json")
    assert doc["belligerents"][0]["spans"]["name"] == [0, 11]
    assert validate(doc, ARTICLE) == []
    assert validate(json.dumps(doc), ARTICLE) == []


def test_does_not_mutate_input() -> None:
    doc = good()
    before = copy.deepcopy(doc)
    validate(doc, ARTICLE)
    assert doc == before


def test_quote_not_in_article() -> None:
    doc = good()
    doc["quotes"][0]["text"] = "We are not ready"
    problems = validate(doc, ARTICLE)
    assert [p.path for p in problems] == ["$.quotes[0].text"]
    assert "not in the article" in problems[0].message
    assert problems[0].severity == "error"
    assert "We are not ready" in problems[0].message


def test_case_difference_is_hinted() -> None:
    doc = good()
    doc["belligerents"][0]["name"] = "syrian  army"
    (p,) = at(validate(doc, ARTICLE), "$.belligerents[0].name")
    assert "not in the article" in p.message
    assert "case or spacing" in p.message


def test_missing_required_key() -> None:
    doc = good()
    del doc["belligerents"][0]["role"]
    problems = validate(doc, ARTICLE)
    (p,) = at(problems, "$.belligerents[0]")
    assert "missing" in p.message
    assert "role" in p.message
    assert p.severity == "error"


def test_missing_top_level_key() -> None:
    doc = good()
    del doc["quotes"]
    (p,) = validate(doc, ARTICLE)
    assert p.path == "$"
    assert "quotes" in p.message


def test_value_outside_enum() -> None:
    doc = good()
    doc["locations"][0]["type"] = "capital"
    problems = validate(doc, ARTICLE)
    (p,) = at(problems, "$.locations[0].type")
    assert "capital" in p.message
    assert "town" in p.message  # the allowed values are listed


def test_unknown_key() -> None:
    doc = good()
    doc["quotes"][0]["confidence"] = 0.9
    (p,) = at(validate(doc, ARTICLE), "$.quotes[0]")
    assert "unknown key" in p.message
    assert "confidence" in p.message


def test_several_schema_errors_all_reported() -> None:
    doc = good()
    doc["locations"][0]["type"] = "planet"
    doc["reinforcements"][0]["status"] = "done"
    del doc["belligerents"][1]["side"]
    paths = {p.path for p in validate(doc, ARTICLE)}
    assert {"$.locations[0].type", "$.reinforcements[0].status", "$.belligerents[1]"} <= paths


def test_schema_errors_come_before_grounding() -> None:
    doc = good()
    doc["locations"][0]["type"] = "planet"
    doc["quotes"][0]["text"] = "invented words"
    paths = [p.path for p in validate(doc, ARTICLE)]
    assert "$.locations[0].type" in paths
    assert "$.quotes[0].text" not in paths


def test_span_pointing_at_wrong_text() -> None:
    doc = good()
    doc["locations"][0]["spans"] = {"name": [0, 5], "aliases": [[79, 96]], "within": None}
    problems = validate(doc, ARTICLE)
    (p,) = at(problems, "$.locations[0].name")
    assert "span" in p.message
    assert "'Syria'" in p.message  # what the span points at
    assert "Soran" in p.message
    assert at(problems, "$.locations[0].aliases[0]") != []  # [79, 96] is not "the town of Soran"


def test_right_spans_pass() -> None:
    doc = good()
    s = ARTICLE.index("Soran")
    t = ARTICLE.index("the town of Soran")
    w = ARTICLE.index("Hama province")
    doc["locations"][0]["spans"] = {
        "name": [s, s + 5],
        "aliases": [[t, t + len("the town of Soran")]],
        "within": [w, w + len("Hama province")],
    }
    assert validate(doc, ARTICLE) == []
    doc["locations"][0]["spans"]["within"] = [w + 1, w + 1 + len("Hama province")]
    assert [p.path for p in validate(doc, ARTICLE)] == ["$.locations[0].within"]


def test_duplicate_belligerents() -> None:
    doc = good()
    doc["belligerents"].append({"name": "Syrian Army", "aliases": [], "side": "government", "role": "combatant"})
    problems = validate(doc)
    (p,) = at(problems, "$.belligerents[2].name")
    assert "duplicate" in p.message
    assert "$.belligerents[0]" in p.message


def test_duplicate_location_and_quote() -> None:
    doc = good()
    doc["locations"].append(dict(doc["locations"][1]))
    doc["quotes"].append(dict(doc["quotes"][0], speaker="a military source"))
    problems = validate(doc, ARTICLE)
    assert "duplicate" in at(problems, "$.locations[2].name")[0].message
    assert "duplicate" in at(problems, "$.quotes[1]")[0].message


def test_repeated_alias() -> None:
    doc = good()
    doc["belligerents"][0]["aliases"] = ["The army", "the army"]
    problems = validate(doc)
    (p,) = at(problems, "$.belligerents[0].aliases[1]")
    assert "repeats" in p.message
    assert at(problems, "$.belligerents[0].aliases[0]") == []


def test_alias_equal_to_name() -> None:
    doc = good()
    doc["locations"][0]["aliases"] = ["SORAN"]
    problems = validate(doc)
    (p,) = at(problems, "$.locations[0].aliases[0]")
    assert "repeats" in p.message


def test_sender_not_a_listed_belligerent() -> None:
    doc = good()
    doc["reinforcements"][0]["sender"] = "a military source"
    problems = validate(doc, ARTICLE)
    assert [p.path for p in problems] == ["$.reinforcements[0].sender"]
    assert "belligerent" in problems[0].message
    assert problems[0].severity == "error"


def test_sender_may_be_an_alias_in_other_case() -> None:
    doc = good()
    doc["reinforcements"][0]["sender"] = "Syrian army"
    assert validate(doc, ARTICLE) == []
    # a leading article is ignored, as in the guide's normalisation: "The army" names alias "army"
    doc["belligerents"][0]["aliases"] = ["army"]
    doc["reinforcements"][0]["sender"] = "The army"
    assert validate(doc, ARTICLE) == []


def test_reinforcements_without_belligerents() -> None:
    doc = good()
    doc["belligerents"] = []
    doc["quotes"][0]["speaker_affiliation"] = None
    (p,) = validate(doc, ARTICLE)
    assert p.path == "$.reinforcements"
    assert "no belligerents" in p.message


def test_unknown_affiliation_is_a_warning() -> None:
    doc = good()
    doc["quotes"][0]["speaker_affiliation"] = "Syrian Observatory"
    (p,) = validate(doc, ARTICLE)
    assert p.path == "$.quotes[0].speaker_affiliation"
    assert p.severity == "warning"
    assert str(p).startswith("warning: $.quotes[0].speaker_affiliation: ")


@pytest.mark.parametrize("text", ["{not json", '{"summary": "x",}', "", "[1, 2"])
def test_invalid_json_text(text: str) -> None:
    problems = validate(text, ARTICLE)
    assert len(problems) == 1
    assert problems[0].path == "$"
    assert "not valid JSON" in problems[0].message
    assert "line 1" in problems[0].message


def test_json_that_is_not_an_object() -> None:
    problems = validate("[]", ARTICLE)
    assert problems
    assert problems[0].path == "$"


def test_without_article_grounding_is_skipped() -> None:
    doc = good()
    doc["quotes"][0]["text"] = "words nobody said"
    doc["belligerents"][0]["name"] = "Martian army"
    doc["reinforcements"][0]["sender"] = "Martian army"
    doc["quotes"][0]["speaker_affiliation"] = "Martian army"
    doc["belligerents"][0]["spans"] = {"name": [0, 3], "aliases": [[0, 3]]}
    assert validate(doc) == []
    assert validate(json.dumps(doc)) == []
    with_article = {p.path for p in validate(doc, ARTICLE)}
    assert {"$.quotes[0].text", "$.belligerents[0].name"} <= with_article


def test_without_article_schema_is_still_checked() -> None:
    doc = good()
    doc["reinforcements"][0]["status"] = "sent"
    problems = validate(doc)
    assert [p.path for p in problems] == ["$.reinforcements[0].status"]


def test_problem_str() -> None:
    assert str(Problem("$.a[0]", "bad")) == "error: $.a[0]: bad"


def test_affiliation_matches_alias_without_leading_article() -> None:
    from summarizer import validate as run_validate

    article = 'The FSA fought. "We will win the war," a commander said.'
    doc = {
        "summary": "Fighting.",
        "belligerents": [{"name": "The FSA", "aliases": [], "side": "rebels", "role": "combatant"}],
        "locations": [],
        "reinforcements": [],
        "quotes": [{"text": "We will win the war,", "speaker": "a commander", "speaker_affiliation": "FSA"}],
    }
    assert run_validate(doc, article) == []
    doc["quotes"][0]["speaker_affiliation"] = "Red Cross"
    problems = run_validate(doc, article)
    assert [(p.path, p.severity) for p in problems] == [("$.quotes[0].speaker_affiliation", "warning")]
