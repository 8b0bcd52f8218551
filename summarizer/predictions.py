"""Prediction lines (the guide's "Prediction line format"): read them tolerantly, append them safely.

One JSON object per line: ``{"id", "prediction": <output JSON> | null, "error": {...}?, "meta": {...}}``.
Every line is flushed and fsynced as soon as it is written, so a run that dies loses at most the
article in flight; a half-written last line is detected on resume and cut off.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO


def read_predictions(path: str | Path, *, repair: bool = False) -> dict[str, dict[str, Any]]:
    """Read a predictions file into ``{id: line}`` (the last line for an id wins).

    A last line that is not complete JSON (a run killed mid-write) is ignored; with ``repair=True``
    it is also cut off the file so that appending can resume cleanly. A malformed line elsewhere
    raises ``ValueError`` naming the line.
    """
    path = Path(path)
    if not path.exists():
        return {}
    data = path.read_bytes()
    out: dict[str, dict[str, Any]] = {}
    offset = 0
    lines = data.split(b"\n")
    for n, raw in enumerate(lines, start=1):
        is_last = n == len(lines)
        if not raw.strip():
            offset += len(raw) + 1
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
            if not isinstance(rec, dict) or "id" not in rec:
                raise ValueError("not a prediction line")
        except (ValueError, UnicodeDecodeError) as exc:
            if is_last:  # the final segment has no newline: a write cut short
                if repair:
                    with open(path, "r+b") as fh:
                        fh.truncate(offset)
                break
            raise ValueError(f"{path}:{n}: malformed prediction line ({exc})") from None
        out[str(rec["id"])] = rec
        offset += len(raw) + 1
        if is_last and repair:  # complete, but its newline never made it to disk
            with open(path, "ab") as fh:
                fh.write(b"\n")
    return out


class PredictionWriter:
    """Append prediction lines, each flushed and fsynced."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: TextIO = open(self.path, "a", encoding="utf-8")

    def write(self, line: dict[str, Any]) -> None:
        self._fh.write(json.dumps(line, ensure_ascii=False, sort_keys=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> PredictionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def predict_line(summarizer: Any, article_id: str, text: str) -> dict[str, Any]:
    """Extract one article into a prediction line; any failure becomes an error line, never an exception.

    ``KeyboardInterrupt`` is not caught: the caller decides what an interrupted article means.
    """
    t0 = time.perf_counter()
    try:
        result: Any = summarizer.summarize(text)
    except Exception as exc:  # one bad article never stops a run
        result = exc
    return _line(article_id, result, t0)


def _line(article_id: str, result: Any, t0: float) -> dict[str, Any]:
    """The prediction line for a Result, or the error line for an exception (or a Result that fails)."""
    try:
        if isinstance(result, Exception):
            raise result
        prediction = result.to_dict()
        return {"id": article_id, "prediction": prediction, "meta": prediction.get("meta") or {}}
    except Exception as exc:
        return error_line(article_id, type(exc).__name__, str(exc), time.perf_counter() - t0)


def predict_lines(
    summarizer: Any, articles: Iterable[tuple[str, str]], batch_size: int = 1
) -> Iterator[dict[str, Any]]:
    """Prediction lines for many ``(id, text)`` articles, ``batch_size`` decoded together, in the order
    they finish. Failures become error lines; the others go on."""
    if batch_size == 1 or not hasattr(summarizer, "summarize_many"):
        for article_id, text in articles:
            yield predict_line(summarizer, article_id, text)
        return
    started: dict[str, float] = {}

    def timed() -> Iterator[tuple[str, str]]:
        for article_id, text in articles:
            started[article_id] = time.perf_counter()
            yield article_id, text

    for article_id, result in summarizer.summarize_many(timed(), batch_size=batch_size):
        yield _line(article_id, result, started.pop(article_id, time.perf_counter()))


def error_line(article_id: str, kind: str, message: str, seconds: float | None = None) -> dict[str, Any]:
    """A prediction line for an article that failed."""
    meta = {} if seconds is None else {"timings": {"total_s": round(seconds, 3)}}
    return {"id": article_id, "prediction": None, "error": {"type": kind, "message": message[:500]}, "meta": meta}
