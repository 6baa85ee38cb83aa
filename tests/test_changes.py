"""Changes (8.5.1): RFCs through assessment, approval, schedule, outcome and review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sms_tui.domain.errors import ActionRequired, ValidationError

WINDOW = datetime(2026, 3, 14, 20, 0, tzinfo=UTC)  # a Saturday evening


@pytest.fixture
def changes(store):
    from sms_tui.services.changes.service import ChangeService

    return ChangeService(store)


@pytest.fixture
def reviews(store):
    from sms_tui.services.reviews.service import ReviewService

    return ReviewService(store)


@pytest.fixture(autouse=True)
def catalogue(store):
    from sms_tui.services.configuration.catalogue import CatalogueService

    catalogue = CatalogueService(store)
    for name, criticality in (("mail", "high"), ("web", "low"), ("erp", "medium"), ("files", "low")):
        catalogue.add_service(name, criticality=criticality)
    catalogue.add_ci("srv-mail-01", service="mail")
    catalogue.add_ci("fw-01", ci_type="network")
    return catalogue


def _approved_normal(changes, **kw):
    kw.setdefault("services", ["mail"])
    kw.setdefault("verification_results", "Staging run clean")  # ready to deploy (8.5.1.3)
    kw.setdefault("backout_tested", "yes")
    kw.setdefault("implementation_plan", "Patch in the maintenance window, then reboot")
    detail = changes.create(title="Patch the mail server", backout_plan="Restore the VM snapshot", **kw)
    changes.assess(detail.ref, likelihood="unlikely", impact="moderate")
    return changes.approve(detail.ref, "Low risk, tested on staging", approver="cab")


def _implemented(changes, outcome="successful", note="", **kw):
    ref = _approved_normal(changes, **kw).ref
    changes.start(ref)
    return changes.record_outcome(ref, outcome, investigation_note=note)


# ------------------------------------------------------------------ the RFC
def test_an_rfc_records_reason_benefit_cost_impacts_and_plans(changes, records):
    detail = changes.create(
        title="Move mail to new storage", services=["mail", "files"], cis=["srv-mail-01"],
        reason="Disk array out of support", business_benefit="No unplanned outage risk",
        cost="2 days of work, no licences", impact_capacity="+2 TB",
        impact_availability="30 min outage", impact_continuity="DR copy re-seeded",
        impact_security="none", implementation_plan="1. sync 2. switch", test_plan="Send mail",
        backout_plan="Switch back to the old array")
    extra = records.get(detail.ref).extra
    for key in ("reason", "business_benefit", "cost", "impact_capacity", "impact_availability",
                "impact_continuity", "impact_security", "implementation_plan", "test_plan",
                "backout_plan"):
        assert extra[key], key
    assert detail.services == ["files", "mail"]
    assert detail.cis == ["srv-mail-01"]


def test_a_change_affects_any_number_of_services_and_cis_journaled(changes):
    ref = changes.create(title="Firewall rules", cis=["fw-01"]).ref
    detail = changes.set_targets(ref, services=["web", "erp"])
    assert detail.services == ["erp", "web"]
    entry = next(e for e in detail.record.journal if e.action == "targets")
    assert entry.changes["services"] == (None, "erp, web")
    detail = changes.set_targets(ref, services=["web"], remove=True)
    assert detail.services == ["erp"]


def test_a_change_to_a_ci_touches_the_service_it_belongs_to(changes):
    detail = changes.create(title="Reboot", cis=["srv-mail-01"])
    assert detail.services == ["mail"]


# ------------------------------------------------------------------ risk and major impact
def test_assessing_records_the_risk_level_and_starts_assessment(changes):
    ref = changes.create(title="Patch", services=["web"]).ref
    detail = changes.assess(ref, likelihood=4, impact=4)
    assert (detail.risk_score, detail.risk_level, detail.record.status) == (16, "high", "assessing")
    assert any(e.action == "assess" and e.changes.get("risk_level") == (None, "high")
               for e in detail.record.journal)


def test_a_high_risk_change_is_flagged_major_impact_for_design_and_transition(changes):
    ref = changes.create(title="Replace the core switch", services=["web"]).ref
    detail = changes.assess(ref, likelihood="likely", impact="severe")
    assert detail.major_impact
    assert "risk level very_high" in detail.major_impact_reasons[0]
    assert any("service design and transition" in e.note for e in detail.record.journal)


def test_a_change_touching_three_services_is_major_impact(changes):
    detail = changes.create(title="Upgrade the database", services=["web", "erp", "files"])
    assert detail.major_impact
    assert "3 services affected" in detail.major_impact_reasons[0]


def test_a_risk_given_through_a_plain_edit_is_checked_and_levelled(changes, records):
    ref = changes.create(title="Patch").ref
    records.update(ref, risk_likelihood="possible", risk_impact="5")
    assert changes.detail(ref).risk_level == "high"
    with pytest.raises(ValidationError, match="likelihood"):
        records.update(ref, risk_likelihood="often")


# ------------------------------------------------------------------ approval per category
def test_a_standard_change_is_pre_approved_when_raised(changes):
    detail = changes.create(title="Add a user to a mailing list", change_type="standard")
    assert detail.record.status == "approved"
    [decision] = detail.approvals
    assert decision.approver == "change policy" and "pre-approved" in decision.rationale


def test_a_normal_change_cannot_be_approved_without_a_back_out_plan(changes):
    ref = changes.create(title="Patch", services=["mail"], implementation_plan="Patch, reboot").ref
    changes.assess(ref, likelihood=2, impact=2)
    with pytest.raises(ValidationError, match="needs a back-out plan"):
        changes.approve(ref, "fine")
    assert changes.detail(ref).record.status == "assessing"
    assert changes.detail(ref).approvals == []


def test_a_normal_change_is_not_approved_without_its_plans_and_the_refusal_names_them(changes):
    """Approved and implemented with neither plan (a trial at 80×24): the approval decides on
    how the change is done and how it is undone (8.5.1.3)."""
    ref = changes.create(title="Patch", services=["mail"]).ref
    changes.assess(ref, likelihood=2, impact=2)
    journal = len(changes.detail(ref).record.journal)
    with pytest.raises(ValidationError) as refused:
        changes.approve(ref, "fine")
    assert str(refused.value) == (f"{ref} cannot be approved: a normal change needs an "
                                  "implementation plan and a back-out plan before it can be approved")
    assert refused.value.tui_hint == "e opens its form: Implementation plan, Back-out plan"
    assert refused.value.cli_hint == \
        f"sms-tui changes assess {ref} --implementation-plan … --backout-plan …"
    detail = changes.detail(ref)
    assert (detail.record.status, detail.approvals, len(detail.record.journal)) == \
        ("assessing", [], journal)
    changes.assess(ref, implementation_plan="Apply the patch, restart the service")
    with pytest.raises(ValidationError, match="needs a back-out plan before") as refused:
        changes.approve(ref, "fine")
    assert "implementation plan" not in str(refused.value)


def _blank_plan_in_the_database(store, ref, field):
    """What an approval given before plans were required left (or an import brought)."""
    from sms_tui.domain.kinds import parse_ref
    from sms_tui.storage.models import Change

    with store.write() as session:
        setattr(session.get(Change, parse_ref(ref)[1]), field, "")


@pytest.mark.parametrize("change_type, field, refused", [
    ("normal", "implementation_plan", True), ("normal", "backout_plan", True),
    ("emergency", "implementation_plan", False), ("emergency", "backout_plan", True)])
def test_a_change_approved_without_the_plans_its_category_needs_does_not_start(
        changes, store, change_type, field, refused):
    ref = changes.create(title="Patch", services=["mail"], change_type=change_type,
                         implementation_plan="Apply the patch", backout_plan="Restore the VM snapshot",
                         verification_results="Staging clean", backout_tested="yes").ref
    if change_type == "normal":
        changes.assess(ref, likelihood=1, impact=2)
    changes.approve(ref, "fine")
    _blank_plan_in_the_database(store, ref, field)
    if not refused:  # an emergency change's how is worked out on the spot, reviewed after
        assert changes.start(ref).record.status == "implementing"
        return
    words = {"implementation_plan": "an implementation plan", "backout_plan": "a back-out plan"}
    article = "an" if change_type == "emergency" else "a"
    with pytest.raises(ValidationError) as stopped:
        changes.start(ref)
    assert str(stopped.value) == (f"{ref}: {article} {change_type} change needs {words[field]} "
                                  "before it is implemented; its approval did not cover one")
    assert stopped.value.tui_hint == "t → assessing withdraws the approval; then e and A"
    assert changes.detail(ref).record.status == "approved"


def test_a_standard_change_starts_with_no_plans_written_on_it(changes):
    # pre-approved: its procedure is the standard change's own, on the policy's list
    ref = changes.create(title="Add a user to a mailing list", change_type="standard",
                         verification_results="List checked", backout_tested="yes").ref
    assert changes.start(ref).record.status == "implementing"


def test_a_normal_change_cannot_be_approved_before_its_risk_is_assessed(changes, records):
    ref = changes.create(title="Patch", backout_plan="Revert").ref
    records.transition(ref, "assessing")
    with pytest.raises(ValidationError, match="assess the risk"):
        changes.approve(ref, "fine")


def test_a_new_normal_change_is_approved_once_assessing_and_the_refusal_says_how(changes):
    ref = changes.create(title="Patch", backout_plan="Revert").ref
    with pytest.raises(ValidationError, match="approved while assessing; this one is new") as refused:
        changes.approve(ref, "fine")
    assert refused.value.tui_hint == "t moves it to assessing"
    assert refused.value.cli_hint == f"sms-tui transition {ref} assessing"


def test_an_approval_records_approver_date_and_rationale(changes, clock):
    detail = _approved_normal(changes)
    decision = detail.approvals[-1]
    assert (decision.decision, decision.approver, decision.decided_at) == ("approved", "cab", clock())
    assert decision.rationale == "Low risk, tested on staging"
    assert detail.record.status == "approved"


def test_a_rejection_records_approver_date_and_rationale(changes, clock):
    ref = changes.create(title="Risky patch", backout_plan="Revert").ref
    changes.assess(ref, likelihood=5, impact=5)
    detail = changes.reject(ref, "Too risky before quarter end", approver="cab")
    assert detail.record.status == "rejected"
    assert detail.approvals[-1].decision == "rejected"
    assert detail.approvals[-1].rationale == "Too risky before quarter end"


def test_approval_cannot_bypass_the_decision_record(changes, records):
    ref = changes.create(title="Patch", backout_plan="Revert").ref
    records.transition(ref, "assessing")
    with pytest.raises(ActionRequired, match="recording the decision") as refused:
        records.transition(ref, "approved")
    assert (refused.value.action, refused.value.ref) == ("approve", ref)


def test_an_emergency_change_needs_a_back_out_plan_even_when_expedited(changes):
    ref = changes.create(title="Block the exploit", change_type="emergency", cis=["fw-01"]).ref
    with pytest.raises(ValidationError, match="an emergency change needs a back-out plan"):
        changes.approve(ref, "actively exploited")


def test_an_emergency_change_is_approved_expedited_and_implemented_at_once(changes):
    ref = changes.create(title="Block the exploit", change_type="emergency", cis=["fw-01"],
                         backout_plan="Remove the rule", verification_results="Rule checked",
                         backout_tested="no", backout_untested_reason="no time: actively exploited").ref
    detail = changes.approve(ref, "Actively exploited", approver="duty manager")
    assert detail.record.status == "approved"
    assert detail.approvals[-1].expedited and detail.record.extra["expedited"]
    assert changes.start(ref).record.status == "implementing"


def test_the_category_cannot_change_after_the_decision(changes, records):
    ref = _approved_normal(changes).ref
    with pytest.raises(ValidationError, match="approval covers its category"):
        records.update(ref, change_type="standard")


def test_an_approved_change_keeps_its_back_out_plan(changes, records):
    ref = _approved_normal(changes).ref
    with pytest.raises(ValidationError, match="approval covers its back-out plan"):
        records.update(ref, backout_plan="")


# ------------------------------------------------------------------ schedule and conflicts
def test_scheduling_an_approved_change_sets_its_window(changes):
    ref = _approved_normal(changes).ref
    result = changes.schedule(ref, WINDOW, WINDOW + timedelta(hours=2))
    assert result.change.record.status == "scheduled"
    assert result.change.record.extra["planned_start"] == WINDOW
    assert result.conflicts == []


def test_a_window_must_end_after_it_starts(changes):
    ref = _approved_normal(changes).ref
    with pytest.raises(ValidationError, match="must be after"):
        changes.schedule(ref, WINDOW, WINDOW)


def test_a_window_that_has_passed_is_refused(changes, clock):
    # 2020-01-01 was accepted: the change went "scheduled", service owners were told of a
    # window in the past, and the calendar never showed it
    ref = _approved_normal(changes).ref
    past = clock() - timedelta(days=2)
    with pytest.raises(ValidationError, match="which has passed"):
        changes.schedule(ref, past, past + timedelta(hours=2))
    assert changes.records.get(ref).status == "approved"
    started = clock() - timedelta(hours=1)  # a window under way still can be
    assert changes.schedule(ref, started, clock() + timedelta(hours=1)).change.record.status == "scheduled"


def test_scheduling_over_another_change_on_the_same_service_warns(changes):
    first = _approved_normal(changes).ref
    changes.schedule(first, WINDOW, WINDOW + timedelta(hours=2))
    second = _approved_normal(changes, cis=["srv-mail-01"], services=[]).ref
    result = changes.schedule(second, WINDOW + timedelta(hours=1), WINDOW + timedelta(hours=3))
    [conflict] = result.conflicts
    assert (conflict.first, conflict.second, conflict.services) == (first, second, ("mail",))
    assert result.change.record.status == "scheduled"  # a warning, not a refusal
    schedule = next(e for e in result.change.record.journal if e.action == "schedule")
    assert "conflict" in schedule.note


def test_changes_on_different_services_at_the_same_time_do_not_conflict(changes):
    first = _approved_normal(changes).ref
    changes.schedule(first, WINDOW, WINDOW + timedelta(hours=2))
    second = _approved_normal(changes, services=["web"]).ref
    assert changes.schedule(second, WINDOW, WINDOW + timedelta(hours=2)).conflicts == []


def test_the_conflict_list_shows_every_clashing_pair(changes):
    refs = []
    for hours in (0, 1):
        ref = _approved_normal(changes).ref
        changes.schedule(ref, WINDOW + timedelta(hours=hours), WINDOW + timedelta(hours=hours + 2))
        refs.append(ref)
    [conflict] = changes.conflicts()
    assert (conflict.first, conflict.second) == tuple(refs)


def test_the_change_calendar_lists_windows_in_order_with_their_conflicts(changes):
    late = _approved_normal(changes).ref
    changes.schedule(late, WINDOW + timedelta(hours=1), WINDOW + timedelta(hours=3))
    early = _approved_normal(changes).ref
    changes.schedule(early, WINDOW, WINDOW + timedelta(hours=2))
    outside = _approved_normal(changes).ref
    changes.schedule(outside, WINDOW + timedelta(days=10), WINDOW + timedelta(days=10, hours=1))
    entries = changes.calendar(WINDOW - timedelta(days=1), WINDOW + timedelta(days=1))
    assert [e.ref for e in entries] == [early, late]
    assert entries[0].conflicts_with == (late,)
    assert entries[0].services == ("mail",)


def test_the_calendar_plans_only_changes_still_to_be_done_and_marks_done_ones(changes, clock):
    done_early = _approved_normal(changes).ref
    changes.schedule(done_early, WINDOW, WINDOW + timedelta(hours=2))
    changes.start(done_early)  # days before its window
    changes.record_outcome(done_early, "successful")
    planned = _approved_normal(changes).ref
    changes.schedule(planned, WINDOW + timedelta(hours=3), WINDOW + timedelta(hours=4))
    rejected = changes.create(title="Not this", services=["mail"]).ref
    changes.schedule(rejected, WINDOW, WINDOW + timedelta(hours=1))
    changes.reject(rejected, "Not needed")
    week = (WINDOW - timedelta(days=1), WINDOW + timedelta(days=1))
    assert [(e.ref, e.done) for e in changes.calendar(*week)] == [(planned, False)]
    clock.current = WINDOW + timedelta(days=2)  # looking back: what was done in the week
    entries = changes.calendar(*week)
    assert [(e.ref, e.done, e.outcome) for e in entries] == [(done_early, True, "successful"),
                                                             (planned, False, "")]


# ------------------------------------------------------------------ outcome and review
def test_a_failed_change_needs_an_investigation_note(changes):
    ref = _approved_normal(changes).ref
    changes.start(ref)
    with pytest.raises(ValidationError, match="investigation note"):
        changes.record_outcome(ref, "failed")
    assert changes.detail(ref).record.status == "implementing"


def test_an_outcome_given_no_investigation_note_keeps_the_one_recorded(changes, records):
    """The form's Investigation note, written while implementing, was erased by the outcome
    recorded without one (the TUI's outcome dialog started empty)."""
    ref = _approved_normal(changes).ref
    changes.start(ref)
    records.update(ref, investigation_note="Root cause from PRB-000019")
    detail = changes.record_outcome(ref, "failed")  # the note on record is the one it needs
    assert detail.record.extra["investigation_note"] == "Root cause from PRB-000019"
    entry = next(e for e in records.get(ref).journal if e.action == "outcome")
    assert "investigation_note" not in entry.changes


def test_the_outcome_is_recorded_only_after_implementation_started(changes):
    ref = _approved_normal(changes).ref
    with pytest.raises(ValidationError, match="when its implementation ends") as refused:
        changes.record_outcome(ref, "successful")
    # how each front end starts it: the CLI's command, the TUI's key (never the other's)
    assert refused.value.cli_hint == f"start it with: sms-tui changes start {ref}"
    assert refused.value.tui_hint == "t moves it to implementing"


def test_an_implemented_change_gets_an_effectiveness_review_task(changes, reviews, clock):
    detail = _implemented(changes)
    assert detail.record.status == "review"
    entry = next(e for e in detail.record.journal if e.action == "review")
    review_ref = entry.changes["effectiveness_review"][1]
    review = reviews.get(review_ref)
    assert review.activity == "change_effectiveness_review"
    assert review.clause == "8.5.1.3"
    assert review.source_ref == detail.ref
    assert review.due == clock() + timedelta(days=14)


def test_an_emergency_change_is_reviewed_sooner_after_implementation(changes, reviews, clock):
    ref = changes.create(title="Block the exploit", change_type="emergency", cis=["fw-01"],
                         backout_plan="Remove the rule", verification_results="Rule checked",
                         backout_tested="no", backout_untested_reason="no time: actively exploited").ref
    changes.approve(ref, "Actively exploited")
    changes.start(ref)
    detail = changes.record_outcome(ref, "backed_out", investigation_note="Rule broke VPN")
    review_ref = next(e for e in detail.record.journal if e.action == "review").changes[
        "effectiveness_review"][1]
    review = reviews.get(review_ref)
    assert review.due == clock() + timedelta(days=3)
    assert "emergency" in review.title


def test_a_major_impact_change_also_gets_a_continuity_retest(changes, reviews):
    detail = _implemented(changes, services=["web", "erp", "files"])
    entry = next(e for e in detail.record.journal if e.action == "review")
    retest = reviews.get(entry.changes["continuity_retest"][1])
    assert (retest.activity, retest.clause) == ("continuity_retest", "8.7.2")


def test_a_change_is_closed_only_after_its_effectiveness_review_is_done(changes, reviews, records):
    from sms_tui.ui.hints import error_message as tui_message

    detail = _implemented(changes)
    with pytest.raises(ValidationError, match="effectiveness review is done") as refused:
        records.transition(detail.ref, "closed")
    assert tui_message(refused.value).endswith("(6 opens the reviews)")  # where to do it
    review_ref = next(e for e in detail.record.journal if e.action == "review").changes[
        "effectiveness_review"][1]
    reviews.tick(review_ref, all_items=True)
    reviews.complete(review_ref, "Mail faster, no incidents since")
    assert records.transition(detail.ref, "closed").status == "closed"


def test_a_problem_fixed_by_a_change_hears_of_its_outcome(changes, records, store):
    from sms_tui.services.problems.service import ProblemService

    problems = ProblemService(store)
    problem = records.create("problem", title="Mail drops").ref
    problems.record_rca(problem, root_cause="Idle timeout")
    fixed = problems.resolve(problem, permanent_fix="Raise the timeout", needs_change=True)
    change = next(link.ref for link in fixed.links if link.relation == "change")
    changes.set_targets(change, services=["mail"])
    records.update(change, backout_plan="Lower it again", implementation_plan="Raise it to 500",
                   verification_results="Tried on a test relay",
                   backout_tested="yes")
    changes.assess(change, likelihood=1, impact=2)
    changes.approve(change, "ok")
    changes.start(change)
    changes.record_outcome(change, "successful")
    notes = [e.note for e in records.get(problem).journal]
    assert f"fix change {change} implemented: successful" in notes
    assert records.get(problem).status == "resolved"  # resolved by the change (8.6.3)
