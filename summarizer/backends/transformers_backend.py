"""transformers backend: bf16 weights on CPU, greedy decoding under an llguidance grammar.

Speed-ups that change no output: the shared prompt prefix (instructions and examples) is prefilled
once and its KV cache reused for every article, and tokens the grammar forces are appended without a
model step of their own (jump-forward), fed to the model together in the next forward pass.
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import llguidance
import llguidance.hf
import llguidance.torch
import torch

from summarizer import model_store
from summarizer.backends.base import GenerationError, GenerationResult
from summarizer.grammar import parser_limits

# Tokens kept in reserve to close the JSON when the budget runs low. The budget counts the tokens the
# model chooses; tokens the grammar forces (keys, quote texts) cost no model step and do not count.
CLOSE_RESERVE = 48
_BRACKETS = set("]}")


def in_json_string(text: str) -> bool:
    """True when ``text`` (a JSON prefix) ends inside a string."""
    inside = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = inside
        elif ch == '"':
            inside = not inside
    return inside


def _log(msg: str) -> None:
    if os.environ.get("SUMMARIZER_QUIET") != "1":
        print(f"[summarizer] {msg}", file=sys.stderr, flush=True)


def _load_gguf_cached(gguf: Path):
    """Load a GGUF model, converting it once to a safetensors copy in the cache."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    target = model_store.converted_dir(gguf)
    if (target / "config.json").exists():
        return _load_dir(target)
    _log(f"first use: converting {gguf.name} to bf16 safetensors (about a minute, once)")
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent),
        gguf_file=gguf.name,
        dtype=torch.bfloat16,
        quantization_config=GgufConfig(dequantize=True),
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".convert-"))
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        os.replace(tmp, target)
    except OSError:
        # another process finished first, or the cache is read-only: use what we have
        shutil.rmtree(tmp, ignore_errors=True)
    return model, tok


def _load_dir(spec: str | Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(spec), trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(str(spec), dtype=torch.bfloat16, trust_remote_code=False)
    return model, tok


class TransformersBackend:
    """A causal LM loaded with transformers, decoding under llguidance grammars."""

    def __init__(self, model: str | None = None) -> None:
        start = time.perf_counter()
        if model is None:
            gguf = model_store.bundled_gguf_path()
            self.model_name = model_store.BUNDLED_MODEL_NAME
            self.model, self.tokenizer = _load_gguf_cached(gguf)
        elif str(model).endswith(".gguf"):
            path = Path(model).expanduser()
            if not path.is_file():
                raise model_store.ModelNotAvailableError(f"GGUF file not found: {model}")
            self.model_name = str(path)
            self.model, self.tokenizer = _load_gguf_cached(path)
        else:
            self.model_name = str(model)
            try:
                self.model, self.tokenizer = _load_dir(model)
            except OSError as exc:
                raise model_store.ModelNotAvailableError(
                    f"cannot load model {model!r}: not a local directory, GGUF file, or a Hugging Face "
                    f"model id in the local cache ({str(exc).splitlines()[0]})"
                ) from exc
        self.model.eval()
        if getattr(self.tokenizer, "chat_template", None) is None:
            raise model_store.ModelNotAvailableError(f"model {self.model_name!r} has no chat template")
        self.ll_tokenizer = llguidance.hf.from_tokenizer(self.tokenizer)
        self.vocab = self.ll_tokenizer.vocab_size
        self._shifts = torch.arange(32, dtype=torch.int32)
        eos = self.tokenizer.eos_token_id
        gen_eos = self.model.generation_config.eos_token_id
        ids = set([eos] if isinstance(eos, int) else (eos or []))
        ids |= set([gen_eos] if isinstance(gen_eos, int) else (gen_eos or []))
        self.eos_ids = ids
        self._closer_ids = self._find_closers()
        self._prefix_ids: list[int] = []
        self._prefix_cache = None
        self.load_seconds = time.perf_counter() - start

    def _find_closers(self) -> dict[str, list[int]]:
        """Token ids that help close the JSON, longest first, by where they apply:
        ``in``: a quote that ends the string, then only brackets (``"``, ``"]``, ``"}]``);
        ``out``: only brackets; ``null``: the literal null."""
        found: dict[str, list[tuple[int, int]]] = {"in": [], "out": [], "null": []}
        for tid in range(self.vocab):
            if self.ll_tokenizer.is_special_token(tid):
                continue
            s = self.ll_tokenizer.decode_str([tid])
            if s.startswith('"') and set(s[1:]) <= _BRACKETS:
                found["in"].append((-len(s), tid))
            elif s and set(s) <= _BRACKETS:
                found["out"].append((-len(s), tid))
            elif s.strip() == "null":
                found["null"].append((-len(s), tid))
        return {k: [tid for _, tid in sorted(v)] for k, v in found.items()}

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _encode(self, messages: list[dict[str, str]], generation_prompt: bool = True) -> list[int]:
        enc = self.tokenizer.apply_chat_template(messages, add_generation_prompt=generation_prompt, tokenize=True)
        if isinstance(enc, dict) or hasattr(enc, "keys"):
            enc = enc["input_ids"]
        return list(enc)

    def _forward(self, ids: list[int], cache) -> tuple[torch.Tensor, object]:
        inp = torch.tensor([ids], dtype=torch.long)
        out = self.model(input_ids=inp, cache=cache, use_cache=True)
        return out.logits[0, -1].float(), out.cache

    def _prefill(self, messages: list[dict[str, str]], ids: list[int]) -> tuple[torch.Tensor, object, int, int]:
        """Prefill the prompt, reusing the KV cache of the shared prefix (all messages but the last)."""
        passes = 0
        prefix = self._encode(messages[:-1], generation_prompt=False) if len(messages) > 1 else []
        common = 0
        for a, b in zip(prefix, ids[:-1], strict=False):
            if a != b:
                break
            common += 1
        if common and self._prefix_ids != ids[:common]:
            _, self._prefix_cache = self._forward(ids[:common], None)
            self._prefix_ids = ids[:common]
            passes += 1
        cache, reused = None, 0
        if self._prefix_ids and ids[: len(self._prefix_ids)] == self._prefix_ids:
            cache = copy.deepcopy(self._prefix_cache)
            reused = len(self._prefix_ids)
        logits, cache = self._forward(ids[reused:], cache)
        return logits, cache, passes + 1, reused

    @torch.inference_mode()
    def generate(self, messages: list[dict[str, str]], grammar: str, max_new_tokens: int) -> GenerationResult:
        t0 = time.perf_counter()
        matcher = llguidance.LLMatcher(
            self.ll_tokenizer, llguidance.LLMatcher.grammar_from_lark(grammar), limits=parser_limits()
        )
        if matcher.is_error():
            raise GenerationError(f"grammar rejected: {matcher.get_error()[:300]}")
        t_grammar = time.perf_counter() - t0
        ids = self._encode(messages)
        t1 = time.perf_counter()
        logits, cache, passes, reused = self._prefill(messages, ids)
        t_prefill = time.perf_counter() - t1
        bitmask = llguidance.torch.allocate_token_bitmask(1, self.vocab)
        out: list[int] = []
        forced = 0
        closed_early = False
        mask_s = 0.0
        t2 = time.perf_counter()
        hard_limit = max_new_tokens + CLOSE_RESERVE
        pending: list[int] = []  # appended to the answer but not yet fed to the model
        while True:
            ff = matcher.compute_ff_tokens()
            if ff:
                if not matcher.consume_tokens(ff):
                    raise GenerationError(f"grammar error: {matcher.get_error()}")
                out.extend(ff)
                pending.extend(ff)
                forced += len(ff)
            if matcher.is_stopped() or len(out) - forced >= hard_limit:
                break
            if pending:
                logits, cache = self._forward(pending, cache)
                passes += 1
                pending = []
            tm = time.perf_counter()
            llguidance.torch.fill_next_token_bitmask(matcher, bitmask, 0)
            allowed = ((bitmask[0].unsqueeze(1) >> self._shifts) & 1).view(-1)[: self.vocab].bool()
            mask_s += time.perf_counter() - tm
            scores = torch.full_like(logits, float("-inf"))
            n = min(self.vocab, logits.shape[0])
            scores[:n] = torch.where(allowed[:n], logits[:n], scores[:n])
            remaining = max_new_tokens - (len(out) - forced)
            sampled = None
            if remaining <= CLOSE_RESERVE:
                closed_early = True
                sampled = self._closing_choice(allowed, out)
            if sampled is None:
                sampled = int(torch.argmax(scores))
            if sampled in self.eos_ids:
                if not matcher.is_accepting():
                    raise GenerationError("model stopped before the JSON was complete")
                break
            if not matcher.consume_token(sampled):
                raise GenerationError(f"grammar error: {matcher.get_error()}")
            out.append(sampled)
            pending.append(sampled)
            if matcher.is_stopped():
                break
        if not matcher.is_accepting():
            tail = self.tokenizer.decode(out[-60:], skip_special_tokens=True)
            raise GenerationError(f"no complete answer within {hard_limit} model-chosen tokens (ended with {tail!r})")
        # drop a trailing EOS the grammar may have forced
        while out and out[-1] in self.eos_ids:
            out.pop()
        text = self.tokenizer.decode(out, skip_special_tokens=True)
        t_decode = time.perf_counter() - t2
        return GenerationResult(
            text=text,
            prompt_tokens=len(ids),
            generated_tokens=len(out),
            forced_tokens=forced,
            forward_passes=passes,
            reused_prompt_tokens=reused,
            closed_early=closed_early,
            timings={
                "grammar_s": round(t_grammar, 4),
                "prefill_s": round(t_prefill, 4),
                "decode_s": round(t_decode, 4),
                "mask_s": round(mask_s, 4),
            },
        )

    def _closing_choice(self, allowed: torch.Tensor, out: list[int]) -> int | None:
        """When the budget runs low: the longest allowed token that closes what is open.

        Inside a string that is a closing quote (a bracket there would only be more string); outside
        one it is a bracket, else ``null``. None lets the model choose (e.g. a string's first characters).
        """
        inside = in_json_string(self.tokenizer.decode(out, skip_special_tokens=True))
        for kind in ("in",) if inside else ("out", "null"):
            for tid in self._closer_ids[kind]:
                if allowed[tid]:
                    return tid
        return None
