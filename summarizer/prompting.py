"""Build the chat prompt from the templates and few-shot examples in ``prompts/``.

The prompt version is a hash of every file that shapes the prompt, so each result records exactly
which instructions and examples produced it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from summarizer.resources import resource_path

PROMPT_NAME = "single-pass"


@dataclass(frozen=True)
class Example:
    """A few-shot example: an article and its compact JSON answer."""

    name: str
    article: str
    answer: str


@dataclass(frozen=True)
class PromptSet:
    """The templates and examples, loaded once."""

    system: jinja2.Template
    user: jinja2.Template
    examples: tuple[Example, ...]
    version: str


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".j2", ".txt", ".json"})


@lru_cache(maxsize=1)
def load_prompts() -> PromptSet:
    """Load ``prompts/``; examples are ``examples/NAME.txt`` with ``examples/NAME.json``."""
    root = resource_path("prompts")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )
    examples = []
    for txt in sorted((root / "examples").glob("*.txt")):
        answer = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
        compact = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        examples.append(Example(txt.stem, txt.read_text(encoding="utf-8").strip(), compact))
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return PromptSet(
        system=env.get_template("system.j2"),
        user=env.get_template("user.j2"),
        examples=tuple(examples),
        version=f"{PROMPT_NAME}-{digest.hexdigest()[:12]}",
    )


def build_messages(article: str, prompts: PromptSet | None = None) -> list[dict[str, str]]:
    """Chat messages: system instructions, the examples as turns, then the article.

    Everything but the last message is the same for every article, so its KV cache can be reused.
    """
    p = prompts or load_prompts()
    messages = [{"role": "system", "content": p.system.render().strip()}]
    for ex in p.examples:
        messages.append({"role": "user", "content": p.user.render(article=ex.article).strip()})
        messages.append({"role": "assistant", "content": ex.answer})
    messages.append({"role": "user", "content": p.user.render(article=article).strip()})
    return messages
