"""The approval covers what is implemented (8.5.1): once a normal or emergency change is
approved, what was decided on changes only after the approval is withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sms_tui.domain.errors import DeskError, ValidationError

WINDOW = datetime(2026, 3, 14, 20, 0, tzinfo=UTC)


@pytest.fixture
def changes(store):
    from sms_tui.services.changes.service import ChangeService

    return ChangeService(store)


@pytest.fixture(autouse=True)
def catalogue(store):
    from sms_tui.services.configuration.catalogue import CatalogueService

    catalogue = CatalogueService(store)
    catalogue.add_service("mail", criticality="high")
    catalogue.add_service("web", criticality="low")
    catalogue.add_ci("srv-mail-01", service="mail")
    return catalogue


def _scheduled(changes, change_type="normal"):
    ref = changes.create(title="Patch the mail server", change_type=change_type, services=["mail"],
                         implementation_plan="Patch and reboot",
                         backout_plan="Restore the VM snapshot", verification_results="Staging clean",
                         backout_tested="yes").ref
    if change_type != "standard":
        changes.assess(ref, likelihood="unlikely", impact="minor")
        changes.approve(ref, "Low risk, tested on staging", approver="cab")
    changes.schedule(ref, WINDOW, WINDOW.replace(hour=22))
    return ref


def test_an_edit_of_what_was_approved_is_refused_and_nothing_changes(changes, records):
    ref = _scheduled(changes)
    with pytest.raises(ValidationError, match="approval covers its back-out plan, impact, title.*"
                                              "withdraw the approval first"):
        records.update(ref, title="Disable MFA for all users", impact="high", backout_plan="none")
    view = records.get(ref)
    assert (view.title, view.impact, view.extra["backout_plan"]) == \
        ("Patch the mail server", "medium", "Restore the VM snapshot")


def test_reassessing_the_risk_of_an_approved_change_is_refused(changes):
    ref = _scheduled(changes)
    with pytest.raises(ValidationError, match="approval covers its risk impact, risk likelihood"):
        changes.assess(ref, likelihood=5, impact=5)
    assert changes.detail(ref).risk_score == 4


def test_targets_and_planned_ci_updates_are_not_added_to_an_approved_change(changes, store):
    from sms_tui.services.changes.ci_updates import ChangeCIUpdates

    ref = _scheduled(changes)
    with pytest.raises(ValidationError, match="approval covers its services"):
        changes.set_targets(ref, services=["web"])
    with pytest.raises(ValidationError, match="approval covers its planned CI updates"):
        ChangeCIUpdates(store).plan(ref, "srv-mail-01", description="v2")
    assert changes.detail(ref).services == ["mail"] and changes.detail(ref).cis == []


def test_what_is_not_the_substance_stays_editable_after_the_approval(changes, records):
    ref = _scheduled(changes)
    records.assign(ref, "bob", group="Messaging")
    view = records.update(ref, category="patching", test_results="all green", note="CAB minutes filed")
    assert view.extra["test_results"] == "all green" and view.status == "scheduled"
    assert changes.start(ref).record.status == "implementing"


def test_withdrawing_the_approval_lets_the_change_be_rewritten_and_decided_again(changes, records):
    ref = _scheduled(changes)
    assert "assessing" in records.get(ref).allowed_transitions
    records.transition(ref, "assessing", note="scope grows")
    detail = changes.detail(ref)
    assert [a.decision for a in detail.approvals] == ["approved", "withdrawn"]  # the decision kept
    assert "withdraw" in [e.action for e in detail.record.journal]
    records.update(ref, title="Patch and reboot the mail server")
    with pytest.raises(DeskError, match="from 'assessing'"):
        changes.start(ref)  # the old approval no longer covers it
    changes.approve(ref, "Reboot agreed with the owner", approver="cab")
    assert changes.start(ref).record.status == "implementing"


def test_nothing_approved_is_rewritten_once_the_change_is_under_way(changes, records):
    ref = _scheduled(changes, change_type="standard")
    changes.set_targets(ref, services=["web"])  # what a standard change is applied to: until it starts
    changes.start(ref)
    with pytest.raises(ValidationError, match="under way; record what differed in a note"):
        records.update(ref, title="Something else")
    with pytest.raises(ValidationError, match="under way"):
        changes.set_targets(ref, services=["mail"], remove=True)


@pytest.mark.parametrize("fields", [
    {"title": "Patch and migrate the mail server"},
    {"implementation_plan": "Also move the mailboxes"}, {"description": "and the relay"},
    {"backout_plan": "none"}])
def test_a_standard_change_is_not_rewritten_after_its_pre_approval(changes, records, fields):
    """It stayed editable after the approval, with no trace of a new decision: its
    pre-approval covers what it does and how, as raised."""
    ref = _scheduled(changes, change_type="standard")
    journal = len(records.get(ref).journal)
    with pytest.raises(ValidationError, match="pre-approval as a standard change covers its .* as "
                                              "raised; withdraw the approval first") as refused:
        records.update(ref, **fields)
    assert refused.value.tui_hint == "t → assessing withdraws it"
    view = records.get(ref)
    assert all(view.extra.get(k, getattr(view, k, None)) != v for k, v in fields.items())
    assert len(view.journal) == journal
    with pytest.raises(ValidationError, match="pre-approval"):
        changes.assess(ref, likelihood=5, impact=5)  # nor is its risk re-assessed


def test_a_standard_change_rewritten_is_approved_again_by_someone(changes, records):
    ref = _scheduled(changes, change_type="standard")
    records.transition(ref, "assessing", note="the mailboxes move too")
    records.update(ref, implementation_plan="Patch, then move the mailboxes")
    with pytest.raises(DeskError, match="from 'assessing'"):
        changes.start(ref)
    changes.approve(ref, "Mailbox move is on the standard list too", approver="change manager")
    detail = changes.detail(ref)
    assert [(a.decision, a.approver) for a in detail.approvals] == [
        ("approved", "change policy"), ("withdrawn", "tester"), ("approved", "change manager")]
    assert changes.start(ref).record.status == "implementing"


def test_a_standard_change_plans_its_ci_updates_after_it_is_raised(changes, store):
    from sms_tui.services.changes.ci_updates import ChangeCIUpdates

    ref = _scheduled(changes, change_type="standard")
    ChangeCIUpdates(store).plan(ref, "srv-mail-01", description="v2")
    assert [u.ci for u in changes.detail(ref).planned_updates] == ["srv-mail-01"]


def test_the_next_statuses_offer_approval_only_where_the_category_allows_it(changes, records):
    normal = changes.create(title="Move mail", services=["mail"]).ref
    emergency = changes.create(title="Patch now", change_type="emergency", services=["mail"]).ref
    assert records.get(normal).allowed_transitions == ["assessing", "rejected", "cancelled"]
    assert records.get(emergency).allowed_transitions == ["assessing", "approved", "rejected",
                                                          "cancelled"]
    changes.assess(normal, likelihood=1, impact=1)
    assert records.get(normal).allowed_transitions == ["approved", "rejected", "cancelled"]
