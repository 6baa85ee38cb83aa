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

from sqlmodel import Field, SQLModel

from .base import metadata

__all__ = ["metadata", "Contact", "Organisation"]


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
