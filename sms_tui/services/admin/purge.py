"""Purge: remove a record for good (e.g. a data-protection erasure request), leaving a tombstone.

Records are never deleted in everyday work: they are cancelled or closed. A
purge is an explicit admin action (``sms-tui purge REF --reason ... --yes``)
and it is the only code that deletes from the append-only journal.

How a purge coexists with the append-only journal
-------------------------------------------------
Migration 0002 puts triggers on ``journal_entry`` that abort every UPDATE,
and every DELETE *unless* ``sms_meta`` holds the row
``purge_authorised:<REF>`` for the entry's record. :func:`purge` does, in ONE
write transaction:

1. detaches what points at the record: other records linked to it lose the
   link (each change journaled on that record, version bumped); rows of
   feature tables that exist only for this record (foreign key NOT NULL to it,
   or a ``record_ref``/``incident_ref`` column naming it: communications sent,
   approvals, major-incident steps, request steps...) are deleted;
2. writes the authorisation row, deletes the record's journal entries (the
   trigger lets exactly this record's entries through), deletes the record;
3. deletes the authorisation row again, and
4. appends the tombstone: a new journal entry for the same reference, action
   ``purge``, starting a fresh hash chain, that says who purged it, when, why,
   and how many entries were removed (with the last hash of the removed
   chain) -- but nothing of the record's content.

Either all of it commits or none of it does; the authorisation never
outlives the transaction (``sms-tui verify`` reports one left behind).

What is removed: the record row (title, description, people named in it,
notes), its whole journal (every old value and note, and who wrote them), and
the per-record rows above. What stays: the reference itself (never reused:
the tables use AUTOINCREMENT), the tombstone, and other records' journal
entries that mention the reference (e.g. "linked_incident: INC-000042") --
those say nothing about a person. Free text on *other* records (a note on a
problem quoting a name) is not searched: review linked records by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from ...domain import contacts as contact_rules
from ...domain.errors import DeskError, NotFound, ValidationError
from ...domain.kinds import KINDS, Kind, format_ref, parse_ref
from ...storage.models import RECORD_TABLES, JournalEntry, Meta
from ...storage.schema import metadata
from ..core import journal
from ..core.store import Store
from .integrity import PURGE_ACTION, PURGE_KEY_PREFIX

# Columns that name the record a feature row belongs to, by reference.
PER_RECORD_REF_COLUMNS = ("record_ref", "incident_ref")


@dataclass(frozen=True)
class PurgeResult:
    ref: str
    journal_entries_removed: int
    rows_removed: dict[str, int]  # other table -> rows deleted with the record
    records_unlinked: list[str]  # other records that lost their link to it


class PurgeRefused(DeskError):
    """The purge could not be done safely; nothing was changed."""


def _kind_of_table(name: str) -> Kind | None:
    for kind_value, model in RECORD_TABLES.items():
        if model.__tablename__ == name:
            return Kind(kind_value)
    return None


def _detach(session: Session, store: Store, kind: Kind, row: Any, now) -> tuple[dict[str, int], list[str]]:
    """Unlink other records from ``row`` and delete rows that exist only for it."""
    own_table = RECORD_TABLES[kind.value].__tablename__
    removed: dict[str, int] = {}
    unlinked: list[str] = []
    for table in metadata.sorted_tables:
        if table.name in (own_table, JournalEntry.__tablename__, "journal_head"):
            continue  # the journal head moves on with the tombstone; it is never deleted
        for fk in table.foreign_keys:
            if fk.column.table.name != own_table:
                continue
            column = fk.parent
            other_kind = _kind_of_table(table.name)
            if other_kind is not None:  # another record linked to this one
                model = RECORD_TABLES[other_kind.value]
                for other in session.execute(
                        select(model).where(getattr(model, column.name) == row.id)).scalars():
                    setattr(other, column.name, None)
                    other.updated_at = now
                    other.version += 1
                    label = KINDS[kind].label.lower().replace(" ", "_")
                    journal.append(session, ref=other.ref, kind=other_kind.value, actor=store.actor,
                                   at=now, action="unlink", changes={label: (row.ref, None)},
                                   note=f"{row.ref} was purged")
                    unlinked.append(other.ref)
            elif column.nullable:
                session.execute(update(table).where(column == row.id).values({column.name: None}))
            else:
                _count_delete(session, table, column == row.id, removed)
        for name in PER_RECORD_REF_COLUMNS:
            if name in table.c:
                _count_delete(session, table, table.c[name] == row.ref, removed)
    return removed, unlinked


def _count_delete(session: Session, table: Table, where, removed: dict[str, int]) -> None:
    n = session.execute(select(func.count()).select_from(table).where(where)).scalar_one()
    if n:
        session.execute(delete(table).where(where))
        removed[table.name] = removed.get(table.name, 0) + n


def purge(store: Store, ref: str, *, reason: str) -> PurgeResult:
    """Remove record ``ref``, its journal and its per-record data; leave a tombstone. One transaction.

    A contact (``CON-…``) is purged the same way: the records it asked for lose
    their requester (journaled on each, by reference only), then its row and
    journal go and a tombstone stays.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("a purge needs a reason (it is kept in the tombstone)")
    if contact_rules.parse_ref(ref) is not None:
        return _purge_contact(store, ref, reason)
    kind, number = parse_ref(ref)
    ref = format_ref(kind, number)
    model = RECORD_TABLES[kind.value]
    try:
        with store.write() as session:
            row = session.get(model, number)
            if row is None:
                raise NotFound(f"no record {ref}")
            now = store.now()
            removed, unlinked = _detach(session, store, kind, row, now)
            session.flush()
            entries = session.execute(
                select(JournalEntry.hash).where(JournalEntry.record_ref == ref)
                .order_by(col(JournalEntry.id))).scalars().all()
            old_status = row.status
            session.expunge(row)
            key = PURGE_KEY_PREFIX + ref
            session.add(Meta(key=key, value=f"{store.actor} {now.isoformat()}"))
            session.flush()
            session.execute(delete(JournalEntry).where(col(JournalEntry.record_ref) == ref))
            session.execute(delete(model).where(col(model.id) == number))
            session.execute(delete(Meta).where(col(Meta.key) == key))
            journal.append(
                session, ref=ref, kind=kind.value, actor=store.actor, at=now, action=PURGE_ACTION,
                changes={"status": (old_status, "purged"), "journal_entries": (len(entries), 0)},
                note=(f"purged: {reason} (removed {len(entries)} journal entries, "
                      f"last hash {entries[-1][:16] if entries else '-'})"),
            )
    except IntegrityError as exc:
        raise PurgeRefused(f"cannot purge {ref}: other data still refers to it ({exc.orig})") from None
    return PurgeResult(ref, len(entries), removed, unlinked)


def _remove_journal(session: Session, store: Store, ref: str, now) -> list[str]:
    """Delete ``ref``'s journal under a purge authorisation; returns the removed hashes."""
    entries = session.execute(
        select(JournalEntry.hash).where(JournalEntry.record_ref == ref)
        .order_by(col(JournalEntry.id))).scalars().all()
    key = PURGE_KEY_PREFIX + ref
    session.add(Meta(key=key, value=f"{store.actor} {now.isoformat()}"))
    session.flush()
    session.execute(delete(JournalEntry).where(col(JournalEntry.record_ref) == ref))
    session.execute(delete(Meta).where(col(Meta.key) == key))
    return list(entries)


def _purge_contact(store: Store, ref: str, reason: str) -> PurgeResult:
    """A data-protection erasure of a contact: see :func:`purge`."""
    from ...storage.contacts import Contact

    number = contact_rules.parse_ref(ref) or 0
    ref = contact_rules.format_ref(number)
    unlinked: list[str] = []
    try:
        with store.write() as session:
            row = session.get(Contact, number)
            if row is None:
                raise NotFound(f"no contact {ref}")
            now = store.now()
            for kind in (Kind.INCIDENT, Kind.REQUEST, Kind.COMPLAINT):
                model = RECORD_TABLES[kind.value]
                for other in session.execute(
                        select(model).where(model.requester_id == row.id)).scalars():
                    other.requester_id = None
                    other.updated_at = now
                    other.version += 1
                    journal.append(session, ref=other.ref, kind=kind.value, actor=store.actor,
                                   at=now, action="update", changes={"requester": (ref, None)},
                                   note=f"{ref} was purged")
                    unlinked.append(other.ref)
            # the attachments first: they are found by the sender the next step forgets
            removed = _forget_attachments_of(session, store, ref, row.email, now)
            removed.update(_forget_mail_of(session, row.id, row.email))
            session.flush()
            session.expunge(row)
            entries = _remove_journal(session, store, ref, now)
            session.execute(delete(Contact).where(col(Contact.id) == number))
            journal.append(
                session, ref=ref, kind="contact", actor=store.actor, at=now, action=PURGE_ACTION,
                changes={"status": ("registered", "purged"), "journal_entries": (len(entries), 0)},
                note=(f"purged: {reason} (removed {len(entries)} journal entries, "
                      f"last hash {entries[-1][:16] if entries else '-'})"),
            )
    except IntegrityError as exc:
        raise PurgeRefused(f"cannot purge {ref}: other data still refers to it ({exc.orig})") from None
    return PurgeResult(ref, len(entries), removed, unlinked)


def _forget_attachments_of(session: Session, store: Store, contact_ref: str, email: str,
                           now) -> dict[str, int]:
    """The attachments of the mail the contact sent (names and content: personal data) go;
    each record that held some says so in its journal. Before the sender is forgotten."""
    from ...storage.mail import MailAttachment, MailMessage

    theirs = MailAttachment.__table__.c.mail_id.in_(
        select(MailMessage.__table__.c.id)
        .where(func.lower(MailMessage.__table__.c.sender) == email))
    table = MailAttachment.__table__
    per_record = session.execute(select(table.c.record_ref, func.count())
                                 .where(theirs).group_by(table.c.record_ref)
                                 .order_by(table.c.record_ref)).all()
    removed: dict[str, int] = {}
    for record_ref, count in per_record:
        kind, _number = parse_ref(record_ref)
        journal.append(session, ref=record_ref, kind=kind.value, actor=store.actor, at=now,
                       action="attachments", changes={"attachments removed": (count, 0)},
                       note=f"{contact_ref} was purged: the attachments of their mail went")
    _count_delete(session, table, theirs, removed)
    return removed


def _forget_mail_of(session: Session, contact_id: int | None, email: str) -> dict[str, int]:
    """The contact's address out of the mail the desk keeps: messages to them in the outbox
    go (they name and address the person), received mail keeps its row (its Message-ID stops
    a second delivery) without the sender."""
    from ...storage.contacts import SurveyInvitation
    from ...storage.incidents import Communication
    from ...storage.mail import MailMessage

    removed: dict[str, int] = {}
    session.execute(update(SurveyInvitation.__table__)  # their scores stay, anonymous
                    .where(SurveyInvitation.__table__.c.contact_id == contact_id)
                    .values(contact_id=None))
    to_them = (col(Communication.purpose).startswith("requester:")
               & col(Communication.recipients).contains(f"<{email}>"))
    _count_delete(session, Communication.__table__, to_them, removed)
    found = session.execute(update(MailMessage.__table__)
                            .where(func.lower(MailMessage.__table__.c.sender) == email)
                            .values(sender=""))
    if found.rowcount:
        removed["mail_message sender"] = found.rowcount
    return removed
