"""Numbers, references and dates at the edge of what Python and SQLite hold; databases that are
not regular files; output that cannot be written. Each gives one line on stderr, never a traceback
or a hang, and writes nothing (issue 15)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from sms_tui.cli import main
from sms_tui.domain.bounds import ascii_number, whole_number
from sms_tui.domain.errors import ValidationError
from sms_tui.domain.kinds import Kind, parse_ref
from tests.cli_helpers import Cli, dump, one_error_line

from .helpers import assert_one_line_error, cli_command, run_cli

HUGE = "99999999999999999999"  # past 2**63 - 1
DIGITS_5000 = "9" * 5000


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


@pytest.fixture
def desk(cli):
    cli.ok("new", "incident", "--title", "Printer jam")
    cli.ok("requests", "new", "password-reset", "--title", "Reset for Dana")
    cli.ok("new", "change", "--title", "Patch the mail server")
    return cli


@pytest.mark.parametrize(("args", "says"), [
    (["show", f"INC-{HUGE}"], "is not a record reference"),
    (["show", f"INC-{DIGITS_5000}"], "is not a record reference"),
    (["show", "INC-\u0663"], "is not a record reference"),  # Arabic-Indic 3 is not INC-000003
    (["show", "INC-\U0001d7db"], "is not a record reference"),  # mathematical digit 3
    (["reviews", "show", f"REV-{HUGE}"], "is not a review reference"),
    (["reviews", "show", f"REV-{DIGITS_5000}"], "is not a review reference"),
    (["list", "incidents", "--limit", HUGE], "is not a whole number"),
    (["list", "incidents", "--limit", DIGITS_5000], "is not a whole number"),
    (["list", "incidents", "--limit", "\u0663"], "is not a whole number"),
    (["requests", "tick", "REQ-000001", HUGE], "is not a whole number"),
    (["edit", "INC-000001", "--expected-version", HUGE, "--title", "x"], "is not a whole number"),
    (["schedules", "set", "sla_performance", "--next-due", "9999-12-31"], "out of range"),
    (["schedules", "set", "sla_performance", "--next-due", "0001-01-01"], "out of range"),
    (["report", "--from", "0001-01-01", "--period", "quarter"], "out of range"),
    (["report", "--from", "9999-12-01", "--period", "month"], "out of range"),
    (["report", "--from", "0001-01-01T00:00+05:00", "--to", "2026-01-01"], "out of range"),
    (["changes", "calendar", "--from", "9999-12-31"], "out of range"),
    (["requests", "satisfaction-summary", "--from", "0001-01-01", "--to", "9999-12-31"], "out of range"),
    (["edit", "CHG-000001", "--set", "planned_start=0001-01-01"], "out of range"),
    (["edit", "CHG-000001", "--set", "planned_end=9999-12-31T23:59+00:00"], "out of range"),
])
def test_numbers_and_dates_past_the_edge_give_one_line_and_write_nothing(desk, db_path, args, says):
    before = dump(db_path)
    result = desk(*args)
    assert result.exit_code in (1, 2), result.output
    assert says in one_error_line(result)
    assert dump(db_path) == before


def test_references_accept_ascii_digits_only_and_stop_at_sqlites_integer():
    assert parse_ref("INC-000042") == (Kind.INCIDENT, 42)
    assert parse_ref(f"INC-{2**63 - 1}") == (Kind.INCIDENT, 2**63 - 1)
    for bad in (f"INC-{2**63}", "INC-\u0663", "INC-\u00b2", f"INC-{DIGITS_5000}", "INC-0"):
        with pytest.raises(ValidationError):
            parse_ref(bad)
    assert ascii_number("0" * 5000 + "7") == 7
    assert ascii_number(DIGITS_5000) is None and whole_number("\u0663") is None


# ---------------------------------------------------------------- where the database lives
def test_a_fifo_as_the_database_is_refused_at_once_without_opening_it(tmp_path):
    fifo = tmp_path / "desk.db"
    os.mkfifo(fifo)
    result = run_cli("--db", str(fifo), "list", "incidents", timeout=20)  # opening it would block
    assert_one_line_error(result, "is a FIFO", "not a database file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("args", [("list", "incidents"), ("new", "incident", "--title", "x"), ("verify",)])
@pytest.mark.parametrize("special", ["/dev/null", "/proc/version"])
def test_a_device_or_a_virtual_file_as_the_database_is_refused(special, args):
    if not Path(special).exists():
        pytest.fail(f"{special} is missing on this machine")
    result = run_cli("--db", special, *args, timeout=20)
    assert_one_line_error(result, special, "not a database file")


def test_restore_from_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "backup.db"
    os.mkfifo(fifo)
    result = run_cli("--db", str(tmp_path / "desk.db"), "restore", str(fifo), timeout=20)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is a FIFO (named pipe), not a backup file" in result.stderr  # was "no file at"
    device = run_cli("--db", str(tmp_path / "desk.db"), "restore", "/dev/zero", timeout=20)
    assert_one_line_error(device, "/dev/zero is a device, not a backup file")


# ---------------------------------------------------------------- output that cannot be written
@pytest.mark.parametrize("args", [("list", "incidents"), ("list", "incidents", "--format", "json"),
                                  ("export",), ("report", "--period", "month"), ("show", "INC-000001")])
def test_output_to_a_full_device_says_the_disk_is_full(tmp_path, args):
    db = tmp_path / "desk.db"
    assert run_cli("--db", str(db), "new", "incident", "--title", "x").returncode == 0
    with open("/dev/full", "w") as full:
        result = subprocess.run([*cli_command(), "--db", str(db), *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == ["sms-tui: error: cannot write the output: no space left on device (the disk is full)"]


@pytest.mark.parametrize("args", [("new", "incident", "--title", "second"),
                                  # through the services (a major incident), not the quick path
                                  ("new", "incident", "--title", "second", "--impact", "high",
                                   "--urgency", "high"),
                                  ("note", "INC-000001", "called the user")])
def test_output_lost_after_a_write_says_the_desk_was_changed(tmp_path, args):
    """`new` to /dev/full said only that the output could not be written, with the incident
    saved: run again, it made a second one."""
    db = tmp_path / "desk.db"
    assert run_cli("--db", str(db), "new", "incident", "--title", "first").returncode == 0
    with open("/dev/full", "w") as full:
        result = subprocess.run([*cli_command(), "--db", str(db), *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "sms-tui: error: cannot write the output: no space left on device (the disk is full); "
        "the desk was changed all the same: check before running the command again"]
    if args[0] == "new":
        assert "second" in run_cli("--db", str(db), "list", "incidents").stdout
    else:
        assert "called the user" in run_cli("--db", str(db), "show", "INC-000001").stdout


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("-h",), ("list", "--help")])
def test_help_and_version_to_a_full_device_say_the_disk_is_full(args):
    # they are printed while the arguments are read, before any command runs: a traceback
    with open("/dev/full", "w") as full:
        result = subprocess.run([*cli_command(), *args], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "sms-tui: error: cannot write the output: no space left on device (the disk is full)"]


def _close(fd: int):
    return lambda: os.close(fd)


@pytest.mark.parametrize("args", [("list", "incidents"), ("new", "incident", "--title", "x"),
                                  ("--version",)])
def test_a_closed_standard_output_is_one_line_and_nothing_written(tmp_path, args):
    """`sms-tui ... >&-`: Python gives the command no stdout, and its first write was an
    AttributeError and a traceback -- after 'new' had saved its record."""
    db = tmp_path / "desk.db"
    assert run_cli("--db", str(db), "new", "incident", "--title", "first").returncode == 0
    result = run_cli("--db", str(db), *args, preexec_fn=_close(1))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "sms-tui: error: standard output is closed: nothing was done"]
    assert "INC-000002" not in run_cli("--db", str(db), "list", "incidents").stdout


def test_a_closed_error_output_or_input_is_not_a_crash(tmp_path):
    db = tmp_path / "desk.db"
    quiet = run_cli("--db", str(db), "new", "incident", "--title", "x", preexec_fn=_close(2))
    assert quiet.returncode == 0 and quiet.stdout.strip() == "INC-000001"
    empty = run_cli("--db", str(db), "mail-in", preexec_fn=_close(0))
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert empty.stderr.splitlines() == [
        "sms-tui: error: no message on the input (expected one RFC 5322 mail)"]


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "9999-12-31 23:59"])
def test_tui_date_fields_refuse_the_calendars_ends_with_a_message(text):
    from sms_tui.ui.screens.form_fields import from_widget_value, spec_for
    from sms_tui.ui.screens.reviews_schedules import parse_due

    with pytest.raises(ValidationError, match="out of range"):
        parse_due(text)
    with pytest.raises(ValidationError, match="out of range"):
        from_widget_value(spec_for("planned_start"), text if " " in text else text + " 00:00")


@pytest.mark.parametrize("text", ["\u0663", "9" * 5000, "99999999999999999999", "\u00b2"])
def test_tui_number_fields_take_ascii_digits_within_range(text):
    from sms_tui.ui.screens.form_fields import FieldSpec, from_widget_value

    with pytest.raises(ValidationError, match="not a whole number"):
        from_widget_value(FieldSpec("n", "Number", "int"), text)


def test_an_unexpected_error_is_still_one_line_and_says_it_is_a_bug(desk, monkeypatch):
    from sms_tui.services.core.records import RecordService

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(RecordService, "get", broken)
    result = desk("show", "INC-000001")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "internal error: RuntimeError: boom second line" in line and "please report" in line


@pytest.mark.parametrize(("actor", "says"), [("x" * 5000, "keep it to 100"),
                                             ("\u200b\u202e", "nothing visible"),
                                             ("[bold]x[/]\x1b[31m", "control character"),
                                             ("ann\nbob", "control character")])
def test_the_name_to_act_as_is_bounded_and_visible(desk, db_path, actor, says):
    before = dump(db_path)
    result = desk.runner.invoke(main, ["--as", actor, "--db", str(db_path), "new", "incident",
                                       "--title", "x"])
    assert result.exit_code == 1 and says in one_error_line(result)
    assert dump(db_path) == before


def test_mail_in_whose_answer_cannot_be_written_still_says_delivered(tmp_path):
    """A mail recorded, then its one-line answer written to a full stdout: exit 1 made the
    delivery agent deliver it again, and a mail without a Message-ID became two incidents."""
    db = tmp_path / "desk.db"
    assert run_cli("--db", str(db), "list", "incidents").returncode == 0  # the desk exists
    mail = b"From: ann@example.org\nTo: desk@example.org\nSubject: Printer jams\n\nAgain.\n"
    with open("/dev/full", "w") as full:
        result = subprocess.run([*cli_command(), "--db", str(db), "mail-in"], input=mail,
                                stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 0
    assert result.stderr.decode().splitlines() == [
        "sms-tui: warning: the mail was recorded (INC-000001: incident recorded from mail) but "
        "the answer could not be written: no space left on device (the disk is full)"]
    listed = run_cli("--db", str(db), "list", "incidents", "--format", "json").stdout
    assert listed.count('"INC-') == 1
