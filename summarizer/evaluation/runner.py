"""Evaluation runs: extract every gold article, write predictions (resumable), score, report."""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from summarizer.evaluation.gold import GoldRecord, load_gold
from summarizer.evaluation.report import write_reports
from summarizer.evaluation.scoring import score
from summarizer.predictions import PredictionWriter, predict_lines, read_predictions

PREDICTIONS = "predictions.jsonl"
SCORES = "scores.json"


def select(
    records: list[GoldRecord], *, limit: int | None = None, sample: int | None = None, seed: int = 0
) -> list[GoldRecord]:
    """A seeded sample (kept in file order), then the first ``limit`` records."""
    if sample is not None and sample < len(records):
        keep = set(random.Random(seed).sample(range(len(records)), sample))
        records = [r for i, r in enumerate(records) if i in keep]
    if limit is not None:
        records = records[:limit]
    return records


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=5, cwd=Path(__file__).resolve().parent
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _commit() -> str | None:
    """The checkout's commit, with "-dirty" when tracked files differ from it."""
    head = _git("rev-parse", "--short", "HEAD")
    if not head:
        return None
    return head + ("-dirty" if _git("status", "--porcelain", "--untracked-files=no") else "")


# Taken when the harness is imported (the start of a run), so that a commit made while a long run goes on
# is not recorded as the code that ran.
_COMMIT_AT_START = _commit()


def run_meta(model: str | None = None, prompt_version: str | None = None) -> dict[str, Any]:
    """Metadata recorded in every scores.json."""
    from summarizer.schema import SCHEMA_VERSION

    return {
        "model": model,
        "prompt_version": prompt_version,
        "schema_version": SCHEMA_VERSION,
        "commit": _COMMIT_AT_START,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
    }


def _meta_from(preds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Model and prompt version as recorded in the predictions (the first that has them)."""
    for line in preds.values():
        m = line.get("meta") or {}
        if m.get("model"):
            return {"model": m.get("model"), "prompt_version": m.get("prompt_version")}
    return {}


def score_run(
    records: list[GoldRecord], preds: dict[str, dict[str, Any]], out_dir: Path, meta: dict[str, Any]
) -> dict[str, Any]:
    """Score predictions against gold, write scores.json, report.md and report.html."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = score(records, preds, run_meta=meta)
    tmp = out_dir / f".{SCORES}.tmp"
    tmp.write_text(json.dumps(scores, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / SCORES)
    write_reports(scores, records, preds, out_dir)
    return scores


def score_only(
    pred_path: str | Path, gold_paths: list[str | Path], out_dir: str | Path, *, check_verbatim: bool = True
) -> dict[str, Any]:
    """Re-score saved predictions (ours or another tool's) without loading a model."""
    records = load_gold(gold_paths, check_verbatim=check_verbatim)
    preds = read_predictions(pred_path)
    ids = {r.id for r in records}
    unknown = sorted(set(preds) - ids)
    if unknown:
        raise ValueError(f"{pred_path}: {len(unknown)} prediction id(s) not in the gold data, e.g. {unknown[0]!r}")
    # score only the articles that were predicted, so that a --limit run re-scores identically
    records = [r for r in records if r.id in preds]
    meta = run_meta()
    meta.update({k: v for k, v in _meta_from(preds).items() if v})
    return score_run(records, preds, Path(out_dir), meta)


def run_eval(
    data: list[str | Path],
    out_dir: str | Path,
    *,
    model: str | None = None,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    summarizer: Any = None,
    progress: bool = True,
    options: dict | None = None,
    check_verbatim: bool = True,
    batch_size: int = 1,
) -> dict[str, Any]:
    """Extract every selected gold article (skipping ids already in predictions.jsonl), then score.

    ``batch_size`` articles are decoded together (see ``Summarizer.summarize_many``)."""
    records = select(load_gold(data, check_verbatim=check_verbatim), limit=limit, sample=sample, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pred_path = out / PREDICTIONS
    done = read_predictions(pred_path, repair=True)
    todo = [r for r in records if r.id not in done]
    if todo and summarizer is None:
        from summarizer.core import Summarizer

        summarizer = Summarizer(model, **(options or {}))
    bar = tqdm(total=len(todo), desc="eval", unit="article", disable=not progress, dynamic_ncols=True)
    started = time.perf_counter()
    with PredictionWriter(pred_path) as writer:
        for line in predict_lines(summarizer, ((r.id, r.text) for r in todo), batch_size):
            writer.write(line)
            done[line["id"]] = line
            bar.set_postfix_str(line["id"][:40])
            bar.update(1)
    bar.close()
    preds = {r.id: done[r.id] for r in records if r.id in done}
    meta = run_meta(
        getattr(summarizer, "model_name", None) if summarizer else None,
        summarizer.prompts.version if summarizer is not None and hasattr(summarizer, "prompts") else None,
    )
    if summarizer is None:
        meta.update({k: v for k, v in _meta_from(preds).items() if v})
    if todo:
        # wall time of this call's extraction: with batched decoding, per-article times overlap
        wall = time.perf_counter() - started
        meta["extraction"] = {
            "articles": len(todo),
            "wall_s": round(wall, 2),
            "s_per_article": round(wall / len(todo), 2),
            "articles_per_min": round(60 * len(todo) / wall, 3) if wall else None,
            "batch_size": batch_size,
        }
    return score_run(records, preds, out, meta)
