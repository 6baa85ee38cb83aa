"""Tables of the planned-interval reviews (ISO/IEC 20000-1 "at planned intervals").

* :class:`ReviewSchedule` -- one row per recurring activity (seeded with the
  seventeen of the standard); *what is due* lives here, not in APScheduler.
* :class:`ReviewTask` -- ``REV-000001``: one review to carry out, raised by a
  schedule for one period or by an event (a resolved major incident, an
  implemented change...).
* :class:`ImprovementOpportunity` -- ``OFI-000001`` (10.2) and
  :class:`Nonconformity` -- ``NC-000001`` (10.1) with its
  :class:`CorrectiveAction` rows: what a review found.

Exactly-once is enforced by the database, not only by code: a task is unique
per (schedule, period) and per (activity, source record). SQLite treats NULLs
as distinct in a UNIQUE constraint, so scheduled tasks (``source_ref`` NULL)
and event tasks (``schedule_id`` NULL) never collide with each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import metadata, text_field
from .models import Incident

__all__ = [
    "metadata",
    "ReviewSchedule",
    "ReviewTask",
    "ImprovementOpportunity",
    "Nonconformity",
    "CorrectiveAction",
    "EVIDENCE_INDEX",
]

# The evidence pre-filled into reviews (services/reviews/evidence.py) aggregates the incidents
# opened in a period by service, priority, major flag, problem, category, CI and
# assignment group. This covering index answers all of it from the index alone: on
# a million incidents, raising the yearly reviews went from ~12 s to ~2 s.
EVIDENCE_INDEX = Index(
    "ix_incident_evidence", Incident.created_at, Incident.service_id, Incident.priority,
    Incident.major, Incident.problem_id, Incident.category, Incident.ci_id,
    Incident.assignment_group, Incident.resolved_at,
)


class ReviewSchedule(SQLModel, table=True):
    """A recurring activity and when it is next due.

    Occurrences are computed from ``anchor`` (occurrence 0) and ``interval``
    so that a monthly schedule anchored on the 31st lands on the last day of
    short months without drifting to the 28th afterwards. ``next_due`` is the
    next occurrence not yet raised.
    """

    __tablename__ = "review_schedule"
    id: int | None = Field(default=None, primary_key=True)
    activity: str = Field(unique=True)  # stable key, e.g. "sla_performance"
    clause: str
    title: str
    instructions: str = text_field()  # what to do
    checklist: str = Field(default="[]", sa_type=Text)  # JSON list of item texts
    interval: str = Field(default="monthly")  # domain.schedule.parse_interval syntax
    anchor: datetime
    next_due: datetime = Field(index=True)
    owner: str = Field(default="")
    # a raised review must be completed within this many days of falling due
    days_to_complete: int = Field(default=14)
    paused: bool = Field(default=False)
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1)


class ReviewTask(SQLModel, table=True):
    """One review to carry out: REV-000001."""

    __tablename__ = "review_task"
    __table_args__ = (
        # exactly once per schedule and period, whoever raises it
        UniqueConstraint("schedule_id", "period_start", "period_end"),
        # exactly once per event (e.g. one major incident review per incident)
        UniqueConstraint("activity", "source_ref"),
        Index("ix_review_task_queue", "status", "due", "id"),
        {"sqlite_autoincrement": True},  # a reference is never reused
    )
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    schedule_id: int | None = Field(default=None, foreign_key="review_schedule.id")
    source: str = Field(default="schedule")  # schedule | event
    source_ref: str | None = Field(default=None)  # e.g. INC-000042 for an event review
    activity: str = Field(index=True)
    clause: str
    title: str
    instructions: str = text_field()
    period_start: datetime | None = None
    period_end: datetime | None = None
    due: datetime
    owner: str = Field(default="")
    # JSON list of {"text", "done", "by", "at"}
    checklist: str = Field(default="[]", sa_type=Text)
    status: str = Field(default="open")  # open | in_progress | done | skipped
    outcome: str = text_field()
    skip_reason: str = text_field()
    evidence: str = Field(default="{}", sa_type=Text)  # JSON, see services.evidence
    raised_at: datetime
    raised_late: bool = Field(default=False)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    completed_by: str = Field(default="")
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1)


class ImprovementOpportunity(SQLModel, table=True):
    """An opportunity for improvement (10.2): OFI-000001."""

    __tablename__ = "improvement_opportunity"
    __table_args__ = (
        Index("ix_improvement_opportunity_queue", "status", "created_at", "id"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    title: str
    description: str = text_field()
    review_id: int | None = Field(default=None, foreign_key="review_task.id", index=True)
    status: str = Field(default="proposed")
    owner: str = Field(default="")
    due: datetime | None = None
    decision_note: str = text_field()  # why approved / rejected
    # 10.2: how the opportunity is judged (before approval), what it aims at, what was measured
    criteria: str = text_field()
    target: str = text_field()
    measurement: str = text_field()
    created_by: str = Field(default="")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    version: int = Field(default=1)


class Nonconformity(SQLModel, table=True):
    """A nonconformity (10.1): what requirement was not met, why, and what was done."""

    __tablename__ = "nonconformity"
    __table_args__ = (
        Index("ix_nonconformity_queue", "status", "created_at", "id"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    title: str
    description: str = text_field()
    clause: str = Field(default="")  # the requirement not met
    severity: str = Field(default="minor")  # major | minor
    review_id: int | None = Field(default=None, foreign_key="review_task.id", index=True)
    status: str = Field(default="open")
    owner: str = Field(default="")
    correction: str = text_field()  # immediate action to control and correct it
    root_cause: str = text_field()
    effectiveness_note: str = text_field()  # how the corrective actions were verified
    created_by: str = Field(default="")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    version: int = Field(default=1)


class CorrectiveAction(SQLModel, table=True):
    """One corrective action of a nonconformity, done or not."""

    __tablename__ = "corrective_action"
    id: int | None = Field(default=None, primary_key=True)
    nonconformity_id: int = Field(foreign_key="nonconformity.id", index=True)
    text: str
    owner: str = Field(default="")
    due: datetime | None = None
    done: bool = Field(default=False)
    done_by: str = Field(default="")
    done_at: datetime | None = None
    created_at: datetime
