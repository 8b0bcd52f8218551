"""Reading and checking article text: UTF-8 only, BOM allowed, not empty, not binary; one-line errors."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from summarizer.article import ArticleError, check_article, decode_article, read_article


def error(data: bytes, name: str = "input") -> str:
    with pytest.raises(ArticleError) as exc:
        decode_article(data, name)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    return message


def test_plain_utf8() -> None:
    text = "Fighting in Hama \u2013 \u201cwe hold\u201d.\n"
    assert decode_article(text.encode("utf-8")) == text


def test_bom_is_stripped() -> None:
    out = decode_article(b"\xef\xbb\xbfThe army advanced.")
    assert out == "The army advanced."
    assert not out.startswith("\ufeff")


def test_bom_only_once() -> None:
    # only a leading BOM is removed; a second one is text
    assert decode_article(b"\xef\xbb\xbf\xef\xbb\xbfx") == "\ufeffx"


@pytest.mark.parametrize(
    "data, byte, offset",
    [
        (b"abc\xffdef", "0xff", 3),
        (b"caf\xe9 au lait", "0xe9", 3),
        (b"ok \xe2\x80", "0xe2", 3),  # truncated sequence at the end
        (b"\x80", "0x80", 0),
    ],
)
def test_non_utf8_names_byte_offset(data: bytes, byte: str, offset: int) -> None:
    message = error(data, "article.txt")
    assert "not UTF-8" in message
    assert byte in message
    assert f"byte offset {offset}" in message


def test_non_utf8_offset_counts_the_bom() -> None:
    message = error(b"\xef\xbb\xbfab\xff")
    assert "byte offset 5" in message


def test_latin1_file_refused() -> None:
    message = error("S\u00e3o Paulo".encode("latin-1"))
    assert "not UTF-8" in message


@pytest.mark.parametrize("data", [b"ab\x00cd", b"\x7fELF\x02\x01\x01\x00\x00", "hi".encode("utf-16")])
def test_nul_bytes_refused_as_binary(data: bytes) -> None:
    message = error(data)
    assert "binary" in message
    assert "NUL" in message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf"])
def test_empty_refused(data: bytes) -> None:
    assert "article is empty" in error(data)


@pytest.mark.parametrize("data", [b" ", b"  \n\t \n", b"\xef\xbb\xbf \r\n", "\u00a0\u2003".encode()])
def test_whitespace_only_refused(data: bytes) -> None:
    message = error(data)
    assert "only whitespace" in message
    assert "empty" not in message


def test_check_article() -> None:
    assert check_article("x") == "x"
    with pytest.raises(ArticleError, match="must be a str, got bytes"):
        check_article(b"x")
    with pytest.raises(ArticleError, match="must be a str, got NoneType"):
        check_article(None)
    with pytest.raises(ArticleError, match="^doc: article is empty$"):
        check_article("", "doc")


def test_article_error_is_value_error() -> None:
    assert issubclass(ArticleError, ValueError)


# ---- read_article -------------------------------------------------------------------------------------


def read_error(path: str) -> str:
    with pytest.raises(ArticleError) as exc:
        read_article(path)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def test_read_file(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"\xef\xbb\xbfLine one.\r\nLine two.\n")
    assert read_article(str(f)) == "Line one.\r\nLine two.\n"  # bytes kept as they are: no newline change


def test_read_example_article(example_article: str) -> None:
    root = Path(__file__).resolve().parent.parent
    assert read_article(str(root / "examples" / "hama-2017.txt")) == example_article


def test_read_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.txt")
    assert read_error(path) == f"{path}: no such file"


def test_read_directory(tmp_path: Path) -> None:
    message = read_error(str(tmp_path))
    assert "is a directory" in message


@pytest.mark.parametrize(
    "content, expected",
    [(b"", "empty"), (b"\n\n", "whitespace"), (b"caf\xe9", "byte offset 3"), (b"\x00\x01", "binary")],
)
def test_read_bad_file(tmp_path: Path, content: bytes, expected: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    assert expected in read_error(str(f))


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_read_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b"\xef\xbb\xbfFrom stdin."))
    assert read_article("-") == "From stdin."
    monkeypatch.setattr(sys, "stdin", _Stdin(b"   \n"))
    with pytest.raises(ArticleError, match="^stdin: article is only whitespace$"):
        read_article("-")
