"""The backend interface: chat messages and a grammar in, constrained text out."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Protocol


class GenerationError(RuntimeError):
    """Generation could not produce an answer the grammar accepts."""


@dataclass
class GenerationResult:
    """What one constrained generation produced, with counts and timings."""

    text: str
    prompt_tokens: int
    generated_tokens: int
    forced_tokens: int = 0
    forward_passes: int = 0
    reused_prompt_tokens: int = 0
    closed_early: bool = False
    drafted_tokens: int = 0
    accepted_draft_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)


class Backend(Protocol):
    """A loaded model that can generate under an llguidance grammar."""

    model_name: str
    load_seconds: float

    def generate(self, messages: list[dict[str, str]], grammar: str, max_new_tokens: int) -> GenerationResult:
        """Generate greedily from chat ``messages`` constrained by a Lark ``grammar``."""
        ...

    def count_tokens(self, text: str) -> int:
        """Number of tokens ``text`` takes."""
        ...


def shared_prefix_len(a: list[int], b: list[int]) -> int:
    """How many leading tokens ``a`` and ``b`` have in common."""
    return len(os.path.commonprefix([a, b]))
