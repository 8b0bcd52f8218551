"""HTML pages to article text, with BeautifulSoup (a well-kept, pure-Python parser with no network).

Story text is taken from block elements (headings, paragraphs, list items, block quotes, table cells),
one paragraph each, separated by blank lines; scripts, styles, navigation, headers, footers, asides,
forms and figure captions are dropped, so that captions are not taken for story text. Spans of a result
point into the text this returns (batch output lines carry it as ``text``).
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup

_DROP = [
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "figcaption",
    "figure",
    "iframe",
    "svg",
    "button",
]
_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "td", "th", "pre", "dd", "dt"]


def html_to_text(markup: str) -> str:
    """The readable story text of an HTML page, paragraphs separated by blank lines (NFC-normalised)."""
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    paras = []
    for block in root.find_all(_BLOCKS):
        if block.find(_BLOCKS):  # a container of other blocks: its children are taken one by one
            continue
        text = re.sub(r"\s+", " ", block.get_text(" ")).strip()
        if text:
            paras.append(text)
    if not paras:  # no block markup: the visible text as it is
        paras = [re.sub(r"[ \t]+", " ", line).strip() for line in root.get_text("\n").splitlines()]
        paras = [p for p in paras if p]
    return unicodedata.normalize("NFC", "\n\n".join(paras))
