"""``summarizer.evaluation.scoring``: every rule of eval/ANNOTATION.md "Scoring", with hand-worked numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluation import GoldRecord, entity_level, load_gold, normalize, quotes_match, score, token_f1
from summarizer.evaluation.scoring import reference_level, speaker_right

ROOT = Path(__file__).resolve().parent.parent
HAMA_GOLD = ROOT / "examples" / "hama-2017.gold.jsonl"

TEXT = (
    "Syrian army troops shelled the northern town of Soran in Hama province. "
    "Rebels of Tahrir al-Sham held Soran. The army sent tanks to Hama. "
    "\u201cWe are ready,\u201d a Syrian military source said."
)


# ---------------------------------------------------------------- builders


def bel(name: str, aliases: tuple[str, ...] = (), side: str = "government", role: str = "combatant", **kw: Any):
    return {"name": name, "aliases": list(aliases), "side": side, "role": role, **kw}


def loc(name: str, aliases: tuple[str, ...] = (), type: str = "town", within: str | None = None, **kw: Any):
    return {"name": name, "aliases": list(aliases), "type": type, "within": within, **kw}


def rf(sender: str, destination: str | None, forces: str = "tanks", status: str = "under_way", **kw: Any):
    return {"sender": sender, "forces": forces, "destination": destination, "origin": None, "status": status, **kw}


def qt(text: str, speaker: str, **kw: Any):
    return {"text": text, "speaker": speaker, "speaker_affiliation": None, **kw}


def pred(**lists: list[dict[str, Any]]) -> dict[str, Any]:
    """A schema-valid prediction: the four lists (empty unless given) and a summary."""
    out: dict[str, Any] = {"summary": "s.", "belligerents": [], "locations": [], "reinforcements": [], "quotes": []}
    for key, items in lists.items():
        out[key] = [{k: v for k, v in it.items() if k not in ("optional", "in_text")} for it in items]
    return out


def record(id: str = "a1", text: str = TEXT, mode: str | None = None, **gold: list[dict[str, Any]]) -> GoldRecord:
    """A gold record that scores exactly the fields given (in ``mode`` when set)."""
    data: dict[str, Any] = {"id": id, "text": text, "gold": gold}
    if mode:
        data["score_mode"] = {f: mode for f in gold}
    return GoldRecord.model_validate(data)


def line(prediction: Any, id: str = "a1", **extra: Any) -> dict[str, Any]:
    return {"id": id, "prediction": prediction, "meta": {}, **extra}


def score_one(rec: GoldRecord, prediction: Any, **kw: Any) -> dict[str, Any]:
    return score([rec], {rec.id: line(prediction, rec.id)}, n_boot=50, **kw)


def counts(block: dict[str, Any]) -> tuple[int, int, int]:
    return block["tp"], block["fp"], block["fn"]


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Syrian Army", "syrian army"),  # casefold, leading "the" dropped
        ("  Hama\n\tprovince  ", "hama province"),  # whitespace collapsed and trimmed
        ("\u201cTahrir al\u2013Sham\u201d", "tahrir al-sham"),  # surrounding curly quotes stripped, en dash -> "-"
        ("al\u2014Qaeda\u2019s", "al-qaeda's"),  # em dash -> "-", right single quote -> apostrophe
        ("\u00abSoran\u00bb", "soran"),  # guillemets are surrounding punctuation
        ("\uff26\uff33\uff21", "fsa"),  # NFKC: full-width letters
        ("Stra\u00dfe", "strasse"),  # casefold, not lower
        ("An army.", "army"),  # "an" dropped, trailing full stop stripped
        ("a Syrian military source", "syrian military source"),
        ('"the" army', "army"),  # article inside quote marks is still a leading article
        ("...rebels!?", "rebels"),
        ("the", "the"),  # a lone article stays
        ("Theodore", "theodore"),  # only a whole leading word is an article
        ("the 'army'", "army"),  # strip, drop the article, strip again
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_unifies_quote_marks_inside() -> None:
    # inner marks are kept but unified: \u2018 and \u2019 -> ', \u201c and \u201d -> "
    assert normalize("Assad\u2018s \u201cmen\u201d said") == 'assad\'s "men" said'


# ---------------------------------------------------------------- entity rule


def test_entity_exact_by_name_and_by_alias() -> None:
    assert entity_level(bel("The Syrian army"), bel("Syrian army")) == 3  # "syrian army" == "syrian army"
    # no name equal, but the predicted alias "the army" and the gold alias "army" both normalise to "army"
    assert entity_level(bel("Syrian Arab Army", ("the army",)), bel("Syrian army", ("army",))) == 3


def test_entity_containment_whole_words() -> None:
    # "northern town of soran" (4 words <= 8) contains the gold name "soran" as a whole word
    assert entity_level(loc("the northern town of Soran"), loc("Soran")) == 2
    # not a whole word: "sorano" ~ "soran" only by fuzz.ratio = 2*5/(13+5) = 55.6 < 90 -> no match
    assert entity_level(loc("Sorano valley"), loc("Soran")) == 0
    # containment only runs one way: the gold "soran district" is not inside the predicted "soran",
    # and fuzz.ratio("soran", "soran district") = 2*5/(5+14) = 52.6 -> no match
    assert entity_level(loc("Soran"), loc("Soran district")) == 0


def test_entity_containment_eight_word_limit() -> None:
    # "road between the two villages north of soran": 8 words after the leading "the" goes -> containment
    assert entity_level(loc("the road between the two villages north of Soran"), loc("Soran")) == 2
    # one more word (9) -> no containment; fuzz.ratio is far below 90 -> no match
    assert entity_level(loc("the long road between the two villages north of Soran"), loc("Soran")) == 0


def test_entity_fuzzy_threshold() -> None:
    # "tahrir al sham" vs "tahrir al-sham": 14 chars each, longest common subsequence 13
    # fuzz.ratio = 2*13/28 = 92.9 >= 90 -> fuzzy
    assert entity_level(bel("Tahrir al Sham"), bel("Tahrir al-Sham")) == 1
    # "tahrir sham" (11) vs "tahrir al-sham" (14): common subsequence "tahrir sham" = 11
    # fuzz.ratio = 2*11/25 = 88 < 90 -> no match
    assert entity_level(bel("Tahrir Sham"), bel("Tahrir al-Sham")) == 0


def test_reference_level_alias_aware_and_null() -> None:
    gold_bel = [bel("Syrian army", ("the army",))]
    pred_bel = [bel("Syrian army", ("government forces",))]
    # "government forces" names the predicted Syrian army, whose name equals the gold entity's name
    assert reference_level("government forces", pred_bel, "the army", gold_bel) == 3
    # without the predicted entity the string stands alone: "government forces" vs {"army", "syrian army"}
    assert reference_level("government forces", [], "the army", gold_bel) == 0
    assert reference_level(None, [], None, []) == 3
    assert reference_level(None, [], "Hama", []) == 0
    assert reference_level("Hama", [], None, []) == 0


# ---------------------------------------------------------------- assignment


def test_two_predictions_for_one_gold_one_tp_one_fp() -> None:
    rec = record(belligerents=[bel("Syrian army")])
    out = score_one(rec, pred(belligerents=[bel("Syrian army troops"), bel("Syrian army")]))
    b = out["fields"]["belligerents"]
    # one gold, two candidates: only one may match -> TP 1, FP 1, FN 0
    # P = 1/2, R = 1/1, F1 = 2*1/(2*1+1+0) = 2/3
    assert counts(b) == (1, 1, 0)
    assert b["precision"] == 0.5 and b["recall"] == 1.0 and b["f1"] == pytest.approx(2 / 3)
    art = out["per_article"][0]["fields"]["belligerents"]
    # the exact match is preferred over the containment match
    assert art["matched"][0]["pred"] == "Syrian army" and art["matched"][0]["match"] == "exact"
    assert art["spurious"] == ["Syrian army troops"] and art["missed"] == []


def test_required_gold_first_even_at_lower_quality() -> None:
    rec = record(locations=[loc("Soran"), loc("Soran district", optional=True)])
    # "Soran district" equals the optional item but also contains "soran" (containment with the required one);
    # required matches come first -> it matches "Soran": TP 1, FP 0, FN 0
    out = score_one(rec, pred(locations=[loc("Soran district")]))
    assert counts(out["fields"]["locations"]) == (1, 0, 0)
    assert out["per_article"][0]["fields"]["locations"]["matched"][0]["match"] == "containment"


def test_optional_gold_neither_rewarded_nor_punished() -> None:
    rec = record(belligerents=[bel("Syrian army"), bel("al Qaeda", optional=True)])
    without = score_one(rec, pred(belligerents=[bel("Syrian army")]))
    with_opt = score_one(rec, pred(belligerents=[bel("Syrian army"), bel("al Qaeda")]))
    # unmatched optional gold is not a miss; a prediction on it is not a false positive
    assert counts(without["fields"]["belligerents"]) == (1, 0, 0)
    assert counts(with_opt["fields"]["belligerents"]) == (1, 0, 0)
    assert with_opt["per_article"][0]["fields"]["belligerents"]["optional_matched"][0]["gold"] == "al Qaeda"


def test_remaining_prediction_goes_to_optional_gold() -> None:
    rec = record(locations=[loc("Hama province", ("Hama",)), loc("Hama city", ("Hama",), optional=True)])
    # "Hama" -> required "Hama province" (via alias), "Hama city" -> the optional item: TP 1, FP 0, FN 0
    out = score_one(rec, pred(locations=[loc("Hama city"), loc("Hama")]))
    assert counts(out["fields"]["locations"]) == (1, 0, 0)


def test_in_text_false_is_optional() -> None:
    rec = record(belligerents=[bel("Syrian army"), {"name": "Islamic State", "aliases": [], "in_text": False}])
    # not predicted -> no miss; predicted -> no false positive
    assert counts(score_one(rec, pred(belligerents=[bel("Syrian army")]))["fields"]["belligerents"]) == (1, 0, 0)
    both = pred(belligerents=[bel("Syrian army"), bel("Islamic State")])
    assert counts(score_one(rec, both)["fields"]["belligerents"]) == (1, 0, 0)


# ---------------------------------------------------------------- modes


def test_recall_mode_reports_recall_only() -> None:
    rec = record(mode="recall", belligerents=[bel("Syrian army"), bel("Iran")])
    out = score_one(rec, pred(belligerents=[bel("Syrian army"), bel("Hezbollah")]))
    b = out["fields"]["belligerents"]
    # TP 1 (Syrian army), FP 1 (Hezbollah), FN 1 (Iran): recall = 1/2; precision and F1 are not reported
    assert b["mode"] == "recall" and counts(b) == (1, 1, 1)
    assert b["recall"] == 0.5 and b["precision"] is None and b["f1"] is None and b["macro_f1"] is None
    assert b["ci95_metric"] == "recall" and b["ci95"] == [0.5, 0.5]  # one article: every resample is the same
    assert out["fields_recall"] == {}


def test_mixed_modes_are_reported_per_mode() -> None:
    full = record("f", belligerents=[bel("Syrian army")])
    rec = record("r", mode="recall", belligerents=[bel("Syrian army"), bel("Iran")])
    p = pred(belligerents=[bel("Syrian army")])
    out = score([full, rec], {"f": line(p, "f"), "r": line(p, "r")}, n_boot=20)
    # full-mode articles in fields.<field>; recall-mode articles in fields_recall.<field>
    assert out["fields"]["belligerents"]["mode"] == "full"
    assert out["fields"]["belligerents"]["n_articles"] == 1 and out["fields"]["belligerents"]["f1"] == 1.0
    r = out["fields_recall"]["belligerents"]
    assert r["mode"] == "recall" and r["n_articles"] == 1 and r["recall"] == 0.5 and r["precision"] is None


def test_fields_not_annotated_are_not_scored() -> None:
    rec = record(belligerents=[bel("Syrian army")])
    out = score_one(rec, pred(belligerents=[bel("Syrian army")], locations=[loc("Soran")]))
    assert set(out["fields"]) == {"belligerents"}
    assert set(out["per_article"][0]["fields"]) == {"belligerents"}


# ---------------------------------------------------------------- reinforcements


GOLD_BEL = [bel("Syrian army", ("the army",))]
GOLD_LOC = [loc("Hama province", ("Hama",), type="province")]


def test_reinforcement_sender_and_destination_alias_aware() -> None:
    rec = record(belligerents=GOLD_BEL, locations=GOLD_LOC, reinforcements=[rf("The army", "Hama province")])
    # sender "government forces" is an alias of the predicted "Syrian army" = gold name -> exact;
    # destination "Hama" is a gold alias of "Hama province" -> exact; status differs
    p = pred(
        belligerents=[bel("Syrian army", ("government forces",))],
        reinforcements=[rf("government forces", "Hama", status="arrived")],
    )
    r = score_one(rec, p)["fields"]["reinforcements"]
    assert counts(r) == (1, 0, 0) and r["status_accuracy"] == 0.0
    # without that predicted alias the sender names nothing the gold knows: FP 1, FN 1
    p2 = pred(belligerents=[bel("Syrian army")], reinforcements=[rf("government forces", "Hama")])
    assert counts(score_one(rec, p2)["fields"]["reinforcements"]) == (0, 1, 1)


def test_reinforcement_null_destination_matches_only_null() -> None:
    rec = record(belligerents=GOLD_BEL, reinforcements=[rf("Syrian army", None)])
    assert counts(score_one(rec, pred(reinforcements=[rf("Syrian army", None)]))["fields"]["reinforcements"]) == (
        1,
        0,
        0,
    )
    assert counts(score_one(rec, pred(reinforcements=[rf("Syrian army", "Hama")]))["fields"]["reinforcements"]) == (
        0,
        1,
        1,
    )
    rec2 = record(belligerents=GOLD_BEL, reinforcements=[rf("Syrian army", "Hama")])
    assert counts(score_one(rec2, pred(reinforcements=[rf("Syrian army", None)]))["fields"]["reinforcements"]) == (
        0,
        1,
        1,
    )


# ---------------------------------------------------------------- quotes

GOLD_Q = "we will hold every street of this town until help arrives"  # 11 tokens


def test_token_f1_values() -> None:
    # 10 gold tokens; 8 shared + 2 others = 10 predicted: F1 = 2*8/(10+10) = 0.8
    gold = "one two three four five six seven eight nine ten"
    assert token_f1("one two three four five six seven eight x y", gold) == 0.8
    # multiset: "no" once against "no no no": overlap 1, F1 = 2*1/(1+3) = 0.5
    assert token_f1("no", "no no no") == 0.5
    # normalisation first: case and curly apostrophe do not matter
    assert token_f1("We\u2019re READY", "we're ready") == 1.0


def test_quote_threshold_just_below_and_above() -> None:
    gold = "one two three four five six seven eight nine ten"
    at = "one two three four five six seven eight x y"  # 2*8/(10+10) = 0.800 -> match
    below = "one two three four five six seven eight x y z"  # 2*8/(11+10) = 0.762 -> no match
    above = "one two three four five six seven eight nine x"  # 2*9/(10+10) = 0.900 -> match
    assert quotes_match(at, gold) and not quotes_match(below, gold) and quotes_match(above, gold)
    rec = record(quotes=[qt(gold, "source")])
    assert counts(score_one(rec, pred(quotes=[qt(below, "source")]))["fields"]["quotes"]) == (0, 1, 1)
    assert counts(score_one(rec, pred(quotes=[qt(at, "source")]))["fields"]["quotes"]) == (1, 0, 0)


def test_speaker_rules() -> None:
    assert speaker_right("Syrian military source", "a Syrian military source")  # equal after normalisation
    assert speaker_right("Golani", "Abu Mohammed al-Golani")  # whole-word containment, either way
    assert speaker_right("Abu Mohammed al-Golani", "Golani")
    # "abu mohammad al-golani" vs "abu mohammed al-golani": 22 chars each, 21 in common -> 42/44 = 95.5
    assert speaker_right("Abu Mohammad al-Golani", "Abu Mohammed al-Golani")
    assert not speaker_right("the rebels", "an army statement")
    assert not speaker_right("Golan", "Abu Mohammed al-Golani")  # not whole words; ratio 2*5/27 = 37


def test_speaker_accuracy_and_end_to_end() -> None:
    texts = ["alpha bravo charlie", "delta echo foxtrot", "golf hotel india", "juliet kilo lima"]
    gold = [
        qt(texts[0], "a Syrian military source"),
        qt(texts[1], "Abu Mohammed al-Golani"),
        qt(texts[2], "Abu Mohammed al-Golani"),
        qt(texts[3], "an army statement"),
    ]
    preds = [
        qt(texts[0], "Syrian military source"),  # right: equal after normalisation
        qt(texts[1], "Golani"),  # right: containment
        qt(texts[2], "Abu Mohammad al-Golani"),  # right: fuzzy 95.5
        qt(texts[3], "the rebels"),  # wrong
    ]
    q = score_one(record(quotes=gold), pred(quotes=preds))["fields"]["quotes"]
    # all four texts match: TP 4, F1 1.0; speakers right on 3 of 4 -> accuracy 0.75
    assert counts(q) == (4, 0, 0) and q["f1"] == 1.0 and q["speaker_accuracy"] == 0.75
    # end to end the wrong-speaker match is one FP and one FN: TP 3, FP 1, FN 1
    # P = 3/4, R = 3/4, F1 = 2*3/(6+1+1) = 0.75
    e2e = q["e2e"]
    assert (e2e["tp"], e2e["fp"], e2e["fn"]) == (3, 1, 1)
    assert e2e["precision"] == 0.75 and e2e["recall"] == 0.75 and e2e["f1"] == 0.75


# ---------------------------------------------------------------- attributes and side grouping


def test_role_type_within_accuracy() -> None:
    rec = record(
        belligerents=[bel("Syrian army", role="combatant"), bel("Russia", role="supporter")],
        locations=[
            loc("Hama province", ("Hama",), type="province"),
            loc("Soran", within="Hama province"),
            loc("Khattab", within="Hama province"),
        ],
    )
    p = pred(
        belligerents=[bel("Syrian army", role="combatant"), bel("Russia", role="combatant")],
        locations=[
            loc("Hama province", type="province"),
            loc("Soran", type="village", within="Hama"),
            loc("Khattab", within=None),
        ],
    )
    out = score_one(rec, p)
    # roles: 1 right of 2 = 0.5; types: province ok, village != town, town ok = 2/3
    # within: Hama province null=null ok, "Hama" = gold alias of "Hama province" ok, null != "Hama province" -> 2/3
    assert out["fields"]["belligerents"]["role_accuracy"] == 0.5
    assert out["fields"]["locations"]["type_accuracy"] == pytest.approx(2 / 3)
    assert out["fields"]["locations"]["within_accuracy"] == pytest.approx(2 / 3)


def test_side_grouping_pairs() -> None:
    gold = [bel("A", side="gov"), bel("B", side="gov"), bel("C", side="reb"), bel("D", side="reb")]
    preds = [bel("A", side="regime"), bel("B", side="regime"), bel("C", side="regime"), bel("D", side="opp")]
    sg = score_one(record(belligerents=gold), pred(belligerents=preds))["side_grouping"]
    # 6 pairs of matched belligerents. gold together: AB, CD. predicted together: AB, AC, BC.
    # TP = AB = 1; FP = AC, BC = 2; FN = CD = 1. P = 1/3, R = 1/2, F1 = 2*1/(2+2+1) = 0.4
    assert (sg["tp"], sg["fp"], sg["fn"]) == (1, 2, 1)
    assert sg["precision"] == pytest.approx(1 / 3) and sg["recall"] == 0.5 and sg["f1"] == pytest.approx(0.4)


# ---------------------------------------------------------------- failures, rates, macro/micro


def test_failed_predictions_counted_and_scored_empty() -> None:
    gold = [bel("Syrian army"), bel("Tahrir al-Sham")]
    recs = [record(i, belligerents=gold) for i in ("ok", "null", "invalid", "missing", "error")]
    bad = pred(belligerents=gold)
    del bad["summary"]  # schema-invalid, though its items would match
    preds = {
        "ok": line(pred(belligerents=gold), "ok"),
        "null": line(None, "null", error={"type": "Timeout", "message": "budget"}),
        "invalid": line(bad, "invalid"),
        # "missing" has no line at all
        "error": line(pred(belligerents=gold), "error", error={"type": "X", "message": "y"}),  # failed all the same
    }
    out = score(recs, preds, n_boot=10)
    assert out["failed"] == 4 and out["n_articles"] == 5
    # 1 article right (TP 2), 4 scored empty (FN 2 each): TP 2, FP 0, FN 8; R = 2/10 = 0.2
    assert counts(out["fields"]["belligerents"]) == (2, 0, 8)
    assert out["fields"]["belligerents"]["recall"] == 0.2
    flags = {a["id"]: a["failed"] for a in out["per_article"]}
    assert flags == {"ok": False, "null": True, "invalid": True, "missing": True, "error": True}
    assert out["per_article"][1]["error"] == {"type": "Timeout", "message": "budget"}
    assert out["per_article"][1]["fields"]["belligerents"]["missed"] == ["Syrian army", "Tahrir al-Sham"]
    assert out["items_per_article"]["belligerents"] == 0.4  # (2 + 0 + 0 + 0 + 0) / 5


def test_validity_and_verbatim_rates() -> None:
    recs = [record(i, belligerents=[bel("Syrian army")]) for i in ("a", "b", "c")]
    p_a = pred(belligerents=[bel("Syrian army", ("The army",))])  # valid; 2 verbatim strings, both in TEXT
    # schema-valid (the validator's consistency check objects to the sender, but that is not schema validity).
    # 4 verbatim strings: "Syrian army" in, "Aleppo" not in TEXT, "Tahrir al-Sham" in, "tanks" in
    p_b = pred(
        belligerents=[bel("Syrian army")], locations=[loc("Aleppo")], reinforcements=[rf("Tahrir al-Sham", None)]
    )
    out = score(recs, {"a": line(p_a, "a"), "b": line(p_b, "b"), "c": line(None, "c")}, n_boot=10)
    assert out["validity_rate"] == pytest.approx(2 / 3)  # "a" and "b" of 3
    assert out["verbatim_rate"] == pytest.approx(5 / 6)  # (2 + 3) of (2 + 4)
    assert out["failed"] == 1  # "b" is still scored: it passes the schema
    assert [a["valid"] for a in out["per_article"]] == [True, True, False]


def test_macro_and_micro_f1() -> None:
    recs = [
        record("one", belligerents=[bel("Syrian army")]),
        record("two", belligerents=[bel("Iran"), bel("Russia"), bel("Hezbollah")]),
        record("none", belligerents=[]),
    ]
    preds = {
        "one": line(pred(belligerents=[bel("Syrian army")]), "one"),
        "two": line(pred(), "two"),
        "none": line(pred(), "none"),
    }
    b = score(recs, preds, n_boot=10)["fields"]["belligerents"]
    # micro: TP 1, FP 0, FN 3 -> P = 1, R = 1/4, F1 = 2*1/(2+0+3) = 0.4
    assert counts(b) == (1, 0, 3) and b["precision"] == 1.0 and b["recall"] == 0.25 and b["f1"] == 0.4
    # macro: per-article F1 1.0, 0.0 and 1.0 (nothing expected, nothing predicted) -> 2/3
    assert b["macro_f1"] == pytest.approx(2 / 3)
    # macro recall only over articles with required gold: (1 + 0) / 2
    assert b["macro_recall"] == 0.5


def _many() -> tuple[list[GoldRecord], dict[str, dict[str, Any]]]:
    names = ["Syrian army", "Iran", "Russia", "Hezbollah"]
    recs, preds = [], {}
    for k in range(20):
        aid = f"a{k}"
        recs.append(record(aid, belligerents=[bel(n) for n in names]))
        preds[aid] = line(pred(belligerents=[bel(n) for n in names[: k % 5]] + [bel("Wagner")] * (k % 2)), aid)
    return recs, preds


def test_bootstrap_ci_deterministic_and_contains_point() -> None:
    recs, preds = _many()
    a = score(recs, preds, n_boot=500, seed=7)["fields"]["belligerents"]
    b = score(recs, preds, n_boot=500, seed=7)["fields"]["belligerents"]
    c = score(recs, preds, n_boot=500, seed=8)["fields"]["belligerents"]
    assert a["ci95"] == b["ci95"] and a["ci95"] != c["ci95"]
    lo, hi = a["ci95"]
    assert lo < a["f1"] < hi
    assert score(recs, preds, n_boot=0)["fields"]["belligerents"]["ci95"] is None


def test_timings_tokens_and_run_metadata() -> None:
    recs = [record(i, belligerents=[]) for i in ("a", "b", "c")]
    p_b = pred()
    p_b["meta"] = {"timings": {"total_s": 4.0}, "tokens": {"generated": 300}}
    preds = {
        "a": {"id": "a", "prediction": pred(), "meta": {"timings": {"total_s": 2.0}, "tokens": {"generated": 100}}},
        "b": line(p_b, "b"),  # only the prediction's own meta
        "c": line(pred(), "c"),  # neither
        "zzz": line(pred(), "zzz"),  # no gold for it
    }
    out = score(recs, preds, n_boot=5, run_meta={"model": "m", "commit": "abc", "other": 1})
    assert out["time_per_article_s"] == 3.0  # (2 + 4) / 2, "c" has none
    assert out["generated_tokens_per_article"] == 200.0  # (100 + 300) / 2
    assert out["model"] == "m" and out["commit"] == "abc"
    assert out["prompt_version"] is None and out["schema_version"] is None and out["date"] is None
    assert out["machine"] is None and "other" not in out
    assert out["n_predictions_without_gold"] == 1
    empty = score(recs, {}, n_boot=5)
    assert empty["time_per_article_s"] is None and empty["generated_tokens_per_article"] is None


def test_scores_json_layout() -> None:
    rec = record(belligerents=[bel("Syrian army")], quotes=[qt("We are ready", "a Syrian military source")])
    out = score_one(rec, pred(belligerents=[bel("Syrian army")]))
    json.dumps(out)  # serialisable
    for key in (
        "fields",
        "fields_recall",
        "side_grouping",
        "validity_rate",
        "verbatim_rate",
        "failed",
        "n_articles",
        "per_article",
        "items_per_article",
        "time_per_article_s",
        "generated_tokens_per_article",
        "model",
        "prompt_version",
        "schema_version",
        "commit",
        "date",
        "machine",
    ):
        assert key in out
    for key in ("precision", "recall", "f1", "tp", "fp", "fn", "ci95", "macro_f1", "n_articles"):
        assert key in out["fields"]["belligerents"]
    assert set(out["fields"]["quotes"]["e2e"]) >= {"precision", "recall", "f1"}
    assert "speaker_accuracy" in out["fields"]["quotes"]
    assert set(out["side_grouping"]) >= {"precision", "recall", "f1"}


# ---------------------------------------------------------------- the example article against itself


_KEEP = {
    "belligerents": ("name", "aliases", "side", "role"),
    "locations": ("name", "aliases", "type", "within"),
    "reinforcements": ("sender", "forces", "destination", "origin", "status"),
    "quotes": ("text", "speaker", "speaker_affiliation"),
}


def test_hama_gold_against_itself_scores_one() -> None:
    (rec,) = load_gold([HAMA_GOLD])
    prediction = {"summary": "Gold as a prediction."}
    prediction.update({f: [{k: it[k] for k in keys} for it in rec.gold[f]] for f, keys in _KEEP.items()})
    out = score([rec], {rec.id: line(prediction, rec.id)}, n_boot=100)
    assert out["failed"] == 0 and out["validity_rate"] == 1.0 and out["verbatim_rate"] == 1.0
    for f in ("belligerents", "locations", "reinforcements", "quotes"):
        block = out["fields"][f]
        assert block["fp"] == 0 and block["fn"] == 0 and block["tp"] > 0
        assert block["precision"] == block["recall"] == block["f1"] == block["macro_f1"] == 1.0
        assert block["ci95"] == [1.0, 1.0]
    assert out["fields"]["belligerents"]["role_accuracy"] == 1.0
    assert out["fields"]["locations"]["type_accuracy"] == out["fields"]["locations"]["within_accuracy"] == 1.0
    assert out["fields"]["reinforcements"]["status_accuracy"] == 1.0
    assert out["fields"]["quotes"]["speaker_accuracy"] == 1.0
    assert out["fields"]["quotes"]["e2e"]["f1"] == 1.0
    assert out["side_grouping"]["f1"] == 1.0
