"""Self-contained HTML for the service report and the evidence report.

One file a manager can open in any browser, mail or archive: inline CSS,
inline SVG charts, no JavaScript, nothing fetched from the network.

The pages are Jinja2 templates (``templates/``) with autoescaping: every value a
template prints is made one line (:func:`.text.one_line`) and HTML-escaped, so no
escape can be forgotten. Only the SVG charts, built and escaped by :mod:`.svg`,
go in as markup.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..services.reporting.model import EvidenceReport, ServiceReport
from .svg import bar_chart, weekly_chart
from .text import one_line

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


def _line(value):
    """What a template prints: markup (the charts) as it is, anything else on one line (and
    then escaped by the environment)."""
    return value if isinstance(value, Markup) else one_line(str(value))


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("sms_tui.reports", "templates"), autoescape=True,
                       finalize=_line, undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=True, lstrip_blocks=True)


def service_html(report: ServiceReport) -> str:
    """The service report as one self-contained HTML page."""
    charts = {bd.key: Markup(bar_chart(bd, f"chart-{bd.key.replace('.', '-')}"))
              for sec in report.sections for bd in sec.breakdowns if bd.chart}
    return _env().get_template("service.html.j2").render(
        title=f"Service report {report.period.label()}", css=Markup(CSS), report=report,
        weekly_chart=Markup(weekly_chart(report.weekly)), charts=charts)


def evidence_html(report: EvidenceReport) -> str:
    """The evidence report as one self-contained HTML page."""
    from ..domain.evidence import STATUS_MEANING

    return _env().get_template("evidence.html.j2").render(
        title=f"ISO/IEC 20000-1 evidence {report.period.label()}", css=Markup(CSS),
        report=report, traced={t.ref for t in report.traces}, meaning=STATUS_MEANING,
        gap_counts=[sum(1 for g in c.gaps if g.count) for c in report.clauses])
