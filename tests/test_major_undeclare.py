"""Issue 16: a major incident cannot close without its review by being undeclared after
resolution; undeclaring then needs the review done or the manager's recorded approval, and
the record stays a major incident in the reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sms_tui.domain.errors import ValidationError
from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.service import ReportService
from sms_tui.services.reviews.service import ReviewService
from tests.cli_helpers import Cli, one_error_line

from .incident_helpers import Desk


@pytest.fixture
def desk(tmp_path, clock):
    d = Desk(tmp_path, clock)
    yield d
    d.close()


def resolved_major(desk, manager="Dana"):
    ref = desk.records.create("incident", title="Email down", impact="high", urgency="high",
                              category="outage").ref
    if manager:
        desk.major.set_manager(ref, manager)
    desk.records.transition(ref, "resolved", note="relay restarted")
    return ref


def test_resolve_undeclare_close_is_refused_and_the_review_stays_open(desk):
    ref = resolved_major(desk)
    with pytest.raises(ValidationError, match="do its review REV-"):
        desk.major.undeclare(ref, "not that bad after all")
    with pytest.raises(ValidationError, match="review"):
        desk.records.transition(ref, "closed")
    assert desk.major.is_major(ref)
    [review] = ReviewService(desk.store).list_reviews(activity="major_incident_review")
    assert review.status == "open"


def test_an_ordinary_edit_cannot_undeclare_it_after_resolution(desk):
    ref = resolved_major(desk)
    with pytest.raises(ValidationError, match="major incident manager approve"):
        desk.records.update(ref, major=False)
    assert desk.major.is_major(ref)


def test_only_the_appointed_manager_can_approve(desk):
    ref = resolved_major(desk)
    with pytest.raises(ValidationError, match=r"only the major incident manager .*\(Dana\)"):
        desk.major.undeclare(ref, "one user only", approved_by="Sam")
    unmanaged = resolved_major(desk, manager="")
    with pytest.raises(ValidationError, match="appoint one first"):
        desk.major.undeclare(unmanaged, "one user only", approved_by="Dana")


def test_the_manager_approves_the_reason_and_the_record_keeps_its_history(desk, clock):
    ref = resolved_major(desk)
    desk.major.undeclare(ref, "affected one mailbox, not the service", approved_by="dana")
    entry = next(e for e in desk.records.get(ref).journal if e.action.startswith("undeclare"))
    assert entry.action == "undeclare_major_approved"
    assert entry.changes["approved_by"] == (None, "Dana")
    assert entry.note == "affected one mailbox, not the service"
    desk.records.transition(ref, "closed")  # allowed: the approval is on record

    period = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    evidence = ReportService(desk.store).evidence_report(period)
    facts = {f.label: f.value for f in evidence.clause("8.6.1").facts}
    assert facts["Major incidents"] == "1 (1 undeclared later)"
    assert "incidents.major_unreviewed" not in {g.key for g in evidence.clause("8.6.1").gaps}
    report = ReportService(desk.store).service_report(period)
    assert report.figure("major.declared").current == 1


def test_with_its_review_done_it_may_be_undeclared_without_approval(desk):
    ref = resolved_major(desk)
    reviews = ReviewService(desk.store)
    [row] = reviews.list_reviews(activity="major_incident_review")
    reviews.tick(row.ref, all_items=True)
    reviews.complete(row.ref, "procedure followed; relay monitoring added")
    desk.major.undeclare(ref, "reclassified after the review")
    assert not desk.major.is_major(ref)


def test_before_resolution_a_reason_is_enough(desk):
    ref = desk.records.create("incident", title="Email slow", impact="high", urgency="high").ref
    desk.major.undeclare(ref, "one user only")
    assert not desk.major.is_major(ref)


def test_the_command_line_takes_the_approval_and_refuses_in_one_line(desk):
    ref = resolved_major(desk)
    cli = Cli(desk.store.path)
    refused = cli("major", "undeclare", ref, "--reason", "minor after all")
    assert refused.exit_code == 1
    assert "--approved-by NAME" in one_error_line(refused)
    out = cli.ok("major", "undeclare", ref, "--reason", "minor after all", "--approved-by", "Dana")
    assert "no longer major" in out
