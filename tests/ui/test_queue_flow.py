"""Working a queue: it pages from the database, filters, searches and follows changes."""

from __future__ import annotations

from sms_tui.domain.kinds import Kind
from sms_tui.ui.screens.detail import RecordScreen
from sms_tui.ui.screens.queue import QueueScreen
from sms_tui.ui.widgets.queue_table import PAGE, QueueTable

from .conftest import LARGE, SMALL, press, screen_text, settle, type_text


def table(app) -> QueueTable:
    return app.screen.query_one(QueueTable)


def refs_loaded(app) -> list[str]:
    tbl = table(app)
    return [row.ref for i in range(tbl.total or 0) if (row := tbl._row(i))]


async def test_queue_opens_on_incidents_ordered_by_priority_then_age(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert refs_loaded(app) == [desk[k].ref for k in ("vpn", "payroll", "laptop", "markup", "printer")]
        assert "Incidents  5 records  filter: open" in screen_text(app)


async def test_quick_filters_narrow_the_queue_and_the_filter_is_on_screen(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "m")
        assert refs_loaded(app) == [desk["vpn"].ref]
        assert "open · assignee tester" in screen_text(app)
        await press(pilot, "u")
        assert refs_loaded(app) == [desk[k].ref for k in ("laptop", "markup", "printer")]
        assert "open · unassigned" in screen_text(app)
        await press(pilot, "f", "p", "p")
        assert refs_loaded(app) == [desk["vpn"].ref, desk["payroll"].ref]
        assert "open · P2" in screen_text(app)
        await press(pilot, "f", "s")
        await press(pilot, "down", "down", "enter")  # any, new, in progress
        assert refs_loaded(app) == [desk["vpn"].ref]
        assert "all · status in_progress" in screen_text(app)
        await press(pilot, "f")
        assert table(app).total == 5


async def test_search_finds_by_title_and_escape_clears_it(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "/")
        await type_text(pilot, "payroll")
        await press(pilot, "enter")
        assert refs_loaded(app) == [desk["payroll"].ref]
        assert 'text "payroll"' in screen_text(app)
        await press(pilot, "escape")
        assert table(app).total == 5
        assert "text" not in screen_text(app).splitlines()[2]


async def test_down_in_the_search_box_goes_to_the_rows_it_found(make_app, desk):
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "/")
        await type_text(pilot, "payroll")
        await press(pilot, "down")
        await settle(pilot)
        assert refs_loaded(app) == [desk["payroll"].ref]
        assert not isinstance(app.focused, Input)  # the rows have the keys
        await press(pilot, "enter")
        await settle(pilot)
        assert desk["payroll"].ref in screen_text(app) and "Next status" in screen_text(app)


async def test_changes_written_elsewhere_appear_and_the_cursor_stays_on_its_record(make_app, desk, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "down", "down")
        assert table(app).current_row.ref == desk["laptop"].ref
        urgent = records.create("incident", title="Core switch down", impact="high", urgency="high")
        app.check_for_changes()  # what the 2-second poll does
        await settle(pilot)
        assert refs_loaded(app)[0] == urgent.ref
        assert table(app).current_row.ref == desk["laptop"].ref


async def test_a_key_that_moves_the_cursor_while_the_rows_are_read_again_is_not_undone(
        make_app, desk):
    """The services take over the first page (or another write is seen) while the analyst
    presses ↓: the cursor stays where the key put it, on that record, when the rows arrive."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = table(app)
        assert queue.cursor == 0
        queue.reload()  # rows on their way in a worker ...
        queue.action_cursor(1)  # ... and ↓ handled before they arrive (same tick)
        moved_to = queue.current_row.ref
        await settle(pilot)
        assert queue.cursor == 1
        assert queue.current_row.ref == moved_to


async def test_a_title_with_markup_and_escapes_is_shown_literally_and_clicks_do_nothing(make_app, desk):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]x[/] [@click=app.quit]y[/]" in text
        assert "\x1b" not in text
        assert "[@click=app.quit]y[/]…" in text  # cut between words, before the escape
        row = refs_loaded(app).index(desk["markup"].ref)
        for x in range(20, 60, 4):  # all over the title cell
            await pilot.click(QueueTable, offset=(x, row + 1))
        await settle(pilot)
        assert app.is_running and table(app).current_row.ref == desk["markup"].ref
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        assert "[bold]x[/] [@click=app.quit]y[/] ␛]0;pwned␇ z[/" in screen_text(app)
        assert app.is_running


async def test_a_long_queue_pages_from_the_database_instead_of_loading_every_row(make_app, store, clock):
    from sms_tui.services.core.records import RecordService

    service = RecordService(store)
    with store.write() as session:  # one transaction: quick to set up
        for i in range(3 * PAGE + 50):
            service.create_in(session, Kind.INCIDENT, title=f"Ticket {i:04d}", now=clock(),
                              impact="low", urgency="low")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        tbl = table(app)
        assert tbl.total == 3 * PAGE + 50
        assert len(refs_loaded(app)) < tbl.total  # only the window around the cursor
        await press(pilot, "end")
        assert tbl.current_row.title == f"Ticket {3 * PAGE + 49:04d}"
        assert f"Ticket {3 * PAGE + 49:04d}" in screen_text(app)
        await press(pilot, "home", "pagedown")
        assert tbl.cursor == tbl._body_height
        assert tbl.current_row.title == f"Ticket {tbl.cursor:04d}"


async def test_sections_switch_with_one_key_and_keep_their_place(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # a detail in the incident section
        await press(pilot, "5")
        assert isinstance(app.screen, QueueScreen) and app.screen.kind is Kind.CHANGE
        assert refs_loaded(app) == [desk["change"].ref]
        await press(pilot, "0")
        assert "Open records by priority" in screen_text(app)
        await press(pilot, "1")
        assert isinstance(app.screen, QueueScreen) and app.screen.kind is Kind.INCIDENT
        assert app.screen.query_one(QueueTable).current_row.ref == desk["vpn"].ref  # same row


async def test_a_section_key_on_one_of_its_records_goes_back_to_its_queue(make_app, desk, records):
    records.link(desk["vpn"].ref, desk["problem"].ref)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "g", "enter")  # a record, then a record linked from it
        assert len(app.screen_stack) == 3 and app.screen.ref == desk["problem"].ref
        await press(pilot, "1")
        assert isinstance(app.screen, QueueScreen) and len(app.screen_stack) == 1


async def test_a_section_key_keeps_an_open_form_and_what_was_typed(make_app, desk):
    from sms_tui.ui.screens.form import RecordForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "e")
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-title").value = "VPN drops every few minutes (site B)"
        app.action_section("changes")
        await settle(pilot)
        await press(pilot, "1")
        assert app.screen is form
        assert form.query_one("#f-title").value == "VPN drops every few minutes (site B)"


async def test_n_on_a_record_opens_a_new_record_of_its_kind_and_typing_goes_into_it(make_app, desk):
    from sms_tui.ui.screens.form import RecordForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        record = app.screen
        assert isinstance(record, RecordScreen)
        await press(pilot, "n")
        assert isinstance(app.screen, RecordForm) and app.screen.kind is Kind.INCIDENT
        assert app.screen.record is None  # a new one, not this record
        await type_text(pilot, "tea machine leaks")
        assert app.screen.query_one("#f-title").value == "tea machine leaks"
        assert record.view.status == "in_progress"  # no letter ran as a command on it


async def test_the_next_record_opened_shows_only_its_own_details(make_app, desk, records):
    """Detail screens are built once per kind and refilled: nothing of the record opened
    before may remain (fields, journal, links, scroll position)."""
    records.add_note(desk["payroll"].ref, "Called the bank about the export")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # the VPN incident: a note, in progress, assigned to tester
        first = app.screen
        assert isinstance(first, RecordScreen) and first.view.ref == desk["vpn"].ref
        await press(pilot, "end")
        assert "Asked the user for" in screen_text(app)
        assert first.query_one("#body").scroll_y > 0
        await press(pilot, "escape", "down", "enter")  # the payroll incident
        assert app.screen is first  # the same screen, refilled
        text = screen_text(app)
        assert desk["payroll"].ref in text and "Payroll export fails" in text
        assert desk["vpn"].ref not in text and "VPN drops" not in text
        assert "Asked the user for" not in text
        assert first.query_one("#body").scroll_y == 0
        await press(pilot, "end")
        assert "Called the bank about the export" in screen_text(app)
        assert "Asked the user for" not in screen_text(app)


async def test_rows_show_before_a_slow_count_and_the_count_follows(make_app, desk):
    """Counting a large filter can take a while from disk: the first rows do not wait for it."""
    import threading
    from dataclasses import replace

    gate = threading.Event()

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        tbl = table(app)
        model = tbl._row(0)

        class SlowCount:  # a queue of 5,000 records whose count takes a while
            def count(self):
                gate.wait(30)
                return 5000

            def rows(self, offset, limit):
                return [replace(model, ref=f"INC-{n + 1:06d}", title=f"Record {n + 1}")
                        for n in range(offset, min(5000, offset + limit))]

        slow = SlowCount()
        tbl.set_source(slow)
        for _ in range(100):
            await pilot.pause(0.02)
            if tbl.total == PAGE:
                break
        assert tbl._counted_source is not slow  # shown, not counted yet
        assert "Record 1 " in screen_text(app) and tbl.total == PAGE
        await pilot.press("down", "down")
        assert tbl.current_row.ref == "INC-000003"
        gate.set()
        await settle(pilot)
        assert tbl.total == 5000 and tbl._counted_source is slow
        assert tbl.current_row.ref == "INC-000003"
        assert "5,000 records" in screen_text(app)


async def test_q_and_g_on_a_forms_picker_or_in_a_dialog_do_not_leave_it(make_app, desk):
    """q quit the desk at once from a form whose picker had the focus (a letter the picker
    does not use went on to the app's binding); G left it for the services. In a form or a
    dialog neither does anything: save it, or leave it with Esc. ctrl+q still quits."""
    from sms_tui.ui.screens.form import RecordForm
    from sms_tui.ui.screens.transition_dialog import TransitionDialog

    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-impact").focus()
        await press(pilot, "q", "G")
        assert app.is_running and app.screen is form
        await press(pilot, "escape")
        await press(pilot, "enter", "t")
        assert isinstance(app.screen, TransitionDialog)
        await press(pilot, "q", "G")
        assert app.is_running and isinstance(app.screen, TransitionDialog)
        await press(pilot, "escape", "escape")
        await press(pilot, "q")  # on the queue, q quits
        assert not app.is_running


async def test_a_record_screen_shown_again_in_another_section_names_that_section(make_app, desk):
    """The record's screen is kept and reused: opened first over the requests, it still said
    [2 Reqs] when it showed an incident from the incidents queue."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        await settle(pilot)
        app.screen.action_open_record(desk["payroll"].ref)  # an incident, over the requests
        await settle(pilot)
        assert "[2 Reqs]" in screen_text(app).splitlines()[1]
        await press(pilot, "escape", "1")
        await settle(pilot)
        await press(pilot, "enter")
        await settle(pilot)
        bar = screen_text(app).splitlines()[1]
        assert "Next status" in screen_text(app)
        assert "[1 Incid.]" in bar and "[2 Reqs]" not in bar


async def test_a_long_search_word_is_shown_cut_not_dropped(make_app, records):
    # a 66-letter word left the bar reading 'filter: open · text' with the word missing
    records.create("incident", title="Printer jams")
    app = make_app()
    word = "supercalifragilisticexpialidocious" * 2
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, word)
        await press(pilot, "enter")
        bar = next(line for line in screen_text(app).splitlines() if "filter:" in line)
        assert 'text "supercalifragilistic' in bar and "…" in bar


async def test_a_search_cleared_leaves_the_cursor_on_its_record_and_on_screen(make_app, records):
    # cleared, the search left the cursor on the first record it had found (not the one the
    # analyst had moved to), and below the screen: no row was marked
    for n in range(30):
        records.create("incident", title=f"Printer {n} jams", impact="low", urgency="low")
    records.create("incident", title="Scanner jams", impact="low", urgency="low")
    wanted = records.create("incident", title="Scanner offline", impact="low", urgency="low").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "scanner")
        await press(pilot, "enter", "down")
        assert table(app).current_row.ref == wanted
        await press(pilot, "escape")
        await settle(pilot)
        assert "32 records" in screen_text(app)
        assert table(app).current_row.ref == wanted
        marked = [line for line in screen_text(app).splitlines() if line.startswith("›")]
        assert len(marked) == 1 and wanted in marked[0]


async def test_the_queue_under_an_open_record_is_not_drawn_until_it_shows_again(
        make_app, desk, records):
    """A record's screen hides the queue: a write seen meanwhile reads the queue's rows
    again, but draws none of them until Esc shows the queue, with the new row on it. A
    dialog, which shows the screen under it, still has it drawn."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = table(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        assert app._background_screens == []
        drawn: list[int] = []
        original = queue.render_line
        queue.render_line = lambda y: (drawn.append(y), original(y))[1]
        urgent = records.create("incident", title="Core switch down", impact="high", urgency="high")
        app.check_for_changes()
        await settle(pilot)
        assert drawn == []  # read again, not drawn: nobody sees it
        await press(pilot, "escape")
        assert isinstance(app.screen, QueueScreen) and drawn
        assert "Core switch down" in screen_text(app)
        assert refs_loaded(app)[0] == urgent.ref
        await press(pilot, "t")  # a dialog: the queue shows around it
        assert app._background_screens == [app.screen_stack[-2]]


async def test_a_long_journal_is_whole_and_end_typed_with_enter_reaches_its_first_entry(
        make_app, desk, records):
    """The journal's entries that fit on the terminal are drawn with the record, the rest just
    after (issue 20): Enter and End in one burst still end on the record's first entry, and
    every entry is there."""
    ref = desk["printer"].ref
    for n in range(1, 41):
        records.add_note(ref, f"Note number {n:02d}")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "down")  # the printer (P5) is last of the five: one up from the end
        await press(pilot, "end")
        assert "Printer on floor 2 jams" in screen_text(app)
        await pilot.press("enter", "end")
        await settle(pilot)
        shown = screen_text(app)
        assert "Note number 01" in shown and "title: – → Printer on floor 2 jams" in shown
        journal = str(app.screen.query_one("#journal").render())
        assert all(f"Note number {n:02d}" in journal for n in range(1, 41))
