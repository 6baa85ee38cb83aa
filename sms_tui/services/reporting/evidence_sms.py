"""Evidence for the management-system clauses: 8.2.6, 8.3.2, 8.3.3, planned reviews,
9.4, 10.1 and 10.2 (see :mod:`.report_evidence` for the record clauses).

A clause whose tables this database does not have reports "no data" (its
feature is not installed); it never fails.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from .as_at import flag, journaled_since
from .evidence import OPEN_REVIEW, EvCtx, _keep, pct, plural
from .model import ClauseEvidence, Fact, Gap
from .sql import refs, rows, scalar, ts


def _no_data(clause: str, title: str, what: str) -> ClauseEvidence:
    return ClauseEvidence(clause, title, "no data", available=False, note=f"no data: {what}")


def _review_facts(ev: EvCtx, activities: tuple[str, ...], label: str) -> list[Fact]:
    done = ev.reviews_done(activities)
    return [] if done is None else [Fact(f"{label} done in the period", str(done))]


# --------------------------------------------------------------------- 8.2.6
def _service_graph_facts(ev: EvCtx) -> list[Fact]:
    """Services in the relationship graph (issue 18): how many are linked to CIs, at the end
    of a past period (links made since undone from the services' journals)."""
    if not ev.probe.has("service_ci_relationship"):
        return []
    per_service = {f"SVC:{name}": int(n) for name, n in rows(
        ev.session, "SELECT s.name, COUNT(*) FROM service_ci_relationship g JOIN service s "
        "ON s.id = g.service_id GROUP BY s.name")}
    if ev.past:
        for ref, _action, old, new in journaled_since(ev.session, ("service",), ev.params["e"],
                                                      "relationship", _service_refs(ev)):
            per_service[ref] = per_service.get(ref, 0) + _undone(old, new)
    links = sum(n for n in per_service.values() if n > 0)
    services = sum(1 for n in per_service.values() if n > 0)
    return [Fact("Services in the relationship graph (linked to CIs)",
                 f"{services} ({links} relationship{'s' if links != 1 else ''})")]


def _service_refs(ev: EvCtx) -> list[str]:
    """The journal references of every service (never deleted: renamed at most)."""
    return [f"SVC:{name}" for (name,) in rows(ev.session, "SELECT name FROM service")]


def _undone(old: object, new: object) -> int:
    """What undoing a journaled relationship change does to a count: a link made since was
    not there (-1), one removed since was (+1)."""
    return -1 if old is None and new is not None else 1 if new is None and old is not None else 0


def _cis_then(ev: EvCtx) -> tuple[list[tuple[str, str, bool, int]], int]:
    """The CIs as they stood at the end of a past period, as they are while it runs:
    (name, status, linked to a service, relationships to CIs or services), and how many
    relationships between CIs there were.

    A CI recorded after the period is left out; its status, service and relationships are
    those it had then (each change journaled on it since undone)."""
    ties = ["(SELECT COUNT(*) FROM ci_relationship r WHERE r.source_id = c.id OR "
            "r.target_id = c.id)" if ev.probe.has("ci_relationship") else "0"]
    if ev.probe.has("service_ci_relationship"):  # a service in the graph ties it too
        ties.append("(SELECT COUNT(*) FROM service_ci_relationship g WHERE g.ci_id = c.id)")
    now = {f"CI:{name}": {"name": name, "status": status, "service": service, "ties": int(n)}
           for name, status, service, n in rows(
               ev.session, f"SELECT c.name, c.status, c.service_id, {' + '.join(ties)} "
               f"FROM configuration_item c WHERE {ev.existed('c.created_at')}", **ev.params)}
    relations = (int(scalar(ev.session, "SELECT COUNT(*) FROM ci_relationship") or 0)
                 if ev.probe.has("ci_relationship") else 0)
    then = ev.rolled_back(now, ("ci",), ("status", "service"))
    if ev.past:
        on_cis = on_services = 0
        every = [f"CI:{name}" for (name,) in rows(ev.session, "SELECT name FROM configuration_item")]
        if ev.probe.has("service"):
            every += _service_refs(ev)
        for ref, _action, old, new in journaled_since(ev.session, ("ci", "service"),
                                                      ev.params["e"], "relationship", every):
            step = _undone(old, new)
            if ref.startswith("SVC:"):
                on_services += step
                continue
            on_cis += step
            if ref in then:
                then[ref]["ties"] += step
        # a link between two CIs is journaled on both, a CI's link to a service on it once
        relations += (on_cis - on_services) // 2
    found = [(c["name"], c["status"], c["service"] is not None, c["ties"]) for c in then.values()]
    return sorted(found, key=lambda c: c[0]), relations


def configuration(ev: EvCtx) -> ClauseEvidence:
    if not ev.probe.has("configuration_item", "status", "service_id"):
        return _no_data("8.2.6", "Configuration information", "no configuration items table")
    cis, relations = _cis_then(ev)
    total = len(cis)
    active = sum(1 for c in cis if c[1] == "active")
    with_service = sum(1 for c in cis if c[2])
    changed = int(scalar(
        ev.session, "SELECT COUNT(DISTINCT record_ref) FROM journal_entry WHERE record_kind = 'ci' "
        "AND at >= :s AND at < :e", **ev.params) or 0)
    incidents = ev.count("incident")
    with_ci = ev.count("incident", "ci_id IS NOT NULL")
    facts = [
        Fact("Configuration items recorded", f"{total} ({active} active)"),
        Fact("Linked to a service", f"{with_service} ({pct(with_service, total)})"),
        Fact("Relationships between CIs", str(relations)),
        *_service_graph_facts(ev),
        Fact("CIs changed in the period (journaled)", str(changed)),
        Fact("Incidents of the period naming a CI", f"{with_ci} ({pct(with_ci, incidents)})"),
        *_review_facts(ev, ("config_verification",), "Configuration verifications"),
        *ev.skip_facts(("config_verification",)),
    ]
    # A CI with no service of its own may still serve one through a relationship (a switch
    # under the mail servers, or a service in the graph); only CIs tied to nothing are a gap.
    orphans = [c[0] for c in cis if c[1] == "active" and not c[2] and c[3] <= 0]
    count, listed = len(orphans), tuple(orphans[:ev.max_refs] if ev.max_refs else orphans)
    gaps = [
        Gap("ci.orphaned", "active configuration items tied to no service and no other CI",
            count, listed),
        ev.overdue_reviews("ci.verification_overdue", ("config_verification",),
                           "configuration verifications"),
        ev.skipped_reviews("ci.verification_skipped", ("config_verification",),
                           "configuration verifications"),
    ]
    if total and ev.probe.has("review_task", "activity", "status", "completed_at"):
        # CIs on record but their accuracy never verified in the year up to the period's end:
        # the records exist, the evidence that they are right does not.
        year_before = ts(ev.period.end - timedelta(days=366))
        verified = scalar(ev.session, "SELECT COUNT(*) FROM review_task WHERE activity = "
                          "'config_verification' AND status = 'done' AND completed_at >= :y "
                          "AND completed_at < :e", y=year_before, e=ev.params["e"])
        if not verified:
            gaps.append(Gap("ci.never_verified", "configuration information not verified in the "
                            "12 months up to the end of the period (no configuration "
                            "verification done)", 1, ()))
    summary = (f"{plural(total, 'configuration item')} ({active} active), "
               f"{pct(with_service, total)} linked to a service, "
               f"{plural(relations, 'relationship')}, {changed} changed in the period")
    done = ev.reviews_done(("config_verification",)) or 0
    return ClauseEvidence("8.2.6", "Configuration information", summary, tuple(facts),
                          _keep(*gaps), evidence=total + done)


# --------------------------------------------------------------------- 8.3.2
def service_trends(ev: EvCtx) -> ClauseEvidence:
    score = ev.probe.first_column("service_request", "satisfaction_score", "satisfaction")
    closed = ev.count("service_request", "status = 'closed'", column="closed_at")
    facts = [
        *_review_facts(ev, ("service_trends",), "Service trend reviews"),
        *_review_facts(ev, ("customer_satisfaction",), "Customer satisfaction reviews"),
        *ev.skip_facts(("service_trends", "customer_satisfaction")),
    ]
    gaps: list[Gap | None] = [
        ev.overdue_reviews("trends.review_overdue", ("service_trends",), "service trend reviews"),
        ev.overdue_reviews("satisfaction.review_overdue", ("customer_satisfaction",),
                           "customer satisfaction reviews"),
        ev.skipped_reviews("trends.review_skipped", ("service_trends",), "service trend reviews"),
        ev.skipped_reviews("satisfaction.review_skipped", ("customer_satisfaction",),
                           "customer satisfaction reviews"),
    ]
    if score:
        scored = ev.count("service_request", f"{score} IS NOT NULL", column="closed_at")
        mean = scalar(ev.session, f"SELECT AVG({score}) FROM service_request WHERE "
                      f"closed_at >= :s AND closed_at < :e AND {score} IS NOT NULL", **ev.params)
        low = ev.count("service_request", f"{score} <= 2", column="closed_at")
        facts[:0] = [
            Fact("Requests closed in the period", str(closed)),
            Fact("Satisfaction scores given", f"{scored} ({pct(scored, closed)} of closed requests)"),
            Fact("Mean satisfaction", "–" if mean is None else f"{float(mean):.1f}/5"),
            Fact("Low scores (1–2)", str(low)),
        ]
        summary = (f"{plural(scored, 'satisfaction score')} from {plural(closed, 'closed request')}"
                   + ("" if mean is None else f", mean {float(mean):.1f}/5"))
        if closed and not scored:
            gaps.append(ev.gap("satisfaction.none",
                               "no satisfaction measured: closed requests without a score",
                               "service_request", f"status = 'closed' AND {score} IS NULL",
                               column="closed_at"))
        elif closed and scored < min(closed, max(5, -(-closed // 10))):
            # a representative sample: at least one in ten closed requests, and at least five
            gaps.append(Gap("satisfaction.sample_small",
                            f"satisfaction sample too small to be representative ({scored} scores "
                            f"from {closed} closed requests; at least "
                            f"{min(closed, max(5, -(-closed // 10)))} needed)", 1, ()))
    else:
        scored = 0
        facts.insert(0, Fact("Satisfaction scores", "no data: not recorded by this database"))
        summary = "satisfaction scores are not recorded by this database"
    complaints = _complaints(ev, facts, gaps)
    _customers(ev, facts, gaps)
    surveyed = _surveys(ev, facts, gaps)
    done = (ev.reviews_done(("service_trends",)) or 0) + (
        ev.reviews_done(("customer_satisfaction",)) or 0)
    return ClauseEvidence("8.3.2", "Customers, satisfaction, complaints and service trends",
                          summary, tuple(facts), _keep(*gaps), evidence=scored + done + complaints + surveyed)


def _complaints(ev: EvCtx, facts: list[Fact], gaps: list[Gap | None]) -> int:
    """Service complaints of the period (CMP-…): received, escalated, resolved, by category."""
    if not ev.probe.has("complaint", "outcome"):  # before complaints were records
        found = ev.count("incident", "category LIKE '%complain%'") + ev.count(
            "service_request", "category LIKE '%complain%' OR request_type LIKE '%complain%'")
        facts.append(Fact("Service complaints recorded (category 'complaint')", str(found)))
        return found
    received = ev.count("complaint")
    escalated = ev.count("complaint", "escalation_level > 0")
    resolved = ev.count("complaint", column="resolved_at")  # "1" is no boolean on PostgreSQL
    facts += [
        Fact("Service complaints received", str(received)),
        Fact("Escalated to management (not resolved through the normal channels)",
             f"{escalated} ({pct(escalated, received)})"),
        Fact("Complaints resolved in the period (each with its outcome)", str(resolved)),
    ]
    categories = [(cat or "(none)", int(n)) for cat, n in ev.session.execute(text(
        "SELECT category, COUNT(*) FROM complaint WHERE created_at >= :s AND created_at < :e "
        "GROUP BY category ORDER BY COUNT(*) DESC, category"), ev.params).all()]
    if categories:
        facts.append(Fact("Complaints by category",
                          ", ".join(f"{cat}: {n}" for cat, n in categories)))
    # open for more than 30 days at the end of the period: not managed to closure. Open then =
    # open now, or resolved or closed since (its status now says nothing of the period's end)
    cutoff = ts(ev.as_of - timedelta(days=30))
    count, listed = refs(ev.session, "SELECT ref FROM complaint WHERE (status IN "
                         "('received', 'investigating', 'escalated') OR COALESCE(resolved_at, "
                         "closed_at) >= :asof) AND created_at < :c ORDER BY ref", ev.max_refs,
                         c=cutoff, asof=ev.params["asof"])
    gaps.append(Gap("complaints.open_long", "complaints open for more than 30 days", count, listed))
    return received + resolved


def _surveys(ev: EvCtx, facts: list[Fact], gaps: list[Gap | None]) -> int:
    """The satisfaction survey of a representative sample: asked, answered, per customer."""
    if not ev.probe.has("survey_invitation", "score"):
        return 0
    rows = ev.session.execute(text(
        "SELECT organisation, COUNT(*), COUNT(score), AVG(score) FROM survey_invitation "
        "WHERE sent_at >= :s AND sent_at < :e GROUP BY organisation ORDER BY organisation"),
        ev.params).all()
    asked = sum(int(r[1]) for r in rows)
    answered = sum(int(r[2]) for r in rows)
    if not asked:  # scores on closed requests may be the measurement (their gaps are above)
        return 0
    facts.append(Fact("Satisfaction survey (sample stratified by organisation)",
                      f"{asked} asked in {len(rows)} organisation(s), {answered} answered "
                      f"({pct(answered, asked)})"))
    facts.append(Fact("Survey results per customer", "; ".join(
        f"{org or '(none)'}: " + (f"{float(mean):.1f}/5 ({int(a)} of {int(n)})" if a else
                                  f"no answer (0 of {int(n)})") for org, n, a, mean in rows)))
    return answered


def _customers(ev: EvCtx, facts: list[Fact], gaps: list[Gap | None]) -> None:
    """The contact register: customers identified, and a relationship manager for each, as
    they stood at the end of a past period (contacts registered before it ended, with their
    organisation and role then; managers as designated then, each later change undone from
    the journals); as they are while it runs."""
    if not ev.probe.has("contact", "organisation") or not ev.probe.has("organisation"):
        return
    contacts = ev.rolled_back(
        {ref: {"organisation": org, "role": role} for ref, org, role in rows(
            ev.session, f"SELECT ref, organisation, role FROM contact WHERE {ev.existed()}",
            **ev.params)}, ("contact",), ("organisation", "role"))
    managers = ev.rolled_back(
        {f"ORG:{name}": {"name": name, "relationship_manager": manager} for name, manager in rows(
            ev.session, f"SELECT name, relationship_manager FROM organisation WHERE {ev.existed()}",
            **ev.params)}, ("organisation",), ("relationship_manager",))
    orgs = sorted({c["organisation"] for c in contacts.values()
                   if c["role"] == "customer" and c["organisation"]})
    managed = {m["name"] for m in managers.values() if m["relationship_manager"]}
    facts += [
        Fact("Contacts registered (customers, users, interested parties)", str(len(contacts))),
        Fact("Customer organisations with a designated relationship manager",
             f"{len([o for o in orgs if o in managed])} of {len(orgs)}"),
    ]
    missing = [o for o in orgs if o not in managed]
    gaps.append(Gap("customers.no_manager",
                    "customer organisations without a designated relationship manager",
                    len(missing), tuple(missing[:ev.max_refs])))


# --------------------------------------------------------------------- 8.3.3
def service_levels(ev: EvCtx) -> ClauseEvidence:
    from .sla import sla_evidence

    return sla_evidence(ev)


# --------------------------------------------------------------------- planned reviews
def planned_reviews(ev: EvCtx) -> ClauseEvidence:
    title = "Activities at planned intervals (reviews)"
    if not ev.probe.has("review_task", "due", "status", "completed_at", "activity"):
        return _no_data("8.2.6–9.3", title, "review tasks are not recorded yet")
    due = ev.count("review_task", column="due")
    on_time = ev.count("review_task", "status = 'done' AND completed_at <= due", column="due")
    late = ev.count("review_task", "status = 'done' AND completed_at > due", column="due")
    skipped = ev.count("review_task", "status = 'skipped'", column="due")
    overdue_sql = f"{OPEN_REVIEW} AND due < :asof"
    overdue = ev.count("review_task", overdue_sql, column="due")
    events = ev.count("review_task", "source = 'event'") if ev.probe.has(
        "review_task", "source") else 0
    facts = [
        Fact("Reviews due in the period", str(due)),
        Fact("Done on time", str(on_time)),
        Fact("Done late", str(late)),
        Fact("Skipped with a reason", str(skipped)),
        Fact("Overdue (not done, past due)", str(overdue)),
        Fact("Event reviews raised in the period", str(events)),
        *ev.skip_facts(None),
    ]
    gaps: list[Gap | None] = [
        ev.gap("reviews.overdue", "overdue reviews", "review_task", overdue_sql, column="due"),
        ev.skipped_reviews("reviews.skipped", None, "scheduled reviews of an activity"),
    ]
    if ev.probe.has("review_task", "outcome"):
        gaps.append(ev.gap("reviews.no_outcome", "reviews done without outcome notes",
                           "review_task", "status = 'done' AND outcome = ''",
                           column="completed_at"))
    if ev.probe.has("review_schedule", "paused", "activity", "clause"):
        schedules = _schedules_then(ev)
        paused = [activity for _clause, activity, is_paused in schedules if is_paused]
        facts.insert(0, Fact("Schedules in force" + (" at the end of the period" if ev.past else ""),
                             str(len(schedules) - len(paused))))
        gaps.append(Gap("reviews.paused", "schedules paused at the end of the period (no review "
                        "raised while paused)" if ev.past else
                        "schedules paused (no review will be raised)",
                        len(paused), tuple(paused[:ev.max_refs] if ev.max_refs else paused)))
    summary = (f"{plural(due, 'review')} due: {on_time} done on time, {late} late, "
               f"{skipped} skipped, {overdue} overdue")
    # Evidence is a review done: a skip is a recorded decision, shown as such, but not
    # evidence that the activity happened (an activity with every review skipped is a gap).
    return ClauseEvidence("8.2.6–9.3", title, summary, tuple(facts), _keep(*gaps),
                          evidence=on_time + late)


def _schedules_then(ev: EvCtx) -> list[tuple[str, str, bool]]:
    """(clause, activity, paused) of each review schedule at the end of a past period: those
    set up before it ended, paused or not as they were then (pauses and resumptions journaled
    on SCH:… since undone); as they are while it runs."""
    now = {f"SCH:{activity}": {"clause": clause, "activity": activity, "paused": paused}
           for clause, activity, paused in rows(
               ev.session, f"SELECT clause, activity, paused FROM review_schedule WHERE "
               f"{ev.existed()}", **ev.params)}
    then = ev.rolled_back(now, ("schedule",), ("paused",))
    return sorted((s["clause"], s["activity"], flag(s["paused"])) for s in then.values())


# --------------------------------------------------------------------- 9.4
def reporting(ev: EvCtx) -> ClauseEvidence:
    """Reports actually issued in the period (each ``report``/``evidence`` run is recorded)
    and the decisions recorded from them -- not the mere ability to produce one."""
    title = "Service reporting"
    if not ev.probe.has("report_run", "at", "decided_at"):
        return _no_data("9.4", title, "reports issued are not recorded by this database")
    issued = ev.count("report_run", column="at")
    service = ev.count("report_run", "report = 'service'", column="at")
    decided = ev.count("report_run", "decided_at IS NOT NULL", column="at")
    facts = [
        Fact("Reports issued in the period", f"{issued} ({service} service, "
             f"{issued - service} evidence)"),
        Fact("Reports with a decision recorded", str(decided)),
        *_review_facts(ev, ("management_review",), "Management reviews (9.3)"),
    ]
    gaps: list[Gap | None] = [
        ev.overdue_reviews("reporting.management_review_overdue", ("management_review",),
                           "management reviews"),
        ev.skipped_reviews("reporting.management_review_skipped", ("management_review",),
                           "management reviews"),
    ]
    if issued and not decided:
        gaps.append(ev.gap("reporting.no_decision",
                           "reports issued in the period, none with a decision recorded "
                           "(sms-tui reports-issued decide)", "report_run", "decided_at IS NULL",
                           column="at"))
    summary = (f"{plural(issued, 'report')} issued in the period, {decided} with a decision "
               "recorded")
    return ClauseEvidence("9.4", title, summary, tuple(facts), _keep(*gaps), evidence=issued)


# --------------------------------------------------------------------- 10.1, 10.2
def nonconformities(ev: EvCtx) -> ClauseEvidence:
    title = "Nonconformity and corrective action"
    if not ev.probe.has("nonconformity", "status", "created_at", "closed_at"):
        return _no_data("10.1", title, "nonconformities are not recorded yet")
    raised = ev.count("nonconformity")
    closed = ev.count("nonconformity", "status = 'closed'", column="closed_at")
    # Open at the period's end (raised before it ended, not closed or cancelled by then): what
    # the period's status rests on. "Open now" is context only: a nonconformity raised after
    # the period must not change a past period's evidence.
    open_at_end = int(scalar(ev.session, "SELECT COUNT(*) FROM nonconformity WHERE created_at < :e "
                             "AND (closed_at IS NULL OR closed_at >= :e)", e=ev.params["e"]) or 0)
    open_now = int(scalar(ev.session, "SELECT COUNT(*) FROM nonconformity WHERE status NOT IN "
                          "('closed', 'cancelled')") or 0)
    actions = ev.probe.has("corrective_action", "nonconformity_id", "done", "due")
    has_actions = ("EXISTS (SELECT 1 FROM corrective_action a "
                   "WHERE a.nonconformity_id = nonconformity.id)")
    facts = [
        Fact("Nonconformities raised in the period", str(raised)),
        Fact("Closed in the period (effectiveness verified)", str(closed)),
        Fact("Open at the end of the period", str(open_at_end)),
        Fact("Open now (whenever raised; context, not the period's status)", str(open_now)),
    ]
    gaps: list[Gap | None] = []
    if actions:
        facts.append(Fact("Raised with corrective actions",
                          str(ev.count("nonconformity", has_actions))))
        gaps += [
            ev.gap("nc.no_actions", "nonconformities without any corrective action",
                   "nonconformity", f"status <> 'cancelled' AND NOT {has_actions}"),
            # past due at the end of the period: due before it, not done by then (one done
            # since was still past due then; one due after it was not yet)
            ev.gap("nc.actions_overdue", "nonconformities with corrective actions past due"
                   + (" at the end of the period" if ev.past else ""),
                   "nonconformity", "EXISTS (SELECT 1 FROM corrective_action a WHERE "
                   "a.nonconformity_id = nonconformity.id AND a.due < :asof AND (a.done = FALSE "
                   "OR a.done_at >= :asof))"),
        ]
    if ev.probe.has("nonconformity", "effectiveness_note"):
        gaps.append(ev.gap("nc.closed_unverified",
                           "closed nonconformities without an effectiveness check",
                           "nonconformity", "status = 'closed' AND effectiveness_note = ''",
                           column="closed_at"))
    summary = f"{plural(raised, 'nonconformity', 'nonconformities')} raised, {closed} closed"
    applicable = bool(raised or closed or open_at_end)
    return ClauseEvidence("10.1", title, summary, tuple(facts), _keep(*gaps),
                          evidence=raised + closed, applicable=applicable,
                          note="" if applicable else
                          "not applicable: no nonconformity was raised, open or closed in the period")


def improvements(ev: EvCtx) -> ClauseEvidence:
    title = "Continual improvement"
    table = "improvement_opportunity"
    if not ev.probe.has(table, "status", "created_at", "closed_at"):
        return _no_data("10.2", title, "improvement opportunities are not recorded yet")
    raised = ev.count(table)
    decided = ev.count(table, "status <> 'proposed'")
    closed = ev.count(table, "1=1", column="closed_at")
    open_states = "status IN ('proposed', 'approved', 'in_progress', 'implemented')"
    facts = [
        Fact("Improvement opportunities raised", str(raised)),
        Fact("Decided (approved or rejected)", str(decided)),
        Fact("Closed in the period", str(closed)),
    ]
    if ev.probe.has(table, "review_id"):
        facts.append(Fact("Raised from a review", str(ev.count(table, "review_id IS NOT NULL"))))
    gaps: list[Gap | None] = []
    if ev.probe.has(table, "owner"):
        gaps.append(ev.gap("ofi.no_owner", "open improvement opportunities without an owner",
                           table, f"{open_states} AND owner = ''"))
    if ev.probe.has(table, "due"):
        # open at the end of the period (open now, or closed or rejected since) and due before it
        gaps.append(ev.gap("ofi.past_due", "open improvement opportunities past their due date"
                           + (" at the end of the period" if ev.past else ""), table,
                           f"({open_states} OR closed_at >= :asof) AND due IS NOT NULL "
                           "AND due < :asof"))
    if ev.probe.has(table, "criteria", "target", "measurement"):
        gaps.append(ev.gap("ofi.approved_without_criteria",
                           "improvement opportunities approved without evaluation criteria or a "
                           "target", table, "status NOT IN ('proposed', 'rejected') AND "
                           "(criteria = '' OR target = '')"))
        gaps.append(ev.gap("ofi.closed_unmeasured",
                           "improvement opportunities closed with nothing measured against their "
                           "target", table, "status = 'closed' AND measurement = ''",
                           column="closed_at"))
    if ev.probe.has(table, "decision_note"):
        gaps.append(ev.gap("ofi.decided_without_reason",
                           "improvement opportunities approved or rejected with no decision recorded",
                           table, "status NOT IN ('proposed') AND decision_note = ''"))
    summary = (f"{plural(raised, 'improvement opportunity', 'improvement opportunities')} "
               f"raised, {decided} decided, {closed} closed")
    return ClauseEvidence("10.2", title, summary, tuple(facts), _keep(*gaps),
                          evidence=raised + closed)
