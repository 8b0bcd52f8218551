"""Evaluation harness: gold data, the guide's scorer (eval/ANNOTATION.md), runs, reports, comparisons."""

from summarizer.evaluation.gold import FIELDS, GoldError, GoldRecord, is_optional, load_gold
from summarizer.evaluation.scoring import (
    entity_level,
    normalize,
    quotes_match,
    reference_level,
    score,
    speaker_right,
    token_f1,
)
from summarizer.predictions import PredictionWriter, read_predictions

__all__ = [
    "FIELDS",
    "GoldError",
    "GoldRecord",
    "entity_level",
    "is_optional",
    "load_gold",
    "normalize",
    "PredictionWriter",
    "read_predictions",
    "quotes_match",
    "reference_level",
    "score",
    "speaker_right",
    "token_f1",
]
