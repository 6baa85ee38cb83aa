"""Change management (8.5.1): RFC assessment, approval, schedule, outcome, review.

The rules hold for every path that writes a change (they are hooks on
RecordService), and :class:`ChangeService` offers the use cases:

* **assess**: risk likelihood × impact → risk level; the policy flags
  major-impact changes (for service design and transition, 8.5.2);
* **targets**: the services and CIs a change affects, any number of each;
* **approve / reject**: a recorded decision (approver, date, rationale).
  Standard changes are pre-approved when raised; normal changes are approved
  while assessing, with a risk assessment and a back-out plan; emergency
  changes need a back-out plan and are approved on the expedited path, then
  reviewed after implementation;
* **schedule**: the planned window, with a warning for every other change
  touching the same service or CI in an overlapping window; a change
  calendar and a list of conflicts;
* **outcome**: successful / failed / backed out (unsuccessful ones need an
  investigation note); the change moves to ``review`` and an effectiveness
  review task is raised (plus a continuity re-test after a major-impact
  change). A change is closed only once its effectiveness review is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from ...domain.changes import (
    CHANGE_TYPES,
    IMPACT_NAMES,
    LIKELIHOOD_NAMES,
    UNSUCCESSFUL,
    ChangePolicy,
    ChangeWindow,
    Conflict,
    RiskLevel,
    approval_refusal,
    check_window,
    conflicts_with,
    deployment_refusal,
    find_conflicts,
    outcome_refusal,
    parse_change_type,
    parse_likelihood,
    parse_outcome,
    parse_risk_impact,
    policy_from_config,
    rejection_refusal,
    risk_level,
    risk_score,
    window_warning,
)
from ...domain.errors import ActionRequired, NotFound, ValidationError
from ...domain.kinds import Kind, parse_ref
from ...storage.change_links import ChangeCILink, ChangeServiceLink
from ...storage.models import Change, ConfigurationItem, Problem, Service
from ..core import hooks
from ..core.approvals import (
    ApprovalView,
    approval_views,
    latest_decision,
    record_decision,
)
from ..core.records import EXTRA_FIELDS, RecordService
from ..core.rule_support import clean_text, deciding, is_deciding, write_entry
from ..core.store import Store
from ..core.views import RecordView

FAILED_REVIEW_INSTRUCTIONS = (
    "The change was unsuccessful. Investigate why, check the service was restored (the "
    "back-out worked), and agree the remedial actions with the interested parties; record them "
    "on the change (sms-tui changes remedial). The change closes once they are all done.")
FAILED_REVIEW_CHECKLIST = (
    "Investigate why the change failed",
    "Check the service was restored (the back-out worked)",
    "Agree remedial actions with the interested parties and record them on the change",
    "Record the conclusion and what the next attempt changes",
)

# Changes whose windows still matter for conflicts (planned or under way).
ACTIVE_STATES = ("new", "assessing", "approved", "scheduled", "implementing")
CONTINUITY_RETEST_DAYS = 30
POLICY_ACTOR = "change policy"


def change_policy(store: Store) -> ChangePolicy:
    """The change policy from the ``[changes]`` config section (defaults when absent)."""
    return policy_from_config(store.config.section("changes"), str(store.config.path or "config"))


@dataclass(frozen=True)
class ChangeDetail:
    """An RFC with what it affects, its assessment, decisions and schedule conflicts."""

    record: RecordView
    change_type: str
    services: list[str]
    cis: list[str]
    risk_likelihood: int | None
    risk_impact: int | None
    risk_score: int | None
    risk_level: str
    major_impact: bool
    major_impact_reasons: list[str]
    under_control: bool
    approvals: list[ApprovalView] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # said once, by the action that caused them
    # the configuration updates it plans (services/changes/ci_updates.py), applied or not
    planned_updates: list[Any] = field(default_factory=list)
    # what a failure of its CIs would affect, through the relationship graph (services included)
    affected_services: list[str] = field(default_factory=list)
    affected_cis: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.record.ref

    @property
    def pending_updates(self) -> list[Any]:
        """Planned CI updates not applied yet (offered when it is implemented)."""
        return [u for u in self.planned_updates if not u.applied]


@dataclass(frozen=True)
class CalendarEntry:
    """One change on the change calendar."""

    ref: str
    title: str
    status: str
    change_type: str
    start: datetime
    end: datetime
    services: tuple[str, ...]
    cis: tuple[str, ...]
    risk_level: str
    major_impact: bool
    conflicts_with: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleResult:
    """A scheduled change and the conflicts found (a warning, not a refusal)."""

    change: ChangeDetail
    conflicts: list[Conflict]


# ------------------------------------------------------------------ shared queries
def targets_of(session: Session, row: Change) -> tuple[dict[str, str], list[str]]:
    """Affected services (name -> criticality, CI services included) and CI names."""
    services: dict[str, str] = {}
    ids = {row.service_id} if row.service_id else set()
    ids |= set(session.exec(select(ChangeServiceLink.service_id)
                            .where(ChangeServiceLink.change_id == row.id)))
    ci_ids = {row.ci_id} if row.ci_id else set()
    ci_ids |= set(session.exec(select(ChangeCILink.ci_id).where(ChangeCILink.change_id == row.id)))
    cis = [session.get(ConfigurationItem, i) for i in ci_ids]
    # a change to a CI touches the service the CI belongs to
    ids |= {ci.service_id for ci in cis if ci is not None and ci.service_id}
    for service_id in ids:
        service = session.get(Service, service_id)
        if service is not None:
            services[service.name] = service.criticality
    return dict(sorted(services.items())), sorted(ci.name for ci in cis if ci is not None)


def _ci_types(session: Session, names: list[str]) -> list[str]:
    if not names:
        return []
    return list(session.exec(select(ConfigurationItem.ci_type)
                             .where(col(ConfigurationItem.name).in_(names))))


def window_of(session: Session, row: Change) -> ChangeWindow | None:
    if row.planned_start is None or row.planned_end is None:
        return None
    services, cis = targets_of(session, row)
    return ChangeWindow(row.ref, row.planned_start, row.planned_end, frozenset(services), frozenset(cis))


def _windows(session: Session, start: datetime | None = None, end: datetime | None = None,
             states: tuple[str, ...] = ACTIVE_STATES) -> list[tuple[Change, ChangeWindow]]:
    stmt = select(Change).where(col(Change.planned_start).is_not(None),
                                col(Change.planned_end).is_not(None), col(Change.status).in_(states))
    if start is not None:
        stmt = stmt.where(col(Change.planned_end) > start)
    if end is not None:
        stmt = stmt.where(col(Change.planned_start) < end)
    out = []
    for row in session.exec(stmt.order_by(col(Change.planned_start), col(Change.id))):
        window = window_of(session, row)
        if window is not None:
            out.append((row, window))
    return out


def refresh_assessment(session: Session, store: Store, row: Change, now: datetime) -> None:
    """Recompute risk level and the major-impact flag; journal what changed."""
    policy = change_policy(store)
    changes: dict[str, tuple[Any, Any]] = {}
    level = None
    if row.risk_likelihood is not None and row.risk_impact is not None:
        level = risk_level(row.risk_likelihood, row.risk_impact)
    new_level = level.value if level else ""
    if new_level != row.risk_level:
        changes["risk_level"] = (row.risk_level or None, new_level or None)
        row.risk_level = new_level
    services, _ = targets_of(session, row)
    reasons = policy.major_impact_reasons(change_type=row.change_type, level=level, services=services,
                                          service_change=row.service_change)
    text = "; ".join(reasons)
    if bool(reasons) != row.major_impact or text != row.major_impact_reasons:
        if bool(reasons) != row.major_impact:
            changes["major_impact"] = (row.major_impact, bool(reasons))
        row.major_impact, row.major_impact_reasons = bool(reasons), text
    if changes:
        note = f"major impact: {text} — goes through service design and transition (8.5.2)" \
            if row.major_impact and "major_impact" in changes else ""
        write_entry(session, store, Kind.CHANGE, row, "assess", now, changes, note)


def _scale(value: Any, parse) -> int | None:
    if value in (None, ""):
        return None
    return parse(value)


# ------------------------------------------------------------------ rules (hooks)
def _ensure_primary_targets(session: Session, row: Change) -> None:
    if row.service_id and session.exec(select(ChangeServiceLink.id).where(
            ChangeServiceLink.change_id == row.id, ChangeServiceLink.service_id == row.service_id)).first() is None:
        session.add(ChangeServiceLink(change_id=row.id or 0, service_id=row.service_id))
    if row.ci_id and session.exec(select(ChangeCILink.id).where(
            ChangeCILink.change_id == row.id, ChangeCILink.ci_id == row.ci_id)).first() is None:
        session.add(ChangeCILink(change_id=row.id or 0, ci_id=row.ci_id))
    session.flush()


def _normalise_risk(row: Change) -> None:
    row.risk_likelihood = _scale(row.risk_likelihood, parse_likelihood)
    row.risk_impact = _scale(row.risk_impact, parse_risk_impact)


@hooks.on("after_create", Kind.CHANGE)
def _change_created(ctx: hooks.HookContext) -> None:
    row: Change = ctx.row  # type: ignore[assignment]
    _normalise_risk(row)
    if row.planned_start is not None or row.planned_end is not None:
        check_window(row.planned_start, row.planned_end)
    if row.outcome:
        raise ValidationError("a new change has no outcome yet")
    _ensure_primary_targets(ctx.session, row)
    refresh_assessment(ctx.session, ctx.store, row, ctx.now)
    if row.change_type == "standard" and row.status == "new":
        rationale = "standard change: pre-approved under the change policy"
        record_decision(ctx.session, ref=row.ref, kind=Kind.CHANGE, decision="approved",
                        approver=POLICY_ACTOR, rationale=rationale, now=ctx.now, actor=ctx.store.actor)
        with deciding(row.ref):
            RecordService(ctx.store).transition_in(ctx.session, Kind.CHANGE, row, "approved",
                                                   note=rationale, now=ctx.now)


@hooks.on("after_update", Kind.CHANGE)
def _change_updated(ctx: hooks.HookContext, changes: dict[str, tuple[Any, Any]]) -> None:
    row: Change = ctx.row  # type: ignore[assignment]
    if "change_type" in changes and row.status not in ("new", "assessing"):
        raise ValidationError(f"{row.ref} is {row.status}; its category cannot change after the "
                              "approval decision")
    if "outcome" in changes:
        raise ActionRequired(f"the outcome of {row.ref} is recorded as such (with the investigation "
                             "of a failure), not edited", action="outcome", ref=row.ref)
    if "backout_plan" in changes and row.change_type in ("normal", "emergency") \
            and row.status in ("approved", "scheduled", "implementing") and not row.backout_plan.strip():
        raise ValidationError(f"{row.ref} is {row.status}; a {row.change_type} change keeps its "
                              "back-out plan")
    if {"planned_start", "planned_end"} & set(changes) and (
            row.planned_start or row.planned_end or row.status == "scheduled"):
        check_window(row.planned_start, row.planned_end)
    if {"risk_likelihood", "risk_impact", "change_type", "service", "ci", "service_change"} & set(changes):
        _normalise_risk(row)
        _ensure_primary_targets(ctx.session, row)
        refresh_assessment(ctx.session, ctx.store, row, ctx.now)


@hooks.on("before_transition", Kind.CHANGE)
def _change_transition_rules(ctx: hooks.HookContext, old: str, new: str, note: str) -> None:
    row: Change = ctx.row  # type: ignore[assignment]
    if new in ("approved", "rejected") and not is_deciding(row.ref):
        verb = "approve" if new == "approved" else "reject"
        raise ActionRequired(f"{row.ref} is {new} by recording the decision, with its rationale",
                             action=verb, ref=row.ref)
    if new == "scheduled":
        check_window(row.planned_start, row.planned_end)
    if new == "implementing" and latest_decision(ctx.session, row.ref) != "approved":
        raise ValidationError(f"{row.ref} has no recorded approval")
    if new == "implementing":
        refusal = deployment_refusal(verification_results=row.verification_results,
                                     backout_tested=row.backout_tested,
                                     backout_untested_reason=row.backout_untested_reason)
        if refusal:
            raise ValidationError(f"{row.ref}: {refusal}")
    if new == "review":
        if not row.outcome:
            raise ActionRequired(f"record the implementation outcome of {row.ref} first",
                                 action="outcome", ref=row.ref)
        refusal = outcome_refusal(row.outcome, row.investigation_note)
        if refusal:
            raise ValidationError(refusal)
    if new == "closed":
        from ..reviews.service import review_done_for

        if not review_done_for(ctx.session, activity="change_effectiveness_review", source_ref=row.ref):
            raise ValidationError(f"{row.ref} is closed once its effectiveness review is done")
        if row.outcome in UNSUCCESSFUL:
            from .remedial import remedial_refusal

            refusal = remedial_refusal(ctx.session, row)
            if refusal:
                raise ValidationError(refusal)


@hooks.on("after_transition", Kind.CHANGE)
def _change_implemented(ctx: hooks.HookContext, old: str, new: str) -> None:
    if new == "implementing":
        _started_in(ctx)
    if new != "review":
        return
    row: Change = ctx.row  # type: ignore[assignment]
    from ..reviews.service import raise_event_review_in

    policy = change_policy(ctx.store)
    days = policy.review_days(row.change_type)
    what = "emergency change (expedited approval)" if row.change_type == "emergency" else \
        f"{row.change_type} change"
    raised = {}
    if row.outcome in UNSUCCESSFUL:  # a failed change's review looks for why and what remedies it
        raised["effectiveness_review"] = raise_event_review_in(
            ctx.session, activity="change_effectiveness_review", source_ref=row.ref,
            title=f"Review of unsuccessful {what} {row.ref} ({row.outcome.replace('_', ' ')})",
            clause="8.5.1.3", due=ctx.now + timedelta(days=days), now=ctx.now, actor=ctx.store.actor,
            instructions=FAILED_REVIEW_INSTRUCTIONS, checklist=FAILED_REVIEW_CHECKLIST)
    else:
        raised["effectiveness_review"] = raise_event_review_in(
            ctx.session, activity="change_effectiveness_review", source_ref=row.ref,
            title=f"Effectiveness review of {what} {row.ref} ({row.outcome.replace('_', ' ')})",
            clause="8.5.1.3", due=ctx.now + timedelta(days=days), now=ctx.now, actor=ctx.store.actor)
    if row.major_impact:
        raised["continuity_retest"] = raise_event_review_in(
            ctx.session, activity="continuity_retest", source_ref=row.ref,
            title=f"Re-test continuity plans after major change {row.ref}", clause="8.7.2",
            due=ctx.now + timedelta(days=CONTINUITY_RETEST_DAYS), now=ctx.now, actor=ctx.store.actor)
    write_entry(ctx.session, ctx.store, Kind.CHANGE, row, "review", ctx.now,
                {k: (None, v) for k, v in raised.items()},
                "post-implementation review raised: "
                + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in raised.items()))
    for problem in ctx.session.exec(select(Problem).where(Problem.change_id == row.id)):
        write_entry(ctx.session, ctx.store, Kind.PROBLEM, problem, "note", ctx.now, None,
                    f"fix change {row.ref} implemented: {row.outcome.replace('_', ' ')}")
    from ..problems.rules import resolve_by_change_in

    hooks.load(Kind.PROBLEM)
    resolve_by_change_in(ctx.session, ctx.store, row, ctx.now)


def _started_in(ctx: hooks.HookContext) -> None:
    """Starting outside the planned window is allowed (the analyst decides) but warned of
    and journaled, whichever way the change was started (CLI, TUI, import)."""
    row: Change = ctx.row  # type: ignore[assignment]
    warning = window_warning(_aware(row.planned_start), _aware(row.planned_end), ctx.now)
    if warning:
        ctx.journal("window_warning", {"started_at": (None, f"{ctx.now:%Y-%m-%d %H:%M} UTC")},
                    f"{row.ref} {warning}")


def _announce_dates_in(session: Session, store: Store, row: Change, now: datetime) -> None:
    """The proposed deployment dates, to the owners of the services the change affects
    (8.5.1.3), through the outbox: one message per (re)scheduling, journaled on the change."""
    from ..mail import outbox as notify

    services, _cis = targets_of(session, row)
    owners: list[str] = []
    for name in services:
        found = session.exec(select(Service).where(Service.name == name)).first()
        if found is not None and found.owner.strip() and found.owner.strip() not in owners:
            owners.append(found.owner.strip())
    start, end = _aware(row.planned_start), _aware(row.planned_end)
    window = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC" if start and end else "not set"
    body = "\n".join([
        f"Change {row.ref} is planned for {window}.", "",
        f"Title:    {row.title}",
        f"Category: {row.change_type}",
        f"Services: {', '.join(services) or '-'}",
        f"Back-out: {row.backout_plan or '-'}", "",
        "Reply to the change manager if this window does not suit you.",
    ]) + "\n"
    notify.record_message_in(session, store=store, ref=row.ref, kind=Kind.CHANGE, purpose="change_dates",
                             contacts=tuple(owners), subject=f"[Change] {row.ref} planned {window}: "
                             f"{row.title}", body=body, now=now)


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# ------------------------------------------------------------------ service
class ChangeService:
    """Use cases of change management."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.records = RecordService(store)

    @property
    def policy(self) -> ChangePolicy:
        return change_policy(self.store)

    def _load(self, session: Session, ref: str) -> Change:
        kind, number = parse_ref(ref)
        if kind is not Kind.CHANGE:
            raise ValidationError(f"{ref} is not a change (CHG-…)")
        row = session.get(Change, number)
        if row is None:
            raise NotFound(f"no change {ref}")
        return row

    def _detail(self, session: Session, row: Change) -> ChangeDetail:
        services, cis = targets_of(session, row)
        window = window_of(session, row)
        conflicts: list[Conflict] = []
        if window is not None and row.status in ACTIVE_STATES:
            conflicts = conflicts_with(window, [w for _, w in _windows(session, window.start, window.end)])
        score = None
        if row.risk_likelihood is not None and row.risk_impact is not None:
            score = risk_score(row.risk_likelihood, row.risk_impact)
        from ..configuration.ci_graph import affected_in
        from .ci_updates import planned_in  # it builds on this module

        ci_ids = [i for i in session.exec(select(ConfigurationItem.id).where(
            col(ConfigurationItem.name).in_(cis))) if i is not None] if cis else []
        affected_cis, affected = affected_in(session, [("ci", i) for i in ci_ids]) if ci_ids else ([], [])
        return ChangeDetail(planned_updates=planned_in(session, row),
                            affected_services=[s for s in affected if s not in services],
                            affected_cis=[c for c in affected_cis if c not in cis],
            record=self.records._view(session, Kind.CHANGE, row), change_type=row.change_type,
            services=list(services), cis=cis, risk_likelihood=row.risk_likelihood,
            risk_impact=row.risk_impact, risk_score=score, risk_level=row.risk_level,
            major_impact=row.major_impact,
            major_impact_reasons=[r for r in row.major_impact_reasons.split("; ") if r],
            under_control=self.policy.under_control(services, _ci_types(session, cis)),
            approvals=approval_views(session, row.ref), conflicts=conflicts)

    def detail(self, ref: str) -> ChangeDetail:
        """An RFC with its targets, risk, major-impact flag, decisions and conflicts."""
        with self.store.read() as session:
            return self._detail(session, self._load(session, ref))

    def create(self, *, title: str, change_type: str = "normal", services: list[str] = (),
               cis: list[str] = (), **fields: Any) -> ChangeDetail:
        """Raise an RFC affecting any number of services and CIs (the first of each is primary)."""
        services, cis = list(services), list(cis)
        with self.store.write() as session:
            row = self.records.create_in(
                session, Kind.CHANGE, title=title, now=self.store.now(),
                service=services[0] if services else None, ci=cis[0] if cis else None,
                change_type=parse_change_type(change_type), **fields)
            if services[1:] or cis[1:]:
                self._add_targets_in(session, row, services[1:], cis[1:], self.store.now())
            return self._detail(session, row)

    # ---------------------------------------------------------- assessment
    def assess(self, ref: str, *, likelihood: Any = None, impact: Any = None, note: str = "",
               expected_version: int | None = None, **fields: Any) -> ChangeDetail:
        """Record the RFC assessment (risk and any RFC field); a new change moves to assessing."""
        allowed = set(EXTRA_FIELDS[Kind.CHANGE]) - {"outcome", "change_type", "planned_start",
                                                    "planned_end", "investigation_note"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValidationError(f"'{sorted(unknown)[0]}' is not an RFC assessment field; use "
                                  f"{', '.join(sorted(allowed))}")
        values = {k: clean_text(v, k.replace("_", " ")) for k, v in fields.items() if v is not None}
        if likelihood is not None:
            values["risk_likelihood"] = parse_likelihood(likelihood)
        if impact is not None:
            values["risk_impact"] = parse_risk_impact(impact)
        with self.store.write() as session:
            row = self._load(session, ref)
            self.records._check_version(row, expected_version)
            if row.status not in ("new", "assessing", "approved", "scheduled"):
                raise ValidationError(f"{row.ref} is {row.status}; the assessment is recorded "
                                      "before implementation")
            now = self.store.now()
            changes = {k: (getattr(row, k), v) for k, v in values.items() if getattr(row, k) != v}
            for key, (_, new) in changes.items():
                setattr(row, key, new)
            if changes or note:
                write_entry(session, self.store, Kind.CHANGE, row, "update", now, changes, note)
                hooks.run("after_update", hooks.HookContext(session, self.store, Kind.CHANGE, row, now),
                          changes)
            if row.status == "new" and row.change_type != "standard":
                self.records.transition_in(session, Kind.CHANGE, row, "assessing",
                                           note="assessment started", now=now)
            return self._detail(session, row)

    def _add_targets_in(self, session: Session, row: Change, services: list[str], cis: list[str],
                        now: datetime, remove: bool = False) -> None:
        before_s, before_c = targets_of(session, row)
        for name in services:
            service_id = self.records._service_id(session, name)
            if remove:
                if service_id == row.service_id:
                    row.service_id = None
                session.exec(delete(ChangeServiceLink).where(
                    col(ChangeServiceLink.change_id) == row.id, col(ChangeServiceLink.service_id) == service_id))
            elif session.exec(select(ChangeServiceLink.id).where(
                    ChangeServiceLink.change_id == row.id, ChangeServiceLink.service_id == service_id)).first() is None:
                session.add(ChangeServiceLink(change_id=row.id or 0, service_id=service_id or 0))
        for name in cis:
            ci_id = self.records._ci_id(session, name)
            if remove:
                if ci_id == row.ci_id:
                    row.ci_id = None
                session.exec(delete(ChangeCILink).where(
                    col(ChangeCILink.change_id) == row.id, col(ChangeCILink.ci_id) == ci_id))
            elif session.exec(select(ChangeCILink.id).where(
                    ChangeCILink.change_id == row.id, ChangeCILink.ci_id == ci_id)).first() is None:
                session.add(ChangeCILink(change_id=row.id or 0, ci_id=ci_id or 0))
        session.flush()
        after_s, after_c = targets_of(session, row)
        changes: dict[str, tuple[Any, Any]] = {}
        if list(before_s) != list(after_s):
            changes["services"] = (", ".join(before_s) or None, ", ".join(after_s) or None)
        if before_c != after_c:
            changes["cis"] = (", ".join(before_c) or None, ", ".join(after_c) or None)
        if not changes:
            raise ValidationError(f"{row.ref} already {'does not touch' if remove else 'touches'} those")
        write_entry(session, self.store, Kind.CHANGE, row, "targets", now, changes)
        refresh_assessment(session, self.store, row, now)

    def set_targets(self, ref: str, *, services: list[str] = (), cis: list[str] = (),
                    remove: bool = False) -> ChangeDetail:
        """Add (or remove) services and CIs the change affects; journaled."""
        if not services and not cis:
            raise ValidationError("name at least one service or CI")
        with self.store.write() as session:
            row = self._load(session, ref)
            if row.status not in ACTIVE_STATES:
                raise ValidationError(f"{row.ref} is {row.status}; what it affects is set before "
                                      "it is reviewed")
            self._add_targets_in(session, row, list(services), list(cis), self.store.now(), remove)
            return self._detail(session, row)

    # ---------------------------------------------------------- decisions
    def approve(self, ref: str, rationale: str, *, approver: str | None = None,
                expedited: bool | None = None) -> ChangeDetail:
        """Approve (approver, date, rationale). Emergency changes take the expedited path."""
        rationale = clean_text(rationale, "the rationale of the decision", required=True)
        approver = clean_text(approver, "approver", limit=100) or self.store.actor
        with self.store.write() as session:
            row = self._load(session, ref)
            if expedited is None:
                expedited = row.change_type == "emergency"
            refusal = approval_refusal(
                change_type=row.change_type, status=row.status, backout_plan=row.backout_plan,
                risk_assessed=row.risk_likelihood is not None and row.risk_impact is not None,
                expedited=expedited)
            if refusal:
                raise ValidationError(f"{row.ref} cannot be approved: {refusal}")
            if row.change_type == "emergency" and not expedited:
                raise ValidationError(f"{row.ref} is an emergency change: its approval is the "
                                      "expedited one")
            now = self.store.now()
            record_decision(session, ref=row.ref, kind=Kind.CHANGE, decision="approved",
                            approver=approver, rationale=rationale, now=now, actor=self.store.actor,
                            expedited=expedited)
            changes: dict[str, tuple[Any, Any]] = {"approval": (None, f"approved by {approver}")}
            if expedited and not row.expedited:
                changes["expedited"] = (False, True)
                row.expedited = True
            write_entry(session, self.store, Kind.CHANGE, row, "approve", now, changes, rationale)
            with deciding(row.ref):
                path = " (expedited; reviewed after implementation)" if expedited else ""
                self.records.transition_in(session, Kind.CHANGE, row, "approved", now=now,
                                           note=f"approved by {approver}{path}: {rationale}")
            return self._detail(session, row)

    def reject(self, ref: str, rationale: str, *, approver: str | None = None) -> ChangeDetail:
        """Reject (approver, date, rationale); the change ends rejected."""
        rationale = clean_text(rationale, "the rationale of the decision", required=True)
        approver = clean_text(approver, "approver", limit=100) or self.store.actor
        with self.store.write() as session:
            row = self._load(session, ref)
            refusal = rejection_refusal(status=row.status)
            if refusal:
                raise ValidationError(f"{row.ref} cannot be rejected: {refusal}")
            now = self.store.now()
            record_decision(session, ref=row.ref, kind=Kind.CHANGE, decision="rejected",
                            approver=approver, rationale=rationale, now=now, actor=self.store.actor)
            write_entry(session, self.store, Kind.CHANGE, row, "reject", now,
                        {"approval": (None, f"rejected by {approver}")}, rationale)
            with deciding(row.ref):
                self.records.transition_in(session, Kind.CHANGE, row, "rejected", now=now,
                                           note=f"rejected by {approver}: {rationale}")
            return self._detail(session, row)

    # ---------------------------------------------------------- schedule
    def schedule(self, ref: str, start: datetime, end: datetime, *, note: str = "") -> ScheduleResult:
        """Plan the change's window. An approved change becomes scheduled; conflicts are returned.

        Conflicts (another planned or running change touching the same service
        or CI in an overlapping window) do not stop the schedule: they are
        returned, and journaled on this change, so the analyst decides.
        """
        check_window(start, end)
        with self.store.write() as session:
            row = self._load(session, ref)
            if row.status not in ("new", "assessing", "approved", "scheduled"):
                raise ValidationError(f"{row.ref} is {row.status}; only a change not yet under way "
                                      "is scheduled")
            now = self.store.now()
            changes = {}
            if row.planned_start != start:
                changes["planned_start"] = (row.planned_start, start)
            if row.planned_end != end:
                changes["planned_end"] = (row.planned_end, end)
            row.planned_start, row.planned_end = start, end
            window = window_of(session, row)
            assert window is not None
            conflicts = conflicts_with(window, [w for _, w in _windows(session, start, end)])
            warning = "; ".join(f"conflict: {c.describe()}" for c in conflicts)
            if changes or note:
                write_entry(session, self.store, Kind.CHANGE, row, "schedule", now, changes,
                            "; ".join(p for p in (note.strip(), warning) if p))
            if row.status == "approved":
                self.records.transition_in(session, Kind.CHANGE, row, "scheduled", now=now,
                                           note=f"window {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}")
            if changes:
                _announce_dates_in(session, self.store, row, now)
            return ScheduleResult(self._detail(session, row), conflicts)

    def calendar(self, start: datetime, end: datetime, *, include_done: bool = True) -> list[CalendarEntry]:
        """Changes with a planned window overlapping [start, end), by start time."""
        if end <= start:
            raise ValidationError("the calendar's end must be after its start")
        states = ACTIVE_STATES + (("review", "closed") if include_done else ())
        with self.store.read() as session:
            rows = _windows(session, start, end, states)
            active = [w for _, w in _windows(session, start, end)]
            conflicts = find_conflicts(active)
            out = []
            for row, window in rows:
                others = sorted({c.second if c.first == row.ref else c.first
                                 for c in conflicts if row.ref in (c.first, c.second)})
                out.append(CalendarEntry(row.ref, row.title, row.status, row.change_type, window.start,
                                         window.end, tuple(sorted(window.services)),
                                         tuple(sorted(window.cis)), row.risk_level,
                                         row.major_impact, tuple(others)))
            return out

    def conflicts(self, start: datetime | None = None, end: datetime | None = None) -> list[Conflict]:
        """Every pair of planned or running changes that touch the same service or CI at once."""
        with self.store.read() as session:
            return find_conflicts([w for _, w in _windows(session, start, end)])

    # ---------------------------------------------------------- implementation
    def start(self, ref: str, *, note: str = "") -> ChangeDetail:
        """Start implementing an approved or scheduled change."""
        with self.store.write() as session:
            row = self._load(session, ref)
            now = self.store.now()
            self.records.transition_in(session, Kind.CHANGE, row, "implementing", note=note, now=now)
            detail = self._detail(session, row)
            warning = window_warning(_aware(row.planned_start), _aware(row.planned_end), now)
            if warning:
                detail.warnings.append(f"{row.ref} {warning} (journaled)")
            return detail

    def record_outcome(self, ref: str, outcome: str, *, investigation_note: str = "",
                       note: str = "") -> ChangeDetail:
        """Record the implementation outcome; the change moves to review and its reviews are raised.

        A failed or backed-out change needs an investigation note.
        """
        outcome = parse_outcome(outcome)
        investigation_note = clean_text(investigation_note, "investigation note")
        refusal = outcome_refusal(outcome, investigation_note)
        if refusal:
            raise ValidationError(refusal)
        with self.store.write() as session:
            row = self._load(session, ref)
            if row.status != "implementing":
                raise ValidationError(f"{row.ref} is {row.status}; the outcome is recorded when "
                                      "implementation ends (start it with: changes start)")
            now = self.store.now()
            changes: dict[str, tuple[Any, Any]] = {"outcome": (row.outcome or None, outcome)}
            if investigation_note != row.investigation_note:
                changes["investigation_note"] = (row.investigation_note or None, investigation_note)
            row.outcome, row.investigation_note = outcome, investigation_note
            write_entry(session, self.store, Kind.CHANGE, row, "outcome", now, changes,
                        note or (investigation_note if outcome in UNSUCCESSFUL else ""))
            self.records.transition_in(session, Kind.CHANGE, row, "review", now=now,
                                       note=f"implemented: {outcome.replace('_', ' ')}")
            return self._detail(session, row)


RISK_HELP = (
    "likelihood: " + ", ".join(f"{n}={name}" for n, name in LIKELIHOOD_NAMES.items())
    + "; impact: " + ", ".join(f"{n}={name}" for n, name in IMPACT_NAMES.items())
    + "; risk level = likelihood × impact: 1–4 low, 5–9 medium, 10–16 high, 20–25 very high"
)
__all__ = ["CHANGE_TYPES", "RISK_HELP", "ChangeService", "RiskLevel", "change_policy"]
