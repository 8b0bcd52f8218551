"""The pipeline: article -> prompt -> constrained generation -> parse -> ground -> result."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from summarizer.actors import fold_capitals, fold_place_variants, split_listed_groups, tidy_actors, tidy_places
from summarizer.aimed import aimed_at_model
from summarizer.article import ArticleError, check_article, plain_text
from summarizer.backends import Backend, GenerationResult, load_backend
from summarizer.candidates import tells_of_no_force
from summarizer.chunking import merge, split_chunks
from summarizer.destinations import add_dateline_country, add_home_countries, full_place_names
from summarizer.grammar import build_lark
from summarizer.grounding import ground, reread, to_article
from summarizer.movements import mend_reinforcements
from summarizer.parse import (
    actors_not_forces,
    add_unwritten_quotes,
    drop_cross_aliases,
    drop_speaker_bases,
    drop_supporter_states,
    list_senders,
    merge_acronyms,
    merge_state_forces,
    own_mentions,
    parse,
    split_senders,
    split_unit_aliases,
    unlisted_places,
)
from summarizer.prompting import PromptSet, build_messages, load_prompts
from summarizer.result import Result
from summarizer.schema import SCHEMA_VERSION, ConflictSummary, Meta, generation_schema, within_bounds
from summarizer.second_look import (
    ACTOR_MIN_LOGODDS,
    ARMED_MIN_LOGODDS,
    CONFLICT_MIN_LOGODDS,
    KEEP_MIN_LOGODDS,
    LOCATION_MIN_LOGODDS,
    SUPPORT_MIN_LOGODDS,
    Look,
    actor_floor,
    add_backers,
    add_belligerents,
    add_locations,
    add_unlisted_places,
    answer_aliases,
    armed_kinds,
    camp_labels,
    drop_belligerents,
    fix_role_sides,
    is_control,
    look,
    no_conflict,
    place_floor,
    places_need_actors,
    side_of,
    type_of,
)
from summarizer.sides import split_enemy_sides
from summarizer.truecase import case_view

DEFAULT_MAX_NEW_TOKENS = 768
# Articles longer than this many tokens are split into chunks (see summarizer/chunking.py). 3000, not
# less: on the two long test articles (~2,000-2,600 tokens) whole-article extraction found as many or
# more gold items than 1,500-token chunks did (README, "Evaluation").
DEFAULT_INPUT_BUDGET = 3000
# Articles decoded together in batch and eval runs (Summarizer.summarize_many). One: with w8a8 weights
# (the default on x86-64) a pass over four sequences is bound by compute on 2 cores, and one article at a
# time ran the dev split faster (24.3 s against 32.4 s per article; README, "Evaluation").
DEFAULT_BATCH_SIZE = 1
# Longer articles are refused: at ~1 minute per chunk they would take hours.
MAX_ARTICLE_CHARS = 200_000


class Summarizer:
    """Load a model once, then extract from many articles.

    ``model``: None for the bundled Qwen2.5-Coder-1.5B-Instruct, or a Hugging Face model id, a local
    model directory, or a ``.gguf`` file. ``backend`` may also be a ready ``Backend`` object.
    ``second_look``: after each answer, score places the answer left out and ask whether the article
    reports an armed conflict at all (see ``second_look.py``); needs a backend that scores continuations.
    ``quantize`` (transformers backend): "auto" (default: "w8a8" on an x86-64 CPU with torch's x86
    quantized engine, else "none"), "none" (bf16), "int8" or "int4" (weight-only), "w8a8" (int8
    weights and activations) or "w8a8-fast" (w8a8 with a scale per token, every layer int8); speed and
    quality of each are measured in the README.
    ``location_min_logodds`` / ``actor_min_logodds`` / ``keep_min_logodds`` / ``support_min_logodds`` /
    ``conflict_min_logodds`` / ``armed_min_logodds``: the second look's thresholds (None: only record the
    scores in ``meta.second_look``, change nothing). ``armed_min_logodds``: an article whose belligerents
    the model all types as no armed kind of actor (a club, a ministry, a company) gets empty belligerents,
    locations and reinforcements. ``restore_case``: an article written in capitals is read in a
    case-restored copy (``truecase.py``); the result's strings are still the article's own.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        input_budget: int | None = DEFAULT_INPUT_BUDGET,
        backend: str | Backend = "transformers",
        second_look: bool = True,
        quantize: str = "auto",
        location_min_logodds: float | None = LOCATION_MIN_LOGODDS,
        conflict_min_logodds: float | None = CONFLICT_MIN_LOGODDS,
        actor_min_logodds: float | None = ACTOR_MIN_LOGODDS,
        keep_min_logodds: float | None = KEEP_MIN_LOGODDS,
        support_min_logodds: float | None = SUPPORT_MIN_LOGODDS,
        armed_min_logodds: float | None = ARMED_MIN_LOGODDS,
        restore_case: bool = True,
    ) -> None:
        if max_new_tokens < 64:
            raise ValueError("max_new_tokens must be at least 64")
        if input_budget is not None and input_budget < 200:
            raise ValueError("input_budget must be at least 200 tokens (or None for no chunking)")
        self.max_new_tokens = max_new_tokens
        self.input_budget = input_budget
        self.backend: Backend = load_backend(model, backend, quantize) if isinstance(backend, str) else backend
        self.second_look = second_look and hasattr(self.backend, "continuation_logprobs")
        self.location_min_logodds = location_min_logodds
        self.conflict_min_logodds = conflict_min_logodds
        self.actor_min_logodds = actor_min_logodds
        self.keep_min_logodds = keep_min_logodds
        self.support_min_logodds = support_min_logodds
        self.armed_min_logodds = armed_min_logodds
        self.restore_case = restore_case
        self.prompts: PromptSet = load_prompts()
        self._schema = generation_schema()

    @property
    def model_name(self) -> str:
        return self.backend.model_name

    def summarize(self, text: str) -> Result:
        """Extract belligerents, locations, reinforcements and quotes from one article.

        An article over ``input_budget`` tokens is split into overlapping chunks whose results are
        merged; spans always point into the whole article.
        """
        t0 = time.perf_counter()
        parts, gens, looks = [], [], []
        article, view = text, self._view(text)
        text = view.text
        chunks = self._chunks(text)
        for piece, messages in self._pieces(text, chunks):
            gen = self.backend.generate(messages, build_lark(self._schema, piece), self.max_new_tokens)
            part, found = self._finish_chunk(messages, gen, piece)
            parts.append(part)
            gens.append(gen)
            looks += [found] if found is not None else []
        return self._assemble(text, parts, gens, looks, t0, article, view)

    def summarize_many(
        self, articles: Iterable[tuple[Any, str]], batch_size: int = DEFAULT_BATCH_SIZE
    ) -> Iterator[tuple[Any, Result | Exception]]:
        """Extract from many ``(key, text)`` articles, decoding ``batch_size`` answers together.

        Yields ``(key, Result)``, or ``(key, exception)`` for an article that failed (the others go on),
        in the order the articles finish. Articles are read from ``articles`` lazily. With
        ``batch_size=1``, or a backend that cannot batch, articles run one after another. Batched
        decoding gives the same answers as one at a time up to floating-point rounding (bf16 sums
        over padded batches can flip a near-tie); ``meta.timings`` then count shared time.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if batch_size == 1 or not hasattr(self.backend, "generate_many"):
            for key, text in articles:
                try:
                    yield key, self.summarize(text)
                except Exception as exc:  # one bad article never stops the others
                    yield key, exc
            return
        failed: list[tuple[Any, Exception]] = []
        plans: dict[int, _Plan] = {}

        def requests() -> Iterator[tuple[tuple[int, int], list[dict[str, str]], str, int]]:
            for n, (key, text) in enumerate(articles):
                t0 = time.perf_counter()
                try:
                    view = self._view(text)
                    chunks = self._chunks(view.text)
                except Exception as exc:
                    failed.append((key, exc))
                    continue
                plans[n] = plan = _Plan(key, view.text, list(self._pieces(view.text, chunks)), t0, text, view)
                for c, (piece, messages) in enumerate(plan.pieces):
                    yield (n, c), messages, build_lark(self._schema, piece), self.max_new_tokens

        for (n, c), gen in self.backend.generate_many(requests(), batch_size):  # type: ignore[attr-defined]
            yield from _drain(failed)
            plan = plans[n]
            try:
                if isinstance(gen, Exception):
                    raise gen
                piece, messages = plan.pieces[c]
                plan.done[c] = (*self._finish_chunk(messages, gen, piece), gen)
            except Exception as exc:
                plan.error = plan.error or exc
                plan.done[c] = None
            if len(plan.done) < len(plan.pieces):
                continue
            del plans[n]
            if plan.error is not None:
                yield plan.key, plan.error
                continue
            try:
                done = [plan.done[i] for i in range(len(plan.pieces))]
                parts = [d[0] for d in done]  # type: ignore[index]
                looks = [d[1] for d in done if d[1] is not None]  # type: ignore[index]
                gens = [d[2] for d in done]  # type: ignore[index]
                yield plan.key, self._assemble(plan.text, parts, gens, looks, plan.t0, plan.article, plan.view)
            except Exception as exc:
                yield plan.key, exc
        yield from _drain(failed)

    def _view(self, text: str) -> _View:
        """What the model reads: the article's plain copy (``plain_text``: plain line breaks and spaces,
        without the text aimed at the model), its case restored if it is written in capitals."""
        check_article(text, "article")
        if len(text) > MAX_ARTICLE_CHARS:
            raise ArticleError(
                f"article: {len(text):,} characters is over the limit of {MAX_ARTICLE_CHARS:,}; split it first"
            )
        aside = aimed_at_model(text)
        plain, starts = plain_text(text, aside)
        if not plain.strip():
            raise ArticleError("article: nothing is left once the text aimed at the model is set aside")
        cased = case_view(plain) if self.restore_case else plain
        return _View(cased, starts, aside, cased != plain)

    def _chunks(self, text: str) -> list[tuple[int, int]]:
        """The character ranges of ``text`` (what ``_view`` made, which checked the article) to extract from:
        one, or overlapping chunks."""
        if self.input_budget and self.backend.count_tokens(text) > self.input_budget:
            return split_chunks(text, self.input_budget, self.backend.count_tokens)
        return [(0, len(text))]

    def _pieces(self, text: str, chunks: list[tuple[int, int]]) -> Iterator[tuple[str, list[dict[str, str]]]]:
        """Each chunk's text and its chat messages."""
        for start, end in chunks:
            yield text[start:end], build_messages(text[start:end], self.prompts)

    def _finish_chunk(
        self, messages: list[dict[str, str]], gen: GenerationResult, piece: str
    ) -> tuple[ConflictSummary, Look | None]:
        """Parse one chunk's answer and, if on, give it the second look."""
        part = parse(gen.text, piece)
        if not self.second_look:
            return add_unlisted_places(part, {}), None
        backend: Any = self.backend
        t1 = time.perf_counter()
        part = add_unlisted_places(part, {w: type_of(backend, messages, gen.text, w) for w in unlisted_places(part)})
        found = look(backend, messages, gen.text, part, piece)
        if self.location_min_logodds is not None:
            for name, score in found.locations.items():
                if score > place_floor(name, found, self.location_min_logodds):
                    found.types[name] = type_of(backend, messages, gen.text, name)
            part = add_locations(part, found, self.location_min_logodds)
        if self.keep_min_logodds is not None:
            part = drop_belligerents(part, found, self.keep_min_logodds)
        part = fix_role_sides(backend, messages, gen.text, part, found)
        if self.actor_min_logodds is not None:
            labels = camp_labels(part)
            aliases = answer_aliases(part)
            for name, score in found.actors.items():
                cues, members = found.armed_cues.get(name, 0), found.member_cues.get(name, 0)
                if score > actor_floor(name, self.actor_min_logodds, aliases, cues, members):
                    found.sides[name] = side_of(backend, messages, gen.text, name, labels)
            part = add_belligerents(part, found, self.actor_min_logodds)
        if self.support_min_logodds is not None:
            labels = camp_labels(part)
            for name, score in found.backers.items():
                if score > self.support_min_logodds:
                    found.sides[name] = side_of(backend, messages, gen.text, name, labels, own=False)
            part = add_backers(part, found, self.support_min_logodds)
        found.armed = armed_kinds(backend, messages, [b.name for b in part.belligerents])
        gen.timings["second_look_s"] = round(time.perf_counter() - t1, 4)
        return part, found

    def _assemble(
        self,
        text: str,
        parts: list[ConflictSummary],
        gens: list[GenerationResult],
        looks: list[Look],
        t0: float,
        article: str,
        view: _View | None = None,
    ) -> Result:
        """Merge the chunks' parts, apply the conflict check, ground the spans, add the meta.

        ``text`` is what the model read (``article`` itself, or a copy: ``view``, see ``_view``); the
        result's strings and spans are the article's own.
        """
        data = parts[0] if len(parts) == 1 else merge(parts)
        # an article is a control when no chunk reports an armed conflict
        gates = [lk.conflict_logodds for lk in looks if lk.conflict_logodds is not None]
        if gates and self.conflict_min_logodds is not None and max(gates) < self.conflict_min_logodds:
            data = no_conflict(data)
        if is_control(looks, text, self.armed_min_logodds) or tells_of_no_force(text):
            data = no_conflict(data)
        data = split_listed_groups(split_unit_aliases(data), text)
        data = fold_capitals(merge_state_forces(actors_not_forces(data), text), text)
        data = add_unlisted_places(mend_reinforcements(data, text), {})
        data = drop_speaker_bases(data, text)
        data = fold_place_variants(full_place_names(add_home_countries(add_dateline_country(data, text), text), text))
        data = add_unwritten_quotes(data, text)
        data = list_senders(drop_cross_aliases(split_senders(merge_acronyms(data, text), text)))
        data = fold_capitals(data, text)  # again: a sender listed just now may be a capital ("Bangui")
        # and once more: an actor tidied just now may be a capital's country ("Russian tanks and artillery"
        # -> "Russia", for "Moscow")
        data = fold_capitals(tidy_actors(split_enemy_sides(data, text), text), text)
        data = within_bounds(tidy_places(data, text))
        data = ground(own_mentions(places_need_actors(drop_supporter_states(data, text)), text), text)
        restored = view.case_restored if view is not None else text != article
        if view is not None and view.starts is not None:
            data = to_article(data, article, view.starts)
        elif restored:
            data = reread(data, article)
        data.meta = self._meta(gens, time.perf_counter() - t0, looks, case_restored=restored)
        if view is not None and view.aside:
            # stretches of the article aimed at the model, which it did not read (``aimed.aimed_at_model``)
            data.meta.set_aside = [list(span) for span in view.aside]
        return Result(data=data, article=article)

    def _meta(self, gens: list[GenerationResult], total: float, looks: list[Look], case_restored: bool) -> Meta:
        timings: dict[str, float] = {}
        for g in gens:
            for k, v in g.timings.items():
                timings[k] = round(timings.get(k, 0.0) + v, 4)
        generated = sum(g.generated_tokens for g in gens)
        forced = sum(g.forced_tokens for g in gens)
        decode_s = timings.get("decode_s", 0.0)
        return Meta(
            model=self.backend.model_name,
            prompt_version=self.prompts.version,
            schema_version=SCHEMA_VERSION,
            timings={
                **timings,
                "total_s": round(total, 4),
                "tokens_per_s": round(generated / decode_s, 2) if decode_s else 0.0,
            },
            tokens={
                "prompt": sum(g.prompt_tokens for g in gens),
                "prompt_reused": sum(g.reused_prompt_tokens for g in gens),
                "generated": generated,
                "forced": forced,
                "sampled": generated - forced,
                "forward_passes": sum(g.forward_passes for g in gens),
                "drafted": sum(g.drafted_tokens for g in gens),
                "draft_accepted": sum(g.accepted_draft_tokens for g in gens),
            },
            closed_early=any(g.closed_early for g in gens),
            case_restored=case_restored,
            chunks=len(gens),
            second_look=[lk.as_meta() for lk in looks] or None,
            settings={
                "second_look": self.second_look,
                "location_min_logodds": self.location_min_logodds,
                "actor_min_logodds": self.actor_min_logodds,
                "keep_min_logodds": self.keep_min_logodds,
                "support_min_logodds": self.support_min_logodds,
                "conflict_min_logodds": self.conflict_min_logodds,
                "armed_min_logodds": self.armed_min_logodds,
                "draft_tokens": getattr(self.backend, "draft_tokens", None),
                "quantize": getattr(self.backend, "quantize", None),
                "restore_case": self.restore_case,
            },
        )


@dataclass
class _View:
    """What the model reads of an article (``Summarizer._view``): ``text``; ``starts``, where each of its
    characters stands in the article (None when it is the article's own text but for case); ``aside``,
    the stretches left out as aimed at the model; whether the case was restored."""

    text: str
    starts: list[int] | None
    aside: list[tuple[int, int]]
    case_restored: bool


@dataclass
class _Plan:
    """An article in a batched run: its chunks (text, messages) and the chunk results that have come back."""

    key: Any
    text: str
    pieces: list[tuple[str, list[dict[str, str]]]]
    t0: float
    article: str
    view: _View
    done: dict[int, tuple[ConflictSummary, Look | None, GenerationResult] | None] = field(default_factory=dict)
    error: Exception | None = None


def _drain(failed: list[tuple[Any, Exception]]) -> Iterator[tuple[Any, Exception]]:
    while failed:
        yield failed.pop(0)
