"""The optional llama.cpp backend: loading errors without llama-cpp-python, and constrained generation."""

from __future__ import annotations

import json
import sys

import pytest

from summarizer import model_store
from summarizer.backends import load_backend
from summarizer.grammar import build_lark, json_word_chunks
from summarizer.parse import parse
from summarizer.schema import generation_schema

ARTICLE = (
    "HAMA, Syria (Reuters) - Syrian government forces pushed rebels of Tahrir al-Sham out of the town of "
    'Soran on Tuesday, a military source said. "Reinforcements are now being sent to the front," the source '
    "told Reuters. The Syrian Observatory for Human Rights said at least 12 fighters were killed."
)
SYSTEM = (
    "Extract the belligerents, locations, reinforcements and quotes of the news article as JSON. Copy names "
    "exactly as the article writes them."
)


def test_missing_llama_cpp_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # `import llama_cpp` now raises ImportError
    with pytest.raises(model_store.ModelNotAvailableError, match=r'pip install "summarizer\[llamacpp\]"'):
        load_backend(None, "llamacpp")


def test_unknown_backend_lists_llamacpp() -> None:
    with pytest.raises(ValueError, match="transformers, llamacpp"):
        load_backend(None, "vllm")


def test_non_gguf_model_is_refused() -> None:
    pytest.importorskip("llama_cpp")
    with pytest.raises(model_store.ModelNotAvailableError, match="GGUF"):
        load_backend("Qwen/Qwen2.5-0.5B-Instruct", "llamacpp")
    with pytest.raises(model_store.ModelNotAvailableError, match="not found"):
        load_backend("/nonexistent/model.gguf", "llamacpp")


@pytest.fixture(scope="module")
def backend():
    pytest.importorskip("llama_cpp")
    from summarizer.backends.llamacpp_backend import LlamaCppBackend

    # one thread: several threads wait on each other at every step when the machine is busy (10x slower)
    return LlamaCppBackend(n_threads=1)


@pytest.mark.model
def test_generate_end_to_end(backend) -> None:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ARTICLE}]
    gen = backend.generate(messages, build_lark(generation_schema(), ARTICLE), 160)
    data = parse(gen.text, ARTICLE)
    verbatim = [b.name for b in data.belligerents] + [loc.name for loc in data.locations]
    verbatim += [q.text for q in data.quotes]
    assert verbatim
    for s in verbatim:
        assert s in ARTICLE
    assert any("Reinforcements are now being sent" in q.text for q in data.quotes)
    assert gen.forced_tokens > 0 and gen.forward_passes < gen.generated_tokens
    assert 0 < backend.count_tokens(ARTICLE) < gen.prompt_tokens


def _name_grammar() -> str:
    """A tiny grammar: one name that must be a substring of the article (whole words)."""
    return (
        'start: "{\\"name\\":\\"" NAME "\\"}"\n'
        "NAME: %regex " + json.dumps({"substring_chunks": json_word_chunks(ARTICLE)}) + " & /.{2,40}/\n"
    )


@pytest.mark.model
def test_forced_strings_stay_in_article(backend) -> None:
    # the prompt asks for a name the article does not have; the grammar only offers article text
    messages = [
        {"role": "system", "content": 'Answer with JSON {"name": ...}.'},
        {"role": "user", "content": "Write the name Napoleon Bonaparte."},
    ]
    gen = backend.generate(messages, _name_grammar(), 40)
    name = json.loads(gen.text)["name"]
    assert len(name) >= 2 and name in ARTICLE
    assert "Napoleon" not in gen.text


@pytest.mark.model
def test_budget_closes_json(backend) -> None:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ARTICLE}]
    gen = backend.generate(messages, build_lark(generation_schema(), ARTICLE), 64)
    assert gen.closed_early
    parse(gen.text, ARTICLE)


@pytest.mark.model
def test_prefix_cache_is_reused(backend) -> None:
    first = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Who fought in Soran?"}]
    second = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Who was killed?"}]
    backend.generate(first, _name_grammar(), 24)
    gen = backend.generate(second, _name_grammar(), 24)
    assert gen.reused_prompt_tokens == len(backend._encode(second[:1], generation_prompt=False))
    assert json.loads(gen.text)["name"] in ARTICLE
