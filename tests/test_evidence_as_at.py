"""The evidence of a past period reads the desk as it stood at the period's end: the register,
the CIs, the relationship managers and the schedules as they were then (rolled back from their
journals), and every "past due" measured at the period's end, not today."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sms_tui.services.configuration.catalogue import CatalogueService
from sms_tui.services.customers.contacts import ContactService
from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.service import ReportService
from sms_tui.services.requests.service import RequestService
from sms_tui.services.reviews.documents import DocumentService
from sms_tui.services.reviews.service import ReviewService

from .incident_helpers import Desk


def d(y, m, day, h=9):
    return datetime(y, m, day, h, tzinfo=UTC)


Q3 = Period(d(2026, 7, 1, 0), d(2026, 10, 1, 0))
BEFORE, DURING, AFTER, TODAY = d(2026, 6, 1), d(2026, 8, 3), d(2026, 11, 2), d(2026, 12, 7)
POLICY = "change management policy"


def evidence(store, clock, period=Q3):
    clock.set(TODAY)
    return ReportService(store).evidence_report(period)


def facts(report, clause):
    return {f.label: f.value for f in report.clause(clause).facts}


def gaps(report, clause):
    return {g.key: g for g in report.clause(clause).gaps}


# ------------------------------------------------------------------ the register (7.5)
def _policy(store, clock, at, **fields):
    clock.set(at)
    fields.setdefault("approved_on", "2026-05-20")
    fields.setdefault("next_review", "2027-05-20")
    return DocumentService(store).add(title="Change policy", kind="change_management_policy",
                                      **fields).ref


def test_a_document_registered_after_the_period_was_not_in_its_register(store, clock):
    _policy(store, clock, AFTER)
    clause = evidence(store, clock).clause("8.5.1")
    assert clause.documents == ()
    assert POLICY in clause.outside


def test_a_document_withdrawn_since_was_in_the_register_during_the_period(store, clock):
    ref = _policy(store, clock, BEFORE)
    clock.set(AFTER)
    DocumentService(store).edit(ref, status="withdrawn", note="replaced")
    clause = evidence(store, clock).clause("8.5.1")
    assert [d.split()[0] for d in clause.documents] == [ref]
    assert POLICY not in clause.outside


def test_a_document_reviewed_after_the_period_is_listed_as_it_stood_then(store, clock):
    ref = _policy(store, clock, BEFORE)
    clock.set(AFTER)
    DocumentService(store).edit(ref, title="Change policy v2", doc_version="2.0")
    assert evidence(store, clock).clause("8.5.1").documents == (f"{ref} Change policy",)


def test_a_review_date_passed_only_after_the_period_was_not_overdue_in_it(store, clock):
    _policy(store, clock, BEFORE, next_review="2026-11-01")
    report = evidence(store, clock)
    assert "documents.review_overdue" not in gaps(report, "8.5.1")
    assert facts(report, "8.5.1")["Documented information in the register"] == "1 (0 overdue for review)"


def test_a_document_overdue_at_the_period_end_stays_so_after_its_review(store, clock):
    ref = _policy(store, clock, BEFORE, next_review="2026-09-01")
    clock.set(AFTER)
    DocumentService(store).edit(ref, next_review="2027-11-01", note="reviewed")
    report = evidence(store, clock)
    assert gaps(report, "8.5.1")["documents.review_overdue"].refs == (ref,)


def test_a_document_approved_after_the_period_was_unapproved_in_it(store, clock):
    ref = _policy(store, clock, BEFORE, approved_on="")
    clock.set(AFTER)
    DocumentService(store).edit(ref, approved_on="2026-11-02")
    assert gaps(evidence(store, clock), "8.5.1")["documents.unapproved"].refs == (ref,)


# ------------------------------------------------------------------ configuration (8.2.6)
@pytest.fixture
def cis(tmp_path, clock, db_path):
    """A desk whose applications are not under change control, and its catalogue."""
    desk = Desk(tmp_path, clock, '[changes.control]\nci_types = ["server"]\nservices = ["Payroll"]\n', db=db_path)
    yield desk.store, _Catalogue(CatalogueService(desk.store))
    desk.close()


class _Catalogue:
    """The catalogue, adding applications (not under change control here)."""

    def __init__(self, catalogue: CatalogueService) -> None:
        self.catalogue = catalogue

    def add_ci(self, name, **fields):
        return self.catalogue.add_ci(name, ci_type="application", **fields)

    def __getattr__(self, name):
        return getattr(self.catalogue, name)


def test_a_ci_added_after_the_period_is_not_counted_in_it(cis, clock):
    store, catalogue = cis
    clock.set(BEFORE)
    catalogue.add_service("Mail")
    catalogue.add_ci("srv-mail-01", service="Mail")
    clock.set(AFTER)
    catalogue.add_ci("srv-new")  # tied to nothing: an orphan today, absent in Q3
    report = evidence(store, clock)
    assert facts(report, "8.2.6")["Configuration items recorded"] == "1 (1 active)"
    assert facts(report, "8.2.6")["Linked to a service"] == "1 (100 %)"
    assert "ci.orphaned" not in gaps(report, "8.2.6")


def test_a_ci_retired_or_related_after_the_period_is_read_as_it_was(cis, clock):
    store, catalogue = cis
    clock.set(BEFORE)
    catalogue.add_service("Mail")
    for name in ("app-01", "srv-01", "old-01"):
        catalogue.add_ci(name)
    catalogue.add_ci("srv-02", service="Mail")
    clock.set(AFTER)
    catalogue.relate("app-01", "srv-01", "runs_on")
    catalogue.update_ci("old-01", status="retired")
    catalogue.update_ci("srv-02", service="")
    report = evidence(store, clock)
    assert facts(report, "8.2.6")["Configuration items recorded"] == "4 (4 active)"
    assert facts(report, "8.2.6")["Linked to a service"] == "1 (25 %)"
    assert facts(report, "8.2.6")["Relationships between CIs"] == "0"
    assert gaps(report, "8.2.6")["ci.orphaned"].refs == ("app-01", "old-01", "srv-01")


def test_a_relationship_removed_after_the_period_still_tied_its_cis(cis, clock):
    store, catalogue = cis
    clock.set(BEFORE)
    catalogue.add_ci("app-01")
    catalogue.add_ci("srv-01")
    catalogue.relate("app-01", "srv-01", "runs_on")
    clock.set(AFTER)
    catalogue.unrelate("app-01", "srv-01")
    report = evidence(store, clock)
    assert facts(report, "8.2.6")["Relationships between CIs"] == "1"
    assert "ci.orphaned" not in gaps(report, "8.2.6")


# ------------------------------------------------------------------ relationship managers (8.3.2)
def _customer(store, clock, at, org, email):
    clock.set(at)
    ContactService(store).add(name=email.split("@")[0], email=email, organisation=org,
                              role="customer")


def test_a_relationship_manager_named_after_the_period_leaves_its_gap(store, clock):
    _customer(store, clock, BEFORE, "Acme", "ann@acme.test")
    clock.set(AFTER)
    ContactService(store).set_manager("Acme", "Bea Manager")
    report = evidence(store, clock)
    assert gaps(report, "8.3.2")["customers.no_manager"].refs == ("Acme",)
    key = "Customer organisations with a designated relationship manager"
    assert facts(report, "8.3.2")[key] == "0 of 1"


def test_a_manager_removed_after_the_period_was_designated_in_it(store, clock):
    _customer(store, clock, BEFORE, "Acme", "ann@acme.test")
    ContactService(store).set_manager("Acme", "Bea Manager")
    clock.set(AFTER)
    ContactService(store).set_manager("Acme", "")
    assert "customers.no_manager" not in gaps(evidence(store, clock), "8.3.2")


def test_a_customer_registered_after_the_period_is_not_one_of_its_customers(store, clock):
    _customer(store, clock, AFTER, "Newco", "ned@newco.test")
    report = evidence(store, clock)
    assert "customers.no_manager" not in gaps(report, "8.3.2")
    assert facts(report, "8.3.2")["Contacts registered (customers, users, interested parties)"] == "0"


# ------------------------------------------------------------------ schedules
def _schedules(store, clock):
    clock.set(BEFORE)
    reviews = ReviewService(store)
    reviews.ensure_schedules()
    return reviews


def test_a_schedule_paused_after_the_period_was_in_force_during_it(store, clock):
    reviews = _schedules(store, clock)
    in_force = facts(evidence(store, clock), "8.2.6–9.3")["Schedules in force at the end of the period"]
    clock.set(AFTER)
    reviews.update_schedule("budget_costs", paused=True, note="finance moved")
    report = evidence(store, clock)
    assert "reviews.paused" not in gaps(report, "8.2.6–9.3")
    assert facts(report, "8.2.6–9.3")["Schedules in force at the end of the period"] == in_force


def test_a_schedule_paused_during_the_period_and_resumed_since_is_a_gap_of_it(store, clock):
    reviews = _schedules(store, clock)
    clock.set(DURING)
    reviews.update_schedule("budget_costs", paused=True, note="finance moved")
    clock.set(AFTER)
    reviews.update_schedule("budget_costs", paused=False)
    assert gaps(evidence(store, clock), "8.2.6–9.3")["reviews.paused"].refs == ("budget_costs",)


# ------------------------------------------------------------------ past due at the period's end
def test_a_corrective_action_due_after_the_period_is_not_past_due_in_it(store, clock):
    clock.set(DURING)
    findings = ReviewService(store)
    ref = findings.new_nonconformity("Backups never restored", clause="8.7.2").ref
    findings.add_corrective_action(ref, "Restore test monthly", due=d(2026, 11, 1))
    assert "nc.actions_overdue" not in gaps(evidence(store, clock), "10.1")


def test_a_corrective_action_past_due_at_the_period_end_and_done_since_is_a_gap(store, clock):
    clock.set(DURING)
    findings = ReviewService(store)
    ref = findings.new_nonconformity("Backups never restored", clause="8.7.2").ref
    findings.add_corrective_action(ref, "Restore test monthly", due=d(2026, 9, 1))
    clock.set(AFTER)
    findings.complete_corrective_action(ref, 1, note="restored")
    assert gaps(evidence(store, clock), "10.1")["nc.actions_overdue"].refs == (ref,)


def test_an_improvement_due_after_the_period_is_not_past_due_in_it(store, clock):
    clock.set(DURING)
    ReviewService(store).new_improvement("Self-service resets", owner="kim", due=d(2026, 11, 1))
    assert "ofi.past_due" not in gaps(evidence(store, clock), "10.2")


def test_a_complaint_open_long_at_the_period_end_and_resolved_since_is_a_gap(store, clock, records):
    from sms_tui.services.customers.complaints import ComplaintService

    _customer(store, clock, BEFORE, "Acme", "ann@acme.test")
    clock.set(DURING)
    ref = records.create("complaint", title="Rude answer", requester="ann@acme.test").ref
    clock.set(AFTER)
    ComplaintService(store).resolve(ref, "Apologised")
    assert gaps(evidence(store, clock), "8.3.2")["complaints.open_long"].refs == (ref,)



def test_a_continuity_retest_falling_due_after_the_period_was_not_overdue_in_it(store, clock,
                                                                                records):
    from sqlmodel import select

    from sms_tui.services.reviews.service import raise_event_review_in
    from sms_tui.storage.models import Change

    clock.set(DURING)
    ref = records.create("change", title="Move the data centre", change_type="normal").ref
    implemented = d(2026, 9, 25)
    with store.write() as session:  # implemented late in Q3; its re-test due in October
        row = session.exec(select(Change).where(Change.ref == ref)).one()
        row.major_impact, row.status, row.resolved_at = True, "review", implemented
        raise_event_review_in(session, activity="continuity_retest", source_ref=ref,
                              title=f"Re-test after {ref}", clause="8.7.2",
                              due=d(2026, 10, 9), now=implemented, actor="tester")
    assert "transition.no_retest" not in gaps(evidence(store, clock), "8.5.2")
    # the same read in October, just after the re-test fell due, as in December
    clock.set(d(2026, 10, 12))
    assert "transition.no_retest" not in gaps(ReportService(store).evidence_report(Q3), "8.5.2")

# ------------------------------------------------------------------ rejected requests (8.6.2)
def test_a_rejected_request_is_recorded_and_closed_not_fulfilled_and_no_gap(store, clock):
    clock.set(DURING)
    requests = RequestService(store)
    requests.save_type("laptop", title="New laptop", needs_approval=True, approver="cfo")
    ref = requests.create("laptop", title="A second laptop").record.ref
    clock.set(d(2026, 8, 4))
    requests.reject(ref, "One laptop per person", approver="cfo")
    report = evidence(store, clock)
    found = facts(report, "8.6.2")
    assert found["Service requests recorded"] == "1"
    assert found["Classified (request type)"] == "1 (100 %)"
    assert found["Of these, fulfilled by the time of the report"] == "0"
    assert found["Requests fulfilled in the period, whenever raised"] == "0"
    # the decision's rationale is the action logged
    assert found["With actions logged in the journal"] == "1 (100 %)"
    assert found["Needing approval / approved"] == "1 / 0"
    assert not report.clause("8.6.2").gaps
    # a rejection closes it: it is no closed request asking for a satisfaction score
    assert facts(report, "8.3.2")["Requests closed in the period"] == "0"
    assert "satisfaction.none" not in gaps(report, "8.3.2")
    # the service report agrees: raised, not fulfilled, and no longer open at the period's end
    service = ReportService(store).service_report(Q3)
    assert [service.figure(k).current for k in ("requests.opened", "requests.fulfilled",
                                                "requests.backlog")] == [1, 0, 0]


def test_a_service_linked_to_a_ci_after_the_period_did_not_tie_it_then(cis, clock):
    from sms_tui.services.configuration.ci_graph import CIGraph

    store, catalogue = cis
    clock.set(BEFORE)
    catalogue.add_service("Mail")
    catalogue.add_ci("app-01")
    clock.set(AFTER)
    CIGraph(store).relate("Mail", "app-01", "depends_on")
    report = evidence(store, clock)
    assert facts(report, "8.2.6")["Services in the relationship graph (linked to CIs)"] == (
        "0 (0 relationships)")
    assert facts(report, "8.2.6")["Relationships between CIs"] == "0"
    assert gaps(report, "8.2.6")["ci.orphaned"].refs == ("app-01",)


# ------------------------------------------------------------------ settings kept without history
def test_settings_the_desk_keeps_no_history_of_are_said_to_be_todays(store, clock):
    past = evidence(store, clock)
    assert "Incident targets (as configured today)" in facts(past, "8.3.3")
    assert ("Priority rule for security risk (config [security_incident]) (as configured today)"
            in facts(past, "8.7"))
    running = evidence(store, clock, Period(d(2026, 12, 1, 0), d(2027, 1, 1, 0)))
    assert "Incident targets" in facts(running, "8.3.3")
