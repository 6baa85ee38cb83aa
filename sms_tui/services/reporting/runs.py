"""Reports issued (9.4): ``RPT-000001``, and the decisions recorded from them.

Every ``sms-tui report`` and ``sms-tui evidence`` run is recorded (which
report, period, format, where it went, who, when) in the same way as any other
write: one transaction, journaled under the run's reference (record_kind
``report``). The evidence for 9.4 counts these runs and the decisions recorded
against them, not the mere ability to produce a report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from ...domain.errors import NotFound, ValidationError
from ...storage.evidence import ReportRun
from ..core import journal
from ..core.store import Store
from .model import Period

JOURNAL_KIND = "report"
PREFIX = "RPT"
REPORTS = ("service", "evidence")
MAX_DECISION = 4000


@dataclass(frozen=True)
class ReportRunView:
    ref: str
    report: str
    period_start: datetime
    period_end: datetime
    format: str
    output: str
    actor: str
    at: datetime
    decision: str
    decided_by: str
    decided_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "report": self.report,
                "period": Period(self.period_start, self.period_end).to_dict(),
                "format": self.format, "output": self.output, "by": self.actor,
                "at": self.at.isoformat(timespec="seconds"), "decision": self.decision,
                "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat(timespec="seconds") if self.decided_at else None}


def _view(row: ReportRun) -> ReportRunView:
    return ReportRunView(row.ref, row.report, row.period_start, row.period_end, row.format,
                         row.output, row.actor, row.at, row.decision, row.decided_by, row.decided_at)


def format_ref(number: int) -> str:
    return f"{PREFIX}-{number:06d}"


def parse_ref(ref: str) -> int:
    head, _, number = (ref or "").strip().upper().partition("-")
    if head != PREFIX or not number.isdigit() or len(number) > 12:
        raise ValidationError(f"'{ref}' is not a report reference (RPT-000001)")
    return int(number)


class ReportRunService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, *, report: str, start: datetime, end: datetime, fmt: str,
               output: str = "", issue: Callable[[], None] | None = None) -> ReportRunView:
        """Record that a report was issued (one transaction, journaled).

        ``issue`` writes the report (to its file, or the output), inside that transaction
        once the record is made: a desk that cannot record it (read-only) writes no report,
        and a report that cannot be written is not recorded. It had been written first,
        then "read-only; nothing was written" said beside it."""
        if report not in REPORTS:
            raise ValidationError(f"unknown report '{report}': use {', '.join(REPORTS)}")
        with self.store.write() as session:
            now = self.store.now()
            row = ReportRun(ref="pending", report=report, period_start=start, period_end=end,
                            format=fmt, output=output, actor=self.store.actor, at=now)
            session.add(row)
            session.flush()
            row.ref = format_ref(row.id or 0)
            journal.append(session, ref=row.ref, kind=JOURNAL_KIND, actor=self.store.actor, at=now,
                           action="issued", changes={
                               "report": (None, report), "format": (None, fmt),
                               "period": (None, Period(start, end).label()),
                               "output": (None, output)})
            session.flush()
            if issue is not None:
                issue()
            return _view(row)

    def decide(self, ref: str, decision: str) -> ReportRunView:
        """Record the decision taken from a report (who, when); journaled."""
        text = (decision or "").strip()
        if not text:
            raise ValidationError("say what was decided from the report")
        if len(text) > MAX_DECISION:
            raise ValidationError(f"the decision is {len(text)} characters; keep it to {MAX_DECISION}")
        with self.store.write() as session:
            row = session.get(ReportRun, parse_ref(ref))
            if row is None:
                raise NotFound(f"no report run {ref} (see: sms-tui reports-issued list)")
            now = self.store.now()
            old = row.decision
            row.decision = f"{old}\n{text}" if old else text
            row.decided_by, row.decided_at, row.version = self.store.actor, now, row.version + 1
            journal.append(session, ref=row.ref, kind=JOURNAL_KIND, actor=self.store.actor, at=now,
                           action="decision", changes={"decision": (old, row.decision)}, note=text)
            return _view(row)

    def list(self, limit: int = 50) -> list[ReportRunView]:
        with self.store.read() as session:
            rows = session.exec(select(ReportRun).order_by(col(ReportRun.id).desc()).limit(limit))
            return [_view(r) for r in rows]
