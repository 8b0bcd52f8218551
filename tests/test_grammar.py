"""The Lark grammar built for one article, run through llguidance with a byte-level test tokenizer.

No model is loaded: the tokenizer has one token per byte (plus ``<|endoftext|>``), so every candidate
answer can be fed to the matcher byte by byte.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import llguidance
import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

from summarizer import schema as S
from summarizer.grammar import (
    MIN_QUOTE_WORDS,
    MIN_VERBATIM,
    GrammarError,
    build_lark,
    json_chunks,
    parser_limits,
    quote_texts,
    split_passage,
)
from summarizer.schema import generation_schema


def _byte_level_tokenizer() -> llguidance.LLTokenizer:
    # GPT-2's byte -> printable character table, so that token id == byte value
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    tok = Tokenizer(models.BPE(vocab={chars[b]: b for b in range(256)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<|endoftext|>"])
    return llguidance.LLTokenizer(tok.to_str(), eos_token=256)


LLTOK = _byte_level_tokenizer()


def test_tokenizer_is_byte_level() -> None:
    s = '{"a":"\u00e9\\"x"}\n'
    ids = LLTOK.tokenize_str(s)
    assert ids == list(s.encode("utf-8"))
    assert LLTOK.decode_str(ids) == s
    assert LLTOK.vocab_size == 257
    assert LLTOK.eos_token == 256


def matcher(lark: str) -> llguidance.LLMatcher:
    m = llguidance.LLMatcher(LLTOK, llguidance.LLMatcher.grammar_from_lark(lark), limits=parser_limits())
    assert not m.is_error(), m.get_error()
    return m


def accepts(lark: str, answer: str) -> bool:
    """True when the grammar allows every byte of ``answer`` and can stop right after it."""
    m = matcher(lark)
    toks = LLTOK.tokenize_str(answer)
    if m.validate_tokens(toks) < len(toks):
        return False
    assert m.consume_tokens(toks)
    assert not m.is_error()
    return m.is_accepting()


def compact(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


ARTICLE = (
    "The Syrian army sent tanks to Hama on Monday, and Russia backed it with air strikes.\n\n"
    '"We will surely win this battle," said a Syrian military source. "The rebels are retreating now."'
)
# what the grammar offers as quote texts: every passage of MIN_QUOTE_WORDS words or more, in order,
# a trailing comma dropped
QUOTE_TEXTS = ["We will surely win this battle", "The rebels are retreating now."]


def good() -> dict[str, Any]:
    return {
        "summary": "The army sent tanks to Hama.",
        "belligerents": [
            {"name": "Syrian army", "aliases": ["army"], "side": "government", "role": "combatant"},
            {"name": "Russia", "aliases": [], "side": "government", "role": "supporter"},
        ],
        "locations": [{"name": "Hama", "aliases": [], "type": "city", "within": None}],
        "reinforcements": [
            {
                "sender": "Syrian army",
                "forces": "tanks",
                "destination": "Hama",
                "origin": None,
                "status": "arrived",
            }
        ],
        "quotes": [
            {
                "text": QUOTE_TEXTS[0],
                "speaker": "a Syrian military source",
                "speaker_affiliation": "Syrian army",
            },
            {"text": QUOTE_TEXTS[1], "speaker": "a Syrian military source", "speaker_affiliation": None},
        ],
    }


def no_lists(**kw: Any) -> dict[str, Any]:
    return {"summary": "x", "belligerents": [], "locations": [], "reinforcements": [], "quotes": [], **kw}


@pytest.fixture(scope="module")
def lark() -> str:
    return build_lark(generation_schema(), ARTICLE)


def test_grammar_compiles(lark: str) -> None:
    assert lark.startswith("start: ")
    grammar = llguidance.LLMatcher.grammar_from_lark(lark)
    assert llguidance.LLMatcher.validate_grammar(grammar, LLTOK) == ""
    matcher(lark)


def test_valid_compact_answer_is_accepted(lark: str) -> None:
    assert accepts(lark, compact(good()))


def test_empty_entity_lists_are_accepted(lark: str) -> None:
    doc = dict(good(), belligerents=[], locations=[], reinforcements=[])
    assert accepts(lark, compact(doc))


def test_incomplete_answer_is_not_accepting(lark: str) -> None:
    assert not accepts(lark, compact(good())[:-1])


def test_matcher_stops_after_the_object(lark: str) -> None:
    assert not accepts(lark, compact(good()) + " ")
    assert not accepts(lark, compact(good()) + "\n")


def mutate(path: tuple, value: Any, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(doc or good())
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    "path, value",
    [
        (("belligerents", 0, "name"), "Russian army"),
        (("belligerents", 0, "aliases"), ["the navy"]),
        (("belligerents", 0, "name"), "syrian army"),  # case matters: verbatim
        (("locations", 0, "name"), "Homs"),
        (("locations", 0, "within"), "Aleppo"),
        (("reinforcements", 0, "forces"), "troops"),
        (("reinforcements", 0, "origin"), "Damascus"),
        (("quotes", 0, "speaker"), "a Syrian official"),
    ],
)
def test_name_not_in_article_is_refused(lark: str, path: tuple, value: Any) -> None:
    assert not accepts(lark, compact(mutate(path, value)))


@pytest.mark.parametrize(
    "path, value",
    [
        (("belligerents", 1, "name"), "Russia backed it with air strikes"),
        (("locations", 0, "within"), "Monday"),
        (("quotes", 1, "speaker"), "Syrian military source"),
    ],
)
def test_any_substring_of_article_is_allowed(lark: str, path: tuple, value: Any) -> None:
    assert accepts(lark, compact(mutate(path, value)))


def test_one_letter_name_is_refused(lark: str) -> None:
    assert MIN_VERBATIM == 2
    assert not accepts(lark, compact(mutate(("belligerents", 1, "name"), "R")))
    assert accepts(lark, compact(mutate(("belligerents", 1, "name"), "Russia")))


@pytest.mark.parametrize("name", ["Rus", "yrian army", "Syrian army ", " Syrian army"])
def test_mentions_start_and_end_at_word_boundaries(lark: str, name: str) -> None:
    assert not accepts(lark, compact(mutate(("belligerents", 1, "name"), name)))


@pytest.mark.parametrize(
    "path, value, ok",
    [
        (("belligerents", 1, "name"), "air strikes", False),  # no capital, no word for an armed body
        (("belligerents", 1, "name"), "army", True),  # an armed body, lower case
        (("belligerents", 1, "name"), "backed it with air", False),
        (("locations", 0, "name"), "on Monday", True),  # a capital letter: shape only, not meaning
        (("locations", 0, "name"), "sent tanks", False),  # places are named
    ],
)
def test_mention_shapes(lark: str, path: tuple, value: str, ok: bool) -> None:
    assert accepts(lark, compact(mutate(path, value))) is ok


@pytest.mark.parametrize(
    "text",
    [
        "We will surely win",  # part of a passage
        "win this battle",
        "We will surely win this battle,",  # the trailing comma is not offered
        "We will surely win this battle, The rebels are retreating now.",
        "The Syrian army sent tanks to Hama",  # in the article but not inside quotation marks
        "We will surely lose this battle",
    ],
)
def test_quote_text_must_be_a_whole_passage(lark: str, text: str) -> None:
    assert not accepts(lark, compact(mutate(("quotes", 0, "text"), text)))


def test_quotes_are_all_passages_in_article_order(lark: str) -> None:
    doc = good()
    assert not accepts(lark, compact(dict(doc, quotes=[])))
    assert not accepts(lark, compact(dict(doc, quotes=doc["quotes"][:1])))
    assert not accepts(lark, compact(dict(doc, quotes=doc["quotes"][::-1])))
    assert not accepts(lark, compact(dict(doc, quotes=doc["quotes"] + doc["quotes"][:1])))


@pytest.mark.parametrize(
    "answer",
    [
        lambda s: s.replace('"summary":', '"summary": ', 1),
        lambda s: s.replace(',"belligerents":', ', "belligerents":', 1),
        lambda s: s.replace("[{", "[ {", 1),
        lambda s: " " + s,
        lambda s: json.dumps(json.loads(s)),  # json.dumps default separators
        lambda s: json.dumps(json.loads(s), indent=2),
    ],
    ids=["after colon", "after comma", "in array", "leading", "default separators", "indented"],
)
def test_free_whitespace_is_refused(lark: str, answer: Any) -> None:
    assert accepts(lark, compact(good()))
    assert not accepts(lark, answer(compact(good())))


def test_keys_must_follow_schema_order(lark: str) -> None:
    doc = good()
    reordered = {k: doc[k] for k in ("belligerents", "summary", "locations", "reinforcements", "quotes")}
    assert not accepts(lark, compact(reordered))
    missing = {k: v for k, v in doc.items() if k != "reinforcements"}
    assert not accepts(lark, compact(missing))


@pytest.mark.parametrize(
    "path, value",
    [
        (("belligerents", 0, "role"), "observer"),
        (("belligerents", 0, "role"), "Combatant"),
        (("locations", 0, "type"), "capital"),
        (("reinforcements", 0, "status"), "under way"),
        (("reinforcements", 0, "status"), None),
    ],
)
def test_enum_value_outside_enum_is_refused(lark: str, path: tuple, value: Any) -> None:
    assert not accepts(lark, compact(mutate(path, value)))


@pytest.mark.parametrize("status", ["planned", "under_way", "arrived"])
def test_every_enum_value_is_allowed(lark: str, status: str) -> None:
    assert accepts(lark, compact(mutate(("reinforcements", 0, "status"), status)))


def test_free_text_fields(lark: str) -> None:
    assert accepts(lark, compact(mutate(("belligerents", 0, "side"), "pro-Assad forces")))
    assert accepts(lark, compact(mutate(("summary",), 'Tanks "moved" north.\nMore later.')))
    assert accepts(lark, compact(mutate(("quotes", 0, "speaker_affiliation"), "Syrian Arab Army")))
    assert not accepts(lark, compact(mutate(("summary",), "")))
    side = ("belligerents", 0, "side")
    assert accepts(lark, compact(mutate(side, "x" * S.MAX_SIDE)))
    assert not accepts(lark, compact(mutate(side, "x" * (S.MAX_SIDE + 1))))


def test_array_bounds(lark: str) -> None:
    aliases = ("belligerents", 0, "aliases")
    assert accepts(lark, compact(mutate(aliases, ["army"] * S.MAX_ALIASES)))
    assert not accepts(lark, compact(mutate(aliases, ["army"] * (S.MAX_ALIASES + 1))))


def test_article_without_quotation_marks_forces_empty_quotes() -> None:
    article = "The Syrian army sent tanks to Hama on Monday. The army said the town was quiet."
    lark = build_lark(generation_schema(), article)
    doc = dict(good(), quotes=[], belligerents=good()["belligerents"][:1])
    assert accepts(lark, compact(doc))
    quote = {"text": "the town was quiet", "speaker": "The army", "speaker_affiliation": None}
    assert not accepts(lark, compact(dict(doc, quotes=[quote])))
    assert not accepts(lark, compact(dict(doc, quotes=good()["quotes"])))


def test_article_with_quote_and_newline_is_escaped() -> None:
    article = 'Fighters of Jaish "al-Fatah" attacked Idlib.\nThe army said it held\tthe city.'
    lark = build_lark(generation_schema(), article)
    matcher(lark)

    def doc(name: str, aliases: list[str]) -> str:
        return compact(no_lists(belligerents=[{"name": name, "aliases": aliases, "side": "s", "role": "combatant"}]))

    assert accepts(lark, doc("Jaish", ["The army"]))
    # a mention never holds an escape: no quote mark, line break or tab inside a name
    assert not accepts(lark, doc('Jaish "al-Fatah"', []))
    assert not accepts(lark, doc("Jaish", ["Idlib.\nThe army"]))
    assert not accepts(lark, doc("Jaish", ["The army said it held\tthe city"]))
    # the raw (unescaped) characters are not JSON either
    assert not accepts(lark, doc("Jaish", ["Idlib.\nThe army"]).replace("\\n", "\n"))
    # "al-Fatah" is a one-word scare quote: not offered as a quote
    q = {"text": "al-Fatah", "speaker": "The army", "speaker_affiliation": None}
    assert not accepts(lark, compact(no_lists(quotes=[q])))


def test_mentions_have_at_most_eight_words() -> None:
    article = "Fighters of the First Second Third Fourth Fifth Sixth Seventh Eighth Ninth Brigade attacked."
    lark = build_lark(generation_schema(), article)

    def doc(name: str) -> str:
        return compact(no_lists(belligerents=[{"name": name, "aliases": [], "side": "s", "role": "combatant"}]))

    assert accepts(lark, doc("Second Third Fourth Fifth Sixth Seventh Eighth Ninth"))
    assert not accepts(lark, doc("First Second Third Fourth Fifth Sixth Seventh Eighth Ninth"))


def test_passage_containing_straight_quotes() -> None:
    article = 'The army said \u00abwe hold "the" city\u00bb on Monday.'
    lark = build_lark(generation_schema(), article)
    q = {"text": 'we hold "the" city', "speaker": "The army", "speaker_affiliation": None}
    assert accepts(lark, compact(no_lists(quotes=[q])))
    assert not accepts(lark, compact(no_lists(quotes=[dict(q, text="we hold the city")])))


def test_long_passage_is_offered_in_pieces() -> None:
    sentence = "Our forces hold every road into the valley. "
    passage = (sentence * 12).strip()
    assert len(passage) > S.MAX_QUOTE_TEXT
    article = f"The commander said: \u201c{passage}\u201d"
    lark = build_lark(generation_schema(), article)
    pieces = split_passage(passage, S.MAX_QUOTE_TEXT)
    assert len(pieces) == 2
    assert quote_texts(article, S.MAX_QUOTE_TEXT) == pieces
    quotes = [{"text": p, "speaker": "The commander", "speaker_affiliation": None} for p in pieces]
    assert accepts(lark, compact(no_lists(quotes=quotes)))
    assert not accepts(lark, compact(no_lists(quotes=[dict(quotes[0], text=passage)])))


def test_quote_texts() -> None:
    article = (
        "\u201cWe will hold the line,\u201d he said. The so-called \u201csafe zone\u201d was shelled.\n"
        '\u201cWe will hold the line,\u201d he repeated. "Civilians are leaving the city now."'
    )
    assert MIN_QUOTE_WORDS == 2
    # a one-word scare quote is never offered; a two-word one is (the guide makes it optional)
    assert quote_texts("The so-called \u201czone\u201d was shelled.", 400) == []
    assert quote_texts(article, 400) == ["We will hold the line", "safe zone", "Civilians are leaving the city now."]
    assert quote_texts("No quotation marks here.", 400) == []


def test_example_article_answer_is_accepted(example_article: str) -> None:
    lark = build_lark(generation_schema(), example_article)
    source = "a Syrian military source"
    fsa = "the FSA commander identified as a lieutenant in the Ezza Army group"
    doc = {
        "summary": "The Syrian army sends reinforcements to Hama province against a rebel offensive.",
        "belligerents": [
            {
                "name": "Syrian army",
                "aliases": ["the army", "President Bashar al-Assad"],
                "side": "government",
                "role": "combatant",
            },
            {"name": "Tahrir al-Sham", "aliases": [], "side": "rebels", "role": "combatant"},
            {"name": "Free Syrian Army", "aliases": ["FSA"], "side": "rebels", "role": "combatant"},
            {"name": "Russia", "aliases": [], "side": "government", "role": "supporter"},
        ],
        "locations": [
            {"name": "Hama province", "aliases": ["Hama"], "type": "province", "within": "Syria"},
            {"name": "Soran", "aliases": ["Soran district"], "type": "town", "within": "Hama province"},
        ],
        "reinforcements": [
            {
                "sender": "Syrian army",
                "forces": "reinforcements",
                "destination": "Hama province",
                "origin": None,
                "status": "under_way",
            },
        ],
        "quotes": [
            {
                "text": "Reinforcements are now being sent",
                "speaker": source,
                "speaker_affiliation": "Syrian army",
            },
            {
                "text": "There are fierce battles between the two sides.",
                "speaker": source,
                "speaker_affiliation": "Syrian army",
            },
            {
                "text": "The battle \u2013 praise God \u2013 has been prepared for a long time and all "
                "capacities have been prepared for it so that we can wage a long battle",
                "speaker": fsa,
                "speaker_affiliation": "Ezza Army",
            },
            {
                "text": "in a number of other areas",
                "speaker": "The Ezza Army commander",
                "speaker_affiliation": None,
            },
        ],
    }
    assert accepts(lark, compact(doc))
    bad = copy.deepcopy(doc)
    bad["quotes"][2]["text"] += ","
    assert not accepts(lark, compact(bad))
    bad = copy.deepcopy(doc)
    bad["belligerents"][0]["name"] = "Syrian Arab Army"
    assert not accepts(lark, compact(bad))


def test_unbounded_array_is_a_grammar_error() -> None:
    schema = {
        "type": "object",
        "title": "X",
        "properties": {"a": {"type": "array", "items": {"type": "string"}}},
    }
    with pytest.raises(GrammarError, match="maxItems"):
        build_lark(schema, "article")


def test_external_ref_is_a_grammar_error() -> None:
    schema = {"type": "object", "title": "X", "properties": {"a": {"$ref": "other.json#/x"}}}
    with pytest.raises(GrammarError, match="ref"):
        build_lark(schema, "article")


# ---- helpers ------------------------------------------------------------------------------------------


def test_json_chunks() -> None:
    text = 'a"b\n\\\u00e9\t\u201c\x01'
    chunks = json_chunks(text)
    assert chunks == ["a", '\\"', "b", "\\n", "\\\\", "\u00e9", "\\t", "\u201c", "\\u0001"]
    assert "".join(chunks) == json.dumps(text, ensure_ascii=False)[1:-1]
    assert json_chunks("") == []


def test_split_passage_short_is_unchanged() -> None:
    assert split_passage("We will win.", 400) == ["We will win."]
    assert split_passage("x" * 10, 10) == ["x" * 10]
    assert split_passage("", 10) == []


def test_split_passage_cuts_at_sentence_ends() -> None:
    passage = "First sentence here. Second one is here! Third? Fourth sentence."
    pieces = split_passage(passage, 25)
    assert pieces == ["First sentence here.", "Second one is here!", "Third? Fourth sentence."]
    for piece in pieces:
        assert len(piece) <= 25
        assert piece in passage


def test_split_passage_cuts_at_spaces_without_sentence_end() -> None:
    passage = "one two three four five six seven eight nine ten"
    pieces = split_passage(passage, 15)
    assert all(len(p) <= 15 and p in passage for p in pieces)
    assert " ".join(pieces) == passage
    assert pieces[0] == "one two three"


def test_split_passage_hard_cut_without_spaces() -> None:
    assert split_passage("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_in_json_string() -> None:
    from summarizer.backends.transformers_backend import in_json_string

    assert in_json_string('{"summary":"Rebels')
    assert not in_json_string('{"summary":"Rebels"')
    assert in_json_string('{"a":"say \\"hi')  # an escaped quote does not close
    assert not in_json_string('{"a":"ends with a backslash \\\\"')
    assert not in_json_string('{"a":[')


def test_quotes_in_captions_are_not_offered() -> None:
    article = (
        'A still image purports to show fighters near the bridge. "We will hold this line forever" (Photo via Wire)\n\n'
        'Rebels attacked the bridge. "We will hold this line forever," a commander said.\n\n'
        '"Nobody can stop our brave fighters now" reads a banner in the caption photo: file photo'
    )
    assert quote_texts(article, 400) == ["We will hold this line forever"]


def test_prompt_examples_obey_their_own_grammar() -> None:
    """A few-shot answer the grammar would refuse would teach the model something it cannot do."""
    from summarizer.prompting import load_prompts

    examples = load_prompts().examples
    assert len(examples) >= 2
    for ex in examples:
        assert accepts(build_lark(generation_schema(), ex.article), ex.answer), ex.name


def test_a_name_in_quotation_marks_is_not_offered_as_a_quote() -> None:
    article = (
        'Ismael "El Mayo" Zambada and the "Los Chapitos" faction fought on. "Nobody slept," a resident said, '
        'and the rebels called it a "safe zone".'
    )
    assert quote_texts(article, 400) == ["Nobody slept", "safe zone"]
