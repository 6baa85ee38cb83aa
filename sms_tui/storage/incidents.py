"""Tables of major incident handling (8.6.1): procedure steps and the outbox.

* :class:`MajorStep` -- the documented procedure copied onto an incident when
  it becomes major (so the record shows the procedure in force at the time),
  each step ticked with when and by whom.
* :class:`Communication` -- every message to top management (declared, status
  update, resolved). It is written in the same transaction as the event, so it
  is never lost; sending it by email is tracked on the row (attempts, last
  error, next attempt) and retried until it goes.

Both are keyed by the incident's reference, like the journal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import metadata, text_field

__all__ = ["metadata", "MajorStep", "Communication", "SecurityStep"]


class MajorStep(SQLModel, table=True):
    """One step of the major incident procedure on one incident."""

    __tablename__ = "major_step"
    __table_args__ = (UniqueConstraint("incident_ref", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_ref: str = Field(index=True)
    position: int  # 1-based, as the analyst refers to it
    title: str
    done_at: datetime | None = None
    done_by: str = Field(default="")
    note: str = text_field()


class SecurityStep(SQLModel, table=True):
    """One handling step of an information security incident (8.7.3.3) on one incident."""

    __tablename__ = "security_step"
    __table_args__ = (UniqueConstraint("incident_ref", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_ref: str = Field(index=True)
    position: int  # 1-based, as the analyst refers to it
    title: str
    done_at: datetime | None = None
    done_by: str = Field(default="")
    note: str = text_field()


class Communication(SQLModel, table=True):
    """A message to top management about a major incident (the outbox)."""

    __tablename__ = "communication"
    __table_args__ = (
        # the retry job's scan: pending messages whose next attempt is due
        Index("ix_communication_delivery", "status", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    record_ref: str = Field(index=True)
    purpose: str  # declared | update | resolved | undeclared
    created_at: datetime
    created_by: str
    recipients: str = text_field()  # comma-separated addresses, as configured
    subject: str
    body: str = text_field()
    # recorded: kept only (no SMTP configured) | pending: to send | sent
    status: str = Field(default="recorded")
    attempts: int = Field(default=0)
    last_error: str = text_field()
    last_attempt_at: datetime | None = None
    # while pending: when a sender may try next (also a short lease while one is sending)
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
