"""Plain data the review services return (safe across screens and threads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...domain.schedule import describe_period
from ..core.views import JournalView

# Where an open review stands against its deadline. The words are what the UI
# and CLI show next to each row, so meaning never rests on colour alone.
OVERDUE = "overdue"
DUE_SOON = "due soon"
UPCOMING = "upcoming"


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class ScheduleView:
    """A recurring activity as the schedule editor shows it."""

    activity: str
    clause: str
    title: str
    instructions: str
    checklist: list[str]
    interval: str
    owner: str
    next_due: datetime
    next_period: str  # e.g. "March 2026": what the next review will cover
    days_to_complete: int
    paused: bool
    version: int
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class ChecklistItem:
    number: int  # 1-based, as the analyst types it
    text: str
    done: bool
    by: str
    at: datetime | None


@dataclass(frozen=True)
class ReviewRow:
    """One line of the review queue."""

    ref: str
    activity: str
    clause: str
    title: str
    status: str
    state: str  # overdue | due soon | upcoming | done | skipped
    due: datetime
    owner: str
    source: str
    source_ref: str
    period_start: datetime | None
    period_end: datetime | None
    raised_at: datetime
    raised_late: bool
    checklist_done: int
    checklist_total: int
    completed_at: datetime | None = None

    @property
    def period(self) -> str:
        """'March 2026', or the source record for event reviews."""
        if self.period_start is not None and self.period_end is not None:
            return describe_period(self.period_start, self.period_end)
        return self.source_ref

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "in_progress")

    def to_dict(self) -> dict[str, Any]:
        data = {k: _iso(getattr(self, k)) for k in self.__dataclass_fields__}
        data["period"] = self.period
        return data


@dataclass(frozen=True)
class FindingRow:
    """An improvement opportunity or nonconformity, one line."""

    ref: str
    kind: str  # improvement | nonconformity
    title: str
    status: str
    owner: str
    review_ref: str
    created_at: datetime
    severity: str = ""  # nonconformities only
    clause: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class ReviewView(ReviewRow):
    """A whole review task: instructions, checklist, evidence, findings, journal."""

    instructions: str = ""
    checklist: list[ChecklistItem] = field(default_factory=list)
    outcome: str = ""
    skip_reason: str = ""
    completed_by: str = ""
    started_at: datetime | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    evidence_text: str = ""
    findings: list[FindingRow] = field(default_factory=list)
    journal: list[JournalView] = field(default_factory=list)
    allowed_transitions: list[str] = field(default_factory=list)
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["checklist"] = [{**vars(i), "at": _iso(i.at)} for i in self.checklist]
        data["findings"] = [f.to_dict() for f in self.findings]
        data["journal"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
             "changes": {k: [_iso(a), _iso(b)] for k, (a, b) in e.changes.items()}, "note": e.note}
            for e in self.journal
        ]
        return data


@dataclass(frozen=True)
class CorrectiveActionView:
    number: int
    text: str
    owner: str
    due: datetime | None
    done: bool
    done_by: str
    done_at: datetime | None


@dataclass(frozen=True)
class FindingView(FindingRow):
    """A whole improvement opportunity or nonconformity with its journal."""

    description: str = ""
    due: datetime | None = None
    decision_note: str = ""
    criteria: str = ""
    target: str = ""
    measurement: str = ""
    correction: str = ""
    root_cause: str = ""
    effectiveness_note: str = ""
    actions: list[CorrectiveActionView] = field(default_factory=list)
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 1
    allowed_transitions: list[str] = field(default_factory=list)
    journal: list[JournalView] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["actions"] = [{k: _iso(v) for k, v in vars(a).items()} for a in self.actions]
        data["journal"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
             "changes": {k: [_iso(a), _iso(b)] for k, (a, b) in e.changes.items()}, "note": e.note}
            for e in self.journal
        ]
        return data


@dataclass
class RaiseResult:
    """What one raise_due run did."""

    raised: list[str] = field(default_factory=list)  # REV refs, oldest period first
    late: list[str] = field(default_factory=list)  # the subset raised late
    skipped_existing: int = 0  # periods another process had raised already
