"""The installed program through a shift: every timer firing, a crash, drafts, terminals.

Everything here runs the real ``sms-tui`` in a pseudo-terminal (issue 13): the
TUI once ended five minutes after it started, at a timer's first tick, and no
test had ever run it that long.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from .terminal import installed_program

# Every periodic callback the TUI and its scheduler install (sms_tui.timing names them).
TIMERS = ("full collection", "poll data_version", "queue ages", "scheduler: raise_due_reviews",
          "scheduler: sla_check", "scheduler: outbox_retry")
SOAK_FIRES = 50


def _fired(log: Path) -> Counter[str]:
    return Counter(m.group(1) for m in re.finditer(r"timer fired: (.+)", log.read_text()))


def test_the_desk_lives_through_every_timer_firing_fifty_times(desk, tmp_path):
    """A whole shift's timers in seconds: SMS_TUI_TIMER_SCALE (documented in the README)
    turns 5 minutes into 0.3 s; the app must still answer keys, then quit cleanly."""
    desk.cli("new", "incident", "--title", "Printer jams on tray 2")
    log = tmp_path / "timers.log"
    term = desk.tui(SMS_TUI_TIMER_SCALE="0.001", SMS_TUI_LOG=str(log))
    term.wait_for("INC-000001")
    deadline = 120.0
    while deadline > 0:
        term.settle(1.0)
        deadline -= 1.0
        assert term.child.isalive(), f"the TUI ended during the soak:\n{term.text()}"
        counts = _fired(log) if log.exists() else Counter()
        if all(counts[name] >= SOAK_FIRES for name in TIMERS):
            break
    counts = _fired(log)
    assert {name: counts[name] for name in TIMERS if counts[name] < SOAK_FIRES} == {}
    # still the analyst's desk: a key works, and q quits with status 0
    term.burst("n", "Still here", "ctrl+s")
    term.wait_for("INC-000002")
    term.burst("q")
    assert term.wait_exit() == 0
    assert "Traceback" not in term.raw.decode(errors="replace")
    # nothing on the terminal once the desk has left it: the scheduler's library wrote its
    # warnings there ('Execution of job "sla_check ..." skipped: maximum number of running
    # instances reached') as the desk ended
    after = term.raw.decode(errors="replace").rpartition("\x1b[?1049l")[2]
    assert re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", after).strip() == "", after


CRASH_ON_HELP = textwrap.dedent("""
    # Loaded by Python at start (PYTHONPATH): F1 (help) raises, as a bug would.
    from sms_tui.ui import app as _app

    def _boom(self):
        raise RuntimeError("injected by the test")

    _app.DeskApp.action_help = _boom
""")


@pytest.fixture
def crashing(tmp_path):
    """An environment in which the installed program meets an unexpected error on F1."""
    folder = tmp_path / "inject"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(CRASH_ON_HELP)
    return {"PYTHONPATH": str(folder)}


def test_an_unexpected_error_exits_non_zero_with_one_line_and_a_private_crash_log(desk, crashing):
    desk.cli("new", "incident", "--title", "Mail bounces")
    # through a shell, so that the terminal's modes can be read after the program ends
    script = (f"'{installed_program()}' --db '{desk.db}'; echo \"status=$?\"; "
              "stty -a | tr ' ' '\\n' | grep -x -e '-\\?echo' -e '-\\?icanon'")
    term = desk.tui(program="/bin/sh", args=["-c", script], **crashing)
    term.wait_for("INC-000001")
    term.burst("\x1bOP")  # F1
    term.wait_exit()
    after = term.raw.decode(errors="replace").rsplit("\x1b[?1049l", 1)[-1]
    after = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after)  # the terminal's mode resets
    assert "status=1" in after
    lines = [line for line in after.replace("\r", "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("sms-tui: error:")]
    assert len(errors) == 1 and "RuntimeError: injected by the test" in errors[0]
    assert "Traceback" not in after
    # the terminal is usable again: echo and line editing back on
    assert "echo" in lines and "icanon" in lines
    logs = list((desk.home / "state" / "sms-tui").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in errors[0]
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(logs[0].parent.stat().st_mode) == 0o700
    report = logs[0].read_text()
    assert "Traceback" in report and "RuntimeError: injected by the test" in report


CRASH_AS_THE_DESK_OPENS = textwrap.dedent("""
    # Loaded by Python at start (PYTHONPATH): mounting the first screen's table raises, as a
    # bug in a widget would (an error in compose itself does end the desk)
    from sms_tui.ui.widgets import queue_table as _table

    def _boom(self):
        raise RuntimeError("injected while building the queue")

    _table.QueueTable.notify_style_update = _boom
""")


def test_an_error_while_the_first_screen_is_built_ends_the_desk_not_hangs_it(desk, tmp_path):
    # Textual waited for a screen that would never mount: a blank terminal and a desk that
    # never ended, until the analyst killed the session
    desk.cli("new", "incident", "--title", "Mail bounces")
    folder = tmp_path / "inject-open"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(CRASH_AS_THE_DESK_OPENS)
    script = f"'{installed_program()}' --db '{desk.db}'; echo \"status=$?\""
    term = desk.tui(program="/bin/sh", args=["-c", script], PYTHONPATH=str(folder))
    term.wait_exit(timeout=15)
    after = term.raw.decode(errors="replace").rsplit("\x1b[?1049l", 1)[-1]
    after = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after)
    assert "status=1" in after
    errors = [line for line in after.replace("\r", "").splitlines() if line.startswith("sms-tui: error:")]
    assert len(errors) == 1 and "RuntimeError: injected while building the queue" in errors[0]
    assert "Traceback" not in after


def _the_draft_is_offered_and_saved(desk, title: str) -> None:
    """The desk started again: the new incident form offers the draft, F2 and ctrl+s save it."""
    term = desk.tui()
    term.wait_for("INC-000001")
    # said at start, not only in the form it was typed in (which record was that?)
    toast = " ".join(" ".join(line.rsplit("▌", 1)[1].split())
                     for line in term.wait_for("Drafts kept").splitlines() if "▌" in line)
    assert "Typed and not saved before: a new incident." in toast, toast
    term.burst("n")
    term.wait_for("F2 puts it back")
    term.burst("f2", "ctrl+s")
    term.wait_for("INC-000002")
    assert title in desk.cli("list", "incidents")


def test_what_was_typed_in_a_form_survives_a_crash_and_is_offered_back(desk, crashing):
    desk.cli("new", "incident", "--title", "Mail bounces")
    term = desk.tui(**crashing)
    term.wait_for("INC-000001")
    term.burst("n", "Scanner on floor 3 offline")
    term.wait_for("Scanner on floor 3 offline")
    term.burst("\x1bOP")  # the crash, with the form open and unsaved
    assert term.wait_exit() == 1
    _the_draft_is_offered_and_saved(desk, "Scanner on floor 3 offline")


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_stop_signal_keeps_what_was_typed_and_the_terminal(desk, signame):
    # a shutdown or a dropped SSH connection ended the desk at once: text typed since the
    # last pause in the typing was lost, and the terminal was left in raw mode
    desk.cli("new", "incident", "--title", "Mail bounces")
    script = (f"'{installed_program()}' --db '{desk.db}'; echo \"status=$?\"; "
              "stty -a | tr ' ' '\\n' | grep -x -e '-\\?echo' -e '-\\?icanon'")
    term = desk.tui(program="/bin/sh", args=["-c", script])
    term.wait_for("INC-000001")
    term.burst("n")
    term.wait_for("New incident")
    term.burst("Scanner on floor 3 offline")  # and the signal at once: no pause to write it
    term.wait_for("Scanner on floor 3 offline")
    pid = int(subprocess.run(["pgrep", "-P", str(term.child.pid)], capture_output=True,
                             text=True).stdout.split()[0])
    os.kill(pid, getattr(signal, signame))
    term.wait_exit()
    after = term.raw.decode(errors="replace").rsplit("\x1b[?1049l", 1)[-1]
    after = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after)
    lines = [line for line in after.replace("\r", "").splitlines() if line.strip()]
    assert f"status={128 + getattr(signal, signame)}" in lines
    said = [line for line in lines if line.startswith("sms-tui:")]  # a stop, not an error
    assert said == [f"sms-tui: stopped by {signame}; what was typed in a form is kept as a draft (F2)"]
    assert "echo" in lines and "icanon" in lines  # the terminal is usable again
    _the_draft_is_offered_and_saved(desk, "Scanner on floor 3 offline")


HANG_AS_THE_DESK_ENDS = textwrap.dedent("""
    # Loaded by Python at start (PYTHONPATH): taking the screens down blocks the event loop
    # for good, as a write to a terminal nobody reads any more can
    import time

    from textual.app import App

    async def _stuck(self):
        time.sleep(3600)

    App._close_all = _stuck
""")


def test_a_desk_whose_ending_hangs_still_ends_on_a_stop_signal(desk, tmp_path):
    # a desk outlived SIGHUP (its SSH connection gone) and then SIGTERM, holding the file
    desk.cli("new", "incident", "--title", "Mail bounces")
    folder = tmp_path / "inject-hang"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(HANG_AS_THE_DESK_ENDS)
    script = f"'{installed_program()}' --db '{desk.db}'; echo \"status=$?\""
    term = desk.tui(program="/bin/sh", args=["-c", script], PYTHONPATH=str(folder))
    term.wait_for("INC-000001")
    term.burst("n")
    term.wait_for("New incident")
    term.burst("Scanner on floor 3 offline")
    term.wait_for("Scanner on floor 3 offline")
    pid = int(subprocess.run(["pgrep", "-P", str(term.child.pid)], capture_output=True,
                             text=True).stdout.split()[0])
    os.kill(pid, signal.SIGHUP)
    term.wait_exit(timeout=15)
    after = term.raw.decode(errors="replace").rsplit("\x1b[?1049l", 1)[-1]
    after = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after)
    lines = [line for line in after.replace("\r", "").splitlines() if line.strip()]
    assert "status=129" in lines
    assert [line for line in lines if line.startswith("sms-tui:")] == [
        "sms-tui: stopped by SIGHUP; what was typed in a form is kept as a draft (F2)"]
    _the_draft_is_offered_and_saved(desk, "Scanner on floor 3 offline")


def _said_after_the_desk(term) -> list[str]:
    """The lines the program wrote on the terminal after leaving its screen, prompts aside."""
    after = term.raw.decode(errors="replace").rsplit("\x1b[?1049l", 1)[-1]
    after = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after)
    return [line for line in after.replace("\r", "").splitlines() if line.startswith("sms-tui:")]


def test_ctrl_q_from_a_form_with_text_says_the_draft_is_kept_and_how_to_get_it_back(desk):
    # ctrl+q quit from a form without a word: the draft was kept, but the analyst did not know
    desk.cli("new", "incident", "--title", "Mail bounces")
    term = desk.tui()
    term.wait_for("INC-000001")
    term.burst("n")
    term.wait_for("New incident")
    term.burst("Scanner on floor 3 offline")
    term.wait_for("Scanner on floor 3 offline")
    term.burst("ctrl+q")
    assert term.wait_exit() == 0
    assert _said_after_the_desk(term) == [
        "sms-tui: what was typed in a new incident is kept as a draft: open the same form "
        "again and press F2 to put it back"]
    _the_draft_is_offered_and_saved(desk, "Scanner on floor 3 offline")


def test_quitting_with_nothing_typed_says_nothing(desk):
    desk.cli("new", "incident", "--title", "Mail bounces")
    term = desk.tui()
    term.wait_for("INC-000001")
    term.burst("n")
    term.wait_for("New incident")
    term.burst("ctrl+q")
    assert term.wait_exit() == 0
    assert _said_after_the_desk(term) == []


def test_a_dumb_terminal_is_told_in_one_line(desk):
    # TERM=dumb was ignored: the desk wrote its escape sequences to a terminal without them
    term = desk.tui(TERM="dumb")
    assert term.wait_exit(timeout=15) == 1
    out = term.raw.decode(errors="replace")
    assert "\x1b[" not in out
    lines = [line for line in out.replace("\r", "").splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sms-tui: error: TERM=dumb cannot move the cursor")


def test_ctrl_z_goes_to_the_shell_and_fg_brings_the_whole_desk_back(desk):
    # back with fg, the desk stayed blank until a key, and then only the rows came back
    desk.cli("new", "incident", "--title", "Mail bounces")
    term = desk.tui(program="/bin/bash", args=["--norc", "--noprofile", "-i"], PS1="shell$ ")
    term.burst(f"'{installed_program()}' --db '{desk.db}'\r")
    term.wait_for("INC-000001")
    term.burst("\x1a")  # ctrl+z
    term.wait_for("Stopped")
    term.burst("fg\r")
    screen = term.wait_for("^p palette")  # the footer, the last line drawn
    assert "1 Incid." in screen and "INC-000001" in screen and "Incidents" in screen
    term.burst("q")
    term.wait_for("shell$")


@pytest.mark.parametrize("where", ["< /dev/null", "| cat", "2> {errors}"])
def test_started_without_a_terminal_it_says_so_in_one_line(desk, where):
    # from cron, < /dev/null, | cat, 2> file: it drew into a file, waited for keys that
    # could not come, or hung with the terminal in raw mode
    desk.cli("new", "incident", "--title", "Mail bounces")
    errors = desk.db.parent / "desk.err"
    where = where.format(errors=errors)
    script = f"set -o pipefail; '{installed_program()}' --db '{desk.db}' {where}; echo \"status=$?\""
    term = desk.tui(program="/bin/bash", args=["-c", script], cols=200)
    term.wait_exit(timeout=15)
    out = term.raw.decode(errors="replace").replace("\r", "")
    assert "status=1" in out
    said = errors.read_text() if where.startswith("2>") else out
    assert "\x1b[?1049h" not in said  # it never drew
    lines = [line for line in said.splitlines() if line.startswith("sms-tui: error:")]
    assert len(lines) == 1 and "the desk needs a terminal" in lines[0]


def test_a_draft_keeps_the_picked_impact_and_urgency_not_only_the_text(desk):
    """A P1 typed in a hurry and closed by a stray Esc comes back as the P1 it was, not as
    the form's default P3: a draft keeps the choices as well as the text."""
    term = desk.tui()
    term.wait_for("filter: open")
    term.burst("n", "Core switch down", "tab", "h", "tab", "h")
    term.wait_for("P1 Critical")
    term.burst("escape")
    term.wait_for("Unsaved changes")
    term.burst("escape")
    term.wait_gone("Core switch down")
    term.burst("n")
    term.wait_for("F2 puts it back")
    assert "P3 Moderate" in term.text()  # a new form starts at its defaults
    term.burst("f2")
    term.wait_for("P1 Critical")
    term.burst("ctrl+s")
    term.wait_for("INC-000001")
    listed = desk.cli("list", "incidents")
    assert re.search(r"INC-000001\s+P1\b.*Core switch down", listed), listed


def test_a_dialog_closed_by_an_accidental_escape_offers_its_text_back(desk):
    ref = desk.cli("new", "incident", "--title", "Mail bounces").strip()
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("c", "Spoke to the mail admin, waiting on the vendor")
    term.wait_for("waiting on the vendor")
    term.burst("escape")
    term.wait_gone("Add a note")
    term.burst("c")
    term.wait_for("F2 puts it back")
    term.burst("f2", "ctrl+s")
    term.wait_for("saved (version")
    assert "Spoke to the mail admin, waiting on the vendor" in desk.cli("show", ref)


def test_a_new_request_typed_and_closed_by_esc_is_offered_back(desk):
    """The request form fills itself once the catalogue is read: that is not typing, and must
    neither overwrite the draft kept nor withdraw the offer of it; F2 puts back the type
    picked too, also when typed in the burst that opens the form."""
    term = desk.tui()
    term.wait_for("filter: open")
    term.burst("2")
    term.wait_for("Requests")
    term.burst("n")
    term.wait_for("New service request")
    term.settle(1.0)  # the catalogue read
    term.burst("enter", "down", "down", "enter")  # a type from the catalogue
    term.wait_for("fulfil within")
    term.burst("tab", "Reset the password for Wei")
    term.wait_for("Reset the password for Wei")

    def type_line() -> str:
        return next(line for line in term.text().splitlines() if "Request type" in line).strip()

    picked = type_line()
    assert "(choose a type)" not in picked
    term.burst("escape")
    term.wait_for("Unsaved changes")
    term.burst("escape")
    term.wait_gone("New service request")
    term.burst("n", "f2")  # one burst: F2 waits for the catalogue the type comes from
    term.wait_for("Reset the password for Wei")
    term.wait_for("Draft restored")
    assert type_line() == picked


def test_a_status_dialog_draft_comes_back_with_the_status_picked(desk):
    ref = desk.cli("new", "incident", "--title", "Mail bounces").strip()
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("t")
    term.wait_for("Change status")
    term.burst("down", "tab", "Waiting on the vendor")
    term.wait_for("Waiting on the vendor")
    def picked_status() -> str:  # the highlighted line of the list, not what is behind the dialog
        # marked › while the list has the focus, · once it has moved on to the note
        found = next(m for line in term.text().splitlines()
                     if (m := re.search(r"│\s?[›·]\s*([^│]*)│", line)))
        return found.group(1).strip()

    picked = picked_status()
    assert picked and picked != "new", picked  # Down moved off the first status
    term.burst("escape")
    term.wait_gone("Change status")
    term.burst("t")
    term.wait_for("F2 puts it back")
    term.burst("f2")
    term.wait_for("Waiting on the vendor")
    assert picked_status() == picked


def test_esc_and_the_next_keys_in_one_burst_land_as_typed(desk):
    """Esc and a key in one read are the bytes Alt+key sends: they must still be Esc, then
    the key (the record closes, n opens the new form, the title lands in it)."""
    ref = desk.cli("new", "incident", "--title", "Mail bounces").strip()
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("escape", "n", "Printer on fire", "ctrl+s")
    term.wait_for("INC-000002")
    listed = desk.cli("list", "incidents")
    assert re.search(r"INC-000002\s.*Printer on fire", listed), listed
    # and from a dialog: Esc closes it, the next key acts on the record behind it
    term.burst("c")
    term.wait_for("Add a note")
    term.burst("escape", "?")
    term.wait_for("Everywhere")  # the help screen, opened from where the dialog was
    assert "Add a note" not in term.text()
    assert "Traceback" not in term.raw.decode(errors="replace")


def test_option_arrow_of_a_mac_terminal_still_moves_by_word_in_a_text_field(desk):
    """ESC b / ESC f are what Option+left/right send in a Mac terminal: in a text field they
    move by word, as before, and are not read as Esc (which would leave the form)."""
    term = desk.tui()
    term.wait_for("filter: open")
    term.burst("n")
    term.wait_for("New incident")
    term.burst("Printer jams", "\x1bb", "X", "ctrl+s")
    term.wait_for("INC-000001")
    assert "Printer Xjams" in desk.cli("list", "incidents")


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "vt100"}, {"TERM": "linux"}],
                         ids=["NO_COLOR", "vt100", "linux"])
def test_the_desk_works_in_plain_terminals(desk, env):
    desk.cli("new", "incident", "--title", "Badge reader dead")
    term = desk.tui(cols=80, rows=24, **env)
    term.wait_for("INC-000001")
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("escape")
    term.wait_for("filter: open")
    term.burst("q")
    assert term.wait_exit() == 0
    raw = term.raw.decode(errors="replace")
    assert "Traceback" not in raw
    if "NO_COLOR" in env:
        # no colour at all: no 256-colour or true-colour foreground/background codes
        assert not re.search(r"\x1b\[[0-9;]*[34]8;[25];", raw)


def test_the_desk_redraws_for_the_new_size_when_the_terminal_is_resized(desk):
    desk.cli("new", "incident", "--title", "A title long enough to be cut at eighty columns wide, surely")
    term = desk.tui(cols=80, rows=24)
    term.wait_for("INC-000001")
    term.resize(160, 40)  # wide enough for the title beside the requester column
    text = term.wait_for("surely")
    assert len(text.splitlines()) == 40
    term.resize(80, 24)
    term.wait_gone("surely")
    term.burst("q")
    assert term.wait_exit() == 0


def test_columns_and_lines_left_in_the_environment_do_not_shrink_the_desk(desk):
    """A stale ``COLUMNS=40 LINES=10`` exported by a shell or a wrapper outranked the
    terminal's size: the desk was drawn in a corner of the terminal, and stayed there after
    a resize."""
    desk.cli("new", "incident", "--title", "Printer jams")
    term = desk.tui(cols=80, rows=24, COLUMNS="40", LINES="10")
    term.wait_for("? Help")
    text = term.wait_for("INC-000001")  # the rows may come after the footer on a loaded machine
    assert text.splitlines()[23].strip().endswith("palette")  # the footer on the last row
    term.resize(100, 30)
    assert "? Help" in term.wait_for_re(r"\n[^\n]*\? Help[^\n]*palette *$")
    term.burst("q")
    assert term.wait_exit() == 0


def test_a_bad_timer_scale_is_one_line_not_a_crash(desk):
    term = desk.tui(SMS_TUI_TIMER_SCALE="fast")
    assert term.wait_exit() == 1
    out = term.raw.decode(errors="replace")
    assert "SMS_TUI_TIMER_SCALE must be a number" in out and "Traceback" not in out


def test_a_stop_signal_does_not_promise_a_draft_that_could_not_be_written(desk, tmp_path):
    """With the drafts' folder unwritable, SIGTERM said "what was typed in a form is kept as
    a draft (F2)", and no draft was anywhere."""
    desk.cli("new", "incident", "--title", "Mail bounces")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    script = f"'{installed_program()}' --db '{desk.db}'; echo \"status=$?\""
    term = desk.tui(program="/bin/sh", args=["-c", script],
                    SMS_TUI_STATE_DIR=str(blocker / "state"))
    term.wait_for("INC-000001")
    term.burst("n")
    term.wait_for("New incident")
    term.burst("Scanner on floor 3 offline")
    term.wait_for("Scanner on floor 3 offline")
    term.settle(1.0)  # the draft's write is tried (and fails) as typing pauses
    pid = int(subprocess.run(["pgrep", "-P", str(term.child.pid)], capture_output=True,
                             text=True).stdout.split()[0])
    os.kill(pid, signal.SIGTERM)
    term.wait_exit()
    after = term.raw.decode(errors="replace").rsplit("\x1b[?1049l", 1)[-1]
    after = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after)
    lines = [line for line in after.replace("\r", "").splitlines() if line.strip()]
    assert "status=143" in lines
    assert [line for line in lines if line.startswith("sms-tui:")] == [
        "sms-tui: stopped by SIGTERM; what was typed in a form is lost: its draft could not "
        "be written (see SMS_TUI_STATE_DIR)"]
