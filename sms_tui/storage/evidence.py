"""Tables behind the audit evidence (issue 16).

* :class:`Document` -- ``DOC-000001``: the register of documented information
  (7.5). The desk does not hold policies, plans, contracts or minutes; it
  records which exist, their version, owner, approval, next review and where
  they live, so the evidence report can point to each and flag overdue reviews.
* :class:`ReportRun` -- ``RPT-000001``: every service or evidence report
  issued (period, format, who, when) and the decision recorded from it (9.4:
  reports actually issued count, not reports that could be produced).
* :class:`JournalHead` -- the newest entry of each record's journal, kept by
  database triggers on every journal INSERT (migration 0004). A head only
  moves forward, so deleting a record's newest entries (even through a purge
  authorisation) leaves the head pointing at an entry that is gone, which
  ``sms-tui verify`` reports.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import metadata, text_field

__all__ = ["metadata", "Document", "ReportRun", "JournalHead"]


class Document(SQLModel, table=True):
    """One piece of documented information the desk can point an auditor to."""

    __tablename__ = "document"
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    title: str
    kind: str = Field(default="other", index=True)  # domain.evidence.DOCUMENT_KINDS
    doc_version: str = Field(default="")  # the document's own version, e.g. "2.1"
    owner: str = Field(default="")
    approved_on: datetime | None = None
    next_review: datetime | None = None
    location: str = text_field()  # where it lives: a path, a URL, a shelf
    status: str = Field(default="current")  # current | withdrawn
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1)  # optimistic concurrency, as on records


class ReportRun(SQLModel, table=True):
    """One report issued: which, for which period, in which format, by whom."""

    __tablename__ = "report_run"
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    report: str  # service | evidence
    period_start: datetime
    period_end: datetime
    format: str
    output: str = Field(default="")  # the file written ('' = printed)
    actor: str
    at: datetime = Field(index=True)
    decision: str = text_field()  # what was decided from it (9.4: decisions follow)
    decided_by: str = Field(default="")
    decided_at: datetime | None = None
    version: int = Field(default=1)


class JournalHead(SQLModel, table=True):
    """The newest journal entry of one record (maintained by triggers, never by code)."""

    __tablename__ = "journal_head"
    record_ref: str = Field(primary_key=True)
    last_id: int
    hash: str
    entries: int
