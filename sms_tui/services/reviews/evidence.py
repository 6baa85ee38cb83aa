"""Evidence pre-filled into a review task when it is raised.

Each review type gets the figures the store holds for its period, computed
with SQL aggregates (never by loading every record): the RFC-trend review gets
changes by category and outcome, the problem review problems opened/closed,
time to resolve and recurring incidents, the SLA review targets met/missed per
service, the satisfaction review the scores of closed requests, and so on.
Where the store has no data for an activity (costs, supplier contracts) the
evidence says so, and the analyst attaches theirs in the outcome.

Evidence is structured JSON (stored on the task)::

    {"activity": "rfc_trends", "generated_at": "...",
     "period": {"start": "...", "end": "...", "label": "March 2026"} | null,
     "source_ref": "INC-000042" | null,
     "figures": [["Changes raised", 12], ...],
     "tables": [{"title": "...", "columns": [...], "rows": [[...], ...]}],
     "notes": ["..."]}

:func:`render_text` turns it into the readable text shown in the TUI and CLI.
Columns other features add later (SLA clocks, satisfaction scores) are used
when present and reported as missing otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from ...domain.schedule import describe_period
from ...domain.text import one_line
from ...storage.models import (
    Change,
    ConfigurationItem,
    Incident,
    JournalEntry,
    KnownError,
    Problem,
    Service,
    ServiceRequest,
)
from ...storage.reviews import ImprovementOpportunity, Nonconformity, ReviewTask
from ...storage.sqlfuncs import HoursBetween

NO_SERVICE = "(no service)"
MAX_ROWS = 20  # a table in a review is read by a person; the full list lives in the queues


class Evidence:
    """Collects figures, tables and notes, in the order they should be read."""

    def __init__(self, activity: str, now: datetime, start: datetime | None = None,
                 end: datetime | None = None, source_ref: str | None = None) -> None:
        self.data: dict[str, Any] = {
            "activity": activity,
            "generated_at": now.isoformat(),
            "period": None if start is None or end is None else {
                "start": start.isoformat(), "end": end.isoformat(),
                "label": describe_period(start, end)},
            "source_ref": source_ref,
            "figures": [],
            "tables": [],
            "notes": [],
        }

    def figure(self, label: str, value: Any) -> None:
        self.data["figures"].append([label, value])

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        self.data["tables"].append({"title": title, "columns": columns, "rows": rows})

    def note(self, text: str) -> None:
        self.data["notes"].append(text)


# ----------------------------------------------------------------- SQL helpers
def _in(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def _count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one() or 0


def _hours(model):
    return HoursBetween(model.created_at, model.resolved_at)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _pct(part: int, whole: int) -> str:
    return "n/a" if not whole else f"{100.0 * part / whole:.0f} %"


def _service_name():
    return func.coalesce(Service.name, NO_SERVICE)


def _has(model, column: str) -> bool:
    return column in model.__table__.c


def _previous(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return start - (end - start), start


# ----------------------------------------------------------------- period builders
def _rfc_trends(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    raised = _in(Change.created_at, start, end)
    total = _count(session, Change, raised)
    prev = _count(session, Change, _in(Change.created_at, *_previous(start, end)))
    rows = session.exec(
        select(Change.change_type, Change.outcome, func.count())
        .where(raised).group_by(Change.change_type, Change.outcome)
        .order_by(Change.change_type, Change.outcome)
    ).all()
    outcomes: dict[str, int] = {}
    for _, outcome, n in rows:
        outcomes[outcome or ""] = outcomes.get(outcome or "", 0) + n
    decided = sum(n for o, n in outcomes.items() if o)
    ev.figure("Changes raised", total)
    ev.figure("Changes raised in the previous period", prev)
    ev.figure("Emergency changes", sum(n for t, _, n in rows if t == "emergency"))
    ev.figure("Successful", outcomes.get("successful", 0))
    ev.figure("Failed", outcomes.get("failed", 0))
    ev.figure("Backed out", outcomes.get("backed_out", 0))
    ev.figure("Success rate (of changes with an outcome)", _pct(outcomes.get("successful", 0), decided))
    ev.table("Changes by category and outcome", ["category", "outcome", "changes"],
             [[t, o or "no outcome yet", n] for t, o, n in rows])


def _problem_effectiveness(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    resolved = _in(Problem.resolved_at, start, end)
    mean_days = session.exec(select(func.avg(_hours(Problem) / 24.0)).where(resolved)).one()
    open_at_end = _count(session, Problem, Problem.created_at < end,
                         or_(col(Problem.resolved_at).is_(None), Problem.resolved_at >= end),
                         or_(col(Problem.closed_at).is_(None), Problem.closed_at >= end))
    in_period = _in(Incident.created_at, start, end)
    incidents = _count(session, Incident, in_period)
    linked = _count(session, Incident, in_period, col(Incident.problem_id).is_not(None))
    ev.figure("Problems opened", _count(session, Problem, _in(Problem.created_at, start, end)))
    ev.figure("Problems resolved", _count(session, Problem, resolved))
    ev.figure("Problems closed", _count(session, Problem, _in(Problem.closed_at, start, end)))
    ev.figure("Mean time to resolve (days)", _round(mean_days))
    ev.figure("Problems open at the end of the period", open_at_end)
    ev.figure("Known errors recorded", _count(session, KnownError, _in(KnownError.created_at, start, end)))
    ev.figure("Incidents in the period", incidents)
    ev.figure("Incidents linked to a problem", f"{linked} ({_pct(linked, incidents)})")
    recurring = session.exec(
        select(Problem.ref, Problem.title, Problem.status, func.count(Incident.id))
        .join(Incident, Incident.problem_id == Problem.id).where(in_period)
        .group_by(Problem.id).having(func.count(Incident.id) >= 2)
        .order_by(func.count(Incident.id).desc(), Problem.id).limit(MAX_ROWS)
    ).all()
    ev.table("Problems with recurring incidents in the period",
             ["problem", "title", "status", "incidents"], [list(r) for r in recurring])
    clusters = session.exec(
        select(_service_name(), Incident.category, func.count())
        .select_from(Incident).join(Service, Incident.service_id == Service.id, isouter=True)
        .where(in_period, col(Incident.problem_id).is_(None))
        .group_by(Incident.service_id, Service.name, Incident.category).having(func.count() >= 3)
        .order_by(func.count().desc()).limit(MAX_ROWS)
    ).all()
    ev.table("Recurring incidents not linked to a problem (3 or more per service and category)",
             ["service", "category", "incidents"], [[s, c or "(none)", n] for s, c, n in clusters])


def _sla_targets(config) -> Any:
    try:
        from ..incidents.sla import sla_policy
    except ImportError:  # the SLA feature is not part of this build
        return None
    return sla_policy(config)


def _target_case(policy, which: str):
    """SQL CASE giving each incident's target in seconds from its service and priority."""
    whens = []
    for service, targets in policy.services.items():
        for priority, target in targets.items():
            whens.append((and_(Service.name == service, Incident.priority == priority),
                          getattr(target, which).total_seconds()))
    for priority, target in policy.default.items():
        whens.append((Incident.priority == priority, getattr(target, which).total_seconds()))
    return case(*whens, else_=None)


def _sla_performance(session: Session, ev: Evidence, start: datetime, end: datetime,
                     config=None) -> None:
    resolved = _in(Incident.resolved_at, start, end)
    ev.figure("Incidents opened", _count(session, Incident, _in(Incident.created_at, start, end)))
    ev.figure("Incidents resolved", _count(session, Incident, resolved))
    policy = _sla_targets(config) if config is not None and _has(Incident, "sla_counted_s") else None

    def per_service(*columns):
        # one select with every column (SQLModel's one-column select stays scalar-only)
        return session.exec(
            select(_service_name(), *columns).select_from(Incident)
            .join(Service, Incident.service_id == Service.id, isouter=True).where(resolved)
            .group_by(Incident.service_id, Service.name).order_by(_service_name())).all()

    if policy is None:
        rows = per_service(func.count(), func.avg(_hours(Incident)))
        ev.table("Incidents resolved per service", ["service", "resolved", "mean hours to resolve"],
                 [[s, n, _round(h)] for s, n, h in rows])
        ev.note("No SLA clock data in this database: targets met/missed cannot be computed.")
        return
    target = _target_case(policy, "resolve")
    met = func.sum(case((Incident.sla_counted_s <= target, 1), else_=0))
    respond_target = _target_case(policy, "respond")
    responded = func.sum(case((col(Incident.sla_response_s).is_not(None), 1), else_=0))
    respond_met = func.sum(case((Incident.sla_response_s <= respond_target, 1), else_=0))
    rows = per_service(func.count(), met, responded, respond_met)
    total = sum(r[1] for r in rows)
    total_met = sum(r[2] or 0 for r in rows)
    ev.figure("Resolution targets met", total_met)
    ev.figure("Resolution targets missed", total - total_met)
    ev.figure("Resolution compliance", _pct(total_met, total))
    # short headers: the table fits 80 columns (it ran to "RESPOND ME" there, cut)
    ev.table("Resolution and response targets per service",
             ["service", "resolved", "met", "missed", "compliance", "resp. met", "resp. missed"],
             [[s, n, m or 0, n - (m or 0), _pct(m or 0, n), rm or 0, (r or 0) - (rm or 0)]
              for s, n, m, r, rm in rows])
    # open at the end = as the service report's backlog: neither resolved nor closed (a
    # cancelled incident is closed) by then
    open_now = _count(session, Incident, Incident.created_at < end,
                      or_(col(Incident.resolved_at).is_(None), Incident.resolved_at >= end),
                      or_(col(Incident.closed_at).is_(None), Incident.closed_at >= end))
    ev.figure("Incidents open at the end of the period (workload)", open_now)


def _survey_sample(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    """The representative sample surveyed in the period (sms-tui survey sample), per customer."""
    from ...storage.contacts import SurveyInvitation

    sent = _in(SurveyInvitation.sent_at, start, end)
    rows = session.exec(select(SurveyInvitation.organisation, func.count(),
                               func.count(SurveyInvitation.score), func.avg(SurveyInvitation.score))
                        .where(sent).group_by(SurveyInvitation.organisation)
                        .order_by(SurveyInvitation.organisation)).all()
    invited = sum(r[1] for r in rows)
    answered = sum(r[2] for r in rows)
    ev.figure("Surveyed (representative sample, 'sms-tui survey sample')",
              f"{invited} across {len(rows)} organisation(s)")
    ev.figure("Survey response rate", f"{answered} answered ({_pct(answered, invited)})")
    if rows:
        ev.table("Survey results per customer", ["organisation", "asked", "answered", "mean"],
                 [[org, n, a, _round(mean, 2)] for org, n, a, mean in rows])
    else:
        ev.note("No satisfaction survey was sent in the period: run 'sms-tui survey sample'.")


def _customer_satisfaction(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    _survey_sample(session, ev, start, end)
    closed = _in(ServiceRequest.closed_at, start, end)
    total = _count(session, ServiceRequest, closed)
    ev.figure("Requests closed", total)
    if not _has(ServiceRequest, "satisfaction_score"):
        ev.note("This database records no satisfaction scores: run a survey and attach its results.")
        return
    score = ServiceRequest.satisfaction_score
    scored = and_(closed, col(score).is_not(None))
    answered = _count(session, ServiceRequest, scored)
    mean = session.exec(select(func.avg(score)).where(scored)).one()
    ev.figure("Requests with a score", f"{answered} ({_pct(answered, total)} of closed)")
    ev.figure("Mean score (1–5)", _round(mean, 2))
    dist = dict(session.exec(select(score, func.count()).where(scored).group_by(score)).all())
    ev.table("Scores", ["score", "requests"], [[s, dist.get(s, 0)] for s in range(1, 6)])
    low = session.exec(select(ServiceRequest.ref, ServiceRequest.title, score)
                       .where(scored, score <= 2).order_by(ServiceRequest.closed_at)
                       .limit(MAX_ROWS)).all()
    ev.table("Low scores to follow up (1 or 2)", ["request", "title", "score"], [list(r) for r in low])
    if total and answered < max(5, total // 10):
        ev.note("Fewer than 10 % of closed requests (or fewer than 5) were scored: "
                "the sample may not be representative.")


def _per_service(session: Session, model, start: datetime, end: datetime) -> dict[str, int]:
    rows = session.exec(select(_service_name(), func.count()).select_from(model)
                        .join(Service, model.service_id == Service.id, isouter=True)
                        .where(_in(model.created_at, start, end)).group_by(model.service_id, Service.name)).all()
    return dict(rows)


def _service_trends(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    prev = _previous(start, end)
    opened = _count(session, Incident, _in(Incident.created_at, start, end))
    before = _count(session, Incident, _in(Incident.created_at, *prev))
    ev.figure("Incidents opened", opened)
    ev.figure("Incidents opened in the previous period", before)
    ev.figure("Incidents resolved", _count(session, Incident, _in(Incident.resolved_at, start, end)))
    ev.figure("Major incidents", _count(session, Incident, _in(Incident.created_at, start, end),
                                        Incident.major == True))  # noqa: E712
    ev.figure("Requests opened", _count(session, ServiceRequest, _in(ServiceRequest.created_at, start, end)))
    rows = session.exec(select(_service_name(), Incident.priority, func.count()).select_from(Incident)
                        .join(Service, Incident.service_id == Service.id, isouter=True)
                        .where(_in(Incident.created_at, start, end))
                        .group_by(Incident.service_id, Service.name, Incident.priority)).all()
    grid: dict[str, list[int]] = {}
    for service, priority, n in rows:
        grid.setdefault(service, [0] * 5)[max(1, min(5, priority)) - 1] += n
    earlier = _per_service(session, Incident, *prev)
    ev.table("Incidents by service and priority", ["service", "P1", "P2", "P3", "P4", "P5", "total",
                                                   "previous period"],
             [[s, *counts, sum(counts), earlier.get(s, 0)] for s, counts in sorted(grid.items())])


def _capacity_demand(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    prev = _previous(start, end)
    services = sorted(set(_per_service(session, Incident, start, end))
                      | set(_per_service(session, ServiceRequest, start, end)))
    inc_now, inc_prev = _per_service(session, Incident, start, end), _per_service(session, Incident, *prev)
    req_now = _per_service(session, ServiceRequest, start, end)
    req_prev = _per_service(session, ServiceRequest, *prev)
    ev.figure("Incidents opened", sum(inc_now.values()))
    ev.figure("Requests opened", sum(req_now.values()))
    ev.table("Demand per service (this period / previous period)",
             ["service", "incidents", "previous", "requests", "previous"],
             [[s, inc_now.get(s, 0), inc_prev.get(s, 0), req_now.get(s, 0), req_prev.get(s, 0)]
              for s in services])
    types = session.exec(select(ServiceRequest.request_type, func.count())
                         .where(_in(ServiceRequest.created_at, start, end))
                         .group_by(ServiceRequest.request_type)
                         .order_by(func.count().desc()).limit(MAX_ROWS)).all()
    ev.table("Requests by type", ["request type", "requests"], [[t or "(none)", n] for t, n in types])


def _config_verification(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    ci = ConfigurationItem
    ev.figure("Configuration items", _count(session, ci))
    ev.figure("CIs without a service", _count(session, ci, col(ci.service_id).is_(None),
                                              ci.status != "retired"))
    ev.figure("Active CIs not updated for a year", _count(
        session, ci, ci.status == "active", ci.updated_at < end - timedelta(days=365)))
    in_period = _in(Incident.created_at, start, end)
    total = _count(session, Incident, in_period)
    no_ci = _count(session, Incident, in_period, col(Incident.ci_id).is_(None))
    ev.figure("Incidents in the period without a CI", f"{no_ci} ({_pct(no_ci, total)})")
    rows = session.exec(select(ci.ci_type, ci.status, func.count())
                        .group_by(ci.ci_type, ci.status).order_by(ci.ci_type, ci.status)).all()
    ev.table("CIs by type and status", ["type", "status", "CIs"], [list(r) for r in rows])
    _config_against_changes(session, ev, start, end)


def _config_against_changes(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    """Compare the CIs with what changes recorded (8.2.6 with 8.5.1.1): CI updates made with no
    change named, and changes implemented in the period whose CIs show no update under them."""
    import json

    from ...storage.change_links import ChangeCILink

    entries = session.exec(select(JournalEntry.record_ref, JournalEntry.at, JournalEntry.action,
                                  JournalEntry.changes)
                           .where(JournalEntry.record_kind == "ci",
                                  col(JournalEntry.action).in_(("update", "relate", "unrelate")),
                                  _in(JournalEntry.at, start, end))
                           .order_by(JournalEntry.id)).all()
    unnamed, named = [], set()
    for ref, at, action, changes in entries:
        try:
            data = json.loads(changes or "{}")
        except ValueError:
            data = {}
        change = (data.get("change") or [None, None])[1]
        if change:
            named.add((ref.removeprefix("CI:"), change))
        else:
            unnamed.append([ref.removeprefix("CI:"), _when(at), action,
                            ", ".join(k for k in data if k != "change")])
    ev.figure("CI updates in the period with no change named", len(unnamed))
    ev.table("CI updates with no change named", ["CI", "when", "action", "what"], unnamed[:MAX_ROWS])
    done = session.exec(select(Change.ref, ConfigurationItem.name)
                        .join(ChangeCILink, ChangeCILink.change_id == Change.id)
                        .join(ConfigurationItem, ConfigurationItem.id == ChangeCILink.ci_id)
                        .where(_in(Change.resolved_at, start, end), Change.outcome == "successful")
                        .order_by(Change.ref)).all()
    missing = [[ref, name] for ref, name in done if (name, ref) not in named]
    ev.figure("CIs of changes implemented in the period with no update recorded under them",
              len(missing))
    ev.table("Changes implemented whose CIs show no update", ["change", "CI"], missing[:MAX_ROWS])
    _planned_updates_left(session, ev, start, end)
    services = session.exec(select(JournalEntry.record_ref, JournalEntry.at, JournalEntry.changes)
                            .where(JournalEntry.record_kind == "service",
                                   col(JournalEntry.action).in_(("update", "relate", "unrelate")),
                                   _in(JournalEntry.at, start, end))).all()
    ev.figure("Service updates in the period with no change named",
              sum(1 for _ref, _at, changes in services if '"change"' not in (changes or "")))


def _planned_updates_left(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    """The CI updates changes implemented in the period planned but never applied (issue 18)."""
    from ...storage.change_links import ChangeCIUpdate

    rows = session.exec(select(Change.ref, ConfigurationItem.name, ChangeCIUpdate.ci_field,
                               ChangeCIUpdate.value)
                        .join(ChangeCIUpdate, ChangeCIUpdate.change_id == Change.id)
                        .join(ConfigurationItem, ConfigurationItem.id == ChangeCIUpdate.ci_id)
                        .where(_in(Change.resolved_at, start, end), Change.outcome == "successful",
                               col(ChangeCIUpdate.applied_at).is_(None))
                        .order_by(Change.ref, ChangeCIUpdate.position)).all()
    ev.figure("Planned CI updates of changes implemented in the period never applied", len(rows))
    ev.table("Planned CI updates never applied", ["change", "CI", "field", "planned value"],
             [list(r) for r in rows[:MAX_ROWS]])


def _major_incidents(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    rows = session.exec(select(Incident.ref, Incident.title, _service_name(), Incident.status,
                               _hours(Incident)).select_from(Incident)
                        .join(Service, Incident.service_id == Service.id, isouter=True)
                        .where(_in(Incident.created_at, start, end), Incident.major == True)  # noqa: E712
                        .order_by(Incident.created_at).limit(MAX_ROWS)).all()
    ev.figure("Major incidents", _count(session, Incident, _in(Incident.created_at, start, end),
                                        Incident.major == True))  # noqa: E712
    ev.table("Major incidents", ["incident", "title", "service", "status", "hours to resolve"],
             [[r, t, s, st, _round(h)] for r, t, s, st, h in rows])
    severe = session.exec(select(_service_name(), func.count()).select_from(Incident)
                          .join(Service, Incident.service_id == Service.id, isouter=True)
                          .where(_in(Incident.created_at, start, end), Incident.priority <= 2)
                          .group_by(Incident.service_id, Service.name).order_by(func.count().desc())).all()
    ev.table("P1 and P2 incidents per service", ["service", "incidents"], [list(r) for r in severe])


def _continuity(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    _major_incidents(session, ev, start, end)
    if _has(Change, "major_impact"):
        ev.figure("Major-impact changes raised", _count(session, Change, _in(Change.created_at, start, end),
                                                        Change.major_impact == True))  # noqa: E712


def _security(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    if _has(Incident, "security_risk"):  # classified with a security risk (issue 18, 8.7.3.3)
        security = and_(_in(Incident.created_at, start, end), Incident.security_risk != "none")
        ev.figure("Security incidents (security risk not none)", _count(session, Incident, security))
        risks = session.exec(select(Incident.security_risk, func.count()).where(security)
                             .group_by(Incident.security_risk)).all()
        ev.table("Security incidents by risk", ["risk", "incidents"], [list(r) for r in risks])
    else:
        security = and_(_in(Incident.created_at, start, end), col(Incident.category).ilike("%secur%"))
        ev.figure("Security incidents (category mentions security)", _count(session, Incident, security))
    rows = session.exec(select(_service_name(), Incident.priority, func.count()).select_from(Incident)
                        .join(Service, Incident.service_id == Service.id, isouter=True)
                        .where(security).group_by(Incident.service_id, Service.name, Incident.priority)
                        .order_by(_service_name(), Incident.priority)).all()
    ev.table("Security incidents by service and priority", ["service", "priority", "incidents"],
             [[s, f"P{p}", n] for s, p, n in rows])


def _suppliers(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    # keyed on created_at so the covering index answers it (see storage.reviews)
    resolved = func.sum(case((col(Incident.resolved_at).is_not(None), 1), else_=0))
    rows = session.exec(select(Incident.assignment_group, func.count(), resolved,
                               func.avg(_hours(Incident)))
                        .where(_in(Incident.created_at, start, end))
                        .group_by(Incident.assignment_group).order_by(func.count().desc())
                        .limit(MAX_ROWS)).all()
    ev.table("Incidents opened in the period per assignment group",
             ["group", "opened", "resolved", "mean hours to resolve"],
             [[g or "(none)", n, r or 0, _round(h)] for g, n, r, h in rows])
    ev.note("sms-tui keeps no supplier targets: compare these figures with the agreed ones "
            "and attach the supplier's own report in the outcome.")


def _no_data(what: str) -> Callable[[Session, Evidence, datetime, datetime], None]:
    def build(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
        ev.note(f"sms-tui keeps no {what}: attach the evidence in the outcome.")
    return build


def _sms_performance(session: Session, ev: Evidence, start: datetime, end: datetime) -> None:
    due = _in(ReviewTask.due, start, end)
    rows = session.exec(select(ReviewTask.status,
                               func.sum(case((and_(ReviewTask.status == "done",
                                                   ReviewTask.completed_at <= ReviewTask.due), 1),
                                             else_=0)), func.count())
                        .where(due).group_by(ReviewTask.status)).all()
    by_status = {s: n for s, _, n in rows}
    on_time = sum(t or 0 for _, t, _ in rows)
    ev.figure("Reviews due in the period", sum(by_status.values()))
    ev.figure("Done on time", on_time)
    ev.figure("Done late", by_status.get("done", 0) - on_time)
    ev.figure("Skipped", by_status.get("skipped", 0))
    ev.figure("Still open", by_status.get("open", 0) + by_status.get("in_progress", 0))
    for label, model, closed in (("Improvement opportunities", ImprovementOpportunity,
                                  ("closed", "rejected")),
                                 ("Nonconformities", Nonconformity, ("closed", "cancelled"))):
        ev.figure(f"{label} raised", _count(session, model, _in(model.created_at, start, end)))
        ev.figure(f"{label} closed", _count(session, model, _in(model.closed_at, start, end)))
        ev.figure(f"{label} still open", _count(session, model, col(model.status).not_in(closed)))
    volumes = [[label, _count(session, model, _in(model.created_at, start, end))]
               for label, model in (("incidents", Incident), ("requests", ServiceRequest),
                                    ("problems", Problem), ("known errors", KnownError),
                                    ("changes", Change))]
    ev.table("Records opened in the period", ["record type", "opened"], volumes)


PERIOD_BUILDERS: dict[str, Callable[..., None]] = {
    "config_verification": _config_verification,
    "service_trends": _service_trends,
    "customer_satisfaction": _customer_satisfaction,
    "sla_performance": _sla_performance,
    "supplier_performance": _suppliers,
    "supplier_contracts": _no_data("supplier contracts"),
    "internal_supplier_performance": _suppliers,
    "budget_costs": _no_data("costs or budgets"),
    "capacity_demand": _capacity_demand,
    "rfc_trends": _rfc_trends,
    "problem_effectiveness": _problem_effectiveness,
    "availability_risk": _major_incidents,
    "continuity_risk": _continuity,
    "continuity_test": _continuity,
    "security_risk": _security,
    "internal_audit": _sms_performance,
    "management_review": _sms_performance,
}
# builders that also need the organization's config (SLA targets)
_NEEDS_CONFIG = {"sla_performance"}


def evidence_for_period(session: Session, activity: str, start: datetime, end: datetime,
                        now: datetime, config=None) -> dict[str, Any]:
    """The evidence for a scheduled review of ``activity`` covering [start, end)."""
    ev = Evidence(activity, now, start, end)
    build = PERIOD_BUILDERS.get(activity)
    if build is None:
        ev.note("No evidence is collected automatically for this activity.")
    elif activity in _NEEDS_CONFIG:
        build(session, ev, start, end, config)
    else:
        build(session, ev, start, end)
    return ev.data


# ----------------------------------------------------------------- event builders
def _incident_facts(session: Session, ev: Evidence, ref: str, now: datetime) -> None:
    row = session.exec(select(Incident, _service_name()).join(
        Service, Incident.service_id == Service.id, isouter=True).where(Incident.ref == ref)).first()
    if row is None:
        ev.note(f"{ref} was not found in the store.")
        return
    inc, service = row
    ev.figure("Incident", f"{inc.ref} {inc.title}")
    ev.figure("Service", service)
    ev.figure("Priority", f"P{inc.priority}")
    ev.figure("Major because", inc.major_reason or "declared")
    if _has(Incident, "major_manager"):
        ev.figure("Responsible (major incident manager)", inc.major_manager or "nobody assigned")
    ev.figure("Opened", _when(inc.created_at))
    ev.figure("Resolved", _when(inc.resolved_at) if inc.resolved_at else "not yet")
    if inc.resolved_at:
        ev.figure("Hours to resolve", _round((inc.resolved_at - inc.created_at).total_seconds() / 3600))
    ev.figure("Escalation level", inc.escalation_level)
    from ...storage.models import JournalEntry

    actions = session.exec(select(JournalEntry.action, func.count())
                           .where(JournalEntry.record_ref == inc.ref)
                           .group_by(JournalEntry.action).order_by(JournalEntry.action)).all()
    ev.table("Actions recorded on the incident", ["action", "entries"], [list(a) for a in actions])
    if inc.problem_id:
        problem = session.get(Problem, inc.problem_id)
        if problem is not None:
            ev.figure("Linked problem", f"{problem.ref} [{problem.status}]")


def _when(value: datetime) -> str:
    """'2026-03-14 21:07 UTC': what a reader needs, without microseconds or offsets."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M} UTC"


def _change_facts(session: Session, ev: Evidence, ref: str, now: datetime) -> None:
    change = session.exec(select(Change).where(Change.ref == ref)).first()
    if change is None:
        ev.note(f"{ref} was not found in the store.")
        return
    ev.figure("Change", f"{change.ref} {change.title}")
    ev.figure("Category", change.change_type)
    ev.figure("Outcome", change.outcome or "not recorded yet")
    if _has(Change, "risk_level") and change.risk_level:
        ev.figure("Risk level", change.risk_level)
    # Implemented = when it left implementation (resolved_at), or this event's time: the
    # planned end is a plan, not a fact (an emergency change often has none, or a wrong one).
    window = change.resolved_at or now
    ev.figure("Implemented", _when(window))
    if change.planned_end is not None:
        ev.figure("Planned end", _when(change.planned_end))
    linked = session.exec(select(Incident.ref, Incident.title, Incident.status, Incident.priority)
                          .where(Incident.change_id == change.id).order_by(Incident.id)
                          .limit(MAX_ROWS)).all()
    ev.figure("Incidents linked to the change", _count(session, Incident, Incident.change_id == change.id))
    ev.table("Incidents linked to the change", ["incident", "title", "status", "priority"],
             [[r, t, s, f"P{p}"] for r, t, s, p in linked])
    if change.service_id is not None and window is not None:
        after = _count(session, Incident, Incident.service_id == change.service_id,
                       Incident.created_at >= window)
        ev.figure("Incidents on the same service since the change", after)


EVENT_BUILDERS: dict[str, Callable[[Session, Evidence, str, datetime], None]] = {
    "major_incident_review": _incident_facts,
    "change_effectiveness_review": _change_facts,
    "continuity_retest": _change_facts,
    "post_release_monitoring": _change_facts,
}


def evidence_for_event(session: Session, activity: str, source_ref: str, now: datetime) -> dict[str, Any]:
    """Evidence about the record that caused an event review (incident or change)."""
    ev = Evidence(activity, now, source_ref=source_ref)
    build = EVENT_BUILDERS.get(activity)
    if build is None:
        ev.note("No evidence is collected automatically for this review.")
    else:
        build(session, ev, source_ref, now)
    return ev.data


# ----------------------------------------------------------------- text
def render_text(evidence: dict[str, Any]) -> str:
    """Readable plain text of the evidence (user text inside stays data: no markup)."""
    if not evidence:
        return "No evidence was collected."
    lines: list[str] = []
    period = evidence.get("period")
    if period:
        lines.append(f"Period: {period.get('label', '')}")
    if evidence.get("source_ref"):
        lines.append(f"Raised by: {one_line(str(evidence['source_ref']))}")
    if evidence.get("generated_at"):
        lines.append(f"Collected: {str(evidence['generated_at'])[:16].replace('T', ' ')}")
    figures = evidence.get("figures") or []
    if figures:
        lines.append("")
        width = max(len(str(label)) for label, _ in figures)
        lines.extend(f"  {str(label).ljust(width)}  {_cell(value)}" for label, value in figures)
    for table in evidence.get("tables") or []:
        lines.append("")
        lines.append(one_line(str(table.get("title", ""))))
        rows = [[_cell(v) for v in row] for row in table.get("rows") or []]
        if not rows:
            lines.append("  (none)")
            continue
        columns = [str(c) for c in table.get("columns") or []]
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
        lines.append("  " + "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=False)).rstrip())
        lines.extend("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=False)).rstrip()
                     for r in rows)
    notes = evidence.get("notes") or []
    if notes:
        lines.append("")
        lines.extend(f"Note: {n}" for n in notes)
    return "\n".join(lines)


def _cell(value: Any) -> str:
    # titles are user text: one line, controls visible, so a table stays a table
    if value is None:
        return "–"
    return one_line(str(value), 60)
