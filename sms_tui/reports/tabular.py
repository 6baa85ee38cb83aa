"""CSV and JSON forms of the reports (for spreadsheets and other tools)."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..domain.text import json_text, spreadsheet_cell
from ..services.reporting.model import Figure, ServiceReport

CSV_COLUMNS = ("section", "clause", "key", "label", "row", "column", "current", "previous",
               "delta", "trend", "verdict", "unit", "note")


def to_json(data: dict[str, Any]) -> str:
    """Indented UTF-8 JSON; C1 and bidi controls escaped (see json_text)."""
    return json_text(data, indent=2) + "\n"


_csv_cell = spreadsheet_cell  # controls visible, formulas quoted as text


def _row(section: str, clause: str, fig: Figure, row: str = "", column: str = "") -> list:
    return [section, clause, _csv_cell(fig.key), _csv_cell(fig.label), _csv_cell(row),
            _csv_cell(column),
            "" if fig.current is None else fig.current,
            "" if fig.previous is None else fig.previous,
            "" if fig.delta is None else fig.delta,
            fig.arrow, fig.verdict, fig.unit, fig.note]


def service_csv(report: ServiceReport) -> str:
    """One row per figure (breakdown cells included) and per week of the plot."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["period", "", "period.from", report.period.start.isoformat(), "", "",
                     report.period.start.isoformat(), report.previous.start.isoformat(),
                     "", "", "", "", ""])
    writer.writerow(["period", "", "period.to", report.period.end.isoformat(), "", "",
                     report.period.end.isoformat(), report.previous.end.isoformat(),
                     "", "", "", "", ""])
    for week in report.weekly:
        for what in ("opened", "resolved"):
            writer.writerow(["weekly", "8.6.1", f"incidents.weekly.{what}",
                             f"Incidents {what} in {week.week}", week.week, what,
                             getattr(week, what), "", "", "", "", "",
                             f"{week.start}..{week.end} ({week.days} days)"])
    for sec in report.sections:
        if not sec.available:
            writer.writerow([sec.key, sec.clause, sec.key, sec.title, "", "", "", "", "", "", "",
                             "", sec.note])
        for fig in sec.figures:
            writer.writerow(_row(sec.key, sec.clause, fig))
        for bd in sec.breakdowns:
            for r in bd.rows:
                for col, fig in zip(bd.columns, r.cells, strict=True):
                    writer.writerow(_row(sec.key, sec.clause, fig, r.label, col))
    return buf.getvalue()
