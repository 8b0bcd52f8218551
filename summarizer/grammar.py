"""Compile the generation schema into an llguidance Lark grammar for one article.

The grammar accepts exactly the compact JSON (no free whitespace, keys in schema order) that the
generation schema describes, with one addition that JSON Schema cannot say: every ``x-verbatim``
string must be a substring of the article (JSON-escaped, one chunk per escaped character so that an
escape is never cut in half), and a quote's ``text`` must be a substring of one passage that stands
inside quotation marks. Uniqueness is left to the parser (llguidance's JSON support has no
``uniqueItems``).
"""

from __future__ import annotations

import json
from typing import Any

from summarizer.textspans import quoted_passages


# Verbatim strings are at least this many characters (no one-letter "names").
MIN_VERBATIM = 2


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


class GrammarError(ValueError):
    """The schema uses a construct this compiler does not support."""


def json_chunks(text: str) -> list[str]:
    """The JSON-escaped form of ``text``, one escaped character per chunk."""
    return [json.dumps(ch, ensure_ascii=False)[1:-1] for ch in text]


def _lit(s: str) -> str:
    """A Lark string literal matching ``s`` exactly."""
    return json.dumps(s, ensure_ascii=False)


# A JSON string character: no quote, backslash or control character, or a simple escape
# (no \/ escape: '/' would end the Lark regex).
_FREE_CHAR = r'([^"\\\x00-\x1F\x7F]|\\["\\bfnrt])'


class _Compiler:
    def __init__(self, schema: dict[str, Any], article: str, quote_passages: list[str]) -> None:
        self.root = schema
        self.defs = schema.get("$defs", {})
        self.rules: dict[str, str] = {}
        self.article = article
        self.quote_passages = quote_passages
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

    def verbatim(self, max_len: int, kind: str) -> str:
        if kind == "quote_text":
            # a quote's text is one whole quoted passage: the model picks, it cannot write, and once
            # the first tokens single a passage out the rest is forced (no model steps)
            name = "quote_text"
            if name not in self.rules:
                pieces = dict.fromkeys(x for p in self.quote_passages for x in split_passage(p, max_len))
                self.rules[name] = " | ".join(_lit(json.dumps(x, ensure_ascii=False)) for x in pieces)
            return name
        self.rules.setdefault(
            "ARTICLE_SUB",
            "%regex " + json.dumps({"substring_chunks": json_chunks(self.article)}, ensure_ascii=False),
        )
        name = self._terminal(f"VERB_{max_len}", f"ARTICLE_SUB & /.{{{MIN_VERBATIM},{max_len}}}/")
        return f'"\\"" {name} "\\""'

    def node(self, node: dict[str, Any], verbatim: bool = False, field: str = "") -> str:
        node = self._deref(node)
        verbatim = verbatim or bool(node.get("x-verbatim"))
        if "anyOf" in node:
            alts = [self.node(a, verbatim, field) for a in node["anyOf"]]
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
                return self.verbatim(hi, "quote_text" if field == "quote_text" else "article")
            return self._terminal(f"FREE_{lo}_{hi}", f'/"{_FREE_CHAR}{{{lo},{hi}}}"/')
        if typ == "array":
            hi = node.get("maxItems")
            if hi is None:
                raise GrammarError("arrays need maxItems so that generation stays bounded")
            if hi == 0:
                return '"[]"'
            item = self.node(node["items"], verbatim, field)
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
                sub_field = "quote_text" if (node.get("title") == "Quote" and key == "text") else key
                if node.get("title") == "ConflictSummary" and key == "quotes" and not self.quote_passages:
                    parts.append(f'{_lit(prefix)} "[]"')
                    continue
                parts.append(f"{_lit(prefix)} {self.node(sub, False, sub_field)}")
            rule = self._name(str(node.get("title", "obj")).lower())
            self.rules[rule] = " ".join(parts) + ' "}"'
            return rule
        raise GrammarError(f"unsupported schema node: {json.dumps(node)[:80]}")


def build_lark(schema: dict[str, Any], article: str) -> str:
    """Return the Lark grammar text for ``schema`` constrained to ``article``."""
    passages = list(dict.fromkeys(p.text for p in quoted_passages(article)))
    comp = _Compiler(schema, article, passages)
    start = comp.node(schema)
    lines = [f"start: {start}"]
    lines += [f"{k}: {v}" for k, v in comp.rules.items()]
    return "\n".join(lines) + "\n"
