"""The contact register (8.3.2): customers, users and other interested parties.

``CON-000001``: name, email (unique, without case), organisation, role, phone,
mail opt-out. Per customer organisation, the person designated to manage the
relationship and satisfaction. Incidents, requests and complaints name their
requester (:func:`resolve_in` turns ``--requester`` text into a contact).

Every public method is one transaction and journals its change under the
contact's reference (record_kind ``contact``); a purge leaves a tombstone
(:func:`sms_tui.services.admin.purge.purge`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from ...domain import contacts as rules
from ...domain.errors import ConflictError, NotFound, ValidationError, hinted
from ...domain.kinds import Kind
from ...domain.lifecycle import lifecycle_for
from ...domain.text import one_line
from ...storage.contacts import Contact, Organisation
from ...storage.models import RECORD_TABLES, Service
from ..core import journal
from ..core.store import Store
from ..core.views import JournalView, RecordRow, queue_row

JOURNAL_KIND = "contact"
EDITABLE = ("name", "email", "organisation", "role", "phone", "mail_opt_out")
# the record kinds that carry a requester
REQUESTER_KINDS = (Kind.INCIDENT, Kind.REQUEST, Kind.COMPLAINT)
MAX_RECORDS = 200  # per kind, in a contact's or an organisation's view


@dataclass(frozen=True)
class ContactView:
    ref: str
    name: str
    email: str
    organisation: str
    role: str
    phone: str
    mail_opt_out: bool
    created_at: datetime
    updated_at: datetime
    version: int
    relationship_manager: str = ""  # of the contact's organisation, if designated
    journal: tuple[JournalView, ...] = ()

    @property
    def label(self) -> str:
        """'Dana Weber <dana@example.org>' (user text: show it through the display helpers)."""
        return f"{self.name} <{self.email}>"

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "name": self.name, "email": self.email,
                "organisation": self.organisation, "role": self.role, "phone": self.phone,
                "mail_opt_out": self.mail_opt_out,
                "relationship_manager": self.relationship_manager,
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
                "version": self.version}


@dataclass(frozen=True)
class OrganisationView:
    name: str
    relationship_manager: str
    contacts: int
    customers: int

    def to_dict(self) -> dict[str, Any]:
        return {"organisation": self.name, "relationship_manager": self.relationship_manager,
                "contacts": self.contacts, "customers": self.customers}


@dataclass(frozen=True)
class ContactRecords:
    """Every incident, request and complaint a contact (or an organisation) asked for."""

    title: str  # the contact's label, or the organisation's name
    contacts: tuple[ContactView, ...]
    records: tuple[RecordRow, ...] = field(default=())
    requesters: dict[str, str] = field(default_factory=dict)  # record ref -> contact label


def _normalise(name: str, value: Any) -> Any:
    if name == "name":
        return rules.clean_text(value, "name", required=True, limit=rules.MAX_NAME)
    if name == "email":
        return rules.normalise_email(value)
    if name == "role":
        return rules.parse_role(value)
    if name == "mail_opt_out":
        return bool(value)
    return rules.clean_text(value, name.replace("_", " "))


def _view(row: Contact, manager: str = "", entries: tuple[JournalView, ...] = ()) -> ContactView:
    return ContactView(row.ref, row.name, row.email, row.organisation, row.role, row.phone,
                       bool(row.mail_opt_out), row.created_at, row.updated_at, row.version,
                       manager, entries)


def _manager_of(session: Session, organisation: str) -> str:
    if not organisation:
        return ""
    found = session.exec(select(Organisation.relationship_manager)
                         .where(Organisation.name == organisation)).first()
    return found or ""


def _email_taken(session: Session, email: str, but: int | None = None) -> None:
    stmt = select(Contact).where(Contact.email == email)
    found = session.exec(stmt).first()
    if found is not None and found.id != but:
        raise hinted(ValidationError(f"{email} is already {found.ref} ({one_line(found.name, 60)}); "
                                     "one contact per address"),
                     cli=f"see: sms-tui contacts show {found.ref}", tui="/ in the contacts finds it")


def load_in(session: Session, ref: str) -> Contact:
    number = rules.parse_ref(ref)
    if number is None:
        raise ValidationError(f"'{one_line(ref or '', 40)}' is not a contact reference (CON-000001)")
    row = session.get(Contact, number)
    if row is None:
        raise hinted(NotFound(f"no contact {rules.format_ref(number)}"),
                     cli="see: sms-tui contacts list", tui="@ lists the contacts")
    return row


def resolve_in(session: Session, text: str) -> Contact:
    """The contact ``text`` names: an email address, a reference (CON-…) or a name.

    A name must match exactly one contact (case aside); none or several is refused
    with one line naming what to give instead.
    """
    typed = (text or "").strip()
    if not typed:
        raise ValidationError("requester must not be empty: give an email or a contact's name")
    shown = one_line(typed, 60)
    if rules.looks_like_email(typed):
        email = rules.normalise_email(rules.address_in(typed) or typed)
        found = session.exec(select(Contact).where(Contact.email == email)).first()
        if found is None:
            raise hinted(NotFound(f"no contact with email {email}"),
                         cli=f"add one: sms-tui contacts add --name … --email {email}",
                         tui="@ opens the contacts, where n adds one")
        return found
    if rules.parse_ref(typed) is not None:
        return load_in(session, typed)
    matches = list(session.exec(select(Contact).where(Contact.name == typed).limit(11)))
    if not matches:
        escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches = list(session.exec(select(Contact).where(
            col(Contact.name).ilike(escaped, escape="\\")).limit(11)))
    if not matches:
        raise hinted(NotFound(f"no contact named '{shown}': give an email, or add the contact"),
                     cli="sms-tui contacts add", tui="@ opens the contacts, where n adds one")
    if len(matches) > 1:
        which = ", ".join(f"{m.ref} <{m.email}>" for m in matches[:5])
        more = " …" if len(matches) > 5 else ""
        raise ValidationError(f"'{shown}' names {len(matches) if len(matches) <= 10 else 'more than 10'} "
                              f"contacts ({which}{more}); give the email instead")
    return matches[0]


def label_of(session: Session, contact_id: int | None) -> tuple[str, str, str]:
    """(ref, name, email) of the contact ``contact_id``; empty strings when none."""
    if contact_id is None:
        return "", "", ""
    row = session.get(Contact, contact_id)
    return (row.ref, row.name, row.email) if row is not None else ("", "", "")


class ContactService:
    """Add, edit, list, show and find contacts; designate relationship managers."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _journal(self, session: Session, ref: str, action: str, now: datetime,
                 changes: dict[str, tuple[Any, Any]], note: str = "") -> None:
        journal.append(session, ref=ref, kind=JOURNAL_KIND, actor=self.store.actor, at=now,
                       action=action, changes=changes, note=note)

    def add(self, *, name: str, email: str, organisation: str = "", role: str = "user",
            phone: str = "", mail_opt_out: bool = False) -> ContactView:
        """Register a person; refused when the address is already someone's."""
        values = {k: _normalise(k, v) for k, v in (
            ("name", name), ("email", email), ("organisation", organisation), ("role", role),
            ("phone", phone), ("mail_opt_out", mail_opt_out))}
        with self.store.write() as session:
            row = self.add_in(session, now=self.store.now(), **values)
            return _view(row, _manager_of(session, row.organisation))

    def add_in(self, session: Session, *, now: datetime, note: str = "", **values: Any) -> Contact:
        """Register within the caller's transaction (mail-in adds unknown senders)."""
        values = {k: _normalise(k, v) for k, v in values.items()}
        _email_taken(session, values["email"])
        row = Contact(ref="pending", created_at=now, updated_at=now, **values)
        session.add(row)
        session.flush()
        row.ref = rules.format_ref(row.id or 0)
        self._journal(session, row.ref, "create", now,
                      {k: (None, v) for k, v in values.items() if v not in ("", False)}, note)
        return row

    def edit(self, ref: str, *, expected_version: int | None = None, note: str = "",
             **fields: Any) -> ContactView:
        """Change a contact's fields; a new address must not be someone else's. ``ref``: the
        contact's reference, email or (unique) name, as for a requester."""
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValidationError(f"a contact has no field '{sorted(unknown)[0]}'; "
                                  f"editable: {', '.join(EDITABLE)}")
        values = {k: _normalise(k, v) for k, v in fields.items()}
        if not (ref or "").strip():
            raise ValidationError("which contact? give its reference (CON-…), email or name")
        with self.store.write() as session:
            row = resolve_in(session, ref)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(f"{row.ref} was changed by someone else (now version "
                                    f"{row.version}, you had {expected_version}); reload it")
            if "email" in values:
                _email_taken(session, values["email"], but=row.id)
            changes = {k: (getattr(row, k), v) for k, v in values.items() if getattr(row, k) != v}
            if not changes:
                raise ValidationError(f"nothing to change on {row.ref}")
            now = self.store.now()
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at, row.version = now, row.version + 1
            self._journal(session, row.ref, "update", now, changes,
                          rules.clean_text(note, "note", limit=500))
            return _view(row, _manager_of(session, row.organisation))

    def list(self, *, organisation: str | None = None, role: str | None = None,
             text: str = "", limit: int | None = None) -> list[ContactView]:
        """The register by organisation then name; ``text`` matches name, email or organisation."""
        with self.store.read() as session:
            stmt = select(Contact).order_by(col(Contact.organisation), col(Contact.name),
                                            col(Contact.id))
            if organisation is not None:
                stmt = stmt.where(Contact.organisation == organisation.strip())
            if role:
                stmt = stmt.where(Contact.role == rules.parse_role(role))
            typed = (text or "").strip()
            if typed:
                escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                pattern = f"%{escaped}%"
                stmt = stmt.where(or_(col(Contact.name).ilike(pattern, escape="\\"),
                                      col(Contact.email).ilike(pattern, escape="\\"),
                                      col(Contact.organisation).ilike(pattern, escape="\\"),
                                      col(Contact.ref).ilike(pattern, escape="\\")))
            if limit is not None:
                stmt = stmt.limit(limit)
            managers = dict(session.exec(select(Organisation.name,
                                                Organisation.relationship_manager)).all())
            return [_view(row, managers.get(row.organisation, "")) for row in session.exec(stmt)]

    def show(self, ref: str) -> ContactView:
        """A contact with its journal, newest first."""
        with self.store.read() as session:
            row = load_in(session, ref)
            return _view(row, _manager_of(session, row.organisation),
                         tuple(journal.entries_for(session, row.ref)))

    def find(self, text: str) -> ContactView:
        """The contact an email, reference or name designates (see :func:`resolve_in`)."""
        with self.store.read() as session:
            row = resolve_in(session, text)
            return _view(row, _manager_of(session, row.organisation))

    def suggestions(self, typed: str, *, limit: int = 8) -> list[ContactView]:
        """Contacts whose name or email starts with ``typed`` (the requester field's completion)."""
        typed = (typed or "").strip()
        if not typed:
            return []
        escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.store.read() as session:
            stmt = (select(Contact).where(or_(col(Contact.name).ilike(f"{escaped}%", escape="\\"),
                                              col(Contact.email).ilike(f"{escaped}%", escape="\\")))
                    .order_by(col(Contact.name), col(Contact.id)).limit(limit))
            return [_view(row) for row in session.exec(stmt)]

    # ----------------------------------------------------------- organisations
    def organisations(self) -> list[OrganisationView]:
        """Every organisation named by a contact or given a manager, with its manager."""
        with self.store.read() as session:
            counts = {org: (n, customers) for org, n, customers in session.exec(
                select(Contact.organisation, func.count(),
                       func.sum(case((col(Contact.role) == "customer", 1), else_=0)))
                .where(Contact.organisation != "").group_by(Contact.organisation)).all()}
            managers = dict(session.exec(select(Organisation.name,
                                                Organisation.relationship_manager)).all())
        names = sorted(set(counts) | set(managers), key=str.lower)
        return [OrganisationView(name, managers.get(name, ""), counts.get(name, (0, 0))[0],
                                 int(counts.get(name, (0, 0))[1] or 0)) for name in names]

    def set_manager(self, organisation: str, manager: str, *, note: str = "") -> OrganisationView:
        """Designate who manages the relationship with ``organisation`` ("" removes it)."""
        org = rules.clean_text(organisation, "organisation", required=True)
        person = rules.clean_text(manager, "relationship manager", limit=rules.MAX_NAME)
        with self.store.write() as session:
            now = self.store.now()
            row = session.exec(select(Organisation).where(Organisation.name == org)).first()
            old = row.relationship_manager if row else ""
            if old == person:
                raise ValidationError(f"{one_line(org, 60)} already has that relationship manager")
            if row is None:
                row = Organisation(name=org, relationship_manager=person, created_at=now,
                                   updated_at=now)
                session.add(row)
            else:
                row.relationship_manager, row.updated_at = person, now
                row.version += 1
            session.flush()
            # journaled under the organisation's own key, so its history reads on its own
            journal.append(session, ref=f"ORG:{org}", kind="organisation", actor=self.store.actor,
                           at=now, action="update",
                           changes={"relationship_manager": (old or None, person or None)},
                           note=rules.clean_text(note, "note", limit=500))
            n = session.exec(select(func.count()).select_from(Contact)
                             .where(Contact.organisation == org)).one()
            return OrganisationView(org, person, n, 0)

    # ----------------------------------------------------------- their records
    def records_of(self, ref: str) -> ContactRecords:
        """Every incident, request and complaint the contact ``ref`` asked for, newest first."""
        with self.store.read() as session:
            row = load_in(session, ref)
            view = _view(row, _manager_of(session, row.organisation))
            records = self._records(session, [row.id or 0])
            return ContactRecords(view.label, (view,), tuple(records),
                                  {r.ref: view.label for r in records})

    def records_of_organisation(self, organisation: str) -> ContactRecords:
        """Every incident, request and complaint the contacts of ``organisation`` asked for."""
        org = (organisation or "").strip()
        with self.store.read() as session:
            rows = list(session.exec(select(Contact).where(Contact.organisation == org)
                                     .order_by(col(Contact.name))))
            if not rows and session.exec(select(Organisation).where(Organisation.name == org)).first() is None:
                raise NotFound(f"no organisation '{one_line(org, 60)}' (see: sms-tui contacts orgs)")
            manager = _manager_of(session, org)
            views = tuple(_view(r, manager) for r in rows)
            by_id = {r.id: v.label for r, v in zip(rows, views, strict=True)}
            pairs = records_with_ids(session, list(by_id))
            return ContactRecords(org, views, tuple(rec for rec, _ in pairs),
                                  {rec.ref: by_id.get(rid, "") for rec, rid in pairs})

    @staticmethod
    def _records(session: Session, ids: list[int]) -> list[RecordRow]:
        return [rec for rec, _rid in records_with_ids(session, ids)]


def records_with_ids(session: Session, ids: list[int]) -> list[tuple[RecordRow, int]]:
    """(queue row, requester id) of every record whose requester is one of ``ids``."""
    out: list[tuple[RecordRow, int]] = []
    if not ids:
        return out
    for kind in REQUESTER_KINDS:
        model = RECORD_TABLES[kind.value]
        lifecycle = lifecycle_for(kind)
        stmt = (select(model, Service.name).join(Service, isouter=True)
                .where(col(model.requester_id).in_(ids))
                .order_by(col(model.created_at).desc(), col(model.id).desc()).limit(MAX_RECORDS))
        for row, service_name in session.exec(stmt):
            out.append((queue_row(kind.value, row, service_name, lifecycle), row.requester_id))
    out.sort(key=lambda pair: pair[0].created_at, reverse=True)
    return out
