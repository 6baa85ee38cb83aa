"""Mail the desk received (issue 17): one row per message handled by ``mail-in``.

The Message-ID is unique, so a message delivered twice (a retrying MTA, a
fetch run twice) is handled once; a reply whose In-Reply-To or References
names one of these ids is threaded to its record. Rows belong to their record
(``record_ref``): a purge of the record deletes them.

:class:`MailAttachment`: one row per attachment of a message that made or
noted a record (schema 0008): its name, size and type always; its content only
when ``[mail] keep_attachments`` is on and it is within ``[mail]
max_attachment_bytes`` (``kept``; otherwise ``note`` says why not). It names
its message by ``mail_id`` without a foreign key: a purge deletes the rows of a
record table by table (see ``services.admin``), in an order a key would refuse.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import metadata, text_field

__all__ = ["metadata", "MailMessage", "MailAttachment"]


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


class MailAttachment(SQLModel, table=True):
    __tablename__ = "mail_attachment"
    __table_args__ = (UniqueConstraint("record_ref", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    record_ref: str = Field(index=True)  # the record the mail made or was noted on
    position: int  # 1, 2, ... within the record: how the analyst names it
    mail_id: int | None = Field(default=None, index=True)  # mail_message.id
    name: str  # as sent (controls made visible); saved under a safe form of it
    content_type: str = Field(default="")
    size: int  # bytes, decoded
    kept: bool = Field(default=False)  # the content is in ``content``
    note: str = Field(default="")  # why it was not kept ('' when kept)
    received_at: datetime
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
