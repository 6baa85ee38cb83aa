"""Rules on every write of a change (8.5.1), whatever path writes it: hooks on RecordService.

When a change is recorded, edited or moves along its lifecycle these rules assess its
risk, keep its targets and window, refuse what the policy does not allow (approval,
back-out plan, the window), tell interested parties of proposed dates, and raise the
effectiveness review (and a continuity re-test after a major-impact change) once it is
implemented. :mod:`.service` offers the use cases over them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ...domain.changes import (
    APPROVAL_IN_FORCE,
    UNSUCCESSFUL,
    ChangePolicy,
    ChangeWindow,
    check_window,
    deployment_missing,
    deployment_words,
    outcome_refusal,
    parse_likelihood,
    parse_risk_impact,
    plans_missing,
    plans_words,
    policy_from_config,
    risk_level,
    substance_refusal,
    window_warning,
)
from ...domain.errors import ActionRequired, ValidationError, hinted
from ...domain.kinds import Kind
from ...storage.change_links import ChangeCILink, ChangeServiceLink
from ...storage.models import Change, ConfigurationItem, Problem, Service
from ..core import hooks
from ..core.approvals import (
    latest_decision,
    record_decision,
)
from ..core.records import RecordService
from ..core.rule_support import deciding, is_deciding, write_entry
from ..core.store import Store

FAILED_REVIEW_INSTRUCTIONS = (
    "The change was unsuccessful. Investigate why, check the service was restored (the "
    "back-out worked), and agree the remedial actions with the interested parties; record them "
    "on the change (f on its screen, or sms-tui changes remedial). The change closes once they "
    "are all done.")
FAILED_REVIEW_CHECKLIST = (
    "Investigate why the change failed",
    "Check the service was restored (the back-out worked)",
    "Agree remedial actions with the interested parties and record them on the change",
    "Record the conclusion and what the next attempt changes",
)

# How each front end records what a change needs before it is deployed: the command
# line's options (sms-tui changes assess) and the change form's fields.
DEPLOYMENT_FLAGS = {"verification_results": "--verification …",
                    "backout_tested": "--backout-tested yes|no",
                    "backout_untested_reason": "--backout-untested-reason …"}
DEPLOYMENT_LABELS = {"verification_results": "Verification results",
                     "backout_tested": "Back-out tested",
                     "backout_untested_reason": "Why back-out untested"}
# ... and the plans an approval decides on (domain.changes.PLANS_NEEDED)
PLAN_FLAGS = {"implementation_plan": "--implementation-plan …", "backout_plan": "--backout-plan …"}
PLAN_LABELS = {"implementation_plan": "Implementation plan", "backout_plan": "Back-out plan"}

# Changes whose windows still matter for conflicts (planned or under way).
ACTIVE_STATES = ("new", "assessing", "approved", "scheduled", "implementing")
CONTINUITY_RETEST_DAYS = 30
POLICY_ACTOR = "change policy"


def change_policy(store: Store) -> ChangePolicy:
    """The change policy from the ``[changes]`` config section (defaults when absent)."""
    return policy_from_config(store.config.section("changes"), str(store.config.path or "config"))


def targets_of(session: Session, row: Change) -> tuple[dict[str, str], list[str]]:
    """Affected services (name -> criticality, CI services included) and CI names."""
    return targets_of_many(session, [row])[row.id]


_IN_CHUNK = 500  # ids per IN (...): well inside every database's limit on parameters


def _chunks(ids: list[Any]) -> list[list[Any]]:
    return [ids[i:i + _IN_CHUNK] for i in range(0, len(ids), _IN_CHUNK)]


def targets_of_many(session: Session, rows: list[Change]) -> dict[Any, tuple[dict[str, str], list[str]]]:
    """:func:`targets_of` for each of ``rows`` (by id), read in a few queries, not four per change
    (the change calendar of a busy desk lists hundreds)."""
    change_ids = [row.id for row in rows]
    service_ids: dict[Any, set[Any]] = {row.id: ({row.service_id} if row.service_id else set())
                                        for row in rows}
    ci_ids: dict[Any, set[Any]] = {row.id: ({row.ci_id} if row.ci_id else set()) for row in rows}
    for chunk in _chunks(change_ids):
        for change_id, service_id in session.exec(
                select(ChangeServiceLink.change_id, ChangeServiceLink.service_id)
                .where(col(ChangeServiceLink.change_id).in_(chunk))):
            service_ids[change_id].add(service_id)
        for change_id, ci_id in session.exec(
                select(ChangeCILink.change_id, ChangeCILink.ci_id)
                .where(col(ChangeCILink.change_id).in_(chunk))):
            ci_ids[change_id].add(ci_id)
    wanted_cis = sorted({i for ids in ci_ids.values() for i in ids})
    cis: dict[Any, ConfigurationItem] = {}
    for chunk in _chunks(wanted_cis):
        cis.update((ci.id, ci) for ci in session.exec(
            select(ConfigurationItem).where(col(ConfigurationItem.id).in_(chunk))))
    # a change to a CI touches the service the CI belongs to
    for change_id, ids in ci_ids.items():
        service_ids[change_id] |= {cis[i].service_id for i in ids if i in cis and cis[i].service_id}
    wanted_services = sorted({i for ids in service_ids.values() for i in ids})
    services: dict[Any, Service] = {}
    for chunk in _chunks(wanted_services):
        services.update((s.id, s) for s in session.exec(select(Service).where(col(Service.id).in_(chunk))))
    out: dict[Any, tuple[dict[str, str], list[str]]] = {}
    for change_id in change_ids:
        named = {services[i].name: services[i].criticality for i in service_ids[change_id] if i in services}
        out[change_id] = (dict(sorted(named.items())),
                          sorted(cis[i].name for i in ci_ids[change_id] if i in cis))
    return out


def ci_types_of(session: Session, names: list[str]) -> list[str]:
    if not names:
        return []
    return list(session.exec(select(ConfigurationItem.ci_type)
                             .where(col(ConfigurationItem.name).in_(names))))


def window_of(session: Session, row: Change) -> ChangeWindow | None:
    if row.planned_start is None or row.planned_end is None:
        return None
    services, cis = targets_of(session, row)
    return ChangeWindow(row.ref, row.planned_start, row.planned_end, frozenset(services), frozenset(cis))


def windows_between(session: Session, start: datetime | None = None, end: datetime | None = None,
             states: tuple[str, ...] = ACTIVE_STATES) -> list[tuple[Change, ChangeWindow]]:
    stmt = select(Change).where(col(Change.planned_start).is_not(None),
                                col(Change.planned_end).is_not(None), col(Change.status).in_(states))
    if start is not None:
        stmt = stmt.where(col(Change.planned_end) > start)
    if end is not None:
        stmt = stmt.where(col(Change.planned_start) < end)
    rows = list(session.exec(stmt.order_by(col(Change.planned_start), col(Change.id))))
    targets = targets_of_many(session, rows)
    out = []
    for row in rows:
        if row.planned_start is None or row.planned_end is None:
            continue
        services, cis = targets[row.id]
        out.append((row, ChangeWindow(row.ref, row.planned_start, row.planned_end,
                                      frozenset(services), frozenset(cis))))
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


def refuse_substance(row: Change, changed: Any) -> None:
    """Refuse a change to what was approved while the approval is in force or acted on
    (edit, assess, targets: every path that rewrites an RFC)."""
    # the category it was approved under (an edit of the category has set the new one)
    change_type = changed["change_type"][0] if isinstance(changed, dict) and "change_type" in changed \
        else row.change_type
    refusal = substance_refusal(ref=row.ref, change_type=change_type, status=row.status,
                                changed=changed)
    if refusal is None:
        return
    if row.status in APPROVAL_IN_FORCE:
        raise hinted(ValidationError(refusal), cli=f"sms-tui transition {row.ref} assessing",
                     tui="t → assessing withdraws it")
    raise ValidationError(refusal)


@hooks.on("after_update", Kind.CHANGE)
def _change_updated(ctx: hooks.HookContext, changes: dict[str, tuple[Any, Any]]) -> None:
    row: Change = ctx.row  # type: ignore[assignment]
    refuse_substance(row, changes)
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
        # approved before the plans were required (or imported so): what the approval did not
        # cover is not implemented; the plans are part of what is approved, so it is decided again
        missing = plans_missing(change_type=row.change_type, backout_plan=row.backout_plan,
                                implementation_plan=row.implementation_plan)
        if missing:
            raise hinted(ValidationError(
                f"{row.ref}: {plans_words(row.change_type, missing, 'it is implemented')}; its "
                f"approval did not cover {'one' if len(missing) == 1 else 'them'}"),
                cli=f"sms-tui transition {row.ref} assessing, then changes assess and approve",
                tui="t → assessing withdraws the approval; then e and A")
    if new == "implementing":
        missing = deployment_missing(verification_results=row.verification_results,
                                     backout_tested=row.backout_tested,
                                     backout_untested_reason=row.backout_untested_reason)
        if missing:
            flags = " ".join(DEPLOYMENT_FLAGS[f] for f in missing)
            labels = ", ".join(DEPLOYMENT_LABELS[f] for f in missing)
            raise hinted(ValidationError(f"{row.ref}: {deployment_words(missing)}"),
                         cli=f"sms-tui changes assess {row.ref} {flags}",
                         tui=f"e opens its form: {labels}")
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
            raise hinted(ValidationError(f"{row.ref} is closed once its effectiveness review is "
                                         "done"),
                         cli="see: sms-tui reviews list", tui="6 opens the reviews")
        if row.outcome in UNSUCCESSFUL:
            from .remedial import remedial_refusal

            refusal = remedial_refusal(ctx.session, row)
            if refusal is not None:
                raise refusal


@hooks.on("after_transition", Kind.CHANGE)
def _approval_withdrawn(ctx: hooks.HookContext, old: str, new: str) -> None:
    """Back to assessing from approved or scheduled: the approval no longer covers the change
    (it is to be rewritten and decided again). Recorded as a decision, next to the approval
    it withdraws, so the change starts only after a new approval."""
    if old not in APPROVAL_IN_FORCE or new != "assessing":
        return
    row: Change = ctx.row  # type: ignore[assignment]
    rationale = "approval withdrawn: what was approved is to change, and is decided again"
    record_decision(ctx.session, ref=row.ref, kind=Kind.CHANGE, decision="withdrawn",
                    approver=ctx.store.actor, rationale=rationale, now=ctx.now, actor=ctx.store.actor)
    write_entry(ctx.session, ctx.store, Kind.CHANGE, row, "withdraw", ctx.now,
                {"approval": ("approved", f"withdrawn by {ctx.store.actor}")}, rationale)


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
    warning = window_warning(aware(row.planned_start), aware(row.planned_end), ctx.now)
    if warning:
        ctx.journal("window_warning", {"started_at": (None, f"{ctx.now:%Y-%m-%d %H:%M} UTC")},
                    f"{row.ref} {warning}")


def announce_dates_in(session: Session, store: Store, row: Change, now: datetime) -> None:
    """The proposed deployment dates, to the owners of the services the change affects
    (8.5.1.3), through the outbox: one message per (re)scheduling, journaled on the change."""
    from ..mail import outbox as notify

    services, _cis = targets_of(session, row)
    owners: list[str] = []
    for name in services:
        found = session.exec(select(Service).where(Service.name == name)).first()
        if found is not None and found.owner.strip() and found.owner.strip() not in owners:
            owners.append(found.owner.strip())
    start, end = aware(row.planned_start), aware(row.planned_end)
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


def aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
