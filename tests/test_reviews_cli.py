"""The review commands as a cron job or an analyst at a shell would use them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from sms_tui.cli import main


@pytest.fixture
def cli(db_path):
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, ["--db", str(db_path), "--as", "alice", *args])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def overdue_reviews(cli):
    """A desk whose RFC trend review fell due in 2020 and was never raised (caught up by cron)."""
    cli("schedules", "set", "rfc_trends", "--next-due", "2020-01-01", "--catch-up")
    cli("schedules", "set", "rfc_trends", "--interval", "yearly")
    out = cli("scheduler", "run", "--once").output
    assert "raise_due_reviews:" in out and "raised late" in out
    return [r["ref"] for r in json.loads(cli("reviews", "list", "--activity", "rfc_trends",
                                             "--format", "json").output)]


def test_schedules_list_shows_all_seventeen_activities(cli):
    rows = json.loads(cli("schedules", "list", "--format", "json").output)
    assert len(rows) == 17
    assert {"activity": "management_review", "clause": "9.3", "interval": "yearly"}.items() <= rows[-1].items()
    table = cli("schedules", "list").output.splitlines()
    assert table[0].split()[:4] == ["ACTIVITY", "CLAUSE", "INTERVAL", "NEXT_DUE"]


def test_schedules_set_changes_and_journals_interval_owner_and_pause(cli):
    out = cli("schedules", "set", "budget-costs", "--interval", "every 2 months", "--owner", "carol").output
    assert out.startswith("budget_costs: every 2 months, next due ")
    assert "(paused)" in cli("schedules", "set", "budget_costs", "--pause").output

    shown = cli("schedules", "show", "budget_costs").output
    assert "paused: paused" in shown and "owner: carol" in shown
    assert "alice pause (paused: False → True)" in shown
    assert "alice update (interval: monthly → every 2 months; owner: – → carol)" in shown


def test_schedules_set_refuses_nonsense_in_one_line(cli):
    bad = cli("schedules", "set", "rfc_trends", "--interval", "sometimes", ok=False)
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        "sms-tui: error: 'sometimes' is not an interval: use daily, weekly, fortnightly, monthly, "
        "quarterly, half-yearly, yearly, or 'every N days/weeks/months/years'"]
    nothing = cli("schedules", "set", "rfc_trends", ok=False)
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output


def test_cron_catch_up_raises_each_missed_year_once_and_a_second_run_raises_nothing(cli, overdue_reviews):
    assert len(overdue_reviews) >= 6  # 2020 .. now, one per year
    again = cli("scheduler", "run", "--once").output
    assert "raise_due_reviews: nothing to do" in again
    listed = json.loads(cli("reviews", "list", "--activity", "rfc_trends", "--format", "json").output)
    assert len(listed) == len(overdue_reviews)
    assert all(r["state"] == "overdue" and r["raised_late"] for r in listed[:-1])


def test_reviews_due_lists_overdue_ones_first_with_the_word_overdue(cli, overdue_reviews):
    lines = cli("reviews", "due").output.splitlines()
    assert lines[0].split()[:3] == ["REF", "STATE", "DUE"]
    assert lines[1].split()[:2] == [overdue_reviews[0], "overdue"]


def test_ticking_several_items_writes_all_of_them_or_none(cli, overdue_reviews):
    # `tick REF 1 99` ticked item 1 and started the review, then said "error" and exited 1:
    # an error must leave the review as it was
    ref = overdue_reviews[0]
    before = json.loads(cli("reviews", "show", ref, "--format", "json").output)
    refused = cli("reviews", "tick", ref, "1", "99", ok=False)
    assert refused.exit_code == 1 and "checklist items 1 to 3, not 99" in refused.output
    assert json.loads(cli("reviews", "show", ref, "--format", "json").output) == before
    # an item named twice, or one already ticked, is ticked once, with the others
    assert cli("reviews", "tick", ref, "2", "2").output.strip() == f"{ref} in_progress, checklist 1/3"
    assert cli("reviews", "tick", ref, "1", "2", "1").output.strip() == f"{ref} in_progress, checklist 2/3"
    journal = json.loads(cli("reviews", "show", ref, "--format", "json").output)["journal"]
    assert [e["action"] for e in journal].count("tick") == 2


def test_working_a_review_from_the_shell(cli, overdue_reviews):
    ref = overdue_reviews[0]
    assert cli("reviews", "start", ref).output.strip() == f"{ref} in_progress, checklist 0/3"
    assert cli("reviews", "tick", ref, "1", "2").output.strip() == f"{ref} in_progress, checklist 2/3"
    refused = cli("reviews", "complete", ref, "--outcome", "fine", ok=False)
    assert refused.exit_code == 1 and "not ticked" in refused.output
    cli("reviews", "tick", ref, "--all")
    assert cli("reviews", "complete", ref, "--outcome", "Stable").output.strip() == \
        f"{ref} done, checklist 3/3"

    shown = cli("reviews", "show", ref).output
    assert "status: done" in shown
    assert "1. [x] Review changes by category and outcome  (alice " in shown
    assert "Evidence:" in shown and "Changes raised" in shown
    data = json.loads(cli("reviews", "show", ref, "--format", "json").output)
    assert data["outcome"] == "Stable" and data["checklist"][2]["done"] is True


def test_skip_needs_a_reason(cli, overdue_reviews):
    missing = cli("reviews", "skip", overdue_reviews[0], ok=False)
    assert missing.exit_code == 2
    out = cli("reviews", "skip", overdue_reviews[0], "--reason", "nothing changed in 2020").output
    assert out.strip() == f"{overdue_reviews[0]} skipped, checklist 0/3"


def test_findings_from_a_review_on_the_command_line(cli, overdue_reviews):
    ref = overdue_reviews[0]
    ofi = cli("improvements", "new", "--title", "Template for RFCs", "--review", ref).output.strip()
    nc = cli("nonconformities", "new", "--title", "Emergency changes not reviewed", "--clause",
             "8.5.1", "--severity", "major", "--review", ref).output.strip()
    assert (ofi, nc) == ("OFI-000001", "NC-000001")
    cli("nonconformities", "action", nc, "Review every emergency change within 5 days")
    cli("nonconformities", "move", nc, "action_planned", "--root-cause", "No owner")
    assert "1/1 corrective actions done" in cli("nonconformities", "action-done", nc, "1").output
    refused = cli("improvements", "move", ofi, "approved", ok=False)
    assert refused.exit_code == 1 and "before approval" in refused.stderr
    assert cli("improvements", "evaluate", ofi, "--criteria", "RFCs rejected for missing data",
               "--target", "none by Q3").output.strip() == "OFI-000001 evaluated"
    assert cli("improvements", "move", ofi, "approved", "--note", "cheap and clear").output \
        .strip() == "OFI-000001 approved"

    assert "OFI-000001" in cli("improvements", "list", "--open").output
    rows = json.loads(cli("nonconformities", "list", "--review", ref, "--format", "json").output)
    assert [(r["ref"], r["status"], r["severity"]) for r in rows] == [("NC-000001", "action_planned", "major")]
    shown = cli("nonconformities", "show", nc).output
    assert "1. [x] Review every emergency change within 5 days" in shown
    assert "Findings:" in cli("reviews", "show", ref).output


def test_unknown_review_is_one_clear_line(cli):
    result = cli("reviews", "show", "REV-000999", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == "sms-tui: error: no review REV-000999"


def test_every_group_explains_itself_with_help(cli):
    top = cli("--help").output
    for group in ("reviews", "schedules", "improvements", "nonconformities", "scheduler"):
        assert group in top
        assert "Usage:" in cli(group, "--help").output
    assert "--once" in cli("scheduler", "run", "--help").output


# ------------------------------------------------------------ real processes
def _env(db_path):
    return {**os.environ, "SMS_TUI_DB": str(db_path), "SMS_TUI_USER": "cron"}


def _sms(*args):
    return [sys.executable, "-c", "from sms_tui.cli import main; main()", *args]


def test_a_next_due_date_typed_decades_back_is_refused_not_raised_period_by_period(cli, db_path):
    # 1900 for 2026: the scheduler raised 10,000 late reviews in one run, 36,000 more queued
    before = cli("schedules", "list", "--format", "json").output
    refused = cli("schedules", "set", "budget_costs", "--interval", "daily", "--next-due",
                  "1900-01-01", ok=False)
    assert refused.exit_code == 1
    assert "next due 1900-01-01 is 46,3" in refused.output and "daily periods ago" in refused.output
    assert "(--catch-up raises them all)" in refused.output
    assert cli("schedules", "list", "--format", "json").output == before
    cli("schedules", "set", "budget_costs", "--next-due", "2026-06-01")  # a few months: caught up
    cli("scheduler", "run", "--once")
    raised = json.loads(cli("reviews", "list", "--activity", "budget_costs", "--format", "json").output)
    assert 6 <= len(raised) <= 8


def test_two_cron_runs_at_once_raise_every_period_exactly_once(cli, db_path):
    cli("schedules", "set", "rfc_trends", "--next-due", "2019-01-01", "--catch-up")
    # hundreds of weeks to catch up
    cli("schedules", "set", "rfc_trends", "--interval", "weekly", "--catch-up")
    procs = [subprocess.Popen(_sms("scheduler", "run", "--once"), env=_env(db_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], outputs
    rows = json.loads(cli("reviews", "list", "--activity", "rfc_trends", "--limit", "100000",
                          "--format", "json").output)
    periods = [r["period"] for r in rows]
    assert len(periods) == len(set(periods)) > 300


def test_headless_scheduler_runs_until_sigterm_and_stops_cleanly(db_path):
    proc = subprocess.Popen(_sms("scheduler", "run"), env=_env(db_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # printed once the scheduler thread is running
        assert first.startswith("sms-tui scheduler running on ")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().splitlines()[-1] == "sms-tui scheduler stopped"
