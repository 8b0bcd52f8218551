"""The result of one extraction: validated data with spans, plus provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from summarizer.schema import ConflictSummary


@dataclass
class Result:
    """Validated, grounded output for one article.

    ``data`` is the pydantic model (spans and meta filled in); ``to_json()`` gives the output layout.
    """

    data: ConflictSummary
    article: str

    @property
    def meta(self) -> dict[str, Any]:
        """Model, prompt and schema versions, timings and token counts."""
        return self.data.meta.model_dump(mode="json") if self.data.meta else {}

    @property
    def timings(self) -> dict[str, float]:
        return dict(self.data.meta.timings) if self.data.meta else {}

    @property
    def tokens(self) -> dict[str, int]:
        return dict(self.data.meta.tokens) if self.data.meta else {}

    def to_dict(self) -> dict[str, Any]:
        """The output layout as plain JSON types."""
        return self.data.model_dump(mode="json")

    def to_json(self, indent: int | None = None) -> str:
        """The output layout as JSON text (UTF-8, non-ASCII kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
