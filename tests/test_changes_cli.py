"""Change subcommands from a shell: RFC, assessment, approval, schedule, calendar, outcome."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import Cli, dump, one_error_line


@pytest.fixture
def cli(db_path):
    c = Cli(db_path)
    c.ok("service", "add", "mail", "--criticality", "high")
    c.ok("service", "add", "web")
    return c


def _approved(cli, *extra):
    ref = cli.ok("changes", "new", "--title", "Patch mail", "--service", "mail",
                 "--implementation-plan", "Patch and reboot",
                 "--backout-plan", "Restore the snapshot", "--verification", "staging clean",
                 "--backout-tested", "yes", *extra).strip()
    cli.ok("changes", "assess", ref, "--likelihood", "unlikely", "--impact", "minor")
    cli.ok("changes", "approve", ref, "--rationale", "CAB agreed", "--approver", "cab")
    return ref


def test_changes_help_lists_every_subcommand(cli):
    out = cli.ok("changes", "--help")
    for name in ("new", "show", "assess", "targets", "approve", "reject", "schedule", "calendar",
                 "conflicts", "start", "outcome", "policy"):
        assert f"  {name} " in out


def test_an_rfc_takes_several_services_and_its_plans(cli):
    ref = cli.ok("changes", "new", "--title", "Move DNS", "--service", "mail", "--service", "web",
                 "--reason", "Old host", "--test-plan", "dig", "--backout-plan", "Switch back").strip()
    out = cli.ok("changes", "show", ref)
    assert "services: mail, web" in out
    assert "test_plan: dig" in out


def test_assess_prints_the_risk_level(cli):
    ref = cli.ok("changes", "new", "--title", "Patch", "--service", "web").strip()
    assert cli.ok("changes", "assess", ref, "--likelihood", "4", "--impact", "severe") == \
        f"{ref}: assessing, risk very_high (20); MAJOR IMPACT\n"


def test_assess_checks_back_out_tested_as_new_and_edit_do(cli, db_path):
    # assess stored "maybe", said nothing, and starting the change was then refused
    ref = cli.ok("changes", "new", "--title", "Patch", "--service", "web").strip()
    before = dump(db_path)
    result = cli("changes", "assess", ref, "--backout-tested", "maybe")
    assert result.exit_code == 1
    assert "back-out tested must be yes or no, got 'maybe'" in one_error_line(result)
    assert dump(db_path) == before
    cli.ok("changes", "assess", ref, "--backout-tested", "NO")
    assert "backout_tested: no" in cli.ok("show", ref)


def test_approval_without_a_back_out_plan_is_refused_and_writes_nothing(cli, db_path):
    ref = cli.ok("changes", "new", "--title", "Patch", "--service", "web",
                 "--implementation-plan", "Patch, reboot").strip()
    cli.ok("changes", "assess", ref, "--likelihood", "1", "--impact", "1")
    before = dump(db_path)
    result = cli("changes", "approve", ref, "--rationale", "fine")
    assert result.exit_code == 1
    assert "needs a back-out plan" in one_error_line(result)
    assert dump(db_path) == before


def test_approval_without_the_plans_names_them_in_one_line_and_writes_nothing(cli, db_path):
    ref = cli.ok("changes", "new", "--title", "Patch", "--service", "web").strip()
    cli.ok("changes", "assess", ref, "--likelihood", "1", "--impact", "1")
    before = dump(db_path)
    result = cli("changes", "approve", ref, "--rationale", "fine")
    assert result.exit_code == 1
    assert one_error_line(result) == (
        f"sms-tui: error: {ref} cannot be approved: a normal change needs an implementation plan "
        f"and a back-out plan before it can be approved (sms-tui changes assess {ref} "
        "--implementation-plan … --backout-plan …)")
    assert dump(db_path) == before


def test_an_emergency_change_is_approved_expedited(cli):
    ref = cli.ok("changes", "new", "--title", "Block exploit", "--type", "emergency",
                 "--service", "web", "--backout-plan", "Remove the rule").strip()
    assert "approved (expedited; reviewed after implementation)" in cli.ok(
        "changes", "approve", ref, "--rationale", "Actively exploited")


def test_scheduling_over_another_change_warns_on_stderr_and_lists_the_conflict(cli):
    first = _approved(cli)
    cli.ok("changes", "schedule", first, "--start", "2030-01-05 20:00", "--end", "2030-01-05 22:00")
    second = _approved(cli)
    result = cli("changes", "schedule", second, "--start", "2030-01-05 21:00",
                 "--end", "2030-01-05 23:00")
    assert result.exit_code == 0
    assert result.stdout == f"{second}: scheduled 2030-01-05 21:00 – 2030-01-05 23:00 UTC\n"
    assert result.stderr.startswith(f"warning: {first} and {second} both touch service mail")
    [conflict] = json.loads(cli.ok("changes", "conflicts", "--format", "json"))
    assert (conflict["first"], conflict["second"]) == (first, second)
    calendar = json.loads(cli.ok("changes", "calendar", "--from", "2030-01-05", "--days", "1",
                                 "--format", "json"))
    assert [(e["ref"], e["conflicts"]) for e in calendar] == [(first, second), (second, first)]


def test_the_outcome_raises_the_effectiveness_review(cli):
    ref = _approved(cli)
    cli.ok("changes", "start", ref)
    failed = cli("changes", "outcome", ref, "failed")
    assert failed.exit_code == 1 and "investigation note" in one_error_line(failed)
    out = cli.ok("changes", "outcome", ref, "successful")
    assert out == f"{ref}: successful; now review; raised effectiveness review REV-000001\n"


def test_the_policy_command_shows_categories_and_major_impact_criteria(cli):
    out = cli.ok("changes", "policy")
    assert "emergency" in out and "3 or more services affected" in out


HOSTILE_NAME = "Svc \x1b]0;PWNED\x07 \x1b]52;c;cHduZWQ=\x07 \x1b[31mRED \x9b31m \u202eRTL [bold]x[/]"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def test_changes_targets_shows_hostile_service_and_ci_names_with_their_controls_visible(cli):
    cli.ok("service", "add", HOSTILE_NAME)
    cli.ok("ci", "add", "ci " + HOSTILE_NAME, "--service", HOSTILE_NAME)
    ref = cli.ok("changes", "new", "--title", "Patch").strip()
    out = cli.ok("changes", "targets", ref, "--service", HOSTILE_NAME, "--ci", "ci " + HOSTILE_NAME)
    assert not any(c in out for c in CONTROLS), repr(out)
    assert "␛]0;PWNED␇" in out and "[bold]x[/]" in out


def test_changes_policy_shows_hostile_config_values_with_their_controls_visible(db_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[changes.control]\nservices = ["mail", "\\u001b]0;PWNED\\u0007 \\u202e"]\n'
                      'ci_types = ["\\u001b[31mserver"]\n')
    from click.testing import CliRunner

    from sms_tui.cli import main

    result = CliRunner().invoke(main, ["--db", str(db_path), "--config", str(config), "changes",
                                       "policy"])
    assert result.exit_code == 0, result.output
    assert not any(c in result.stdout for c in CONTROLS), repr(result.stdout)
    assert "␛]0;PWNED␇" in result.stdout


def test_edit_of_an_approved_change_is_refused_in_one_line_that_says_to_withdraw_it(cli):
    ref = _approved(cli)
    line = one_error_line(cli("edit", ref, "--title", "Disable MFA for all users", "--impact", "high",
                              "--set", "backout_plan=none"))
    assert "withdraw the approval first" in line and f"sms-tui transition {ref} assessing" in line
    assert "Patch mail" in cli.ok("show", ref)
    one_error_line(cli("changes", "assess", ref, "--likelihood", "5", "--impact", "5"))
    one_error_line(cli("changes", "targets", ref, "--service", "web"))
    cli.ok("transition", ref, "assessing")
    cli.ok("edit", ref, "--title", "Disable MFA for all users")
    assert "withdrawn by" in cli.ok("changes", "show", ref)
