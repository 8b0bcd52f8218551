"""Read and check article text: UTF-8 only (a BOM is allowed), not empty, not binary; line breaks."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


class ArticleError(ValueError):
    """The input is not a usable article; the message says why in one line."""


def decode_article(data: bytes, name: str = "input") -> str:
    """Decode article bytes as UTF-8 (BOM stripped) and check the text is usable."""
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    data = data[skip:]
    if b"\x00" in data:
        raise ArticleError(f"{name}: looks like a binary file (contains NUL bytes), not a UTF-8 article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{name}: not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start + skip})"
        ) from None
    check_article(text, name)
    return text


def check_article(text: object, name: str = "input") -> str:
    """Raise ``ArticleError`` unless ``text`` is a non-blank string."""
    if not isinstance(text, str):
        raise ArticleError(f"{name}: article must be a str, got {type(text).__name__}")
    if not text.strip():
        raise ArticleError(f"{name}: article is empty" if not text else f"{name}: article is only whitespace")
    return text


def read_article(path: str) -> str:
    """Read an article from a file path, or from standard input when ``path`` is ``-``."""
    if path == "-":
        return decode_article(sys.stdin.buffer.read(), "stdin")
    p = Path(path)
    if not p.exists():
        raise ArticleError(f"{path}: no such file")
    if p.is_dir():
        raise ArticleError(f"{path}: is a directory, not an article file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read ({exc.strerror})") from None
    return decode_article(data, path)


# Characters read as a plain space: no-break, figure, narrow no-break, thin, hair, en/em and ideographic spaces.
SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# Characters left out: soft hyphen, zero-width space, word joiner, a byte-order mark inside the text.
INVISIBLE = "\u00ad\u200b\u2060\ufeff"
_PLAIN = str.maketrans(dict.fromkeys(SPACES, " ") | {"\r": "\n"})


def plain_text(text: str, leave_out: Sequence[tuple[int, int]] = ()) -> tuple[str, list[int] | None]:
    """``text`` as the model and the rules read it, and where each character of that copy stands in
    ``text`` (None when nothing changed: the copy is ``text``). Windows line breaks (``\\r\\n``) become
    ``\\n``, a lone ``\\r`` (old Mac) ``\\n``; ``SPACES`` become a plain space; ``INVISIBLE`` characters
    are left out, and so are the ``leave_out`` stretches (text aimed at the model: ``aimed.aimed_at_model``).

    Scraped and Windows text thus gets the answer its plain version gets (the model copies names with
    plain spaces, the rules see plain line breaks); spans found in the copy are moved back into ``text``
    and strings re-read from it (``grounding.to_article``).
    """
    if not leave_out and not any(c == "\r" or c in SPACES or c in INVISIBLE for c in text):
        return text, None
    dropped = set().union(*(range(s, e) for s, e in leave_out))
    starts = [
        i
        for i, c in enumerate(text)
        if c not in INVISIBLE and not (c == "\r" and text[i + 1 : i + 2] == "\n") and i not in dropped
    ]
    return "".join(text[i] for i in starts).translate(_PLAIN), starts
