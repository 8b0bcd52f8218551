"""Quoted passages, boilerplate paragraphs and locating strings in an article."""

from __future__ import annotations

import pytest

from summarizer.textspans import (
    Passage,
    body_ranges,
    dateline,
    has_whole_word,
    is_boilerplate,
    locate,
    occurrences,
    paragraphs,
    plain,
    quoted_passages,
)


def texts(article: str) -> list[str]:
    passages = quoted_passages(article)
    for p in passages:  # every passage is exactly the article's text at its offsets
        assert article[p.start : p.end] == p.text
    return [p.text for p in passages]


# ---- quoted_passages ----------------------------------------------------------------------------


def test_curly_quotes() -> None:
    article = "The commander said \u201cWe will take the town.\u201d Fighting went on."
    (p,) = quoted_passages(article)
    assert p == Passage(article.index("We"), article.index("\u201d"), "We will take the town.")


def test_straight_quotes() -> None:
    assert texts('A source said: "Reinforcements are now being sent." Nothing else.') == [
        "Reinforcements are now being sent."
    ]


@pytest.mark.parametrize(
    "article, expected",
    [
        ("\u00abNous tiendrons,\u00bb dit-il.", ["Nous tiendrons,"]),
        ("Er sagte: \u201eWir halten die Stadt.\u201c Dann ging er.", ["Wir halten die Stadt."]),
        ('\u201cOpened curly, closed straight" he said.', ["Opened curly, closed straight"]),
        ('"Opened straight, closed curly\u201d he said.', ["Opened straight, closed curly"]),
    ],
)
def test_other_marks(article: str, expected: list[str]) -> None:
    assert texts(article) == expected


def test_split_by_attribution_gives_two_passages() -> None:
    article = '"We will fight," he said, "until the last village is free."'
    assert texts(article) == ["We will fight,", "until the last village is free."]
    curly = "\u201cWe will fight,\u201d he said, \u201cuntil the end.\u201d"
    assert texts(curly) == ["We will fight,", "until the end."]


def test_quote_over_paragraph_break_is_one_passage_per_paragraph() -> None:
    article = (
        "The minister said:\n\n"
        "\u201cOur forces are moving north and will reach the border soon.\n\n"
        "\u201cWe ask civilians to stay at home,\u201d he added."
    )
    passages = quoted_passages(article)
    assert [p.text for p in passages] == [
        "Our forces are moving north and will reach the border soon.",
        "We ask civilians to stay at home,",
    ]
    assert "\n" not in passages[0].text
    assert passages[0].end == article.index("\n\n\u201cWe")


def test_unclosed_quote_stops_at_single_newline() -> None:
    assert texts('"First line goes on\n"Second line," he said.') == ["First line goes on", "Second line,"]


def test_whitespace_inside_marks_is_trimmed() -> None:
    article = "\u201c  Hold the line.  \u201d"
    (p,) = quoted_passages(article)
    assert p.text == "Hold the line."
    assert (p.start, p.end) == (3, 17)


def test_no_passages() -> None:
    assert quoted_passages("The army\u2019s advance stalled; the rebels\u2019 lines held.") == []
    assert quoted_passages('Empty marks "" and "   " give nothing.') == []
    assert quoted_passages("") == []


def test_example_article_passages(example_article: str) -> None:
    assert texts(example_article) == [
        "Reinforcements are now being sent",
        "There are fierce battles between the two sides.",
        "The battle \u2013 praise God \u2013 has been prepared for a long time and all capacities have been "
        "prepared for it so that we can wage a long battle,",
        "in a number of other areas",
    ]


# ---- paragraphs / boilerplate -----------------------------------------------------------------------


def test_paragraphs() -> None:
    article = "One.\n\n  \nTwo two.\nThree"
    assert [article[s:e] for s, e in paragraphs(article)] == ["One.", "Two two.", "Three"]


@pytest.mark.parametrize(
    "line",
    [
        "A still image taken from a video uploaded on social media purports to show fighters on tanks.",
        "Fighters walk through the ruins of the old city (Photo via AFP)",
        "Smoke rises over the town. (Reuters)",
        "date 2017-03-22 Rebels near Hama",
        "For all the latest World News, download Indian Express App now",
        "Read more: the war in numbers",
        "FILE PHOTO: Syrian soldiers stand near a tank.",
    ],
)
def test_is_boilerplate_caption(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "The Syrian army is sending reinforcements to face a major rebel offensive in Hama province.",
        "Rebels said they had captured the towns of Soran and Khattab.",
        "State media said on Wednesday the army was waging fierce clashes with insurgents in Jobar.",
    ],
)
def test_is_boilerplate_normal_sentence(line: str) -> None:
    assert not is_boilerplate(line)


def test_example_article_boilerplate(example_article: str) -> None:
    paras = [example_article[s:e] for s, e in paragraphs(example_article)]
    flags = [is_boilerplate(p) for p in paras]
    assert flags[0] and flags[-1]  # caption/dateline and the app trailer
    assert not any(flags[1:-1])
    assert body_ranges(example_article) == paragraphs(example_article)[1:-1]


# ---- occurrences / has_whole_word --------------------------------------------------------------------


def test_occurrences() -> None:
    assert occurrences("aaaa", "aa") == [0, 1, 2]
    assert occurrences("Hama and Hamas", "Hama") == [0, 9]
    assert occurrences("abc", "x") == []
    assert occurrences("abc", "") == []


@pytest.mark.parametrize(
    "article, needle, expected",
    [
        ("Hamas said fighting continued.", "Hama", False),
        ("Hamas said fighting near Hama continued.", "Hama", True),
        ("fighting near Hama.", "Hama", True),
        ("Hama", "Hama", True),
        ("the Jobar district", "Jo", False),
        ("the Jobar district", "obar", False),
        ("Tahrir al-Sham fighters", "Sham", True),
        ("U.S.-backed forces", "U.S.", True),
        ("U.S.-backed forces", "S.-b", False),
        ("Tahrir al-Sham fighters", "al-Sham", True),
        ("Tahrir al-Sham fighters", "ham fighters", False),
    ],
)
def test_has_whole_word(article: str, needle: str, expected: bool) -> None:
    assert has_whole_word(article, needle) is expected


# ---- locate ----------------------------------------------------------------------------------------


def test_locate_absent() -> None:
    assert locate("The army advanced.", "navy") is None


def test_locate_prefers_whole_words() -> None:
    article = "Hamas said fighting near Hama continued."
    assert locate(article, "Hama") == (25, 29)
    # a needle found only inside a longer word is still located
    assert locate("the Jobar district", "Jo") == (4, 6)


def test_locate_prefers_body_over_caption(example_article: str) -> None:
    starts = occurrences(example_article, "Tahrir al-Sham")
    assert starts[0] < 1722  # the caption mentions it first
    assert locate(example_article, "Tahrir al-Sham") == (1722, 1736)
    assert example_article[1722:1736] == "Tahrir al-Sham"


def test_locate_falls_back_to_caption(example_article: str) -> None:
    # "Soran district" only stands in the caption
    start, end = locate(example_article, "Soran district")
    assert example_article[start:end] == "Soran district"
    assert start == example_article.index("Soran district")
    # bare "Soran" is in the caption too, but the body occurrence wins
    start, _ = locate(example_article, "Soran")
    assert start == example_article.index("Soran,")


def test_locate_near() -> None:
    article = "Ahmed spoke. Then Ahmed left. Later Ahmed returned."
    assert occurrences(article, "Ahmed") == [0, 18, 36]
    assert locate(article, "Ahmed") == (0, 5)
    assert locate(article, "Ahmed", near=(21, 21)) == (18, 23)
    assert locate(article, "Ahmed", near=(len(article), len(article))) == (36, 41)
    assert locate(article, "Ahmed", near=(27, 27)) == (18, 23)  # a tie goes to the earlier occurrence


def test_locate_near_still_prefers_whole_words() -> None:
    article = "Hama is near. Far away, much further along the text: Hamas"
    assert locate(article, "Hama", near=(len(article), len(article))) == (0, 4)


def test_locate_prefer_ranges() -> None:
    article = 'We will win, they say. Then he said: "We will win," and left.'
    inside = [(p.start, p.end) for p in quoted_passages(article)]
    assert locate(article, "We will win,") == (0, 12)
    start = article.index('"We') + 1
    assert locate(article, "We will win,", prefer=inside) == (start, start + 12)


def test_locate_explicit_body() -> None:
    article = "Soran caption line\nSoran in the story"
    assert locate(article, "Soran", body=[(19, len(article))]) == (19, 24)
    assert locate(article, "Soran", body=[]) == (0, 5)


# ---- dateline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opening, line",
    [
        ("KYIV (Crossline Press) — Troops moved.", "KYIV (Crossline Press) — "),
        ("SARAJEVO, Nov 24 (Reuters) - Serb forces pushed on.", "SARAJEVO, Nov 24 (Reuters) - "),
        ("GOMA, Democratic Republic of Congo (AP) - Rebels fought.", "GOMA, Democratic Republic of Congo (AP) - "),
        ("BAKU/YEREVAN (Crossline Press) - Forces fought.", "BAKU/YEREVAN (Crossline Press) - "),
        ("PORT-AU-PRINCE, Haiti - Police fought gangs.", "PORT-AU-PRINCE, Haiti - "),
        ("SAN SALVADOR, 3 JAN 90 (ACAN-EFE) -- [TEXT] THE ARMY SAID", "SAN SALVADOR, 3 JAN 90 (ACAN-EFE) -- "),
    ],
)
def test_dateline_forms(opening: str, line: str) -> None:
    article = "A caption of a photo.\n" + opening + "\nMore text."
    span = dateline(article)
    assert span is not None and article[span[0] : span[1]] == line


@pytest.mark.parametrize(
    "opening",
    [
        "The army said on Monday - as fighting spread - that it held the town.",
        "U.S. forces - backed by drones - attacked.",
        "NATO said its jets - two of them - flew over.",
    ],
)
def test_no_dateline_in_ordinary_sentences(opening: str) -> None:
    assert dateline(opening + "\nMore.") is None


def test_body_ranges_leave_the_dateline_out() -> None:
    article = "TOLIN (Wire) - Rebels shelled Tolin.\nThe army said so."
    (s1, e1), (s2, e2) = body_ranges(article)
    assert article[s1:e1] == "Rebels shelled Tolin."
    assert article[s2:e2] == "The army said so."
    assert locate(article, "Tolin") == (article.index("Tolin."), article.index("Tolin.") + 5)


def test_plain_folds_case_and_accents() -> None:
    assert plain("CULIACAN") == plain("Culiacán") == "culiacan"
    assert plain("Mosul") != plain("Mosel")


def test_single_marks_are_quotation_marks_only_where_no_double_marks_are() -> None:
    british = (
        "Rebels shelled the town. ‘We won’t leave our homes,’ said Ana Duarte, a teacher.\n"
        "The army’s commander said the soldiers’ morale was ‘higher than ever’."
    )
    texts = [p.text for p in quoted_passages(british)]
    assert texts == ["We won’t leave our homes,", "higher than ever"]
    # nested inside double marks they are part of the quotation, not quotations of their own
    nested = "“The men tell me, ‘Give us a week and we will hold anything,’ and I believe them,” he said."
    assert [p.text for p in quoted_passages(nested)] == [
        "The men tell me, ‘Give us a week and we will hold anything,’ and I believe them,"
    ]
    # a single mark never closed in its paragraph is an apostrophe
    assert quoted_passages("It was the ‘90s, and the war had begun.") == []


def test_single_marks_get_their_speakers() -> None:
    from summarizer.attribution import pattern_speakers

    article = "Rebels shelled the town. ‘We won’t leave our homes,’ said Ana Duarte, a teacher."
    assert pattern_speakers(article) == {"We won’t leave our homes": "Ana Duarte"}
