"""Screens built at idle (issue 20): the first open of a section or form shows the screen
built while the analyst was reading, and keys typed meanwhile still land where they would."""

from __future__ import annotations

from textual.widgets import Input

from sms_tui.ui import warm
from sms_tui.ui.screens.form import RecordForm
from sms_tui.ui.screens.help import HelpScreen
from sms_tui.ui.sections import SECTIONS

from .conftest import press, screen_text, settle, type_text


async def _until_open(pilot) -> None:
    """Until the services are open (the builds are queued then)."""
    for _ in range(600):
        await pilot.pause(0.02)
        if pilot.app.backend.ready:
            return


async def _until_built(pilot, *only: str) -> None:
    """Idle until the warmer has nothing left to build; ``only``: build just the jobs whose
    names start with these (a test about one screen need not wait for all ~25 builds)."""
    app = pilot.app
    if only:
        for _ in range(600):
            if app.warmer._jobs or app.warmer.built:
                break
            await pilot.pause(0.02)
        kept = [job for job in app.warmer._jobs if job[0].startswith(only)]
        assert kept, f"no build named {only} in {[job[0] for job in app.warmer._jobs]}"
        app.warmer._jobs.clear()
        app.warmer._jobs.extend(kept)
    for _ in range(600):
        await pilot.pause(0.05)
        if app.warmer.built and not app.warmer._jobs and app.warmer._timer is None:
            return
    raise AssertionError(f"still building after 30 s: built {app.warmer.built}")


async def test_every_section_and_new_record_form_is_built_before_its_key(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot)
        assert set(app._screen_stacks) == {section.name for section in SECTIONS}
        built_reports = app._screen_stacks["reports"][0]
        assert not built_reports.is_current
        await press(pilot, "7")
        assert app.screen is built_reports  # the first open shows the one built at idle
        assert "Period" in screen_text(app)
        await press(pilot, "1")
        kept = [screen for key, screen in app._kept_screens.items()
                if isinstance(key, tuple) and key[0] is RecordForm and key[1].value == "incident"
                and not key[2]]  # the new incident form (key[2]: an edit's)
        assert len(kept) == 1
        await press(pilot, "n")
        assert app.screen is kept[0]
        assert "New incident" in screen_text(app)
        assert app.focused is app.screen.query_one("#f-title", Input)


async def test_the_record_under_the_cursor_opens_in_the_screen_built_for_it(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "record screen")
        assert len(app._detail_screens) == 1
        built = next(iter(app._detail_screens.values()))
        ref = app.screen.current_ref()
        assert built.ref == ref and not built.is_current
        await press(pilot, "down", "enter")  # another record: the built screen, refilled
        other = app.screen
        assert other is built and other.ref != ref
        assert other.ref in screen_text(app)


async def test_the_help_built_at_idle_shows_the_keys_of_the_screen_it_opens_over(
        make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "help")
        built = app._kept_screens[HelpScreen]
        await press(pilot, "3")
        await press(pilot, "question_mark")
        assert app.screen is built
        text = screen_text(app)
        assert "Here: Problems" in text or "Here: Problem" in text, text[:400]


async def test_a_burst_typed_while_screens_are_built_lands_in_the_form(make_app, desk) -> None:
    """One burst, from the moment the services are open (the builds start at the first
    quiet moment): the form opens and every letter lands in its title, in order."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _until_open(pilot)
        await pilot.pause(warm.QUIET_S + 0.1)  # the first build has started
        await pilot.press("n", *"Printer jams")
        await settle(pilot)
        assert isinstance(app.screen, RecordForm)
        assert app.screen.query_one("#f-title", Input).value == "Printer jams"


async def test_nothing_is_built_ahead_when_turned_off(make_app, desk, monkeypatch) -> None:
    monkeypatch.setenv(warm.WARM_ENV, "0")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(warm.QUIET_S * 3)
        assert app.warmer.built == []
        assert set(app._screen_stacks) == {"incidents"}


async def test_a_dialog_built_ahead_opens_on_the_record_it_is_asked_for(make_app, desk) -> None:
    from sms_tui.ui.screens.escalate_dialog import EscalateDialog
    from sms_tui.ui.screens.note_dialog import NoteDialog

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "record screen", "note dialog", "escalate dialog")
        built_note, built_escalate = app._kept_screens[NoteDialog], app._kept_screens[EscalateDialog]
        built_for = built_note.record.ref
        await press(pilot, "down", "down", "enter")
        ref = app.screen.ref
        assert ref != built_for
        await press(pilot, "c")
        assert app.screen is built_note
        assert app.screen.record.ref == ref and ref in screen_text(app)
        await press(pilot, "escape", "x")
        assert app.screen is built_escalate
        assert app.screen.record.ref == ref and ref in screen_text(app)


async def test_a_section_built_ahead_is_laid_out_and_styled_before_its_key(make_app, desk) -> None:
    """Its first show composites what is ready: Textual neither lays it out again nor
    re-parses the whole stylesheet for it (issue 13)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "section problems")
        problems = app._screen_stacks["problems"][0]
        assert problems._size == app.size and not problems._layout_required
        assert problems.query_one("#queue").size.width == app.size.width
        layouts, reparses = [], []
        original_layout, original_css = problems._refresh_layout, app.refresh_css
        problems._refresh_layout = lambda *a, **k: (layouts.append(a), original_layout(*a, **k))
        app.refresh_css = lambda *a, **k: (reparses.append(a), original_css(*a, **k))
        await pilot.press("3")
        await pilot.pause(0.1)
        assert app.screen is problems
        assert reparses == []
        assert layouts == [], "the first show laid the screen out again"
        await settle(pilot)
        assert "PRB-0" in screen_text(app)


async def test_a_form_built_ahead_is_laid_out_before_its_key(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "new change form")
        form = next(screen for key, screen in app._kept_screens.items()
                    if isinstance(key, tuple) and key[0] is RecordForm and key[1].value == "change"
                    and not key[2])
        assert form._size == app.size and not form._layout_required
        assert form.query_one("#f-title", Input).size.width > 0
        await press(pilot, "5", "n")
        assert app.screen is form
        assert "New change" in screen_text(app)


async def test_the_problem_edit_form_is_built_ahead_and_refilled_for_the_record_it_edits(
        make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "section problems", "problem edit form")
        kept = [screen for key, screen in app._kept_screens.items()
                if isinstance(key, tuple) and key[0] is RecordForm and key[1].value == "problem"
                and key[2]]
        assert len(kept) == 1
        assert kept[0]._size == app.size
        kept[0].query_one("#f-title", Input).value = "typed into the form built ahead"
        await press(pilot, "3", "enter")
        ref, title = app.screen.ref, app.screen.current_view().title
        assert ref.startswith("PRB-")
        await press(pilot, "e")
        assert app.screen is kept[0]
        assert app.screen.record.ref == ref
        assert f"Edit {ref}" in screen_text(app)
        assert app.screen.query_one("#f-title", Input).value == title  # refilled


async def test_a_section_built_ahead_reads_its_data_once_it_is_laid_out(
        make_app, desk, monkeypatch) -> None:
    """What a section draws from its data may depend on its widgets' sizes: it reads its data
    once laid out, off screen, as a section shown for the first time does."""
    from sms_tui.ui.screens.reviews import ReviewQueueScreen

    sizes = []
    original = ReviewQueueScreen.load

    def load(self) -> None:
        sizes.append((self._size, self.query_one("#review-table").size.width))
        original(self)

    monkeypatch.setattr(ReviewQueueScreen, "load", load)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "section reviews")
        reviews = app._screen_stacks["reviews"][0]
        assert not reviews.is_current and reviews.seen_version is not None  # read off screen
        assert sizes and sizes[0][0] == app.size and sizes[0][1] > 0
        await press(pilot, "6")
        assert app.screen is reviews
        assert "Showing:" in screen_text(app)


async def test_what_the_builds_made_is_frozen_once_they_are_done(make_app, desk) -> None:
    """Python's full collections would otherwise walk every built screen while the analyst
    types (450-590 ms on the 100k desk): each build ends with a collection, then a freeze."""
    import gc

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _until_open(pilot)
        frozen_when_open = gc.get_freeze_count()
        await _until_built(pilot, "help")
        help_screen = app._kept_screens[HelpScreen]
        assert gc.get_freeze_count() > frozen_when_open
        assert not any(obj is help_screen for obj in gc.get_objects(generation=2))


async def _read_ahead(pilot, what: str):
    """What the warmer read ahead as ``what``, once it has (within 5 s), else None."""
    for _ in range(100):
        if (found := pilot.app.warmer._ahead.get(what)) is not None:
            return found[2]
        await pilot.pause(0.05)
    return None


async def test_the_report_is_read_ahead_at_start_and_its_first_open_shows_it(
        make_app, desk, monkeypatch) -> None:
    """The service report takes half a second at a million records: it is read once the
    services open, and the first open of the reports screen shows it instead of reading it
    again -- unless something was written since, when it is read anew."""
    from sms_tui.services.reporting.service import ReportService

    reads = []
    original = ReportService.service_report

    def counted(self, period):
        reads.append(period)
        return original(self, period)

    monkeypatch.setattr(ReportService, "service_report", counted)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _read_ahead(pilot, "report")
        assert len(reads) == 1, "the report was not read ahead"
        await press(pilot, "7")
        await settle(pilot)
        assert "Incidents opened" in screen_text(app)
        assert "loading" not in screen_text(app)
        assert len(reads) == 1, "the first open read the report again"
        await press(pilot, "1", "n")
        await type_text(pilot, "Written after the read-ahead")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        app.check_for_changes()
        await settle(pilot)
        await press(pilot, "7")
        await settle(pilot)
        for _ in range(100):  # read afresh once the screen is shown again (AFTER_SHOWN_S)
            if len(reads) == 2:
                break
            await pilot.pause(0.05)
        assert len(reads) == 2, "a report read before a write was shown as current"


async def test_a_report_shown_is_not_drawn_again_nor_replaced_by_the_older_read_ahead(
        make_app, desk, monkeypatch) -> None:
    """Each open after a write drew the read-ahead report again (50-150 ms on the key), then
    the fresh one; a third open showed the read-ahead's older figures again. The figures shown
    now stay until the fresh ones replace them, and are drawn once each."""
    from sms_tui.reports import terminal
    from sms_tui.ui.screens import reports

    drawn = []
    original = terminal.report_view

    def counted(report):
        drawn.append(report)
        return original(report)

    monkeypatch.setattr(terminal, "report_view", counted)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        ahead = await _read_ahead(pilot, "report")
        await press(pilot, "7")
        await settle(pilot)
        assert drawn[0] is ahead  # the first open shows the read-ahead
        for n in range(2):
            before = len(drawn)
            await press(pilot, "1", "n")
            await type_text(pilot, f"Written after the read-ahead {n}")
            await press(pilot, "ctrl+s")
            await settle(pilot)
            app.check_for_changes()
            await settle(pilot)
            await press(pilot, "7")
            await settle(pilot)
            for _ in range(100):  # the fresh read starts once the screen is shown again
                if len(drawn) > before:
                    break
                await pilot.pause(0.05)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, reports.ReportsScreen)
            # one drawing: the fresh figures; not the read-ahead again, nor the shown ones
            assert len(drawn) == before + 1
            assert screen.report is drawn[-1] and not any(d is drawn[-1] for d in drawn[:-1])


async def test_the_change_calendar_is_read_ahead_and_its_first_open_shows_it(
        make_app, desk, monkeypatch) -> None:
    """Its first open waited for the changes' targets (50-100 ms at a million records): they
    are read with the report, and read again on open only if something was written since."""
    from sms_tui.services.changes.service import ChangeService

    reads = []
    original = ChangeService.calendar

    def counted(self, start, end):
        reads.append((start, end))
        return original(self, start, end)

    monkeypatch.setattr(ChangeService, "calendar", counted)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _read_ahead(pilot, "calendar")
        assert len(reads) == 1, "the calendar was not read ahead"
        await press(pilot, "9")
        await settle(pilot)
        assert "Change calendar" in screen_text(app) and len(reads) == 1
        await press(pilot, "]")  # another fortnight: read, not taken from the read-ahead
        await settle(pilot)
        assert len(reads) == 2


async def test_nothing_is_read_ahead_when_turned_off(make_app, desk, monkeypatch) -> None:
    monkeypatch.setenv(warm.WARM_ENV, "0")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not app.warmer._ahead


async def test_the_link_dialog_built_ahead_opens_on_the_record_asked_for(make_app, desk) -> None:
    """Its first open was a build (111-142 ms in a real terminal, the link dialog's p95); built
    at idle for the record read ahead, it opens on the record it is asked for, and offers
    what that record links to."""
    from sms_tui.ui.screens.link_dialog import LinkDialog

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "record screen", "link dialog")
        built = app._kept_screens[LinkDialog]
        built_for = built.record.ref
        await press(pilot, "down", "down", "enter")
        ref = app.screen.ref
        assert ref != built_for
        await press(pilot, "l")
        assert app.screen is built
        text = screen_text(app)
        assert f"{ref} links to: parent incident, problem, change" in text
        assert desk["problem"].ref in text  # the open problem it can be linked to
        offered = [row.ref for row in built.candidates]
        assert ref not in offered and built_for in offered  # not itself: the record asked for
