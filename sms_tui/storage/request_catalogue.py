"""Tables of the request catalogue (8.6.2) and of recorded approvals.

* :class:`RequestType`: a kind of request the desk fulfils, with its default
  impact/urgency (hence priority), an SLA in hours, whether it needs an
  approval, and its fulfilment instructions (:class:`RequestTypeStep`).
* :class:`RequestStep`: the instructions copied onto one request when it is
  raised, each ticked off as it is done. Copying means a later edit of the
  catalogue never rewrites what an analyst already followed.
* :class:`Approval`: a recorded decision (approve/reject) on a request or a
  change: who, when, why. Keyed by record reference like the journal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import text_field


class RequestType(SQLModel, table=True):
    """One entry of the request catalogue."""

    __tablename__ = "request_type"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)  # short key, e.g. password-reset
    title: str
    description: str = text_field()
    category: str = Field(default="")
    # the service its requests are for (taken by a request raised from it), if one
    service_id: int | None = Field(default=None, foreign_key="service.id")
    impact: str = Field(default="medium")
    urgency: str = Field(default="medium")
    sla_hours: int = Field(default=24)  # time to fulfil, from when the request is raised
    # time to the first response (None: [sla.requests] respond of the config)
    respond_minutes: int | None = None
    needs_approval: bool = Field(default=False)
    approver: str = Field(default="")  # who usually decides (a person or a role), informative
    active: bool = Field(default=True)  # retired types stay for old requests, not offered for new
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1)


class RequestTypeStep(SQLModel, table=True):
    """One fulfilment instruction of a request type, in order."""

    __tablename__ = "request_type_step"
    __table_args__ = (UniqueConstraint("type_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    type_id: int = Field(foreign_key="request_type.id", index=True)
    position: int
    text: str = text_field()


class RequestStep(SQLModel, table=True):
    """One fulfilment instruction on one request, ticked off when done."""

    __tablename__ = "request_step"
    __table_args__ = (UniqueConstraint("request_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="service_request.id", index=True)
    position: int
    text: str = text_field()
    done_at: datetime | None = None
    done_by: str = Field(default="")


class Approval(SQLModel, table=True):
    """A recorded approval decision on a request or a change."""

    __tablename__ = "approval"
    __table_args__ = (Index("ix_approval_record", "record_ref", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    record_ref: str
    record_kind: str
    decision: str  # approved | rejected
    approver: str
    decided_at: datetime
    rationale: str = text_field()
    expedited: bool = Field(default=False)  # emergency change on the expedited path
    recorded_by: str = Field(default="")
