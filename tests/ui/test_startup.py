"""Start-up: the first frame needs no database code, and a bad start ends in one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sms_tui.cli.common import AppContext
from sms_tui.domain.errors import ConfigError

from .conftest import SMALL, settle


def test_the_first_screen_is_drawn_without_importing_the_database_layer():
    code = (
        "import sys\n"
        "import sms_tui.ui.app, sms_tui.ui.run, sms_tui.ui.screens.queue, sms_tui.ui.screens.dashboard\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'sms_tui.services.core.records',\n"
        "               'sms_tui.storage') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


async def test_a_file_that_is_not_a_database_stops_the_app_with_one_line(make_app, db_path):
    db_path.write_text("these are not the records you are looking for\n")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
    assert app.return_code == 1
    assert app.startup_error is not None
    assert str(db_path) in app.startup_error and "\n" not in app.startup_error


def test_a_broken_config_is_refused_before_the_app_starts(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[priority.matrix\n")
    with pytest.raises(ConfigError, match="config.toml"):
        from sms_tui.ui.run import run_tui

        run_tui(AppContext(db_path=tmp_path / "desk.db", config_path=config, actor="tester"))


def test_the_cli_prints_the_start_up_error_as_one_line(tmp_path):
    bad = tmp_path / "desk.db"
    bad.write_text("not sqlite")
    import pexpect  # the desk needs a terminal: it runs in a pseudo-terminal

    child = pexpect.spawn(sys.executable, ["-c", "from sms_tui.cli import main; main()", "--db", str(bad)],
                          dimensions=(30, 100), timeout=60)
    output = child.read().decode(errors="replace")
    child.close()
    assert child.exitstatus == 1
    # after the terminal is restored: one line, naming the file and what is wrong
    message = output.rsplit("\x1b[?1049l", 1)[-1]
    message = message[message.index("sms-tui: error: "):]
    assert message.replace("\r", "").rstrip("\n").count("\n") == 0
    assert str(bad) in message and "not an SQLite database" in message
    assert "Traceback" not in output


def _slow_backend(db_path, clock):
    """A backend whose services open only once the returned gate is set."""
    import threading

    from sms_tui.config import Config
    from sms_tui.ui.backend import Backend

    gate = threading.Event()

    class SlowBackend(Backend):
        def open(self) -> None:
            gate.wait(30)
            super().open()

    return SlowBackend(db_path, Config(), "tester", clock), gate



async def _first_rows(pilot):
    """The start queue's table, once it shows the rows read from the file."""
    from sms_tui.ui.widgets.queue_table import QueueTable

    table = pilot.app.screen.query_one(QueueTable)
    for _ in range(100):
        await pilot.pause(0.02)
        if table.total:
            break
    return table

async def test_the_queue_shows_its_first_rows_before_the_services_are_open(make_app, desk, db_path,
                                                                            clock):
    """Rows read straight from the file, while the services load, are the services' rows:
    nothing moves when they take over, and the cursor stays on its record."""

    from .conftest import screen_text

    backend, gate = _slow_backend(db_path, clock)
    app = make_app(backend=backend)
    async with app.run_test(size=SMALL) as pilot:
        table = await _first_rows(pilot)
        assert not app.backend.ready
        early = screen_text(app)
        assert desk["payroll"].ref in early and "Loading" not in early
        assert table.total == 5
        second = table._row(1).ref
        await pilot.press("down")
        assert table.current_row.ref == second
        early = screen_text(app)
        gate.set()
        await settle(pilot)
        assert app.backend.ready and table.source is not None
        assert table.current_row.ref == second
        assert screen_text(app) == early


async def test_a_record_opened_before_the_services_shows_it_whole_and_keys_wait_for_them(
        make_app, desk, db_path, clock, monkeypatch):
    """Enter in the first second: the record's screen opens at once with what its queue line
    says (reference, priority, status, title, the statuses it can move to), then the whole
    incident read from the file -- its fields and journal -- before the services are open;
    a key typed meanwhile acts on the record once the services have read it, not before."""
    from sms_tui.ui.screens.detail import RecordScreen
    from sms_tui.ui.screens.transition_dialog import TransitionDialog

    from .conftest import screen_text

    fills = []
    fill = RecordScreen._fill
    monkeypatch.setattr(RecordScreen, "_fill", lambda screen, view: (fills.append(view.ref),
                                                                      fill(screen, view)))
    backend, gate = _slow_backend(db_path, clock)
    app = make_app(backend=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await _first_rows(pilot)
        row = table.current_row
        assert row is not None and not app.backend.ready
        await pilot.press("enter")
        for _ in range(200):  # the whole record, however loaded the machine
            if isinstance(app.screen, RecordScreen) and "Created by" in screen_text(app):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, RecordScreen) and not app.backend.ready
        early = screen_text(app)
        assert row.ref in early and row.title in early, early
        assert "Next status: on hold, resolved" in early and "Reading the record" not in early
        assert "Created by" in early and "Journal (newest first)" in early
        await pilot.press("t")  # waits for the services: no dialog before them
        await pilot.pause(0.1)
        assert not isinstance(app.screen, TransitionDialog)
        gate.set()
        await settle(pilot)
        assert isinstance(app.screen, TransitionDialog)
        assert app.screen.record.ref == row.ref
        # the services read what the file read showed: it is not drawn again (a record with a
        # journal of megabytes took seconds more, keys waiting)
        assert fills == [row.ref]
        app.pop_screen()
        await settle(pilot)
        shown = screen_text(app)
        assert "Reading the record" not in shown and "Created by" in shown


async def test_a_screen_torn_down_as_the_desk_closes_is_no_crash_but_a_real_error_is(make_app,
                                                                                       desk):
    """Quitting while a screen is still being built off screen: its widgets are gone when its
    on_mount looks for them. That is the desk closing, not a crash (no crash log, exit 0);
    the same error while the desk runs still is one."""
    from textual.css.query import NoMatches

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.exit()
        app._handle_exception(NoMatches("No nodes match '#note' on NoteDialog()"))
    assert app.crash is None and app.return_code == 0

    app = make_app()
    with pytest.raises(NoMatches):  # Pilot raises what ended the app
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            try:
                raise NoMatches("No nodes match '#note' on NoteDialog()")
            except NoMatches as exc:
                app._handle_exception(exc)
            await pilot.pause()
    assert app.crash is not None and app.return_code == 1


async def test_a_screen_not_mounted_yet_when_a_hangup_stops_the_desk_is_no_crash(make_app, desk):
    """SIGHUP a moment after a section's key: the section's screen, still being mounted,
    could not mount its widgets as the desk came down. Each such hangup wrote a crash log
    nobody was told of; it is the desk stopping, as asked."""
    import signal

    from textual.widget import MountError

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.signalled = signal.SIGHUP
        app._handle_exception(MountError("Can't mount widget(s) before ProblemQueueScreen() "
                                         "is mounted"))
        assert app.crash is None


async def test_refresh_pressed_before_the_services_are_open_keeps_the_rows_and_the_desk(
        make_app, desk, db_path, clock):
    """r in the first second: the rows are the file's, read a moment ago; it neither crashes
    (it reached for the services before they were open) nor empties the queue."""

    from .conftest import screen_text

    backend, gate = _slow_backend(db_path, clock)
    app = make_app(backend=backend)
    async with app.run_test(size=SMALL) as pilot:
        await _first_rows(pilot)
        await pilot.press("r")
        await pilot.pause(0.1)
        assert app.is_running and app.crash is None
        assert desk["payroll"].ref in screen_text(app)
        gate.set()
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert app.is_running and desk["payroll"].ref in screen_text(app)


async def test_keys_typed_before_the_first_rows_act_on_them_once_shown(make_app, desk, db_path,
                                                                       clock, monkeypatch):
    """Down then c, typed before any row is drawn: the note is for the second row, as for
    someone who watched the rows appear and then typed -- never for the first row because
    Down found no row yet."""
    import time

    from sms_tui.services.core import quick_queue
    from sms_tui.ui.screens.note_dialog import NoteDialog
    from sms_tui.ui.widgets.queue_table import QueueTable

    original = quick_queue.first_page

    def slow_first_page(*args, **kwargs):
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(quick_queue, "first_page", slow_first_page)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        table = app.screen.query_one(QueueTable)
        assert not table.total  # nothing drawn yet
        await pilot.press("down", "c")
        await settle(pilot)
        for _ in range(100):
            if isinstance(app.screen, NoteDialog):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, NoteDialog)
        assert app.screen.record.ref == table._row(1).ref


async def test_a_digit_typed_in_a_form_is_no_way_out_of_it(make_app, desk):
    """A form's choices have the focus after Tab: digits, @ and C typed there (meant for a text
    field) do not switch sections -- the letters after them would run there as commands."""
    from sms_tui.ui.screens.form import RecordForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        await pilot.press("tab")  # the impact choice
        await pilot.press("2", "@", "C", "e")
        await settle(pilot)
        assert app.screen is form and app.current_mode == "incidents"


async def test_the_same_error_again_is_not_stacked_under_the_one_shown(make_app, desk):
    # a desk file replaced under the desk failed every read, each with its toast
    from sms_tui.storage.engine import DatabaseError

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for _ in range(4):
            app.report_error(DatabaseError("desk.db was replaced by another file"))
        app.report_error(DatabaseError("another problem"))
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert shown.count("desk.db was replaced by another file") == 1
        assert "another problem" in shown


@pytest.mark.fresh_desk
async def test_a_desk_created_by_this_start_is_said_on_screen(make_app, db_path):
    """A first run, or a --db typed wrong, opens on a new, empty desk: the desk says where
    it made it, not only '0 records'."""
    assert not db_path.exists()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any(f"A new, empty desk was created at {db_path}" in n.message
                   for n in app._notifications)
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not any("new, empty desk" in n.message for n in again._notifications)
