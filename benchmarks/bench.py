"""Speed and memory benchmark: load time, prefill, decode speed, tokens, seconds per article, peak RSS.

Usage:
    python benchmarks/bench.py [INPUT ...] [--n N] [--model M] [--cold] [--backend B] [--quantize Q]
        [--no-second-look] [--json OUT.json]

INPUT is a .txt article or a JSONL file with {"id", "text"} lines (the gold format works); by default
the example article. ``--cold`` also measures a first load (assembling and converting the bundled
model into an empty temporary cache). Prints a table and, with --json, writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_inputs(paths: list[str], n: int) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for p in paths or [str(ROOT / "examples" / "hama-2017.txt")]:
        path = Path(p)
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    items.append((str(rec["id"]), rec["text"]))
        else:
            items.append((path.name, path.read_text(encoding="utf-8-sig")))
    return items[:n] if n else items


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_load_seconds(model: str | None) -> float:
    """Load in a fresh process with an empty cache: assembling + converting + loading."""
    with tempfile.TemporaryDirectory() as tmp:
        code = (
            f"import time,sys; sys.path.insert(0, {str(ROOT)!r}); t=time.perf_counter();"
            f"from summarizer.backends import load_backend; load_backend({model!r});"
            "print(time.perf_counter()-t)"
        )
        env = dict(os.environ, SUMMARIZER_CACHE=tmp, SUMMARIZER_QUIET="1")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*")
    ap.add_argument("--n", type=int, default=0, help="use at most N articles")
    ap.add_argument("--model", default=None)
    ap.add_argument("--max-new-tokens", type=int, default=768)
    ap.add_argument("--cold", action="store_true", help="also time a first load with an empty cache")
    ap.add_argument("--backend", choices=("transformers", "llamacpp"), default="transformers")
    ap.add_argument(
        "--quantize",
        choices=("auto", "none", "int8", "int4", "w8a8", "w8a8-fast"),
        default="auto",
        help="transformers weights",
    )
    ap.add_argument("--no-second-look", action="store_true")
    ap.add_argument("--json", dest="json_out", help="write the figures here")
    args = ap.parse_args()

    from summarizer import Summarizer

    articles = load_inputs(args.inputs, args.n)
    figures: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "model": args.model or "bundled",
        "n_articles": len(articles),
    }
    if args.cold:
        figures["load_first_s"] = round(cold_load_seconds(args.model), 2)
    t = time.perf_counter()
    s = Summarizer(
        args.model,
        max_new_tokens=args.max_new_tokens,
        backend=args.backend,
        quantize=args.quantize,
        second_look=not args.no_second_look,
    )
    figures["load_cached_s"] = round(time.perf_counter() - t, 2)

    rows = []
    for aid, text in articles:
        r = s.summarize(text)
        m = r.meta
        rows.append(
            {
                "id": aid,
                "prompt_tokens": m["tokens"]["prompt"],
                "reused_tokens": m["tokens"]["prompt_reused"],
                "prefill_s": m["timings"]["prefill_s"],
                "decode_s": m["timings"]["decode_s"],
                "generated": m["tokens"]["generated"],
                "forced": m["tokens"]["forced"],
                "forward_passes": m["tokens"]["forward_passes"],
                "decode_tok_s": round(m["tokens"]["generated"] / m["timings"]["decode_s"], 2),
                "total_s": m["timings"]["total_s"],
                "closed_early": m.get("closed_early", False),
            }
        )
        print(f"  {aid}: {rows[-1]['total_s']:.1f} s, {rows[-1]['generated']} tokens", file=sys.stderr)
    totals = [r["total_s"] for r in rows]
    figures.update(
        {
            "per_article": rows,
            "median_s_per_article": round(statistics.median(totals), 2),
            "mean_prefill_s": round(statistics.mean(r["prefill_s"] for r in rows), 2),
            "mean_decode_tok_s": round(statistics.mean(r["decode_tok_s"] for r in rows), 2),
            "mean_generated_tokens": round(statistics.mean(r["generated"] for r in rows), 1),
            "forced_share": round(sum(r["forced"] for r in rows) / max(1, sum(r["generated"] for r in rows)), 3),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    )
    print(f"\nsummarizer benchmark, {figures['date']}, {figures['machine']}, model {figures['model']}")
    if "load_first_s" in figures:
        print(f"load, first (assemble + convert): {figures['load_first_s']:.1f} s")
    print(f"load, cached:                    {figures['load_cached_s']:.1f} s")
    head = ["article", "prompt tok", "reused", "prefill s", "gen tok", "forced", "passes", "tok/s", "total s"]
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for r in rows:
        print(
            f"{r['id']} | {r['prompt_tokens']} | {r['reused_tokens']} | {r['prefill_s']:.2f} | {r['generated']} | "
            f"{r['forced']} | {r['forward_passes']} | {r['decode_tok_s']:.2f} | {r['total_s']:.1f}"
        )
    print(
        f"\nmedian {figures['median_s_per_article']:.1f} s/article, prefill {figures['mean_prefill_s']:.2f} s, "
        f"decode {figures['mean_decode_tok_s']:.2f} tok/s, {figures['mean_generated_tokens']:.0f} generated "
        f"tokens ({figures['forced_share']:.0%} forced), peak RSS {figures['peak_rss_mb']:.0f} MB"
    )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
