"""Tune the second look's thresholds on saved predictions, without running the model again.

Usage:
    python eval/tune_second_look.py RUN_DIR [GOLD.jsonl ...]

RUN_DIR holds a ``predictions.jsonl`` made with the second look recording only
(``Summarizer(location_min_logodds=None, conflict_min_logodds=None)``), so every prediction is the
plain answer and ``meta.second_look`` has the scores. For each pair of thresholds this applies what
``summarizer.core`` would have done and scores the result with the harness. Tune on the dev split only.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.candidates import covered  # noqa: E402
from summarizer.evaluation.gold import load_gold  # noqa: E402
from summarizer.evaluation.scoring import score  # noqa: E402
from summarizer.predictions import read_predictions  # noqa: E402
from summarizer.schema import MAX_LOCATIONS  # noqa: E402

LOCATION_GRID = [None, 0.0, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
CONFLICT_GRID = [None, -2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5]


def apply(line: dict[str, Any], loc_t: float | None, conf_t: float | None) -> dict[str, Any]:
    """A prediction line with the thresholds applied (a deep copy)."""
    line = copy.deepcopy(line)
    pred = line.get("prediction")
    looks = (line.get("meta") or {}).get("second_look") or []
    if not isinstance(pred, dict) or not looks:
        return line
    gates = [lk["conflict_logodds"] for lk in looks if lk.get("conflict_logodds") is not None]
    if conf_t is not None and gates and max(gates) < conf_t:
        pred.update(belligerents=[], locations=[], reinforcements=[])
        return line
    if loc_t is None:
        return line
    said = [m for loc in pred["locations"] for m in [loc["name"], *loc["aliases"]]]
    for lk in looks:
        for name, logodds in lk["locations"].items():
            if logodds > loc_t and not covered(name, said) and len(pred["locations"]) < MAX_LOCATIONS:
                pred["locations"].append({"name": name, "aliases": [], "type": "other", "within": None})
                said.append(name)
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="run directory with predictions.jsonl")
    parser.add_argument("gold", nargs="*", default=[str(ROOT / "eval" / "data" / "dev.jsonl")])
    args = parser.parse_args(argv)
    preds = read_predictions(Path(args.run) / "predictions.jsonl")
    records = [r for r in load_gold(args.gold) if r.id in preds]
    print(f"{len(records)} articles")
    print(f"{'loc_t':>6} {'conf_t':>6} | {'bel P/R/F1':>16} | {'loc P/R/F1':>16} | {'rein F1':>7} | ctrl bel")
    controls = [r.id for r in records if not r.gold.get("belligerents")]
    for conf_t in CONFLICT_GRID:
        for loc_t in LOCATION_GRID if conf_t is None else [None]:
            lines = {k: apply(v, loc_t, conf_t) for k, v in preds.items()}
            s = score(records, lines, n_boot=0)
            f = s["fields"]
            ctrl = sum(len((lines[c].get("prediction") or {}).get("belligerents", [])) for c in controls)

            def prf(name: str, f: dict[str, Any] = f) -> str:
                d = f[name]
                return "/".join("-" if d[k] is None else f"{d[k]:.2f}" for k in ("precision", "recall", "f1"))

            print(
                f"{loc_t!s:>6} {conf_t!s:>6} | {prf('belligerents'):>16} | {prf('locations'):>16} | "
                f"{f['reinforcements']['f1'] or 0:7.2f} | {ctrl}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
