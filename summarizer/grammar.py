"""Compile the generation schema into an llguidance Lark grammar for one article.

The grammar accepts exactly the compact JSON (no free whitespace, keys in schema order) that the
generation schema describes, with one addition that JSON Schema cannot say: every ``x-verbatim``
string must be a substring of the article (JSON-escaped, one chunk per escaped character so that an
escape is never cut in half), and the quotes list is every passage that stands inside quotation marks,
in article order, with its text forced (the model fills in speaker and affiliation only).
Uniqueness is left to the parser (llguidance's JSON support has no ``uniqueItems``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from summarizer.textspans import body_ranges, quoted_passages

# Verbatim strings are at least this many characters (no one-letter "names").
MIN_VERBATIM = 2
# Quoted passages shorter than this many words (single-word scare quotes) are not offered as quotes.
MIN_QUOTE_WORDS = 2
# A short passage of capitalised words only, with no closing punctuation, is a name or nickname in quotation
# marks ("El Chapo", "Los Chapitos"), not speech: it is not offered either.
_NAME_IN_MARKS = re.compile(r"(?:[A-Z][\w'’-]*\s+){0,2}[A-Z][\w'’-]*")


def split_passage(passage: str, max_len: int) -> list[str]:
    """Cut a passage longer than ``max_len`` at sentence ends (else spaces) into pieces that fit."""
    out, rest = [], passage
    while len(rest) > max_len:
        window = rest[:max_len]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        cut = cut + 1 if cut > 0 else window.rfind(" ")
        if cut <= 0:
            cut = max_len
        out.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        out.append(rest)
    return out


def parser_limits() -> Any:
    """llguidance limits for these grammars: the mention terminals (article substrings intersected
    with shape patterns) need more lexer fuel than llguidance's defaults allow."""
    import llguidance

    return llguidance.LLParserLimits(initial_lexer_fuel=50_000_000, step_lexer_fuel=5_000_000)


class GrammarError(ValueError):
    """The schema uses a construct this compiler does not support."""


def json_chunks(text: str) -> list[str]:
    """The JSON-escaped form of ``text``, one escaped character per chunk."""
    return [json.dumps(ch, ensure_ascii=False)[1:-1] for ch in text]


def json_word_chunks(text: str) -> list[str]:
    """The JSON-escaped form of ``text``, one word, whitespace run or other character per chunk, so
    that a substring made of whole chunks starts and ends at word boundaries (no "Tah" for "Tahrir")
    and never cuts an escape in half. The model may still split a chunk across several tokens."""
    return [json.dumps(piece, ensure_ascii=False)[1:-1] for piece in re.findall(r"\w+|\s+|[^\w\s]", text)]


# What a mention must look like, by the schema's ``x-mention`` (on top of standing in the article):
# a place has a capital letter (places are named); an actor has a capital letter or a word for an
# armed body ("the army", "insurgents"). This keeps out substrings such as "east of the capital".
_CAPITAL = r"/.*\p{Lu}.*/"
_ARMED_WORDS = (
    "army|armies|forces|force|troops|soldiers|military|militia|militias|militiamen|rebels|rebel|insurgents|"
    "fighters|guerrillas|guerrilla|jihadists|militants|police|policemen|guards|guard|brigades|brigade|"
    "battalions|battalion|regiments|regiment|division|units|unit|gunmen|separatists|coalition|alliance|"
    "government|junta|navy|paramilitaries|paramilitary|commandos|marines|mercenaries|factions|faction|"
    "groups|group|movement|front|command|opposition|gangs|gang|cartel|cartels"
)
MENTION_REGEX = {
    "place": _CAPITAL,
    "actor": f"({_CAPITAL} | /(.*[^\\p{{L}}])?({_ARMED_WORDS})([^\\p{{L}}].*)?/)",
}


def _lit(s: str) -> str:
    """A Lark string literal matching ``s`` exactly."""
    return json.dumps(s, ensure_ascii=False)


# A JSON string character: no quote, backslash or control character, or a simple escape
# (no \/ escape: '/' would end the Lark regex). CJK and full-width characters are left out: the
# bundled Qwen model otherwise drifts into Chinese in free text.
_FREE_CHAR = r'([^"\\\x00-\x1F\x7F\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]|\\["\\bfnrt])'


class _Compiler:
    def __init__(self, schema: dict[str, Any], article: str, quote_texts: list[str]) -> None:
        self.root = schema
        self.defs = schema.get("$defs", {})
        self.rules: dict[str, str] = {}
        self.article = article
        self.quote_texts = quote_texts
        self.n = 0

    def _name(self, base: str) -> str:
        self.n += 1
        return f"{base}_{self.n}"

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/$defs/"):
                raise GrammarError(f"unsupported $ref {ref}")
            node = self.defs[ref.split("/")[-1]]
        return node

    def _terminal(self, key: str, body: str) -> str:
        if key not in self.rules:
            self.rules[key] = body
        return key

    def quotes(self, array: dict[str, Any]) -> str:
        """The quotes list: every quoted passage, in article order, each with its text forced.

        The model only attributes (speaker, affiliation); it can neither skip, reorder nor write
        a quote's text, and the forced text costs no model steps.
        """
        array = self._deref(array)
        hi = int(array.get("maxItems", 10))
        item = self._deref(array["items"])
        texts = self.quote_texts[:hi]
        if not texts:
            return '"[]"'
        items = []
        for text in texts:
            parts = []
            for i, (key, sub) in enumerate(item["properties"].items()):
                prefix = ("{" if i == 0 else ",") + json.dumps(key) + ":"
                value = _lit(json.dumps(text, ensure_ascii=False)) if key == "text" else self.node(sub)
                parts.append(f"{_lit(prefix)} {value}")
            items.append(" ".join(parts) + ' "}"')
        rule = self._name("quotes")
        self.rules[rule] = '"[" ' + ' "," '.join(items) + ' "]"'
        return rule

    def verbatim(self, max_len: int, mention: str | None = None) -> str:
        self.rules.setdefault(
            "ARTICLE_SUB",
            "%regex " + json.dumps({"substring_chunks": json_word_chunks(self.article)}, ensure_ascii=False),
        )
        # single spaces between words, none at the ends, no escape (so no line break, tab or quote
        # mark inside), and a name or place of at most 8 words
        words = "{0,7}" if mention else "*"
        body = f"ARTICLE_SUB & /[^ \\\\]+( [^ \\\\]+){words}/ & /.{{{MIN_VERBATIM},{max_len}}}/"
        if mention is not None:
            if mention not in MENTION_REGEX:
                raise GrammarError(f"unknown x-mention {mention!r}")
            body += f" & {MENTION_REGEX[mention]}"
        name = self._terminal(f"VERB_{(mention or 'ANY').upper()}_{max_len}", body)
        return f'"\\"" {name} "\\""'

    def node(self, node: dict[str, Any], verbatim: bool = False, mention: str | None = None) -> str:
        node = self._deref(node)
        verbatim = verbatim or bool(node.get("x-verbatim"))
        mention = mention or node.get("x-mention")
        if "anyOf" in node:
            alts = [self.node(a, verbatim, mention) for a in node["anyOf"]]
            return "(" + " | ".join(alts) + ")"
        if "enum" in node:
            return "(" + " | ".join(_lit(json.dumps(v, ensure_ascii=False)) for v in node["enum"]) + ")"
        if "const" in node:
            return _lit(json.dumps(node["const"], ensure_ascii=False))
        typ = node.get("type")
        if typ == "null":
            return '"null"'
        if typ == "string":
            lo, hi = int(node.get("minLength", 0)), int(node.get("maxLength", 200))
            if verbatim:
                return self.verbatim(hi, mention)
            return self._terminal(f"FREE_{lo}_{hi}", f'/"{_FREE_CHAR}{{{lo},{hi}}}"/')
        if typ == "array":
            hi = node.get("maxItems")
            if hi is None:
                raise GrammarError("arrays need maxItems so that generation stays bounded")
            if hi == 0:
                return '"[]"'
            item = self.node(node["items"], verbatim, mention)
            rule = self._name("arr")
            self.rules[rule] = f'"[" ({item} ("," {item}){{0,{hi - 1}}})? "]"'
            return rule
        if typ == "object":
            props = node.get("properties", {})
            if not props:
                raise GrammarError("objects need properties")
            parts = []
            for i, (key, sub) in enumerate(props.items()):
                prefix = ("{" if i == 0 else ",") + json.dumps(key) + ":"
                if node.get("title") == "ConflictSummary" and key == "quotes":
                    parts.append(f"{_lit(prefix)} {self.quotes(sub)}")
                    continue
                parts.append(f"{_lit(prefix)} {self.node(sub)}")
            rule = self._name(str(node.get("title", "obj")).lower())
            self.rules[rule] = " ".join(parts) + ' "}"'
            return rule
        raise GrammarError(f"unsupported schema node: {json.dumps(node)[:80]}")


def quote_texts(article: str, max_len: int) -> list[str]:
    """The quote texts the grammar offers: each quoted passage of two words or more (one word in
    quotation marks is a scare quote; short verbless fragments are optional under the guide, so
    offering them costs nothing, while short ones with a verb are quotes) that is not a name in quotation
    marks ("El Chapo"), a trailing comma dropped, cut to fit
    ``max_len``, in article order, without repeats. Passages in photo captions, datelines and other
    boilerplate paragraphs are not offered."""
    out: dict[str, None] = {}
    body = body_ranges(article)
    for p in quoted_passages(article):
        if not any(s <= p.start < e for s, e in body):
            continue
        text = p.text.rstrip(",").rstrip()
        if len(text.split()) < MIN_QUOTE_WORDS or _NAME_IN_MARKS.fullmatch(text):
            continue
        for piece in split_passage(text, max_len):
            out.setdefault(piece)
    return list(out)


def build_lark(schema: dict[str, Any], article: str) -> str:
    """Return the Lark grammar text for ``schema`` constrained to ``article``."""
    quote = schema.get("$defs", {}).get("Quote", {}).get("properties", {}).get("text", {})
    comp = _Compiler(schema, article, quote_texts(article, int(quote.get("maxLength", 400))))
    start = comp.node(schema)
    lines = [f"start: {start}"]
    lines += [f"{k}: {v}" for k, v in comp.rules.items()]
    return "\n".join(lines) + "\n"
