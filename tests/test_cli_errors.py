"""Bad input on the command line: non-zero exit, ONE clear line on stderr, nothing written."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import Cli, dump, one_error_line


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


@pytest.fixture
def desk(cli):
    """A desk with a service and one ordinary (not major) incident."""
    cli.ok("service", "add", "Email", "--criticality", "high")
    ref = cli.ok("new", "incident", "--title", "Outlook asks for password", "--impact", "medium",
                 "--urgency", "medium").strip()
    return ref


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["new", "incident", "--title", "Mail down", "--impact", "huge"], 2,
         "'huge' is not one of 'high', 'medium', 'low'"),
        (["new", "incident", "--title", "Mail down", "--urgency", "soon"], 2,
         "'soon' is not one of 'high', 'medium', 'low'"),
        (["new", "incident", "--title", "   "], 1, "title must not be empty"),
        (["new", "incident", "--title", ""], 1, "title must not be empty"),
        (["new", "request", "--title", "x" * 201, "--type", "other"], 1, "keep it to 200"),
        (["new", "incident", "--title", "Mail down", "--service", "Mail"], 1,
         "no service named 'Mail'; known services: Email"),
        (["new", "incident", "--title", "Mail down", "--ci", "srv-nope"], 1,
         "no configuration item named 'srv-nope'"),
        (["new", "incident"], 2, "Missing option '--title'"),
        (["show", "INC-000999"], 1, "no record INC-000999"),
        (["show", "TICKET-7"], 1, "'TICKET-7' is not a record reference"),
        (["transition", "INC-000999", "resolved"], 1, "no record INC-000999"),
        (["note", "PRB-000042", "looked at it"], 1, "no record PRB-000042"),
        (["assign", "REQ-000007", "alice"], 1, "no record REQ-000007"),
        (["link", "INC-000001", "PRB-000404"], 1, "no record PRB-000404"),
        (["transition", "INC-000001", "closed"], 1,
         "cannot move from 'new' to 'closed'; allowed from 'new': in_progress, on_hold, resolved, cancelled"),
        (["transition", "INC-000001", "done"], 1,
         "unknown incident status 'done': use one of new, in_progress, on_hold, resolved, closed, cancelled"),
        (["note", "INC-000001", "  "], 1, "note must not be empty"),
        (["escalate", "INC-000001", "--to", "bob", "--reason", " "], 1, "an escalation needs a reason"),
        (["escalate", "INC-000001", "--to", "bob"], 2, "Missing option '--reason'"),
        (["edit", "INC-000001", "--impact", "critical"], 2, "'critical' is not one of"),
        (["edit", "INC-000001", "--expected-version", "7", "--title", "Other"], 1,
         "INC-000001 was changed by someone else since you opened it (now version 1, you had 7)"),
        (["edit", "INC-000001", "--set", "colour=red"], 1,
         "Incident has no editable field 'colour'; editable: title, description"),
        # names of the command's own parameters ended in "internal error: TypeError"
        (["edit", "INC-000001", "--set", "ref=INC-000009"], 1, "Incident has no editable field 'ref'"),
        (["edit", "INC-000001", "--set", "colour=red"], 1, "major_reason, service, ci, requester"),
        (["edit", "INC-000001", "--set", "self=x"], 1, "Incident has no editable field 'self'"),
        (["edit", "INC-000001", "--set", "note=x"], 2, "'note' is not a field: give --note"),
        (["edit", "INC-000001", "--set", "expected-version=1"], 2,
         "'expected_version' is not a field: give --expected-version"),
        (["edit", "INC-000001", "--set", "service=Mail"], 1, "no service named 'Mail'"),
        (["edit", "INC-000001", "--set", "service=Email", "--service", "Email"], 2,
         "give service once"),
        (["edit", "INC-000001"], 2, "nothing to change"),
        (["list", "incidents", "--status", "open-ish"], 1, "unknown incident status 'open-ish'"),
        (["list", "incidents", "--priority", "P7"], 1, "unknown priority 'P7': use P1 to P5"),
        (["list", "tickets"], 2, "'tickets' is not one of"),
        (["link", "INC-000001", "INC-000001"], 1, "INC-000001 cannot be linked to itself"),
        (["service", "add", "email"], 1, "a service named 'Email' already exists"),
        (["service", "add", "Payroll", "--criticality", "vital"], 2, "'vital' is not one of"),
        (["ci", "add", "srv-mail-01", "--service", "Mail"], 1, "no service named 'Mail'"),
        (["ci", "relate", "a", "b"], 1, "no configuration item named 'a'"),
        (["demo", "--count", "40"], 1, "already holds 1 record; demo data goes into an empty database"),
        (["frobnicate"], 2, "No such command 'frobnicate'"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_and_writes_nothing(cli, desk, db_path, args, code, says):
    before = dump(db_path)

    result = cli(*args)

    assert result.exit_code == code
    assert says in one_error_line(result)
    assert dump(db_path) == before


def test_stale_version_is_refused_after_someone_else_edits(cli, desk, db_path):
    version = 1
    cli.ok("note", desk, "Called the user")  # someone else moved it to version 2
    before = dump(db_path)

    result = cli("transition", desk, "in_progress", "--expected-version", str(version))

    assert result.exit_code == 1
    assert "reload it and try again" in one_error_line(result)
    assert dump(db_path) == before


@pytest.mark.parametrize("command", ["link", "unlink"])
def test_a_stale_link_or_unlink_is_refused_like_any_other_write(cli, desk, db_path, command):
    """'link' and 'unlink' take --expected-version as the other writes do (without it a script
    links whatever the record holds, as before)."""
    problem = cli.ok("new", "problem", "--title", "Password prompts after the update").strip()
    if command == "unlink":
        cli.ok("link", desk, problem)
    version = int(json.loads(cli.ok("show", desk, "--format", "json"))["version"])
    cli.ok("note", desk, "Called the user")  # someone else moved it on
    before = dump(db_path)

    result = cli(command, desk, problem, "--expected-version", str(version))

    assert result.exit_code == 1
    assert f"(now version {version + 1}, you had {version}); reload it and try again" in \
        one_error_line(result)
    assert dump(db_path) == before
    cli.ok(command, desk, problem, "--expected-version", str(version + 1))


def test_a_directory_as_database_is_refused_and_left_alone(cli, tmp_path):
    folder = tmp_path / "not-a-db"
    folder.mkdir()

    result = cli("list", "incidents", db=folder)

    assert result.exit_code != 0
    assert "is a directory" in one_error_line(result)
    assert list(folder.iterdir()) == []


def test_a_file_that_is_not_sqlite_is_refused_and_left_unchanged(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")

    result = cli("new", "incident", "--title", "x", db=notes)

    assert result.exit_code == 1
    assert "is not an SQLite database" in one_error_line(result)
    assert notes.read_text() == "shopping list\n"


def test_a_database_path_under_a_file_is_refused(cli, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")

    result = cli("list", "incidents", db=blocker / "desk.db")

    assert result.exit_code == 1
    assert "cannot create database" in one_error_line(result)
    assert blocker.read_text() == "x"


def test_usage_errors_point_to_the_commands_help(cli):
    result = cli("new", "incident", "--title", "x", "--impact", "huge")

    assert result.exit_code == 2
    assert one_error_line(result).endswith("(see 'sms-tui new incident --help')")
