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
from summarizer.schema import MAX_BELLIGERENTS, MAX_LOCATIONS  # noqa: E402

LOCATION_GRID = [None, 0.5, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5]
ACTOR_GRID = [None, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
KEEP_GRID = [None, -1.0, -0.5, 0.0, 0.5, 1.0]
CONFLICT_GRID = [None, 1.0, 1.5, 2.0, 2.5]


def apply(
    line: dict[str, Any],
    loc_t: float | None,
    conf_t: float | None,
    actor_t: float | None = None,
    keep_t: float | None = None,
) -> dict[str, Any]:
    """A prediction line with the thresholds applied (a deep copy), as ``summarizer.core`` does."""
    line = copy.deepcopy(line)
    pred = line.get("prediction")
    looks = (line.get("meta") or {}).get("second_look") or []
    if not isinstance(pred, dict) or not looks:
        return line
    gates = [lk["conflict_logodds"] for lk in looks if lk.get("conflict_logodds") is not None]
    if conf_t is not None and gates and max(gates) < conf_t:
        pred.update(belligerents=[], locations=[], reinforcements=[])
        return line
    for lk in looks:
        actors, places = lk.get("actors") or {}, lk["locations"]
        if loc_t is not None:
            said = [m for loc in pred["locations"] for m in [loc["name"], *loc["aliases"]]]
            for name, logodds in places.items():
                if actor_t is not None and actors.get(name, -99.0) > logodds:
                    continue
                if logodds > loc_t and not covered(name, said) and len(pred["locations"]) < MAX_LOCATIONS:
                    pred["locations"].append({"name": name, "aliases": [], "type": "other", "within": None})
                    said.append(name)
        if keep_t is not None:
            checked = lk.get("checked") or {}
            gone = [b for b in pred["belligerents"] if checked.get(b["name"], keep_t) < keep_t]
            dropped = {m.casefold() for b in gone for m in [b["name"], *b["aliases"]]}
            pred["belligerents"] = [b for b in pred["belligerents"] if b not in gone]
            pred["reinforcements"] = [r for r in pred["reinforcements"] if r["sender"].casefold() not in dropped]
        if actor_t is not None:
            said = [m for b in pred["belligerents"] for m in [b["name"], *b["aliases"]]]
            for name, logodds in actors.items():
                if places.get(name, -99.0) > logodds:
                    continue
                if logodds > actor_t and not covered(name, said) and len(pred["belligerents"]) < MAX_BELLIGERENTS:
                    pred["belligerents"].append({"name": name, "aliases": [], "side": name, "role": "combatant"})
                    said.append(name)
    return line


def _row(records: list[Any], preds: dict[str, Any], controls: list[str], key: tuple[Any, ...]) -> None:
    lines = {k: apply(v, *key) for k, v in preds.items()}
    f = score(records, lines, n_boot=0)["fields"]
    ctrl = sum(len((lines[c].get("prediction") or {}).get("belligerents", [])) for c in controls)

    def prf(name: str) -> str:
        d = f[name]
        return "/".join("-" if d[k] is None else f"{d[k]:.2f}" for k in ("precision", "recall", "f1"))

    print(
        " ".join(f"{k!s:>5}" for k in key)
        + f" | {prf('belligerents'):>14} | {prf('locations'):>14} | {f['reinforcements']['f1'] or 0:5.2f} | {ctrl}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="run directory with predictions.jsonl")
    parser.add_argument("gold", nargs="*", default=[str(ROOT / "eval" / "data" / "dev.jsonl")])
    args = parser.parse_args(argv)
    preds = read_predictions(Path(args.run) / "predictions.jsonl")
    records = [r for r in load_gold(args.gold) if r.id in preds]
    print(f"{len(records)} articles")
    controls = [r.id for r in records if not r.gold.get("belligerents")]
    print("loc_t conf_t actor_t keep_t | belligerents P/R/F1 | locations P/R/F1 | reinf F1 | control belligerents")
    seen = set()
    keys = [(t, None, None, None) for t in LOCATION_GRID] + [(None, t, None, None) for t in CONFLICT_GRID]
    keys += [(1.5, None, t, None) for t in ACTOR_GRID] + [(1.5, None, None, t) for t in KEEP_GRID]
    for key in keys:
        if key not in seen:
            seen.add(key)
            _row(records, preds, controls, key)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
