"""Incident rules (ISO/IEC 20000-1 8.6.1): major incidents, first response, SLA clocks.

Attached to record writes through :mod:`.hooks` (this module is listed in
``RULE_MODULES``), so they run in the same transaction as the write:

* on create and on update of priority, impact, urgency, category or service,
  an incident that meets the major incident criteria is flagged major, with
  the reason, its procedure is copied onto it, and top management is informed;
* a major incident is never downgraded silently: only an analyst undeclares it;
* every status change moves the SLA clock (paused on hold, stopped when resolved);
* the first action by a person after creation is the first response;
* resolving a major incident informs management and raises its review; closing
  it is refused until the review is done; cancelling it is refused while major;
  reopening a resolved major incident informs management;
* the procedure checklist follows the actions (:func:`~..domain.major.step_role`):
  appointing the manager ticks its step, a status update ticks the communication
  steps, completing the review ticks the review step, which cannot be ticked by
  hand while the review is not done.

:class:`MajorIncidentService` holds the analyst's actions: declare/undeclare,
appoint the manager, tick procedure steps, send status updates; and
:meth:`MajorIncidentService.nags`, the reminders the UI and CLI show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ...domain.errors import ValidationError, hinted
from ...domain.kinds import Kind
from ...domain.major import COMMUNICATION_ROLES, IncidentFacts, Step, find_step, step_role
from ...storage.incidents import Communication, MajorStep
from ...storage.models import Incident, Service
from ..core import hooks, journal
from ..core.rule_support import clean_text, write_entry
from ..core.store import Store
from ..mail import outbox as notify
from ..mail.outbox import CommunicationView, major_policy
from .sla import (
    LIFECYCLE,
    apply_status,
    load_incident,
    record_first_response,
    sla_policy,
    start_clock,
)

REVIEW_ACTIVITY = "major_incident_review"
CRITERIA_FIELDS = frozenset({"priority", "impact", "urgency", "category", "service"})

# Incidents written by this process -> the major reason if declared here ('' otherwise).
# The CLI prints the declaration and the reminders after its command commits; the
# TUI shows them on screen instead.
touched_here = notify.RecentWrites()


# ------------------------------------------------------------------ shared steps
def _facts(session: Session, row: Incident) -> IncidentFacts:
    service = session.get(Service, row.service_id) if row.service_id else None
    return IncidentFacts(row.priority, row.impact, row.urgency, row.category,
                         service.name if service else "", service.criticality if service else "")


def informed_in(session: Session, ref: str) -> bool:
    """Whether a message about incident ``ref`` was addressed to top management (one
    recorded to nobody, with no contacts configured, informs nobody)."""
    from ...domain.comms import MAJOR_PURPOSES, informs_management

    sent = session.exec(select(Communication.purpose, Communication.recipients).where(
        Communication.record_ref == ref, col(Communication.purpose).in_(MAJOR_PURPOSES))).all()
    return any(informs_management(purpose, recipients) for purpose, recipients in sent)


def _steps(session: Session, ref: str) -> list[MajorStep]:
    stmt = select(MajorStep).where(MajorStep.incident_ref == ref).order_by(col(MajorStep.position))
    return list(session.exec(stmt))


def tick_roles_in(session: Session, store: Store, row: Incident, roles: frozenset[str],
                  now: datetime, note: str) -> list[int]:
    """Tick the open procedure steps of ``row`` tied to ``roles``, journaled, in the
    caller's transaction (which journals and versions its own action)."""
    ticked = []
    for step in _steps(session, row.ref):
        if step.done_at is None and step_role(step.title) in roles:
            step.done_at, step.done_by, step.note = now, store.actor, note[:2000]
            session.add(step)
            journal.append(session, ref=row.ref, kind=Kind.INCIDENT.value, actor=store.actor,
                           at=now, action="major_step",
                           changes={f"step {step.position}": ("open", "done")},
                           note=f"{step.title}: {note}")
            ticked.append(step.position)
    return ticked


def review_done_in(session: Session, store: Store, incident_ref: str, review_ref: str,
                   now: datetime) -> None:
    """The major incident review of ``incident_ref`` is done: tick its review step."""
    row = session.exec(select(Incident).where(Incident.ref == incident_ref)).first()
    if row is None or not row.major:
        return
    if tick_roles_in(session, store, row, frozenset({"review"}), now, f"review {review_ref} done"):
        row.updated_at, row.version = now, row.version + 1
        session.add(row)


def declare_in(session: Session, store: Store, row: Incident, reason: str, now: datetime) -> None:
    """Make ``row`` major in the caller's transaction: reason, procedure, communication, journal.

    The caller has journaled (or will journal) its own action; this journals
    the declaration itself. It does not bump the version (the caller's write does).
    """
    old = (row.major, row.major_reason)
    row.major, row.major_reason = True, reason
    row.major_declared_by, row.major_declared_at = store.actor, now
    if not _steps(session, row.ref):  # the procedure in force at the first declaration
        for position, title in enumerate(major_policy(store.config).procedure, start=1):
            session.add(MajorStep(incident_ref=row.ref, position=position, title=title))
    journal.append(session, ref=row.ref, kind=Kind.INCIDENT.value, actor=store.actor, at=now,
                   action="major_declared",
                   changes={"major": (old[0], True), "major_reason": (old[1], reason)},
                   note="major incident procedure started")
    notify.record_in(session, store=store, row=row, purpose="declared", message=reason, now=now)
    touched_here.note(store.path, row.ref, reason)
    if row.status in LIFECYCLE.resolved_states:  # declared after resolution: review it all the same
        _raise_review(session, store, row, now)


def _auto_declare(ctx: hooks.HookContext) -> None:
    row = ctx.row
    if row.major:
        return
    reason = major_policy(ctx.store.config).reason_text(_facts(ctx.session, row))
    if reason:
        declare_in(ctx.session, ctx.store, row, reason, ctx.now)


# ------------------------------------------------------------------ hooks
@hooks.on("after_create", Kind.INCIDENT)
def _after_create(ctx: hooks.HookContext) -> None:
    touched_here.note(ctx.store.path, ctx.row.ref, keep=True)
    start_clock(ctx.row)
    if ctx.row.major:  # created as major by the analyst
        ctx.row.major = False
        declare_in(ctx.session, ctx.store, ctx.row, ctx.row.major_reason or "declared by the analyst",
                   ctx.now)
    else:
        _auto_declare(ctx)


@hooks.on("after_update", Kind.INCIDENT)
def _after_update(ctx: hooks.HookContext, changes: dict[str, tuple[Any, Any]]) -> None:
    row = ctx.row
    if "major" in changes:  # the analyst set the flag through an ordinary edit
        if row.major:
            row.major = False
            declare_in(ctx.session, ctx.store, row, row.major_reason or "declared by the analyst", ctx.now)
        else:
            check_undeclare(ctx.session, row)  # an ordinary edit carries no approval
            _undeclare_in(ctx.session, ctx.store, row, row.major_reason or "undeclared by the analyst",
                          ctx.now, already_journaled=True)
        return
    if {"priority", "service"} & set(changes):
        row.sla_flags = ""  # a new target: its thresholds are journaled afresh
    if CRITERIA_FIELDS & set(changes):
        _auto_declare(ctx)


@hooks.on("before_transition", Kind.INCIDENT)
def _before_transition(ctx: hooks.HookContext, old: str, new: str, note: str) -> None:
    row = ctx.row
    if not row.major:
        return
    if new == "cancelled":
        raise ValidationError(
            f"{row.ref} is a major incident and cannot be cancelled; if it was declared by "
            "mistake, undeclare it first (with a reason)"
        )
    if new in LIFECYCLE.closed_states:
        from ..reviews.service import review_done_for

        if not review_done_for(ctx.session, activity=REVIEW_ACTIVITY, source_ref=row.ref):
            review = _review_ref(ctx.session, row.ref)
            raise hinted(ValidationError(
                f"{row.ref} is a major incident: its major incident review "
                f"{review or '(not raised yet)'} must be done before it can be closed"),
                cli=f"see: sms-tui reviews show {review}" if review else "",
                tui="6 opens the reviews")
        open_steps = [s for s in _steps(ctx.session, row.ref)
                      if s.done_at is None and step_role(s.title) != "review"]
        if open_steps:  # the documented procedure is followed to its end (8.6.1)
            first = open_steps[0]
            more = f" and {len(open_steps) - 1} more" if len(open_steps) > 1 else ""
            raise hinted(ValidationError(
                f"{row.ref} is a major incident: its procedure has step {first.position} "
                f"({first.title}){more} open; tick each step done (a note can say why it did "
                "not apply) before it can be closed"),
                cli=f"see: sms-tui major show {row.ref}", tui="m opens the procedure")


@hooks.on("after_transition", Kind.INCIDENT)
def _after_transition(ctx: hooks.HookContext, old: str, new: str) -> None:
    row = ctx.row
    apply_status(row, new, ctx.now, sla_policy(ctx.store.config))
    if row.major and old in LIFECYCLE.resolved_states and LIFECYCLE.is_open(new):
        notify.record_in(ctx.session, store=ctx.store, row=row, purpose="reopened",
                         message="The incident was resolved but is not fixed: it is open "
                                 "again and work continues.", now=ctx.now)
    if row.major and new in LIFECYCLE.resolved_states:
        notify.record_in(ctx.session, store=ctx.store, row=row, purpose="resolved",
                         message="The incident is resolved.", now=ctx.now)
        _raise_review(ctx.session, ctx.store, row, ctx.now)


@hooks.on("after_any_write", Kind.INCIDENT)
def _after_any_write(ctx: hooks.HookContext, action: str) -> None:
    touched_here.note(ctx.store.path, ctx.row.ref, keep=True)
    record_first_response(ctx.row, ctx.store.actor, ctx.now, sla_policy(ctx.store.config), action)


def _raise_review(session: Session, store: Store, row: Incident, now: datetime) -> str:
    from ..reviews.service import raise_event_review_in

    due = now + major_policy(store.config).review_due
    ref = raise_event_review_in(
        session, activity=REVIEW_ACTIVITY, source_ref=row.ref,
        title=f"Major incident review of {row.ref}: {row.title}"[:200], clause="8.6.1",
        due=due, now=now, actor=store.actor, owner=row.major_manager,
    )
    journal.append(session, ref=row.ref, kind=Kind.INCIDENT.value, actor=store.actor, at=now,
                   action="review_raised", changes={"review": (None, ref)},
                   note=f"major incident review {ref} due {due:%Y-%m-%d}; closing waits for it")
    return ref


def _review_ref(session: Session, ref: str) -> str:
    try:
        from ...storage.reviews import ReviewTask
    except ImportError:  # pragma: no cover - reviews are part of the app
        return ""
    stmt = select(ReviewTask.ref, ReviewTask.status).where(
        ReviewTask.activity == REVIEW_ACTIVITY, ReviewTask.source_ref == ref)
    found = session.exec(stmt).first()
    return f"{found[0]} ({found[1]})" if found else ""


def check_undeclare(session: Session, row: Incident, approved_by: str = "") -> str:
    """May ``row`` stop being major? Returns the approver's name when an approval is what
    allows it ('' when nothing is needed); refuses otherwise.

    Before resolution an analyst may undeclare with a reason. After it, the review the
    standard asks for must be done, or the appointed major incident manager approves.
    """
    if row.status not in LIFECYCLE.resolved_states:
        return ""
    from ..reviews.service import review_done_for

    if review_done_for(session, activity=REVIEW_ACTIVITY, source_ref=row.ref):
        return ""
    review = _review_ref(session, row.ref) or "(not raised yet)"
    if not approved_by:
        raise hinted(ValidationError(
            f"{row.ref} was resolved as a major incident: do its review {review} first, or have "
            "the major incident manager approve the reason"),
            cli="--approved-by NAME", tui="6 opens the reviews")
    if not row.major_manager:
        raise hinted(ValidationError(
            f"{row.ref} has no major incident manager to approve this: appoint one first, "
            f"or do its review {review}"),
            cli=f"sms-tui major manager {row.ref} NAME", tui="m, then a, appoints the manager")
    if approved_by.casefold() != row.major_manager.strip().casefold():
        raise ValidationError(
            f"only the major incident manager of {row.ref} ({row.major_manager}) can approve "
            f"undeclaring it, not '{approved_by}'")
    return row.major_manager


def _undeclare_in(session: Session, store: Store, row: Incident, reason: str, now: datetime,
                  already_journaled: bool = False) -> None:
    if not already_journaled:
        row.major = False
    journal.append(session, ref=row.ref, kind=Kind.INCIDENT.value, actor=store.actor, at=now,
                   action="major_undeclared", changes={"major": (True, False)}, note=reason)
    notify.record_in(session, store=store, row=row, purpose="undeclared", message=reason, now=now)


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class StepView:
    position: int
    title: str
    done: bool
    done_at: datetime | None
    done_by: str
    note: str


@dataclass(frozen=True)
class MajorView:
    """Everything the incident detail shows about major handling."""

    ref: str
    major: bool
    reason: str
    declared_by: str
    declared_at: datetime | None
    manager: str
    steps: list[StepView] = field(default_factory=list)
    communications: list[CommunicationView] = field(default_factory=list)
    next_update_due: datetime | None = None
    review: str = ""  # e.g. "REV-000003 (open)"
    nags: list[str] = field(default_factory=list)
    version: int = 0


def _nags(session: Session, store: Store, row: Incident, now: datetime) -> tuple[list[str], datetime | None]:
    if not row.major:
        return [], None
    out: list[str] = []
    policy = major_policy(store.config)
    is_open = LIFECYCLE.is_open(row.status)
    if not row.major_manager and is_open:
        out.append(f"{row.ref} is a major incident with no responsible manager: appoint one")
    last = session.exec(
        select(Communication.created_at)
        .where(Communication.record_ref == row.ref,
               col(Communication.purpose).in_(["declared", "update", "reopened"]))
        .order_by(col(Communication.id).desc()).limit(1)
    ).first()
    next_due = (last + policy.update_interval) if (last is not None and is_open) else None
    if next_due is not None and next_due <= now:
        # short enough for the major incident dialog at 80 columns (it was cut: "(eve…")
        since = f"{next_due:%H:%M}" if next_due.date() == now.date() else f"{next_due:%Y-%m-%d %H:%M}"
        out.append(f"update to top management overdue since {since} "
                   f"(every {int(policy.update_interval.total_seconds() // 60)} min)")
    failing = session.exec(
        select(Communication).where(Communication.record_ref == row.ref,
                                    col(Communication.status).in_(["pending", "sending"]),
                                    Communication.attempts > 0)
        .order_by(col(Communication.id))
    ).all()
    if failing:
        out.append(f"{len(failing)} message(s) to top management not sent yet "
                   f"(last error: {failing[-1].last_error}); they will be retried")
    if not policy.contacts:
        out.append("no top-management contacts: set [major_incident] contacts")
    if row.status in LIFECYCLE.resolved_states:
        review = _review_ref(session, row.ref)
        if not review.endswith("(done)"):
            out.append(f"major incident review {review or '(not raised)'} must be done before closing")
    return out, next_due


# ------------------------------------------------------------------ analyst actions
class MajorIncidentService:
    """Declare, manage and report major incidents; each method is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        hooks.load(Kind.INCIDENT)

    def _write_entry(self, session: Session, row: Incident, action: str, now: datetime,
                     changes: dict[str, tuple[Any, Any]] | None = None, note: str = "") -> None:
        write_entry(session, self.store, Kind.INCIDENT, row, action, now, changes, note)

    @staticmethod
    def _check(row: Incident, expected_version: int | None, need_major: bool = True) -> None:
        from ...domain.errors import ConflictError

        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                f"{row.ref} was changed by someone else since you opened it "
                f"(now version {row.version}, you had {expected_version}); reload it and try again")
        if LIFECYCLE.is_final(row.status):
            raise ValidationError(f"{row.ref} is {row.status}; a {row.status} record cannot change")
        if need_major and not row.major:
            raise ValidationError(f"{row.ref} is not a major incident; declare it major first")

    def declare(self, ref: str, reason: str, *, expected_version: int | None = None) -> MajorView:
        """Declare an incident major (the analyst's judgement); a reason is required."""
        reason = clean_text(reason, "the reason for declaring a major incident", required=True, limit=2000)
        with self.store.write() as session:
            row = load_incident(session, ref)
            self._check(row, expected_version, need_major=False)
            if row.major:
                raise ValidationError(f"{row.ref} is already a major incident ({row.major_reason})")
            now = self.store.now()
            row.updated_at, row.version = now, row.version + 1
            declare_in(session, self.store, row, f"declared by {self.store.actor}: {reason}", now)
            hooks.run("after_any_write", hooks.HookContext(session, self.store, Kind.INCIDENT, row, now),
                      "major_declared")
            return self._view(session, row, now)

    def undeclare(self, ref: str, reason: str, *, approved_by: str = "",
                  expected_version: int | None = None) -> MajorView:
        """It is not major after all (or no longer): a reason is required; management is told.

        Once it is resolved, its review must be done first -- or the major incident manager
        approves the reason (``approved_by`` names them), which is journaled. Either way it
        stays a major incident in the reports (its declaration is kept).
        """
        reason = clean_text(reason, "the reason for undeclaring", required=True, limit=2000)
        approved_by = clean_text(approved_by, "the approver", limit=200)
        with self.store.write() as session:
            row = load_incident(session, ref)
            self._check(row, expected_version)
            approval = check_undeclare(session, row, approved_by)
            now = self.store.now()
            row.major = False
            changes: dict[str, tuple[Any, Any]] = {"major": (True, False)}
            if approval:
                changes["approved_by"] = (None, approval)
            self._write_entry(session, row, "undeclare_major_approved" if approval
                              else "undeclare_major", now, changes, reason)
            notify.record_in(session, store=self.store, row=row, purpose="undeclared", message=reason,
                             now=now)
            return self._view(session, row, now)

    def set_manager(self, ref: str, name: str, *, note: str = "",
                    expected_version: int | None = None) -> MajorView:
        """Appoint the major incident manager, the one person responsible for it."""
        name = clean_text(name, "the manager's name", required=True, limit=200, visible=True)
        with self.store.write() as session:
            row = load_incident(session, ref)
            self._check(row, expected_version)
            if name == row.major_manager:
                raise ValidationError(f"{name} is already the major incident manager of {row.ref}")
            now = self.store.now()
            changes = {"major_manager": (row.major_manager, name)}
            row.major_manager = name
            self._write_entry(session, row, "major_manager", now, changes, note)
            tick_roles_in(session, self.store, row, frozenset({"manager"}), now, f"manager: {name}")
            return self._view(session, row, now)

    def tick_step(self, ref: str, step: str | int, *, note: str = "", undo: bool = False,
                  expected_version: int | None = None) -> MajorView:
        """Mark a procedure step done (journaled with time and who); ``undo`` reopens it."""
        with self.store.write() as session:
            row = load_incident(session, ref)
            self._check(row, expected_version)
            rows = _steps(session, row.ref)
            chosen = find_step([Step(s.position, s.title, s.done_at) for s in rows], str(step))
            target = next(s for s in rows if s.position == chosen.position)
            if undo != (target.done_at is not None):
                state = "not done" if undo else "already done"
                raise ValidationError(f"step {target.position} ({target.title}) is {state}")
            if step_role(target.title) == "review":
                self._check_review_step(session, row, undo)
            if (step_role(target.title) == "inform" and not undo and not note.strip()
                    and not informed_in(session, row.ref)):
                # ticked by hand with no message to anyone, the procedure said management was
                # told while the evidence report (rightly) said nobody was
                raise ValidationError(
                    f"step {target.position} ({target.title}): no message about "
                    f"{row.ref} went to top management (no [major_incident] contacts); say in a "
                    "note how they were told (a call, a meeting)")
            now = self.store.now()
            old = "done" if target.done_at else "open"
            target.done_at, target.done_by = (None, "") if undo else (now, self.store.actor)
            target.note = clean_text(note, "note", limit=2000)
            session.add(target)
            self._write_entry(session, row, "major_step", now,
                              {f"step {target.position}": (old, "open" if undo else "done")},
                              f"{target.title}" + (f": {target.note}" if target.note else ""))
            return self._view(session, row, now)

    def send_update(self, ref: str, message: str, *, expected_version: int | None = None) -> MajorView:
        """A status update to top management (recorded, journaled, emailed when configured)."""
        message = clean_text(message, "the status update", required=True)
        with self.store.write() as session:
            row = load_incident(session, ref)
            self._check(row, expected_version)
            now = self.store.now()
            self._write_entry(session, row, "major_update", now, None, message)
            comm = notify.record_in(session, store=self.store, row=row, purpose="update",
                                    message=message, now=now)
            if comm.recipients.strip():  # a message to nobody informs nobody: the steps stay open
                tick_roles_in(session, self.store, row, COMMUNICATION_ROLES, now,
                              f"status update to {comm.recipients}")
            return self._view(session, row, now)

    @staticmethod
    def _check_review_step(session: Session, row: Incident, undo: bool) -> None:
        """The review step is the review itself: done when (and only when) it is done."""
        from ..reviews.service import review_done_for

        done = review_done_for(session, activity=REVIEW_ACTIVITY, source_ref=row.ref)
        if not undo and not done:
            review = _review_ref(session, row.ref)
            raise ValidationError(
                f"the review step is ticked by completing the major incident review "
                f"{review or '(raised when the incident is resolved)'}, not by hand")
        if undo and done:
            raise ValidationError("the major incident review is done; its step stays ticked")

    def get(self, ref: str) -> MajorView:
        """The major incident handling of one incident (steps, communications, reminders)."""
        with self.store.read() as session:
            row = load_incident(session, ref)
            return self._view(session, row, self.store.now())

    def is_major(self, ref: str) -> bool:
        """Whether the incident is a major one (only those have reminders)."""
        with self.store.read() as session:
            return bool(load_incident(session, ref).major)

    def nags(self, ref: str) -> list[str]:
        """Reminders to show until acted on (no manager, update overdue, unsent messages...)."""
        return self.get(ref).nags

    def evaluate(self, ref: str) -> str:
        """Why the incident meets the major criteria now ('' when it does not)."""
        with self.store.read() as session:
            row = load_incident(session, ref)
            return major_policy(self.store.config).reason_text(_facts(session, row))

    def _view(self, session: Session, row: Incident, now: datetime) -> MajorView:
        session.flush()
        steps = [StepView(s.position, s.title, s.done_at is not None, s.done_at, s.done_by, s.note)
                 for s in _steps(session, row.ref)]
        # to management: the requester's own mails (recorded, resolved...) are not counted
        # among the "messages to management" of the procedure
        stmt = (select(Communication).where(Communication.record_ref == row.ref)
                .where(~col(Communication.purpose).startswith("requester:"))
                .order_by(col(Communication.id).desc()))
        communications = [notify._view(c) for c in session.exec(stmt)]
        nags, next_due = _nags(session, self.store, row, now)
        return MajorView(row.ref, row.major, row.major_reason, row.major_declared_by,
                         row.major_declared_at, row.major_manager, steps, communications, next_due,
                         _review_ref(session, row.ref), nags, row.version)

