"""Mail the desk received (issue 17): one row per message handled by ``mail-in``.

The Message-ID is unique, so a message delivered twice (a retrying MTA, a
fetch run twice) is handled once; a reply whose In-Reply-To or References
names one of these ids is threaded to its record. Rows belong to their record
(``record_ref``): a purge of the record deletes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import metadata, text_field

__all__ = ["metadata", "MailMessage"]


class MailMessage(SQLModel, table=True):
    __tablename__ = "mail_message"
    id: int | None = Field(default=None, primary_key=True)
    message_id: str | None = Field(default=None, unique=True)  # None when it had none
    record_ref: str = Field(default="", index=True)  # '' when ignored (auto-reply, bounce)
    outcome: str  # created | noted | ignored
    sender: str = Field(default="")
    subject: str = Field(default="")
    received_at: datetime
    attachments: str = text_field()  # "name (size bytes)" per line
