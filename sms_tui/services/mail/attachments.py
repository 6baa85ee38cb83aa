"""Attachments of the mail a record was made from or noted with (issue 17, schema 0008).

Every attachment of a message that becomes a record or a note on one is
recorded by name, size and type. Its content is kept only when the desk says so
(``[mail] keep_attachments = true``) and only up to ``[mail]
max_attachment_bytes`` each: one over the cap is recorded as not kept, and why.
What was received and kept is journaled on the record, in the same transaction
as the record or note.

The content comes back out with :meth:`AttachmentService.save` (``sms-tui
attachments save REF N --to PATH``): into a NEW file only (an existing name,
even a symlink, is refused), mode 0600 (it is personal data), and when
``PATH`` is a folder under a safe form of the sender's file name, which
cannot point outside that folder.

Attachments are personal data like the record: a purge of the record deletes
them, a purge of the contact who sent them deletes them (see ``admin``), and
export/import carry the content (base64) as they carry every table.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from ...domain import mail
from ...domain.errors import NotFound, ValidationError
from ...domain.kinds import format_ref, parse_ref
from ...files import OutputError
from ...storage.engine import file_kind, os_error_text
from ...storage.mail import MailAttachment
from ...storage.models import RECORD_TABLES
from ..core import journal
from ..core.store import Store

DEFAULT_MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class AttachmentView:
    """One attachment of a record, without its content."""

    position: int
    name: str
    content_type: str
    size: int
    kept: bool
    note: str  # why the content was not kept ('' when kept)
    received_at: datetime

    def line(self) -> str:
        """``2. report.pdf (3009 bytes, application/pdf): kept`` -- user text, to show literally."""
        state = "kept" if self.kept else f"not kept: {self.note}"
        return f"{self.position}. {self.name} ({self.size} bytes, {self.content_type}): {state}"

    def to_dict(self) -> dict:
        return {"number": self.position, "name": self.name, "content_type": self.content_type,
                "size": self.size, "kept": self.kept, "note": self.note,
                "received_at": self.received_at.isoformat()}


@dataclass(frozen=True)
class KeepPolicy:
    """What ``[mail]`` says about attachment content."""

    keep: bool = False
    max_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES

    @classmethod
    def of(cls, settings: dict) -> KeepPolicy:
        return cls(bool(settings.get("keep_attachments", False)),
                   int(settings.get("max_attachment_bytes", DEFAULT_MAX_ATTACHMENT_BYTES)))

    def decide(self, attachment: mail.Attachment) -> str:
        """'' when the content is kept, else why not."""
        if not self.keep:
            return "[mail] keep_attachments is off"
        if attachment.size > self.max_bytes:
            return f"over the {self.max_bytes}-byte cap ([mail] max_attachment_bytes)"
        return ""


def _view(row: MailAttachment) -> AttachmentView:
    return AttachmentView(row.position, row.name, row.content_type, row.size, row.kept,
                          row.note, row.received_at)


def record_in(session: Session, store: Store, ref: str, kind: str, mail_id: int | None,
              attachments: tuple[mail.Attachment, ...], policy: KeepPolicy,
              now: datetime) -> list[AttachmentView]:
    """Record ``attachments`` of one message on record ``ref`` and journal them (caller's
    transaction); returns them as recorded."""
    if not attachments:
        return []
    last = session.exec(select(func.max(MailAttachment.position))
                        .where(MailAttachment.record_ref == ref)).one()
    views = []
    for offset, attachment in enumerate(attachments, start=1):
        why_not = policy.decide(attachment)
        row = MailAttachment(record_ref=ref, position=(last or 0) + offset, mail_id=mail_id,
                             name=attachment.name, content_type=attachment.content_type[:200],
                             size=attachment.size, kept=not why_not, note=why_not,
                             received_at=now, content=None if why_not else attachment.data)
        session.add(row)
        views.append(_view(row))
    session.flush()
    kept = sum(v.kept for v in views)
    journal.append(session, ref=ref, kind=kind, actor=store.actor, at=now, action="attachments",
                   changes={"attachments": (last or 0, (last or 0) + len(views)),
                            "kept": (None, kept)},
                   note="Attachments received by mail:\n" + "\n".join(v.line() for v in views))
    return views


def views_for(session: Session, ref: str) -> list[AttachmentView]:
    """The attachments of record ``ref``, in the order received (none before schema 0008)."""
    rows = session.exec(select(MailAttachment).where(MailAttachment.record_ref == ref)
                        .order_by(col(MailAttachment.position))).all()
    return [_view(row) for row in rows]


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` (0600) holding ``data``; refuse when anything is there already (a
    file, a folder, a symlink even to nowhere): nothing is ever overwritten."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_error_text(exc)}") from None
    if info is not None:
        what = "a file" if stat.S_ISREG(info.st_mode) else file_kind(info.st_mode)
        raise OutputError(f"{path} exists ({what}); attachments are saved only to a new "
                          "file: give another name")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise OutputError(f"{path} exists; attachments are saved only to a new file") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_error_text(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {os_error_text(exc)}; nothing was kept") from None


class AttachmentService:
    """Listing a record's attachments and getting their content back out."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _ref(session: Session, ref: str) -> str:
        kind, number = parse_ref(ref)
        if session.get(RECORD_TABLES[kind.value], number) is None:
            raise NotFound(f"no record {format_ref(kind, number)}")
        return format_ref(kind, number)

    def list(self, ref: str) -> list[AttachmentView]:
        """The attachments of record ``ref`` (NotFound for an unknown record)."""
        with self.store.read() as session:
            return views_for(session, self._ref(session, ref))

    def content(self, ref: str, which: str) -> tuple[AttachmentView, bytes]:
        """Attachment ``which`` (its number, or its exact name) of ``ref``, with its content."""
        with self.store.read() as session:
            ref = self._ref(session, ref)
            rows = session.exec(select(MailAttachment).where(MailAttachment.record_ref == ref)
                                .order_by(col(MailAttachment.position))).all()
            row = self._pick(ref, rows, which)
            if not row.kept:
                raise ValidationError(f"attachment {row.position} of {ref} ({row.name}) was "
                                      f"not kept: {row.note}")
            return _view(row), bytes(row.content or b"")

    @staticmethod
    def _pick(ref: str, rows, which: str) -> MailAttachment:
        text = str(which).strip()
        if not rows:
            raise NotFound(f"{ref} has no attachments")
        if text.lstrip("#").isdigit() and len(text) < 10:
            found = [r for r in rows if r.position == int(text.lstrip("#"))]
        else:
            found = [r for r in rows if r.name == text]
        if len(found) > 1:
            raise ValidationError(f"{len(found)} attachments of {ref} have that name: give its "
                                  f"number (sms-tui attachments list {ref})")
        if not found:
            raise NotFound(f"{ref} has no attachment {text[:60]!r} (sms-tui attachments list "
                           f"{ref} shows them, 1 to {len(rows)})")
        return found[0]

    def save(self, ref: str, which: str, to: Path | str) -> tuple[AttachmentView, Path]:
        """Write the content of attachment ``which`` of ``ref`` to a NEW file: ``to``, or a
        safe form of its name inside ``to`` when that is a folder. Returns where it went."""
        view, data = self.content(ref, which)
        target = Path(to).expanduser()
        if target.is_dir():  # the folder the analyst named (a symlink to one too)
            fallback = f"attachment-{view.position}"
            name = "" if view.name == mail.UNNAMED else view.name
            target = target / mail.safe_filename(name, fallback)
        elif not target.parent.is_dir():
            raise OutputError(f"cannot write {target}: folder {target.parent} does not exist")
        write_new_file(target, data)
        return view, target
