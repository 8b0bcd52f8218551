"""``attribution``: who said each quote, from the wire's attribution patterns (invented articles)."""

from __future__ import annotations

import pytest

from summarizer.attribution import attribute, attribute_quotes
from summarizer.textspans import quoted_passages


def speakers(article: str) -> dict[str, str | None]:
    passages = quoted_passages(article)
    found = attribute(article, passages)
    for spk in found.values():
        assert spk in article  # always text of the article
    return {p.text: found.get((p.start, p.end)) for p in passages}


@pytest.mark.parametrize(
    "paragraph, quote, speaker",
    [
        ('"We hold the ridge," said Colonel Ivo Renn.', "We hold the ridge,", "Colonel Ivo Renn"),
        ('"We hold the ridge," Renn told reporters in Tolin.', "We hold the ridge,", "Renn"),
        (
            '"We hold the ridge," said the source, who asked not to be named.',
            "We hold the ridge,",
            "the source",
        ),
        (
            '"We hold the ridge," said the spokesman, Lieutenant Ivo Renn.',
            "We hold the ridge,",
            "Lieutenant Ivo Renn",
        ),
        (
            '"We hold the ridge," the commander, Abel Varn, said by phone.',
            "We hold the ridge,",
            "Abel Varn",
        ),
        (
            '"We hold the ridge," government spokeswoman Ilse Marrow said in a statement.',
            "We hold the ridge,",
            "government spokeswoman Ilse Marrow",
        ),
        (
            '"We hold the ridge," al-Varni told reporters.',
            "We hold the ridge,",
            "al-Varni",
        ),
        (
            'The Dorvan Defence Ministry said its forces had "liberated" the town.',
            "liberated",
            "The Dorvan Defence Ministry",
        ),
        (
            'Its armed wing, the Northern Front (NF), said its fighters "control all the hills".',
            "control all the hills",
            "the Northern Front (NF)",
        ),
        (
            '"We hold the ridge," said the NF commander identified as a lieutenant in the Ossen Brigade.',
            "We hold the ridge,",
            "the NF commander",
        ),
        ('The ministry also said its forces had "liberated" the town.', "liberated", "The ministry"),
        ('He also said more attacks would come "in other areas".', "in other areas", None),  # no one before
        # an aside between the subject and its verb
        (
            'General Abel Varn, who commands the operation, said the rebels "are running out of food".',
            "are running out of food",
            "General Abel Varn",
        ),
        (
            'An officer in Tolin, speaking on condition of anonymity, said the arms passed "with the knowledge of '
            'the command".',
            "with the knowledge of the command",
            "An officer in Tolin",
        ),
        # a phrase opening with a preposition is no speaker ("posted" is a verb of saying)
        (
            'In a statement posted on a website, the Ossen Shura said its men came "to free our brothers".',
            "to free our brothers",
            "the Ossen Shura",
        ),
        # a quote that ends its sentence takes no speaker from the next one
        (
            'The Front said in a statement that it "will turn the town into a graveyard." The army said little.',
            "will turn the town into a graveyard.",
            "The Front",
        ),
        ('"We came to stay," said a volunteer who gave his name only as Nikolai.', "We came to stay,", "Nikolai"),
        (
            'A Defence Ministry spokesman denied the reports. "That is not their mission," he said.',
            "That is not their mission,",
            "A Defence Ministry spokesman",
        ),
    ],
)
def test_attribution_patterns(paragraph: str, quote: str, speaker: str | None) -> None:
    assert speakers("TOLIN (Wire) - Fighting went on.\n\n" + paragraph + "\n")[quote] == speaker


def test_a_quote_after_its_attribution_sentence_and_a_pronoun_take_the_speaker_before() -> None:
    article = (
        '"The line holds," said Ilse Marrow, a Dorvan commander. "We need shells."\n\n'
        '"They came at night," she said.\n\n'
        '"The town is ours," Abel Varn said. "It will stay ours," he said.\n'
    )
    got = speakers(article)
    assert got["The line holds,"] == "Ilse Marrow" and got["We need shells."] == "Ilse Marrow"
    assert got["They came at night,"] is None  # "she" with no speaker earlier in its paragraph: left to the model
    assert got["It will stay ours,"] == "Abel Varn"


def test_a_paragraph_that_is_only_a_quotation_continues_the_one_before() -> None:
    article = '"The line holds," said Ilse Marrow. "We need shells.\n\n"And we need them now."\n\nOther news.\n'
    assert speakers(article)["And we need them now."] == "Ilse Marrow"


def test_the_statement_takes_the_author_of_the_statement_before_it() -> None:
    article = (
        "TOLIN (Wire) - Jets bombed the river crossing, Dorvan's information ministry said in a statement.\n\n"
        '"The aggressor has paid dearly," the statement said.\n\n'
        "The attack was repelled, the defence ministry said, according to a ministry statement read on "
        "television.\n\n"
        '"Our forces reacted with vigour," the statement said.\n'
    )
    found = speakers(article)
    assert found["The aggressor has paid dearly,"] == "Dorvan's information ministry"
    assert found["Our forces reacted with vigour,"] == "the defence ministry"


def test_it_said_and_no_cue_leave_the_speaker_to_the_model() -> None:
    article = 'Shells fell on Tolin, the army said. It said it had "taken measures".\n\nA "ceasefire" was agreed.\n'
    got = speakers(article)
    assert got["taken measures"] is None and got["ceasefire"] is None


def test_attribute_quotes_replaces_speakers_it_finds_only() -> None:
    article = '"We hold the ridge," said Colonel Ivo Renn.\n\nIt said it had "taken measures".\n'
    quotes = [
        {"text": "We hold the ridge,", "speaker": "the army", "speaker_affiliation": None},
        {"text": "taken measures", "speaker": "the army", "speaker_affiliation": None},
    ]
    out = attribute_quotes(quotes, article)
    assert [q["speaker"] for q in out] == ["Colonel Ivo Renn", "the army"]
    assert quotes[0]["speaker"] == "the army"  # the input is not changed


@pytest.mark.parametrize(
    "intro, author",
    [
        (
            "The Dorvan army, known as the DAF, said in a statement that it held Tolin.",
            "The Dorvan army, known as the DAF",
        ),
        (
            "In a statement carried by the Tolin Press Agency, the rebels' defence ministry said it fought.",
            "the rebels' defence ministry",
        ),
        ("A Northern Front statement carried by radio said the town was taken.", "Northern Front statement"),
        (
            "A social media account linked to the Northern Front posted a video.",
            "A social media account linked to the Northern Front",
        ),
    ],
)
def test_the_statement_takes_the_statements_author(intro: str, author: str) -> None:
    article = intro + '\n\n"We hold the ridge," the statement said.\n'
    assert speakers(article)["We hold the ridge,"] == author


def test_the_statement_with_no_author_stays() -> None:
    assert speakers('"We hold the ridge," the statement said.\n')["We hold the ridge,"] == "the statement"


def test_the_mission_takes_the_nearest_named_mission() -> None:
    article = (
        "The U.N. observer mission in Dorvania, UNOD, said its patrol came under fire near Tolin.\n\n"
        '"We will keep patrolling," the mission said.\n\n'
        '"The roads are open," the ministry said.\n'
    )
    found = speakers(article)
    assert found["We will keep patrolling,"] == "UNOD"  # the appositive name over its description
    assert found["The roads are open,"] == "the ministry"  # no ministry named before: the anaphor stays


def test_he_at_the_head_of_a_paragraph_is_the_person_the_paragraph_before_introduced() -> None:
    from summarizer.attribution import pattern_speakers

    article = (
        "Colonel Ilan Petras said the line held.\n\n"
        "A battalion commander near Mirova, who asked to be identified only by his call sign, Falcon, "
        "described the week as the hardest yet.\n\n"
        "\u201cThey come at night,\u201d he said. \u201cWe sleep in the day.\u201d\n\n"
        "Drones now matter most. A young operator with the drone company said his team lost two crews.\n\n"
        "\u201cThe batteries run out first,\u201d he said.\n\n"
        "The Front said it would fight on.\n\n"
        "\u201cNothing will stop us,\u201d he said."
    )
    got = pattern_speakers(article)
    assert got["They come at night"] == "Falcon"  # the name given with the call sign
    assert got["We sleep in the day"] == "Falcon"
    assert got["The batteries run out first"] == "A young operator with the drone company"
    assert "Nothing will stop us" not in got  # "The Front" introduces no person


def test_he_refers_to_a_name_given_or_said_in_the_paragraph_before_and_she_said_carries_on() -> None:
    from summarizer.attribution import pattern_speakers

    article = (
        "\u201cThe road is open,\u201d said Mira Hollis, an analyst in Kresk.\n\n"
        "She said the bridge would decide it. \u201cWhoever holds it holds the valley,\u201d she said.\n\n"
        "One of them, a 19-year-old who gave his name as Tomas, said they had little ammunition.\n\n"
        "\u201cWe are waiting for bullets,\u201d he said.\n\n"
        "Ostrov said the units did not talk to each other.\n\n"
        "\u201cEach has its own chain of command,\u201d he said."
    )
    got = pattern_speakers(article)
    assert got["Whoever holds it holds the valley"] == "Mira Hollis"
    assert got["We are waiting for bullets"] == "Tomas"
    assert got["Each has its own chain of command"] == "Ostrov"
