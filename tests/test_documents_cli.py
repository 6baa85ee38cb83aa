"""`sms-tui documents` (the register of documented information) and `sms-tui reports-issued`."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import Cli, dump, one_error_line


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


def test_add_list_show_and_edit_a_document(cli):
    out = cli.ok("documents", "add", "Change management policy", "--kind",
                 "change-management-policy", "--doc-version", "2.1", "--owner", "CIO",
                 "--approved-on", "2026-01-10", "--next-review", "2020-01-10",
                 "--location", "intranet/policies/change.pdf")
    assert out == "registered DOC-000001: Change management policy (change management policy)\n"
    rows = json.loads(cli.ok("documents", "list", "--format", "json"))
    assert rows[0]["review_overdue"] is True and rows[0]["doc_version"] == "2.1"
    assert "OVERDUE" in cli.ok("documents", "list")
    assert cli.ok("documents", "list", "--overdue", "--format", "json") != "[]\n"
    cli.ok("documents", "edit", "DOC-1", "--next-review", "2099-01-10", "--note", "reviewed")
    assert json.loads(cli.ok("documents", "list", "--overdue", "--format", "json")) == []
    shown = json.loads(cli.ok("documents", "show", "DOC-000001", "--format", "json"))
    assert [e["action"] for e in shown["journal"]] == ["update", "create"]  # newest first
    assert shown["journal"][0]["note"] == "reviewed"


@pytest.mark.parametrize("args", [
    ("documents", "add", "Policy", "--kind", "poem"),
    ("documents", "add", "Policy", "--next-review", "soon"),
    ("documents", "add", "  "),
    ("documents", "edit", "DOC-000009", "--owner", "x"),
    ("documents", "show", "INC-000001"),
])
def test_a_bad_document_command_is_one_line_and_writes_nothing(cli, args):
    cli.ok("documents", "list")  # the database exists
    before = dump(cli.db_path)
    result = cli(*args)
    assert result.exit_code != 0
    one_error_line(result)
    assert dump(cli.db_path) == before


def test_a_markup_title_is_kept_as_data(cli):
    cli.ok("documents", "add", "[bold]x[/] \x1b]0;pwn\x07", "--kind", "other")
    shown = cli.ok("documents", "show", "DOC-1")
    assert "\x1b" not in shown and "[bold]x[/]" in shown


def test_each_report_run_is_recorded_and_a_decision_can_be_taken(cli, tmp_path):
    cli.ok("report", "--from", "2026-03-01", "--to", "2026-04-01", "-o", str(tmp_path / "r.md"))
    cli.ok("evidence", "--from", "2026-03-01", "--to", "2026-04-01", "--format", "json",
           "-o", str(tmp_path / "e.json"))
    cli.ok("report", "--from", "2026-03-01", "--to", "2026-04-01")  # looked at: not issued
    runs = json.loads(cli.ok("reports-issued", "list", "--format", "json"))
    assert [(r["ref"], r["report"], r["format"]) for r in runs] == [
        ("RPT-000002", "evidence", "json"), ("RPT-000001", "service", "md")]
    assert runs[1]["output"].endswith("r.md") and runs[1]["by"]
    assert cli.ok("reports-issued", "decide", "RPT-1", "Hire a second analyst") == \
        "recorded the decision on RPT-000001\n"
    runs = json.loads(cli.ok("reports-issued", "list", "--format", "json"))
    assert runs[1]["decision"] == "Hire a second analyst"


def test_evidence_sample_is_reproducible_from_the_command_line(cli):
    for n in range(4):
        cli.ok("new", "incident", "--title", f"VPN drop {n}", "--impact", "low",
               "--urgency", "low")
    args = ("evidence", "--from", "2000-01-01", "--to", "2099-01-01", "--format", "json",
            "--sample", "2", "--seed", "3")
    first, second = (json.loads(cli.ok(*args)) for _ in range(2))

    def incidents(report):
        return [t for t in report["traces"] if t["clause"] == "8.6.1"]

    assert len(incidents(first)) == 2 and incidents(first) == incidents(second)
    # the first run was recorded as a report issued, so the second one can sample it (9.1)


def test_the_reports_issued_say_the_period_as_the_report_does_with_its_last_day(cli, tmp_path):
    # listed "from 2026-03-01 to 2026-04-01" for a report on March, whose heading says
    # "2026-03-01 – 2026-03-31": one label, the last day inclusive, as on the report
    cli.ok("report", "--from", "2026-03-01", "--to", "2026-04-01", "-o", str(tmp_path / "r.md"))
    table = cli.ok("reports-issued", "list")
    assert "2026-03-01 – 2026-03-31" in table and "2026-04-01" not in table
    csv_text = cli.ok("reports-issued", "list", "--format", "csv")
    assert csv_text.splitlines()[0].startswith("ref,report,period,")
    assert "2026-03-01 – 2026-03-31" in csv_text and "2026-04-01" not in csv_text
    (run,) = json.loads(cli.ok("reports-issued", "list", "--format", "json"))
    assert run["period"] == {"from": "2026-03-01T00:00:00+00:00", "to": "2026-04-01T00:00:00+00:00",
                             "label": "2026-03-01 – 2026-03-31"}
