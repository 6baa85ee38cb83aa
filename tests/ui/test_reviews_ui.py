"""The review queue, a review's detail (checklist, evidence, findings), the schedule editor, home."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest
from textual.widgets import Static

from sms_tui.config import Config
from sms_tui.services.reviews.service import ReviewService, raise_event_review_in
from sms_tui.ui.screens.reviews import ReviewQueueScreen
from sms_tui.ui.screens.reviews_detail import ReviewScreen
from sms_tui.ui.screens.reviews_dialogs import ReviewDialog
from sms_tui.ui.screens.reviews_schedules import ScheduleScreen

from .conftest import (
    MARKUP_TITLE,
    SMALL,
    press,
    screen_text,
    settle,
    slow_down,
    type_text,
    until_shown,
)

APRIL_10 = datetime(2026, 4, 10, 9, tzinfo=UTC)


@pytest.fixture
def reviews(store, records, clock):
    """A desk first used on 2026-03-02; on April 10 it has overdue, due-soon, upcoming and done reviews."""
    service = ReviewService(store)
    service.ensure_schedules()
    change = records.create("change", title="Replace VPN concentrator", change_type="emergency")
    service.update_schedule("rfc_trends", next_due=datetime(2026, 3, 10, tzinfo=UTC))
    clock.set(datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    service.raise_due()  # rfc_trends for Feb 10 – Mar 9 (due Mar 24) and the April ones (due Apr 15)
    with store.write() as session:
        raise_event_review_in(session, activity="change_effectiveness_review", source_ref=change.ref,
                              title=f"Effectiveness of {change.ref}", clause="8.5.1.3",
                              due=datetime(2026, 5, 20, tzinfo=UTC), now=clock(), actor="tester")
    done = next(r.ref for r in service.list_reviews() if r.activity == "budget_costs")
    service.tick(done, all_items=True)
    service.complete(done, "Costs within budget")
    skipped = next(r.ref for r in service.list_reviews() if r.activity == "supplier_contracts")
    service.skip(skipped, "No contract changed this quarter")
    service.update_schedule("continuity_test", paused=True, note="plan being rewritten")
    clock.set(APRIL_10)
    return service


def first_ref(service, activity):
    return next(r.ref for r in service.list_reviews(limit=None) if r.activity == activity)


async def open_review(pilot, ref):
    pilot.app.push_screen(ReviewScreen(ref))
    await settle(pilot)


# ------------------------------------------------------------ snapshots
def test_review_queue_shows_overdue_and_due_soon_in_words(snap_compare, make_app, reviews):
    async def go(pilot):
        await settle(pilot)
        await press(pilot, "6")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=go)


def test_review_detail_shows_checklist_and_evidence(snap_compare, make_app, reviews):
    ref = first_ref(reviews, "rfc_trends")
    reviews.tick(ref, 1)

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "6")
        await open_review(pilot, ref)

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=go)


def test_review_evidence_section(snap_compare, make_app, reviews):
    ref = first_ref(reviews, "rfc_trends")

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "6")
        await open_review(pilot, ref)
        await press(pilot, "v")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=go)


def test_schedule_editor(snap_compare, make_app, reviews):
    async def go(pilot):
        await settle(pilot)
        await press(pilot, "6", "s")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=go)


def test_schedule_edit_dialog(snap_compare, make_app, reviews):
    async def go(pilot):
        await settle(pilot)
        await press(pilot, "6", "s", "down", "down", "down", "enter")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=go)


def test_home_lists_overdue_reviews(snap_compare, make_app, reviews):
    async def go(pilot):
        await settle(pilot)
        await press(pilot, "0")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=go)


# ------------------------------------------------------------ flows
async def test_queue_marks_each_state_with_a_word_not_only_a_colour(make_app, reviews):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        assert isinstance(app.screen, ReviewQueueScreen)
        text = screen_text(app)
        assert "‼ 1 overdue" in text and "! 11 due soon" in text and "13 open" in text
        rows = {r.ref: r.state for r in app.screen.rows}
        assert list(rows.values())[0] == "overdue"
        assert "‼ OVERDUE" in text and "! due soon" in text

        await press(pilot, "f")  # finished
        text = screen_text(app)
        assert "✓ done" in text and "– skipped" in text
        assert {r.state for r in app.screen.rows} == {"done", "skipped"}



async def test_overdue_and_due_soon_keep_distinct_markers_on_an_ascii_terminal(make_app, reviews,
                                                                                 monkeypatch):
    # TERM=vt100: "‼ OVERDUE" became "! OVERDUE", the marker of "! due soon"
    monkeypatch.setenv("TERM", "vt100")
    monkeypatch.delenv("SMS_TUI_ASCII", raising=False)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        text = screen_text(app)
    assert "# 1 overdue" in text and "! 11 due soon" in text
    assert "# OVERDUE" in text and "! due soon" in text


def test_each_marker_of_the_help_means_one_thing_on_an_ascii_terminal_too():
    from sms_tui.ui.glyphs import to_ascii
    from sms_tui.ui.screens.help import MARKERS

    shown = [to_ascii(marker).split()[0] for marker, _ in MARKERS]
    assert len(set(shown)) == len(shown), shown
    meaning = {to_ascii(marker): what for marker, what in MARKERS}
    assert "past its due date" in meaning["# OVERDUE"] and "due soon" in meaning["!"]

async def test_work_a_review_with_the_keyboard_tick_then_complete(make_app, reviews):
    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "enter")  # the overdue one is first
        assert isinstance(app.screen, ReviewScreen) and app.screen.ref == ref

        await press(pilot, "c")  # refused: nothing ticked
        assert isinstance(app.screen, ReviewDialog)
        await type_text(pilot, "Emergency changes up")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ReviewDialog)
        assert "not ticked" in screen_text(app)
        await press(pilot, "escape")

        await press(pilot, "space", "space", "space")  # each tick moves to the next item
        assert all(item.done for item in app.screen.view.checklist)
        assert app.screen.view.status == "in_progress"
        await press(pilot, "c")
        await type_text(pilot, "One emergency change; reviewed at the CAB")
        await press(pilot, "ctrl+s")
        assert app.screen.view.status == "done"
        assert "One emergency change; reviewed at the CAB" in screen_text(app)

    view = reviews.get(ref)
    assert (view.status, view.completed_by, view.outcome) == (
        "done", "tester", "One emergency change; reviewed at the CAB")
    assert [e.action for e in view.journal[:4]] == ["complete", "tick", "tick", "tick"]


async def test_a_refresh_read_before_the_last_tick_does_not_undo_it_or_lose_the_next(make_app, reviews):
    """Each write sets off a refresh; a refresh read before the next tick committed can
    arrive after it. Shown, it put the review back a version, and the following ticks of a
    burst were refused as conflicts with the screen's own tick (2 of 4 recorded, under load)."""
    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "enter")
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.ref == ref
        before = reviews.get(ref)  # the read a late refresh delivers
        await press(pilot, "space")
        assert screen.view.checklist[0].done
        screen.show(before)  # the late refresh arrives after the tick's own result
        assert screen.view.checklist[0].done and screen.view.version == before.version + 1
        await press(pilot, "space", "space")
        assert not any("changed" in n.message for n in app._notifications)
    view = reviews.get(ref)
    assert [item.done for item in view.checklist] == [True, True, True]
    assert [e.action for e in view.journal[:3]] == ["tick", "tick", "tick"]


async def test_skip_asks_for_a_reason(make_app, reviews):
    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_review(pilot, ref)
        await press(pilot, "k", "ctrl+s")
        assert "must not be empty" in screen_text(app)
        await type_text(pilot, "Change freeze all month")
        await press(pilot, "ctrl+s")
        assert app.screen.view.status == "skipped"
    assert reviews.get(ref).skip_reason == "Change freeze all month"


async def test_findings_from_a_review_show_user_text_as_typed(make_app, reviews):
    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_review(pilot, ref)
        await press(pilot, "i")
        await type_text(pilot, MARKUP_TITLE.replace("\x1b", "").replace("\x07", ""))
        await press(pilot, "ctrl+s")
        await press(pilot, "n")
        await type_text(pilot, "Emergency changes are not reviewed afterwards")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ReviewScreen)
        shown = str(app.screen.query_one("#review-findings", Static).content)
        assert "OFI-000001" in shown and "NC-000001" in shown
        assert "[@click=app.quit]y[/]" in shown  # shown as typed, not run as markup
    findings = reviews.get(ref).findings
    assert [(f.ref, f.kind) for f in findings] == [("OFI-000001", "improvement"),
                                                  ("NC-000001", "nonconformity")]


async def test_schedule_editor_changes_interval_and_pauses_with_the_journal_kept(make_app, reviews):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "s")
        assert isinstance(app.screen, ScheduleScreen)
        await press(pilot, "down", "down", "down", "enter")  # sla_performance
        await press(pilot, *["backspace"] * 10)
        await type_text(pilot, "every 2 weeks")
        await press(pilot, "tab", "tab")  # next due, owner
        await type_text(pilot, "dana")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ScheduleScreen)
        await press(pilot, "p")
        assert "‖ PAUSED" in screen_text(app)
        assert "2 weeks " in screen_text(app)  # whole at 80 columns ("every 2 week" was cut)

    schedule = reviews.get_schedule("sla_performance")
    assert (schedule.interval, schedule.owner, schedule.paused) == ("every 2 weeks", "dana", True)
    assert [e.action for e in reviews.schedule_journal("sla_performance")[:2]] == ["pause", "update"]


async def test_a_bad_interval_is_refused_in_the_dialog(make_app, reviews):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "s", "enter")
        await press(pilot, *["backspace"] * 12)
        await type_text(pilot, "now and then")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ReviewDialog)
        assert "is not an interval" in screen_text(app)
    assert reviews.get_schedule("config_verification").interval == "quarterly"


async def test_background_scheduler_starts_with_the_tui_raises_due_reviews_and_stops_on_exit(
        make_app, store, clock, monkeypatch):
    # its first run comes FIRST_RUN_AFTER_S after start: scaled down to 0.3 s here
    monkeypatch.setenv("SMS_TUI_TIMER_SCALE", "0.01")
    ReviewService(store).ensure_schedules()
    clock.set(datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    app = make_app(config=Config(raw={"reviews": {"scheduler_in_tui": True}}))
    raised = threading.Event()
    tell_ui = app.review_scheduler._result

    def result(name, message):  # what the scheduler thread tells the UI, observed on the way
        tell_ui(name, message)
        if name == "raise_due_reviews":
            raised.set()

    app.review_scheduler._result = result
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert await asyncio.to_thread(raised.wait, 30), "the scheduler did not raise the due reviews"
        scheduler = app.review_scheduler
        assert scheduler.running
        thread = scheduler.scheduler._scheduler._thread
        await settle(pilot)
        assert ReviewService(store).counts()["open"] == 14
        toast = next(n for n in app._notifications if "14 review(s) raised" in n.message)
        # brief, one line, no title: it must not hide the queue for seconds at every start
        assert toast.message == "14 review(s) raised (key 6 lists them)"
        assert toast.timeout <= 3 and not toast.title
    assert not scheduler.running
    assert not thread.is_alive()


async def test_headless_test_apps_do_not_start_the_scheduler_unless_asked(make_app, store, clock):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.review_scheduler.scheduler is None


# ------------------------------------------------------------ findings
@pytest.fixture
def findings(reviews):
    ref = first_ref(reviews, "rfc_trends")
    nc = reviews.new_nonconformity("Emergency changes are not reviewed afterwards", clause="8.5.1",
                                   severity="major", review_ref=ref, owner="erin")
    reviews.add_corrective_action(nc.ref, "Review every emergency change within 5 days", owner="erin")
    reviews.new_improvement("Template for RFCs", review_ref=ref)
    return nc.ref


def test_findings_queue(snap_compare, make_app, findings):
    async def go(pilot):
        await settle(pilot)
        await press(pilot, "6", "g")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=go)


async def test_nonconformity_is_worked_to_closure_from_its_screen(make_app, reviews, findings):
    from sms_tui.ui.screens.finding import FindingScreen
    from sms_tui.ui.screens.findings import FindingsScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "g")
        assert isinstance(app.screen, FindingsScreen)
        assert [r.ref for r in app.screen.rows] == ["NC-000001", "OFI-000001"]
        await press(pilot, "enter")
        assert isinstance(app.screen, FindingScreen) and app.screen.ref == findings
        # its record read (a loaded machine took longer than the key, once even than settle)
        assert "Severity: major" in await until_shown(pilot, "Severity: major")

        await press(pilot, "t")  # open -> action planned needs a root cause
        await press(pilot, "ctrl+s")
        assert "root cause" in screen_text(app)
        assert app.focused is app.screen.query_one("#f-root_cause")  # the field in error
        await type_text(pilot, "Nobody owned the follow-up")
        await press(pilot, "ctrl+s")
        assert app.screen.view.status == "action_planned"

        await press(pilot, "space")  # the only action, done
        assert app.screen.view.actions[0].done
        await press(pilot, "t", "ctrl+s")  # actions done
        assert app.screen.view.status == "actions_done"
        await press(pilot, "t", "tab", "tab", "tab")
        await type_text(pilot, "No unreviewed emergency change in May")
        await press(pilot, "ctrl+s")
        assert app.screen.view.status == "closed"

    view = reviews.get_finding(findings)
    assert (view.status, view.effectiveness_note) == ("closed", "No unreviewed emergency change in May")
    assert [e.action for e in view.journal[:4]] == ["transition", "transition", "action_done", "transition"]


async def test_checklist_ticks_in_a_burst_tick_each_item_once_and_the_cursor_shows(make_app, reviews):
    from textual.widgets import OptionList

    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "enter")
        assert isinstance(app.screen, ReviewScreen) and app.screen.ref == ref
        checklist = app.screen.query_one("#review-checklist", OptionList)
        assert app.focused is checklist  # no Tab needed
        first = next(line for line in screen_text(app).splitlines() if " 1. " in line)
        assert first.lstrip().startswith("›[ ] 1.")  # the cursor reads without colour
        await pilot.press("space", "enter")  # one burst, faster than the writes
        await settle(pilot)
        assert [item.done for item in app.screen.view.checklist] == [True, True, False]
        assert checklist.highlighted == 2
    journal = [e.action for e in reviews.get(ref).journal]
    assert journal.count("tick") == 2


async def test_nonconformity_severity_is_picked_from_minor_and_major(make_app, reviews):
    from sms_tui.ui.widgets.choice_picker import ChoicePicker

    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        await open_review(pilot, ref)
        await press(pilot, "n")
        assert isinstance(app.screen, ReviewDialog)
        severity = app.screen.query_one("#f-severity", ChoicePicker)
        await type_text(pilot, "Emergency changes not reviewed")
        await press(pilot, "tab", "tab")
        assert app.focused is severity
        await press(pilot, "m")  # minor -> major (both start with m: they take turns)
        assert severity.value == "major"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ReviewScreen)
    finding = reviews.list_findings("nonconformity", open_only=True)[0]
    assert finding.severity == "major"


async def test_home_and_end_go_to_the_first_and_last_review(make_app, reviews):
    """Textual's table moved Home/End between columns: on the review queue's row cursor they
    did nothing, and Home then Enter opened the review the cursor was still on."""
    from textual.widgets import DataTable

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        table = app.screen.query_one("#review-table", DataTable)
        assert table.row_count > 2
        await press(pilot, "end")
        assert table.cursor_row == table.row_count - 1
        await press(pilot, "home")
        assert table.cursor_row == 0


async def test_the_home_screens_queues_move_with_j_and_k_and_the_cursor_is_marked(make_app):
    """j and k did nothing on home's table of queues, and under NO_COLOR the queue Enter
    opens was told only by bold: it is marked with '›' as in every list."""
    from sms_tui.ui.screens.dashboard import DashboardScreen
    from sms_tui.ui.screens.request_queue import RequestQueueScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "0")
        assert isinstance(app.screen, DashboardScreen)
        assert "›Incidents" in screen_text(app)
        await press(pilot, "j")
        assert "›Requests" in screen_text(app)
        await press(pilot, "j", "k", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestQueueScreen)


async def test_enter_pressed_with_f_opens_a_review_of_the_new_list(make_app, reviews, monkeypatch):
    """`f Enter` in one burst on a slow desk: Enter opened a review of the list before f."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        slow_down(monkeypatch, ReviewService, "list_reviews", 0.3)
        await pilot.press("f", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        opened = app.screen.ref
    finished = {r.ref for r in reviews.list_reviews(status="done", limit=None)}
    assert opened in finished, f"{opened} is not one of the finished reviews {finished}"


async def test_j_and_k_move_in_the_review_list_as_in_the_queues(make_app, reviews):
    from textual.widgets import DataTable

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        table = app.screen.query_one("#review-table", DataTable)
        assert table.cursor_row == 0 and table.row_count > 2
        await press(pilot, "j", "j")
        assert table.cursor_row == 2
        await press(pilot, "k")
        assert table.cursor_row == 1


async def test_a_scheduler_notice_waits_until_the_dialog_being_typed_in_is_closed(make_app, store):
    # the toast covered the right half of the dialog for its 2.5 s, over what was typed
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")  # the new incident form
        await settle(pilot)
        await asyncio.to_thread(app.review_scheduler._result, "sla_check", "2 SLA breaches recorded")
        await pilot.pause(0.6)
        assert not any("SLA breaches" in n.message for n in app._notifications)
        await pilot.press("escape")  # the form is left (its draft kept)
        await pilot.pause(0.6)
        told = [n for n in app._notifications if "SLA breaches" in n.message]
        assert [n.message for n in told] == ["2 SLA breaches recorded"]


async def test_a_scheduler_notice_shows_at_once_over_a_queue(make_app, store):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await asyncio.to_thread(app.review_scheduler._result, "sla_check", "2 SLA breaches recorded")
        await pilot.pause(0.1)
        assert any(n.message == "2 SLA breaches recorded" for n in app._notifications)


async def test_a_review_list_longer_than_it_shows_says_so(make_app, reviews, monkeypatch):
    # the list stopped at row 500 with nothing said, the newer reviews out of reach
    import sms_tui.ui.screens.reviews as reviews_screen

    total = len(reviews.list_reviews(limit=None))
    monkeypatch.setattr(reviews_screen, "SHOWN", total - 1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "6", "f", "f")  # all reviews
        await settle(pilot)
        assert f"the first {total - 1:,} only: sms-tui reviews list shows all" in screen_text(app)
    monkeypatch.setattr(reviews_screen, "SHOWN", total)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "6", "f", "f")
        await settle(pilot)
        assert "only: sms-tui reviews list" not in screen_text(app)


async def test_an_outcome_left_with_esc_is_offered_back_after_a_tick(make_app, reviews):
    # the draft was kept under the review's status and version: one tick between two opens
    # of the dialog and F2 had nothing to put back
    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "enter")
        assert app.screen.ref == ref
        await press(pilot, "c")
        await type_text(pilot, "Emergency changes up")
        await pilot.pause(0.5)  # typing paused: the draft is kept
        await press(pilot, "escape")
        assert isinstance(app.screen, ReviewScreen)
        await press(pilot, "space")  # a tick: the review's version and status move on
        await settle(pilot)
        assert app.screen.view.status == "in_progress"
        await press(pilot, "c")
        assert "F2" in screen_text(app)
        await press(pilot, "f2")
        assert "Emergency changes up" in screen_text(app)


async def test_a_note_on_a_review_changed_elsewhere_is_saved_at_once(make_app, reviews):
    """A note only adds to the review's journal: another analyst's tick meanwhile refused it
    as 'changed by someone else', to reload and type again."""
    ref = first_ref(reviews, "rfc_trends")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6", "enter")
        assert isinstance(app.screen, ReviewScreen) and app.screen.ref == ref
        await press(pilot, "m")
        assert isinstance(app.screen, ReviewDialog)
        await type_text(pilot, "Asked the CAB for the minutes")
        reviews.tick(ref, 1)  # another analyst, meanwhile
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ReviewScreen)
    view = reviews.get(ref)
    assert [(e.action, e.note) for e in view.journal[:2]] == [
        ("note", "Asked the CAB for the minutes"), ("tick", view.journal[1].note)]
