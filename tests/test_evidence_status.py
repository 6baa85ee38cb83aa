"""Issue 16: every clause gets a status an auditor can rely on, and the checks that were wrong.

Statuses: met, gap, no_evidence, outside, not_applicable. Absence of evidence is
never "met".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_tui.domain.evidence import STATUSES, clause_status
from sms_tui.reports import render_evidence_report
from sms_tui.services.configuration.catalogue import CatalogueService
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.incidents.rules import MajorIncidentService
from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.runs import ReportRunService
from sms_tui.services.reporting.service import ReportService
from sms_tui.services.reviews.documents import DocumentService

START = datetime(2026, 3, 1, tzinfo=UTC)
MARCH = Period(START, datetime(2026, 4, 1, tzinfo=UTC))
NOW = datetime(2026, 4, 2, 9, tzinfo=UTC)


def at(day: int, hour: int = 9) -> datetime:
    return START.replace(day=day, hour=hour)


def evidence(store, period=MARCH):
    return ReportService(store).evidence_report(period)


def facts(report, clause):
    return {f.label: f.value for f in report.clause(clause).facts}


def gap_keys(report, clause):
    return {g.key for g in report.clause(clause).gaps}


# ----------------------------------------------------------------- the rule itself
@given(evidence=st.integers(0, 5), gaps=st.integers(0, 3), outside=st.integers(0, 3),
       applicable=st.booleans())
def test_met_needs_evidence_no_gap_nothing_outside_and_something_to_apply_to(
        evidence, gaps, outside, applicable):
    status = clause_status(evidence=evidence, gaps=gaps, outside=outside, applicable=applicable)
    assert status in STATUSES
    assert (status == "met") == (evidence > 0 and not gaps and not outside and applicable)
    assert (status == "gap") == bool(gaps)
    if evidence == 0 and not gaps:
        assert status != "met"


# ----------------------------------------------------------------- an empty desk
def test_an_empty_desk_meets_nothing(store, clock):
    clock.set(NOW)
    report = evidence(store)
    assert report.clauses and all(c.status != "met" for c in report.clauses)
    assert report.status_counts()["met"] == 0
    data = json.loads(render_evidence_report(report, "json"))
    assert {c["status"] for c in data["clauses"]} <= set(STATUSES)
    assert all(c["status"] != "met" for c in data["clauses"])
    md = render_evidence_report(report, "md")
    assert "No gaps found" not in md and "**Status: no evidence**" in md
    assert "**OUTSIDE** change management policy" in md
    html = render_evidence_report(report, "html")
    assert 'class="status status-outside"' in html and "0 met" in html


def test_what_the_desk_does_not_hold_is_outside_until_registered(store, clock):
    clock.set(at(2))
    RecordService(store).create("change", title="Patch the firewall", change_type="standard")
    clock.set(NOW)
    before = evidence(store).clause("8.5.1")
    assert before.status == "outside" and before.outside == ("change management policy",)

    clock.set(at(20))  # registered during the period: the period's register holds it
    DocumentService(store).add(title="Change management policy", kind="change_management_policy",
                               doc_version="3", owner="CIO", approved_on="2026-01-10",
                               next_review="2027-01-10", location="intranet/policies/change.pdf")
    clock.set(NOW)
    after = evidence(store).clause("8.5.1")
    assert after.status == "met" and after.outside == ()
    assert after.documents == ("DOC-000001 Change management policy (version 3)",)


def test_a_document_past_its_review_date_is_a_gap(store, clock):
    clock.set(at(5))
    docs = DocumentService(store)
    docs.add(title="Major incident procedure", kind="major_incident_procedure",
             approved_on="2025-01-01", next_review="2026-03-01")
    clock.set(NOW)
    clause = evidence(store).clause("8.6.1")
    assert clause.status == "gap"
    [gap] = [g for g in clause.gaps if g.key == "documents.review_overdue"]
    assert gap.refs == ("DOC-000001",)
    assert [d.ref for d in docs.list(overdue_only=True)] == ["DOC-000001"]
    docs.edit("DOC-000001", next_review="2027-03-01", doc_version="2", note="reviewed")
    # reviewed after March: overdue at March's end, as it was; not in April's
    assert "documents.review_overdue" in gap_keys(evidence(store), "8.6.1")
    april = Period(MARCH.end, datetime(2026, 5, 1, tzinfo=UTC))
    assert "documents.review_overdue" not in gap_keys(evidence(store, april), "8.6.1")


def test_a_trigger_that_did_not_happen_is_not_applicable(store, clock):
    clock.set(NOW)
    report = evidence(store)
    assert report.clause("8.5.2").status == "not_applicable"
    assert report.clause("10.1").status == "not_applicable"


# ----------------------------------------------------------------- random desks
INCIDENT = st.fixed_dictionaries({
    "category": st.sampled_from(["", "network"]),
    "resolve": st.sampled_from(["open", "with_note", "bare"]),
})


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incidents=st.lists(INCIDENT, max_size=4), procedure=st.booleans())
def test_the_incident_clause_status_follows_from_its_facts(tmp_path_factory, incidents, procedure):
    """Random desks: 8.6.1 is a gap exactly when an incident is unclassified or resolved with
    no action logged; without incidents it is never met; met needs the procedure registered."""
    from tests.conftest import FakeClock

    clock = FakeClock()
    store = Store(tmp_path_factory.mktemp("desk") / "desk.db", actor="tester", clock=clock)
    try:
        clock.set(at(1))
        CatalogueService(store).add_service("VPN")
        records = RecordService(store)
        for n, spec in enumerate(incidents):
            clock.set(at(2 + n))
            ref = records.create("incident", title=f"incident {n}", service="VPN",
                                 category=spec["category"], impact="low", urgency="low").ref
            if spec["resolve"] == "with_note":
                records.transition(ref, "resolved", note="restarted the tunnel")
            elif spec["resolve"] == "bare":
                records.transition(ref, "resolved")
        if procedure:
            DocumentService(store).add(title="Major incident procedure",
                                       kind="major_incident_procedure", approved_on="2026-01-01",
                                       next_review="2027-01-01")
        clock.set(NOW)
        clause = evidence(store).clause("8.6.1")
    finally:
        store.close()
    gap = any(s["category"] == "" or s["resolve"] == "bare" for s in incidents)
    if gap:
        expected = "gap"
    elif not procedure:
        expected = "outside"
    elif not incidents:
        expected = "no_evidence"
    else:
        expected = "met"
    assert clause.status == expected
    assert clause.evidence >= len(incidents)


# ----------------------------------------------------------------- checks that were wrong
def _major(store, clock, title="Mail down"):
    clock.set(at(3))
    CatalogueService(store).add_service("Email")
    ref = RecordService(store).create("incident", title=title, service="Email",
                                      category="outage", impact="high", urgency="high").ref
    return ref


def test_a_major_incident_with_its_manager_appointed_has_a_responsible_person(store, clock):
    ref = _major(store, clock)
    MajorIncidentService(store).set_manager(ref, "Dana (duty manager)")
    clock.set(NOW)
    assert "incidents.major_unowned" not in gap_keys(evidence(store), "8.6.1")


def test_a_major_incident_without_a_manager_is_a_gap_even_when_assigned(store, clock):
    ref = _major(store, clock)
    RecordService(store).assign(ref, "sam")
    clock.set(NOW)
    assert "incidents.major_unowned" in gap_keys(evidence(store), "8.6.1")


def test_escalated_counts_escalations_not_assignment_groups(store, clock):
    clock.set(at(2))
    records = RecordService(store)
    a = records.create("incident", title="Printer", assignment_group="Service desk").ref
    records.create("incident", title="Scanner", assignment_group="Service desk")
    records.escalate(a, to="Network team", reason="needs a network engineer")
    clock.set(NOW)
    assert facts(evidence(store), "8.6.1")["Escalated (functionally or hierarchically)"] == "1"


def test_an_undeclared_major_incident_still_counts_as_one(store, clock):
    ref = _major(store, clock)
    clock.set(at(3, 10))
    MajorIncidentService(store).undeclare(ref, "not major after all: one user only")
    clock.set(NOW)
    assert facts(evidence(store), "8.6.1")["Major incidents"] == "1 (1 undeclared later)"


def test_the_sla_review_does_not_count_cancelled_incidents_as_open(store, clock):
    from sms_tui.services.reviews.evidence import evidence_for_period

    clock.set(at(2))
    records = RecordService(store)
    records.create("incident", title="still open")
    gone = records.create("incident", title="duplicate").ref
    records.transition(gone, "cancelled", note="duplicate of the other")
    clock.set(NOW)
    with store.read() as session:
        ev = evidence_for_period(session, "sla_performance", MARCH.start, MARCH.end, NOW,
                                 store.config)
    figures = dict(ev["figures"])
    assert figures["Incidents open at the end of the period (workload)"] == 1


def test_reporting_counts_reports_issued_and_the_decisions_taken(store, clock):
    clock.set(at(2))
    RecordService(store).create("incident", title="Printer jam", category="hardware")
    clock.set(NOW)
    assert evidence(store).clause("9.4").status == "no_evidence"  # could produce one: not enough
    runs = ReportRunService(store)
    clock.set(at(20))
    run = runs.record(report="service", start=MARCH.start, end=MARCH.end, fmt="html",
                      output="march.html")
    clock.set(NOW)
    assert evidence(store).clause("9.4").status == "gap"  # issued, nothing decided from it
    runs.decide(run.ref, "add a second engineer to the VPN rota")
    clause = evidence(store).clause("9.4")
    assert clause.status == "met"
    assert facts(evidence(store), "9.4")["Reports with a decision recorded"] == "1"


def test_review_evidence_is_collected_again_after_a_reopen_without_microseconds(store, clock):
    from sms_tui.services.reviews.service import ReviewService

    ref = _major(store, clock)
    records = RecordService(store)
    clock.set(at(3, 12) + timedelta(microseconds=123456))
    records.transition(ref, "resolved", note="restarted the mail relay")
    clock.set(at(4, 8))
    records.transition(ref, "in_progress", note="down again")
    clock.set(at(4, 15) + timedelta(microseconds=654321))
    records.transition(ref, "resolved", note="replaced the relay's disk")
    reviews = ReviewService(store)
    [row] = reviews.list_reviews(activity="major_incident_review")
    figures = dict(reviews.get(row.ref).evidence["figures"])
    assert figures["Resolved"] == "2026-03-04 15:00 UTC"
    assert figures["Opened"] == "2026-03-03 09:00 UTC"


def test_sampled_records_are_reproducible_and_carry_their_journal(store, clock):
    clock.set(at(2))
    records = RecordService(store)
    for n in range(6):
        records.create("incident", title=f"incident {n}", category="network")
    clock.set(NOW)
    service = ReportService(store)
    one = service.evidence_report(MARCH, sample=2, seed=7)
    two = service.evidence_report(MARCH, sample=2, seed=7)
    picked = one.clause("8.6.1").samples
    assert len(picked) == 2 and picked == two.clause("8.6.1").samples
    trace = next(t for t in one.traces if t.ref == picked[0])
    assert trace.entries[0].action == "create" and "title:" in trace.entries[0].changes
    html = render_evidence_report(one, "html")
    assert f'<a href="#trace-{picked[0]}">{picked[0]}</a>' in html
    assert f'id="trace-{picked[0]}"' in html
    data = json.loads(render_evidence_report(one, "json"))
    assert data["sample_seed"] == 7 and data["traces"]


def test_sampled_records_are_printed_with_their_journal_in_markdown_too(store, clock):
    clock.set(at(2))
    records = RecordService(store)
    ref = records.create("incident", title="Mail | down", category="network").ref
    records.add_note(ref, "restarted the relay")
    clock.set(NOW)
    md = render_evidence_report(ReportService(store).evidence_report(MARCH, sample=1, seed=1),
                                "md")
    traced = md[md.index("## Records traced, with their full journal"):]
    assert f"### {ref} (8.6.1) Mail \\| down" in traced
    assert "| create | " in traced and "| note |  | restarted the relay |" in traced


def test_a_documentary_clause_is_met_by_its_current_documents(store, clock):
    clock.set(at(10))
    docs = DocumentService(store)
    assert evidence(store).clause("8.4").status == "outside"
    docs.add(title="IT budget 2026", kind="budget", approved_on="2026-01-05",
             next_review="2026-12-31")
    assert evidence(store).clause("8.4").outside == ("capacity plan",)
    docs.add(title="Capacity plan", kind="capacity_plan", approved_on="2026-01-05",
             next_review="2026-12-31")
    assert evidence(store).clause("8.4").status == "met"


REPORT_RUN = st.fixed_dictionaries({
    "report": st.sampled_from(["service", "evidence"]),
    "decided": st.booleans(),
})


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(REPORT_RUN, max_size=4))
def test_the_reporting_clause_status_follows_from_the_reports_issued(tmp_path_factory, runs):
    """Random desks: 9.4 counts reports issued in the period, never the ability to make one;
    it is met when some were issued and at least one has a decision, a gap when reports were
    issued and no decision taken from any, and never met without a report."""
    from tests.conftest import FakeClock

    clock = FakeClock()
    store = Store(tmp_path_factory.mktemp("desk") / "desk.db", actor="tester", clock=clock)
    try:
        service = ReportRunService(store)
        for n, spec in enumerate(runs):
            clock.set(at(2 + n))
            run = service.record(report=spec["report"], start=START, end=MARCH.end, fmt="md")
            if spec["decided"]:
                service.decide(run.ref, f"decision {n}")
        clock.set(NOW)
        clause = evidence(store).clause("9.4")
    finally:
        store.close()
    if not runs:
        expected = "no_evidence"
    elif not any(spec["decided"] for spec in runs):
        expected = "gap"
    else:
        expected = "met"
    assert clause.status == expected
    assert clause.evidence == len(runs)
    figures = {f.label: f.value for f in clause.facts}
    assert figures["Reports with a decision recorded"] == str(
        sum(spec["decided"] for spec in runs))
