"""The output contract: pydantic v2 models and the JSON Schema generated from them.

``schemas/conflict_summary.schema.json`` is generated from these models by
``python -m summarizer.schema --write`` and a test checks that it is current. Fields marked
``x-verbatim`` must be exact substrings of the article. ``spans`` and ``meta`` are optional so that
output from other tools validates too; the generation schema (``generation_schema()``) drops them.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from summarizer.resources import resource_path

SCHEMA_VERSION = "1.2.0"
SCHEMA_ID = f"urn:summarizer:schema:conflict_summary:{SCHEMA_VERSION}"
SCHEMA_FILE = "conflict_summary.schema.json"

# Bounds keep generation finite; see README "Limits".
MAX_NAME = 80
MAX_ALIASES = 6
MAX_BELLIGERENTS = 12
MAX_LOCATIONS = 15
MAX_REINFORCEMENTS = 6
# The model attributes the first GENERATED_QUOTES quoted passages; the rest are attributed from the
# wire's patterns (``attribution.fill_quotes``), so a long article keeps all its quotes.
MAX_QUOTES = 40
GENERATED_QUOTES = 12
MAX_QUOTE_TEXT = 400
MAX_SPEAKER = 100
MAX_SIDE = 40
MAX_AFFILIATION = 80
MAX_FORCES = 80
MAX_SUMMARY = 240

Role = Literal["combatant", "supporter"]
LocationType = Literal["country", "region", "province", "city", "town", "village", "district", "site", "other"]
Status = Literal["planned", "under_way", "arrived"]

_VERB = {"x-verbatim": True}


def _verbatim(max_length: int, description: str, mention: str | None = None) -> Any:
    extra = dict(_VERB, **({"x-mention": mention} if mention else {}))
    return Field(min_length=1, max_length=max_length, description=description, json_schema_extra=extra)


Span = Annotated[
    tuple[Annotated[int, Field(ge=0, strict=True)], Annotated[int, Field(ge=0, strict=True)]],
    Field(description="[start, end) code-point offsets into the article"),
]
# ``x-mention`` says what a verbatim string names: "actor" (an armed side) or "place". The grammar
# uses it to keep such strings to plausible mentions; validators may ignore it.
ActorMention = Annotated[str, _verbatim(MAX_NAME, "a mention of the actor, verbatim", "actor")]
PlaceMention = Annotated[str, _verbatim(MAX_NAME, "a mention of the place, verbatim", "place")]
_PLACE = {"x-verbatim": True, "x-mention": "place"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BelligerentSpans(_Strict):
    name: Span
    aliases: list[Span]


class LocationSpans(_Strict):
    name: Span
    aliases: list[Span]
    within: Span | None


class ReinforcementSpans(_Strict):
    sender: Span
    forces: Span
    destination: Span | None
    origin: Span | None


class QuoteSpans(_Strict):
    text: Span
    speaker: Span


class Belligerent(_Strict):
    """An organised armed actor fighting in, or militarily backing a side of, the reported events."""

    name: str = _verbatim(MAX_NAME, "proper name, verbatim", "actor")
    aliases: list[ActorMention] = Field(max_length=MAX_ALIASES, description="other mentions, verbatim")
    side: str = Field(min_length=1, max_length=MAX_SIDE, description="camp label shared by allies")
    role: Role
    spans: BelligerentSpans | None = None


class Location(_Strict):
    """A named place where the reported military events happen, or the country/region of the conflict."""

    name: str = _verbatim(MAX_NAME, "proper name, verbatim", "place")
    aliases: list[PlaceMention] = Field(max_length=MAX_ALIASES, description="other mentions, verbatim")
    type: LocationType
    within: str | None = Field(
        min_length=1,
        max_length=MAX_NAME,
        description="containing place, verbatim, or null",
        json_schema_extra=_PLACE,
    )
    spans: LocationSpans | None = None


class Reinforcement(_Strict):
    """Troops, fighters, weapons or equipment a side sends or moves toward an area."""

    sender: str = _verbatim(MAX_NAME, "the belligerent whose side they strengthen, verbatim", "actor")
    forces: str = _verbatim(MAX_FORCES, "what is sent, verbatim")
    destination: str | None = Field(
        min_length=1, max_length=MAX_NAME, description="place, verbatim, or null", json_schema_extra=_PLACE
    )
    origin: str | None = Field(
        min_length=1, max_length=MAX_NAME, description="place, verbatim, or null", json_schema_extra=_PLACE
    )
    status: Status
    spans: ReinforcementSpans | None = None


class Quote(_Strict):
    """Direct speech: the words inside quotation marks, with who said them."""

    text: str = _verbatim(MAX_QUOTE_TEXT, "the words inside the marks, verbatim")
    speaker: str = _verbatim(MAX_SPEAKER, "who said it, as the article identifies them")
    speaker_affiliation: str | None = Field(
        min_length=1, max_length=MAX_AFFILIATION, description="the speaker's side or organisation, or null"
    )
    spans: QuoteSpans | None = None


class Meta(BaseModel):
    """Provenance of a result; free-form beyond the listed keys."""

    model_config = ConfigDict(extra="allow")
    model: str | None = None
    prompt_version: str | None = None
    schema_version: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    tokens: dict[str, int] = Field(default_factory=dict)


class ConflictSummary(_Strict):
    """One article's extraction."""

    summary: str = Field(min_length=1, max_length=MAX_SUMMARY, description="1-3 sentences, own words")
    belligerents: list[Belligerent] = Field(max_length=MAX_BELLIGERENTS)
    locations: list[Location] = Field(max_length=MAX_LOCATIONS)
    reinforcements: list[Reinforcement] = Field(max_length=MAX_REINFORCEMENTS)
    quotes: list[Quote] = Field(max_length=MAX_QUOTES)
    meta: Meta | None = None


LIST_FIELDS = ("belligerents", "locations", "reinforcements", "quotes")


def build_schema() -> dict[str, Any]:
    """Return the public JSON Schema (2020-12) generated from the models."""
    body = ConflictSummary.model_json_schema()
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "version": SCHEMA_VERSION,
    }
    schema.update(body)
    schema["title"] = "ConflictSummary"
    return schema


def _strip(node: Any, drop: set[str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "properties":
                value = {k: v for k, v in value.items() if k not in drop}
            if key == "required":
                value = [k for k in value if k not in drop]
            out[key] = _strip(value, drop)
        return out
    if isinstance(node, list):
        return [_strip(v, drop) for v in node]
    return node


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """Load the schema file that ships with the package."""
    return json.loads(resource_path("schemas", SCHEMA_FILE).read_text(encoding="utf-8"))


def generation_schema() -> dict[str, Any]:
    """The schema the model is constrained to: the public one without ``spans`` and ``meta``."""
    schema = _strip(copy.deepcopy(load_schema()), {"spans", "meta"})
    defs = schema.get("$defs", {})
    for name in [n for n in defs if n.endswith("Spans") or n == "Meta"]:
        del defs[name]
    schema["properties"]["quotes"]["maxItems"] = GENERATED_QUOTES
    return schema


def render_schema() -> str:
    """The schema file's exact text."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def within_bounds(data: ConflictSummary) -> ConflictSummary:
    """``data`` with each list cut to the schema's bound (the first items kept)."""
    bounds = {
        "belligerents": MAX_BELLIGERENTS,
        "locations": MAX_LOCATIONS,
        "reinforcements": MAX_REINFORCEMENTS,
        "quotes": MAX_QUOTES,
    }
    over = {key: getattr(data, key)[:n] for key, n in bounds.items() if len(getattr(data, key)) > n}
    return data.model_copy(update=over) if over else data


def main(argv: list[str] | None = None) -> int:
    """``python -m summarizer.schema [--write|--check]``: print, write or check the schema file."""
    parser = argparse.ArgumentParser(prog="python -m summarizer.schema", description=main.__doc__)
    parser.add_argument("--write", action="store_true", help="write schemas/conflict_summary.schema.json")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not current")
    args = parser.parse_args(argv)
    text = render_schema()
    path = Path(resource_path("schemas", SCHEMA_FILE))
    if args.write:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        return 0
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date; run python -m summarizer.schema --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
