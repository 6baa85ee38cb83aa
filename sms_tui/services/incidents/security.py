"""Information security incidents (ISO/IEC 20000-1 8.7.3.3): handling steps, manager told, figures.

Attached to incident writes through :mod:`.hooks` (listed in ``RULE_MODULES``):

* an incident whose security risk is anything but ``none`` -- when recorded,
  or when its risk is raised from ``none`` -- becomes a security incident: the
  documented handling steps in force are copied onto it, and a message to the
  information security manager (``[security_incident] contacts``) goes to the
  outbox, which ticks the "notify" step when there is someone to tell;
* a later change of its risk tells the manager again;
* a security incident closes only when every handling step is done.

The priority floor itself is applied where priority is computed
(:meth:`RecordService.priority_of`), so the CLI and the TUI get it alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ...domain.errors import ValidationError
from ...domain.kinds import Kind
from ...domain.major import Step, find_step
from ...domain.security import NO_RISK, RISKS, is_security, step_role
from ...storage.incidents import SecurityStep
from ...storage.models import Incident, Service
from ..core import hooks, journal
from ..core.rule_support import clean_text, write_entry
from ..core.store import Store
from ..mail import outbox as notify
from .sla import LIFECYCLE, load_incident


def _steps(session: Session, ref: str) -> list[SecurityStep]:
    stmt = select(SecurityStep).where(SecurityStep.incident_ref == ref).order_by(col(SecurityStep.position))
    return list(session.exec(stmt))


def _tell_manager(session: Session, store: Store, row: Incident, message: str, now: datetime) -> bool:
    """A message to the information security manager through the outbox; True if anyone is named."""
    policy = store.config.security
    service = session.get(Service, row.service_id).name if row.service_id else "-"
    subject = f"[Security incident] {row.ref} risk {row.security_risk}: {row.title}"
    body = "\n".join([
        f"Information security incident {row.ref}", "", message, "",
        f"Title:    {row.title}",
        f"Risk:     {row.security_risk}",
        f"Status:   {row.status}",
        f"Priority: P{row.priority}",
        f"Service:  {service}",
        f"Time:     {now:%Y-%m-%d %H:%M} UTC",
    ]) + "\n"
    notify.record_message_in(session, store=store, ref=row.ref, kind=Kind.INCIDENT, purpose="security",
                             contacts=policy.contacts, subject=subject, body=body, now=now)
    return bool(policy.contacts)


def become_security_in(session: Session, store: Store, row: Incident, now: datetime) -> None:
    """Copy the handling steps onto ``row`` (once), journal it, tell the security manager."""
    if _steps(session, row.ref):
        _tell_manager(session, store, row, f"The security risk is now {row.security_risk}.", now)
        return
    for position, title in enumerate(store.config.security.procedure, start=1):
        session.add(SecurityStep(incident_ref=row.ref, position=position, title=title))
    session.flush()
    journal.append(session, ref=row.ref, kind=Kind.INCIDENT.value, actor=store.actor, at=now,
                   action="security_incident", changes={"security_risk": (None, row.security_risk)},
                   note="information security incident: handling steps started")
    if _tell_manager(session, store, row, "An information security incident was recorded.", now):
        for step in _steps(session, row.ref):
            if step.done_at is None and step_role(step.title) == "notify":
                step.done_at, step.done_by, step.note = now, store.actor, "message in the outbox"
                journal.append(session, ref=row.ref, kind=Kind.INCIDENT.value, actor=store.actor,
                               at=now, action="security_step",
                               changes={f"step {step.position}": ("open", "done")},
                               note=f"{step.title}: message in the outbox")


# ------------------------------------------------------------------ hooks
@hooks.on("after_create", Kind.INCIDENT)
def _after_create(ctx: hooks.HookContext) -> None:
    if is_security(ctx.row.security_risk):
        become_security_in(ctx.session, ctx.store, ctx.row, ctx.now)


@hooks.on("after_update", Kind.INCIDENT)
def _after_update(ctx: hooks.HookContext, changes: dict[str, tuple[Any, Any]]) -> None:
    if "security_risk" in changes and is_security(ctx.row.security_risk):
        become_security_in(ctx.session, ctx.store, ctx.row, ctx.now)


@hooks.on("before_transition", Kind.INCIDENT)
def _before_transition(ctx: hooks.HookContext, old: str, new: str, note: str) -> None:
    row = ctx.row
    # cancelled stays open to them: a false alarm is not handled, it is called off
    if new != "closed" or not is_security(row.security_risk):
        return
    open_steps = [s for s in _steps(ctx.session, row.ref) if s.done_at is None]
    if open_steps:
        listing = ", ".join(f"{s.position} ({s.title.split(':')[0]})" for s in open_steps)
        raise ValidationError(f"{row.ref} is an information security incident: its handling "
                              f"steps {listing} must be done before it can be closed")


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class SecurityStepView:
    position: int
    title: str
    done_at: datetime | None
    done_by: str
    note: str

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class SecurityView:
    ref: str
    title: str
    status: str
    security_risk: str
    priority: int
    version: int
    steps: list[SecurityStepView]
    contacts: tuple[str, ...]
    rule: str  # the organization's priority rule in words

    @property
    def open_steps(self) -> int:
        return sum(1 for s in self.steps if not s.done)


@dataclass(frozen=True)
class SecurityFigures:
    """Security incidents recorded in a period: volume, type (category), impact, risk (8.7.3.3)."""

    total: int
    open: int
    by_risk: dict[str, int]
    by_category: dict[str, int]
    by_impact: dict[str, int]
    by_priority: dict[int, int]
    closed_with_steps_done: int
    closed: int


class SecurityService:
    """Security incidents: their handling steps, the queue's rule, and their figures."""

    def __init__(self, store: Store) -> None:
        self.store = store
        hooks.load(Kind.INCIDENT)

    def get(self, ref: str) -> SecurityView:
        with self.store.read() as session:
            row = load_incident(session, ref)
            return self._view(session, row)

    def _view(self, session: Session, row: Incident) -> SecurityView:
        steps = [SecurityStepView(s.position, s.title, s.done_at, s.done_by, s.note)
                 for s in _steps(session, row.ref)]
        policy = self.store.config.security
        return SecurityView(row.ref, row.title, row.status, row.security_risk, row.priority,
                            row.version, steps, policy.contacts, policy.rule_text())

    def tick_step(self, ref: str, step: str | int, *, note: str = "", undo: bool = False,
                  expected_version: int | None = None) -> SecurityView:
        """Mark a handling step done (journaled with who and when); ``undo`` reopens it."""
        note = clean_text(note, "note", limit=2000)
        with self.store.write() as session:
            row = load_incident(session, ref)
            if expected_version is not None and row.version != expected_version:
                from ...domain.errors import ConflictError

                raise ConflictError(f"{row.ref} was changed by someone else since you opened it "
                                    f"(now version {row.version}, you had {expected_version}); "
                                    "reload it and try again")
            if LIFECYCLE.is_final(row.status):
                raise ValidationError(f"{row.ref} is {row.status}; a {row.status} record cannot change")
            rows = _steps(session, row.ref)
            if not rows:
                raise ValidationError(f"{row.ref} is not an information security incident "
                                      "(its security risk is none)")
            chosen = find_step([Step(s.position, s.title, s.done_at) for s in rows], str(step))
            target = next(s for s in rows if s.position == chosen.position)
            if undo != (target.done_at is not None):
                state = "not done" if undo else "already done"
                raise ValidationError(f"step {target.position} ({target.title}) is {state}")
            now = self.store.now()
            old = "done" if target.done_at else "open"
            target.done_at, target.done_by = (None, "") if undo else (now, self.store.actor)
            target.note = note
            session.add(target)
            write_entry(session, self.store, Kind.INCIDENT, row, "security_step", now,
                        {f"step {target.position}": (old, "open" if undo else "done")},
                        target.title + (f": {note}" if note else ""))
            return self._view(session, row)

    def figures(self, since: datetime | None = None, until: datetime | None = None) -> SecurityFigures:
        """Security incidents opened in [since, until): by risk, category, impact and priority."""
        where = [Incident.security_risk != NO_RISK]
        if since is not None:
            where.append(Incident.created_at >= since)
        if until is not None:
            where.append(Incident.created_at < until)
        stmt = select(Incident.security_risk, Incident.category, Incident.impact, Incident.priority,
                      Incident.status, Incident.ref).where(*where)
        by_risk: Counter[str] = Counter()
        by_category: Counter[str] = Counter()
        by_impact: Counter[str] = Counter()
        by_priority: Counter[int] = Counter()
        total = open_ = closed = closed_done = 0
        closed_refs: list[str] = []
        with self.store.read() as session:
            for risk, category, impact, priority, status, ref in session.exec(stmt):
                total += 1
                by_risk[risk] += 1
                by_category[category or "(none)"] += 1
                by_impact[impact] += 1
                by_priority[priority] += 1
                if LIFECYCLE.is_open(status):
                    open_ += 1
                elif status == "closed":
                    closed += 1
                    closed_refs.append(ref)
            for start in range(0, len(closed_refs), 500):
                chunk = closed_refs[start:start + 500]
                open_counts = session.exec(
                    select(SecurityStep.incident_ref, func.count())
                    .where(col(SecurityStep.incident_ref).in_(chunk), col(SecurityStep.done_at).is_(None))
                    .group_by(SecurityStep.incident_ref)).all()
                closed_done += len(chunk) - len(open_counts)
        return SecurityFigures(total, open_, {r: by_risk[r] for r in RISKS if by_risk[r]},
                               dict(by_category.most_common()), dict(by_impact),
                               dict(sorted(by_priority.items())), closed_done, closed)
