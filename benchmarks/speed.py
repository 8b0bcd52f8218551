"""Speed comparison on the same articles, in one process: a peer approach against ours.

Usage:
    python benchmarks/speed.py [INPUT ...] [--n N] [--only peer,ours,batched,llamacpp] [--batch-size B]
                               [--max-new-tokens M] [--quantize Q] [--json OUT.json]

INPUT is a .txt article or a JSONL file with {"id", "text"} lines, as for benchmarks/bench.py; by
default the example article examples/hama-2017.txt.

peer: what a careful user of transformers would do. ``model.generate`` on the same bf16 model (a bf16
model of its own when ours runs quantized weights, as by default: ``--quantize``),
KV cache on, greedy (``do_sample=False``), the same chat messages (``build_messages``), constrained by
an xgrammar JSON-schema logits processor for the same schema (``generation_schema()``, compact JSON:
no whitespace, ``,`` and ``:`` separators, as in the prompt's examples), and the same
``max_new_tokens``. Needs ``pip install -e '.[bench]'`` (xgrammar); without it the peer is skipped.

ours: ``Summarizer(quantize=Q).summarize(text)``, one article at a time (Q from ``--quantize``; default
auto, as ``Summarizer``'s: w8a8 on x86-64).

batched: ``Summarizer.summarize_many(articles, batch_size=4)`` on the same loaded model: several
articles decoded in each forward pass; its per-article rows are the whole run's totals divided by the
number of articles (throughput), and its latency is printed below the table.

llamacpp: ``Summarizer(backend="llamacpp")`` when llama-cpp-python is installed (the ``llamacpp`` extra).

Forward passes are counted by hooks on the model (not estimated); a pass is a prompt pass when it
feeds prompt positions (KV cache shorter than the prompt), else a decode pass. Each approach gets one
untimed warm-up on a short text written here (not an evaluation article); every timed article is
then run once per approach, nothing is cached between articles except ours' KV cache of the shared
prompt prefix (instructions and examples), which is part of our design. Also printed: the
memory-bandwidth bound on decoding (weight bytes / measured copy bandwidth), machine facts, date and
git commit, process CPU seconds and the load average per stage (wall times mean little on a busy machine).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import ROOT, load_inputs, peak_rss_mb  # noqa: E402  (also puts the project root on sys.path)

WARMUP_TEXT = (
    "KARSK, Valdoria (Reuters) - Fighters of the Northern Liberation Front attacked army positions near "
    "the town of Karsk on Monday, residents said. The Valdorian army sent two battalions from the capital, "
    'Merin, to reinforce the town, a military spokesman said. "We will hold Karsk," said Colonel Ivo '
    "Tanner, the army's spokesman."
)


# ---------------------------------------------------------------------------------------------------
# counting forward passes


@dataclass
class Pass:
    """One forward pass of the model: tokens fed, KV-cache length before it, start and end times."""

    n_tokens: int
    cache_len: int
    t0: float
    t1: float = 0.0
    batch: int = 1
    phase: str = ""  # set by the batched run: "prompt", "look" or "decode"


@dataclass
class Segment:
    """One generation call: where its passes start in the pass list, its prompt length and start time."""

    first_pass: int
    prompt_tokens: int
    t_start: float
    last_pass: int = -1  # exclusive end in the pass list, set when the call returns


class PassCounter:
    """Forward pre/post hooks on the model that record every forward pass."""

    def __init__(self, model: Any) -> None:
        self.passes: list[Pass] = []
        self.phase = "decode"
        self._handles = [
            model.register_forward_pre_hook(self._pre, with_kwargs=True),
            model.register_forward_hook(self._post),
        ]

    def _pre(self, _module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        ids = kwargs.get("input_ids")
        if ids is None and args:
            ids = args[0]
        if ids is None:
            ids = kwargs["inputs_embeds"]
        cache = kwargs.get("cache", kwargs.get("past_key_values"))
        cache_len = int(cache.get_seq_length()) if cache is not None and hasattr(cache, "get_seq_length") else 0
        self.passes.append(
            Pass(int(ids.shape[1]), cache_len, time.perf_counter(), batch=int(ids.shape[0]), phase=self.phase)
        )

    def _post(self, _module: Any, _args: tuple[Any, ...], _output: Any) -> None:
        self.passes[-1].t1 = time.perf_counter()

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


@dataclass
class PassStats:
    """Forward passes of one article, split into prompt and decode passes, with timings."""

    passes: int = 0
    prompt_passes: int = 0
    decode_passes: int = 0
    decode_fed_tokens: int = 0
    prompt_phase_s: float = 0.0  # call start -> end of the last prompt pass (setup + prefill)
    decode_s: float = 0.0  # end of the last prompt pass -> end of the last pass
    decode_forward_s: float = 0.0  # time inside the model's forward during decoding

    def add(self, other: PassStats) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))


def segment_stats(passes: list[Pass], seg: Segment) -> PassStats:
    own = passes[seg.first_pass : seg.last_pass]
    st = PassStats(passes=len(own))
    prompt_end = seg.t_start
    for p in own:
        if p.cache_len < seg.prompt_tokens:
            st.prompt_passes += 1
            prompt_end = p.t1
        else:
            st.decode_passes += 1
            st.decode_fed_tokens += p.n_tokens
            st.decode_forward_s += p.t1 - p.t0
    st.prompt_phase_s = prompt_end - seg.t_start
    st.decode_s = (own[-1].t1 - prompt_end) if own else 0.0
    return st


# ---------------------------------------------------------------------------------------------------
# checking outputs


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return schema["$defs"][ref.split("/")[-1]]
    return node


def verbatim_strings(data: Any, schema: dict[str, Any]) -> list[str]:
    """Every string in ``data`` at a place the schema marks ``x-verbatim`` (nulls skipped)."""
    found: list[str] = []

    def walk(value: Any, node: dict[str, Any]) -> None:
        node = _resolve(schema, node)
        if node.get("x-verbatim"):
            if isinstance(value, str):
                found.append(value)
            return
        if isinstance(value, dict):
            props = node.get("properties", {})
            for k, v in value.items():
                if k in props:
                    walk(v, props[k])
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for v in value:
                walk(v, node["items"])

    walk(data, schema)
    return found


@dataclass
class Check:
    """What the output of one article is worth: JSON, schema validity, verbatim strings."""

    parsed: bool = False
    schema_valid: bool = False
    validate_ok: bool = False  # no error from summarizer.validate.validate(output, article)
    verbatim_total: int = 0
    verbatim_in_article: int = 0
    problems: list[str] = field(default_factory=list)


def check_output(output: str | dict[str, Any], article: str, schema: dict[str, Any]) -> Check:
    from summarizer.validate import schema_problems, validate

    c = Check()
    if isinstance(output, str):
        try:
            data = json.loads(output)
        except json.JSONDecodeError as exc:
            c.problems.append(f"not JSON: {exc.msg} at column {exc.colno}")
            return c
    else:
        data = output
    c.parsed = True
    if not isinstance(data, dict):
        c.problems.append("not a JSON object")
        return c
    c.schema_valid = not schema_problems(data)
    errors = [p for p in validate(data, article) if p.severity == "error"]
    c.validate_ok = not errors
    c.problems = [str(p) for p in errors[:5]]
    strings = verbatim_strings(data, schema)
    c.verbatim_total = len(strings)
    c.verbatim_in_article = sum(s in article for s in strings)
    return c


# ---------------------------------------------------------------------------------------------------
# the two approaches


@dataclass
class ArticleRun:
    """One article under one approach."""

    id: str
    seconds: float
    cpu_s: float  # process CPU time (user + sys, all threads): less sensitive to other load than wall time
    generated: int
    stats: PassStats
    check: Check
    forced: int | None = None  # ours: from the result's meta
    complete: bool = True
    mask_s: float = 0.0
    error: str | None = None


class Peer:
    """transformers ``generate`` with an xgrammar JSON-schema logits processor."""

    def __init__(self, model: Any, tokenizer: Any, schema: dict[str, Any], max_new_tokens: int) -> None:
        import torch
        import xgrammar as xgr
        from transformers import LogitsProcessor

        self.torch, self.xgr = torch, xgr
        self.model, self.tokenizer, self.max_new_tokens = model, tokenizer, max_new_tokens
        eos = model.generation_config.eos_token_id
        ids = set([eos] if isinstance(eos, int) else (eos or []))
        if tokenizer.eos_token_id is not None:
            ids.add(tokenizer.eos_token_id)
        self.eos_ids = sorted(ids)
        self.pad_id = model.generation_config.pad_token_id or tokenizer.pad_token_id or self.eos_ids[0]
        t = time.perf_counter()
        self.vocab_size = int(model.config.vocab_size)  # logits width, padded beyond the tokenizer's vocabulary
        info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=self.vocab_size, stop_token_ids=self.eos_ids)
        self.compiled = xgr.GrammarCompiler(info).compile_json_schema(
            json.dumps(schema), any_whitespace=False, separators=(",", ":"), strict_mode=True
        )
        self.compile_s = time.perf_counter() - t

        peer = self

        class XGrammarProcessor(LogitsProcessor):
            """Accept the token chosen last step, then mask every token the grammar forbids."""

            def __init__(self) -> None:
                self.matcher = xgr.GrammarMatcher(peer.compiled)
                self.bitmask = xgr.allocate_token_bitmask(1, peer.vocab_size)
                self.started = False
                self.mask_s = 0.0

            def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
                t0 = time.perf_counter()
                if self.started and not self.matcher.accept_token(int(input_ids[0, -1])):
                    raise RuntimeError("xgrammar rejected the token generate chose")
                self.started = True
                self.matcher.fill_next_token_bitmask(self.bitmask)
                xgr.apply_token_bitmask_inplace(scores, self.bitmask.to(scores.device))
                self.mask_s += time.perf_counter() - t0
                return scores

        self.processor_cls = XGrammarProcessor

    def generate(self, text: str, max_new_tokens: int | None = None) -> tuple[str, int, bool, int, float]:
        """Return (output text, generated tokens without EOS, complete, prompt tokens, mask seconds)."""
        from summarizer.prompting import build_messages

        torch = self.torch
        enc = self.tokenizer.apply_chat_template(
            build_messages(text), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        proc = self.processor_cls()
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=enc["input_ids"],
                attention_mask=enc["attention_mask"],
                logits_processor=[proc],
                max_new_tokens=max_new_tokens or self.max_new_tokens,
                do_sample=False,
                num_beams=1,
                repetition_penalty=1.0,
                use_cache=True,
                eos_token_id=self.eos_ids,
                pad_token_id=self.pad_id,
            )
        prompt_len = int(enc["input_ids"].shape[1])
        new = out[0, prompt_len:].tolist()
        complete = bool(new) and new[-1] in self.eos_ids
        while new and new[-1] in self.eos_ids:
            new.pop()
        return self.tokenizer.decode(new, skip_special_tokens=True), len(new), complete, prompt_len, proc.mask_s


def run_peer(peer: Peer, counter: PassCounter, articles: list[tuple[str, str]], schema: dict[str, Any]):
    peer.generate(WARMUP_TEXT, max_new_tokens=32)  # untimed: first-call allocations
    runs = []
    for aid, text in articles:
        start = len(counter.passes)
        t, c = time.perf_counter(), time.process_time()
        out, generated, complete, prompt_len, mask_s = peer.generate(text)
        seconds, cpu_s = time.perf_counter() - t, time.process_time() - c
        seg = Segment(start, prompt_len, t, len(counter.passes))
        runs.append(
            ArticleRun(
                aid,
                seconds,
                cpu_s,
                generated,
                segment_stats(counter.passes, seg),
                check_output(out, text, schema),
                complete=complete,
                mask_s=mask_s,
            )
        )
        print(f"  peer {aid}: {seconds:.1f} s, {generated} tokens", file=sys.stderr, flush=True)
    return runs


def run_ours(s: Any, counter: PassCounter, articles: list[tuple[str, str]], schema: dict[str, Any]):
    segments: list[Segment] = []
    backend_generate: Callable[..., Any] = s.backend.generate

    def recording_generate(messages: list[dict[str, str]], grammar: str, max_new_tokens: int) -> Any:
        seg = Segment(len(counter.passes), 0, time.perf_counter())
        result = backend_generate(messages, grammar, max_new_tokens)
        seg.prompt_tokens = result.prompt_tokens
        seg.last_pass = len(counter.passes)
        segments.append(seg)
        return result

    s.backend.generate = recording_generate
    try:
        s.summarize(WARMUP_TEXT)  # untimed: prefills and keeps the shared prefix, first-call allocations
        runs = []
        for aid, text in articles:
            segments.clear()
            t, c = time.perf_counter(), time.process_time()
            try:
                result = s.summarize(text)
            except Exception as exc:  # a failed article is reported, not fatal
                seconds, cpu_s = time.perf_counter() - t, time.process_time() - c
                runs.append(
                    ArticleRun(aid, seconds, cpu_s, 0, PassStats(), Check(), complete=False, error=str(exc)[:200])
                )
                print(f"  ours {aid}: failed: {exc}", file=sys.stderr, flush=True)
                continue
            seconds, cpu_s = time.perf_counter() - t, time.process_time() - c
            stats = PassStats()
            for seg in segments:
                stats.add(segment_stats(counter.passes, seg))
            tokens = result.meta["tokens"]
            runs.append(
                ArticleRun(
                    aid,
                    seconds,
                    cpu_s,
                    int(tokens["generated"]),
                    stats,
                    check_output(result.to_dict(), text, schema),
                    forced=int(tokens["forced"]),
                    mask_s=float(result.meta["timings"].get("mask_s", 0.0)),
                )
            )
            print(f"  ours {aid}: {seconds:.1f} s, {tokens['generated']} tokens", file=sys.stderr, flush=True)
        return runs
    finally:
        del s.backend.generate  # the instance attribute; the class method shows through again


def _phase(counter: PassCounter, fn: Callable[..., Any], phase: str) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        before, counter.phase = counter.phase, phase
        try:
            return fn(*args, **kwargs)
        finally:
            counter.phase = before

    return wrapped


def run_ours_batched(
    s: Any, counter: PassCounter, articles: list[tuple[str, str]], schema: dict[str, Any], batch_size: int
) -> tuple[list[ArticleRun], dict[str, float]]:
    """``Summarizer.summarize_many`` over all articles: per-article results and whole-run figures."""
    backend = s.backend
    backend._prefill = _phase(counter, backend._prefill, "prompt")
    backend.continuation_logprobs = _phase(counter, backend.continuation_logprobs, "look")
    try:
        s.summarize(WARMUP_TEXT)  # untimed, as for ours
        first = len(counter.passes)
        texts = dict(articles)
        runs = []
        t, c = time.perf_counter(), time.process_time()
        for aid, result in s.summarize_many(articles, batch_size=batch_size):
            if isinstance(result, Exception):
                runs.append(ArticleRun(aid, 0.0, 0.0, 0, PassStats(), Check(), complete=False, error=str(result)[:200]))
                print(f"  batched {aid}: failed: {result}", file=sys.stderr, flush=True)
                continue
            tokens = result.meta["tokens"]
            runs.append(
                ArticleRun(
                    aid,
                    float(result.meta["timings"]["total_s"]),
                    0.0,
                    int(tokens["generated"]),
                    PassStats(),
                    check_output(result.to_dict(), texts[aid], schema),
                    forced=int(tokens["forced"]),
                    mask_s=float(result.meta["timings"].get("mask_s", 0.0)),
                )
            )
            print(f"  batched {aid}: done after {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    finally:
        del backend._prefill, backend.continuation_logprobs
    own = counter.passes[first:]
    by_phase = {ph: [p for p in own if p.phase == ph] for ph in ("prompt", "look", "decode")}
    spent = {ph: sum(p.t1 - p.t0 for p in ps) for ph, ps in by_phase.items()}
    return runs, {
        "wall_s": wall,
        "cpu_s": cpu,
        "prompt_passes": len(by_phase["prompt"]),
        "look_passes": len(by_phase["look"]),
        "decode_passes": len(by_phase["decode"]),
        "decode_rows": sum(p.batch for p in by_phase["decode"]),
        "decode_fed_tokens": sum(p.batch * p.n_tokens for p in by_phase["decode"]),
        "prompt_s": spent["prompt"],
        "look_s": spent["look"],
        "decode_forward_s": spent["decode"],
    }


def summarize_batched(runs: list[ArticleRun], whole: dict[str, float], batch_size: int) -> dict[str, Any]:
    """The batched run in the table's terms: per-article figures are the whole run's divided by n."""
    f = summarize_runs(runs, False)
    n = len(runs)
    gen = sum(r.generated for r in runs)
    decode_s = max(whole["wall_s"] - whole["prompt_s"] - whole["look_s"], 1e-9)
    f.update(
        batch_size=batch_size,
        wall_s=whole["wall_s"],
        median_latency_s=f["median_s"],
        median_s=whole["wall_s"] / n,
        p90_s=_p90([r.seconds for r in runs]),
        articles_per_min=60 * n / whole["wall_s"],
        median_cpu_s=whole["cpu_s"] / n,
        prompt_phase_s=whole["prompt_s"] / n,
        no_step_share_counted=1 - whole["decode_passes"] / gen if gen else 0.0,
        passes_per_article=(whole["prompt_passes"] + whole["decode_passes"]) / n,
        decode_passes_per_article=whole["decode_passes"] / n,
        tokens_fed_per_decode_pass=whole["decode_fed_tokens"] / whole["decode_passes"] if whole["decode_passes"] else 0,
        rows_per_decode_pass=whole["decode_rows"] / whole["decode_passes"] if whole["decode_passes"] else 0,
        decode_tok_s=gen / decode_s,
        decode_passes_s=whole["decode_passes"] / decode_s,
        decode_forward_share=whole["decode_forward_s"] / decode_s,
        look_s_per_article=whole["look_s"] / n,
    )
    return f


# ---------------------------------------------------------------------------------------------------
# machine, memory bandwidth, summary


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return head + (" (uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def current_rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def copy_bandwidth_gbs(threads: int, gib: int = 1, repeats: int = 5) -> float:
    """Best-of copy bandwidth (bytes read + written per second) of a ``gib`` GiB torch tensor.

    Run in a child process so that the buffers do not raise this process's peak RSS.
    """
    code = (
        "import time, torch\n"
        f"torch.set_num_threads({threads})\n"
        f"n = {gib} << 30\n"
        "a = torch.ones(n, dtype=torch.uint8); b = torch.zeros(n, dtype=torch.uint8); b.copy_(a)\n"
        "best = float('inf')\n"
        f"for _ in range({repeats}):\n"
        "    t = time.perf_counter(); b.copy_(a); best = min(best, time.perf_counter() - t)\n"
        "print(2 * n / best / 1e9)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def weight_bytes(model: Any) -> tuple[int, int]:
    """(bytes of all parameters, buffers and packed quantized weights, bytes of the input embedding table)."""
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    total += sum(b.numel() * b.element_size() for b in model.buffers())
    total += sum(getattr(m, "packed_nbytes", 0) for m in model.modules())
    emb = model.get_input_embeddings().weight
    return total, emb.numel() * emb.element_size()


def _p90(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def summarize_runs(runs: list[ArticleRun], is_peer: bool) -> dict[str, Any]:
    n = len(runs)
    secs = [r.seconds for r in runs]
    gen = sum(r.generated for r in runs)
    st = PassStats()
    for r in runs:
        st.add(r.stats)
    vt = sum(r.check.verbatim_total for r in runs)
    vin = sum(r.check.verbatim_in_article for r in runs)
    forced = 0 if is_peer else sum(r.forced or 0 for r in runs)
    return {
        "n_articles": n,
        "failed": sum(r.error is not None for r in runs),
        "median_s": statistics.median(secs),
        "p90_s": _p90(secs),
        "median_cpu_s": statistics.median(r.cpu_s for r in runs),
        "articles_per_min": 60 * n / sum(secs),
        "prompt_phase_s": st.prompt_phase_s / n,
        "generated_per_article": gen / n,
        "no_step_share_meta": forced / gen if gen else 0.0,
        "no_step_share_counted": 1 - st.decode_passes / gen if gen else 0.0,
        "passes_per_article": st.passes / n,
        "decode_passes_per_article": st.decode_passes / n,
        "tokens_fed_per_decode_pass": st.decode_fed_tokens / st.decode_passes if st.decode_passes else 0.0,
        "decode_tok_s": gen / st.decode_s if st.decode_s else 0.0,
        "decode_passes_s": st.decode_passes / st.decode_s if st.decode_s else 0.0,
        "decode_forward_share": st.decode_forward_s / st.decode_s if st.decode_s else 0.0,
        "mask_s_per_article": sum(r.mask_s for r in runs) / n,
        "complete": sum(r.complete for r in runs),
        "parsed": sum(r.check.parsed for r in runs),
        "schema_valid": sum(r.check.schema_valid for r in runs),
        "validate_ok": sum(r.check.validate_ok for r in runs),
        "verbatim_total": vt,
        "verbatim_in_article": vin,
        "verbatim_rate": vin / vt if vt else 1.0,
    }


APPROACHES = ("peer", "ours", "batched", "llamacpp")

ROWS: list[tuple[str, str, str, str]] = [
    # (label, key, format, ratio: "" none, "lower" = peer/ours (smaller is better), "higher" = ours/peer)
    ("median s / article", "median_s", "{:.1f}", "lower"),
    ("p90 s / article", "p90_s", "{:.1f}", "lower"),
    ("articles / minute", "articles_per_min", "{:.2f}", "higher"),
    ("median CPU s / article (all threads)", "median_cpu_s", "{:.1f}", "lower"),
    ("prompt phase s / article (setup + prefill)", "prompt_phase_s", "{:.2f}", "lower"),
    ("generated tokens / article", "generated_per_article", "{:.0f}", ""),
    ("share of tokens without own step (meta: forced)", "no_step_share_meta", "{:.1%}", ""),
    ("share of tokens without own step (counted)", "no_step_share_counted", "{:.1%}", ""),
    ("forward passes / article (counted)", "passes_per_article", "{:.0f}", "lower"),
    ("  of which decode passes", "decode_passes_per_article", "{:.0f}", "lower"),
    ("tokens fed / decode pass", "tokens_fed_per_decode_pass", "{:.2f}", ""),
    ("decode tokens / s", "decode_tok_s", "{:.2f}", "higher"),
    ("decode passes / s", "decode_passes_s", "{:.2f}", "higher"),
    ("decode time inside model forward", "decode_forward_share", "{:.0%}", ""),
    ("grammar mask s / article", "mask_s_per_article", "{:.2f}", ""),
    ("verbatim strings in article", "verbatim_rate", "{:.1%}", ""),
    ("peak RSS after stage, MB (ru_maxrss)", "peak_rss_mb", "{:.0f}", ""),
    ("current RSS after stage, MB", "rss_mb", "{:.0f}", ""),
    ("1-min load average, stage start -> end", "load_avg", "{}", ""),
]


def print_report(figures: dict[str, Any]) -> None:
    m = figures["machine"]
    print(f"\nspeed comparison, {figures['date']}, git {figures['git_commit']}")
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, torch threads {m['torch_threads']}, Python {m['python']}, "
        f"torch {m['torch']}, transformers {m['transformers']}, xgrammar {m['xgrammar']}, llguidance {m['llguidance']}"
    )
    print(
        f"model: {figures['model']} ({figures['dtype']}), max_new_tokens {figures['max_new_tokens']}, "
        f"{figures['n_articles']} article(s), load {figures['load_s']:.1f} s, peak RSS after load "
        f"{figures['peak_rss_after_load_mb']:.0f} MB"
    )
    if "peer_compile_s" in figures:
        print(f"peer: xgrammar JSON-schema grammar compiled once in {figures['peer_compile_s']:.1f} s (not timed)")
    for note in figures.get("notes", []):
        print(f"note: {note}")
    peer = figures.get("peer")
    present = [(name, figures[name]) for name in APPROACHES if figures.get(name)]
    others = [(name, f) for name, f in present if name != "peer"] if peer else []
    head = ["", *[name for name, _ in present]] + [f"{name} vs peer" for name, _ in others]
    table: list[list[str]] = [head]
    for label, key, fmt, ratio in ROWS:
        row = [label]
        for name, f in present:
            if name == "peer" and key == "no_step_share_meta":
                row.append("0 (none)")
            else:
                row.append(fmt.format(f[key]) if key in f else "")
        for _, f in others:
            a, b = peer[key], f.get(key)  # type: ignore[index]
            if ratio == "lower" and b:
                row.append(f"{a / b:.2f}x")
            elif ratio == "higher" and a and b is not None:
                row.append(f"{b / a:.2f}x")
            else:
                row.append("")
        table.append(row)
    blanks = [""] * len(others)
    for label, key in (
        ("complete JSON", "complete"),
        ("parses as JSON", "parsed"),
        ("schema-valid", "schema_valid"),
        ("passes validate(article)", "validate_ok"),
    ):
        table.append([label] + [f"{f[key]}/{f['n_articles']}" for _, f in present] + blanks)
    row = ["verbatim strings found / total"]
    row += [f"{f['verbatim_in_article']}/{f['verbatim_total']}" for _, f in present]
    table.append(row + blanks)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for i, r in enumerate(table):
        print(" | ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths, strict=True))))
        if i == 0:
            print(" | ".join("-" * w for w in widths))
    batched = figures.get("batched")
    if batched:
        print(
            f"\nbatched: Summarizer.summarize_many with batch_size {batched['batch_size']}, all "
            f"{batched['n_articles']} article(s) in {batched['wall_s']:.1f} s; per-article rows are the run's "
            f"totals / n; median latency per article {batched['median_latency_s']:.1f} s; "
            f"{batched['rows_per_decode_pass']:.2f} sequences per decode pass; second look "
            f"{batched['look_s_per_article']:.1f} s / article"
        )
    llama = figures.get("llamacpp")
    if llama:
        print(
            "\nllamacpp: Summarizer(backend='llamacpp') on the same GGUF (its own weights in llama.cpp; "
            "passes are not counted: llama.cpp does not run the torch model)"
        )
    bw = figures["bandwidth"]
    print(
        f"\nmemory-bandwidth bound: weights {bw['weight_bytes'] / 1e9:.2f} GB (parameters + buffers; input "
        f"embedding {bw['embedding_bytes'] / 1e9:.2f} GB of it), copy bandwidth {bw['copy_gb_s']:.1f} GB/s "
        f"(best of 5 copies of 1 GiB, read + write)"
    )
    print(
        f"  => at most {bw['bound_passes_s']:.2f} forward passes/s if each pass reads every weight once "
        f"({bw['bound_passes_s_no_embedding']:.2f}/s not counting the input embedding, of which a pass reads only "
        f"a few rows); one token per pass makes that the decode tokens/s bound"
    )
    for name, f in present:
        if name in ("peer", "ours", "batched"):
            bound = bw["bound_passes_s"]
            print(
                f"  {name}: {f['decode_passes_s']:.2f} decode passes/s ({f['decode_passes_s'] / bound:.0%} of the "
                f"bound), {f['decode_tok_s']:.2f} tokens/s ({f['decode_tok_s'] / bound:.2f}x the one-token-per-pass "
                "bound)"
            )


def _load_span(start: float) -> str:
    return f"{start:.1f} -> {os.getloadavg()[0]:.1f}"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*", help=".txt articles or JSONL files with {id, text} lines")
    ap.add_argument("--n", type=int, default=0, help="use at most N articles")
    ap.add_argument(
        "--only",
        metavar="A[,B]",
        help="run only these approaches, comma-separated: peer, ours, batched, llamacpp (default: all; "
        "llamacpp when llama-cpp-python is installed)",
    )
    ap.add_argument("--batch-size", type=int, default=4, help="articles decoded together by 'batched' (default 4)")
    ap.add_argument("--max-new-tokens", type=int, default=None, help="default: Summarizer's (768)")
    ap.add_argument(
        "--quantize",
        choices=("auto", "none", "int8", "int4", "w8a8", "w8a8-fast"),
        default="auto",
        help="weights for ours and ours batched (default auto, as Summarizer's); the peer always runs bf16",
    )
    ap.add_argument("--json", dest="json_out", help="write the figures here")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else set(APPROACHES)
    if only - set(APPROACHES):
        ap.error(f"--only: unknown approach(es) {', '.join(sorted(only - set(APPROACHES)))}")

    import torch

    from summarizer import Summarizer
    from summarizer.core import DEFAULT_MAX_NEW_TOKENS
    from summarizer.schema import generation_schema

    max_new = args.max_new_tokens or DEFAULT_MAX_NEW_TOKENS
    articles = load_inputs(args.inputs, args.n)
    if not articles:
        print("no articles", file=sys.stderr)
        return 2
    threads = torch.get_num_threads()
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git_commit": git_commit(),
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "torch_threads": threads,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": _version("transformers"),
            "xgrammar": _version("xgrammar"),
            "llguidance": _version("llguidance"),
        },
        "n_articles": len(articles),
        "max_new_tokens": max_new,
        "notes": [],
    }
    print("measuring copy bandwidth ...", file=sys.stderr, flush=True)
    copy_gbs = copy_bandwidth_gbs(threads)

    t = time.perf_counter()
    s = Summarizer(max_new_tokens=max_new, quantize=args.quantize)
    figures["load_s"] = time.perf_counter() - t
    figures["quantize"] = s.backend.quantize
    figures["peak_rss_after_load_mb"] = peak_rss_mb()
    model, tok = s.backend.model, s.backend.tokenizer
    figures["model"] = s.model_name
    figures["dtype"] = str(next(model.parameters()).dtype).replace("torch.", "")
    wbytes, ebytes = weight_bytes(model)
    figures["bandwidth"] = {
        "weight_bytes": wbytes,
        "embedding_bytes": ebytes,
        "copy_gb_s": copy_gbs,
        "bound_passes_s": copy_gbs * 1e9 / wbytes,
        "bound_passes_s_no_embedding": copy_gbs * 1e9 / (wbytes - ebytes),
    }
    schema = generation_schema()
    counter = PassCounter(model)
    runs: dict[str, list[ArticleRun]] = {}
    try:
        if "peer" in only:
            try:
                import xgrammar  # noqa: F401
            except ImportError:
                msg = "peer skipped: xgrammar is not installed (pip install -e '.[bench]')"
                print(msg, file=sys.stderr)
                figures["notes"].append(msg)
            else:
                # the peer runs bf16 weights: a model of its own when ours is quantized
                peer_model = (
                    model
                    if s.backend.quantize == "none"
                    else Summarizer(max_new_tokens=max_new, quantize="none").backend.model
                )
                peer_counter = counter if peer_model is model else PassCounter(peer_model)
                peer = Peer(peer_model, tok, schema, max_new)
                figures["peer_compile_s"] = peer.compile_s
                print("peer: transformers generate + xgrammar ...", file=sys.stderr, flush=True)
                load0 = os.getloadavg()[0]
                try:
                    runs["peer"] = run_peer(peer, peer_counter, articles, schema)
                finally:
                    if peer_counter is not counter:
                        peer_counter.remove()
                del peer, peer_model
                figures["peer"] = summarize_runs(runs["peer"], True)
                figures["peer"].update(peak_rss_mb=peak_rss_mb(), rss_mb=current_rss_mb(), load_avg=_load_span(load0))
        if "ours" in only:
            print("ours: Summarizer.summarize ...", file=sys.stderr, flush=True)
            load0 = os.getloadavg()[0]
            runs["ours"] = run_ours(s, counter, articles, schema)
            figures["ours"] = summarize_runs(runs["ours"], False)
            figures["ours"].update(peak_rss_mb=peak_rss_mb(), rss_mb=current_rss_mb(), load_avg=_load_span(load0))
        if "batched" in only:
            print(f"batched: Summarizer.summarize_many, batch size {args.batch_size} ...", file=sys.stderr, flush=True)
            load0 = os.getloadavg()[0]
            # a fresh Summarizer on the same model: nothing carried over from 'ours' but the loaded weights
            sb = Summarizer(max_new_tokens=max_new, backend=s.backend)
            sb.backend._states.clear()
            runs["batched"], whole = run_ours_batched(sb, counter, articles, schema, args.batch_size)
            figures["batched"] = summarize_batched(runs["batched"], whole, args.batch_size)
            figures["batched"].update(peak_rss_mb=peak_rss_mb(), rss_mb=current_rss_mb(), load_avg=_load_span(load0))
    finally:
        counter.remove()
    if "llamacpp" in only:
        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            figures["notes"].append(
                "llamacpp skipped: llama-cpp-python is not installed (pip install -e '.[llamacpp]')"
            )
        else:
            print("llamacpp: Summarizer(backend='llamacpp') ...", file=sys.stderr, flush=True)
            load0 = os.getloadavg()[0]
            sl = Summarizer(max_new_tokens=max_new, backend="llamacpp")
            runs["llamacpp"] = run_ours(sl, PassCounter(torch.nn.Module()), articles, schema)
            f = summarize_runs(runs["llamacpp"], False)
            for key in (
                "no_step_share_counted",
                "passes_per_article",
                "decode_passes_per_article",
                "tokens_fed_per_decode_pass",
                "decode_tok_s",
                "decode_passes_s",
                "decode_forward_share",
                "prompt_phase_s",
            ):
                f.pop(key)
            figures["llamacpp"] = f
            figures["llamacpp"].update(peak_rss_mb=peak_rss_mb(), rss_mb=current_rss_mb(), load_avg=_load_span(load0))
    if sum(name in figures for name in APPROACHES) > 1:
        figures["notes"].append("peak RSS is a process high-water mark: the second stage's includes the first's")
    if os.getloadavg()[0] > 1.5 * (os.cpu_count() or 1):
        figures["notes"].append(
            "the machine was busy (load average above 1.5 x cores): wall times and rates are unreliable; compare "
            "CPU seconds and counted forward passes, or rerun on an idle machine"
        )
    figures["per_article"] = {
        name: [
            {
                "id": r.id,
                "seconds": round(r.seconds, 3),
                "cpu_s": round(r.cpu_s, 3),
                "generated": r.generated,
                "forced": r.forced,
                "complete": r.complete,
                "mask_s": round(r.mask_s, 4),
                "error": r.error,
                **{k: round(v, 4) if isinstance(v, float) else v for k, v in vars(r.stats).items()},
                "check": vars(r.check),
            }
            for r in rs
        ]
        for name, rs in runs.items()
    }
    print_report(figures)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
