"""Compare two scored runs: per-field deltas with intervals, and the articles whose result changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from summarizer.evaluation.report import FIELDS


def load_scores(run: str | Path) -> dict[str, Any]:
    """Read ``scores.json`` from a run directory (or the file itself)."""
    path = Path(run)
    if path.is_dir():
        path = path / "scores.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no scores.json (run `summarizer eval` first)")
    return json.loads(path.read_text(encoding="utf-8"))


def _signature(article: dict[str, Any]) -> tuple:
    fields = article.get("fields") or {}
    return (bool(article.get("failed")),) + tuple(
        tuple((fields.get(f) or {}).get(k) for k in ("tp", "fp", "fn")) for f in FIELDS
    )


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Field deltas (B minus A) and the ids whose per-article counts differ."""
    rows = []
    for section in ("fields", "fields_recall"):
        for f in FIELDS:
            fa, fb = (a.get(section) or {}).get(f), (b.get(section) or {}).get(f)
            if not fa or not fb:
                continue
            row = {"field": f if section == "fields" else f"{f} (recall mode)"}
            for k in ("precision", "recall", "f1"):
                va, vb = fa.get(k), fb.get(k)
                row[k] = {"a": va, "b": vb, "delta": None if va is None or vb is None else vb - va}
            row["ci95"] = {"a": fa.get("ci95"), "b": fb.get("ci95")}
            rows.append(row)
    pa = {x["id"]: x for x in a.get("per_article", [])}
    pb = {x["id"]: x for x in b.get("per_article", [])}
    changed = sorted(i for i in pa.keys() & pb.keys() if _signature(pa[i]) != _signature(pb[i]))
    return {
        "fields": rows,
        "changed": changed,
        "only_a": sorted(pa.keys() - pb.keys()),
        "only_b": sorted(pb.keys() - pa.keys()),
    }


def format_comparison(result: dict[str, Any], name_a: str, name_b: str) -> str:
    """Plain-text table of a comparison."""

    def num(x: Any) -> str:
        return "  –  " if x is None else f"{x:.3f}"

    def ci(c: Any) -> str:
        return "–" if not c or c[0] is None else f"[{c[0]:.2f},{c[1]:.2f}]"

    lines = [
        f"A = {name_a}",
        f"B = {name_b}",
        "",
        f"{'field':28} {'P: A → B (Δ)':26} {'R: A → B (Δ)':26} {'F1: A → B (Δ)':26} CI95 A / B",
    ]
    for row in result["fields"]:
        cells = []
        for k in ("precision", "recall", "f1"):
            v = row[k]
            d = v["delta"]
            cells.append(f"{num(v['a'])} → {num(v['b'])} ({'' if d is None else f'{d:+.3f}'})".ljust(26))
        lines.append(f"{row['field']:28} " + " ".join(cells) + f" {ci(row['ci95']['a'])} / {ci(row['ci95']['b'])}")
    lines.append("")
    lines.append(
        f"articles whose result changed ({len(result['changed'])}): " + (", ".join(result["changed"]) or "none")
    )
    if result["only_a"] or result["only_b"]:
        lines.append(f"only in A: {len(result['only_a'])}, only in B: {len(result['only_b'])}")
    return "\n".join(lines)
