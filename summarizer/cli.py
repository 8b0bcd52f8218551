"""Command line: ``summarizer extract``, ``summarizer validate``, ``summarizer schema``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from summarizer import __version__
from summarizer.article import ArticleError, read_article
from summarizer.core import DEFAULT_BATCH_SIZE, DEFAULT_INPUT_BUDGET

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def _fail(msg: str, code: int = EXIT_FAILED) -> int:
    print(f"summarizer: error: {msg}", file=sys.stderr)
    return code


def _write(text: str, out: str | None) -> None:
    if out in (None, "-"):
        sys.stdout.write(text + "\n")
        return
    path = Path(out)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _model_options(args: argparse.Namespace) -> dict:
    """Summarizer settings shared by extract, batch and eval."""
    return {
        "max_new_tokens": args.max_new_tokens,
        "input_budget": args.input_budget or None,
        "backend": args.backend,
        "second_look": not args.no_second_look,
        "quantize": args.quantize,
    }


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    """Options that choose how the model runs (extract, batch, eval)."""
    p.add_argument(
        "--backend",
        choices=("transformers", "llamacpp"),
        default="transformers",
        help="transformers (default) or llamacpp (needs the llamacpp extra; .gguf models only)",
    )
    p.add_argument(
        "--quantize",
        choices=("auto", "none", "int8", "int4", "w8a8", "w8a8-fast"),
        default="auto",
        help="weights for the transformers backend: auto (default: w8a8 on x86-64, else none), none (bf16), "
        "int8 or int4 (weight-only), w8a8 (int8 weights and activations), w8a8-fast (w8a8 with one activation "
        "scale per token and the MLP down projections int8 too: faster decoding, answers measured slightly worse)",
    )
    p.add_argument(
        "--no-second-look",
        action="store_true",
        help="skip the second look (candidate places the answer left out; the armed-conflict check)",
    )


def _add_batch_size(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help="articles decoded together by the transformers backend (default %(default)s; 1: one at a time)",
    )


def cmd_extract(args: argparse.Namespace) -> int:
    try:
        article = read_article(args.file)
    except ArticleError as exc:
        return _fail(str(exc), EXIT_USAGE)
    from summarizer.backends import GenerationError
    from summarizer.core import Summarizer
    from summarizer.model_store import ModelNotAvailableError

    try:
        summarizer = Summarizer(args.model, **_model_options(args))
        result = summarizer.summarize(article)
    except (ModelNotAvailableError, GenerationError, ValueError) as exc:
        return _fail(str(exc))
    try:
        _write(result.to_json(indent=2 if args.pretty else None), args.output)
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc.strerror}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from summarizer.validate import validate

    try:
        raw = Path(args.output).read_text(encoding="utf-8-sig") if args.output != "-" else sys.stdin.read()
    except FileNotFoundError:
        return _fail(f"{args.output}: no such file", EXIT_USAGE)
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"{args.output}: cannot read as UTF-8 text ({exc})", EXIT_USAGE)
    article = None
    if args.article:
        try:
            article = read_article(args.article)
        except ArticleError as exc:
            return _fail(str(exc), EXIT_USAGE)
    problems = validate(raw, article)
    if args.json:
        print(json.dumps([p.__dict__ for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            print(str(p))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    checked = "schema, consistency and grounding" if article is not None else "schema and consistency"
    print(f"{args.output}: {errors} error(s), {warnings} warning(s) ({checked})", file=sys.stderr)
    return EXIT_INVALID if errors else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from summarizer.schema import main as schema_main

    return schema_main(["--write"] if args.write else ["--check"] if args.check else [])


def cmd_eval(args: argparse.Namespace) -> int:
    from summarizer.evaluation.gold import GoldError

    try:
        if args.score_only:
            if len(args.data) < 2:
                return _fail("--score-only needs PRED GOLD [GOLD ...]", EXIT_USAGE)
            from summarizer.evaluation.runner import score_only

            scores = score_only(args.data[0], args.data[1:], args.out, check_verbatim=not args.no_verbatim_check)
        else:
            from summarizer.evaluation.runner import run_eval

            scores = run_eval(
                args.data,
                args.out,
                model=args.model,
                limit=args.limit,
                sample=args.sample,
                seed=args.seed,
                options=_model_options(args),
                progress=not args.no_progress,
                check_verbatim=not args.no_verbatim_check,
                batch_size=args.batch_size,
            )
    except (GoldError, ValueError, FileNotFoundError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    from summarizer.evaluation.report import render_markdown

    print(render_markdown(scores).split("## Per article")[0].rstrip())
    print(f"\nwrote {Path(args.out) / 'scores.json'}, report.md, report.html", file=sys.stderr)
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from summarizer.batch import BatchError, run_batch

    try:
        summary = run_batch(
            args.inputs,
            args.output,
            model=args.model,
            resume=args.resume,
            retry_failed=args.retry_failed,
            progress=not args.no_progress,
            options=_model_options(args),
            batch_size=args.batch_size,
        )
    except BatchError as exc:
        return _fail(str(exc), EXIT_USAGE)
    print(summary.line(), file=sys.stderr)
    if summary.errors:
        print("failures by type: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.errors.items())), file=sys.stderr)
    return 130 if summary.interrupted else EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from summarizer.evaluation.compare import compare, format_comparison, load_scores

    try:
        a, b = load_scores(args.run_a), load_scores(args.run_b)
    except (FileNotFoundError, ValueError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    print(format_comparison(compare(a, b), args.run_a, args.run_b))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summarizer",
        description="Extract belligerents, locations, reinforcements and quotes from a news article "
        "about an armed conflict with a local language model, and validate such output.",
        epilog="environment: SUMMARIZER_CACHE (cache directory; default $XDG_CACHE_HOME/summarizer or "
        "~/.cache/summarizer), "
        "SUMMARIZER_PREFIX_CACHE=0 (do not keep the prompt prefix's KV cache on disk), "
        "SUMMARIZER_DTYPE=bfloat16|float32 (what the unquantized layers compute in; default bfloat16 "
        "where the CPU has bfloat16 instructions, float32 on other x86 CPUs), "
        "SUMMARIZER_QUIET=1 (no load messages)",
    )
    parser.add_argument("--version", action="version", version=f"summarizer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ex = sub.add_parser("extract", help="extract from one article and print the JSON result")
    ex.add_argument("file", metavar="FILE", help="article text file (UTF-8), or - for standard input")
    ex.add_argument("-o", "--output", metavar="OUT", help="write the JSON here instead of stdout")
    ex.add_argument(
        "--model",
        metavar="M",
        default=None,
        help="Hugging Face model id, local model directory or .gguf file "
        "(default: the bundled Qwen2.5-Coder-1.5B-Instruct)",
    )
    ex.add_argument(
        "--max-new-tokens",
        type=int,
        default=768,
        metavar="N",
        help="token budget for the answer; the JSON is closed before it runs out (default 768)",
    )
    ex.add_argument(
        "--input-budget",
        type=int,
        default=DEFAULT_INPUT_BUDGET,
        metavar="N",
        help="articles over N tokens are split into overlapping chunks (0: never; default %(default)s)",
    )
    ex.add_argument("--pretty", action="store_true", help="indent the JSON")
    _add_engine_args(ex)
    ex.set_defaults(func=cmd_extract)

    va = sub.add_parser("validate", help="check an output JSON file against the schema and the article")
    va.add_argument("output", metavar="OUTPUT.json", help="output to check (ours or another tool's), or -")
    va.add_argument("--article", metavar="FILE", help="the article, to check that strings and spans are in it")
    va.add_argument("--json", action="store_true", help="print the problems as JSON")
    va.set_defaults(func=cmd_validate)

    ba = sub.add_parser("batch", help="extract many articles into a JSONL file, resumably")
    ba.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="JSONL files ({id, text} per line), directories of .txt/.md files, or glob patterns",
    )
    ba.add_argument("-o", "--output", required=True, metavar="OUT.jsonl", help="prediction lines go here")
    ba.add_argument("--resume", action="store_true", help="skip ids already in OUT (failed ones too)")
    ba.add_argument("--retry-failed", action="store_true", help="with --resume: redo the ids that failed")
    ba.add_argument("--model", metavar="M", default=None, help="as for extract")
    ba.add_argument("--max-new-tokens", type=int, default=768, metavar="N", help="as for extract")
    ba.add_argument(
        "--input-budget",
        type=int,
        default=DEFAULT_INPUT_BUDGET,
        metavar="N",
        help="articles over N tokens are split into overlapping chunks (0: never; default %(default)s)",
    )
    ba.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_batch_size(ba)
    _add_engine_args(ba)
    ba.set_defaults(func=cmd_batch)

    ev = sub.add_parser("eval", help="extract every article of gold data, score it and write reports")
    ev.add_argument(
        "data",
        nargs="+",
        metavar="DATA",
        help="gold JSONL files or directories (with --score-only: PRED GOLD [GOLD ...])",
    )
    ev.add_argument("--out", required=True, metavar="DIR", help="run directory (e.g. runs/NAME/)")
    ev.add_argument("--model", metavar="M", default=None, help="as for extract")
    ev.add_argument("--max-new-tokens", type=int, default=768, metavar="N", help="as for extract")
    ev.add_argument(
        "--input-budget",
        type=int,
        default=DEFAULT_INPUT_BUDGET,
        metavar="N",
        help="articles over N tokens are split into overlapping chunks (0: never; default %(default)s)",
    )
    ev.add_argument("--limit", type=int, metavar="N", help="only the first N articles (after --sample)")
    ev.add_argument("--sample", type=int, metavar="N", help="a seeded random sample of N articles")
    ev.add_argument("--seed", type=int, default=0, metavar="S", help="seed for --sample (default 0)")
    ev.add_argument(
        "--score-only",
        action="store_true",
        help="re-score saved predictions (PRED GOLD ...) into DIR/scores.json without a model",
    )
    ev.add_argument("--no-progress", action="store_true", help="no progress bar")
    ev.add_argument(
        "--no-verbatim-check",
        action="store_true",
        help="load gold whose strings are not all in the text (e.g. MUC-4's world-knowledge `within`)",
    )
    _add_batch_size(ev)
    _add_engine_args(ev)
    ev.set_defaults(func=cmd_eval)

    co = sub.add_parser("compare", help="per-field deltas between two runs and the articles that changed")
    co.add_argument("run_a", metavar="RUN_A", help="run directory or scores.json")
    co.add_argument("run_b", metavar="RUN_B", help="run directory or scores.json")
    co.set_defaults(func=cmd_compare)

    sc = sub.add_parser("schema", help="print the output JSON Schema (or --write / --check the file)")
    sc.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    sc.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    sc.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``summarizer`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "max_new_tokens", 768) < 64:
        parser.error("--max-new-tokens must be at least 64")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
