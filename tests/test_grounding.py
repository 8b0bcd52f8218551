"""``ground``: character spans for every verbatim string."""

from __future__ import annotations

from typing import Any

import pytest

from summarizer.grounding import GroundingError, ground
from summarizer.schema import ConflictSummary
from summarizer.validate import validate

ARTICLE = (
    "Photo: Syrian army tanks near Soran (Reuters)\n\n"
    "The Syrian army sent two battalions from Homs to Soran, in Hama province, on Monday. "
    "Rebels of Tahrir al-Sham said they still held Soran.\n\n"
    "\u201cThe army will not enter the town,\u201d a rebel commander said. "
    "\u201cWe are ready for a long fight.\u201d"
)


def summary(**kw: Any) -> ConflictSummary:
    data = {
        "summary": "x",
        "belligerents": [
            {
                "name": "Syrian army",
                "aliases": ["The army", "army"],
                "side": "government",
                "role": "combatant",
            },
            {"name": "Tahrir al-Sham", "aliases": ["Rebels"], "side": "rebels", "role": "combatant"},
        ],
        "locations": [
            {"name": "Soran", "aliases": [], "type": "town", "within": "Hama province"},
            {"name": "Hama province", "aliases": ["Hama"], "type": "province", "within": None},
        ],
        "reinforcements": [
            {
                "sender": "Syrian army",
                "forces": "two battalions",
                "destination": "Soran",
                "origin": "Homs",
                "status": "under_way",
            },
        ],
        "quotes": [
            {
                "text": "The army will not enter the town,",
                "speaker": "a rebel commander",
                "speaker_affiliation": "Tahrir al-Sham",
            },
            {
                "text": "We are ready for a long fight.",
                "speaker": "a rebel commander",
                "speaker_affiliation": None,
            },
        ],
    }
    data.update(kw)
    return ConflictSummary.model_validate(data)


def pairs(out: ConflictSummary) -> list[tuple[str, tuple[int, int]]]:
    """Every (string, span) pair of a grounded summary."""
    got = []
    for b in out.belligerents:
        got.append((b.name, b.spans.name))
        got += list(zip(b.aliases, b.spans.aliases, strict=True))
    for loc in out.locations:
        got.append((loc.name, loc.spans.name))
        got += list(zip(loc.aliases, loc.spans.aliases, strict=True))
        assert (loc.within is None) == (loc.spans.within is None)
        if loc.within is not None:
            got.append((loc.within, loc.spans.within))
    for r in out.reinforcements:
        for key in ("sender", "forces", "destination", "origin"):
            value, span = getattr(r, key), getattr(r.spans, key)
            assert (value is None) == (span is None)
            if value is not None:
                got.append((value, span))
    for q in out.quotes:
        got += [(q.text, q.spans.text), (q.speaker, q.spans.speaker)]
    return got


def test_every_span_points_at_its_string() -> None:
    out = ground(summary(), ARTICLE)
    got = pairs(out)
    assert len(got) == 17
    for s, (start, end) in got:
        assert ARTICLE[start:end] == s


def test_grounded_output_validates() -> None:
    out = ground(summary(), ARTICLE)
    assert validate(out.model_dump(mode="json"), ARTICLE) == []


def test_input_is_not_modified() -> None:
    data = summary()
    out = ground(data, ARTICLE)
    assert data.belligerents[0].spans is None
    assert out is not data
    assert out.model_dump(exclude={"belligerents", "locations", "reinforcements", "quotes"}) == data.model_dump(
        exclude={"belligerents", "locations", "reinforcements", "quotes"}
    )


def test_caption_is_skipped() -> None:
    out = ground(summary(), ARTICLE)
    body = ARTICLE.index("\n\n")
    assert out.belligerents[0].spans.name[0] > body  # "Syrian army" is in the caption first
    assert out.locations[0].spans.name == (ARTICLE.index("Soran,"), ARTICLE.index("Soran,") + 5)


def test_whole_word_preferred() -> None:
    article = "Hamas leaders condemned the strikes near Hama, where the army advanced."
    data = summary(
        belligerents=[{"name": "army", "aliases": [], "side": "government", "role": "combatant"}],
        locations=[{"name": "Hama", "aliases": [], "type": "city", "within": None}],
        reinforcements=[],
        quotes=[],
    )
    out = ground(data, article)
    assert out.locations[0].spans.name == (41, 45)
    assert article[41:46] == "Hama,"


def test_quote_text_span_is_inside_quotation_marks() -> None:
    article = (
        "Officials repeated that we hold the valley and the roads, every day this week.\n\n"
        "\u201cWe hold the valley and the roads,\u201d the governor said."
    )
    data = summary(
        belligerents=[],
        locations=[],
        reinforcements=[],
        quotes=[{"text": "hold the valley", "speaker": "the governor", "speaker_affiliation": None}],
    )
    out = ground(data, article)
    start, end = out.quotes[0].spans.text
    assert article[start:end] == "hold the valley"
    assert start > article.index("\u201c")  # not the earlier, unquoted occurrence
    assert end < article.index("\u201d")


def test_speaker_nearest_to_its_quote() -> None:
    article = (
        "Colonel Hassan said on Monday the town was safe. "
        "\u201cWe hold it,\u201d Colonel Hassan said.\n\n"
        "The next day rebels shelled it again. \u201cWe are still here,\u201d Colonel Hassan said."
    )
    data = summary(
        belligerents=[],
        locations=[],
        reinforcements=[],
        quotes=[
            {"text": "We hold it,", "speaker": "Colonel Hassan", "speaker_affiliation": None},
            {"text": "We are still here,", "speaker": "Colonel Hassan", "speaker_affiliation": None},
        ],
    )
    out = ground(data, article)
    starts = [i for i in range(len(article)) if article.startswith("Colonel Hassan", i)]
    assert len(starts) == 3
    assert out.quotes[0].spans.speaker[0] == starts[1]
    assert out.quotes[1].spans.speaker[0] == starts[2]


def test_speaker_after_long_quote() -> None:
    quote = "We will hold every village in this valley until the last of our fighters has fallen, " * 2
    quote = quote.strip()
    article = f"Ahmed spoke to reporters on Monday. Then: \u201c{quote}\u201d Ahmed said."
    data = summary(
        belligerents=[],
        locations=[],
        reinforcements=[],
        quotes=[{"text": quote, "speaker": "Ahmed", "speaker_affiliation": None}],
    )
    out = ground(data, article)
    assert out.quotes[0].spans.speaker == (article.rindex("Ahmed"), article.rindex("Ahmed") + 5)


def test_example_article(example_article: str) -> None:
    data = summary(
        belligerents=[{"name": "Tahrir al-Sham", "aliases": [], "side": "rebels", "role": "combatant"}],
        locations=[{"name": "Soran", "aliases": ["Soran district"], "type": "town", "within": "Hama"}],
        reinforcements=[],
        quotes=[
            {
                "text": "There are fierce battles between the two sides.",
                "speaker": "the source",
                "speaker_affiliation": None,
            }
        ],
    )
    out = ground(data, example_article)
    assert out.belligerents[0].spans.name == (1722, 1736)
    assert out.locations[0].spans.name[0] == example_article.index("Soran,")
    s, e = out.locations[0].spans.aliases[0]  # only in the caption: found there
    assert example_article[s:e] == "Soran district"
    s, e = out.quotes[0].spans.speaker
    assert example_article[s:e] == "the source"
    assert s == example_article.index("the source said. \u201cThere")


@pytest.mark.parametrize(
    "update, path",
    [
        (
            {"belligerents": [{"name": "Russian army", "aliases": [], "side": "x", "role": "combatant"}]},
            "$.belligerents[0].name",
        ),
        (
            {"belligerents": [{"name": "Syrian army", "aliases": ["the Army"], "side": "x", "role": "combatant"}]},
            "$.belligerents[0].aliases[0]",
        ),
        (
            {"locations": [{"name": "Soran", "aliases": [], "type": "town", "within": "Idlib"}]},
            "$.locations[0].within",
        ),
        (
            {"quotes": [{"text": "We give up.", "speaker": "a rebel commander", "speaker_affiliation": None}]},
            "$.quotes[0].text",
        ),
        (
            {
                "quotes": [
                    {
                        "text": "We are ready for a long fight.",
                        "speaker": "the mayor",
                        "speaker_affiliation": None,
                    }
                ]
            },
            "$.quotes[0].speaker",
        ),
    ],
)
def test_string_not_in_article_raises(update: dict[str, Any], path: str) -> None:
    with pytest.raises(GroundingError) as exc:
        ground(summary(**update), ARTICLE)
    assert path in str(exc.value)
    assert "not in the article" in str(exc.value)


def test_grounding_error_is_value_error() -> None:
    assert issubclass(GroundingError, ValueError)
