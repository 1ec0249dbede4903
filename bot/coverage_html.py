"""The coverage report as one self-contained HTML page: charts drawn now, inline as SVG.

matplotlib renders the charts when the page is built (Agg backend, no display), so the page has
no scripts and loads nothing: it opens from disk, offline, in any browser.
"""

from __future__ import annotations

import html
import io
from typing import Any

from bot.coverage import Coverage

COLOURS = {"extractive": "#5865F2", "llm": "#3BA55D", "refused": "#ED4245"}
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #666; margin-top: .2rem; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.2rem 0; }
.card { background: #f4f5f9; border-radius: 8px; padding: .7rem 1.1rem; min-width: 8rem; }
.card b { display: block; font-size: 1.6rem; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.charts figure { margin: 0; background: #fff; border: 1px solid #e3e5ec; border-radius: 8px;
                 padding: .5rem; } .charts svg { width: 100%; height: auto; }
figcaption { font-weight: 600; padding: .2rem .4rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; font-size: 14px; }
th, td { text-align: left; border-bottom: 1px solid #e3e5ec; padding: .35rem .5rem;
         vertical-align: top; } th { background: #f4f5f9; } td.n { text-align: right; }
.empty { color: #888; font-style: italic; }
"""


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(
        buffer, format="svg", bbox_inches="tight", metadata={"Creator": None, "Date": None}
    )
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype: it is inline


def charts(report: Coverage) -> dict[str, str]:
    """Inline SVG charts: answers per day by outcome, topics, latency of the slowest answers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "citebot", "font.size": 10})
    out: dict[str, str] = {}

    figure, axes = plt.subplots(figsize=(6, 3.2))
    days = list(report.per_day)
    bottom = [0] * len(days)
    for kind, colour in COLOURS.items():
        values = [report.per_day[d].get(kind, 0) for d in days]
        if any(values):
            axes.bar(days, values, bottom=bottom, color=colour, label=kind)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("answers")
    axes.legend(frameon=False)
    axes.tick_params(axis="x", labelrotation=45)
    axes.spines[["top", "right"]].set_visible(False)
    out["per_day"] = _svg(figure)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(6, 3.2))
    topics = list(reversed(report.topics))
    labels = [t.label if len(t.label) <= 45 else t.label[:44] + "…" for t in topics]
    axes.barh(
        labels, [t.count - t.refused for t in topics], color=COLOURS["extractive"], label="answered"
    )
    axes.barh(
        labels,
        [t.refused for t in topics],
        left=[t.count - t.refused for t in topics],
        color=COLOURS["refused"],
        label="refused",
    )
    axes.set_xlabel("questions")
    axes.legend(frameon=False, loc="lower right")
    axes.spines[["top", "right"]].set_visible(False)
    out["topics"] = _svg(figure)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(6, 3.2))
    latencies = [float(r["latency_ms"]) / 1000 for r in report.slowest]
    axes.bar(range(1, len(latencies) + 1), latencies, color="#FAA61A")
    axes.set_xlabel("slowest answers, by rank")
    axes.set_ylabel("seconds")
    axes.spines[["top", "right"]].set_visible(False)
    out["slowest"] = _svg(figure)
    plt.close(figure)
    return out


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    if not rows:
        return '<p class="empty">None in this period.</p>'
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            if key == "latency_ms" and value is not None:
                cells.append(f'<td class="n">{float(value) / 1000:.2f} s</td>')
            elif key == "created_at" and value:
                cells.append(f"<td>{html.escape(str(value)[:16].replace('T', ' '))}</td>")
            else:
                text = "" if value is None else str(value)
                cells.append(f"<td>{html.escape(text[:300])}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render_html(report: Coverage, *, title: str = "citebot coverage report") -> str:
    """The whole page."""
    svgs = charts(report) if report.answers else {}
    refused = report.per_mode.get("refused", 0)
    cards = [
        ("answers", report.answers),
        ("refused", refused),
        ("voted helpful", report.votes["up"]),
        ("voted unhelpful", report.votes["down"]),
    ]
    card_html = "".join(f'<div class="card">{k}<b>{v:,}</b></div>' for k, v in cards)
    figures = "".join(
        f"<figure><figcaption>{caption}</figcaption>{svgs[key]}</figure>"
        for key, caption in (
            ("per_day", "Answers per day, by outcome"),
            ("topics", "Most-asked topics"),
            ("slowest", "Slowest answers"),
        )
        if key in svgs
    )
    modes = ", ".join(f"{html.escape(k)}: {v:,}" for k, v in report.per_mode.items()) or "none"
    topic_rows = [
        {
            "label": t.label,
            "count": t.count,
            "refused": t.refused,
            "examples": " · ".join(t.examples),
        }
        for t in report.topics
    ]
    when = f"{report.since[:10]} to {report.until[:10]}"
    sections = [
        "<h2>Refused questions</h2>",
        _table(report.refused, [("created_at", "asked"), ("question", "question")]),
        "<h2>Answers voted unhelpful</h2>",
        _table(
            report.downvoted,
            [
                ("created_at", "asked"),
                ("question", "question"),
                ("answer", "answer"),
                ("down", "votes"),
            ],
        ),
        "<h2>Most-asked topics</h2>",
        _table(
            topic_rows,
            [
                ("label", "topic"),
                ("count", "questions"),
                ("refused", "refused"),
                ("examples", "asked as"),
            ],
        ),
        "<h2>Slowest answers</h2>",
        _table(
            report.slowest[:10],
            [("latency_ms", "time"), ("mode", "mode"), ("question", "question")],
        ),
    ]
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p class="sub">{when} · by mode: {modes}</p>'
        f'<div class="cards">{card_html}</div><div class="charts">{figures}</div>'
        f"{''.join(sections)}</body></html>\n"
    )
