"""`sms-tui report` and `sms-tui evidence`: formats, files, periods and clear errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from sms_tui.services.core.store import Store
from tests import report_dataset as data
from tests.cli_helpers import Cli, one_error_line
from tests.conftest import FakeClock

MARCH = ("--from", "2026-03-01", "--to", "2026-04-01")


@pytest.fixture
def cli(db_path):
    store = Store(db_path, actor="tester", clock=FakeClock(data.REPORT_NOW))
    data.build(store)
    store.close()
    return Cli(db_path)


def test_json_report_carries_each_figure_with_previous_value_and_trend(cli):
    report = json.loads(cli.ok("report", *MARCH, "--format", "json"))
    assert report["period"]["from"] == "2026-03-01T00:00:00+00:00"
    assert report["previous_period"]["from"] == "2026-01-29T00:00:00+00:00"
    incidents = next(s for s in report["sections"] if s["key"] == "incidents")
    opened = next(f for f in incidents["figures"] if f["key"] == "incidents.opened")
    assert (opened["current"], opened["previous"], opened["delta"], opened["trend"],
            opened["verdict"]) == (5, 2, 3, "▲", "worse")
    assert [w["opened"] for w in report["weekly_incidents"]] == [1, 1, 1, 1, 0, 1]


def test_csv_report_has_one_row_per_figure(cli):
    rows = list(csv.DictReader(io.StringIO(cli.ok("report", *MARCH, "--format", "csv"))))
    opened = next(r for r in rows if r["key"] == "incidents.opened")
    assert (opened["current"], opened["previous"], opened["delta"], opened["trend"]) == (
        "5", "2", "3", "▲")
    p90 = next(r for r in rows if r["key"] == "incidents.resolve_p90.p3")
    assert (p90["row"], p90["column"], p90["current"]) == ("P3", "90th percentile", "24.0")


def test_markdown_is_the_default_and_shows_trends_in_words(cli):
    out = cli.ok("report", *MARCH)
    assert out.startswith("# Service report 2026-03-01 – 2026-03-31")
    assert "| Incidents opened | 5 | 2 | ▲ +3 (worse) |" in out


def test_output_file_format_follows_its_extension(cli, tmp_path):
    target = tmp_path / "march.html"
    out = cli.ok("report", *MARCH, "--output", str(target))
    assert out == f"wrote service report 2026-03-01 – 2026-03-31 (html) to {target} as RPT-000001\n"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_period_month_alone_is_the_last_complete_month(cli, monkeypatch):
    import sms_tui.services.core.store as store_module

    monkeypatch.setattr(store_module, "utc_now", lambda: datetime(2026, 4, 15, tzinfo=UTC))
    report = json.loads(cli.ok("report", "--period", "month", "--format", "json"))
    assert report["period"]["label"] == "2026-03-01 – 2026-03-31"


def test_period_with_from_starts_there(cli):
    report = json.loads(cli.ok("report", "--period", "month", "--from", "2026-02-01",
                               "--format", "json"))
    assert report["period"]["label"] == "2026-02-01 – 2026-02-28"


@pytest.mark.parametrize("args, expected", [
    (("--from", "2026-13-01", "--to", "2026-04-01"), "Invalid value for '--from': '2026-13-01' is not a date"),
    (("--from", "yesterday", "--to", "2026-04-01"), "use YYYY-MM-DD"),
    (("--from", "2026-04-01", "--to", "2026-03-01"), "--from (2026-04-01 00:00) must be before"),
    (("--from", "2026-04-01", "--to", "2026-04-01"), "--to is exclusive"),
    (("--from", "2026-04-01",), "give --from and --to"),
    (("--period", "month", *MARCH), "not with both"),
])
def test_bad_periods_are_one_clear_line_and_exit_2(cli, args, expected):
    result = cli("report", *args)
    assert result.exit_code == 2
    assert expected in one_error_line(result)


def test_writing_into_a_missing_folder_is_one_error_line(cli, tmp_path):
    result = cli("report", *MARCH, "--output", str(tmp_path / "nope" / "r.md"))
    assert result.exit_code == 1
    assert "folder" in one_error_line(result)


def test_evidence_refuses_a_csv_file_name_instead_of_writing_markdown_into_it(cli, tmp_path):
    result = cli("evidence", *MARCH, "-o", str(tmp_path / "audit.csv"))
    assert result.exit_code == 2
    assert "use --format md|html|json" in one_error_line(result)
    assert not (tmp_path / "audit.csv").exists()


def test_evidence_lists_gaps_with_references(cli):
    out = cli.ok("evidence", *MARCH)
    assert ("- **GAP** incidents missing classification (service or category) (2): "
            "INC-000004, INC-000005") in out
    assert "**8.6.1: 5 incidents, 3 of 5 classified (60 %), all prioritized" in out


def test_evidence_max_refs_cuts_the_lists_but_not_the_counts(cli):
    out = cli.ok("evidence", *MARCH, "--max-refs", "1")
    assert "(2): INC-000004 and 1 more" in out


def test_evidence_json_and_file_output(cli, tmp_path):
    target = tmp_path / "audit.json"
    out = cli.ok("evidence", *MARCH, "-o", str(target))
    evidence = json.loads(target.read_text(encoding="utf-8"))
    found = sum(1 for c in evidence["clauses"] for g in c["gaps"] if g["count"])
    assert found > 20 and f"; {found} gap(s) found)" in out
    clause = next(c for c in evidence["clauses"] if c["clause"] == "8.6.3")
    assert {g["key"]: g["refs"] for g in clause["gaps"]}["known_errors.no_workaround"] == [
        "KE-000001"]


def test_report_commands_do_not_load_the_terminal_ui(db_path):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sms_tui.cli import main\n"
        f"r = CliRunner().invoke(main, ['--db', {str(db_path)!r}, 'report', '--period', 'month',"
        " '--format', 'html'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_period_of_thousands_of_years_is_reported_against_one_from_the_year_1(cli):
    """The widest period the desk accepts has no period of equal length before it: the
    comparison starts at the year 1 instead of the report ending in a traceback."""
    report = json.loads(cli.ok("report", "--from", "1900-01-01", "--to", "8999-12-31",
                               "--format", "json"))
    assert report["previous_period"]["from"].startswith("0001-01-01")
    assert report["previous_period"]["to"].startswith("1900-01-01")
    evidence = cli.ok("evidence", "--from", "2026-01-01", "--to", "8999-12-31")
    assert evidence.startswith("# ISO/IEC 20000-1 evidence 2026-01-01 – 8999-12-30")


@pytest.mark.parametrize("command", ["report", "evidence"])
def test_a_report_shown_on_the_terminal_is_a_look_not_an_issue(cli, tmp_path, command):
    """Every look at a report on the terminal was recorded as issued: seven previews made
    RPT-000001 to RPT-000007 and counted in 9.4. Shown on a terminal it is not recorded (and
    says so); written to a file, by -o or a redirection, it is."""
    import pexpect

    from tests.reliability.helpers import cli_command

    program, *first = cli_command()
    child = pexpect.spawn(program, [*first, "--db", str(cli.db_path), command, *MARCH],
                          dimensions=(40, 200), timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before.decode()
    assert child.exitstatus == 0, shown
    assert "shown, not recorded as issued; -o FILE (or > FILE) issues" in shown
    assert cli.ok("reports-issued", "list").strip() == "(none)"
    with open(tmp_path / "out.md", "w") as out:  # redirected: issued
        done = subprocess.run([*cli_command(), "--db", str(cli.db_path), command, *MARCH],
                              stdout=out, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert "RPT-000001" in cli.ok("reports-issued", "list")
    piped = subprocess.run(f"'{program}' {' '.join(first)} --db '{cli.db_path}' {command} "
                           f"{' '.join(MARCH)} | head -1", shell=True, capture_output=True,
                           text=True, timeout=60)  # through a pager or grep: still a look
    assert "shown, not recorded as issued" in piped.stderr
    assert "RPT-000002" not in cli.ok("reports-issued", "list")
