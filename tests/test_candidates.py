"""Proper-noun candidates from an article's body, and whether a mention already covers one."""

from __future__ import annotations

import pytest

from summarizer.candidates import Candidate, covered, proper_noun_spans, support_cues

# An invented wire story: body paragraphs, a photo caption and a dateline/metadata line.
ARTICLE = (
    "Date 2031-05-04 Marrow Heights Gazette\n"
    "Rebels of the Army of Free Dorvania shelled Tolin on Monday, the Dorvanian Defence Ministry said.\n"
    "\n"
    "Fighting spread to the outskirts of Kessar, where fighting had stopped a week ago.\n"
    "The Governor\u2019s office in \u00dcr\u00fcmqi said General Amin al-Rashid's men had left Port Selby.\n"
    "A man walks past a destroyed building in Vellin Square (Reuters/Jana Kolt)\n"
    "However, Brask province remained calm. In Tolin, residents fled to the hills near Ostrava Ridge.\n"
)


def spans(article: str) -> list[str]:
    found = proper_noun_spans(article)
    for c in found:  # every candidate is the article's text at its offset
        assert article[c.start : c.start + len(c.text)] == c.text
    return [c.text for c in found]


# ---- proper_noun_spans --------------------------------------------------------------------------


def test_candidates_of_the_invented_article() -> None:
    assert spans(ARTICLE) == [
        "Rebels",
        "Army of Free Dorvania",
        "Tolin",
        "Dorvanian Defence Ministry",
        "Kessar",
        "Governor",
        "\u00dcr\u00fcmqi",
        "General Amin al-Rashid",
        "Port Selby",
        "Brask",
        "Ostrava Ridge",
    ]


def test_offsets_are_first_occurrences_in_the_body() -> None:
    found = {c.text: c for c in proper_noun_spans(ARTICLE)}
    assert found["Tolin"] == Candidate("Tolin", ARTICLE.index("Tolin"))
    assert found["Kessar"].start == ARTICLE.index("Kessar")
    # "Rebels" opens the second line: the offset is in the body, not in the metadata line
    assert found["Rebels"].start == ARTICLE.index("\n") + 1


def test_no_repeats() -> None:
    texts = spans(ARTICLE)
    assert len(texts) == len(set(texts))
    assert texts.count("Tolin") == 1
    # repeats differing only in case are one candidate, the first one kept
    assert spans("The shelling hit Tolin. On Sunday TOLIN was quiet, and Tolin slept.") == ["Tolin"]


@pytest.mark.parametrize(
    "article, expected",
    [
        ("The militias besieged the Army of Free Dorvania near Kessar.", ["Army of Free Dorvania", "Kessar"]),
        ("The troops of the Bank of Tolin guarded it.", ["Bank of Tolin"]),
        ("The fighters from Ahrar al-Sham entered the town.", ["Ahrar al-Sham"]),
        ("The fighters loyal to Abu Zaid bin Talal left.", ["Abu Zaid bin Talal"]),
        ("The residents of Tal al Hawa fled.", ["Tal al Hawa"]),
        ("The shells fell on el-Fasher overnight.", ["el-Fasher"]),
    ],
)
def test_multiword_names_joined_by_particles(article: str, expected: list[str]) -> None:
    assert spans(article) == expected


@pytest.mark.parametrize(
    "article, expected",
    [
        ("The gunmen attacked Kessar's main market.", ["Kessar"]),
        ("The gunmen attacked Kessar\u2019s main market.", ["Kessar"]),
        ("The Northern Front's commanders met.", ["Northern Front"]),
    ],
)
def test_possessive_is_trimmed(article: str, expected: list[str]) -> None:
    assert spans(article) == expected


def test_single_word_used_in_lower_case_elsewhere_is_dropped() -> None:
    article = "Fighting resumed near Kessar. The fighting was heavy. Shelling hit Tolin."
    # "Fighting" also occurs in lower case: a sentence opener, not a name; "Shelling" does not
    assert spans(article) == ["Kessar", "Shelling", "Tolin"]
    assert spans(article + " The shelling went on.") == ["Kessar", "Tolin"]


def test_multiword_span_is_kept_even_if_its_words_occur_in_lower_case() -> None:
    article = "The Northern Front attacked. Its front line held near the northern hills."
    assert spans(article) == ["Northern Front"]


@pytest.mark.parametrize(
    "article, expected",
    [
        ("However, Brask remained calm.", ["Brask"]),
        ("In Tolin, residents fled.", ["Tolin"]),
        ("The Dorvanian Army advanced.", ["Dorvanian Army"]),
        ("Meanwhile Kessar burned.", ["Kessar"]),
        ("On Monday Tolin fell.", ["Tolin"]),
        ("This was a quiet week.", []),
        ("He said it was over.", []),
    ],
)
def test_sentence_opening_function_words_are_trimmed(article: str, expected: list[str]) -> None:
    assert spans(article) == expected


def test_captions_and_datelines_are_left_out() -> None:
    texts = spans(ARTICLE)
    assert "Vellin Square" not in texts and "Vellin" not in texts  # photo caption
    assert "Jana Kolt" not in texts and "Reuters" not in texts
    assert "Marrow Heights Gazette" not in texts and "Marrow Heights" not in texts  # metadata line
    article = (
        "Fighters in Varlo Gorge, in this file photo.\n"
        "Read more: Ostrava Ridge falls\n"
        "Download the Tolin News app for updates\n"
        "The shells hit Kessar."
    )
    assert spans(article) == ["Kessar"]


def test_a_name_in_a_caption_and_in_the_body_gets_the_body_offset() -> None:
    article = "A house in Kessar, in this file photo.\nThe gunmen entered Kessar at dawn."
    (c,) = proper_noun_spans(article)
    assert c.text == "Kessar"
    assert c.start == article.index("Kessar", article.index("\n"))


@pytest.mark.parametrize(
    "article, expected",
    [
        ("The protests spread to \u00dcr\u00fcmqi and Kashgar.", ["\u00dcr\u00fcmqi", "Kashgar"]),
        ("The clashes near \u00c7aykara were reported.", ["\u00c7aykara"]),
        ("The troops reached \u0141\u00f3d\u017a on foot.", ["\u0141\u00f3d\u017a"]),
        ("The shells hit \u00c9vreux-Nord overnight.", ["\u00c9vreux-Nord"]),
    ],
)
def test_non_ascii_capitals(article: str, expected: list[str]) -> None:
    assert spans(article) == expected


def test_non_ascii_offsets() -> None:
    article = "\u201cWe hold \u00dcr\u00fcmqi,\u201d said a commander. In \u00c7aykara the line held."
    found = proper_noun_spans(article)
    assert [c.text for c in found] == ["\u00dcr\u00fcmqi", "\u00c7aykara"]
    assert [c.start for c in found] == [article.index("\u00dc"), article.index("\u00c7")]


def test_spans_do_not_cross_lines_and_respect_max_words() -> None:
    assert spans("The gunmen hit Port\nSelby Bridge.") == ["Port", "Selby Bridge"]
    long_name = "Alpha Bravo Charlie Delta Echo Foxtrot Golf"
    assert spans(f"The troops of {long_name} left.") == []  # seven words: over the default of six
    assert [c.text for c in proper_noun_spans(f"The troops of {long_name} left.", max_words=7)] == [long_name]


def test_empty_and_lower_case_articles() -> None:
    assert proper_noun_spans("") == []
    assert proper_noun_spans("nothing here is capitalised at all.") == []


# ---- covered -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate, mentions",
    [
        ("Hama", ["Hama province"]),
        ("Hama province", ["Hama"]),
        ("Syrian army", ["Syrian army"]),
        ("Syrian", ["the Syrian army"]),
        ("syrian ARMY", ["Syrian army"]),
        ("Army of Free Dorvania", ["Free Dorvania"]),
        ("Tolin", ["Kessar", "Tolin"]),
        ("Port  Selby", ["port selby"]),
    ],
)
def test_covered(candidate: str, mentions: list[str]) -> None:
    assert covered(candidate, mentions)


@pytest.mark.parametrize(
    "candidate, mentions",
    [
        ("Ham", ["Hama province"]),
        ("Hama province", ["Ham"]),
        ("Syrian army", ["Syrian navy"]),
        ("Army of Free Dorvania", ["Army Dorvania"]),  # words must be consecutive
        ("Tolin", []),
        ("Tolin", ["", "   "]),
        ("Port Selby", ["Selby Port"]),
    ],
)
def test_not_covered(candidate: str, mentions: list[str]) -> None:
    assert not covered(candidate, mentions)


# ---- support_cues -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The army has fought on with crucial military support from Varnia and Kessaria.", ["Varnia", "Kessaria"]),
        ("The Northern Front, a force backed by the United Provinces, attacked.", ["United Provinces"]),
        ("The Varnia-backed group pressed on.", ["Varnia"]),
        ("The al Qaeda-linked Group for Order said so.", ["al Qaeda"]),
        (
            "A mission that includes troops from Varnia, Dorvania and Kessaria said two died.",
            ["Varnia", "Dorvania", "Kessaria"],
        ),
        ("The rebels, who are aligned with Varnia, hold the capital.", ["Varnia"]),
        ("Drones supplied by Varnia, its closest ally, hit the town.", ["Varnia"]),
    ],
)
def test_support_cues(sentence: str, expected: list[str]) -> None:
    assert list(support_cues("TOLIN (Wire) - " + sentence + "\nMore fighting.")) == expected


def test_support_cues_need_a_name_and_skip_captions() -> None:
    article = (
        "Rebels backed by tanks and supported by local men attacked.\n"
        "Fighters backed by Varnia pose for a photo, in this file photo.\n"
    )
    assert support_cues(article) == {}


def test_support_cues_say_which_names_only_from_named() -> None:
    article = "Troops from Tolin and Varnia arrived. The Varnia-backed rebels attacked.\n"
    assert support_cues(article) == {"Tolin": False, "Varnia": True}


def test_enclosing_spans() -> None:
    from summarizer.candidates import enclosing_spans

    text = "The Democratic Republic of Congo and the Allied Democratic Forces met in Goma. Congo said no."
    assert enclosing_spans("Democratic", text) == {"Democratic Republic of Congo", "Allied Democratic Forces"}
    assert enclosing_spans("Congo", text) is None  # "Congo said" stands alone
    assert enclosing_spans("Kinshasa", text) is None  # not in the text


def test_numbered_units_are_told_from_other_names() -> None:
    from summarizer.candidates import is_unit_name

    units = ["6th Infantry Division", "215th Maiwand Corps", "2nd Combined Arms Army", "3rd Military Region"]
    assert all(is_unit_name(n) for n in units)
    others = ["Golden Division", "Syrian army", "6th", "Division", "the 6th division", "Northern Front"]
    assert not any(is_unit_name(n) for n in others)


def test_violence_cues_are_real_violence_words_outside_quotation_marks() -> None:
    from summarizer.candidates import violence_cues

    text = 'Gunmen killed two soldiers near the bridge. "We went to war on the pitch and shot well," he said.'
    assert violence_cues(text) == {"gunmen", "killed", "soldiers"}
    calm = 'The party\'s troops launched an offensive on the budget. "Rebels killed us," he joked.'
    assert violence_cues(calm) == set()


def test_support_cues_read_supply_asides_and_accusations() -> None:
    from summarizer.candidates import support_cues

    text = (
        "The government had asked Norland, which already supplies it with armed drones, for more help, and "
        "accused the Ostian Republic of carrying out air strikes in support of the rebels."
    )
    cues = support_cues(text)
    assert cues.get("Norland") is True and cues.get("Ostian Republic") is True


def test_initials_keep_their_last_dot() -> None:
    text = (
        "KABUL - Afghan forces backed by U.S. air strikes fought the Taliban. A U.N. official spoke. "
        "He flew to the U.S.\n\nThe U.K. sent advisers."
    )
    names = [c.text for c in proper_noun_spans(text)]
    assert {"U.S.", "U.N.", "U.K."} <= set(names)
    assert not any(n in ("U.S", "U.N", "U.K") for n in names)
    assert list(support_cues(text)) == ["U.S."]


def test_an_article_with_no_word_of_force_is_told_apart() -> None:
    from summarizer.candidates import tells_of_no_force

    match = (
        "Wales beat Ireland 24-19 at the Principality Stadium on Saturday to keep their title hopes alive. "
        "The home side laid siege to the Irish line in the second half, and the forwards won the war of "
        'attrition at the breakdown. "We will not back down," the coach said, "this squad fights like an army." '
    ) * 3
    assert tells_of_no_force(match)  # "army" only inside quotation marks
    assert not tells_of_no_force(match + "Police said two fans were injured outside the ground.")
    assert not tells_of_no_force(match.replace("forwards", "soldiers"))
    assert not tells_of_no_force("Wales beat Ireland 24-19.")  # too short to judge


def test_member_cues_count_a_name_after_its_men_or_with_an_aside_calling_it_an_armed_group() -> None:
    from summarizer.candidates import member_cues

    article = (
        "Fighters of the Vasko group overran the market. Orlen Hawks, a clan-based militia, joined them. "
        "Soldiers of the Armed Forces of Kessaria held the bridge. Tarvo, the group's stronghold, fell. "
        "The Kessar Observatory, a rights group, counted the dead."
    )
    assert member_cues("Vasko", article) == 1
    assert member_cues("Orlen Hawks", article) == 1
    assert member_cues("Kessaria", article) == 0  # inside "the Armed Forces of Kessaria"
    assert member_cues("Tarvo", article) == 0  # "the group's stronghold" is no aside
    assert member_cues("Kessar Observatory", article) == 0  # a rights group


def test_support_cues_read_a_state_that_supplies_or_arms_a_side() -> None:
    from summarizer.candidates import support_cues

    article = (
        "TARVO (Wire) - Fighting went on.\n\n"
        "Kessaria has supplied the Vasko Front with rockets. The rebels are armed by neighbouring Orlenia, "
        "and Dravia, whose government has funded them, denies it."
    )
    assert {"Kessaria", "Orlenia", "Dravia"} <= set(support_cues(article))


def test_led_spans_name_coalitions_by_their_leader() -> None:
    from summarizer.candidates import led_spans
    from summarizer.second_look import names_a_body_of_its_own

    article = (
        "TARVO (Wire) - The Kessar-led coalition said it struck the town. Orlen-led coalition jets flew on.\n\n"
        "Kurdish-led forces held the bridge."
    )
    assert [c.text for c in led_spans(article)] == ["Kessar-led coalition", "Orlen-led coalition"]
    assert names_a_body_of_its_own("Kessar-led coalition")


def test_a_subject_that_arms_is_a_backer_only_with_its_auxiliary() -> None:
    from summarizer.candidates import support_cues

    article = "TARVO (Wire) - Fighting went on.\n\nRebels armed the villagers. Kessaria had armed them for years."
    assert set(support_cues(article)) == {"Kessaria"}
