"""Score predictions against gold records, following eval/ANNOTATION.md ("Scoring").

``score()`` returns the ``scores.json`` dictionary. Its layout:

- ``fields.<field>``: one block per field that some article scores (a field no article lists in
  ``gold_fields`` is absent). The block is the **full**-mode score over the articles that score the field in
  full mode when there is at least one such article, else the **recall**-mode score over the others.
  ``fields_recall.<field>``: present only for a field that some articles score in full and others in recall
  mode (a file that mixes modes); it holds the recall-mode articles' score. ``fields_recall`` is always
  present (possibly empty).
- A block: ``mode``, ``n_articles``, ``tp``, ``fp``, ``fn``, ``precision``, ``recall``, ``f1`` (micro, summed
  over the block's articles), ``macro_f1`` (mean of per-article F1), ``macro_recall`` (mean of per-article
  recall over articles with required gold), ``ci95`` (``[low, high]`` bootstrap percentiles of micro F1, or of
  recall in recall mode; null without articles or with ``n_boot=0``) and ``ci95_metric`` ("f1"/"recall").
  In recall mode ``precision``, ``f1`` and ``macro_f1`` are null. Per field also: belligerents
  ``role_accuracy``; locations ``type_accuracy``, ``within_accuracy``; reinforcements ``status_accuracy``;
  quotes ``speaker_accuracy`` and ``e2e.{precision, recall, f1, tp, fp, fn}`` (a match counts only with the
  right speaker, else it is one FP and one FN).
- ``side_grouping.{precision, recall, f1, tp, fp, fn}``, ``validity_rate``, ``verbatim_rate``, ``failed``,
  ``n_articles``, ``items_per_article.<field>``, ``time_per_article_s``, ``generated_tokens_per_article``,
  ``n_predictions_without_gold``, ``bootstrap.{n_boot, seed}``, ``per_article`` and the run metadata keys
  ``model``, ``prompt_version``, ``schema_version``, ``commit``, ``date``, ``machine``.
- ``per_article[]``: ``id``, ``failed``, ``error``, ``valid``, ``fields.<field>.{mode, tp, fp, fn, f1,
  matched, optional_matched, missed, spurious}``. ``missed`` and ``spurious`` list item names (the verbatim
  ``name``; ``forces`` for reinforcements; ``text`` for quotes); ``matched``/``optional_matched`` list
  ``{gold, pred, match}`` (names, and how they matched), with ``[gold, pred]`` of ``sender`` and
  ``destination`` or of ``speaker``, ``token_f1`` for quotes, and on ``matched`` the attribute checks
  (``role_ok``, ``type_ok``, ``within_ok``, ``status_ok``, ``speaker_ok``).

Conventions the guide leaves open: a micro ratio with a zero denominator is null, but an article with no
required gold and no prediction has F1 1.0 (``per_article`` and ``macro_f1``). Attribute accuracies, speaker
accuracy and side grouping use matches with required gold only (optional gold is neither rewarded nor
punished), and only gold items that carry the attribute. A prediction is failed when its line is missing, carries
``error``, or its ``prediction`` is not a dict that passes the schema's pydantic models; a failed article is
scored as empty output (its scored fields count only FN). ``validity_rate`` is the share of articles whose
``prediction`` is schema-valid (``summarizer.validate.schema_problems``: JSON Schema and pydantic; the
consistency checks of ``validate`` are not part of schema validity);
``verbatim_rate`` covers the verbatim strings of the predictions that are not failed. Side grouping pools
the articles that score belligerents in either mode.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from pydantic import ValidationError
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from summarizer.evaluation.gold import FIELDS, GoldRecord, is_optional, verbatim_strings
from summarizer.schema import ConflictSummary
from summarizer.validate import schema_problems

FUZZY_MIN = 90.0
MAX_CONTAINER_WORDS = 8
QUOTE_F1_MIN = Fraction(4, 5)  # exact, so that an F1 of exactly 0.8 matches
EXACT, CONTAINMENT, FUZZY, NO_MATCH = 3, 2, 1, 0
LEVEL_NAMES = {EXACT: "exact", CONTAINMENT: "containment", FUZZY: "fuzzy", NO_MATCH: None}
RUN_META_KEYS = ("model", "prompt_version", "schema_version", "commit", "date", "machine")

_TABLE = str.maketrans(
    {
        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u02bc\u02b9\u02bb\u2039\u203a"},
        **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u301d\u301e\u301f"},
        **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u2e3a\u2e3b"},
    }
)
_ARTICLES = {"the", "a", "an"}
_TOKEN = re.compile(r"\w+")


def _strip_punct(s: str) -> str:
    start, end = 0, len(s)
    while start < end and (s[start].isspace() or unicodedata.category(s[start]).startswith("P")):
        start += 1
    while end > start and (s[end - 1].isspace() or unicodedata.category(s[end - 1]).startswith("P")):
        end -= 1
    return s[start:end]


def normalize(s: str) -> str:
    """The guide's normal form: NFKC, casefold, one quote mark/apostrophe/dash each, single spaces, no
    surrounding punctuation and no leading "the"/"a"/"an" (a lone article stays)."""
    s = " ".join(unicodedata.normalize("NFKC", s).casefold().translate(_TABLE).split())
    while True:
        out = _strip_punct(s)
        words = out.split(" ")
        if len(words) > 1 and _strip_punct(words[0]) in _ARTICLES:
            out = " ".join(words[1:])
        if out == s:
            return s
        s = out


def _whole_words_in(needle: str, hay: str) -> bool:
    return bool(needle) and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", hay) is not None


def _level(pred_names: set[str], pred_heads: Sequence[str], gold_names: set[str]) -> int:
    """Match level of a prediction (all its normalised mentions; its names for containment/fuzzy)."""
    if pred_names & gold_names:
        return EXACT
    heads = [h for h in pred_heads if h]
    for h in heads:
        if len(h.split()) <= MAX_CONTAINER_WORDS and any(_whole_words_in(g, h) for g in gold_names):
            return CONTAINMENT
    for h in heads:
        if any(fuzz.ratio(h, g) >= FUZZY_MIN for g in gold_names):
            return FUZZY
    return NO_MATCH


def _mentions(item: dict[str, Any]) -> set[str]:
    names = {normalize(item.get("name") or "")}
    names.update(normalize(a) for a in item.get("aliases") or [] if isinstance(a, str))
    names.discard("")
    return names


def entity_level(pred: dict[str, Any], gold: dict[str, Any]) -> int:
    """Entity rule: 3 exact (name/alias equal), 2 containment (gold mention as whole words in a predicted
    name of at most 8 words), 1 fuzzy (``fuzz.ratio`` >= 90 with the predicted name), 0 no match."""
    return _level(_mentions(pred), [normalize(pred.get("name") or "")], _mentions(gold))


def _resolve(s: str, entities: Sequence[dict[str, Any]]) -> tuple[list[str], set[str]]:
    """Names (for containment/fuzzy) and all mentions of the string plus the entities it names."""
    n = normalize(s)
    heads, names = [n], {n}
    for e in entities:
        mentions = _mentions(e)
        if n in mentions:
            names |= mentions
            heads.append(normalize(e.get("name") or ""))
    names.discard("")
    return heads, names


def reference_level(
    pred: str | None, pred_entities: Sequence[dict[str, Any]], gold: str | None, gold_entities: Sequence[dict[str, Any]]
) -> int:
    """Entity rule for a string that stands for an entity (sender, destination, within): the aliases of
    the entity it names, in the gold and in the prediction, count too. Null matches only null (3)."""
    if pred is None or gold is None:
        return EXACT if pred is None and gold is None else NO_MATCH
    heads, p_names = _resolve(pred, pred_entities)
    _, g_names = _resolve(gold, gold_entities)
    return _level(p_names, heads, g_names)


def _tokens(s: str) -> Counter[str]:
    return Counter(_TOKEN.findall(normalize(s)))


def token_f1(pred: str, gold: str) -> float:
    """F1 of the multisets of ``\\w+`` tokens of the normalised texts."""
    p, g = _tokens(pred), _tokens(gold)
    total = sum(p.values()) + sum(g.values())
    return 2 * sum((p & g).values()) / total if total else 0.0


def quotes_match(pred: str, gold: str) -> bool:
    """Texts match when their token F1 is at least 0.8 (compared as exact fractions)."""
    p, g = _tokens(pred), _tokens(gold)
    overlap, total = sum((p & g).values()), sum(p.values()) + sum(g.values())
    return total > 0 and Fraction(2 * overlap, total) >= QUOTE_F1_MIN


def speaker_right(pred: str | None, gold: str | None) -> bool:
    """Equal after normalisation, one inside the other as whole words, or ``fuzz.ratio`` >= 90."""
    a, b = normalize(pred or ""), normalize(gold or "")
    if not a or not b:
        return a == b
    return a == b or _whole_words_in(a, b) or _whole_words_in(b, a) or fuzz.ratio(a, b) >= FUZZY_MIN


def assign(quality: np.ndarray, optional: Sequence[bool]) -> list[tuple[int, int]]:
    """One-to-one (pred, gold) pairs with ``quality > 0``: most required gold matched, then most optional
    gold matched, then the largest total quality."""
    n_pred, n_gold = quality.shape
    if n_pred == 0 or n_gold == 0 or not (quality > 0).any():
        return []
    k = min(n_pred, n_gold) + 1
    qmax = float(quality.max())
    w_opt = k * qmax + 1  # more than any total quality
    w_req = k * (w_opt + qmax) + 1  # more than any total of optional matches
    opt = np.asarray(optional, dtype=bool)[None, :]
    weights = np.where(quality > 0, np.where(opt, w_opt, w_req) + quality, 0.0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if quality[r, c] > 0]


def _label(field: str, item: dict[str, Any]) -> str:
    """The item's verbatim name, for a report to find in the article: name, forces (else sender), text."""
    if field in ("belligerents", "locations"):
        return str(item.get("name"))
    if field == "reinforcements":
        return str(item.get("forces") or item.get("sender"))
    return str(item.get("text"))


def _context(field: str, pred: dict[str, Any], gold: dict[str, Any]) -> dict[str, Any]:
    if field == "reinforcements":
        return {k: [gold.get(k), pred.get(k)] for k in ("sender", "destination")}
    if field == "quotes":
        return {"speaker": [gold.get("speaker"), pred.get("speaker")]}
    return {}


@dataclass
class _FieldResult:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    checks: dict[str, list[bool]] = field(default_factory=dict)  # attribute -> correct? per TP match
    e2e_tp: int = 0
    side_pairs: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (pred, gold)
    detail: dict[str, Any] = field(default_factory=dict)


def _match_field(fld: str, pred: dict[str, Any], record: GoldRecord) -> _FieldResult:
    preds: list[dict[str, Any]] = list(pred.get(fld) or [])
    golds = record.gold[fld]
    quality = np.zeros((len(preds), len(golds)))
    extra: dict[tuple[int, int], dict[str, Any]] = {}
    p_bel, g_bel = pred.get("belligerents") or [], record.gold.get("belligerents") or []
    p_loc, g_loc = pred.get("locations") or [], record.gold.get("locations") or []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            if fld in ("belligerents", "locations"):
                lv = entity_level(p, g)
                quality[i, j] = lv
                extra[i, j] = {"match": LEVEL_NAMES[lv]}
            elif fld == "reinforcements":
                s = reference_level(p.get("sender"), p_bel, g.get("sender"), g_bel)
                d = reference_level(p.get("destination"), p_loc, g.get("destination"), g_loc)
                quality[i, j] = s + d if s and d else 0
                extra[i, j] = {"match": f"sender {LEVEL_NAMES[s]}, destination {LEVEL_NAMES[d]}"}
            elif quotes_match(p.get("text") or "", g.get("text") or ""):
                f1 = token_f1(p["text"], g["text"])
                ok = speaker_right(p.get("speaker"), g.get("speaker"))
                quality[i, j] = f1 + 1e-3 * ok  # text first, the right speaker breaks ties
                extra[i, j] = {"match": "text", "token_f1": round(f1, 4)}
    optional = [is_optional(g) for g in golds]
    pairs = assign(quality, optional)
    res = _FieldResult()
    matched, opt_matched = [], []
    for i, j in pairs:
        p, g = preds[i], golds[j]
        entry = {"gold": _label(fld, g), "pred": _label(fld, p), **extra[i, j], **_context(fld, p, g)}
        if optional[j]:
            opt_matched.append(entry)
            continue
        res.tp += 1
        checks: dict[str, bool] = {}
        if fld == "belligerents":
            if isinstance(g.get("role"), str):
                checks["role"] = p.get("role") == g["role"]
            res.side_pairs.append((p, g))
        elif fld == "locations":
            if isinstance(g.get("type"), str):
                checks["type"] = p.get("type") == g["type"]
            if "within" in g:
                checks["within"] = reference_level(p.get("within"), p_loc, g["within"], g_loc) > NO_MATCH
        elif fld == "reinforcements":
            if isinstance(g.get("status"), str):
                checks["status"] = p.get("status") == g["status"]
        else:
            ok = speaker_right(p.get("speaker"), g.get("speaker"))
            res.e2e_tp += ok
            if isinstance(g.get("speaker"), str):
                checks["speaker"] = ok
        for name, ok in checks.items():
            res.checks.setdefault(name, []).append(ok)
            entry[f"{name}_ok"] = ok
        matched.append(entry)
    used_pred = {i for i, _ in pairs}
    used_gold = {j for _, j in pairs}
    missed = [_label(fld, g) for j, g in enumerate(golds) if j not in used_gold and not optional[j]]
    spurious = [_label(fld, p) for i, p in enumerate(preds) if i not in used_pred]
    res.fp, res.fn = len(spurious), len(missed)
    res.detail = {"matched": matched, "optional_matched": opt_matched, "missed": missed, "spurious": spurious}
    return res


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _prf(tp: int, fp: int, fn: int, mode: str = "full") -> dict[str, float | None]:
    full = mode == "full"
    return {
        "precision": _ratio(tp, tp + fp) if full else None,
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn) if full else None,
    }


def _article_f1(r: _FieldResult) -> float:
    """Per-article F1; 1.0 when nothing is expected and nothing is predicted."""
    return 2 * r.tp / (2 * r.tp + r.fp + r.fn) if r.tp + r.fp + r.fn else 1.0


def _bootstrap(counts: np.ndarray, mode: str, n_boot: int, seed: int) -> list[float] | None:
    """Percentile 95% interval of micro F1 (recall in recall mode) over articles resampled with replacement."""
    n = len(counts)
    if n == 0 or n_boot <= 0:
        return None
    rng = np.random.default_rng(seed)
    sums = counts[rng.integers(0, n, size=(n_boot, n))].sum(axis=1)
    tp, fp, fn = sums[:, 0], sums[:, 1], sums[:, 2]
    num, den = (2 * tp, 2 * tp + fp + fn) if mode == "full" else (tp, tp + fn)
    vals = np.divide(num, den, out=np.full(n_boot, np.nan), where=den > 0)
    if np.isnan(vals).all():
        return None
    lo, hi = np.nanpercentile(vals, [2.5, 97.5])
    return [float(lo), float(hi)]


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _block(fld: str, mode: str, results: list[_FieldResult], n_boot: int, seed: int) -> dict[str, Any]:
    tp, fp, fn = (sum(getattr(r, k) for r in results) for k in ("tp", "fp", "fn"))
    per_f1 = [_article_f1(r) for r in results]
    per_recall = [r.tp / (r.tp + r.fn) for r in results if r.tp + r.fn]
    counts = np.array([[r.tp, r.fp, r.fn] for r in results], dtype=float).reshape(-1, 3)
    out: dict[str, Any] = {"mode": mode, "n_articles": len(results), "tp": tp, "fp": fp, "fn": fn}
    out.update(_prf(tp, fp, fn, mode))
    out["macro_f1"] = _mean(per_f1) if mode == "full" else None
    out["macro_recall"] = _mean(per_recall)
    out["ci95"] = _bootstrap(counts, mode, n_boot, seed)
    out["ci95_metric"] = "f1" if mode == "full" else "recall"
    attrs = {"belligerents": ("role",), "locations": ("type", "within"), "reinforcements": ("status",)}
    for name in attrs.get(fld, ("speaker",)):
        checks = [ok for r in results for ok in r.checks.get(name, [])]
        out[f"{name}_accuracy"] = _mean([float(ok) for ok in checks])
    if fld == "quotes":
        e2e_tp = sum(r.e2e_tp for r in results)
        wrong = tp - e2e_tp
        e2e = {"tp": e2e_tp, "fp": fp + wrong, "fn": fn + wrong}
        out["e2e"] = {**_prf(e2e_tp, fp + wrong, fn + wrong, mode), **e2e}
    return out


def _side_grouping(results: list[_FieldResult]) -> dict[str, Any]:
    tp = fp = fn = 0
    for r in results:
        pairs = [
            (normalize(p["side"]), normalize(g["side"]))
            for p, g in r.side_pairs
            if isinstance(p.get("side"), str) and isinstance(g.get("side"), str) and g["side"].strip()
        ]
        for a in range(len(pairs)):
            for b in range(a + 1, len(pairs)):
                pred_together = pairs[a][0] == pairs[b][0]
                gold_together = pairs[a][1] == pairs[b][1]
                tp += pred_together and gold_together
                fp += pred_together and not gold_together
                fn += gold_together and not pred_together
    return {**_prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn}


def _number(line: dict[str, Any], pred: Any, group: str, key: str) -> float | None:
    for meta in (line.get("meta"), pred.get("meta") if isinstance(pred, dict) else None):
        value = (meta or {}).get(group) if isinstance(meta, dict) else None
        value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _usable(pred: Any) -> bool:
    if not isinstance(pred, dict):
        return False
    try:
        ConflictSummary.model_validate(json.loads(json.dumps(pred)))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


def _valid(pred: Any) -> bool:
    if not isinstance(pred, dict):
        return False
    try:
        return not schema_problems(pred)
    except (TypeError, ValueError):
        return False


_EMPTY: dict[str, Any] = {f: [] for f in FIELDS}


def score(
    records: list[GoldRecord],
    predictions: dict[str, dict[str, Any]],
    *,
    n_boot: int = 1000,
    seed: int = 0,
    run_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score prediction lines (id -> ``{"id", "prediction", "error"?, "meta"}``) against gold records;
    returns the ``scores.json`` dictionary described in this module's docstring."""
    by_mode: dict[tuple[str, str], list[_FieldResult]] = {}
    belligerent_results: list[_FieldResult] = []
    per_article: list[dict[str, Any]] = []
    n_valid = failed = verbatim_in = verbatim_all = 0
    items: dict[str, list[int]] = {f: [] for f in FIELDS}
    times: list[float] = []
    tokens: list[float] = []
    for record in records:
        line = predictions.get(record.id)
        line = line if isinstance(line, dict) else {}
        raw = line.get("prediction")
        usable = _usable(raw)
        is_failed = not usable or bool(line.get("error"))
        failed += is_failed
        valid = _valid(raw)
        n_valid += valid
        pred: dict[str, Any] = _EMPTY if is_failed else raw
        if not is_failed:
            for fld in FIELDS:
                for item in pred[fld]:
                    for _, s in verbatim_strings(fld, item):
                        verbatim_all += 1
                        verbatim_in += s in record.text
        for fld in FIELDS:
            items[fld].append(len(pred[fld]))
        for values, group, key in ((times, "timings", "total_s"), (tokens, "tokens", "generated")):
            value = _number(line, raw, group, key)
            if value is not None:
                values.append(value)
        entry: dict[str, Any] = {
            "id": record.id,
            "failed": is_failed,
            "error": line.get("error"),
            "valid": valid,
            "fields": {},
        }
        for fld in record.gold_fields:
            mode = record.score_mode[fld]
            res = _match_field(fld, pred, record)
            by_mode.setdefault((fld, mode), []).append(res)
            if fld == "belligerents":
                belligerent_results.append(res)
            entry["fields"][fld] = {
                "mode": mode,
                "tp": res.tp,
                "fp": res.fp,
                "fn": res.fn,
                "f1": _article_f1(res) if mode == "full" else None,
                **res.detail,
            }
        per_article.append(entry)

    fields: dict[str, Any] = {}
    fields_recall: dict[str, Any] = {}
    for fld in FIELDS:
        full, recall = by_mode.get((fld, "full")), by_mode.get((fld, "recall"))
        if full:
            fields[fld] = _block(fld, "full", full, n_boot, seed)
            if recall:
                fields_recall[fld] = _block(fld, "recall", recall, n_boot, seed)
        elif recall:
            fields[fld] = _block(fld, "recall", recall, n_boot, seed)
    n = len(records)
    known = {r.id for r in records}
    out: dict[str, Any] = {key: (run_meta or {}).get(key) for key in RUN_META_KEYS}
    if (run_meta or {}).get("extraction"):
        out["extraction"] = run_meta["extraction"]  # type: ignore[index]
    out.update(
        {
            "n_articles": n,
            "failed": failed,
            "validity_rate": _ratio(n_valid, n),
            "verbatim_rate": _ratio(verbatim_in, verbatim_all),
            "fields": fields,
            "fields_recall": fields_recall,
            "side_grouping": _side_grouping(belligerent_results),
            "items_per_article": {f: _mean(items[f]) for f in FIELDS},
            "time_per_article_s": _mean(times),
            "generated_tokens_per_article": _mean(tokens),
            "n_predictions_without_gold": sum(1 for k in predictions if k not in known),
            "bootstrap": {"n_boot": n_boot, "seed": seed},
            "per_article": per_article,
        }
    )
    return out
