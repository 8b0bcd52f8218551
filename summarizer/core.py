"""The pipeline: article -> prompt -> constrained generation -> parse -> ground -> result."""

from __future__ import annotations

import time

from summarizer.article import check_article
from summarizer.backends import Backend, load_backend
from summarizer.grammar import build_lark
from summarizer.grounding import ground
from summarizer.parse import parse
from summarizer.prompting import PromptSet, build_messages, load_prompts
from summarizer.result import Result
from summarizer.schema import SCHEMA_VERSION, Meta, generation_schema

DEFAULT_MAX_NEW_TOKENS = 768


class Summarizer:
    """Load a model once, then extract from many articles.

    ``model``: None for the bundled Qwen2.5-Coder-1.5B-Instruct, or a Hugging Face model id, a local
    model directory, or a ``.gguf`` file. ``backend`` may also be a ready ``Backend`` object.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        backend: str | Backend = "transformers",
    ) -> None:
        if max_new_tokens < 64:
            raise ValueError("max_new_tokens must be at least 64")
        self.max_new_tokens = max_new_tokens
        self.backend: Backend = load_backend(model, backend) if isinstance(backend, str) else backend
        self.prompts: PromptSet = load_prompts()
        self._schema = generation_schema()

    @property
    def model_name(self) -> str:
        return self.backend.model_name

    def summarize(self, text: str) -> Result:
        """Extract belligerents, locations, reinforcements and quotes from one article."""
        check_article(text, "article")
        t0 = time.perf_counter()
        messages = build_messages(text, self.prompts)
        grammar = build_lark(self._schema, text)
        gen = self.backend.generate(messages, grammar, self.max_new_tokens)
        data = ground(parse(gen.text, text), text)
        total = time.perf_counter() - t0
        decode_s = gen.timings.get("decode_s", 0.0)
        sampled = gen.generated_tokens - gen.forced_tokens
        data.meta = Meta(
            model=self.backend.model_name,
            prompt_version=self.prompts.version,
            schema_version=SCHEMA_VERSION,
            timings={
                **gen.timings,
                "total_s": round(total, 4),
                "tokens_per_s": round(gen.generated_tokens / decode_s, 2) if decode_s else 0.0,
            },
            tokens={
                "prompt": gen.prompt_tokens,
                "prompt_reused": gen.reused_prompt_tokens,
                "generated": gen.generated_tokens,
                "forced": gen.forced_tokens,
                "sampled": sampled,
                "forward_passes": gen.forward_passes,
            },
            closed_early=gen.closed_early,
        )
        return Result(data=data, article=text)
