"""transformers backend: bf16 weights on CPU, greedy decoding under an llguidance grammar.

Fewer model steps per answer:
- prefix reuse: the shared prompt prefix (instructions and examples) is prefilled once and its KV cache
  reused for every article;
- jump-forward: tokens the grammar forces are appended without a model step of their own and fed to
  the model together in the next forward pass;
- copy speculation (prompt lookup): answers copy names and phrases from the article, so the tokens
  that followed the answer's last tokens earlier in the prompt are proposed, cut to what the grammar
  allows, and checked in the same forward pass; each is kept only if it is the greedy choice under the
  grammar's mask, and the KV cache of rejected ones is cropped.
The first two change no output. Copy speculation is exact in float32; in bf16 a forward pass over
several positions rounds slightly differently from one over a single position, so a near-tie can
go the other way (``draft_tokens=0`` turns it off).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llguidance
import llguidance.hf
import llguidance.numpy  # not llguidance.torch: importing it compiles a kernel we do not use (~1.8 s of load)
import torch

from summarizer import model_store
from summarizer.backends import prefix_store
from summarizer.backends.attention import install as install_attention
from summarizer.backends.base import GenerationError, GenerationResult, shared_prefix_len
from summarizer.backends.prefix_store import PrefixStore, model_key
from summarizer.backends.quantize import LOAD_DTYPE, cast_keeping_embedding, compute_dtype
from summarizer.grammar import parser_limits

# Tokens kept in reserve to close the JSON when the budget runs low. The budget counts the tokens the
# model chooses; tokens the grammar forces (keys, quote texts) cost no model step and do not count.
CLOSE_RESERVE = 48
_BRACKETS = set("]}")
# A loop: the same string value twice in a row in an array, or two items in a row with the same name.
_STRING = r'"(?:[^"\\]|\\.)*"'
_REPEATED_VALUE = re.compile(rf"(?<=[\[,])({_STRING}),\1[,\]]")
_REPEATED_NAME = re.compile(rf'"name":({_STRING})[^{{}}]*\}},\{{"name":\1[,}}]')
# Copy speculation: at most this many tokens proposed from earlier text are checked per forward pass.
DRAFT_TOKENS = 8


class PromptLookup:
    """Prompt-lookup drafting: propose the tokens that followed the latest earlier occurrence of the
    context's last few tokens (answers copy names and phrases from the article, so they recur)."""

    SIZES = (3, 2)

    def __init__(self, prompt: list[int]) -> None:
        self.prompt_len = len(prompt)
        self.tokens: list[int] = []
        self.index: dict[tuple[int, ...], int] = {}
        self._extend(prompt)

    def _extend(self, new: list[int]) -> None:
        for tok in new:
            end = len(self.tokens)  # the n-gram ending just before ``tok`` is followed by ``tok``
            for n in self.SIZES:
                if end >= n:
                    self.index[tuple(self.tokens[end - n : end])] = end
            self.tokens.append(tok)

    def sync(self, answer: list[int]) -> None:
        """Catch up with the answer generated so far."""
        self._extend(answer[len(self.tokens) - self.prompt_len :])

    def propose(self, k: int) -> list[int]:
        """Up to ``k`` tokens, or none when the last tokens were not seen before."""
        for n in self.SIZES:
            if len(self.tokens) >= n:
                start = self.index.get(tuple(self.tokens[-n:]))
                if start is not None:
                    return self.tokens[start : start + k]
        return []


def _scan_json(text: str) -> tuple[bool, int]:
    """For a JSON prefix: whether it ends inside a string, and how many arrays are open."""
    depth, inside, escaped = 0, False, False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = inside
        elif ch == '"':
            inside = not inside
        elif not inside and ch == "[":
            depth += 1
        elif not inside and ch == "]":
            depth -= 1
    return inside, depth


def in_json_string(text: str) -> bool:
    """True when ``text`` (a JSON prefix) ends inside a string."""
    return _scan_json(text)[0]


def array_depth(text: str) -> int:
    """How many arrays are open at the end of ``text`` (a JSON prefix)."""
    return _scan_json(text)[1]


def find_closers(ll_tokenizer: llguidance.LLTokenizer, vocab: int) -> dict[str, list[int]]:
    """Token ids that help close the JSON, longest first, by where they apply:
    ``in``: a quote that ends the string, then only brackets (``"``, ``"]``, ``"}]``);
    ``out``: only brackets; ``null``: the literal null."""
    found: dict[str, list[tuple[int, int]]] = {"in": [], "out": [], "null": []}
    for tid in range(vocab):
        if ll_tokenizer.is_special_token(tid):
            continue
        s = ll_tokenizer.decode_str([tid])
        if s.startswith('"') and set(s[1:]) <= _BRACKETS:
            found["in"].append((-len(s), tid))
        elif s and set(s) <= _BRACKETS:
            found["out"].append((-len(s), tid))
        elif s.strip() == "null":
            found["null"].append((-len(s), tid))
    return {k: [tid for _, tid in sorted(v)] for k, v in found.items()}


def closing_choice(closers: dict[str, list[int]], allowed: Any, answer: str) -> int | None:
    """When the answer must end: the longest allowed token that closes what is open.

    Inside a string that is a closing quote (a bracket there would only be more string); outside one it
    is a bracket, else ``null``. None lets the model choose (e.g. a string's first characters).
    ``allowed`` is indexable by token id (a boolean tensor or array).
    """
    for kind in ("in",) if in_json_string(answer) else ("out", "null"):
        for tid in closers[kind]:
            if allowed[tid]:
                return tid
    return None


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


def _load_quantized_cached(gguf: Path, mode: str):
    """(model, tokenizer, llguidance tokenizer) of a GGUF model converted and quantized for ``mode`` by an
    earlier load, built from the int8 rows cached beside its converted copy (``quantize.load_quantized``,
    which runs the tokenizers' loading beside its packing); None when there are none."""
    from summarizer.backends.quantize import load_quantized, rows_cache_file

    target = model_store.converted_dir(gguf)
    if mode == "none" or not (target / "config.json").exists():
        return None
    tokenizers = []

    def load_tokenizers() -> None:
        from transformers import AutoTokenizer  # imported here too: beside the packing

        tokenizer = AutoTokenizer.from_pretrained(str(target), trust_remote_code=False)
        tokenizers.extend([tokenizer, llguidance.hf.from_tokenizer(tokenizer)])

    model = load_quantized(target, mode, rows_cache_file(target, mode), meanwhile=load_tokenizers)
    if model is None:
        return None
    return model, *tokenizers  # a model comes back only after ``meanwhile`` ran


def _load_dir(spec: str | Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(spec), trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(str(spec), dtype=LOAD_DTYPE, trust_remote_code=False)
    return model, tok


# Requests packed into one pass by ``continuation_logprobs_many`` (bounds the pass's attention mask).
MANY_PER_PASS = 24
# A held generation's cache that a question would crop by more than this many tokens (its answer) is
# copied instead, and kept: the questions of the second look (article + question) would otherwise cost
# the answer's cache, which the scoring of answer continuations (place types, side labels) then rebuilds.
KEEP_ANSWER_MIN_TOKENS = 32


class TransformersBackend:
    """A causal LM loaded with transformers, decoding under llguidance grammars."""

    def __init__(self, model: str | None = None, *, draft_tokens: int = DRAFT_TOKENS, quantize: str = "auto") -> None:
        from summarizer.backends.quantize import quantize_weights, resolve_mode, rows_cache_file, short_pass_int8

        if draft_tokens < 0:
            raise ValueError("draft_tokens must be 0 (no copy speculation) or more")
        quantize = resolve_mode(quantize)  # "auto": w8a8 where this machine runs it, else none (bf16)
        self.dtype = compute_dtype()  # before the load: a bad SUMMARIZER_DTYPE is said at once
        self.draft_tokens = draft_tokens
        self.quantize = quantize
        start = time.perf_counter()
        gguf = None
        # "quantized": built straight from the int8 rows cached by an earlier load (``load_quantized``)
        self.load_path = "checkpoint"
        ll_tokenizer = None
        if model is None or str(model).endswith(".gguf"):
            if model is None:
                gguf = model_store.bundled_gguf_path()
                self.model_name = model_store.BUNDLED_MODEL_NAME
            else:
                gguf = Path(model).expanduser()
                if not gguf.is_file():
                    raise model_store.ModelNotAvailableError(f"GGUF file not found: {model}")
                self.model_name = str(gguf)
            fast = _load_quantized_cached(gguf, quantize)
            if fast is not None:
                self.model, self.tokenizer, ll_tokenizer = fast
                self.load_path = "quantized"
            else:
                self.model, self.tokenizer = _load_gguf_cached(gguf)
        else:
            self.model_name = str(model)
            try:
                self.model, self.tokenizer = _load_dir(model)
            except OSError as exc:
                raise model_store.ModelNotAvailableError(
                    f"cannot load model {model!r}: not a local directory, GGUF file, or a Hugging Face "
                    f"model id in the local cache ({str(exc).splitlines()[0]})"
                ) from exc
        # where the model's files are kept: a GGUF's converted copy, or the directory given
        source = model_store.converted_dir(gguf) if gguf is not None else Path(str(model)).expanduser()
        if not source.is_dir():
            source = None
        self.model.eval()
        install_attention(self.model)  # several-token passes without copying the KV cache per query head
        if quantize != "none" and self.load_path != "quantized":
            # a GGUF's converted copy lives in our cache: its int8 rows are kept beside it for the next load
            cache = rows_cache_file(source, quantize) if gguf is not None and source is not None else None
            # the weights left unquantized are read again from the checkpoint, not copied out of its mapping
            quantize_weights(self.model, quantize, cache, checkpoint=source)
        # float32 where this CPU has no fast bfloat16 matmul: the unquantized weights are cast once
        if self.dtype != LOAD_DTYPE:
            cast_keeping_embedding(self.model, self.dtype)
        short = 0
        if quantize == "w8a8" and self.dtype == torch.float32:
            # the down projections w8a8 left float32 run short passes (decoding) in int8 (``short_pass_int8``)
            short = short_pass_int8(
                self.model, rows_cache_file(source, "short") if gguf is not None and source is not None else None
            )
        notes = (
            ([f"{quantize} weights"] if quantize != "none" else [])
            + ([str(self.dtype).removeprefix("torch.")] if self.dtype != LOAD_DTYPE else [])
            + (["int8 short passes"] if short else [])
        )
        if notes:
            self.model_name = f"{self.model_name} [{', '.join(notes)}]"
        if getattr(self.tokenizer, "chat_template", None) is None:
            raise model_store.ModelNotAvailableError(f"model {self.model_name!r} has no chat template")
        self.ll_tokenizer = ll_tokenizer or llguidance.hf.from_tokenizer(self.tokenizer)
        self.vocab = self.ll_tokenizer.vocab_size
        self._shifts = torch.arange(32, dtype=torch.int32)
        eos = self.tokenizer.eos_token_id
        gen_eos = self.model.generation_config.eos_token_id
        ids = set([eos] if isinstance(eos, int) else (eos or []))
        ids |= set([gen_eos] if isinstance(gen_eos, int) else (gen_eos or []))
        self.eos_ids = ids
        self._closer_ids = find_closers(self.ll_tokenizer, self.vocab)
        self._prefix_ids: list[int] = []
        self._prefix_cache = None
        # the shared prefix's KV cache on disk, for models kept in a directory (a GGUF's converted copy)
        self._prefix_store: PrefixStore | None = None
        if prefix_store.enabled() and source is not None:
            self._prefix_store = PrefixStore(model_store.cache_dir() / "prefix", model_key(source, quantize))
        self.prefix_from_disk = False  # whether the last prefix came from ``_prefix_store``
        # recent KV caches and the tokens they hold, for ``continuation_logprobs``
        self._states: list[tuple[list[int], Any, list[int]]] = []
        self._max_states = 4
        self.load_seconds = time.perf_counter() - start

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _encode(self, messages: list[dict[str, str]], generation_prompt: bool = True) -> list[int]:
        enc = self.tokenizer.apply_chat_template(messages, add_generation_prompt=generation_prompt, tokenize=True)
        if isinstance(enc, dict) or hasattr(enc, "keys"):
            enc = enc["input_ids"]
        return list(enc)

    def _forward(self, ids: list[int], cache, keep: int = 1) -> tuple[torch.Tensor, object]:
        """Feed ``ids``; return the float logits of the last ``keep`` positions ([keep, vocab]) and the cache."""
        inp = torch.tensor([ids], dtype=torch.long)
        out = self.model(input_ids=inp, cache=cache, use_cache=True, logits_to_keep=keep)
        return out.logits[0, -keep:].float(), out.cache

    def _prefill(self, messages: list[dict[str, str]], ids: list[int]) -> tuple[torch.Tensor, object, int, int]:
        """Prefill the prompt, reusing the KV cache of the shared prefix (all messages but the last): the one
        this process holds, else the one an earlier process left on disk (``prefix_store``), else computed."""
        passes = 0
        prefix = self._encode(messages[:-1], generation_prompt=False) if len(messages) > 1 else []
        common = shared_prefix_len(prefix, ids[:-1])
        if common and self._prefix_ids != ids[:common]:
            store = self._prefix_store
            self._prefix_cache = store.read(ids[:common], self.model) if store is not None else None
            self.prefix_from_disk = self._prefix_cache is not None
            if self._prefix_cache is None:
                _, self._prefix_cache = self._forward(ids[:common], None)
                passes += 1
                if store is not None:
                    store.write(ids[:common], self._prefix_cache, self.model)
            self._prefix_ids = ids[:common]
        cache, reused = None, 0
        if self._prefix_ids and ids[: len(self._prefix_ids)] == self._prefix_ids:
            cache = copy.deepcopy(self._prefix_cache)
            reused = len(self._prefix_ids)
        logits, cache = self._forward(ids[reused:], cache)
        return logits[-1], cache, passes + 1, reused

    @torch.inference_mode()
    def generate(self, messages: list[dict[str, str]], grammar: str, max_new_tokens: int) -> GenerationResult:
        for _, result in self.generate_many([(None, messages, grammar, max_new_tokens)], batch_size=1):
            if isinstance(result, GenerationError):
                raise result
            return result
        raise AssertionError("generate_many gave no result")  # pragma: no cover

    @torch.inference_mode()
    def generate_many(
        self, requests: Iterable[tuple[Any, list[dict[str, str]], str, int]], batch_size: int = 4
    ) -> Iterator[tuple[Any, GenerationResult | GenerationError]]:
        """Decode several answers together: one forward pass feeds every sequence's next tokens.

        ``requests`` are ``(key, messages, grammar, max_new_tokens)``, read lazily; results come back as
        ``(key, result or GenerationError)`` in the order they finish. A finished sequence's place goes
        to the next request at once. One pass reads the weights once for all sequences (on 2 cores a
        pass over four costs about twice a single one: with drafts, decoding is bound by compute).
        Each sequence keeps its own grammar state, jump-forward and copy speculation; its positions in
        the shared KV cache that hold padding or rejected drafts are masked out. When a result is
        handed over, ``continuation_logprobs`` can reuse its KV cache (until the next call of this
        method, which starts with none held: the same input gives the same scores every time).
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._max_states = max(4, batch_size)
        # caches held from earlier calls are dropped: an answer's later scoring then reuses only caches
        # computed in this call, the same way each time (bf16 rounding depends on how a cache was built)
        self._states.clear()
        pending_requests = iter(requests)
        active: list[_Seq] = []
        batch = _Batch()
        bitmask = torch.from_numpy(llguidance.numpy.allocate_token_bitmask(1, self.vocab))
        while True:
            while len(active) < batch_size:
                request = next(pending_requests, None)
                if request is None:
                    break
                try:
                    seq, cache = self._start(*request)
                except GenerationError as exc:
                    yield request[0], exc
                    continue
                batch.join(cache)
                active.append(seq)
            if not active:
                return
            finished: dict[int, GenerationResult | GenerationError] = {}
            feeds: list[list[int]] = []
            for i, seq in enumerate(active):
                try:
                    if self._forced(seq):
                        finished[i] = self._result(seq)
                except GenerationError as exc:
                    finished[i] = exc
                feeds.append([] if i in finished else self._plan(seq))
            width = max(len(f) for f in feeds)
            fed: torch.Tensor | None = None
            if width:
                fed = self._forward_batch(batch, active, feeds, width)
            kept: list[int] = []
            for i, seq in enumerate(active):
                if i in finished:
                    kept.append(0)
                    continue
                n_pending = len(seq.pending)
                if feeds[i]:
                    seq.passes += 1
                    rows = fed[i, : len(feeds[i])]  # type: ignore[index]
                    rows = rows[-(len(seq.draft) + (1 if n_pending else 0)) :]
                    candidates = list(rows) if n_pending else [seq.logits, *rows]
                else:
                    candidates = [seq.logits]
                try:
                    hits, done = self._take(seq, candidates, bitmask)
                except GenerationError as exc:
                    finished[i] = exc
                    hits, done = 0, True
                kept.append(n_pending + hits)
                seq.npos += n_pending + hits
                seq.logits = candidates[-1]
                if done and i not in finished:
                    try:
                        finished[i] = self._result(seq)
                    except GenerationError as exc:
                        finished[i] = exc
            if width:
                batch.extend(kept, width)
            for i in sorted(finished):
                seq = active[i]
                # what the cache holds for this sequence, for ``continuation_logprobs``
                self._keep_state(seq.ids + seq.out[: len(seq.out) - len(seq.pending)], batch.row(i), seq.out[:])
            if finished:
                batch.keep([i for i in range(len(active)) if i not in finished])
                done_seqs = [(active[i], finished[i]) for i in sorted(finished)]
                active = [s for i, s in enumerate(active) if i not in finished]
                for seq, result in done_seqs:
                    yield seq.key, result

    def _start(self, key: Any, messages: list[dict[str, str]], grammar: str, max_new_tokens: int) -> tuple[_Seq, Any]:
        """Compile the grammar and prefill the prompt of one request."""
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
        seq = _Seq(
            key=key,
            ids=ids,
            matcher=matcher,
            max_new=max_new_tokens,
            # the closing phase needs a few model-chosen tokens per item it cannot skip (each forced
            # quote's speaker), so the hard limit leaves room for that; the closing choices keep it short
            hard_limit=2 * max_new_tokens + CLOSE_RESERVE,
            lookup=PromptLookup(ids) if self.draft_tokens else None,
            logits=logits,
            passes=passes,
            reused=reused,
            npos=len(ids),
            timings={"grammar_s": t_grammar, "prefill_s": t_prefill},
            t_decode=time.perf_counter(),
        )
        return seq, cache

    def _forced(self, seq: _Seq) -> bool:
        """Append the tokens the grammar forces (jump-forward); True when the answer is over."""
        ff = seq.matcher.compute_ff_tokens()
        if ff:
            if not seq.matcher.consume_tokens(ff):
                raise GenerationError(f"grammar error: {seq.matcher.get_error()}")
            seq.out.extend(ff)
            seq.pending.extend(ff)
            seq.forced += len(ff)
            self._watch_loop(seq)
        return seq.matcher.is_stopped() or len(seq.out) - seq.forced >= seq.hard_limit

    def _plan(self, seq: _Seq) -> list[int]:
        """The tokens to feed next: the pending ones, then a draft copied from earlier text that the
        grammar allows (copy speculation)."""
        seq.draft = []
        k = self.draft_tokens
        if seq.lookup is not None and seq.max_new - (len(seq.out) - seq.forced) > CLOSE_RESERVE + k:
            seq.lookup.sync(seq.out)
            draft = seq.lookup.propose(k)
            if draft:
                seq.draft = draft[: seq.matcher.validate_tokens(draft)]
        seq.drafted += len(seq.draft)
        return seq.pending + seq.draft

    def _take(self, seq: _Seq, candidates: list[torch.Tensor], bitmask: torch.Tensor) -> tuple[int, bool]:
        """Choose tokens from the logits of the fed positions: each draft token is kept while it is the
        greedy choice; the first other choice becomes pending. Returns (draft tokens kept, finished)."""
        matcher, draft = seq.matcher, seq.draft
        seq.pending = []
        hits = 0
        done = False
        for j, step_logits in enumerate(candidates):
            # after an accepted draft token the grammar may force what comes next (a quote's text): such
            # a token is free, as it would have been by jump-forward
            free = bool(j) and bool(matcher.compute_ff_tokens())
            token = self._choose(seq, bitmask, step_logits)
            seq.forced += free
            if token in self.eos_ids:
                if not matcher.is_accepting():
                    raise GenerationError("model stopped before the JSON was complete")
                done = True
                break
            if not matcher.consume_token(token):
                raise GenerationError(f"grammar error: {matcher.get_error()}")
            seq.out.append(token)
            done = matcher.is_stopped()
            self._watch_loop(seq)
            if j < len(draft) and token == draft[j]:
                hits += 1
                if done:
                    break
                continue
            seq.pending = [token]  # a correction or the token after the whole draft: not fed yet
            break
        seq.accepted += hits
        return hits, done

    def _result(self, seq: _Seq) -> GenerationResult:
        if not seq.matcher.is_accepting():
            tail = self.tokenizer.decode(seq.out[-60:], skip_special_tokens=True)
            raise GenerationError(
                f"no complete answer within {seq.hard_limit} model-chosen tokens (ended with {tail!r})"
            )
        out = seq.out[:]
        while out and out[-1] in self.eos_ids:  # drop a trailing EOS the grammar may have forced
            out.pop()
        return GenerationResult(
            text=self.tokenizer.decode(out, skip_special_tokens=True),
            prompt_tokens=len(seq.ids),
            generated_tokens=len(out),
            forced_tokens=seq.forced,
            forward_passes=seq.passes,
            reused_prompt_tokens=seq.reused,
            closed_early=seq.closed_early,
            drafted_tokens=seq.drafted,
            accepted_draft_tokens=seq.accepted,
            timings={
                "grammar_s": round(seq.timings["grammar_s"], 4),
                "prefill_s": round(seq.timings["prefill_s"], 4),
                "decode_s": round(time.perf_counter() - seq.t_decode, 4),
                "mask_s": round(seq.mask_s, 4),
            },
        )

    def _forward_batch(self, batch: _Batch, active: list[_Seq], feeds: list[list[int]], width: int) -> torch.Tensor:
        """One forward pass over every sequence's feed, right-padded to ``width``: float logits [B, width, vocab]."""
        pad = next(iter(self.eos_ids), 0)
        inp = torch.tensor([f + [pad] * (width - len(f)) for f in feeds], dtype=torch.long)
        kwargs: dict[str, Any] = {}
        if batch.has_holes or any(len(f) != width for f in feeds):
            new = torch.tensor([[1] * len(f) + [0] * (width - len(f)) for f in feeds], dtype=torch.long)
            kwargs["attention_mask"] = torch.cat([batch.mask, new], dim=1)
            starts = torch.tensor([s.npos for s in active], dtype=torch.long)
            kwargs["position_ids"] = starts.unsqueeze(1) + torch.arange(width).unsqueeze(0)
        out = self.model(input_ids=inp, cache=batch.cache, use_cache=True, logits_to_keep=width, **kwargs)
        batch.cache = out.cache
        return out.logits.float()

    def _keep_state(self, context: list[int], cache: Any, answer: list[int]) -> None:
        """Remember a KV cache and the tokens it holds (the newest few are kept)."""
        self._states.append((context, cache, answer))
        del self._states[: -self._max_states]

    def _pick_state(self, context: list[int]) -> tuple[list[int], Any, list[int]] | None:
        """Take out the remembered state that shares the longest prefix with ``context``."""
        best, best_len = None, -1
        for n, (held, _, _) in enumerate(self._states):
            common = shared_prefix_len(held, context)
            if common > best_len:
                best, best_len = n, common
        return None if best is None else self._states.pop(best)

    def _answer_tokens(self, prompt: list[int], answer_prefix: str, state: tuple | None) -> list[int]:
        """Tokens for the start of an answer: as the model wrote them where they agree with the
        generation held in ``state``, the rest encoded afresh."""
        want = answer_prefix.encode("utf-8")
        kept: list[int] = []
        if state is not None and state[0][: len(prompt)] == prompt:
            got = b""
            for tid in state[2]:
                piece = self.ll_tokenizer.decode_bytes([tid])
                if not want.startswith(got + piece):
                    break
                got += piece
                kept.append(tid)
            want = want[len(got) :]
        rest = want.decode("utf-8", errors="replace")
        return kept + (self.tokenizer(rest, add_special_tokens=False)["input_ids"] if rest else [])

    @torch.inference_mode()
    def continuation_logprobs(
        self, messages: list[dict[str, str]], answer_prefix: str, continuations: list[str]
    ) -> list[float]:
        """Log-probability of each continuation after the chat prompt and ``answer_prefix``.

        The KV cache of a recent generation is reused up to where the context differs, so asking about
        a continuation of an answer just written costs a short forward pass; the continuations' later
        tokens go through the model together, in one more pass.
        """
        prompt = self._encode(messages)
        state = self._pick_state(prompt)
        context = prompt + self._answer_tokens(prompt, answer_prefix, state)
        logits, cache = self._resume(state, messages, context)
        self._keep_state(context, cache, state[2] if state is not None else [])
        first = torch.log_softmax(logits if logits.dim() == 1 else logits[-1], dim=-1)
        seqs = [self.tokenizer(text, add_special_tokens=False)["input_ids"] for text in continuations]
        if any(not t for t in seqs):
            raise ValueError("empty continuation")
        scores = [float(first[t[0]]) for t in seqs]
        multi = [i for i, t in enumerate(seqs) if len(t) > 1]
        if multi:
            # every continuation's later tokens in one pass, each seeing the context and itself only
            start = cache.get_seq_length()
            tails = [seqs[i][:-1] for i in multi]
            lp = torch.log_softmax(self._forward_tree(tails, start, cache, last_only=False), dim=-1)
            cache.crop(start - cache.get_seq_length())
            off = 0
            for i, tail in zip(multi, tails, strict=True):
                k = len(tail)
                scores[i] += float(lp[torch.arange(off, off + k), torch.tensor(seqs[i][1:])].sum())
                off += k
        return scores

    @torch.inference_mode()
    def continuation_logprobs_many(
        self, requests: list[tuple[list[dict[str, str]], str]], continuations: list[str]
    ) -> list[list[float]]:
        """``continuation_logprobs`` for many (messages, answer prefix) requests at once.

        The requests' shared prefix is taken from the KV cache (or prefilled) once; their differing
        tails go through the model together in one pass, packed into one row, each tail attending to
        the prefix and to itself only, with its own positions. Continuations of more than one token
        are scored one request at a time.
        """
        toks = [self.tokenizer(c, add_special_tokens=False)["input_ids"] for c in continuations]
        if not requests:
            return []
        if any(len(t) != 1 for t in toks):
            return [self.continuation_logprobs(m, a, continuations) for m, a in requests]
        contexts = []
        for messages, prefix in requests:
            prompt = self._encode(messages)
            contexts.append(prompt + self._answer_tokens(prompt, prefix, None))
        shared = min(len(c) for c in contexts) - 1
        for c in contexts[1:]:
            n = 0
            while n < shared and c[n] == contexts[0][n]:
                n += 1
            shared = n
        head = contexts[0][:shared]
        _, cache = self._resume(self._pick_state(head), requests[0][0], head, new_min=0)
        scores: list[list[float]] = []
        ids_of = [torch.tensor(t[0]) for t in toks]
        for lo in range(0, len(contexts), MANY_PER_PASS):
            tails = [c[shared:] for c in contexts[lo : lo + MANY_PER_PASS]]
            logits = self._forward_tree(tails, shared, cache)
            cache.crop(shared - cache.get_seq_length())
            lp = torch.log_softmax(logits, dim=-1)
            scores += [[float(lp[i, t]) for t in ids_of] for i in range(len(tails))]
        self._keep_state(head, cache, [])
        return scores

    def _resume(
        self,
        state: tuple[list[int], Any, list[int]] | None,
        messages: list[dict[str, str]],
        ids: list[int],
        new_min: int = 1,
    ) -> tuple[torch.Tensor | None, Any]:
        """A KV cache holding ``ids``: the held ``state``'s cache cropped to what it shares with ``ids``
        (leaving at least ``new_min`` tokens to feed) and extended by the rest, or else a fresh prefill;
        with the logits of the last token fed (None when nothing was)."""
        common = shared_prefix_len(state[0], ids[: len(ids) - new_min]) if state is not None else 0
        if not common:
            logits, cache, _, _ = self._prefill(messages, ids)
            return logits, cache
        held, cache, answer = state  # type: ignore[misc]
        if common < len(held):
            if answer and len(held) - common > KEEP_ANSWER_MIN_TOKENS:
                self._keep_state(held, cache, answer)
                cache = copy.deepcopy(cache)
            cache.crop(common - len(held))
        if common == len(ids):
            return None, cache
        return self._forward(ids[common:], cache)

    def _forward_tree(self, tails: list[list[int]], start: int, cache: Any, last_only: bool = True) -> torch.Tensor:
        """One pass over ``tails`` packed into one row after a cache of ``start`` tokens, each tail seeing
        the cache and its own earlier tokens at positions from ``start``: float logits of each tail's last
        token ([len(tails), vocab]), or of every token in order (``last_only=False``)."""
        ids = [t for tail in tails for t in tail]
        n = len(ids)
        mask = torch.zeros(1, 1, n, start + n, dtype=torch.bool)
        mask[..., :start] = True
        positions, ends, off = [], [], 0
        for tail in tails:
            k = len(tail)
            mask[0, 0, off : off + k, start + off : start + off + k] = torch.tril(torch.ones(k, k, dtype=torch.bool))
            positions += range(start, start + k)
            off += k
            ends.append(off - 1)
        out = self.model(
            input_ids=torch.tensor([ids], dtype=torch.long),
            cache=cache,
            use_cache=True,
            attention_mask=mask,
            position_ids=torch.tensor([positions], dtype=torch.long),
            logits_to_keep=torch.tensor(ends, dtype=torch.long) if last_only else n,
        )
        return out.logits[0].float()

    def _choose(self, seq: _Seq, bitmask: torch.Tensor, logits: torch.Tensor) -> int:
        """The greedy token the grammar allows after the answer so far; near the budget, or in a loop,
        one that closes the JSON."""
        tm = time.perf_counter()
        llguidance.numpy.fill_next_token_bitmask(seq.matcher, bitmask.numpy(), 0)
        allowed = ((bitmask[0].unsqueeze(1) >> self._shifts) & 1).view(-1)[: self.vocab].bool()
        seq.mask_s += time.perf_counter() - tm
        if seq.looping or seq.max_new - (len(seq.out) - seq.forced) <= CLOSE_RESERVE:
            seq.closed_early = True
            closing = closing_choice(
                self._closer_ids, allowed, self.tokenizer.decode(seq.out, skip_special_tokens=True)
            )
            if closing is not None:
                return closing
        scores = torch.full_like(logits, float("-inf"))
        n = min(self.vocab, logits.shape[0])
        scores[:n] = torch.where(allowed[:n], logits[:n], scores[:n])
        return int(torch.argmax(scores))

    def _watch_loop(self, seq: _Seq) -> None:
        """Greedy decoding of a small model can fall into a loop (the same alias or item over and over).
        When the answer's tail repeats a string value or an item's name, close what is open (as when the
        budget runs low) until the array that holds the repeat has been closed."""
        if seq.looping:
            if array_depth(self.tokenizer.decode(seq.out, skip_special_tokens=True)) < seq.loop_depth:
                seq.looping = False
            return
        tail = self.tokenizer.decode(seq.out[-80:], skip_special_tokens=True)
        # only a repeat that has just been completed (tokens may run past the comma, as '","' does)
        for pattern in (_REPEATED_VALUE, _REPEATED_NAME):
            if any(m.end() >= len(tail) - 12 for m in pattern.finditer(tail)):
                seq.looping = True
                seq.loop_depth = array_depth(self.tokenizer.decode(seq.out, skip_special_tokens=True))
                return


@dataclass
class _Seq:
    """One answer being decoded: its grammar state, tokens and counts."""

    key: Any
    ids: list[int]
    matcher: llguidance.LLMatcher
    max_new: int
    hard_limit: int
    lookup: PromptLookup | None
    logits: torch.Tensor  # next-token logits, used when nothing is pending
    passes: int
    reused: int
    npos: int  # this sequence's tokens in the KV cache (the next position id)
    timings: dict[str, float]
    t_decode: float
    out: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)  # appended to the answer but not yet fed to the model
    draft: list[int] = field(default_factory=list)
    forced: int = 0
    drafted: int = 0
    accepted: int = 0
    closed_early: bool = False
    looping: bool = False
    loop_depth: int = 0
    mask_s: float = 0.0


class _Batch:
    """The KV cache shared by the sequences decoded together, and a mask [batch, positions] of the
    positions that count (padding and rejected drafts are holes; trailing holes are cropped)."""

    def __init__(self) -> None:
        self.cache: Any = None
        self.mask = torch.ones(0, 0, dtype=torch.long)

    @property
    def has_holes(self) -> bool:
        return not bool(self.mask.all())

    @staticmethod
    def _pad(cache: Any, n: int) -> None:
        for layer in cache.layers:
            b, h, _, d = layer.keys.shape
            layer.keys = torch.cat([layer.keys, layer.keys.new_zeros(b, h, n, d)], dim=2)
            layer.values = torch.cat([layer.values, layer.values.new_zeros(b, h, n, layer.values.shape[-1])], dim=2)

    def join(self, cache: Any) -> None:
        """Add a prefilled sequence (a batch-1 cache) as a new row."""
        n = cache.get_seq_length()
        row = torch.ones(1, n, dtype=torch.long)
        if self.cache is None:
            self.cache, self.mask = cache, row
            return
        width = self.mask.shape[1]
        if n > width:
            self._pad(self.cache, n - width)
            self.mask = torch.cat([self.mask, torch.zeros(self.mask.shape[0], n - width, dtype=torch.long)], dim=1)
        elif n < width:
            self._pad(cache, width - n)
            row = torch.cat([row, torch.zeros(1, width - n, dtype=torch.long)], dim=1)
        for mine, theirs in zip(self.cache.layers, cache.layers, strict=True):
            mine.keys = torch.cat([mine.keys, theirs.keys], dim=0)
            mine.values = torch.cat([mine.values, theirs.values], dim=0)
        self.mask = torch.cat([self.mask, row], dim=0)

    def extend(self, kept: list[int], width: int) -> None:
        """After a pass of ``width`` positions: row i keeps its first ``kept[i]`` of them."""
        new = torch.zeros(len(kept), width, dtype=torch.long)
        for i, k in enumerate(kept):
            new[i, :k] = 1
        self.mask = torch.cat([self.mask, new], dim=1)
        self._crop()

    def _crop(self) -> None:
        used = self.mask.any(dim=0).nonzero()
        end = int(used[-1]) + 1 if len(used) else 0
        extra = self.mask.shape[1] - end
        if extra and self.cache is not None:
            self.cache.crop(-extra)
            self.mask = self.mask[:, :end]

    def row(self, i: int) -> Any:
        """Row ``i`` alone, holes removed, as a new cache."""
        from transformers import DynamicCache

        idx = self.mask[i].nonzero().squeeze(1)
        return DynamicCache(
            ddp_cache_data=[(ly.keys[i : i + 1, :, idx], ly.values[i : i + 1, :, idx]) for ly in self.cache.layers]
        )

    def keep(self, rows: list[int]) -> None:
        """Keep only these rows."""
        if not rows:
            self.cache, self.mask = None, torch.ones(0, 0, dtype=torch.long)
            return
        idx = torch.tensor(rows, dtype=torch.long)
        self.cache.batch_select_indices(idx)
        self.mask = self.mask[idx]
        self._crop()
