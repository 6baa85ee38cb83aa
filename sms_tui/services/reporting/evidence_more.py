"""Evidence for the clauses whose proof is mostly reviews and documents: 8.3.4, 8.4,
8.5.2/8.5.3, 8.7, 9.1, 9.2 and 9.3 (see :mod:`.report_evidence` for the others).

The desk holds the reviews raised at planned intervals and the records; the
policies, plans, contracts and minutes an auditor also asks for live outside it
and are counted from the register of documented information (attached by
:func:`.report_evidence.build_clauses`).
"""

from __future__ import annotations

from .evidence import EvCtx, _keep, plural
from .model import ClauseEvidence, Fact, Gap


def _reviews(ev: EvCtx, activities: tuple[str, ...], label: str, key: str
             ) -> tuple[int, list[Fact], list[Gap | None]]:
    done = ev.reviews_done(activities)
    facts = [] if done is None else [Fact(f"{label} done in the period", str(done))]
    facts += ev.skip_facts(activities)
    return done or 0, facts, [ev.overdue_reviews(key, activities, label.lower()),
                              ev.skipped_reviews(key.replace("overdue", "skipped"), activities,
                                                 label.lower())]


# --------------------------------------------------------------------- 8.3.4
def suppliers(ev: EvCtx) -> ClauseEvidence:
    done, facts, gaps = _reviews(ev, ("supplier_performance", "internal_supplier_performance"),
                                 "Supplier performance reviews", "suppliers.review_overdue")
    contracts, more, gaps2 = _reviews(ev, ("supplier_contracts",), "Supplier contract reviews",
                                      "suppliers.contract_review_overdue")
    summary = (f"{plural(done, 'supplier performance review')} and "
               f"{plural(contracts, 'contract review')} done in the period")
    return ClauseEvidence("8.3.4", "Supplier management", summary, tuple(facts + more),
                          _keep(*gaps, *gaps2), evidence=done + contracts)


# --------------------------------------------------------------------- 8.4
def budget_and_capacity(ev: EvCtx) -> ClauseEvidence:
    costs, facts, gaps = _reviews(ev, ("budget_costs",), "Budget and cost reviews",
                                  "budget.review_overdue")
    demand, more, gaps2 = _reviews(ev, ("capacity_demand",), "Demand and capacity reviews",
                                   "capacity.review_overdue")
    summary = (f"{plural(costs, 'cost review')} and {plural(demand, 'demand review')} done in the "
               "period; budgets and capacity plans are kept outside the desk")
    return ClauseEvidence("8.4", "Supply and demand (budgeting, demand, capacity)", summary,
                          tuple(facts + more), _keep(*gaps, *gaps2), evidence=costs + demand)


# --------------------------------------------------------------------- 8.5.2, 8.5.3
def design_and_transition(ev: EvCtx) -> ClauseEvidence:
    title = "Service design, build and transition (8.5.2, 8.5.3)"
    if not ev.probe.has("change", "major_impact"):
        return ClauseEvidence("8.5.2", title, "no data", available=False,
                              note="no data: changes are not flagged for design and transition")
    flagged = ev.count("change", "major_impact = TRUE")
    implemented = ev.count("change", "major_impact = TRUE", column="resolved_at")
    has_reviews = ev.probe.has("review_task", "activity", "source_ref", "status")
    facts = [
        Fact("Changes flagged for service design and transition", str(flagged)),
        Fact("Of those, implemented in the period", str(implemented)),
    ]
    gaps: list[Gap | None] = []
    retested = 0
    if has_reviews:
        retest_sql = ("EXISTS (SELECT 1 FROM review_task r WHERE r.activity = 'continuity_retest' "
                      "AND r.source_ref = \"change\".ref AND r.status = 'done')")
        retested = ev.count("change", f"major_impact = TRUE AND {retest_sql}", column="resolved_at")
        facts.append(Fact("Continuity plans re-tested after them", str(retested)))
        gaps.append(ev.gap("transition.no_retest",
                           "implemented major-impact changes without a completed continuity re-test",
                           "change", f"major_impact = TRUE AND NOT {retest_sql} AND EXISTS (SELECT 1 "
                           "FROM review_task r WHERE r.activity = 'continuity_retest' AND "
                           "r.source_ref = \"change\".ref AND r.status NOT IN ('done', 'skipped') "
                           "AND r.due < :asof)", column="resolved_at"))
    applicable = bool(flagged or implemented)
    summary = (f"{plural(flagged, 'change')} flagged for design and transition, {implemented} "
               f"implemented, {retested} re-tested for continuity")
    return ClauseEvidence("8.5.2", title, summary, tuple(facts), _keep(*gaps),
                          evidence=flagged + implemented, applicable=applicable,
                          note="" if applicable else "not applicable: no change was flagged for "
                          "service design and transition in the period")


# --------------------------------------------------------------------- 8.7
def continuity_and_security(ev: EvCtx) -> ClauseEvidence:
    tests, facts, gaps = _reviews(ev, ("continuity_test", "continuity_retest"),
                                  "Continuity plan tests", "continuity.test_overdue")
    risks, more, gaps2 = _reviews(ev, ("availability_risk", "continuity_risk", "security_risk"),
                                  "Risk assessments (availability, continuity, security)",
                                  "risks.review_overdue")
    security, sec_facts, sec_gaps = _security_incidents(ev)
    facts = [*facts, *more, *sec_facts]
    summary = (f"{plural(tests, 'continuity test')}, {plural(risks, 'risk assessment')} and "
               f"{plural(security, 'information security incident')} in the period")
    return ClauseEvidence("8.7", "Service assurance (availability, continuity, security)",
                          summary, tuple(facts), _keep(*gaps, *gaps2, *sec_gaps),
                          evidence=tests + risks + security)


def _security_incidents(ev: EvCtx) -> tuple[int, list[Fact], list[Gap | None]]:
    """8.7.3.3: security incidents by risk, prioritized under the rule, handled step by step."""
    if not ev.probe.has("incident", "security_risk"):  # a desk from before issue 18
        security = ev.count("incident", "category LIKE '%secur%'")
        return security, [Fact("Information security incidents (category mentions security)",
                                str(security))], []
    from ...domain.security import RISKS, SecurityPolicy

    policy = getattr(ev.config, "security", None) or SecurityPolicy()
    total = ev.count("incident", "security_risk <> 'none'")
    counts = [(risk, ev.count("incident", f"security_risk = '{risk}'")) for risk in RISKS[1:]]
    by_risk = ", ".join(f"{risk} {n}" for risk, n in counts if n) or "none"
    facts = [Fact("Information security incidents (8.7.3.3, security risk not none)", str(total)),
             Fact("Security incidents by risk", by_risk),
             Fact(ev.today("Priority rule for security risk (config [security_incident])"),
                  policy.rule_text())]
    gaps: list[Gap | None] = []
    below = " OR ".join(f"(security_risk = '{risk}' AND priority > {floor})"
                        for risk, floor in policy.floors.items() if risk in RISKS)
    if below:
        gaps.append(ev.gap("security.below_rule",
                           "security incidents prioritized below the security priority rule",
                           "incident", below))
    if ev.probe.has("security_step", "incident_ref", "done_at"):
        open_steps = ("EXISTS (SELECT 1 FROM security_step s WHERE s.incident_ref = incident.ref "
                      "AND s.done_at IS NULL)")
        handled = ev.count("incident", f"security_risk <> 'none' AND status = 'closed' AND NOT {open_steps}")
        facts.append(Fact("Closed with every handling step done", str(handled)))
        gaps.append(ev.gap("security.steps_open", "closed security incidents with handling steps open",
                           "incident", f"security_risk <> 'none' AND status = 'closed' AND {open_steps}"))
    if ev.probe.has("communication", "record_ref", "purpose"):
        told = ("EXISTS (SELECT 1 FROM communication c WHERE c.record_ref = incident.ref "
                "AND c.purpose = 'security' AND TRIM(COALESCE(c.recipients, '')) <> '')")
        facts.append(Fact("Security incidents the security manager was told of",
                          str(ev.count("incident", f"security_risk <> 'none' AND {told}"))))
    return total, facts, gaps


# --------------------------------------------------------------------- 9.1
def monitoring(ev: EvCtx) -> ClauseEvidence:
    reports = (ev.count("report_run", column="at")
               if ev.probe.has("report_run", "at") else 0)
    reviews = ev.count("review_task", "status = 'done'", column="completed_at") if ev.probe.has(
        "review_task", "status", "completed_at") else 0
    facts = (Fact("Reports issued in the period", str(reports)),
             Fact("Reviews completed in the period", str(reviews)))
    summary = (f"{plural(reports, 'report')} issued and {plural(reviews, 'review')} completed "
               "in the period")
    return ClauseEvidence("9.1", "Monitoring, measurement, analysis and evaluation", summary,
                          facts, (), evidence=reports + reviews)


# --------------------------------------------------------------------- 9.2
def internal_audit(ev: EvCtx) -> ClauseEvidence:
    done, facts, gaps = _reviews(ev, ("internal_audit",), "Internal audits", "audit.overdue")
    ncs = ev.count("nonconformity") if ev.probe.has("nonconformity", "created_at") else 0
    facts.append(Fact("Nonconformities raised in the period", str(ncs)))
    summary = f"{plural(done, 'internal audit')} done in the period"
    return ClauseEvidence("9.2", "Internal audit", summary, tuple(facts), _keep(*gaps),
                          evidence=done)


# --------------------------------------------------------------------- 9.3
# The inputs a management review considers, paraphrased, with what the desk holds for each
# (None: the desk holds nothing for it; the minutes in the register are the evidence).
REVIEW_INPUTS: tuple[tuple[str, str, str | None], ...] = (
    ("a", "status of actions from earlier management reviews", "management_review"),
    ("b", "changes in external and internal issues", None),
    ("c", "changes in the needs and expectations of interested parties", None),
    ("d", "nonconformities and corrective actions", "nonconformity"),
    ("e", "monitoring and measurement results (reports issued)", "report_run"),
    ("f", "audit results", "internal_audit"),
    ("g", "opportunities for improvement", "improvement_opportunity"),
    ("h", "customer satisfaction and complaints", "customer_satisfaction"),
    ("i", "performance of suppliers", "supplier_performance"),
    ("j", "adequacy of resources", None),
    ("k", "service performance against targets", "sla_performance"),
    ("l", "risks and the effectiveness of actions taken on them", "continuity_risk"),
)
_TABLE_INPUTS = {"nonconformity": "created_at", "improvement_opportunity": "created_at",
                 "report_run": "at"}


def management_review(ev: EvCtx) -> ClauseEvidence:
    done, facts, gaps = _reviews(ev, ("management_review",), "Management reviews",
                                 "management_review.overdue")
    held = 0
    for letter, what, source in REVIEW_INPUTS:
        if source is None:
            facts.append(Fact(f"Input {letter}) {what}", "outside the desk (see the minutes)"))
            continue
        if source in _TABLE_INPUTS:
            n = (ev.count(source, column=_TABLE_INPUTS[source])
                 if ev.probe.has(source, _TABLE_INPUTS[source]) else 0)
        else:
            n = ev.reviews_done((source,)) or 0
        if source == "customer_satisfaction" and ev.probe.has("complaint", "created_at"):
            # the complaints received are the other half of this input (8.3.2)
            complaints = ev.count("complaint", column="created_at")
            held += 1 if n or complaints else 0
            facts.append(Fact(f"Input {letter}) {what}",
                              f"{plural(n, 'satisfaction review')} and "
                              f"{plural(complaints, 'complaint')} received in the period"))
            continue
        held += 1 if n else 0
        facts.append(Fact(f"Input {letter}) {what}", f"{n} in the period" if n else "none in the period"))
    summary = (f"{plural(done, 'management review')} done; the desk holds material for {held} of "
               f"{len(REVIEW_INPUTS)} inputs in the period")
    return ClauseEvidence("9.3", "Management review", summary, tuple(facts), _keep(*gaps),
                          evidence=done)

