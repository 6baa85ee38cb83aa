"""Markdown forms of the service report and the evidence report.

Trends are written as arrow + signed delta + (better/worse), so they read the
same in a plain-text viewer, printed, or without colour. The weekly plot is a
table with text bars.
"""

from __future__ import annotations

from ..domain.text import one_line
from ..services.reporting.model import (
    Breakdown,
    EvidenceReport,
    Figure,
    Section,
    ServiceReport,
)
from .text import md

BAR = "█"
BAR_WIDTH = 30


def _trend(fig: Figure) -> str:
    text = fig.trend_text()
    return f"{text} ({fig.verdict})" if fig.verdict else text


def _figure_table(figures: tuple[Figure, ...] | list[Figure]) -> list[str]:
    lines = ["| Figure | This period | Previous period | Trend |", "|---|---:|---:|---|"]
    for fig in figures:
        label = md(fig.label) + (f" — {md(fig.note)}" if fig.note else "")
        lines.append(f"| {label} | {fig.value_text()} | {fig.value_text('previous')} | "
                     f"{_trend(fig)} |")
    return lines


def _cell(fig: Figure) -> str:
    return f"{fig.value_text()} (prev. {fig.value_text('previous')}, {_trend(fig)})"


def _breakdown(bd: Breakdown) -> list[str]:
    lines = [f"**{md(bd.title)}**", "", "| | " + " | ".join(md(c) for c in bd.columns) + " |",
             "|---|" + "---:|" * len(bd.columns)]
    for row in bd.rows:
        lines.append(f"| {md(row.label)} | " + " | ".join(_cell(c) for c in row.cells) + " |")
    if bd.chart:
        top = max((c.cells[0].current or 0 for c in bd.rows), default=0) or 1
        lines += ["", "```text"]
        width = max(len(r.label) for r in bd.rows)
        for row in bd.rows:
            value = row.cells[0].current or 0
            bar = BAR * round(BAR_WIDTH * value / top)
            label = one_line(row.label).replace("`", "'")  # cannot close the code fence
            lines.append(f"{label.ljust(width)} {bar} {row.cells[0].value_text()}")
        lines.append("```")
    return lines


def _section(sec: Section) -> list[str]:
    lines = [f"## {md(sec.title)} ({md(sec.clause)})", ""]
    if not sec.available:
        return [*lines, f"_{md(sec.note)}_", ""]
    if sec.figures:
        lines += [*_figure_table(sec.figures), ""]
    for bd in sec.breakdowns:
        lines += [*_breakdown(bd), ""]
    return lines


def service_markdown(report: ServiceReport) -> str:
    """The whole service report as Markdown."""
    lines = [
        f"# Service report {report.period.label()}",
        "",
        f"- Period: {report.period.label()} (from {report.period.start.isoformat()} "
        f"to {report.period.end.isoformat()}, end exclusive, UTC)",
        f"- Compared with: {report.previous.label()} (the previous period of equal length)",
        f"- Open records measured at {report.as_of:%Y-%m-%d %H:%M} UTC; "
        f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC",
        "- Trend: ▲ up, ▼ down, = unchanged, with the change and whether it is better or worse",
        "",
        "## Incidents opened and resolved per week (8.6.1)",
        "",
        "| Week | Days | Opened | Resolved | Opened (bar) |",
        "|---|---:|---:|---:|---|",
    ]
    top = max((w.opened for w in report.weekly), default=0) or 1
    for w in report.weekly:
        bar = BAR * round(BAR_WIDTH * w.opened / top)
        lines.append(f"| {w.week} ({w.start:%d %b}–{w.end:%d %b}) | {w.days} | {w.opened} | "
                     f"{w.resolved} | {bar} |")
    lines.append("")
    for sec in report.sections:
        lines += _section(sec)
    return "\n".join(lines).rstrip() + "\n"


def evidence_markdown(report: EvidenceReport) -> str:
    """The evidence report as Markdown: an overview, then each clause with facts and gaps."""
    from ..domain.evidence import STATUS_MEANING

    lines = [
        f"# ISO/IEC 20000-1 evidence {report.period.label()}",
        "",
        f"Period {report.period.label()} (from {report.period.start.isoformat()} to "
        f"{report.period.end.isoformat()}, end exclusive, UTC); generated "
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC from the records in the store.",
        "",
        f"**{report.status_line()}.**",
        "",
        "| Clause | Status | Evidence | Gaps |",
        "|---|---|---|---:|",
    ]
    for c in report.clauses:
        gaps = sum(1 for g in c.gaps if g.count)
        lines.append(f"| {md(c.clause)} {md(c.title)} | **{c.status_text}** | {md(c.summary)} | "
                     f"{gaps if c.available else 'no data'} |")
    lines.append("")
    for c in report.clauses:
        lines += [f"## {md(c.clause)} {md(c.title)}", "",
                  f"**Status: {c.status_text}** ({STATUS_MEANING[c.status]})", "",
                  f"**{md(c.clause)}: {md(c.summary)}**", ""]
        if c.note:
            lines += [f"_{md(c.note)}_", ""]
        for fact in c.facts:
            lines.append(f"- {md(fact.label)}: {md(fact.value)}")
        if c.facts:
            lines.append("")
        if c.documents:
            lines += ["Documented information:", ""]
            lines += [f"- {md(d)}" for d in c.documents]
            lines.append("")
        if c.outside:
            lines += ["Outside the desk (not in its register of documented information):", ""]
            lines += [f"- **OUTSIDE** {md(o)}" for o in c.outside]
            lines.append("")
        if c.samples:
            lines += ["Records to trace: " + ", ".join(md(r) for r in c.samples), ""]
        if not c.gaps:
            continue
        lines.append("Gaps:")
        lines.append("")
        for gap in c.gaps:
            listed = ", ".join(md(r) for r in gap.refs)
            more = f" and {gap.refs_cut} more" if gap.refs_cut else ""
            lines.append(f"- **GAP** {md(gap.description)} ({gap.count}): {listed}{more}"
                         if listed else f"- **GAP** {md(gap.description)} ({gap.count})")
        lines.append("")
    lines += _traces(report)
    return "\n".join(lines).rstrip() + "\n"


def _traces(report: EvidenceReport) -> list[str]:
    """evidence --sample: each record picked, with its full journal, oldest first."""
    if not report.traces:
        return []
    lines = ["## Records traced, with their full journal", "",
             f"Picked at random with seed {report.sample_seed}: the same seed picks the same "
             "records.", ""]
    for trace in report.traces:
        lines += [f"### {md(trace.ref)} ({md(trace.clause)}) {md(trace.title)}", "",
                  "| When (UTC) | Who | Action | Changes | Note |", "|---|---|---|---|---|"]
        lines += [f"| {md(e.when)} | {md(e.actor)} | {md(e.action)} | {md(e.changes)} | "
                  f"{md(e.note)} |" for e in trace.entries]
        lines.append("")
    return lines
