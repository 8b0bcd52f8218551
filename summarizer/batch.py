"""Batch runs that never lose work: many articles in, one prediction line per article out.

Inputs: JSONL files (``{"id", "text", ...}`` per line), directories of ``.txt``/``.md``/``.html`` files, or glob
patterns, read lazily (memory does not grow with the input). Each result is appended and fsynced as
one line in the guide's prediction line format before the next article starts. Per-article problems
(unreadable file, bytes that are not UTF-8, empty text, a malformed JSONL line, a repeated id, a model
failure) become lines with ``prediction: null`` and an ``error``; the run goes on.
"""

from __future__ import annotations

import glob
import itertools
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from summarizer.article import ArticleError, check_article, decode_article
from summarizer.htmltext import html_to_text
from summarizer.predictions import PredictionWriter, error_line, predict_lines, read_predictions

TEXT_SUFFIXES = {".txt", ".md", ".html", ".htm"}


class BatchError(ValueError):
    """The batch cannot start (bad arguments, an output file that would be overwritten)."""


@dataclass
class Item:
    """One input article, or the reason it cannot be read."""

    id: str
    text: str | None = None
    error: tuple[str, str] | None = None
    converted: bool = False  # text extracted from HTML: the output line carries it


@dataclass
class Summary:
    """What a batch run did."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    generated_tokens: int = 0
    interrupted: bool = False
    errors: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        rate = self.generated_tokens / self.seconds if self.seconds else 0.0
        text = (
            f"done {self.done}, failed {self.failed}, skipped {self.skipped} (already in the output), "
            f"{self.seconds:.1f} s, {rate:.1f} generated tokens/s"
        )
        return text + (" — interrupted; rerun with --resume to go on" if self.interrupted else "")


def expand(inputs: list[str]) -> list[Path]:
    """Input arguments to files: JSONL and text files as given, directories' text files, glob matches."""
    files: list[Path] = []
    for arg in inputs:
        path = Path(arg)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
        elif path.exists():
            files.append(path)
        elif any(ch in arg for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(arg, recursive=True) if Path(m).is_file())
            if not matches:
                raise BatchError(f"{arg}: the pattern matches no file")
            files += matches
        else:
            raise BatchError(f"{arg}: no such file or directory")
    return files


def _jsonl_items(path: Path) -> Iterator[Item]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield Item(str(path), error=("UnreadableFile", f"{path}: cannot read ({exc.strerror})"))
        return
    with fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            fallback = f"line:{n}" if path.suffix == ".jsonl" else f"{path}:line:{n}"
            try:
                rec = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield Item(fallback, error=("MalformedLine", f"{path}:{n}: not a JSON object ({exc})"))
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("id"), str | int) or str(rec.get("id")) == "":
                yield Item(fallback, error=("MalformedLine", f"{path}:{n}: a line needs a string 'id'"))
                continue
            aid = str(rec["id"])
            text = rec.get("text")
            try:
                yield Item(aid, text=check_article(text, f"{path}:{n} ({aid})"))
            except ArticleError as exc:
                yield Item(aid, error=("BadArticle", str(exc)))


def _file_item(path: Path) -> Item:
    try:
        text = decode_article(path.read_bytes(), str(path))
        if path.suffix.lower() in {".html", ".htm"}:
            return Item(
                str(path), text=check_article(html_to_text(text), f"{path} (after HTML to text)"), converted=True
            )
        return Item(str(path), text=text)
    except ArticleError as exc:
        return Item(str(path), error=("BadArticle", str(exc)))
    except OSError as exc:
        return Item(str(path), error=("UnreadableFile", f"{path}: cannot read ({exc.strerror})"))


def iter_items(files: list[Path]) -> Iterator[Item]:
    """Every input article in order; repeated ids come out as ``DuplicateId`` errors named ``ID#k``."""
    seen: dict[str, int] = {}
    for path in files:
        items = _jsonl_items(path) if path.suffix.lower() == ".jsonl" else iter([_file_item(path)])
        for item in items:
            if item.id in seen:
                seen[item.id] += 1
                first = item.id
                item = Item(f"{first}#{seen[first]}", error=("DuplicateId", f"id {first!r} appears again"))
            else:
                seen[item.id] = 1
            yield item


def count_items(files: list[Path]) -> int:
    """Number of articles (for the progress bar), without keeping them."""
    n = 0
    for path in files:
        if path.suffix.lower() == ".jsonl":
            try:
                with open(path, "rb") as fh:
                    n += sum(1 for raw in fh if raw.strip())
            except OSError:
                n += 1
        else:
            n += 1
    return n


def run_batch(
    inputs: list[str],
    output: str | Path,
    summarizer: Any = None,
    *,
    model: str | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool = True,
    options: dict | None = None,
    batch_size: int = 1,
) -> Summary:
    """Extract every input article into ``output`` (JSONL), one flushed line per article.

    ``batch_size`` articles are decoded together (see ``Summarizer.summarize_many``); lines are
    written in the order articles finish.
    """
    if batch_size < 1:
        raise BatchError("--batch-size must be at least 1")
    files = expand(inputs)
    out = Path(output)
    if out.exists() and out.stat().st_size and not resume:
        raise BatchError(f"{out} already has results: pass --resume to continue it, or choose another -o")
    previous = read_predictions(out, repair=True) if resume else {}
    skip = {i for i, line in previous.items() if not retry_failed or line.get("prediction") is not None}
    summary = Summary()
    start = time.perf_counter()
    bar = tqdm(total=count_items(files), desc="batch", unit="article", disable=not progress, dynamic_ncols=True)
    ready: list[dict[str, Any]] = []  # error lines of unreadable inputs, written as soon as possible
    converted: dict[str, str] = {}

    def articles() -> Iterator[tuple[str, str]]:
        nonlocal summarizer
        for item in iter_items(files):
            if item.id in skip:
                summary.skipped += 1
                bar.update(1)
                continue
            if item.error is not None:
                ready.append(error_line(item.id, *item.error))
                continue
            if summarizer is None:
                from summarizer.core import Summarizer

                summarizer = Summarizer(model, **(options or {}))
            if item.converted:
                converted[item.id] = item.text or ""
            bar.set_postfix_str(item.id[-40:])
            yield item.id, item.text or ""

    def write(line: dict[str, Any]) -> None:
        if line["id"] in converted:
            line["text"] = converted.pop(line["id"])
        writer.write(line)
        bar.update(1)
        if line["prediction"] is None:
            summary.failed += 1
            kind = line["error"]["type"]
            summary.errors[kind] = summary.errors.get(kind, 0) + 1
        else:
            summary.done += 1
            summary.generated_tokens += int((line["meta"].get("tokens") or {}).get("generated", 0))

    def flush() -> None:
        while ready:
            write(ready.pop(0))

    with PredictionWriter(out) as writer:
        try:
            stream = articles()
            first = next(stream, None)  # loads the model only when there is an article to extract
            flush()
            if first is not None:
                for line in predict_lines(summarizer, itertools.chain([first], stream), batch_size):
                    flush()
                    write(line)
        except KeyboardInterrupt:
            summary.interrupted = True  # the articles in flight are abandoned; nothing half-written
        flush()
    bar.close()
    summary.seconds = time.perf_counter() - start
    if summary.interrupted:
        print("\ninterrupted", file=sys.stderr)
    return summary
