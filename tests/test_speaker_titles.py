"""A speaker called by title after being named ("the spokesman") takes the name (the guide's rule)."""

from __future__ import annotations

import pytest

from summarizer.parse import resolve_speaker

ARTICLE = (
    '"The bridge is ours," Garan army spokesman Ilo Varga told Atlas Wire.\n\n'
    '"We will hold it," the spokesman added.\n\n'
    '"Nothing has changed," said Mira Tosk, the province\'s deputy security coordinator, by telephone.\n\n'
    '"They shelled the market," the coordinator said.\n\n'
    '"We need ammunition," said Pavo Dren, who commands the town\'s defenders.\n\n'
    '"We are alone," the commander said. "Send help," the statement said.'
)


@pytest.mark.parametrize(
    ("speaker", "name"),
    [
        ("the spokesman", "Ilo Varga"),
        ("the coordinator", "Mira Tosk"),
        ("the commander", "Pavo Dren"),
        ("the statement", "the statement"),  # no person's title: kept
        ("the mayor", "the mayor"),  # no mayor named in the article: kept
    ],
)
def test_a_title_after_a_name_becomes_the_name(speaker: str, name: str) -> None:
    assert resolve_speaker(speaker, ARTICLE) == name


def test_a_title_whose_holder_is_known_as_no_person_is_kept() -> None:
    assert resolve_speaker("the spokesman", ARTICLE, {"ilo varga"}) == "the spokesman"
