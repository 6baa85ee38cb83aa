"""Self-contained HTML for the service report and the evidence report.

One file a manager can open in any browser, mail or archive: inline CSS,
inline SVG charts, no JavaScript, nothing fetched from the network. Every
piece of user text goes through :func:`.text.h` (HTML escaping).
"""

from __future__ import annotations

from ..services.report_model import (
    Breakdown,
    ClauseEvidence,
    EvidenceReport,
    Figure,
    Section,
    ServiceReport,
)
from .svg import bar_chart, weekly_chart
from .text import h

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 780px; color: #111827;
       line-height: 1.4; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d1d5db; }
.clause { color: #4b5563; font-weight: normal; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .25rem .4rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.trend { white-space: nowrap; }
.better { color: #166534; } .worse { color: #991b1b; }
.note, .meta { color: #4b5563; font-size: .85rem; }
.nodata { color: #4b5563; font-style: italic; }
svg.chart { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
.summary { font-weight: 600; }
.gap { border-left: 4px solid #991b1b; padding-left: .5rem; margin: .4rem 0; }
.status { font-weight: 600; white-space: nowrap; }
.status-gap { color: #991b1b; } .status-met { color: #166534; }
.refs { font-family: ui-monospace, monospace; font-size: .85rem; word-break: break-word; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def _page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # Forbid anything but inline styles and images: the file must stand alone.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{h(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _trend(fig: Figure) -> str:
    verdict = f" ({fig.verdict})" if fig.verdict else ""
    cls = f"trend {fig.verdict}".strip()
    return f'<span class="{cls}">{h(fig.trend_text())}{verdict}</span>'


def _figures(figures: tuple[Figure, ...]) -> str:
    rows = [
        '<table class="figures"><thead><tr><th>Figure</th><th class="num">This period</th>'
        '<th class="num">Previous period</th><th>Trend</th></tr></thead><tbody>'
    ]
    for fig in figures:
        note = f' <span class="note">— {h(fig.note)}</span>' if fig.note else ""
        rows.append(
            f'<tr data-key="{h(fig.key)}"><td>{h(fig.label)}{note}</td>'
            f'<td class="num">{h(fig.value_text())}</td>'
            f'<td class="num">{h(fig.value_text("previous"))}</td><td>{_trend(fig)}</td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _breakdown(bd: Breakdown) -> str:
    head = "".join(f'<th class="num">{h(c)}</th>' for c in bd.columns)
    out = [f"<h3>{h(bd.title)}</h3>"]
    if bd.chart:
        out.append(bar_chart(bd, f"chart-{bd.key.replace('.', '-')}"))
    out.append(f'<table class="breakdown"><thead><tr><th></th>{head}</tr></thead><tbody>')
    for row in bd.rows:
        cells = "".join(
            f'<td class="num">{h(c.value_text())}<br><span class="note">prev. '
            f'{h(c.value_text("previous"))}</span> {_trend(c)}</td>'
            for c in row.cells
        )
        out.append(f"<tr><th>{h(row.label)}</th>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _section(sec: Section) -> str:
    out = [f'<section id="{h(sec.key)}"><h2>{h(sec.title)} '
           f'<span class="clause">({h(sec.clause)})</span></h2>']
    if not sec.available:
        out.append(f'<p class="nodata">{h(sec.note)}</p></section>')
        return "".join(out)
    if sec.figures:
        out.append(_figures(sec.figures))
    out.extend(_breakdown(bd) for bd in sec.breakdowns)
    out.append("</section>")
    return "".join(out)


def service_html(report: ServiceReport) -> str:
    """The service report as one self-contained HTML page."""
    title = f"Service report {report.period.label()}"
    weeks = "".join(
        f'<tr><td>{h(w.week)}</td><td>{w.start:%d %b} – {w.end:%d %b} ({w.days} d)</td>'
        f'<td class="num">{w.opened}</td><td class="num">{w.resolved}</td></tr>'
        for w in report.weekly
    )
    body = [
        f"<h1>{h(title)}</h1>",
        f'<p class="meta">Period {h(report.period.label())} (end exclusive: to '
        f"{report.period.end:%Y-%m-%d %H:%M} UTC), compared with the previous period of equal "
        f"length {h(report.previous.label())}. Open records measured at "
        f"{report.as_of:%Y-%m-%d %H:%M} UTC. Generated {report.generated_at:%Y-%m-%d %H:%M} UTC "
        "from the records (ISO/IEC 20000-1 9.4).</p>",
        '<p class="meta">Trend: ▲ up, ▼ down, = unchanged, then the change and whether it is '
        "better or worse.</p>",
        '<section id="weekly"><h2>Incidents opened and resolved per week '
        '<span class="clause">(8.6.1)</span></h2>',
        weekly_chart(report.weekly),
        '<table class="weekly"><thead><tr><th>Week</th><th>Days in period</th>'
        f'<th class="num">Opened</th><th class="num">Resolved</th></tr></thead><tbody>{weeks}'
        "</tbody></table></section>",
        *(_section(sec) for sec in report.sections),
    ]
    return _page(title, body)


def _status(c: ClauseEvidence) -> str:
    return f'<span class="status status-{h(c.status)}">{h(c.status_text)}</span>'


def _ref(ref: str, traced: set[str]) -> str:
    """A reference, linked to its trace (record and journal) when the report carries one."""
    if ref in traced:
        return f'<a href="#trace-{h(ref)}">{h(ref)}</a>'
    return h(ref)


def _figure(c: ClauseEvidence, value: str) -> str:
    """A figure, linked to the records it is drawn from (the appendix) when there are any."""
    if not c.records_total:
        return h(value)
    return (f'<a href="#records-{h(c.clause)}" title="the records of the period this '
            'clause counts">'
            f"{h(value)}</a>")


def _records(report: EvidenceReport, traced: set[str]) -> list[str]:
    """The appendix: for each clause, the records its figures are drawn from."""
    listed = [c for c in report.clauses if c.records_total]
    if not listed:
        return []
    out = ['<section id="records"><h2>Records behind the figures</h2>',
           '<p class="meta">Each figure above links here: the records of the period its clause '
           "counts (by creation, resolution, closing or due date, as the figure says). Look any "
           "of them up, with its full journal, with <code>sms-tui show REF</code>.</p>"]
    for c in listed:
        more = (f" and {c.records_total - len(c.records)} more (the first "
                f"{len(c.records)} by number are listed)" if c.records_total > len(c.records)
                else "")
        out.append(f'<h3 id="records-{h(c.clause)}"><a href="#clause-{h(c.clause)}">'
                   f"{h(c.clause)}</a> {h(c.title)}: {c.records_total} record(s)</h3>"
                   f'<p class="refs">{", ".join(_ref(r, traced) for r in c.records)}{more}</p>')
    out.append("</section>")
    return out


def _clause(c: ClauseEvidence, traced: set[str]) -> str:
    from ..domain.evidence import STATUS_MEANING

    out = [f'<section id="clause-{h(c.clause)}"><h2>{h(c.clause)} {h(c.title)}</h2>',
           f'<p>Status: <strong>{_status(c)}</strong> '
           f'<span class="note">({h(STATUS_MEANING[c.status])})</span></p>',
           f'<p class="summary">{h(c.clause)}: {h(c.summary)}</p>']
    if c.note:
        out.append(f'<p class="nodata">{h(c.note)}</p>')
    if c.facts:
        out.append("<table><tbody>" + "".join(
            f"<tr><td>{h(f.label)}</td><td>{_figure(c, f.value)}</td></tr>" for f in c.facts
        ) + "</tbody></table>")
    if c.documents:
        out.append("<p>Documented information:</p><ul>" + "".join(
            f"<li>{h(d)}</li>" for d in c.documents) + "</ul>")
    if c.outside:
        out.append('<p>Outside the desk (not in its register of documented information):</p>'
                   '<ul class="outside">' + "".join(
                       f"<li><strong>OUTSIDE</strong> {h(o)}</li>" for o in c.outside) + "</ul>")
    if c.samples:
        out.append('<p>Records to trace: <span class="refs">'
                   + ", ".join(_ref(r, traced) for r in c.samples) + "</span></p>")
    for gap in c.gaps:
        refs = ", ".join(_ref(r, traced) for r in gap.refs)
        more = f" and {gap.refs_cut} more" if gap.refs_cut else ""
        out.append(f'<div class="gap"><strong>GAP</strong> {h(gap.description)} '
                   f'({gap.count})<div class="refs">{refs}{more}</div></div>')
    out.append("</section>")
    return "".join(out)


def _traces(report: EvidenceReport) -> list[str]:
    if not report.traces:
        return []
    out = ['<section id="traces"><h2>Records traced, with their full journal</h2>',
           f'<p class="meta">Picked at random with seed {report.sample_seed}: the same seed '
           "picks the same records.</p>"]
    for trace in report.traces:
        out.append(f'<h3 id="trace-{h(trace.ref)}">{h(trace.ref)} '
                   f'<span class="clause">({h(trace.clause)})</span> {h(trace.title)}</h3>')
        out.append('<table class="journal"><thead><tr><th>When (UTC)</th><th>Who</th>'
                   "<th>Action</th><th>Changes</th><th>Note</th></tr></thead><tbody>")
        for e in trace.entries:
            out.append(f"<tr><td>{h(e.when)}</td><td>{h(e.actor)}</td><td>{h(e.action)}</td>"
                       f"<td>{h(e.changes)}</td><td>{h(e.note)}</td></tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def evidence_html(report: EvidenceReport) -> str:
    """The evidence report as one self-contained HTML page."""
    title = f"ISO/IEC 20000-1 evidence {report.period.label()}"
    traced = {t.ref for t in report.traces}
    overview = "".join(
        f'<tr><td><a href="#clause-{h(c.clause)}">{h(c.clause)}</a> {h(c.title)}</td>'
        f"<td>{_status(c)}</td><td>{h(c.summary)}</td><td class=\"num\">"
        f"{sum(1 for g in c.gaps if g.count) if c.available else 'no data'}</td></tr>"
        for c in report.clauses
    )
    body = [
        f"<h1>{h(title)}</h1>",
        f'<p class="meta">Period {h(report.period.label())} (end exclusive, UTC). Generated '
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC from the records in the store.</p>",
        f"<p><strong>{h(report.status_line())}.</strong></p>",
        '<table class="overview"><thead><tr><th>Clause</th><th>Status</th><th>Evidence</th>'
        f'<th class="num">Gaps</th></tr></thead><tbody>{overview}</tbody></table>',
        *(_clause(c, traced) for c in report.clauses),
        *_records(report, traced),
        *_traces(report),
    ]
    return _page(title, body)
