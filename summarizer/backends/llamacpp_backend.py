"""llama.cpp backend (optional): the GGUF model as it is, quantized, greedy under an llguidance grammar.

Same grammar and decoding rules as the transformers backend: llguidance computes the allowed tokens at
every step (built from the llama.cpp vocabulary) and the best allowed logit wins. Speed-ups that change
no output: the KV cache of the shared prompt prefix (all messages but the last) stays in the llama.cpp
context and is reused by the next call, and tokens the grammar forces are fed in one eval call
(jump-forward). Needs ``pip install "summarizer[llamacpp]"``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import llguidance
import llguidance.numpy
import numpy as np

from summarizer import model_store
from summarizer.backends.base import GenerationError, GenerationResult, shared_prefix_len
from summarizer.backends.transformers_backend import CLOSE_RESERVE, closing_choice, find_closers
from summarizer.grammar import parser_limits

# Context size: prompt (instructions, examples, an article of up to 3,000 tokens), forced quote texts and
# the answer. The KV cache of a 1.5B Qwen model takes about 28 KB a token at this size.
N_CTX = 16384
INSTALL_HINT = (
    'pip install "summarizer[llamacpp]" (llama-cpp-python builds from source, a few minutes; '
    'CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF" '
    "speeds the build up)"
)


def _render_chat(template: str, messages: list[dict[str, str]], generation_prompt: bool, bos: str, eos: str) -> str:
    """Render a GGUF chat template the way transformers' ``apply_chat_template`` does."""
    from datetime import datetime

    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(template).render(
        messages=messages, add_generation_prompt=generation_prompt, bos_token=bos, eos_token=eos
    )


class LlamaCppBackend:
    """A GGUF model run by llama.cpp (llama-cpp-python), decoding under llguidance grammars.

    ``n_threads``: CPU threads for every eval; None keeps llama-cpp-python's defaults (half the CPUs for
    one-token steps, all of them for longer batches). Fewer threads than cores is faster on a busy machine.
    """

    def __init__(self, model: str | None = None, n_threads: int | None = None) -> None:
        try:
            import llama_cpp
            import llguidance.llamacpp
        except ImportError as exc:
            raise model_store.ModelNotAvailableError(
                f"the llama.cpp backend needs llama-cpp-python, which is not installed: {INSTALL_HINT}"
            ) from exc
        start = time.perf_counter()
        if model is None:
            path = model_store.bundled_gguf_path()
            self.model_name = model_store.BUNDLED_MODEL_NAME
        elif str(model).endswith(".gguf"):
            path = Path(model).expanduser()
            if not path.is_file():
                raise model_store.ModelNotAvailableError(f"GGUF file not found: {model}")
            self.model_name = str(path)
        else:
            raise model_store.ModelNotAvailableError(
                f"the llama.cpp backend loads GGUF files only (a path ending in .gguf, or no model for the "
                f"bundled one), not {model!r}; use the transformers backend for other models"
            )
        try:
            self.llm: Any = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=N_CTX,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                logits_all=False,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise model_store.ModelNotAvailableError(f"llama.cpp cannot load {path}: {exc}") from exc
        self.template = self.llm.metadata.get("tokenizer.chat_template")
        if not self.template:
            raise model_store.ModelNotAvailableError(f"model {self.model_name!r} has no chat template")
        vocab = self.llm._model.vocab
        self.vocab = self.llm.n_vocab()
        self.eos_ids = {t for t in (llama_cpp.llama_vocab_eos(vocab), llama_cpp.llama_vocab_eot(vocab)) if t >= 0}
        self._bos_text = self._piece(llama_cpp.llama_vocab_bos(vocab))
        self._eos_text = self._piece(llama_cpp.llama_vocab_eos(vocab))
        self.ll_tokenizer = llguidance.llamacpp.lltokenizer_from_vocab(
            vocab, n_vocab=self.vocab, eos_token=sorted(self.eos_ids)
        )
        self._closer_ids = find_closers(self.ll_tokenizer, self.vocab)
        self._prefix_ids: list[int] = []  # the shared prefix whose KV cache the context holds
        self.load_seconds = time.perf_counter() - start

    def _piece(self, tid: int) -> str:
        if tid < 0:
            return ""
        return self.llm.detokenize([tid], special=True).decode("utf-8", errors="replace")

    def _decode(self, ids: list[int]) -> str:
        return self.llm.detokenize(ids, special=False).decode("utf-8", errors="replace")

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _encode(self, messages: list[dict[str, str]], generation_prompt: bool = True) -> list[int]:
        """The chat template from the GGUF, rendered then tokenized (special tokens parsed, no BOS added:
        a template that wants one writes it, as with transformers)."""
        text = _render_chat(self.template, messages, generation_prompt, self._bos_text, self._eos_text)
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _eval(self, ids: list[int]) -> np.ndarray:
        """Feed ``ids`` after what the context holds; return the logits after the last one."""
        if self.llm.n_tokens + len(ids) > N_CTX:
            raise GenerationError(f"prompt and answer need more than the {N_CTX}-token context")
        try:
            self.llm.eval(ids)
        except RuntimeError as exc:
            raise GenerationError(f"llama.cpp failed: {exc}") from exc
        return np.ctypeslib.as_array(self.llm._ctx.get_logits_ith(-1), shape=(self.vocab,)).copy()

    def _prefill(self, messages: list[dict[str, str]], ids: list[int]) -> tuple[np.ndarray, int, int]:
        """Prefill the prompt, keeping the KV cache of the shared prefix (all messages but the last).

        The prefix is always evaluated on its own, so its cache is the same whether it was computed now
        or by an earlier call; the count of reused tokens is those an earlier call computed."""
        prefix = self._encode(messages[:-1], generation_prompt=False) if len(messages) > 1 else []
        common = shared_prefix_len(prefix, ids[:-1])
        passes = reused = 0
        held = self.llm.n_tokens
        if common and held >= common and self._prefix_ids == ids[:common]:
            self.llm.n_tokens = common  # the next eval drops the cache after the prefix
            reused = common
        else:
            self.llm.n_tokens = 0
            self._prefix_ids = []
            if common:
                self._eval(ids[:common])
                self._prefix_ids = ids[:common]
                passes += 1
        logits = self._eval(ids[common:])
        return logits, passes + 1, reused

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
        logits, passes, reused = self._prefill(messages, ids)
        t_prefill = time.perf_counter() - t1
        bitmask = llguidance.numpy.allocate_token_bitmask(1, self.vocab)
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
                logits = self._eval(pending)
                passes += 1
                pending = []
            tm = time.perf_counter()
            llguidance.numpy.fill_next_token_bitmask(matcher, bitmask, 0)
            allowed = np.unpackbits(bitmask[0].view(np.uint8), bitorder="little")[: self.vocab].astype(bool)
            mask_s += time.perf_counter() - tm
            sampled = None
            if max_new_tokens - (len(out) - forced) <= CLOSE_RESERVE:
                closed_early = True
                sampled = self._closing_choice(allowed, out)
            if sampled is None:
                sampled = int(np.argmax(np.where(allowed, logits, -np.inf)))
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
            raise GenerationError(
                f"no complete answer within {hard_limit} model-chosen tokens (ended with {self._decode(out[-60:])!r})"
            )
        # drop a trailing EOS the grammar may have forced
        while out and out[-1] in self.eos_ids:
            out.pop()
        text = self._decode(out)
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

    def _closing_choice(self, allowed: np.ndarray, out: list[int]) -> int | None:
        return closing_choice(self._closer_ids, allowed, self._decode(out))
