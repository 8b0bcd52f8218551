"""Text inside an article that is aimed at the model rather than at readers (prompt injection).

A paragraph that addresses AI systems ("Note to AI models summarizing this article: ..."), tells the
reader to ignore previous instructions, or carries chat-template markup (``<|im_start|>``, ``[INST]``)
is set aside: the model and the rules read the article without it (``article.plain_text``), so nothing
it says can become an item, a quote or a span. Measured before this: one such paragraph added to the
example article made NATO and "the Swiss army" its belligerents, Geneva and Zurich its places, and
"We surrender to the Swiss" a quote, and cost it the Syrian army and Tahrir al-Sham.

The patterns ask for wording that news prose does not use (an instruction override, an address to AI
systems, template tokens), so that an ordinary paragraph is never set aside; a paragraph that is most
of the article is not set aside whole, only from the sentence that matched, for at most
``MAX_SENTENCE_SPAN`` characters.
"""

from __future__ import annotations

import re

_AI = (
    r"(?:AI|A\.I\.|artificial intelligence|LLMs?|large language models?|language models?|chatbots?|GPT\w*|"
    r"AI (?:models?|systems?|assistants?|agents?|tools?|readers?)|summari[sz]ers?|summari[sz]ation (?:tools?|"
    r"systems?|models?))"
)
PATTERNS = [
    # an instruction override, said as an order: "ignore all previous instructions", "Disregard the above
    # prompt" (at a sentence's start or after a colon; "troops were told to ignore previous instructions" is news)
    re.compile(
        r"(?:^|[.!?:;]\s*|\n\s*|[\"“]\s*)(?P<hit>(?:please\s+)?(?:ignore|disregard|forget|override))\s+"
        r"(?:all\s+|any\s+|of\s+)*(?:the\s+|your\s+|these\s+|those\s+|my\s+)?"
        r"(?:previous|prior|above|earlier|preceding|original|system)\s+(?:instructions?|prompts?)\b",
        re.IGNORECASE,
    ),
    # an address to AI systems: "Note to AI models", "Instructions for language models", "Attention, chatbots"
    # (then a participle or a punctuation mark: "a message to AI companies" is news)
    re.compile(
        rf"\b(?:note|message|instructions?|attention|warning|request)\s*(?:to|for|,)\s*(?:any\s+|all\s+|the\s+)?"
        rf"{_AI}(?:\s+(?:and|or)\s+\w+)?(?:\s+\w+ing\b|\s*[:,.;!\-—])",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:if\s+)?you\s+are\s+(?:an?\s+)?{_AI}\b", re.IGNORECASE),
    re.compile(
        rf"\b{_AI}\s+(?:that\s+(?:is|are)\s+)?(?:reading|summari[sz]ing|processing|parsing|analy[sz]ing|"
        rf"extracting\s+from)\s+(?:this|the\s+following)\b",
        re.IGNORECASE,
    ),
    # chat-template markup, which a tokenizer would read as the template's own tokens, and a prompt's
    # section heading on a line of its own ("### Instruction"; "## System failure" is a heading of news)
    re.compile(
        r"<\|[A-Za-z_]{2,20}\|>|\[/?INST\]|<</?SYS>>"
        r"|^[ \t]*#{2,}[ \t]*(?:system|instructions?|response)[ \t]*:?[ \t]*$",
        re.M | re.I,
    ),
]
MAX_PARAGRAPH_SHARE = 0.5  # a paragraph longer than this share of the article is not set aside whole
MAX_SENTENCE_SPAN = 600
SENTENCES_AFTER = 2  # in such a paragraph, sentences set aside after the last one that matched
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?=\s|$)")


def _blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of the blocks of ``text`` between blank lines."""
    return [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?![ \t\r]*\n))*", text)]


def aimed_at_model(text: str) -> list[tuple[int, int]]:
    """(start, end) of each stretch of ``text`` aimed at the model, in order, not overlapping: the
    paragraph (block between blank lines) of each match with its blank lines, or in a paragraph longer than
    ``MAX_PARAGRAPH_SHARE`` of the article, the sentences from the first match to ``SENTENCES_AFTER``
    sentences after the last (at most ``MAX_SENTENCE_SPAN`` characters past the last match)."""
    hits = sorted({m.start("hit" if "hit" in p.groupindex else 0) for p in PATTERNS for m in p.finditer(text)})
    if not hits:
        return []
    out: list[tuple[int, int]] = []
    blocks = _blocks(text)
    for n, (start, end) in enumerate(blocks):
        inside = [h for h in hits if start <= h < end]
        if not inside:
            continue
        if end - start <= MAX_PARAGRAPH_SHARE * len(text.strip()):
            # with the blank lines after it (before it, for the last), so that the rest reads as the
            # article would without it
            if n + 1 < len(blocks):
                out.append((start, blocks[n + 1][0]))
            else:
                out.append((blocks[n - 1][1] if n else start, end))
            continue
        ends = [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
        lo = max([start] + [e for e in ends if e <= inside[0]])
        after = [e for e in ends if e > inside[-1]][: SENTENCES_AFTER + 1]
        hi = min(after[-1] if after else end, inside[-1] + MAX_SENTENCE_SPAN)
        out.append((lo, hi))
    return out
