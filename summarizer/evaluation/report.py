"""Human-readable reports of a scored run: ``report.md`` and a self-contained ``report.html``.

The HTML needs no network and runs no script: every article text and label is HTML-escaped, and each
article is shown with its gold and predicted mentions highlighted (matched, missed, spurious).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from summarizer.textspans import body_ranges, locate, quoted_passages

FIELDS = ("belligerents", "locations", "reinforcements", "quotes")
KEY = {"belligerents": "name", "locations": "name", "reinforcements": "sender", "quotes": "text"}


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _ci(ci: Any) -> str:
    if not ci or ci[0] is None:
        return "–"
    return f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def _field_rows(scores: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [(f, scores["fields"][f]) for f in FIELDS if f in scores.get("fields", {})]
    for f in FIELDS:
        rec = (scores.get("fields_recall") or {}).get(f)
        if rec:
            rows.append((f"{f} (recall mode)", rec))
    return rows


def _extraction_note(scores: dict[str, Any]) -> str:
    ex = scores.get("extraction")
    if not ex:
        return ""
    return (
        f" · this run extracted {ex['articles']} articles in {_fmt(ex['wall_s'], 1)} s wall time "
        f"({_fmt(ex['s_per_article'], 1)} s per article, {_fmt(ex['articles_per_min'], 2)} articles/min, "
        f"batch size {ex['batch_size']}; per-article times overlap when batched)"
    )


def render_markdown(scores: dict[str, Any]) -> str:
    """The run's scores as a Markdown report."""
    lines = [
        "# Evaluation report",
        "",
        f"model `{scores.get('model')}` · prompt `{scores.get('prompt_version')}` · schema "
        f"`{scores.get('schema_version')}` · commit `{scores.get('commit')}` · {scores.get('date')} · "
        f"{scores.get('machine')}",
        "",
        f"{scores.get('n_articles')} articles, {scores.get('failed')} failed · validity rate "
        f"{_fmt(scores.get('validity_rate'))} · verbatim rate {_fmt(scores.get('verbatim_rate'))} · "
        f"{_fmt(scores.get('time_per_article_s'), 1)} s and "
        f"{_fmt(scores.get('generated_tokens_per_article'), 0)} generated tokens per article"
        + _extraction_note(scores),
        "",
        "| field | precision | recall | F1 | 95% CI | TP | FP | FN | macro F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in _field_rows(scores):
        lines.append(
            f"| {name} | {_fmt(f.get('precision'))} | {_fmt(f.get('recall'))} | {_fmt(f.get('f1'))} | "
            f"{_ci(f.get('ci95'))} | {f.get('tp')} | {f.get('fp')} | {f.get('fn')} | {_fmt(f.get('macro_f1'))} |"
        )
    q = scores.get("fields", {}).get("quotes") or {}
    if q:
        e2e = q.get("e2e") or {}
        lines += [
            "",
            f"Quotes: speaker accuracy {_fmt(q.get('speaker_accuracy'))}, end-to-end P/R/F1 "
            f"{_fmt(e2e.get('precision'))} / {_fmt(e2e.get('recall'))} / {_fmt(e2e.get('f1'))}.",
        ]
    sg = scores.get("side_grouping") or {}
    lines.append(
        f"Side grouping P/R/F1: {_fmt(sg.get('precision'))} / {_fmt(sg.get('recall'))} / {_fmt(sg.get('f1'))}."
    )
    lines += [
        "",
        "## Per article",
        "",
        "| id | failed | " + " | ".join(f"{f} TP/FP/FN" for f in FIELDS) + " |",
        "|---|---|" + "---|" * len(FIELDS),
    ]
    for art in scores.get("per_article", []):
        cells = []
        for f in FIELDS:
            fs = (art.get("fields") or {}).get(f)
            cells.append("–" if not fs else f"{fs.get('tp')}/{fs.get('fp')}/{fs.get('fn')}")
        lines.append(f"| {art.get('id')} | {'yes' if art.get('failed') else ''} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _mentions(article: dict[str, Any], field: str) -> dict[str, list[str]]:
    """Strings to highlight for one field of one article: matched, missed, spurious."""
    fs = (article.get("fields") or {}).get(field) or {}
    matched = [m.get("gold") if isinstance(m, dict) else m for m in fs.get("matched", [])]
    return {
        "matched": [s for s in matched if s],
        "missed": [s for s in fs.get("missed", []) if s],
        "spurious": [s for s in fs.get("spurious", []) if s],
    }


def _highlighted(text: str, marks: list[tuple[int, int, str, str]]) -> str:
    """Escaped text with non-overlapping <mark> elements (earlier and longer marks win)."""
    marks = sorted(marks, key=lambda m: (m[0], -(m[1] - m[0])))
    out, pos = [], 0
    for start, end, cls, title in marks:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark class="{cls}" title="{html.escape(title)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n\n", "</p><p>").replace("\n", "<br>")


def article_marks(text: str, article: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """(start, end, class, title) for every highlighted mention of an article."""
    body = body_ranges(text)
    quoted = [(p.start, p.end) for p in quoted_passages(text)]
    marks = []
    for field in FIELDS:
        for cls, strings in _mentions(article, field).items():
            for s in strings:
                span = locate(text, s, body=body, prefer=quoted if field == "quotes" else None)
                if span:
                    marks.append((span[0], span[1], cls, f"{field}: {cls}"))
    return marks


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
td:first-child,th:first-child{text-align:left}.bar{background:#4a7bd0;height:.9rem;display:inline-block}
.barcell{width:16rem;text-align:left}mark.matched{background:#b6e3b6}mark.missed{background:#ffd08a}
mark.spurious{background:#f4a6a6}.legend mark{padding:0 .3rem}article{border-top:1px solid #ddd;margin-top:1.5rem}
.meta{color:#555;font-size:.9rem}
"""


def render_html(scores: dict[str, Any], texts: dict[str, str]) -> str:
    """The run's scores as one self-contained HTML page (no scripts, no external resources)."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Evaluation report</title><style>{_CSS}</style></head><body>",
        "<h1>Evaluation report</h1>",
        f"<p class='meta'>model {e(str(scores.get('model')))} · prompt {e(str(scores.get('prompt_version')))} · "
        f"schema {e(str(scores.get('schema_version')))} · commit {e(str(scores.get('commit')))} · "
        f"{e(str(scores.get('date')))} · {e(str(scores.get('machine')))}</p>",
        f"<p>{scores.get('n_articles')} articles, {scores.get('failed')} failed · validity "
        f"{_fmt(scores.get('validity_rate'))} · verbatim {_fmt(scores.get('verbatim_rate'))} · "
        f"{_fmt(scores.get('time_per_article_s'), 1)} s per article</p>",
        "<h2>Fields</h2><table id='fields'><tr><th>field</th><th>P</th><th>R</th><th>F1</th><th>95% CI</th>"
        "<th class='barcell'>F1 (recall in recall mode)</th></tr>",
    ]
    for name, f in _field_rows(scores):
        value = f.get("f1") if f.get("f1") is not None else f.get("recall")
        width = 0 if value is None else round(100 * value)
        parts.append(
            f"<tr><td>{e(name)}</td><td>{_fmt(f.get('precision'))}</td><td>{_fmt(f.get('recall'))}</td>"
            f"<td>{_fmt(f.get('f1'))}</td><td>{_ci(f.get('ci95'))}</td><td class='barcell'>"
            f"<span class='bar' style='width:{width}%'></span> {_fmt(value, 2)}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2>Articles</h2><table id='articles'><tr><th>id</th><th>failed</th>")
    parts += [f"<th>{f}<br>TP/FP/FN</th>" for f in FIELDS]
    parts.append("</tr>")
    for art in scores.get("per_article", []):
        aid = str(art.get("id"))
        parts.append(f"<tr><td><a href='#a-{e(aid)}'>{e(aid)}</a></td><td>{'yes' if art.get('failed') else ''}</td>")
        for f in FIELDS:
            fs = (art.get("fields") or {}).get(f)
            cell = "–" if not fs else f"{fs.get('tp')}/{fs.get('fp')}/{fs.get('fn')}"
            parts.append(f"<td>{cell}</td>")
        parts.append("</tr>")
    parts.append("</table>")
    parts.append(
        "<p class='legend'><mark class='matched'>matched</mark> <mark class='missed'>missed (gold only)</mark> "
        "<mark class='spurious'>spurious (predicted only)</mark></p>"
    )
    for art in scores.get("per_article", []):
        aid = str(art.get("id"))
        text = texts.get(aid, "")
        parts.append(
            f"<article id='a-{e(aid)}'><h3>{e(aid)}</h3><p>{_highlighted(text, article_marks(text, art))}</p></article>"
        )
    parts.append("</body></html>")
    return "".join(parts) + "\n"


def write_reports(scores: dict[str, Any], records: list[Any], preds: dict[str, Any], out_dir: Path) -> None:
    """Write report.md and report.html next to scores.json."""
    texts = {r.id: r.text for r in records}
    (out_dir / "report.md").write_text(render_markdown(scores), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(scores, texts), encoding="utf-8")
