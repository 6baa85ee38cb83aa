"""What a review finds: improvement opportunities (10.2) and nonconformities with corrective actions (10.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sms_tui.domain.errors import NotFound, ValidationError
from sms_tui.services.reviews.service import ReviewService


@pytest.fixture
def reviews(store, clock):
    service = ReviewService(store)
    service.ensure_schedules()
    clock.set(datetime(2026, 4, 1, 1, tzinfo=UTC))
    service.raise_due()
    return service


@pytest.fixture
def review_ref(reviews):
    return next(r.ref for r in reviews.list_reviews() if r.activity == "problem_effectiveness")


def test_improvement_found_by_a_review_is_linked_both_ways(reviews, review_ref):
    ofi = reviews.new_improvement("Add a known-error check to the incident form",
                                  description="Three incidents matched KE-000002", review_ref=review_ref,
                                  owner="erin")

    assert ofi.ref == "OFI-000001"
    assert (ofi.status, ofi.review_ref, ofi.owner) == ("proposed", review_ref, "erin")
    review = reviews.get(review_ref)
    assert [(f.ref, f.kind) for f in review.findings] == [("OFI-000001", "improvement")]
    assert review.journal[0].action == "finding"
    assert review.journal[0].changes == {"improvement": (None, "OFI-000001")}
    assert [r.ref for r in reviews.list_findings("improvement", review_ref=review_ref)] == [ofi.ref]


def test_improvement_lifecycle_is_journaled_and_rejection_needs_a_reason(reviews, review_ref):
    ofi = reviews.new_improvement("Automate the weekly backup check", review_ref=review_ref)
    with pytest.raises(ValidationError, match="reason"):
        reviews.move_improvement(ofi.ref, "rejected")
    with pytest.raises(ValidationError, match="allowed: approved, rejected"):
        reviews.move_improvement(ofi.ref, "closed")

    with pytest.raises(ValidationError, match="evaluation criteria and target before approval"):
        reviews.move_improvement(ofi.ref, "approved", note="worth it")
    reviews.evaluate_improvement(ofi.ref, criteria="hours saved per month",
                                 target="no manual check by June")
    with pytest.raises(ValidationError, match="needs the decision"):
        reviews.move_improvement(ofi.ref, "approved")
    for status in ("approved", "in_progress", "implemented"):
        ofi = reviews.move_improvement(ofi.ref, status, note=f"now {status}")
    with pytest.raises(ValidationError, match="what was measured"):
        reviews.move_improvement(ofi.ref, "closed")
    reviews.evaluate_improvement(ofi.ref, measurement="0 manual checks in June")
    ofi = reviews.move_improvement(ofi.ref, "closed", note="now closed")

    assert ofi.status == "closed" and ofi.closed_at is not None
    assert (ofi.criteria, ofi.target, ofi.measurement) == (
        "hours saved per month", "no manual check by June", "0 manual checks in June")
    assert ofi.decision_note == "now approved"
    assert [e.action for e in reviews.get_finding(ofi.ref).journal] == [
        "transition", "evaluate", "transition", "transition", "transition", "evaluate", "create"]
    assert reviews.list_findings("improvement", open_only=True) == []


def test_nonconformity_goes_from_found_to_verified_through_its_corrective_actions(reviews, review_ref):
    nc = reviews.new_nonconformity("Major incident INC-000007 was never reviewed", clause="8.6.1",
                                   severity="major", review_ref=review_ref,
                                   correction="Review held on 2026-04-02")
    assert (nc.ref, nc.status, nc.severity, nc.clause) == ("NC-000001", "open", "major", "8.6.1")

    with pytest.raises(ValidationError, match="root cause"):
        reviews.move_nonconformity(nc.ref, "action_planned")
    with pytest.raises(ValidationError, match="corrective action"):
        reviews.move_nonconformity(nc.ref, "action_planned", root_cause="No reminder existed")
    reviews.add_corrective_action(nc.ref, "Block closing a major incident without its review",
                                  owner="frank")
    reviews.add_corrective_action(nc.ref, "Brief the team")
    nc = reviews.move_nonconformity(nc.ref, "action_planned", root_cause="No reminder existed")

    reviews.complete_corrective_action(nc.ref, 1)
    with pytest.raises(ValidationError, match="1 corrective action"):
        reviews.move_nonconformity(nc.ref, "actions_done")
    reviews.complete_corrective_action(nc.ref, 2)
    reviews.move_nonconformity(nc.ref, "actions_done")
    with pytest.raises(ValidationError, match="effectiveness"):
        reviews.move_nonconformity(nc.ref, "closed")
    nc = reviews.move_nonconformity(nc.ref, "closed",
                                    effectiveness_note="No unreviewed major incident since")

    assert nc.status == "closed"
    assert [(a.done, a.done_by) for a in nc.actions] == [(True, "tester"), (True, "tester")]
    assert nc.root_cause == "No reminder existed"
    assert reviews.get(review_ref).findings[0].ref == nc.ref


def test_findings_without_a_review_are_allowed_and_queued_oldest_first(reviews, clock):
    first = reviews.new_improvement("Idea from the team meeting")
    clock.advance(hours=1)
    second = reviews.new_nonconformity("Audit finding", clause="9.2")
    clock.advance(hours=1)
    third = reviews.new_improvement("Another idea")

    assert [f.ref for f in reviews.list_findings("improvement", open_only=True)] == [first.ref, third.ref]
    assert [f.ref for f in reviews.list_findings("nonconformity")] == [second.ref]
    assert first.review_ref == ""


def test_bad_finding_input_is_refused_with_what_is_allowed(reviews):
    with pytest.raises(ValidationError, match="title"):
        reviews.new_improvement("  ")
    with pytest.raises(ValidationError, match="major, minor"):
        reviews.new_nonconformity("x", severity="critical")
    with pytest.raises(NotFound, match="REV-000999"):
        reviews.new_improvement("x", review_ref="REV-999")
    with pytest.raises(ValidationError, match="OFI-000001"):
        reviews.get_finding("INC-000001")
    nc = reviews.new_nonconformity("x")
    with pytest.raises(ValidationError, match="no corrective actions"):
        reviews.complete_corrective_action(nc.ref, 1)


def test_criteria_target_and_decision_can_come_with_the_approval_in_one_write(reviews, review_ref):
    ofi = reviews.new_improvement("Self-service password reset", review_ref=review_ref)
    ofi = reviews.move_improvement(ofi.ref, "approved", note="halves password tickets",
                                   criteria="password tickets per month", target="under 20")
    assert (ofi.status, ofi.criteria, ofi.target) == ("approved", "password tickets per month",
                                                      "under 20")
    entry = reviews.get_finding(ofi.ref).journal[0]
    assert entry.changes["criteria"] == (None, "password tickets per month")
    assert ofi.version == 2
