"""The register of documented information (7.5): ``DOC-000001``.

The desk does not write policies, plans, contracts or minutes; it records
which exist -- title, kind, version, owner, approval date, next review and
where each lives -- so the evidence report can point an auditor to them,
count them as evidence, and flag documents whose review is overdue.

Every public method is one transaction and journals its change under the
document's reference (record_kind ``document``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ...domain.errors import ConflictError, NotFound, ValidationError
from ...domain.evidence import DOCUMENT_KINDS
from ...storage.evidence import Document
from ..core import journal
from ..core.store import Store
from ..core.views import JournalView

JOURNAL_KIND = "document"
PREFIX = "DOC"
STATUSES = ("current", "withdrawn")
EDITABLE = ("title", "kind", "doc_version", "owner", "approved_on", "next_review", "location",
            "status")
MAX_TEXT = 500


@dataclass(frozen=True)
class DocumentView:
    ref: str
    title: str
    kind: str
    kind_label: str
    doc_version: str
    owner: str
    approved_on: datetime | None
    next_review: datetime | None
    location: str
    status: str
    overdue: bool  # current, and its next review date has passed
    version: int
    journal: tuple[JournalView, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref, "title": self.title, "kind": self.kind, "kind_label": self.kind_label,
            "doc_version": self.doc_version, "owner": self.owner,
            "approved_on": self.approved_on.date().isoformat() if self.approved_on else None,
            "next_review": self.next_review.date().isoformat() if self.next_review else None,
            "location": self.location, "status": self.status, "review_overdue": self.overdue,
            "version": self.version,
        }


def format_ref(number: int) -> str:
    return f"{PREFIX}-{number:06d}"


def parse_ref(ref: str) -> int:
    text = (ref or "").strip().upper()
    head, _, number = text.partition("-")
    if head != PREFIX or not number.isdigit() or len(number) > 12:
        raise ValidationError(f"'{ref}' is not a document reference (DOC-000001)")
    return int(number)


def parse_kind(value: str) -> str:
    text = (value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if text not in DOCUMENT_KINDS:
        raise ValidationError(f"unknown document kind '{value}': use {', '.join(DOCUMENT_KINDS)}")
    return text


def _text(value: Any, what: str, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"{what} is {len(text)} characters; keep it to {MAX_TEXT}")
    return text


def _date(value: Any, what: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if not str(value).strip():
        return None
    from ..reporting.model import parse_when

    return parse_when(str(value), what)


def _normalise(field: str, value: Any) -> Any:
    if field == "title":
        return _text(value, "title", required=True)
    if field == "kind":
        return parse_kind(value)
    if field in ("approved_on", "next_review"):
        return _date(value, f"--{field.replace('_', '-')}")
    if field == "status":
        text = _text(value, "status").lower()
        if text not in STATUSES:
            raise ValidationError(f"unknown document status '{value}': use {', '.join(STATUSES)}")
        return text
    return _text(value, field.replace("_", " "))


def _journal_value(value: Any) -> Any:
    return value.date().isoformat() if isinstance(value, datetime) else value


def is_overdue(row: Document, now: datetime) -> bool:
    return row.status == "current" and row.next_review is not None and row.next_review < now


class DocumentService:
    """Add, list, show and edit the documents of the register."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _view(self, row: Document, now: datetime,
              entries: tuple[JournalView, ...] = ()) -> DocumentView:
        kind = DOCUMENT_KINDS.get(row.kind)
        return DocumentView(row.ref, row.title, row.kind, kind.label if kind else row.kind,
                            row.doc_version, row.owner, row.approved_on, row.next_review,
                            row.location, row.status, is_overdue(row, now), row.version, entries)

    def _load(self, session: Session, ref: str) -> Document:
        number = parse_ref(ref)
        row = session.get(Document, number)
        if row is None:
            raise NotFound(f"no document {format_ref(number)} (see: sms-tui documents list)")
        return row

    def add(self, *, title: str, kind: str = "other", **fields: Any) -> DocumentView:
        """Register a document; returns it with its new reference."""
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValidationError(f"a document has no field '{sorted(unknown)[0]}'")
        values = {k: _normalise(k, v) for k, v in {"title": title, "kind": kind, **fields}.items()}
        with self.store.write() as session:
            now = self.store.now()
            row = Document(ref="pending", created_at=now, updated_at=now, **values)
            session.add(row)
            session.flush()
            row.ref = format_ref(row.id or 0)
            changes = {k: (None, _journal_value(v)) for k, v in values.items() if v not in (None, "")}
            journal.append(session, ref=row.ref, kind=JOURNAL_KIND, actor=self.store.actor, at=now,
                           action="create", changes=changes)
            return self._view(row, now)

    def edit(self, ref: str, *, expected_version: int | None = None, note: str = "",
             **fields: Any) -> DocumentView:
        """Change fields of a document (a new version, a new review date...); journaled."""
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValidationError(f"a document has no field '{sorted(unknown)[0]}'")
        values = {k: _normalise(k, v) for k, v in fields.items()}
        with self.store.write() as session:
            row = self._load(session, ref)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(f"{row.ref} was changed by someone else (now version "
                                    f"{row.version}, you had {expected_version}); reload it")
            changes = {k: (_journal_value(getattr(row, k)), _journal_value(v))
                       for k, v in values.items() if getattr(row, k) != v}
            if not changes:
                raise ValidationError(f"nothing to change on {row.ref}")
            now = self.store.now()
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at, row.version = now, row.version + 1
            journal.append(session, ref=row.ref, kind=JOURNAL_KIND, actor=self.store.actor, at=now,
                           action="update", changes=changes, note=_text(note, "note"))
            return self._view(row, now)

    def list(self, *, kind: str | None = None, overdue_only: bool = False,
             include_withdrawn: bool = False) -> list[DocumentView]:
        with self.store.read() as session:
            now = self.store.now()
            stmt = select(Document).order_by(col(Document.kind), col(Document.id))
            if kind:
                stmt = stmt.where(Document.kind == parse_kind(kind))
            if not include_withdrawn:
                stmt = stmt.where(Document.status == "current")
            views = [self._view(row, now) for row in session.exec(stmt)]
        return [v for v in views if v.overdue] if overdue_only else views

    def show(self, ref: str) -> DocumentView:
        with self.store.read() as session:
            row = self._load(session, ref)
            entries = tuple(journal.entries_for(session, row.ref))
            return self._view(row, self.store.now(), entries)
