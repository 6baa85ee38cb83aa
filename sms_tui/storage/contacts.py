"""Tables of the contact register (8.3.2, issue 17).

* :class:`Contact` -- ``CON-000001``: a person the services are for (a customer,
  a user, another interested party), with one email address unique in the
  register (stored lower-case). Incidents, requests and complaints name their
  requester by ``requester_id``. A purge deletes the row and its journal and
  leaves a tombstone, as for records.
* :class:`Organisation` -- a customer organisation by name, with the person
  designated to manage the relationship and satisfaction (8.3.2). Contacts name
  their organisation by text; an organisation row exists once someone gave it a
  relationship manager.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import metadata

__all__ = ["metadata", "Contact", "Organisation", "SurveyInvitation"]


class Contact(SQLModel, table=True):
    """One person the desk serves or talks to."""

    __tablename__ = "contact"
    __table_args__ = ({"sqlite_autoincrement": True},)  # a reference is never reused
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    name: str = Field(index=True)
    email: str = Field(unique=True)  # lower-case; how mail and --requester find the person
    organisation: str = Field(default="", index=True)
    role: str = Field(default="user")  # customer | user | interested-party
    phone: str = Field(default="")
    mail_opt_out: bool = Field(default=False)  # no mail about their records
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1)


class Organisation(SQLModel, table=True):
    """A customer organisation and its designated relationship manager."""

    __tablename__ = "organisation"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    relationship_manager: str = Field(default="")
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1)


class SurveyInvitation(SQLModel, table=True):
    """One record's requester asked how satisfied they were (8.3.2), in one sampled period.

    A period samples each record once; ``score`` (1..5) stays empty until they answer
    (by mail, or entered by an analyst). ``organisation`` is kept as it was when the
    sample was drawn, so results per customer stay what they were.
    """

    __tablename__ = "survey_invitation"
    __table_args__ = (UniqueConstraint("period", "record_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(index=True)  # '2026-10-01/2027-01-01'
    record_ref: str = Field(index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    organisation: str = Field(default="")
    sent_at: datetime
    score: int | None = None
    comment: str = Field(default="")
    answered_at: datetime | None = None
    answered_via: str = Field(default="")  # mail | cli | tui
