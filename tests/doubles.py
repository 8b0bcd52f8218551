"""Test doubles shared by several test files: a backend that answers from the article it is given, and a
tiny random Qwen2 built from its config (no download)."""

from __future__ import annotations

import json
from typing import Any

import torch

from summarizer.backends.base import GenerationResult


def article_of(messages: list[dict[str, str]]) -> str:
    """The article inside the prompt's last message (between the ``<<<`` and ``>>>`` lines)."""
    return messages[-1]["content"].split("<<<\n", 1)[1].rsplit("\n>>>", 1)[0]


class ReadingBackend:
    """Answers with what ``answer`` finds in the article it is given, and records each article in ``seen``."""

    model_name = "reading-double"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def answer(self, article: str) -> dict[str, Any]:
        raise NotImplementedError

    def generate(self, messages: list[dict[str, str]], grammar: Any, max_new_tokens: int) -> GenerationResult:
        article = article_of(messages)
        self.seen.append(article)
        return GenerationResult(text=json.dumps(self.answer(article)), prompt_tokens=10, generated_tokens=5)


def tiny_qwen2(seed: int, **sizes: Any) -> torch.nn.Module:
    """A Qwen2 with random weights, 4 query and 2 key/value heads, in bf16 and eval mode; ``sizes`` are
    ``Qwen2Config`` fields (vocabulary, widths, layers, tying)."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(num_attention_heads=4, num_key_value_heads=2, **sizes)
    return Qwen2ForCausalLM(config).to(torch.bfloat16).eval()
