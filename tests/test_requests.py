"""Service requests (8.6.2): the catalogue, fulfilment steps, approvals, satisfaction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sms_tui.domain.errors import ActionRequired, InvalidTransition, NotFound, ValidationError


@pytest.fixture
def requests(store):
    from sms_tui.services.requests.service import RequestService

    return RequestService(store)


def _fulfil(requests, records, ref):
    detail = requests.detail(ref)
    for step in detail.steps:
        if not step.done:
            requests.tick(ref, step.position)
    return records.transition(ref, "fulfilled")


# ------------------------------------------------------------------ catalogue
def test_catalogue_is_seeded_with_the_common_request_types(requests):
    names = {t.name for t in requests.types()}
    assert {"new-account", "share-access", "password-reset", "standard-change"} <= names


def test_every_seeded_type_has_an_sla_a_priority_and_fulfilment_steps(requests):
    for rtype in requests.types():
        assert rtype.sla_hours > 0
        assert 1 <= rtype.priority <= 5
        assert rtype.steps, rtype.name


def test_edits_to_the_catalogue_are_not_undone_by_reseeding(requests, store):
    requests.save_type("password-reset", sla_hours=2)
    requests.types()  # a second look must not reseed over the edit
    assert requests.get_type("password-reset").sla_hours == 2


def test_a_new_request_type_can_be_added_with_its_steps(requests):
    added = requests.save_type("vpn-token", title="VPN token", impact="low", urgency="high",
                               sla_hours=8, needs_approval=True, approver="security officer",
                               steps=["Check the user's role", "Issue the token"])
    assert added.priority == 3
    assert added.steps == ("Check the user's role", "Issue the token")
    assert "vpn-token" in {t.name for t in requests.types()}


def test_a_new_type_without_a_title_is_refused(requests):
    with pytest.raises(ValidationError, match="needs a title"):
        requests.save_type("vpn-token", sla_hours=8)


def test_editing_a_type_is_journaled_with_old_and_new_steps(requests):
    requests.save_type("password-reset", steps=["Verify identity", "Reset"])
    entry = requests.type_journal("password-reset")[0]
    assert entry.action == "update"
    old, new = entry.changes["steps"]
    assert new == "Verify identity | Reset" and "call back" in old


def test_a_retired_type_is_not_offered_nor_accepted_for_new_requests(requests, records):
    requests.save_type("information", active=False)
    assert "information" not in {t.name for t in requests.types()}
    assert "information" in {t.name for t in requests.types(include_retired=True)}
    with pytest.raises(ValidationError, match="retired"):
        records.create("request", title="Question", request_type="information")


def test_an_unknown_request_type_is_refused_naming_the_known_ones(requests):
    with pytest.raises(NotFound, match="password-reset"):
        requests.create("teleport", title="Beam me up")


# ------------------------------------------------------------------ instructions
def test_a_request_shows_its_types_fulfilment_instructions(requests):
    detail = requests.create("password-reset", title="Reset for Dana")
    assert [s.text for s in detail.steps] == list(requests.get_type("password-reset").steps)
    assert not any(s.done for s in detail.steps)


def test_a_request_takes_its_types_default_priority_and_sla(requests, clock):
    detail = requests.create("password-reset", title="Reset for Dana")
    assert detail.record.priority == 2  # medium impact, high urgency
    assert detail.due_at == clock() + timedelta(hours=4)


def test_given_impact_and_urgency_override_the_types_defaults(requests):
    detail = requests.create("password-reset", title="Reset", impact="low", urgency="low")
    assert detail.record.priority == 5


def test_requests_created_through_the_record_service_get_the_steps_too(records, requests):
    view = records.create("request", title="Reset", request_type="password-reset")
    assert len(requests.detail(view.ref).steps) == 4


def test_editing_the_catalogue_never_rewrites_the_steps_of_existing_requests(requests):
    ref = requests.create("password-reset", title="Reset").record.ref
    requests.save_type("password-reset", steps=["Something else entirely"])
    assert requests.detail(ref).steps[0].text.startswith("Verify the caller")


def test_ticking_a_step_marks_it_done_by_whom_and_journals_its_text(requests, clock):
    ref = requests.create("password-reset", title="Reset").record.ref
    detail = requests.tick(ref, 2)
    step = detail.steps[1]
    assert step.done and step.done_by == "tester" and step.done_at == clock()
    entry = detail.record.journal[0]
    assert entry.action == "step"
    assert entry.changes == {"step 2": ("open", "done")}
    assert "Reset the password" in entry.note


def test_a_step_can_be_unticked_and_that_is_journaled(requests):
    ref = requests.create("password-reset", title="Reset").record.ref
    requests.tick(ref, 1)
    detail = requests.tick(ref, 1, done=False)
    assert not detail.steps[0].done
    assert detail.record.journal[0].changes == {"step 1": ("done", "open")}


def test_ticking_a_step_that_does_not_exist_names_the_valid_range(requests):
    ref = requests.create("password-reset", title="Reset").record.ref
    with pytest.raises(ValidationError, match="steps 1 to 4"):
        requests.tick(ref, 7)


def test_a_request_with_steps_not_ticked_cannot_be_fulfilled(requests, records):
    ref = requests.create("password-reset", title="Reset").record.ref
    requests.tick(ref, 1)
    with pytest.raises(ValidationError, match=r"3 fulfilment step\(s\) not ticked \(2, 3, 4\)"):
        records.transition(ref, "fulfilled")


def test_a_request_with_every_step_ticked_is_fulfilled(requests, records):
    ref = requests.create("password-reset", title="Reset").record.ref
    assert _fulfil(requests, records, ref).status == "fulfilled"


def test_a_request_past_its_sla_is_shown_overdue(requests, clock):
    ref = requests.create("password-reset", title="Reset").record.ref
    clock.advance(hours=5)
    assert requests.detail(ref).overdue


# ------------------------------------------------------------------ approvals
def test_a_request_whose_type_needs_approval_waits_for_it(requests):
    detail = requests.create("new-account", title="Account for Bo")
    assert detail.record.status == "awaiting_approval"
    assert detail.needs_approval and not detail.approved


def test_fulfilment_cannot_start_before_the_approval(requests, records):
    ref = requests.create("new-account", title="Account for Bo").record.ref
    with pytest.raises(ValidationError, match="awaiting approval"):
        requests.tick(ref, 1)
    with pytest.raises(ActionRequired, match="record the decision") as refused:
        records.transition(ref, "in_progress")
    assert (refused.value.action, refused.value.ref) == ("approve", ref)  # each front end says how


def test_an_approval_records_who_when_and_why_and_starts_fulfilment(requests, clock):
    ref = requests.create("new-account", title="Account for Bo").record.ref
    clock.advance(hours=1)
    detail = requests.approve(ref, "Starts Monday as accountant", approver="carol")
    assert detail.record.status == "in_progress"
    decision = detail.approvals[-1]
    assert (decision.decision, decision.approver, decision.decided_at, decision.rationale) == (
        "approved", "carol", clock(), "Starts Monday as accountant")
    assert decision.recorded_by == "tester"
    assert any(e.action == "approve" and e.note == "Starts Monday as accountant"
               for e in detail.record.journal)


def test_an_approval_needs_a_rationale(requests):
    ref = requests.create("new-account", title="Account for Bo").record.ref
    with pytest.raises(ValidationError, match="rationale"):
        requests.approve(ref, "  ")


def test_a_rejection_ends_the_request_with_the_reason(requests, records):
    ref = requests.create("share-access", title="Finance share for Eve").record.ref
    detail = requests.reject(ref, "Not in finance", approver="data owner")
    assert detail.record.status == "rejected"
    assert detail.approvals[-1].decision == "rejected"
    with pytest.raises(InvalidTransition):
        records.transition(ref, "in_progress")


def test_a_rejection_cannot_bypass_the_decision_record(requests, records):
    ref = requests.create("share-access", title="Finance share").record.ref
    with pytest.raises(ActionRequired, match="recording the decision") as refused:
        records.transition(ref, "rejected")
    assert refused.value.action == "reject"


def test_no_decision_is_recorded_once_fulfilment_started(requests):
    ref = requests.create("password-reset", title="Reset").record.ref
    requests.approve(ref, "fine")
    with pytest.raises(ValidationError, match="before fulfilment starts"):
        requests.reject(ref, "changed my mind")


def test_requests_without_approval_go_straight_to_work(requests, records):
    ref = requests.create("password-reset", title="Reset").record.ref
    assert records.transition(ref, "in_progress").status == "in_progress"


# ------------------------------------------------------------------ satisfaction
def test_satisfaction_is_recorded_on_closure(requests, records):
    ref = requests.create("password-reset", title="Reset").record.ref
    _fulfil(requests, records, ref)
    detail = requests.close(ref, score=4, comment="Quick, thanks")
    assert detail.record.status == "closed"
    assert detail.record.extra["satisfaction_score"] == 4
    assert detail.record.extra["satisfaction_comment"] == "Quick, thanks"
    assert any(e.action == "satisfaction" for e in detail.record.journal)


@pytest.mark.parametrize("score", [0, 6, "five", -1])
def test_a_satisfaction_score_outside_1_to_5_is_refused(requests, records, score):
    ref = requests.create("password-reset", title="Reset").record.ref
    _fulfil(requests, records, ref)
    with pytest.raises(ValidationError, match="1 to 5"):
        requests.close(ref, score=score)
    assert requests.detail(ref).record.status == "fulfilled"  # nothing written


def test_satisfaction_cannot_be_given_before_fulfilment(requests):
    ref = requests.create("password-reset", title="Reset").record.ref
    with pytest.raises(ValidationError, match="once it is fulfilled"):
        requests.record_satisfaction(ref, 5)


def test_a_late_survey_answer_is_recorded_once_on_a_closed_request(requests, records):
    ref = requests.create("password-reset", title="Reset").record.ref
    _fulfil(requests, records, ref)
    requests.close(ref)
    assert requests.record_satisfaction(ref, 3, "ok").record.extra["satisfaction_score"] == 3
    with pytest.raises(ValidationError, match="already has a satisfaction score"):
        requests.record_satisfaction(ref, 5)


def test_the_satisfaction_summary_covers_requests_closed_in_the_period(requests, records, clock):
    start = clock()
    for score in (5, 4, None):
        ref = requests.create("password-reset", title="Reset").record.ref
        _fulfil(requests, records, ref)
        requests.close(ref, score=score, comment="great" if score == 5 else "")
    summary = requests.satisfaction_summary(start, clock() + timedelta(seconds=1))
    assert (summary.closed, summary.responses, summary.mean) == (3, 2, 4.5)
    assert summary.distribution[5] == 1 and summary.distribution[4] == 1
    assert [c[2] for c in summary.comments] == ["great"]


def test_a_request_takes_the_service_of_its_type_unless_one_is_named(requests, records, store):
    from sms_tui.services.configuration.catalogue import CatalogueService

    CatalogueService(store).add_service("Email", criticality="high")
    CatalogueService(store).add_service("VPN")
    saved = requests.save_type("password-reset", service="email")
    assert saved.service == "Email"
    assert requests.type_journal("password-reset")[0].changes["service"] == (None, "Email")
    raised = requests.create("password-reset", title="Locked out").record
    assert raised.service == "Email"
    assert raised.journal[0].changes["service"] == (None, "Email")
    # through the record service too (the TUI's form), and a named service wins
    assert records.create("request", title="Reset", request_type="password-reset").service == "Email"
    assert requests.create("password-reset", title="VPN reset", service="VPN").record.service == "VPN"
    assert requests.save_type("password-reset", service="").service == ""


# ------------------------------------------------------------------ fulfil by
def test_fulfil_by_follows_the_clock_that_pauses_while_awaiting_approval(requests, records,
                                                                          clock, store):
    """The request's first due time (raised + its type's 48 h) said a request that waited three
    days for its approval was late; its SLA clock, paused meanwhile, said it was in time. The
    detail, the CLI and the report's 'Fulfilled within target' now follow the clock."""
    from sms_tui.services.reporting.model import Period
    from sms_tui.services.reporting.service import ReportService

    start = clock()
    ref = requests.create("new-account", title="Account for Bo").record.ref
    waiting = requests.detail(ref)
    assert waiting.due_at is None and waiting.due_paused and not waiting.overdue
    clock.advance(days=3)
    requests.approve(ref, "Starts Monday", approver="carol")
    running = requests.detail(ref)
    assert running.due_at == clock() + timedelta(hours=48) and not running.overdue
    clock.advance(hours=20)
    fulfilled = _fulfil(requests, records, ref)
    assert fulfilled.status == "fulfilled"
    assert requests.detail(ref).due_at is None  # the SLA line says it was met

    period = Period(start - timedelta(days=1), clock() + timedelta(days=1))
    report = ReportService(store).service_report(period)
    assert report.figure("requests.on_time").current == 100.0
    assert report.figure("sla.request_resolve_compliance").current == 100.0

