"""Record use cases: create, edit, transition, note, assign, escalate, link, list, show.

Every public method is one transaction, and every write appends to the
record's journal in that same transaction and bumps its version. Methods
that change a record accept ``expected_version``: if the record moved on
since the caller read it, the write is refused with :class:`ConflictError`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ...domain.bounds import check_date
from ...domain.errors import ConflictError, LinkWouldMove, NotFound, ValidationError, hinted
from ...domain.fields import MAX_NAME, MAX_TITLE, clean_name, clean_title  # noqa: F401 - re-exported
from ...domain.kinds import EXTRA_FIELDS, KINDS, Kind, format_ref, parse_kind, parse_ref
from ...domain.lifecycle import lifecycle_for, next_statuses
from ...domain.priority import Level
from ...domain.security import NO_RISK, parse_risk
from ...storage.models import (
    RECORD_TABLES,
    Change,
    ConfigurationItem,
    Incident,
    KnownError,
    Problem,
    RecordBase,
    Service,
)
from . import hooks, journal, queue_query
from .names import named
from .store import Store
from .views import LinkView, QueueFilter, RecordRow, RecordView, queue_row

# Kinds whose records name who asked (8.3.2): a contact of the register.
REQUESTER_KINDS = frozenset({Kind.INCIDENT, Kind.REQUEST, Kind.COMPLAINT})
# Columns shown with a record but set only by the rules (derived or recorded by a service).
DERIVED_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.REQUEST: ("due_at", "needs_approval"),
    Kind.KNOWN_ERROR: ("applied_count",),
    Kind.CHANGE: ("risk_level", "major_impact", "major_impact_reasons", "expedited"),
}
COMMON_FIELDS = ("title", "description", "category", "impact", "urgency")

CHANGE_TYPES = ("standard", "normal", "emergency")


def table_for(kind: Kind) -> type[RecordBase]:
    return RECORD_TABLES[kind.value]


def _require_requester(text: Any) -> None:
    """A complaint is someone's (8.3.2): recorded, and kept, with its requester. Imports and
    a purged contact's complaints (create_in, the purge) may have none."""
    if not str(text or "").strip():
        raise ValidationError("a complaint needs its requester: the email, name or CON-… "
                              "reference of who complains; nothing was written")


class RecordService:
    """Use cases on incidents, requests, problems, known errors and changes."""

    def __init__(self, store: Store) -> None:
        self.store = store  # the rules of a kind load when a record of it is first written

    def _ctx(self, session: Session, kind: Kind, row: RecordBase, now: datetime) -> hooks.HookContext:
        return hooks.HookContext(session=session, store=self.store, kind=kind, row=row, now=now)

    # ----------------------------------------------------------------- helpers
    def _load(self, session: Session, ref: str) -> tuple[Kind, RecordBase]:
        kind, number = parse_ref(ref)
        row = session.get(table_for(kind), number)
        if row is None:
            raise NotFound(f"no record {format_ref(kind, number)}")
        return kind, row

    def _check_version(self, row: RecordBase, expected: int | None) -> None:
        if expected is not None and row.version != expected:
            raise ConflictError(
                f"{row.ref} was changed by someone else since you opened it "
                f"(now version {row.version}, you had {expected}); reload it and try again"
            )

    def _check_editable(self, kind: Kind, row: RecordBase) -> None:
        if lifecycle_for(kind).is_final(row.status):
            raise ValidationError(f"{row.ref} is {row.status}; a {row.status} record cannot change")

    def _touch(self, row: RecordBase, now: datetime) -> None:
        row.updated_at = now
        row.version += 1

    def _service_id(self, session: Session, name: str | None) -> int | None:
        if not name:
            return None
        found = named(session, Service, name)
        if found is None:
            names = session.exec(select(Service.name).order_by(Service.name)).all()
            hint = f"; known services: {', '.join(names)}" if names else "; no services exist yet"
            raise NotFound(f"no service named '{name}'{hint}")
        return found.id

    def priority_of(self, kind: Kind, impact: str, urgency: str, security_risk: str | None = None) -> int:
        """Priority from the matrix; an incident's security risk may raise it (8.7.3.3)."""
        priority = self.store.config.matrix.priority_for(impact, urgency)
        if kind is Kind.INCIDENT:
            priority = self.store.config.security.priority(priority, security_risk)
        return priority

    def _priority_rule(self, kind: Kind, row: RecordBase) -> str:
        """Why the priority is above the matrix's, in words for the journal ('' if it is not)."""
        if kind is not Kind.INCIDENT:
            return ""
        matrix = self.store.config.matrix.priority_for(row.impact, row.urgency)
        return self.store.config.security.reason(matrix, getattr(row, "security_risk", None))

    def _ci_id(self, session: Session, name: str | None) -> int | None:
        if not name:
            return None
        found = named(session, ConfigurationItem, name)
        if found is None:
            raise NotFound(f"no configuration item named '{name}'")
        return found.id

    def _requester(self, session: Session, kind: Kind, text: str | None):
        """The contact ``text`` names, for a record of ``kind`` (None when not given)."""
        if text is None or not str(text).strip():
            return None
        if kind not in REQUESTER_KINDS:
            raise ValidationError(f"a {KINDS[kind].label.lower()} has no requester "
                                  "(incidents, requests and complaints have one)")
        from ..customers.contacts import resolve_in

        return resolve_in(session, text)

    def _set_requester(self, session: Session, kind: Kind, row: RecordBase, text: str,
                       changes: dict[str, tuple[Any, Any]]) -> None:
        from ..customers.contacts import label_of

        found = self._requester(session, kind, text)
        new_id = found.id if found is not None else None
        if kind not in REQUESTER_KINDS or new_id == row.requester_id:
            return
        old_ref, _name, _email = label_of(session, row.requester_id)
        changes["requester"] = (old_ref or None, found.ref if found is not None else None)
        row.requester_id = new_id

    def _name_of(self, session: Session, model: type, row_id: int | None) -> str:
        if row_id is None:
            return ""
        found = session.get(model, row_id)
        return found.name if found else ""

    def _journal(self, session: Session, kind: Kind, row: RecordBase, action: str, now: datetime,
                 changes: dict[str, tuple[Any, Any]] | None = None, note: str = "") -> None:
        journal.append(session, ref=row.ref, kind=kind.value, actor=self.store.actor, at=now,
                       action=action, changes=changes, note=note)
        if action != "create":
            hooks.run("after_any_write", self._ctx(session, kind, row, now), action)

    def _normalise(self, kind: Kind, field: str, value: Any) -> Any:
        if field == "title":
            return clean_title(value)
        if field in ("impact", "urgency"):
            return Level.parse(value, field).value
        if field == "change_type":
            text = str(value).strip().lower()
            if text not in CHANGE_TYPES:
                raise ValidationError(f"unknown change type '{value}': use {', '.join(CHANGE_TYPES)}")
            return text
        if field in ("risk_likelihood", "risk_impact") and kind is Kind.CHANGE:
            # words ("possible") become the scale's number before the row holds them:
            # PostgreSQL refuses text in an integer column that SQLite would keep
            from ...domain.changes import parse_likelihood, parse_risk_impact

            if value in (None, ""):
                return None
            return (parse_likelihood if field == "risk_likelihood" else parse_risk_impact)(value)
        if field == "major":
            return bool(value)
        if field == "security_risk":
            return parse_risk(value)
        if field == "backout_tested":
            from ...domain.changes import parse_backout_tested

            return parse_backout_tested(value)
        if field == "service_change":
            from ...domain.changes import parse_service_change

            return parse_service_change(value)
        if field == "category" and value is not None and len(str(value)) > MAX_NAME:
            raise ValidationError(f"category is {len(str(value))} characters; keep it to {MAX_NAME}")
        if value is None:
            return None if field.startswith("planned_") else ""
        if field.startswith("planned_"):  # a date from a form, or text from the command line
            if isinstance(value, str):
                from ..reporting.model import parse_when

                return parse_when(value, field) if value.strip() else None
            if isinstance(value, datetime):
                return check_date(value, field)
        return value

    # ----------------------------------------------------------------- create
    def create(self, kind: Kind | str, *, title: str, **fields: Any) -> RecordView:
        """Record a new incident/request/problem/known error/change; returns it."""
        kind = parse_kind(kind) if isinstance(kind, str) else kind
        if kind is Kind.REQUEST and not str(fields.get("request_type") or "").strip():
            # classified when recorded (8.6.2); imports and demo data use create_in as they are
            raise ValidationError("a request needs a request type from the catalogue (sms-tui "
                                  "requests types), or 'other' when none fits")
        if kind is Kind.COMPLAINT:
            _require_requester(fields.get("requester"))
        with self.store.write() as session:
            row = self.create_in(session, kind, title=title, now=self.store.now(), **fields)
            return self._view(session, kind, row)

    def create_in(self, session: Session, kind: Kind, *, title: str, now: datetime,
                  service: str | None = None, ci: str | None = None, assignee: str = "",
                  assignment_group: str = "", status: str | None = None,
                  requester: str | None = None, **fields: Any) -> RecordBase:
        """Create within the caller's transaction (used by demo data and imports).

        ``requester``: an email, a contact reference or a contact's name (incidents,
        requests and complaints); an unknown or ambiguous one is refused.
        """
        requester_row = self._requester(session, kind, requester)
        unknown = set(fields) - set(COMMON_FIELDS) - set(EXTRA_FIELDS[kind])
        if unknown:
            raise ValidationError(f"{KINDS[kind].label} has no field '{sorted(unknown)[0]}'")
        values = {k: self._normalise(kind, k, v) for k, v in fields.items()}
        values["title"] = clean_title(title)
        values.setdefault("impact", Level.MEDIUM.value)
        values.setdefault("urgency", Level.MEDIUM.value)
        lifecycle = lifecycle_for(kind)
        model = table_for(kind)
        row = model(
            ref="pending",
            status=status or lifecycle.initial,
            assignee=clean_name(assignee, "assignee"),
            assignment_group=clean_name(assignment_group, "assignment group"),
            service_id=self._service_id(session, service),
            ci_id=self._ci_id(session, ci),
            created_by=self.store.actor,
            created_at=now,
            updated_at=now,
            priority=self.priority_of(kind, values["impact"], values["urgency"],
                                      values.get("security_risk")),
            **values,
        )
        if requester_row is not None:
            row.requester_id = requester_row.id
        if kind is Kind.CHANGE and row.change_type == "standard" and status is None:
            pass  # standard changes are pre-approved; they still start as new
        session.add(row)
        session.flush()  # assigns the id the reference is made from
        row.ref = format_ref(kind, row.id or 0)
        changes = {
            "title": (None, row.title),
            "status": (None, row.status),
            "impact": (None, row.impact),
            "urgency": (None, row.urgency),
            "priority": (None, f"P{row.priority}"),
        }
        for key in ("assignee", "category", "assignment_group"):
            if getattr(row, key):
                changes[key] = (None, getattr(row, key))
        if getattr(row, "security_risk", NO_RISK) != NO_RISK:
            changes["security_risk"] = (None, row.security_risk)
            if rule := self._priority_rule(kind, row):
                changes["priority_rule"] = (None, rule)
        if service:  # as the catalogue names it (it may have been typed in another case)
            changes["service"] = (None, self._name_of(session, Service, row.service_id))
        if ci:
            changes["ci"] = (None, self._name_of(session, ConfigurationItem, row.ci_id))
        if requester_row is not None:
            # by reference only: a purge of the contact then leaves no name in this journal
            changes["requester"] = (None, requester_row.ref)
        self._journal(session, kind, row, "create", now, changes)
        hooks.run("after_create", self._ctx(session, kind, row, now))
        return row

    # ----------------------------------------------------------------- edit
    def update(self, ref: str, /, *, expected_version: int | None = None, note: str = "",
               service: str | None = None, ci: str | None = None, requester: str | None = None,
               **fields: Any) -> RecordView:
        """Change fields; priority follows impact and urgency. Journals old → new.

        ``ref`` is positional only: a field named ``ref`` (or ``self``) is refused as any name
        that is not a field is, not taken for the record's reference.
        ``requester``: the contact who asked (an email, CON-… or a name; "" removes it).
        """
        with self.store.write() as session:
            kind, row = self._load(session, ref)
            self._check_version(row, expected_version)
            self._check_editable(kind, row)
            allowed = set(COMMON_FIELDS) | set(EXTRA_FIELDS[kind])
            unknown = set(fields) - allowed
            if unknown:
                named = ("service", "ci") + (("requester",) if kind in REQUESTER_KINDS else ())
                raise ValidationError(
                    f"{KINDS[kind].label} has no editable field '{sorted(unknown)[0]}'; "
                    f"editable: {', '.join((*COMMON_FIELDS, *EXTRA_FIELDS[kind], *named))}"
                )
            changes: dict[str, tuple[Any, Any]] = {}
            for key, value in fields.items():
                new = self._normalise(kind, key, value)
                old = getattr(row, key)
                if new != old:
                    setattr(row, key, new)
                    changes[key] = (old, new)
            if service is not None:
                new_id = self._service_id(session, service)
                if new_id != row.service_id:
                    changes["service"] = (self._name_of(session, Service, row.service_id),
                                          self._name_of(session, Service, new_id))
                    row.service_id = new_id
            if ci is not None:
                new_id = self._ci_id(session, ci)
                if new_id != row.ci_id:
                    changes["ci"] = (self._name_of(session, ConfigurationItem, row.ci_id),
                                     self._name_of(session, ConfigurationItem, new_id))
                    row.ci_id = new_id
            if requester is not None:
                if kind is Kind.COMPLAINT:
                    _require_requester(requester)
                self._set_requester(session, kind, row, requester, changes)
            priority = self.priority_of(kind, row.impact, row.urgency,
                                        getattr(row, "security_risk", None))
            if priority != row.priority:
                changes["priority"] = (f"P{row.priority}", f"P{priority}")
                row.priority = priority
                if rule := self._priority_rule(kind, row):
                    changes["priority_rule"] = (None, rule)
            if not changes and not note:
                return self._view(session, kind, row)
            now = self.store.now()
            self._touch(row, now)
            self._journal(session, kind, row, "update", now, changes, note)
            hooks.run("after_update", self._ctx(session, kind, row, now), changes)
            return self._view(session, kind, row)

    def transition(self, ref: str, status: str, *, note: str = "",
                   expected_version: int | None = None) -> RecordView:
        """Move a record along its lifecycle; refused moves name the allowed ones."""
        with self.store.write() as session:
            kind, row = self._load(session, ref)
            self._check_version(row, expected_version)
            row = self.transition_in(session, kind, row, status, note=note, now=self.store.now())
            return self._view(session, kind, row)

    def transition_in(self, session: Session, kind: Kind, row: RecordBase, status: str, *,
                      note: str, now: datetime) -> RecordBase:
        lifecycle = lifecycle_for(kind)
        status = status.strip().lower().replace("-", "_").replace(" ", "_")
        lifecycle.check(row.status, status)
        old_status = row.status
        hooks.run("before_transition", self._ctx(session, kind, row, now), old_status, status, note)
        changes: dict[str, tuple[Any, Any]] = {"status": (row.status, status)}
        if status in lifecycle.resolved_states:
            changes["resolved_at"] = (row.resolved_at, now)
            row.resolved_at = now
        elif status in lifecycle.closed_states:
            changes["closed_at"] = (row.closed_at, now)
            row.closed_at = now
        elif row.status in lifecycle.resolved_states and status in lifecycle.open_states:
            changes["resolved_at"] = (row.resolved_at, None)  # reopened
            row.resolved_at = None
        row.status = status
        self._touch(row, now)
        self._journal(session, kind, row, "transition", now, changes, note)
        hooks.run("after_transition", self._ctx(session, kind, row, now), old_status, status)
        return row

    def add_note(self, ref: str, note: str, *, expected_version: int | None = None) -> RecordView:
        """Add a work-log note (an action taken) to the record's journal.

        A note changes none of the record's fields, only appends to its journal (and bumps
        the version): the desk adds it without ``expected_version``, so two analysts' notes
        at the same moment both land. Given, it is checked, for a script that wants a note
        only on the record as it read it."""
        text = (note or "").strip()
        if not text:
            raise ValidationError("note must not be empty")
        with self.store.write() as session:
            kind, row = self._load(session, ref)
            self._check_version(row, expected_version)
            self.add_note_in(session, kind, row, note, now=self.store.now())
            return self._view(session, kind, row)

    def add_note_in(self, session: Session, kind: Kind, row: RecordBase, note: str, *,
                    now: datetime) -> RecordBase:
        """Add a note within the caller's transaction (used by demo data and imports)."""
        if not (note or "").strip():
            raise ValidationError("note must not be empty")
        self._check_editable(kind, row)
        self._touch(row, now)
        self._journal(session, kind, row, "note", now, None, note)
        return row

    def assign(self, ref: str, assignee: str, *, group: str | None = None, note: str = "",
               expected_version: int | None = None) -> RecordView:
        """Assign to a person (and optionally a group); an empty name unassigns."""
        with self.store.write() as session:
            kind, row = self._load(session, ref)
            self._check_version(row, expected_version)
            self.assign_in(session, kind, row, assignee, group=group, note=note,
                           now=self.store.now())
            return self._view(session, kind, row)

    def assign_in(self, session: Session, kind: Kind, row: RecordBase, assignee: str, *,
                  group: str | None = None, note: str = "", now: datetime) -> RecordBase:
        """Assign within the caller's transaction (used by demo data and imports)."""
        self._check_editable(kind, row)
        changes: dict[str, tuple[Any, Any]] = {}
        assignee = clean_name(assignee, "assignee")
        group = None if group is None else clean_name(group, "assignment group")
        if assignee != row.assignee:
            changes["assignee"] = (row.assignee, assignee)
            row.assignee = assignee
        if group is not None and group.strip() != row.assignment_group:
            changes["assignment_group"] = (row.assignment_group, group.strip())
            row.assignment_group = group.strip()
        if not changes:
            raise ValidationError(f"{row.ref} is already assigned that way")
        self._touch(row, now)
        self._journal(session, kind, row, "assign", now, changes, note)
        return row

    def escalate(self, ref: str, *, to: str, hierarchical: bool = False, group: str | None = None,
                 reason: str, expected_version: int | None = None) -> RecordView:
        """Functional escalation (to a more skilled person/group) or hierarchical (to a manager).

        A reason is required: it is what the next person reads first.
        """
        if not (reason or "").strip():
            raise ValidationError("an escalation needs a reason")
        if not (to or "").strip() and not group:
            raise ValidationError("say who to escalate to")
        with self.store.write() as session:
            kind, row = self._load(session, ref)
            self._check_version(row, expected_version)
            self.escalate_in(session, kind, row, to=to, hierarchical=hierarchical, group=group,
                             reason=reason, now=self.store.now())
            return self._view(session, kind, row)

    def escalate_in(self, session: Session, kind: Kind, row: RecordBase, *, to: str,
                    hierarchical: bool = False, group: str | None = None, reason: str,
                    now: datetime) -> RecordBase:
        """Escalate within the caller's transaction (used by demo data and imports)."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("an escalation needs a reason")
        to = clean_name(to, "escalated to")
        group = None if group is None else clean_name(group, "assignment group") or None
        if not to and not group:
            raise ValidationError("say who to escalate to")
        self._check_editable(kind, row)
        changes: dict[str, tuple[Any, Any]] = {}
        if hierarchical:
            changes["escalated_to"] = (row.escalated_to, to)
            changes["escalation_level"] = (row.escalation_level, row.escalation_level + 1)
            row.escalated_to = to
            row.escalation_level += 1
            action = "escalate_hierarchical"
        else:
            if to and to != row.assignee:
                changes["assignee"] = (row.assignee, to)
                row.assignee = to
            if group and group != row.assignment_group:
                changes["assignment_group"] = (row.assignment_group, group)
                row.assignment_group = group
            action = "escalate_functional"
        self._touch(row, now)
        self._journal(session, kind, row, action, now, changes, reason)
        if (kind is Kind.COMPLAINT and hierarchical
                and "escalated" in lifecycle_for(kind).allowed(row.status)):
            # 8.3.2: the normal channels did not resolve it; the complaint's status says so
            row = self.transition_in(session, kind, row, "escalated", note=reason, now=now)
        return row

    # ----------------------------------------------------------------- links
    # (source kind, target kind) -> (row holding the FK, FK column, label on source, label on target)
    _LINKS = {
        # incident → incident: the source becomes the child of the target (its parent)
        (Kind.INCIDENT, Kind.INCIDENT): ("source", "parent_id"),
        (Kind.INCIDENT, Kind.PROBLEM): ("source", "problem_id"),
        (Kind.INCIDENT, Kind.CHANGE): ("source", "change_id"),
        (Kind.PROBLEM, Kind.CHANGE): ("source", "change_id"),
        (Kind.KNOWN_ERROR, Kind.PROBLEM): ("source", "problem_id"),
        (Kind.PROBLEM, Kind.INCIDENT): ("target", "problem_id"),
        (Kind.CHANGE, Kind.INCIDENT): ("target", "change_id"),
        (Kind.CHANGE, Kind.PROBLEM): ("target", "change_id"),
        (Kind.PROBLEM, Kind.KNOWN_ERROR): ("target", "problem_id"),
    }

    @classmethod
    def link_targets(cls, kind: Kind) -> tuple[Kind, ...]:
        """The kinds a record of ``kind`` can be linked to, in the order the link rules list them."""
        return tuple(dict.fromkeys(target for source, target in cls._LINKS if source is kind))

    def link_candidates(self, ref: str, text: str = "", *, limit: int = 20) -> list[RecordRow]:
        """Records that ``ref`` could be linked to: open ones of the kinds it links to, most
        recently updated first, or those matching ``text`` (words or a reference; open ones
        first, then closed ones)."""
        kind, _number = parse_ref(ref)
        text = (text or "").strip()
        flt = QueueFilter(open_only=not text, text=text, sort="updated")
        found: list[RecordRow] = []
        for target in self.link_targets(kind):
            # a candidate that would hold the link (an incident, from its problem) cannot
            # change once final: it is not offered, to be refused when picked
            holder, column = self._LINKS.get((kind, target), ("source", ""))
            holds = holder == "target" and not self._final_takes_link(target, column)
            final = lifecycle_for(target).is_final
            rows = [row for row in self.list(target, flt, limit=limit)
                    if row.ref != ref and not (holds and final(row.status))]
            if holder == "target":  # picking one linked elsewhere would move it: say so first
                rows = self._linked_elsewhere(rows, target, column, kind, ref)
            found += rows
        found.sort(key=lambda row: (not row.is_open, -row.updated_at.timestamp()))  # open first
        return found[:limit]

    def _linked_elsewhere(self, rows: list[RecordRow], holder: Kind, column: str, kind: Kind,
                          ref: str) -> list[RecordRow]:
        """``rows`` (records of ``holder``) with ``linked_to`` set on those linked, by
        ``column``, to a record of ``kind`` other than ``ref``."""
        if not rows:
            return rows
        table = table_for(holder)
        numbers = [parse_ref(row.ref)[1] for row in rows]
        own = parse_ref(ref)[1]
        with self.store.read() as session:
            held = dict(session.exec(select(table.id, getattr(table, column))
                                     .where(col(table.id).in_(numbers))).all())
        return [replace(row, linked_to=format_ref(kind, held[number]))
                if held.get(number) not in (None, own) else row
                for row, number in zip(rows, numbers, strict=True)]

    @staticmethod
    def _final_takes_link(holder: Kind, column: str) -> bool:
        """A closed incident is still linked to (or from) a problem being worked: problem
        management looks back over past incidents (8.6.3), and trend detection linked them
        while a link by hand was refused ("a closed record cannot change"). So it is offered
        to a problem (link_candidates) and takes the link (link_in)."""
        return holder is Kind.INCIDENT and column == "problem_id"

    def link(self, ref: str, target_ref: str, *, note: str = "", unlink: bool = False,
             expected_version: int | None = None, move: bool = False,
             target_version: int | None = None) -> RecordView:
        """Link two records (incident→problem, incident/problem→change, known error→problem,
        incident→incident: ``ref`` becomes the child of ``target_ref``).

        Either order works; both records' journals get an entry. ``expected_version`` is
        ``ref``'s version as the analyst saw it, checked as every other write does: a link
        made since (which this one would replace, or which an unlink would remove unseen)
        moved it on, and the write is refused as a conflict.

        Made from the far side (``link PRB INC``: the incident holds the link), a link that
        would move ``target_ref`` off the record it is linked to is refused with
        :class:`LinkWouldMove` unless ``move``: the analyst has the problem in front of them,
        not the incident, and its version says nothing of the incident's link.
        ``target_version`` is ``target_ref``'s version when the move was shown and confirmed:
        a link made to it since is not replaced unseen either.
        """
        with self.store.write() as session:
            kind, row = self._load(session, ref)
            self._check_version(row, expected_version)
            tkind, target = self._load(session, target_ref)
            if target_version is not None and target.version != target_version:
                # the analyst never opened it: what they saw of it was the move they confirmed
                raise ConflictError(
                    f"{target.ref} was changed by someone else since its link was shown to you "
                    f"(now version {target.version}, you had {target_version}); reload and "
                    "try again")
            self.link_in(session, kind, row, tkind, target, note=note, unlink=unlink,
                         now=self.store.now(), move=move)
            return self._view(session, kind, row)

    def link_in(self, session: Session, kind: Kind, row: RecordBase, tkind: Kind,
                target: RecordBase, *, note: str = "", unlink: bool = False,
                now: datetime, move: bool = True) -> None:
        """Link (or unlink) within the caller's transaction (used by demo data and imports).

        ``move=False``: a link made from the far side that would move ``target`` off the
        record it is linked to is refused with :class:`LinkWouldMove` (see :meth:`link`)."""
        spec = self._LINKS.get((kind, tkind))
        if spec is None:
            raise ValidationError(
                f"cannot link {KINDS[kind].label.lower()} {row.ref} to "
                f"{KINDS[tkind].label.lower()} {target.ref}: links go incident→problem, "
                "incident/problem→change, known error→problem, incident→parent incident"
            )
        holder, column = spec
        if row is target:
            raise ValidationError(f"{row.ref} cannot be linked to itself")
        if column == "parent_id" and not unlink:
            self._refuse_parent_cycle(session, row, target)
        holder_row, other = (row, target) if holder == "source" else (target, row)
        holder_kind = kind if holder == "source" else tkind
        other_kind = tkind if holder == "source" else kind
        if self._final_takes_link(holder_kind, column) \
                and lifecycle_for(holder_kind).is_final(holder_row.status):
            if lifecycle_for(other_kind).is_final(other.status):
                raise ValidationError(f"{holder_row.ref} and {other.ref} are both "
                                      f"{holder_row.status if holder_row.status == other.status else 'final'}; "
                                      "a link is made to a problem still being worked")
        else:
            self._check_editable(holder_kind, holder_row)
        if (not unlink and holder_kind is Kind.KNOWN_ERROR and holder_row.status == "open"
                and other.status in ("resolved", "closed", "cancelled")):
            # a problem resolved takes its open known errors with it (8.6.3): one linked
            # afterwards stayed open under it, outside that rule
            back = (" (move the problem back to investigating first)"
                    if other.status == "resolved" else "")  # closed and cancelled are final
            raise ValidationError(f"{other.ref} is {other.status}: an open known error belongs to "
                                  f"a problem still being worked{back}")
        old_id = getattr(holder_row, column)
        new_id = None if unlink else other.id
        if unlink and old_id != other.id:
            raise ValidationError(f"{holder_row.ref} is not linked to {other.ref}")
        if not unlink and old_id == other.id:
            raise ValidationError(f"{holder_row.ref} is already linked to {other.ref}")
        old_ref = ""
        if old_id is not None:
            old_row = session.get(table_for(other_kind), old_id)
            old_ref = old_row.ref if old_row else ""
        if old_id is not None and not unlink and not move and holder == "target":
            # the analyst has ``row`` in front of them, not the link it would end
            said = old_ref or f"another {KINDS[other_kind].label.lower()}"
            raise hinted(LinkWouldMove(
                f"{target.ref} is linked to {said}: linking it to {row.ref} would move it off "
                f"{said}; nothing was written", holder_ref=target.ref,
                holder_version=target.version, linked_to=said),
                cli=f"--move moves it; or link it from {target.ref}", tui="Enter again moves it")
        setattr(holder_row, column, new_id)
        action = "unlink" if unlink else "link"
        field = KINDS[other_kind].label.lower().replace(" ", "_")
        back = KINDS[holder_kind].label.lower().replace(" ", "_")
        if column == "parent_id":
            field, back = "parent_incident", "child_incident"
        self._touch(holder_row, now)
        self._journal(session, holder_kind, holder_row, action, now,
                      {field: (old_ref or None, None if unlink else other.ref)}, note)
        self._touch(other, now)
        self._journal(session, other_kind, other, action, now,
                      {f"linked_{back}": (holder_row.ref if unlink else None,
                                          None if unlink else holder_row.ref)}, note)
        if old_ref and not unlink:  # moved: the record it left says so too
            self._touch(old_row, now)
            self._journal(session, other_kind, old_row, "unlink", now,
                          {f"linked_{back}": (holder_row.ref, None)},
                          f"moved to {other.ref}" + (f"; {note}" if note else ""))

    @staticmethod
    def _refuse_parent_cycle(session: Session, child: RecordBase, parent: RecordBase) -> None:
        """An incident cannot become the parent of its own parent (or of any ancestor)."""
        seen: set[int] = set()
        ancestor: Any = parent
        while ancestor is not None and ancestor.id not in seen:
            if ancestor.id == child.id:
                raise ValidationError(f"{parent.ref} is already under {child.ref}; "
                                      f"{child.ref} cannot be its child too")
            seen.add(ancestor.id)
            ancestor = session.get(Incident, ancestor.parent_id) if ancestor.parent_id else None

    def _links(self, session: Session, kind: Kind, row: RecordBase) -> list[LinkView]:
        links: list[LinkView] = []

        def one(relation: str, model: type[RecordBase], row_id: int | None) -> None:
            if row_id is not None and (other := session.get(model, row_id)) is not None:
                links.append(LinkView(relation, other.ref, other.title, other.status))

        def many(relation: str, model: type[RecordBase], column: str) -> None:
            stmt = select(model).where(getattr(model, column) == row.id).order_by(col(model.id)).limit(200)
            for other in session.exec(stmt):
                links.append(LinkView(relation, other.ref, other.title, other.status))

        if kind is Kind.INCIDENT:
            one("parent", Incident, row.parent_id)
            many("child", Incident, "parent_id")
            one("problem", Problem, row.problem_id)
            one("change", Change, row.change_id)
        elif kind is Kind.PROBLEM:
            one("change", Change, row.change_id)
            many("known error", KnownError, "problem_id")
            many("incident", Incident, "problem_id")
        elif kind is Kind.KNOWN_ERROR:
            one("problem", Problem, row.problem_id)
        elif kind is Kind.CHANGE:
            many("problem", Problem, "change_id")
            many("incident", Incident, "change_id")
        return links

    # ----------------------------------------------------------------- read
    def get(self, ref: str) -> RecordView:
        """The record with its links and its whole journal, newest first."""
        with self.store.read() as session:
            kind, row = self._load(session, ref)
            return self._view(session, kind, row, full=True)

    def _view(self, session: Session, kind: Kind, row: RecordBase, full: bool = True) -> RecordView:
        lifecycle = lifecycle_for(kind)
        extra = {k: getattr(row, k) for k in (*EXTRA_FIELDS[kind], *DERIVED_FIELDS.get(kind, ()))}
        for fk in ("problem_id", "change_id"):
            if hasattr(row, fk):
                extra.pop(fk, None)
        requester, attachments = ("", "", ""), []
        if kind in REQUESTER_KINDS:
            from ..customers.contacts import label_of
            from ..mail.attachments import views_for

            requester = label_of(session, row.requester_id)
            attachments = views_for(session, row.ref) if full else []
        return RecordView(
            kind=kind.value,
            ref=row.ref,
            title=row.title,
            description=row.description,
            status=row.status,
            category=row.category,
            assignee=row.assignee,
            assignment_group=row.assignment_group,
            escalated_to=row.escalated_to,
            escalation_level=row.escalation_level,
            impact=row.impact,
            urgency=row.urgency,
            priority=row.priority,
            service=self._name_of(session, Service, row.service_id),
            ci=self._name_of(session, ConfigurationItem, row.ci_id),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
            version=row.version,
            is_open=lifecycle.is_open(row.status),
            allowed_transitions=next_statuses(kind, row.status, extra),
            extra=extra,
            links=self._links(session, kind, row) if full else [],
            journal=journal.entries_for(session, row.ref) if full else [],
            requester_ref=requester[0],
            requester=requester[1],
            requester_email=requester[2],
            attachments=attachments,
        )

    def _query(self, session: Session, kind: Kind, flt: QueueFilter):
        model = table_for(kind)
        where = queue_query.conditions(session, kind, model, flt)
        if kind in REQUESTER_KINDS:
            from ...storage.contacts import Contact

            return model, (select(model, Service.name, Contact.name).join(Service, isouter=True)
                           .join(Contact, Contact.id == model.requester_id, isouter=True)
                           .where(*where))
        return model, select(model, Service.name).join(Service, isouter=True).where(*where)

    def list(self, kind: Kind | str, flt: QueueFilter | None = None, *, offset: int = 0,
             limit: int | None = 50, after: RecordRow | None = None,
             before: RecordRow | None = None, from_end: bool = False) -> list[RecordRow]:
        """One page of a queue, ordered by priority then age (or ``flt.sort``); no limit with None.

        ``after``/``before``: only the rows after (before) that row of the queue,
        read from the index without stepping over the skipped ones (keyset
        paging); ``from_end``: ``offset`` counts from the end of the queue.
        See :mod:`sms_tui.services.core.queue_query`.
        """
        kind = parse_kind(kind) if isinstance(kind, str) else kind
        flt = flt or QueueFilter()
        if flt.sort not in queue_query.SORTS:
            raise ValidationError(f"unknown sort '{flt.sort}': use {', '.join(queue_query.SORTS)}")
        if (limit is not None and limit < 0) or offset < 0:
            raise ValidationError("limit and offset must not be negative")
        backwards = before is not None or from_end
        with self.store.read() as session:
            model, stmt = self._query(session, kind, flt)
            if after is not None:
                stmt = stmt.where(queue_query.keyset(model, flt, after, after=True))
            if before is not None:
                stmt = stmt.where(queue_query.keyset(model, flt, before, after=False))
            stmt = stmt.order_by(*queue_query.order_by(model, flt.sort, backwards)).offset(offset)
            if limit is not None:
                stmt = stmt.limit(limit)
            rows = self._rows(kind, session.exec(stmt))
        return rows[::-1] if backwards else rows

    def _rows(self, kind: Kind, result) -> list[RecordRow]:
        lifecycle = lifecycle_for(kind)
        return [queue_row(kind.value, found[0], found[1], lifecycle,
                          found[2] if len(found) > 2 else "") for found in result]

    def count(self, kind: Kind | str, flt: QueueFilter | None = None) -> int:
        """How many records a queue filter matches."""
        kind = parse_kind(kind) if isinstance(kind, str) else kind
        with self.store.read() as session:
            return queue_query.count(session, kind, table_for(kind), flt or QueueFilter())

    def dashboard(self) -> dict[str, dict[int, int]]:
        """Open records per kind and priority: {'incident': {1: 2, 2: 5, ...}, ...}."""
        out: dict[str, dict[int, int]] = {}
        with self.store.read() as session:
            for kind in Kind:
                model = table_for(kind)
                stmt = (
                    select(model.priority, func.count())
                    .where(col(model.status).in_(sorted(lifecycle_for(kind).open_states)))
                    .group_by(model.priority)
                )
                counts = {p: 0 for p in range(1, 6)}
                counts.update({p: n for p, n in session.exec(stmt)})
                out[kind.value] = counts
        return out

    def data_version(self) -> int:
        """A number that changes whenever any process commits to the database.

        The TUI polls it to refresh queues when the CLI or the scheduler wrote.
        """
        # The newest entry's id and hash: a purge of the record holding the newest entries
        # deletes them and its tombstone takes the same id again (SQLite reuses the highest
        # id), so the id alone did not change and no other window noticed the purge
        import zlib

        entry = journal.JournalEntry
        with self.store.read() as session:
            newest = session.exec(select(entry.id, entry.hash)
                                  .order_by(col(entry.id).desc()).limit(1)).first()
        if newest is None:
            return 0
        return (int(newest[0]) << 32) | zlib.crc32((newest[1] or "").encode())
