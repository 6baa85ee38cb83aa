"""Changes on screen: the RFC form, the assessment, decisions, schedule conflicts, the calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sms_tui.ui.screens.change_detail import ChangeScreen

from .conftest import LARGE, SMALL, press, screen_text, settle, type_text

WINDOW = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)  # two days after the fixed clock's Monday


@pytest.fixture
def changes(store):
    from sms_tui.services.changes.service import ChangeService
    from sms_tui.services.configuration.catalogue import CatalogueService

    catalogue = CatalogueService(store)
    catalogue.add_service("mail", criticality="high")
    catalogue.add_ci("srv-mail-01", service="mail")
    return ChangeService(store)


@pytest.fixture
def planned(changes):
    """Two changes on mail in overlapping windows (a conflict), one the week after."""
    from datetime import timedelta

    first = changes.create(title="Patch the mail server", services=["mail"], backout_plan="Snapshot",
                           implementation_plan="Patch, reboot")
    changes.assess(first.ref, likelihood=2, impact=3)
    changes.approve(first.ref, "CAB agreed", approver="cab")
    changes.schedule(first.ref, WINDOW, WINDOW + timedelta(hours=2))
    second = changes.create(title="Firmware on srv-mail-01", change_type="emergency",
                            cis=["srv-mail-01"], backout_plan="Reflash the old image")
    changes.approve(second.ref, "Vendor advisory", approver="duty manager")
    changes.schedule(second.ref, WINDOW + timedelta(hours=1), WINDOW + timedelta(hours=3))
    later = changes.create(title="Renew the TLS certificate", change_type="standard", services=["mail"])
    changes.schedule(later.ref, WINDOW + timedelta(days=6), WINDOW + timedelta(days=6, minutes=30))
    return [first.ref, second.ref, later.ref]


def test_the_change_form_asks_for_every_rfc_field(snap_compare, make_app, changes):
    async def new_change(pilot):
        await settle(pilot)
        await press(pilot, "5", "n")

    assert snap_compare(make_app(), terminal_size=LARGE, run_before=new_change)


def test_the_change_calendar_marks_conflicts_in_words(snap_compare, make_app, planned):
    async def calendar(pilot):
        await settle(pilot)
        await press(pilot, "9")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=calendar)


async def test_the_calendar_moves_by_weeks_and_opens_a_change(make_app, planned):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "9")
        assert planned[2] in screen_text(app)
        await press(pilot, "right_square_bracket", "right_square_bracket")
        assert "No changes planned" in screen_text(app)
        await press(pilot, "t", "enter")  # the first change is highlighted: Enter opens it
        assert isinstance(app.screen, ChangeScreen) and app.screen.ref == planned[0]
        assert f"{planned[1]} also touches mail" in screen_text(app)


async def test_approval_of_a_normal_change_without_its_plans_is_refused_before_its_dialog(
        make_app, changes):
    """The dialog took the approver and the rationale, then refused: A says why at once,
    naming each plan missing (as the service and the command line do)."""
    from sms_tui.ui.screens.decision_dialog import DecisionDialog

    ref = changes.create(title="Move mail to new storage", services=["mail"]).ref
    changes.assess(ref, likelihood=1, impact=2)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "5", "enter", "A")
        assert not isinstance(app.screen, DecisionDialog)
        assert [n.message for n in app._notifications if "cannot be approved" in n.message] == [
            f"{ref} cannot be approved yet: a normal change needs an implementation plan and a "
            "back-out plan before it can be approved"]
        assert isinstance(app.screen, ChangeScreen)
        assert app.screen.view.status == "assessing"


async def test_approval_of_a_change_whose_risk_is_not_assessed_is_refused_before_its_dialog(
        make_app, changes):
    from sms_tui.ui.screens.decision_dialog import DecisionDialog

    ref = changes.create(title="Move mail to new storage", services=["mail"],
                         backout_plan="Move it back").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.backend.records.transition(ref, "assessing")  # and no risk assessed
        await press(pilot, "5", "enter", "A")
        assert not isinstance(app.screen, DecisionDialog)
        assert any("assess the risk first" in n.message for n in app._notifications)


async def test_scheduling_over_another_change_warns_and_the_outcome_raises_the_review(
        make_app, planned, changes, store):
    from sms_tui.services.reviews.service import ReviewService

    ref = changes.create(title="Mail filter rules", change_type="standard", services=["mail"],
                         verification_results="Rules tried on a test mailbox", backout_tested="yes").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        app.screen.action_open_record(ref)
        await settle(pilot)
        await press(pilot, "w")
        await type_text(pilot, "2026-03-04 21:30")
        await press(pilot, "tab")
        await type_text(pilot, "2026-03-04 22:30")
        await press(pilot, "enter")
        assert app.screen.view.status == "scheduled"
        assert "✗ Conflict" in screen_text(app)  # in words, on the change itself
        schedule = next(e for e in app.screen.view.journal if e.action == "schedule")
        assert "conflict:" in schedule.note
        await press(pilot, "t", "enter")  # implementing
        await press(pilot, "o", "enter")  # successful
        assert app.screen.view.status == "review"
    reviews = [r for r in ReviewService(store).list_reviews(open_only=True) if r.source_ref == ref]
    assert [r.activity for r in reviews] == ["change_effectiveness_review"]


async def test_risk_likelihood_and_impact_are_picked_not_typed(make_app, changes):
    from sms_tui.ui.screens.form import RecordForm
    from sms_tui.ui.widgets.choice_picker import ChoicePicker

    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "5", "n")
        assert isinstance(app.screen, RecordForm)
        likelihood = app.screen.query_one("#f-risk_likelihood", ChoicePicker)
        impact = app.screen.query_one("#f-risk_impact", ChoicePicker)
        await type_text(pilot, "Rotate the backup tapes")
        likelihood.focus()
        await press(pilot, "2")  # a digit picks it; the desk stays on this form
        impact.focus()
        await press(pilot, "right", "right", "right")
        assert isinstance(app.screen, RecordForm)
        assert (likelihood.value, impact.value) == ("2", "3")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, RecordForm)
    detail = changes.detail("CHG-000001")
    assert (detail.risk_likelihood, detail.risk_impact) == (2, 3)


async def test_a_failed_change_records_its_remedial_actions_and_closes_from_its_screen(
        make_app, changes, store):
    """8.5.1.3: the refusal named a command-line command and the TUI had no way to record
    the actions; f records one, F marks it done, and the change then closes once its review
    (which needs them recorded) is done."""
    from sms_tui.domain.errors import ValidationError
    from sms_tui.services.reviews.service import ReviewService

    ref = changes.create(title="Print driver update", change_type="standard",
                         verification_results="tried on one printer", backout_tested="yes").ref
    changes.start(ref)
    changes.record_outcome(ref, "failed", investigation_note="the driver crashed the spooler")
    reviews = ReviewService(store)
    review = next(r for r in reviews.list_reviews() if r.source_ref == ref)
    reviews.tick(review.ref, all_items=True)
    with pytest.raises(ValidationError) as refused:  # what the review's c says in the TUI
        reviews.complete(review.ref, "cause found; actions agreed")
    assert refused.value.tui_hint == f"f on {ref}'s screen records one"
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        app.screen.action_open_record(ref)
        await settle(pilot)
        assert "none recorded yet" in screen_text(app)
        await press(pilot, "f")
        await type_text(pilot, "Pin the old driver")
        await press(pilot, "tab")
        await type_text(pilot, "ops")
        await press(pilot, "tab")
        await type_text(pilot, "print service owner")
        await press(pilot, "enter")
        text = screen_text(app)
        assert "[ ] 1. Pin the old driver  (owner ops; agreed with print service owner)" in text
        reviews.complete(review.ref, "cause found; actions agreed")  # the review, done meanwhile
        app.check_for_changes()
        await settle(pilot)
        await press(pilot, "t", "enter")
        assert "remedial actions still open (1)" in screen_text(app)
        assert "F marks one done" in screen_text(app) and "sms-tui changes" not in screen_text(app)
        await press(pilot, "escape", "F", "tab")
        await type_text(pilot, "pinned [b]v2[/b] on all spoolers")
        await press(pilot, "enter")
        text = screen_text(app)
        assert "[x] 1. Pin the old driver" in text
        assert ": pinned [b]v2[/b] on all spoolers" in text  # the note said when it was done
        await press(pilot, "t", "enter")
        assert app.screen.view.status == "closed"


async def test_the_change_type_and_back_out_answer_are_picked_by_their_first_letter(make_app,
                                                                                    changes):
    """They were drop-down selects that ignored letters; now pickers as impact and urgency."""
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "5", "n")
        form = app.screen
        form.query_one("#f-change_type").focus()
        await press(pilot, "e")
        assert form.query_one("#f-change_type").value == "emergency"
        await press(pilot, "s")
        assert form.query_one("#f-change_type").value == "standard"
        form.query_one("#f-backout_tested").focus()
        await press(pilot, "y")
        assert form.query_one("#f-backout_tested").value == "yes"
        assert "(not set)  [yes]  no" in screen_text(app)  # the choice in words, not by colour


async def test_starting_a_change_before_its_window_says_so_not_only_saved(make_app, planned, changes):
    # the command line warned, the TUI said "saved (version N)"; the journal had the warning
    ref = planned[2]  # its window is the week after: starting it now is early
    changes.records.update(ref, verification_results="Tried on staging", backout_tested="yes")
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        app.screen.action_open_record(ref)
        await settle(pilot)
        await press(pilot, "t", "enter")  # implementing
        await settle(pilot)
        assert app.screen.view.status == "implementing"
        told = [n for n in app._notifications if n.title == "Outside the window"]
        assert len(told) == 1 and told[0].message.startswith(f"{ref} ")


async def test_a_new_normal_change_is_not_offered_approval_and_A_says_why_at_once(make_app, changes):
    ref = changes.create(title="Move mail to new storage", services=["mail"],
                         backout_plan="Move it back").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "5", "enter")
        assert isinstance(app.screen, ChangeScreen) and app.screen.ref == ref
        shown = screen_text(app)
        assert "Approve" not in shown  # not in the footer
        assert "Next status: assessing, rejected, cancelled" in shown
        await press(pilot, "A")
        assert isinstance(app.screen, ChangeScreen)  # no dialog to fill in and be refused
        said = [str(n.message) for n in app._notifications if ref in str(n.message)]
        assert said == [f"{ref} cannot be approved yet: a normal change is approved while "
                        "assessing; this one is new (t moves it to assessing)"]
        await press(pilot, "t")
        assert "approved" not in [o.id for o in app.screen.query_one("OptionList").options]
        await press(pilot, "escape")
        changes.assess(ref, likelihood=1, impact=2)
        await press(pilot, "r")
        assert "Next status: approved, rejected, cancelled" in screen_text(app)
        assert "Approve" in screen_text(app)


async def test_the_calendar_does_not_plan_a_change_already_done(make_app, planned, changes):
    from sms_tui.services.core.records import RecordService

    done = planned[2]  # the standard change, done the week before its window
    RecordService(changes.store).update(done, verification_results="Checked", backout_tested="yes")
    changes.start(done)
    changes.record_outcome(done, "successful")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "9")
        shown = screen_text(app)
        assert "2 planned" in shown and done not in shown
