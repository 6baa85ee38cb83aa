"""The reporting screen: period picker, figures with trends, the weekly plot, custom periods."""

from __future__ import annotations

import threading

import pytest

from sms_tui.services.reporting.service import ReportService
from sms_tui.storage.models import Service
from tests import report_dataset as data
from tests.report_dataset import REPORT_NOW

from .conftest import LARGE, MARKUP_TITLE, SMALL, press, screen_text, settle, type_text


@pytest.fixture
def reports_desk(store, clock):
    """The fixed data set of the report tests; today is 15 April 2026, so the screen opens on March."""
    clock.set(REPORT_NOW)
    data.build(store)
    return store


async def open_reports(pilot) -> None:
    await settle(pilot)
    await press(pilot, "7")


def heading(app) -> str:
    return str(app.screen.query_one("#report-period").render())


# ------------------------------------------------------------ snapshots
def test_reports_screen_at_80x24(snap_compare, make_app, reports_desk):
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=open_reports)


def test_reports_screen_at_120x40(snap_compare, make_app, reports_desk):
    assert snap_compare(make_app(), terminal_size=LARGE, run_before=open_reports)


async def scroll_to_changes_by_category(pilot) -> None:
    """PgDn until the table is on screen, then line by line until it is near the top."""
    await open_reports(pilot)

    def row() -> int | None:
        lines = screen_text(pilot.app).splitlines()
        return next((i for i, line in enumerate(lines) if "Changes by category" in line), None)

    for _ in range(20):
        if row() is not None:
            break
        await press(pilot, "pagedown")
    for _ in range(30):
        if (row() or 0) <= 6:
            break
        await press(pilot, "down")
    await settle(pilot)


def test_changes_by_category_at_80x24(snap_compare, make_app, reports_desk):
    # its five value columns left the category column one letter a line (s / t / a / n ...)
    assert snap_compare(make_app(), terminal_size=SMALL,
                        run_before=scroll_to_changes_by_category)


# ------------------------------------------------------------ behaviour
async def test_opens_on_the_last_complete_month_with_trends_in_words(make_app, reports_desk):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await open_reports(pilot)
        assert heading(app).startswith("2026-03-01 – 2026-03-31  compared with 2026-01-29")
        text = screen_text(app)
        assert "W10 02 Mar" in text  # the weekly plot
        assert "Incidents opened" in text and "▲ +3 (worse)" in text


async def test_brackets_step_through_periods_but_not_into_the_future(make_app, reports_desk):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await open_reports(pilot)
        await press(pilot, "left_square_bracket")
        assert heading(app).startswith("2026-02-01 – 2026-02-28")
        await press(pilot, "right_square_bracket", "right_square_bracket", "right_square_bracket")
        assert heading(app).startswith("2026-04-01 – 2026-04-30 · in progress")


async def test_the_picker_chooses_week_and_quarter_by_their_first_letter(make_app, reports_desk):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await open_reports(pilot)
        await press(pilot, "shift+tab")  # from the report back to the period picker
        await press(pilot, "w")
        assert heading(app).startswith("2026-04-06 – 2026-04-12")
        await press(pilot, "q")  # on the picker, q picks quarter (it does not quit)
        assert app.is_running
        assert heading(app).startswith("2026-01-01 – 2026-03-31")


async def test_focus_starts_on_the_report_so_page_down_scrolls_it(make_app, reports_desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_reports(pilot)
        scroll = app.screen.query_one("#report-scroll")
        assert app.focused is scroll
        await press(pilot, "pagedown")
        assert scroll.scroll_y > 0


async def test_every_category_is_read_whole_at_80_columns(make_app, reports_desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await scroll_to_changes_by_category(pilot)
        firsts = [line.split()[0] for line in screen_text(app).splitlines() if line.strip()]
        for category in ("standard", "normal", "emergency"):
            assert category in firsts, screen_text(app)


async def test_the_current_period_is_named_and_one_key_away(make_app, reports_desk):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await open_reports(pilot)
        assert "Now: this month, 2026-04-01 – 2026-04-30 so far — press t" in heading(app)
        await press(pilot, "t")
        assert heading(app).startswith("2026-04-01 – 2026-04-30 · in progress")
        assert "Now:" not in heading(app)
        await press(pilot, "p")  # months -> quarters, the last complete one
        assert heading(app).startswith("2026-01-01 – 2026-03-31")
        assert "Now: this quarter, 2026-04-01 – 2026-06-30 so far" in heading(app)
        await press(pilot, "p", "p")  # weeks, then back to months
        assert heading(app).startswith("2026-03-01 – 2026-03-31")


async def test_a_custom_period_is_asked_for_and_checked(make_app, reports_desk):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await open_reports(pilot)
        await press(pilot, "c")
        dialog = app.screen
        dialog.query_one("#custom-from").value = ""
        dialog.query_one("#custom-to").value = ""
        await type_text(pilot, "2026-03-10")
        await press(pilot, "tab")
        await type_text(pilot, "2026-03-01")
        await press(pilot, "enter")
        assert "must end after it starts" in str(dialog.query_one("#custom-error").render())
        dialog.query_one("#custom-to").value = "2026-03-17"
        await press(pilot, "enter")
        assert heading(app).startswith("2026-03-10 – 2026-03-16  compared with 2026-03-03")
        assert "[custom]" in screen_text(app)


async def test_the_report_is_computed_off_the_ui_thread(make_app, reports_desk, monkeypatch):
    threads = []
    original = ReportService.service_report

    def spy(self, period):
        threads.append(threading.current_thread())
        return original(self, period)

    monkeypatch.setattr(ReportService, "service_report", spy)
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await open_reports(pilot)
    assert threads and all(t is not threading.main_thread() for t in threads)


async def test_service_names_are_shown_literally(make_app, reports_desk):
    with reports_desk.write() as session:
        session.get(Service, 1).name = MARKUP_TITLE
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await open_reports(pilot)
        await press(pilot, "pagedown")  # to the service level section
        assert app.is_running
        text = screen_text(app)
        assert "[bold]x[/] [@click=app.quit]y[/]" in text
        assert "\x1b" not in text
