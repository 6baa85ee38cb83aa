"""Service requests (8.6.2): the request catalogue, fulfilment steps, approvals, satisfaction.

* The **request catalogue** holds request types (new account, access to a
  share, password reset, standard change...), seeded on first use and
  editable. Each has a default impact and urgency (hence priority), an SLA in
  hours, whether it needs an approval, and fulfilment instructions (steps).
* A request raised with a type gets a copy of the type's steps, its due time
  from the SLA, and -- when the type needs approval -- waits in
  ``awaiting_approval`` until a decision is recorded (who, when, why).
* Steps are ticked off as they are done (journaled); a request with open
  steps cannot be marked fulfilled.
* On closure the customer's satisfaction (1..5 and a comment) can be
  recorded; :meth:`RequestService.satisfaction_summary` feeds the 8.3.2 review.

The rules also apply to requests created through :class:`RecordService`
(they are hooks), so the TUI, the CLI and demo data all behave alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from ...domain import sla
from ...domain.bounds import whole_number
from ...domain.errors import ActionRequired, NotFound, ValidationError
from ...domain.kinds import Kind, parse_ref
from ...domain.priority import Level
from ...storage.models import Meta, Service, ServiceRequest
from ...storage.request_catalogue import RequestStep, RequestType, RequestTypeStep
from ..core import hooks, journal
from ..core.approvals import (
    ApprovalView,
    approval_views,
    latest_decision,
    record_decision,
)
from ..core.records import RecordService
from ..core.rule_support import clean_text, deciding, is_deciding, write_entry
from ..core.store import Store
from ..core.views import JournalView, RecordView
from ..incidents.sla import apply_status, record_first_response, start_request_clock
from ..incidents.sla_readings import request_status_of, sla_policy

SEEDED_KEY = "request_catalogue_seeded"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_STEPS = 30

# (name, title, category, impact, urgency, sla_hours, needs_approval, approver, description, steps)
DEFAULT_TYPES: tuple[tuple[Any, ...], ...] = (
    ("new-account", "New user account", "access", "medium", "medium", 48, True, "line manager",
     "An account for a new starter or a role change.",
     ("Confirm the start date and role with the line manager",
      "Create the account in the directory",
      "Add the account to the groups of its role",
      "Create the mailbox",
      "Hand the first-logon credentials to the manager over the agreed channel")),
    ("share-access", "Access to a file share", "access", "low", "medium", 24, True, "data owner",
     "Read or write access to a shared folder.",
     ("Identify the share and its data owner",
      "Add the user to the share's access group (read or write as approved)",
      "Ask the user to confirm the access works")),
    ("password-reset", "Password reset", "access", "medium", "high", 4, False, "",
     "A forgotten or expired password, or a locked account.",
     ("Verify the caller's identity (call back on the number on record)",
      "Reset the password and force a change at next logon",
      "Unlock the account if it is locked",
      "Confirm the user can log in")),
    ("standard-change", "Standard change (pre-approved)", "change", "low", "medium", 72, False, "",
     "A low-risk change from the list of pre-approved standard changes.",
     ("Check the change is on the list of pre-approved standard changes",
      "Follow that standard change's procedure",
      "Record what was changed, where and when",
      "Confirm the result with the requester")),
    ("software-install", "Install approved software", "software", "low", "low", 72, False, "",
     "Software from the approved list, on one device.",
     ("Check the software is on the approved list and a licence is free",
      "Install it on the user's device",
      "Record the licence assignment",
      "Confirm with the user")),
    ("information", "Information or advice", "information", "low", "low", 24, False, "",
     "A question about a service, or advice on how to use it.",
     ("Answer the question or point to the documentation",
      "Confirm the requester has what they needed")),
)

# time to the first response of the default types (minutes); the others take [sla.requests]
DEFAULT_RESPOND_MINUTES = {"password-reset": 30, "new-account": 240, "share-access": 240,
                           "information": 240}


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class RequestTypeView:
    """An entry of the request catalogue."""

    name: str
    title: str
    description: str
    category: str
    impact: str
    urgency: str
    priority: int
    sla_hours: int
    needs_approval: bool
    approver: str
    active: bool
    steps: tuple[str, ...]
    version: int
    service: str = ""  # the service its requests are for ("" when none)
    respond_minutes: int | None = None  # time to the first response (None: [sla.requests])


@dataclass(frozen=True)
class StepView:
    position: int
    text: str
    done: bool
    done_by: str
    done_at: datetime | None


@dataclass(frozen=True)
class RequestDetail:
    """A request with its fulfilment instructions and approvals."""

    record: RecordView
    request_type: RequestTypeView | None
    steps: list[StepView] = field(default_factory=list)
    approvals: list[ApprovalView] = field(default_factory=list)
    needs_approval: bool = False
    approved: bool = False
    # when it must be fulfilled: from its SLA clock, which pauses while it awaits approval or
    # is on hold; None while paused (due_paused), once fulfilled, or overdue under business hours
    due_at: datetime | None = None
    due_paused: bool = False
    overdue: bool = False
    # the SLA clocks (8.6.2 with 8.3.3): "" when it has none (raised before requests had one)
    sla_state: str = ""  # met | ok | paused | near | breached
    sla_label: str = ""  # e.g. "3h 10m left", "paused, 2h left", "BREACHED 1h 05m"
    sla_targets: str = ""  # e.g. "respond 4h (met), resolve 1d"

    @property
    def steps_done(self) -> int:
        return sum(1 for s in self.steps if s.done)


@dataclass(frozen=True)
class SatisfactionSummary:
    """Customer satisfaction of the requests closed in a period (input to 8.3.2)."""

    start: datetime
    end: datetime
    closed: int
    responses: int
    mean: float | None
    distribution: dict[int, int]
    comments: list[tuple[str, int, str]]  # (ref, score, comment)


# ------------------------------------------------------------------ catalogue
def _type_ref(name: str) -> str:
    return f"RQT:{name}"


def clean_type_name(name: str) -> str:
    text = (name or "").strip().lower().replace(" ", "-").replace("_", "-")
    if not _NAME_RE.match(text):
        raise ValidationError(f"request type name '{name}' must be 1-40 letters, digits or dashes "
                              "(e.g. password-reset)")
    return text


def _steps_of(session: Session, type_id: int) -> tuple[str, ...]:
    stmt = select(RequestTypeStep.text).where(RequestTypeStep.type_id == type_id) \
        .order_by(col(RequestTypeStep.position))
    return tuple(session.exec(stmt))


def _service_name(session: Session, service_id: int | None) -> str:
    found = session.get(Service, service_id) if service_id else None
    return found.name if found else ""


def _service_named(session: Session, name: str) -> int:
    found = session.exec(select(Service).where(func.lower(Service.name) == name.strip().lower())).first()
    if found is None:
        names = session.exec(select(Service.name).order_by(Service.name)).all()
        hint = f"; known services: {', '.join(names)}" if names else "; no services exist yet"
        raise NotFound(f"no service named '{name.strip()}'{hint}")
    return found.id or 0


def type_view(session: Session, store: Store, row: RequestType) -> RequestTypeView:
    return RequestTypeView(service=_service_name(session, row.service_id),
        name=row.name, title=row.title, description=row.description, category=row.category,
        impact=row.impact, urgency=row.urgency,
        priority=store.config.matrix.priority_for(row.impact, row.urgency),
        sla_hours=row.sla_hours, needs_approval=row.needs_approval, approver=row.approver,
        active=row.active, steps=_steps_of(session, row.id or 0), version=row.version,
        respond_minutes=row.respond_minutes)


def _set_steps(session: Session, type_id: int, steps: list[str]) -> None:
    session.exec(delete(RequestTypeStep).where(col(RequestTypeStep.type_id) == type_id))
    for position, text in enumerate(steps, start=1):
        session.add(RequestTypeStep(type_id=type_id, position=position, text=text))


def ensure_catalogue(session: Session, now: datetime, actor: str) -> None:
    """Seed the default request types once per database (deleting them never reseeds)."""
    if session.get(Meta, SEEDED_KEY) is not None:
        return
    for name, title, category, impact, urgency, hours, approval, approver, desc, steps in DEFAULT_TYPES:
        if session.exec(select(RequestType.id).where(RequestType.name == name)).first() is not None:
            continue
        row = RequestType(name=name, title=title, category=category, impact=impact, urgency=urgency,
                          sla_hours=hours, respond_minutes=DEFAULT_RESPOND_MINUTES.get(name),
                          needs_approval=approval, approver=approver,
                          description=desc, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        _set_steps(session, row.id or 0, list(steps))
        journal.append(session, ref=_type_ref(name), kind="request_type", actor=actor, at=now,
                       action="create", changes={"title": (None, title), "steps": (None, len(steps))},
                       note="seeded with the default request catalogue")
    session.add(Meta(key=SEEDED_KEY, value=now.isoformat()))
    session.flush()


def find_type(session: Session, name: str) -> RequestType:
    """The request type called ``name`` (its key or its title, any case)."""
    text = (name or "").strip()
    row = session.exec(select(RequestType).where(func.lower(RequestType.name) == text.lower())).first()
    if row is None:
        row = session.exec(select(RequestType).where(func.lower(RequestType.title) == text.lower())).first()
    if row is None:
        names = session.exec(select(RequestType.name).where(RequestType.active == True)  # noqa: E712
                             .order_by(RequestType.name)).all()
        raise NotFound(f"no request type '{text}'; known types: {', '.join(names) or 'none'} "
                       "(or other, when none fits)")
    return row


# A request that fits no type of the catalogue is classified, explicitly, as this (8.6.2).
OTHER_TYPE = "other"


def _is_other(session: Session, name: str) -> bool:
    """The explicit 'other' classification (unless the catalogue has a type of that name)."""
    if (name or "").strip().lower() != OTHER_TYPE:
        return False
    return session.exec(select(RequestType.id).where(func.lower(RequestType.name) == OTHER_TYPE)).first() is None


def _fulfil_by(row: ServiceRequest, status: sla.SlaStatus | None, policy: sla.SlaPolicy,
               now: datetime) -> tuple[datetime | None, bool]:
    """(when the request must be fulfilled, whether its clock is paused now). Its first due
    time (``due_at``, raised + the type's hours) holds only while the clock never paused: a
    request that waited two days for approval is not two days late."""
    if status is None:  # raised before requests had a clock: its due time is all there is
        return row.due_at, False
    if status.resolve.done:  # fulfilled (or ended): the SLA says whether it was in time
        return None, False
    if status.paused:
        return None, True
    remaining = status.resolve.remaining
    if remaining > sla.ZERO:
        return sla.add_business_time(now, remaining, policy.calendar), False
    return (now + remaining if policy.calendar is None else None), False


# ------------------------------------------------------------------ rules (hooks)
def _copy_type_onto(session: Session, row: ServiceRequest, rtype: RequestType) -> dict[str, Any]:
    session.exec(delete(RequestStep).where(col(RequestStep.request_id) == row.id))
    session.flush()
    steps = _steps_of(session, rtype.id or 0)
    for position, text in enumerate(steps, start=1):
        session.add(RequestStep(request_id=row.id or 0, position=position, text=text))
    old_due, old_needs = row.due_at, row.needs_approval
    row.due_at = row.created_at + timedelta(hours=rtype.sla_hours)
    row.needs_approval = rtype.needs_approval
    changes: dict[str, Any] = {"due_at": (old_due, row.due_at), "fulfilment_steps": (None, len(steps))}
    if row.service_id is None and rtype.service_id is not None:  # the type's service, unless named
        row.service_id = rtype.service_id
        changes["service"] = (None, _service_name(session, rtype.service_id))
    if old_needs != row.needs_approval:
        changes["needs_approval"] = (old_needs, row.needs_approval)
    return changes


def _sla_changes(row: ServiceRequest) -> dict[str, Any]:
    """The SLA targets a request took, for its journal ('4h')."""
    def shown(seconds: float | None) -> str | None:
        return None if seconds is None else sla.format_duration(timedelta(seconds=seconds))
    return {"sla_respond": (None, shown(row.sla_respond_target_s)),
            "sla_resolve": (None, shown(row.sla_resolve_target_s))}


@hooks.on("after_create", Kind.REQUEST)
def _request_created(ctx: hooks.HookContext) -> None:
    row: ServiceRequest = ctx.row  # type: ignore[assignment]
    if not row.request_type:
        return  # imports and demo data keep what they had; new ones are refused in RecordService
    ensure_catalogue(ctx.session, ctx.now, ctx.store.actor)
    policy = sla_policy(ctx.store.config)
    if _is_other(ctx.session, row.request_type):
        row.request_type = OTHER_TYPE
        start_request_clock(row, policy.requests.respond, policy.requests.resolve)
        write_entry(ctx.session, ctx.store, Kind.REQUEST, row, "catalogue", ctx.now,
                    {"request_type": (None, OTHER_TYPE), **_sla_changes(row)},
                    "classified as other: no type of the catalogue fits it; SLA from [sla.requests]")
        return
    rtype = find_type(ctx.session, row.request_type)
    if not rtype.active:
        raise ValidationError(f"request type '{rtype.name}' is retired; choose an active type")
    row.request_type = rtype.name
    changes = _copy_type_onto(ctx.session, row, rtype)
    respond = (timedelta(minutes=rtype.respond_minutes) if rtype.respond_minutes
               else policy.requests.respond)
    start_request_clock(row, respond, timedelta(hours=rtype.sla_hours))
    changes.update(_sla_changes(row))
    write_entry(ctx.session, ctx.store, Kind.REQUEST, row, "catalogue", ctx.now, changes,
                f"fulfilment instructions and SLA from request type '{rtype.name}'")
    if row.needs_approval and row.status == "new":
        RecordService(ctx.store).transition_in(
            ctx.session, Kind.REQUEST, row, "awaiting_approval", now=ctx.now,
            note=f"request type '{rtype.name}' needs an approval"
                 + (f" ({rtype.approver})" if rtype.approver else ""))


def _open_steps(session: Session, request_id: int) -> list[RequestStep]:
    stmt = select(RequestStep).where(RequestStep.request_id == request_id,
                                     col(RequestStep.done_at).is_(None)).order_by(col(RequestStep.position))
    return list(session.exec(stmt))


@hooks.on("before_transition", Kind.REQUEST)
def _request_transition_rules(ctx: hooks.HookContext, old: str, new: str, note: str) -> None:
    row: ServiceRequest = ctx.row  # type: ignore[assignment]
    decided = is_deciding(row.ref)
    if new == "rejected" and not decided:
        raise ActionRequired(f"{row.ref} is rejected by recording the decision, with its rationale",
                             action="reject", ref=row.ref)
    if old == "awaiting_approval" and new == "in_progress" and not decided:
        raise ActionRequired(f"{row.ref} is awaiting approval; record the decision, with its "
                             "rationale", action="approve", ref=row.ref)
    if new in ("in_progress", "on_hold", "fulfilled") and row.needs_approval and not decided \
            and latest_decision(ctx.session, row.ref) != "approved":
        raise ActionRequired(f"{row.ref} needs an approval before fulfilment; record the decision, "
                             "with its rationale", action="approve", ref=row.ref)
    if new == "fulfilled":
        left = _open_steps(ctx.session, row.id or 0)
        if left:
            numbers = ", ".join(str(s.position) for s in left)
            raise ValidationError(f"{row.ref} has {len(left)} fulfilment step(s) not ticked "
                                  f"({numbers}); tick them before marking it fulfilled")


@hooks.on("after_transition", Kind.REQUEST)
def _request_clock(ctx: hooks.HookContext, old: str, new: str) -> None:
    """The SLA clock pauses while the request waits (on hold for the requester, awaiting
    approval) and stops when it is fulfilled; journaled with the transition itself."""
    row: ServiceRequest = ctx.row  # type: ignore[assignment]
    if row.sla_resolve_target_s is not None:
        apply_status(row, new, ctx.now, sla_policy(ctx.store.config), Kind.REQUEST)


@hooks.on("after_any_write", Kind.REQUEST)
def _request_first_response(ctx: hooks.HookContext, action: str) -> None:
    row: ServiceRequest = ctx.row  # type: ignore[assignment]
    if row.sla_resolve_target_s is None or ctx.now == row.created_at:
        return  # no clock; or the write that raised it (classification, approval asked)
    record_first_response(row, ctx.store.actor, ctx.now, sla_policy(ctx.store.config), action)


def parse_score(value: Any) -> int:
    """A satisfaction score 1..5."""
    text = str(value).strip()
    score = None if isinstance(value, bool) else whole_number(text, 1, 5)
    if score is None:
        raise ValidationError(f"satisfaction score '{value}' must be a whole number from 1 to 5")
    return score


@hooks.on("after_update", Kind.REQUEST)
def _request_updated(ctx: hooks.HookContext, changes: dict[str, tuple[Any, Any]]) -> None:
    row: ServiceRequest = ctx.row  # type: ignore[assignment]
    if "satisfaction_score" in changes:
        value = row.satisfaction_score
        if value in (None, ""):
            row.satisfaction_score = None
        else:
            if row.status not in ("fulfilled", "closed"):
                raise ValidationError("satisfaction is recorded once the request is fulfilled")
            row.satisfaction_score = parse_score(value)
    if "request_type" in changes:
        if row.status not in ("new", "awaiting_approval"):
            raise ValidationError(f"{row.ref} is {row.status}; its type can change only before "
                                  "fulfilment starts")
        if not row.request_type:
            raise ValidationError("a request keeps a request type (one from the catalogue, or other)")
        ensure_catalogue(ctx.session, ctx.now, ctx.store.actor)
        if _is_other(ctx.session, row.request_type):
            row.request_type = OTHER_TYPE
            return
        rtype = find_type(ctx.session, row.request_type)
        row.request_type = rtype.name
        copied = _copy_type_onto(ctx.session, row, rtype)
        write_entry(ctx.session, ctx.store, Kind.REQUEST, row, "catalogue", ctx.now, copied,
                    f"fulfilment instructions and SLA from request type '{rtype.name}'")
        if row.needs_approval and row.status == "new":
            RecordService(ctx.store).transition_in(
                ctx.session, Kind.REQUEST, row, "awaiting_approval", now=ctx.now,
                note=f"request type '{rtype.name}' needs an approval")


# ------------------------------------------------------------------ service
class RequestService:
    """The request catalogue and the fulfilment of service requests."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.records = RecordService(store)

    # ---------------------------------------------------------- catalogue
    def _seeded(self) -> None:
        with self.store.read() as session:
            if session.get(Meta, SEEDED_KEY) is not None:
                return
        with self.store.write() as session:
            ensure_catalogue(session, self.store.now(), self.store.actor)

    def types(self, *, include_retired: bool = False) -> list[RequestTypeView]:
        """The request catalogue, by title."""
        self._seeded()
        with self.store.read() as session:
            stmt = select(RequestType).order_by(RequestType.title)
            if not include_retired:
                stmt = stmt.where(RequestType.active == True)  # noqa: E712
            return [type_view(session, self.store, row) for row in session.exec(stmt)]

    def get_type(self, name: str) -> RequestTypeView:
        """One request type with its fulfilment steps."""
        self._seeded()
        with self.store.read() as session:
            return type_view(session, self.store, find_type(session, name))

    def save_type(self, name: str, *, title: str | None = None, description: str | None = None,
                  category: str | None = None, impact: str | None = None, urgency: str | None = None,
                  sla_hours: int | None = None, needs_approval: bool | None = None,
                  approver: str | None = None, steps: list[str] | None = None,
                  active: bool | None = None, expected_version: int | None = None,
                  service: str | None = None, respond_minutes: int | None = None) -> RequestTypeView:
        """Add a request type or edit one (only the given fields change); journaled.

        ``service``: the service its requests are for, by name ("" for none).
        ``respond_minutes``: time to the first response (0: [sla.requests] respond)."""
        values: dict[str, Any] = {}
        if respond_minutes is not None:
            if isinstance(respond_minutes, bool) or not isinstance(respond_minutes, int) \
                    or not 0 <= respond_minutes <= 60 * 24 * 365:
                raise ValidationError(f"respond target '{respond_minutes}' must be whole minutes "
                                      "from 0 (the [sla.requests] default) to 525600")
            values["respond_minutes"] = respond_minutes or None
        if title is not None:
            values["title"] = clean_text(title, "title", required=True, limit=200, visible=True)
        if description is not None:
            values["description"] = clean_text(description, "description")
        if category is not None:
            values["category"] = clean_text(category, "category", limit=60)
        if impact is not None:
            values["impact"] = Level.parse(impact, "impact").value
        if urgency is not None:
            values["urgency"] = Level.parse(urgency, "urgency").value
        if sla_hours is not None:
            if isinstance(sla_hours, bool) or not isinstance(sla_hours, int) or not 1 <= sla_hours <= 24 * 365:
                raise ValidationError(f"SLA '{sla_hours}' must be whole hours from 1 to 8760")
            values["sla_hours"] = sla_hours
        for key, flag in (("needs_approval", needs_approval), ("active", active)):
            if flag is not None:
                values[key] = bool(flag)
        if approver is not None:
            values["approver"] = clean_text(approver, "approver", limit=100)
        new_steps: list[str] | None = None
        if steps is not None:
            new_steps = [clean_text(s, "a step", limit=1000) for s in steps]
            if any(not s for s in new_steps):
                raise ValidationError("fulfilment steps must not be empty")
            if len(new_steps) > MAX_STEPS:
                raise ValidationError(f"{len(new_steps)} steps; keep it to {MAX_STEPS}")
        self._seeded()
        with self.store.write() as session:
            now = self.store.now()
            key = clean_type_name(name)
            row = session.exec(select(RequestType).where(RequestType.name == key)).first()
            changes: dict[str, tuple[Any, Any]] = {}
            if service is not None:
                values["service_id"] = _service_named(session, service) if service.strip() else None
            if row is None:
                if "title" not in values:
                    raise ValidationError(f"a new request type needs a title (adding '{key}')")
                row = RequestType(name=key, created_at=now, updated_at=now, **values)
                session.add(row)
                session.flush()
                changes = {k: (None, v) for k, v in values.items() if k != "service_id"}
                if row.service_id:
                    changes["service"] = (None, _service_name(session, row.service_id))
                action = "create"
            else:
                if expected_version is not None and row.version != expected_version:
                    raise ValidationError(f"request type '{key}' was changed by someone else "
                                          f"(now version {row.version}); reload it and try again")
                for k, v in values.items():
                    if getattr(row, k) != v:
                        if k == "service_id":  # journaled by name
                            changes["service"] = (_service_name(session, row.service_id) or None,
                                                  _service_name(session, v) or None)
                        else:
                            changes[k] = (getattr(row, k), v)
                        setattr(row, k, v)
                action = "update"
            if new_steps is not None:
                old_steps = list(_steps_of(session, row.id or 0))
                if old_steps != new_steps:
                    _set_steps(session, row.id or 0, new_steps)
                    changes["steps"] = (" | ".join(old_steps) or None, " | ".join(new_steps))
            if changes:
                if action == "update":
                    row.updated_at = now
                    row.version += 1
                journal.append(session, ref=_type_ref(key), kind="request_type",
                               actor=self.store.actor, at=now, action=action, changes=changes)
            session.flush()
            return type_view(session, self.store, row)

    def type_journal(self, name: str) -> list[JournalView]:
        """Who changed a request type, when, and what (newest first)."""
        with self.store.read() as session:
            return journal.entries_for(session, _type_ref(clean_type_name(name)))

    # ---------------------------------------------------------- requests
    def create(self, request_type: str, *, title: str | None = None, description: str = "",
               impact: str | None = None, urgency: str | None = None, service: str | None = None,
               ci: str | None = None, assignee: str = "", category: str | None = None,
               requester: str | None = None) -> RequestDetail:
        """Raise a request from the catalogue: the type's defaults, steps, SLA and approval rule."""
        if title is not None and title.strip():
            from ..core.records import clean_title

            clean_title(title)  # refused before the catalogue is seeded: a refusal writes nothing
        if requester is not None and str(requester).strip():
            with self.store.read() as session:  # so is an unknown or ambiguous requester
                self.records._requester(session, Kind.REQUEST, requester)
        self._seeded()
        with self.store.write() as session:
            if _is_other(session, request_type):  # fits no type: classified as other (8.6.2)
                if not (title or "").strip():
                    raise ValidationError("a request of type other needs a title saying what it is")
                row = self.records.create_in(
                    session, Kind.REQUEST, title=title or "", now=self.store.now(), service=service,
                    ci=ci, assignee=assignee, description=description, category=category or "",
                    impact=impact or "medium", urgency=urgency or "medium", request_type=OTHER_TYPE,
                    requester=requester)
                return self._detail(session, row)
            rtype = find_type(session, request_type)
            row = self.records.create_in(
                session, Kind.REQUEST, title=title or rtype.title, now=self.store.now(),
                service=service, ci=ci, assignee=assignee, description=description,
                category=rtype.category if category is None else category,
                impact=impact or rtype.impact, urgency=urgency or rtype.urgency,
                request_type=rtype.name, requester=requester)
            return self._detail(session, row)

    def _load(self, session: Session, ref: str) -> ServiceRequest:
        kind, number = parse_ref(ref)
        if kind is not Kind.REQUEST:
            raise ValidationError(f"{ref} is not a service request (REQ-…)")
        row = session.get(ServiceRequest, number)
        if row is None:
            raise NotFound(f"no service request {ref}")
        return row

    def _check_version(self, row: ServiceRequest, expected: int | None) -> None:
        self.records._check_version(row, expected)

    def _detail(self, session: Session, row: ServiceRequest) -> RequestDetail:
        rtype = None
        if row.request_type:
            found = session.exec(select(RequestType).where(RequestType.name == row.request_type)).first()
            rtype = type_view(session, self.store, found) if found else None
        steps = session.exec(select(RequestStep).where(RequestStep.request_id == row.id)
                             .order_by(col(RequestStep.position)))
        record = self.records._view(session, Kind.REQUEST, row)
        policy, now = sla_policy(self.store.config), self.store.now()
        status = request_status_of(row, policy, now)
        due, due_paused = _fulfil_by(row, status, policy, now)
        clocks: dict[str, Any] = {}
        if status is not None:
            parts = []
            if row.sla_respond_target_s is not None:
                parts.append(f"respond {sla.format_duration(status.respond.target)} "
                             f"({status.respond.state})")
            parts.append(f"resolve {sla.format_duration(status.resolve.target)} ({status.resolve.state})")
            clocks = {"sla_state": status.state, "sla_label": status.label(),
                      "sla_targets": ", ".join(parts)}
        return RequestDetail(**clocks,
            record=record, request_type=rtype,
            steps=[StepView(s.position, s.text, s.done_at is not None, s.done_by, s.done_at) for s in steps],
            approvals=approval_views(session, row.ref), needs_approval=row.needs_approval,
            approved=latest_decision(session, row.ref) == "approved", due_at=due,
            due_paused=due_paused,
            overdue=(status.resolve.state == "breached" and record.is_open) if status is not None else
            bool(due and record.is_open and row.status != "fulfilled" and self.store.now() > due))

    def detail(self, ref: str) -> RequestDetail:
        """The request with its type, fulfilment steps (ticked or not) and approvals."""
        with self.store.read() as session:
            return self._detail(session, self._load(session, ref))

    def tick(self, ref: str, position: int, *, done: bool = True, note: str = "",
             expected_version: int | None = None) -> RequestDetail:
        """Tick a fulfilment step as done (or untick it); journaled with the step's text."""
        with self.store.write() as session:
            row = self._load(session, ref)
            self._check_version(row, expected_version)
            self.tick_in(session, row, position, done=done, note=note, now=self.store.now())
            return self._detail(session, row)

    def tick_in(self, session: Session, row: ServiceRequest, position: int, *, done: bool = True,
                note: str = "", now: datetime) -> None:
        """Tick a step within the caller's transaction (used by demo data and imports)."""
        if row.status not in ("new", "in_progress", "on_hold"):
            if row.status == "awaiting_approval":
                raise ValidationError(f"{row.ref} is awaiting approval; fulfilment starts once "
                                      "it is approved")
            raise ValidationError(f"{row.ref} is {row.status}; steps are ticked while it is open")
        if row.needs_approval and latest_decision(session, row.ref) != "approved":
            raise ValidationError(f"{row.ref} needs an approval before fulfilment")
        step = session.exec(select(RequestStep).where(RequestStep.request_id == row.id,
                                                      RequestStep.position == position)).first()
        if step is None:
            count = session.exec(select(func.count()).select_from(RequestStep)
                                 .where(RequestStep.request_id == row.id)).one()
            raise ValidationError(f"{row.ref} has no step {position}; it has steps 1 to {count}"
                                  if count else f"{row.ref} has no fulfilment steps")
        if (step.done_at is not None) == done:
            raise ValidationError(f"step {position} of {row.ref} is already "
                                  f"{'done' if done else 'not done'}")
        step.done_at, step.done_by = (now, self.store.actor) if done else (None, "")
        text = f"step {position}: {step.text}"
        if note.strip():
            text += f" — {note.strip()}"
        write_entry(session, self.store, Kind.REQUEST, row, "step", now,
                    {f"step {position}": ("open", "done") if done else ("done", "open")}, text)
        session.flush()

    def _decide(self, ref: str, decision: str, rationale: str, approver: str | None) -> RequestDetail:
        with self.store.write() as session:
            row = self._load(session, ref)
            self.decide_in(session, row, decision, rationale, approver, now=self.store.now())
            return self._detail(session, row)

    def decide_in(self, session: Session, row: ServiceRequest, decision: str, rationale: str,
                  approver: str | None, *, now: datetime) -> None:
        """Record a decision within the caller's transaction (used by demo data and imports)."""
        rationale = clean_text(rationale, "the rationale of the decision", required=True)
        approver = clean_text(approver, "approver", limit=100) or self.store.actor
        if row.status not in ("new", "awaiting_approval"):
            raise ValidationError(f"{row.ref} is {row.status}; a decision is recorded before "
                                  "fulfilment starts")
        if row.status == "new":  # the decision is asked for, then recorded
            self.records.transition_in(session, Kind.REQUEST, row, "awaiting_approval", now=now,
                                       note="approval requested")
        record_decision(session, ref=row.ref, kind=Kind.REQUEST, decision=decision,
                        approver=approver, rationale=rationale, now=now, actor=self.store.actor)
        action = "approve" if decision == "approved" else "reject"
        write_entry(session, self.store, Kind.REQUEST, row, action, now,
                    {"approval": (None, f"{decision} by {approver}")}, rationale)
        target = "in_progress" if decision == "approved" else "rejected"
        with deciding(row.ref):
            self.records.transition_in(session, Kind.REQUEST, row, target, now=now,
                                       note=f"{decision} by {approver}: {rationale}")
        session.flush()

    def approve(self, ref: str, rationale: str, *, approver: str | None = None) -> RequestDetail:
        """Record an approval (who, when, why); the request moves to in progress."""
        return self._decide(ref, "approved", rationale, approver)

    def reject(self, ref: str, rationale: str, *, approver: str | None = None) -> RequestDetail:
        """Record a rejection (who, when, why); the request ends rejected."""
        return self._decide(ref, "rejected", rationale, approver)

    def _satisfaction_in(self, session: Session, row: ServiceRequest, score: Any, comment: str,
                         now: datetime) -> None:
        if row.status not in ("fulfilled", "closed"):
            raise ValidationError(f"{row.ref} is {row.status}; satisfaction is recorded once it "
                                  "is fulfilled")
        if row.status == "closed" and row.satisfaction_score is not None:
            raise ValidationError(f"{row.ref} is closed and already has a satisfaction score "
                                  f"({row.satisfaction_score})")
        value = parse_score(score)
        comment = clean_text(comment, "comment", limit=4000)
        changes = {"satisfaction_score": (row.satisfaction_score, value)}
        if comment != row.satisfaction_comment:
            changes["satisfaction_comment"] = (row.satisfaction_comment or None, comment)
        row.satisfaction_score, row.satisfaction_comment = value, comment
        write_entry(session, self.store, Kind.REQUEST, row, "satisfaction", now, changes, comment)

    def record_satisfaction(self, ref: str, score: int, comment: str = "") -> RequestDetail:
        """The customer's satisfaction (1..5) and comment on a fulfilled or closed request."""
        with self.store.write() as session:
            row = self._load(session, ref)
            self._satisfaction_in(session, row, score, comment, self.store.now())
            return self._detail(session, row)

    def close(self, ref: str, *, score: int | None = None, comment: str = "", note: str = "",
              expected_version: int | None = None) -> RequestDetail:
        """Close a fulfilled request, recording the satisfaction score if given."""
        with self.store.write() as session:
            row = self._load(session, ref)
            self._check_version(row, expected_version)
            now = self.store.now()
            if row.status != "fulfilled":
                raise ValidationError(f"{row.ref} is {row.status}; only a fulfilled request is closed")
            if score is not None:
                self._satisfaction_in(session, row, score, comment, now)
            self.records.transition_in(session, Kind.REQUEST, row, "closed", note=note, now=now)
            return self._detail(session, row)

    def satisfaction_summary(self, start: datetime, end: datetime) -> SatisfactionSummary:
        """Scores of the requests closed in [start, end)."""
        with self.store.read() as session:
            return satisfaction_in(session, start, end)


def satisfaction_in(session: Session, start: datetime, end: datetime) -> SatisfactionSummary:
    """Satisfaction of the requests closed in [start, end), in the caller's session."""
    rows = session.exec(select(ServiceRequest).where(
        col(ServiceRequest.closed_at) >= start, col(ServiceRequest.closed_at) < end,
        ServiceRequest.status == "closed").order_by(col(ServiceRequest.id))).all()
    scored = [r for r in rows if r.satisfaction_score is not None]
    distribution = {n: 0 for n in range(1, 6)}
    for r in scored:
        distribution[r.satisfaction_score] += 1  # type: ignore[index]
    mean = round(sum(r.satisfaction_score or 0 for r in scored) / len(scored), 2) if scored else None
    return SatisfactionSummary(start, end, len(rows), len(scored), mean, distribution,
                               [(r.ref, r.satisfaction_score or 0, r.satisfaction_comment)
                                for r in scored if r.satisfaction_comment])
