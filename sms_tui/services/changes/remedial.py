"""Remedial actions of unsuccessful changes (8.5.1.3), tracked to closure.

A failed or backed-out change records the actions agreed to remedy it (with
whom they were agreed and who owns each); it closes only when it has at least
one and every one is done. Each action is journaled on the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from ...domain.bounds import whole_number
from ...domain.changes import UNSUCCESSFUL
from ...domain.errors import NotFound, ValidationError, hinted
from ...domain.kinds import Kind, format_ref, parse_ref
from ...storage.models import Change, RemedialAction
from ..core.rule_support import clean_text, write_entry
from ..core.store import Store


@dataclass(frozen=True)
class RemedialView:
    change_ref: str
    position: int
    action: str
    owner: str
    agreed_with: str
    created_at: datetime
    done_at: datetime | None
    done_by: str
    note: str

    @property
    def done(self) -> bool:
        return self.done_at is not None


def _view(row: RemedialAction) -> RemedialView:
    return RemedialView(row.change_ref, row.position, row.action, row.owner, row.agreed_with,
                        row.created_at, row.done_at, row.done_by, row.note)


def _actions(session: Session, ref: str) -> list[RemedialAction]:
    stmt = select(RemedialAction).where(RemedialAction.change_ref == ref).order_by(
        col(RemedialAction.position))
    return list(session.exec(stmt))


def remedial_views(session: Session, ref: str) -> list[RemedialView]:
    """The remedial actions of change ``ref``, in the order they were recorded."""
    return [_view(a) for a in _actions(session, ref)]


def remedial_refusal(session: Session, row: Change) -> ValidationError | None:
    """Why an unsuccessful change may not close yet (None when it may), with how each front
    end records the actions or marks them done."""
    actions = _actions(session, row.ref)
    if not actions:
        return hinted(ValidationError(
            f"{row.ref} {'failed' if row.outcome == 'failed' else 'was backed out'}: record the "
            "remedial actions agreed with the interested parties first"),
            cli=f"sms-tui changes remedial {row.ref} --add …", tui="f records one")
    open_ = [str(a.position) for a in actions if a.done_at is None]
    if open_:
        return hinted(ValidationError(
            f"{row.ref} has remedial actions still open ({', '.join(open_)}); they are done first"),
            cli=f"sms-tui changes remedial {row.ref} --done N", tui="F marks one done")
    return None


def review_refusal(session: Session, change_ref: str) -> ValidationError | None:
    """Why the effectiveness review of change ``change_ref`` may not be completed yet: the
    change was unsuccessful and no remedial action is recorded on it (its checklist asks for
    them; ticked without them, the review closed and the change still could not)."""
    row = session.exec(select(Change).where(Change.ref == change_ref)).first()
    if row is None or row.outcome not in UNSUCCESSFUL or _actions(session, change_ref):
        return None
    return hinted(ValidationError(
        f"record the remedial actions agreed for {change_ref} on the change before completing "
        "its review"), cli=f"sms-tui changes remedial {change_ref} --add …",
        tui=f"f on {change_ref}'s screen records one")


class RemedialService:
    """Record and complete the remedial actions of an unsuccessful change."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _change(self, session: Session, ref: str) -> Change:
        kind, number = parse_ref(ref)
        if kind is not Kind.CHANGE:
            raise ValidationError(f"{format_ref(kind, number)} is not a change")
        row = session.get(Change, number)
        if row is None:
            raise NotFound(f"no change {format_ref(kind, number)}")
        return row

    def list(self, ref: str) -> list[RemedialView]:
        with self.store.read() as session:
            return remedial_views(session, self._change(session, ref).ref)

    def add(self, ref: str, action: str, *, owner: str = "", agreed_with: str = "") -> RemedialView:
        """Record a remedial action on an unsuccessful change (in review)."""
        action = clean_text(action, "the remedial action", required=True, limit=2000, visible=True)
        owner = clean_text(owner, "the owner", limit=100)
        agreed_with = clean_text(agreed_with, "who it was agreed with", limit=200)
        with self.store.write() as session:
            row = self._change(session, ref)
            if row.outcome not in UNSUCCESSFUL:
                raise ValidationError(f"{row.ref} is not an unsuccessful change (outcome "
                                      f"{row.outcome or 'not recorded'}); remedial actions are for "
                                      "failed or backed-out changes")
            if row.status == "closed":
                raise ValidationError(f"{row.ref} is closed")
            position = (session.exec(select(func.max(RemedialAction.position))
                                     .where(RemedialAction.change_ref == row.ref)).one() or 0) + 1
            now = self.store.now()
            action_row = RemedialAction(change_ref=row.ref, position=position, action=action,
                                        owner=owner, agreed_with=agreed_with, created_at=now,
                                        created_by=self.store.actor)
            session.add(action_row)
            write_entry(session, self.store, Kind.CHANGE, row, "remedial_action", now,
                        {f"remedial {position}": (None, "open")},
                        action + (f" (owner {owner})" if owner else "")
                        + (f"; agreed with {agreed_with}" if agreed_with else ""))
            return _view(action_row)

    def complete(self, ref: str, position: str | int, *, note: str = "") -> RemedialView:
        """Mark remedial action ``position`` done (journaled with who and when)."""
        note = clean_text(note, "note", limit=2000)
        number = whole_number(str(position).strip(), 1, 10_000)
        with self.store.write() as session:
            row = self._change(session, ref)
            found = next((a for a in _actions(session, row.ref) if a.position == number), None)
            if found is None:
                raise ValidationError(f"{row.ref} has no remedial action {str(position)[:20]!r}")
            if found.done_at is not None:
                raise ValidationError(f"remedial action {found.position} of {row.ref} is already done")
            now = self.store.now()
            found.done_at, found.done_by, found.note = now, self.store.actor, note
            session.add(found)
            write_entry(session, self.store, Kind.CHANGE, row, "remedial_done", now,
                        {f"remedial {found.position}": ("open", "done")},
                        found.action + (f": {note}" if note else ""))
            return _view(found)
