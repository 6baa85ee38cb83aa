"""Inline SVG charts for the HTML report: no script, no external file, no network.

Series are told apart by fill *pattern* (solid vs hatched) and a legend in
words, not by colour alone; every bar carries a ``<title>`` with its value and
the same numbers are in a table next to the chart.
"""

from __future__ import annotations

import math

from ..services.reporting.model import Breakdown, WeekBucket
from .text import h

WIDTH = 720
FONT = 'font-family="system-ui, sans-serif" font-size="11"'

DEFS = (
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#b45309" stroke-width="3"/></pattern></defs>'
)
SOLID = 'fill="#1d4ed8"'
HATCHED = 'fill="url(#hatch)" stroke="#b45309" stroke-width="1"'


def nice_max(value: float) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n), at least 1."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover


def _legend(x: int, y: int, labels: tuple[str, str]) -> str:
    return (
        f'<g class="legend" {FONT}>'
        f'<rect x="{x}" y="{y - 9}" width="12" height="10" {SOLID}/>'
        f'<text x="{x + 16}" y="{y}">{h(labels[0])} (solid)</text>'
        f'<rect x="{x + 150}" y="{y - 9}" width="12" height="10" {HATCHED}/>'
        f'<text x="{x + 166}" y="{y}">{h(labels[1])} (hatched)</text></g>'
    )


def weekly_chart(weeks: tuple[WeekBucket, ...] | list[WeekBucket], chart_id: str = "chart-weekly",
                 title: str = "Incidents opened and resolved per week") -> str:
    """Grouped bars per ISO week: opened (solid) and resolved (hatched), with a y axis."""
    left, right, top, bottom, height = 44, 12, 30, 40, 260
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    n = max(1, len(weeks))
    y_max = nice_max(max([w.opened for w in weeks] + [w.resolved for w in weeks] + [0]))
    group = plot_w / n
    bar_w = max(1.0, group * 0.36)
    every = max(1, math.ceil(n / 14))  # keep x labels from overlapping on long periods
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}"><title id="{chart_id}-title">{h(title)}</title>{DEFS}',
        _legend(left, 16, ("Opened", "Resolved")),
    ]
    steps = y_max if y_max <= 5 else 5  # whole-number ticks: counts have no halves
    for i in range(steps + 1):  # gridlines and y ticks
        value = y_max * i // steps
        y = top + plot_h - plot_h * i / steps
        label = str(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
                     f'stroke="#d1d5db" stroke-width="1"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{label}</text>')
    for i, w in enumerate(weeks):
        x0 = left + group * i + (group - 2 * bar_w) / 2
        for j, (value, style, what) in enumerate(
            ((w.opened, SOLID, "opened"), (w.resolved, HATCHED, "resolved"))
        ):
            bh = plot_h * value / y_max
            x = x0 + j * bar_w
            y = top + plot_h - bh
            parts.append(
                f'<rect class="bar {what}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{bh:.1f}" {style}><title>{h(w.week)}: {value} {what}</title></rect>'
            )
            if n <= 16 and value:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                             f'{FONT}>{value}</text>')
        if i % every == 0:
            parts.append(
                f'<text x="{left + group * (i + 0.5):.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle" {FONT}>{w.start:%d %b}</text>'
            )
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" '
                 f'y2="{top + plot_h}" stroke="#374151" stroke-width="1"/>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                 f'{FONT}>week starting (Monday; first and last weeks cut to the period)</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bd: Breakdown, chart_id: str) -> str:
    """Horizontal bars of a breakdown's first column: this period (solid) over previous (hatched)."""
    left, right, top, row_h = 150, 60, 30, 34
    height = top + row_h * max(1, len(bd.rows)) + 8
    plot_w = WIDTH - left - right
    values = [(r.cells[0].current or 0, r.cells[0].previous or 0) for r in bd.rows]
    top_value = nice_max(max([max(v) for v in values] + [0]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}"><title id="{chart_id}-title">{h(bd.title)}</title>{DEFS}',
        _legend(left, 16, ("This period", "Previous period")),
    ]
    for i, (row, (cur, prev)) in enumerate(zip(bd.rows, values, strict=True)):
        y = top + i * row_h
        label = row.label if len(row.label) <= 22 else row.label[:21] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" {FONT}>{h(label)}</text>')
        for j, (value, style, what, bh) in enumerate(
            ((cur, SOLID, "this period", 14), (prev, HATCHED, "previous period", 8))
        ):
            bw = plot_w * value / top_value
            by = y + 3 + j * 16
            parts.append(
                f'<rect class="bar" x="{left}" y="{by}" width="{bw:.1f}" height="{bh}" {style}>'
                f"<title>{h(row.label)}: {value:g} ({what})</title></rect>"
            )
            if j == 0:
                parts.append(f'<text x="{left + bw + 4:.1f}" y="{by + 11}" {FONT}>'
                             f'{h(row.cells[0].value_text())}</text>')
    parts.append("</svg>")
    return "".join(parts)
