"""Articles written in capitals: the case-restored copy the pipeline reads, and results re-read from the article."""

from __future__ import annotations

import re
from typing import Any

import pytest
from doubles import ReadingBackend

from summarizer.core import Summarizer
from summarizer.grounding import ground, reread
from summarizer.schema import ConflictSummary
from summarizer.truecase import case_view, shouting
from summarizer.validate import validate

CAPS = (
    "BOGOTA, 4 JAN 90 (EFE) -- [TEXT] THE GUATEMALAN NATIONAL REVOLUTIONARY UNITY (URNG) SAID TODAY THAT ITS "
    "GUERRILLAS ATTACKED AN ARMY POST NEAR MEDELLIN. U.S. OFFICIALS SAID THE COMMUNIQUE WAS FALSE.\n\n"
    'THE REBELS CALLED THE ATTACK "A WARNING" IN A STATEMENT. "WE WILL GO ON," THEY SAID.'
)


def test_shouting_needs_capitals_over_enough_letters() -> None:
    assert shouting(CAPS)
    assert not shouting("The army said rebels attacked a post near Medellin on Monday, officials said.")
    assert not shouting("NEAR MEDELLIN")  # too few letters to tell
    # a shouted headline over an ordinary body is an ordinary article
    assert not shouting(
        "REBELS ATTACK ARMY POST\n\nRebels attacked an army post near Medellin on Monday, the army said."
    )


def test_ordinary_text_is_left_alone() -> None:
    text = "Rebels attacked an army post near Medellin on Monday, the army said."
    assert case_view(text) is text


def test_case_view_restores_case_letter_for_letter() -> None:
    view = case_view(CAPS)
    assert len(view) == len(CAPS) and view.lower() == CAPS.lower()
    # the wire dateline stays as it is (the pipeline knows datelines by their capitals)
    assert view.startswith("BOGOTA, 4 JAN 90 (EFE) -- [TEXT] The ")
    # a name spelled out before its bracketed acronym, and the acronym itself
    assert "Guatemalan National Revolutionary Unity (URNG)" in view
    # common words lower case, an unknown long word a name, initials kept
    assert "its guerrillas attacked an army post near Medellin." in view
    assert "U.S. officials said the communique was false." in view
    # an opening quotation starts with a capital only where a sentence would; a closing mark opens nothing
    assert 'the attack "a warning" in a statement' in view
    assert '"We will go on," they said.' in view


class _NameBackend(ReadingBackend):
    """Answers with the spans it finds in the article it is given (so it answers from what it read)."""

    model_name = "name-double"

    def answer(self, article: str) -> dict[str, Any]:
        unity = re.search(r"guatemalan national revolutionary unity", article, re.IGNORECASE).group()
        urng = re.search(r"\(urng\)", article, re.IGNORECASE).group()[1:-1]
        army = re.search(r"\barmy\b", article, re.IGNORECASE).group()
        quote = re.search(r"we will go on,", article, re.IGNORECASE).group()
        they = re.search(r"\bthey\b", article, re.IGNORECASE).group()
        return {
            "summary": "Rebels attacked an army post.",
            "belligerents": [
                {"name": unity, "aliases": [urng], "side": "rebels", "role": "combatant"},
                {"name": army, "aliases": [], "side": "government", "role": "combatant"},
            ],
            "locations": [],
            "reinforcements": [],
            "quotes": [{"text": quote, "speaker": they, "speaker_affiliation": None}],
        }


def test_the_model_reads_the_restored_copy_and_the_result_is_the_articles_own_text() -> None:
    backend = _NameBackend()
    result = Summarizer(backend=backend, second_look=False).summarize(CAPS)
    assert backend.seen and "Guatemalan National Revolutionary Unity (URNG)" in backend.seen[0]
    data = result.to_dict()
    names = [b["name"] for b in data["belligerents"]]
    assert names[0] == "GUATEMALAN NATIONAL REVOLUTIONARY UNITY"
    assert data["belligerents"][0]["aliases"] == ["URNG"]
    for b in data["belligerents"]:
        start, end = b["spans"]["name"]
        assert CAPS[start:end] == b["name"]
    assert data["quotes"][0]["text"] == "WE WILL GO ON,"
    assert result.meta["case_restored"] is True
    assert validate(data, CAPS) == []


def test_reread_drops_mentions_that_become_the_same() -> None:
    article = "THE ARMY AND THE ARMY OF THE NORTH FOUGHT. THE ARMY WON."
    view = "The army and the Army of the North fought. The Army won."
    data = ConflictSummary.model_validate(
        {
            "summary": "x",
            "belligerents": [
                {"name": "Army of the North", "aliases": ["The army", "The Army"], "side": "a", "role": "combatant"},
                {"name": "army", "aliases": [], "side": "b", "role": "combatant"},
            ],
            "locations": [],
            "reinforcements": [],
            "quotes": [],
        }
    )
    out = reread(ground(data, view), article)
    first = out.belligerents[0]
    assert first.name == "ARMY OF THE NORTH" and first.aliases == ["THE ARMY"]
    assert article[slice(*first.spans.aliases[0])] == "THE ARMY"
    # "army" re-reads as "ARMY", which is not a mention of the first item as written: kept
    assert [b.name for b in out.belligerents] == ["ARMY OF THE NORTH", "ARMY"]


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_text_is_not_shouting(text: str) -> None:
    assert not shouting(text) and case_view(text) == text


def test_restore_case_off_gives_the_model_the_article_as_it_is() -> None:
    backend = _NameBackend()
    result = Summarizer(backend=backend, second_look=False, restore_case=False).summarize(CAPS)
    assert backend.seen == [CAPS]
    assert result.meta["case_restored"] is False and result.meta["settings"]["restore_case"] is False
    assert result.to_dict()["belligerents"][0]["name"] == "GUATEMALAN NATIONAL REVOLUTIONARY UNITY"
