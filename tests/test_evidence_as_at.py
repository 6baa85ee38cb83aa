"""The evidence of a past period reads the desk as it stood at the period's end: the register,
the CIs, the relationship managers and the schedules as they were then (rolled back from their
journals), and every "past due" measured at the period's end, not today."""

from __future__ import annotations

from datetime import UTC, datetime

from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.service import ReportService
from sms_tui.services.reviews.documents import DocumentService


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
