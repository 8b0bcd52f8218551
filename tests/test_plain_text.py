"""Articles with Windows (CRLF) or old Mac (CR) line breaks, no-break spaces, soft hyphens: the model reads
a plain copy, and the result's strings and spans are the article's own."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from doubles import ReadingBackend

from summarizer.article import plain_text
from summarizer.core import Summarizer
from summarizer.grounding import ground, to_article
from summarizer.schema import ConflictSummary
from summarizer.validate import validate

LF = (
    "Rebels of the Kelvar Front attacked the town of Dusa on Monday, the army said.\n\n"
    'A commander said: "We will hold Dusa\nwhatever it costs." Reinforcements were sent to Dusa.\n'
    "The Marvian army said it had retaken the hills near Osk."
)


class _ReadingBackend(ReadingBackend):
    """Answers with strings it finds in the article it is given; one quote runs over a line break."""

    def answer(self, article: str) -> dict[str, Any]:
        quote = re.search(r"We will hold Dusa\s+whatever it costs\.", article).group()
        return {
            "summary": "Rebels attacked Dusa.",
            "belligerents": [
                {"name": "Kelvar Front", "aliases": ["Rebels"], "side": "rebels", "role": "combatant"},
                {"name": "Marvian army", "aliases": ["the army"], "side": "government", "role": "combatant"},
            ],
            "locations": [
                {"name": "Dusa", "aliases": [], "type": "town", "within": None},
                {"name": "Osk", "aliases": [], "type": "town", "within": None},
            ],
            "reinforcements": [
                {
                    "sender": "Marvian army",
                    "forces": "Reinforcements",
                    "destination": "Dusa",
                    "origin": None,
                    "status": "under_way",
                }
            ],
            "quotes": [{"text": quote, "speaker": "A commander", "speaker_affiliation": None}],
        }

    def generate_many(self, requests, batch_size=4):
        for key, messages, grammar, n in requests:
            yield key, self.generate(messages, grammar, n)


@pytest.mark.parametrize("text", ["no breaks", "a\nb\n\nc"])
def test_plain_text_is_its_own_copy(text: str) -> None:
    assert plain_text(text) == (text, None)


def test_plain_text_maps_each_character_back() -> None:
    text = "a\r\nb\rc\r\n\r\nd\r 3,000\u00a0troops\u202fin Ho\u00adms\u200b."
    copy, starts = plain_text(text)
    assert copy == "a\nb\nc\n\nd\n 3,000 troops in Homs."
    assert len(starts) == len(copy)
    plain = {"\r": "\n", "\u00a0": " ", "\u202f": " "}
    assert all(plain.get(text[i], text[i]) == c for i, c in zip(starts, copy, strict=True))


def test_spans_found_in_the_copy_are_moved_into_the_article() -> None:
    article = LF.replace("\n", "\r\n")
    copy, starts = plain_text(article)
    data = ConflictSummary.model_validate(json.loads(_ReadingBackend().generate(_msgs(copy), None, 0).text))
    out = to_article(ground(data, copy), article, starts)
    assert out.quotes[0].text == "We will hold Dusa\r\nwhatever it costs."
    assert article[slice(*out.quotes[0].spans.text)] == out.quotes[0].text
    osk = out.locations[1]
    assert article[slice(*osk.spans.name)] == "Osk" and osk.spans.name[0] == article.index("Osk")
    assert validate(out.model_dump(mode="json"), article) == []


def _plain(s: str) -> str:
    return plain_text(s)[0]


def _msgs(article: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"<<<\n{article}\n>>>"}]


ODD = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "cr": lambda t: t.replace("\n", "\r"),
    "no-break spaces": lambda t: t.replace("Kelvar Front", "Kelvar\u00a0Front").replace("the town", "the\u00a0town"),
    "soft hyphens": lambda t: t.replace("Marvian", "Mar\u00advian").replace("Dusa on", "Du\u200bsa on"),
}


@pytest.mark.parametrize("odd", list(ODD))
@pytest.mark.parametrize("batch_size", [1, 2])
def test_the_model_reads_a_plain_copy_and_the_result_points_into_the_article(odd: str, batch_size: int) -> None:
    article = ODD[odd](LF)
    breaks = "\r\n" if odd == "crlf" else "\r" if odd == "cr" else "\n"
    plain_backend, backend = _ReadingBackend(), _ReadingBackend()
    plain = Summarizer(backend=plain_backend, second_look=False).summarize(LF).to_dict()
    runs = Summarizer(backend=backend, second_look=False).summarize_many([("a", article)], batch_size=batch_size)
    [(key, result)] = list(runs)
    assert key == "a" and not isinstance(result, Exception)
    assert backend.seen == plain_backend.seen  # the same prompt as the article with plain line breaks
    data = result.to_dict()
    assert validate(data, article) == []
    assert data["quotes"][0]["text"] == f"We will hold Dusa{breaks}whatever it costs."
    assert [_plain(b["name"]) for b in data["belligerents"]] == [b["name"] for b in plain["belligerents"]]
    assert [_plain(loc["name"]) for loc in data["locations"]] == [loc["name"] for loc in plain["locations"]]
    if odd == "no-break spaces":
        assert data["belligerents"][0]["name"] == "Kelvar\u00a0Front"
    if odd == "soft hyphens":
        assert data["belligerents"][1]["name"] == "Mar\u00advian army"
    for b in data["belligerents"]:
        assert article[slice(*b["spans"]["name"])] == b["name"]
        assert all(article[slice(*s)] == a for s, a in zip(b["spans"]["aliases"], b["aliases"], strict=True))
    r = data["reinforcements"][0]
    assert article[slice(*r["spans"]["destination"])] == r["destination"]
    assert _plain(r["destination"]) == "Dusa"
    assert result.meta["case_restored"] is False
