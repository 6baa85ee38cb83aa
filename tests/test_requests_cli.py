"""The request subcommands: catalogue, instructions, approvals, satisfaction from a shell."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import Cli, dump, one_error_line


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


def test_requests_help_lists_every_subcommand(cli):
    out = cli.ok("requests", "--help")
    for name in ("types", "type", "type-set", "new", "steps", "tick", "approve", "reject",
                 "satisfaction", "close"):
        assert f"  {name} " in out


def test_types_lists_the_seeded_catalogue_as_json(cli):
    types = {t["name"]: t for t in json.loads(cli.ok("requests", "types", "--format", "json"))}
    assert types["password-reset"]["priority"] == "P2"
    assert types["new-account"]["approval"] == "yes"
    assert types["password-reset"]["instructions"][0].startswith("Verify")


def test_type_set_adds_a_type_with_its_steps_in_order(cli):
    cli.ok("requests", "type-set", "vpn-token", "--title", "VPN token", "--sla-hours", "8",
           "--step", "Check the role", "--step", "Issue the token", "--approval")
    out = cli.ok("requests", "type", "vpn-token")
    assert "1. Check the role" in out and "2. Issue the token" in out
    assert "approval: needed" in out


def test_a_request_shows_its_instructions_and_ticks(cli):
    ref = cli.ok("requests", "new", "password-reset", "--title", "Reset for Dana").strip()
    assert ref == "REQ-000001"
    assert cli.ok("requests", "tick", ref, "1") == f"{ref}: step 1 done (1/4 done)\n"
    out = cli.ok("show", ref)
    assert "[x] 1. Verify the caller's identity" in out
    assert "[ ] 2. Reset the password" in out
    assert "Fulfilment instructions (1/4 done)" in out


def test_show_names_the_request_type_once(cli):
    ref = cli.ok("requests", "new", "password-reset", "--title", "Reset for Dana").strip()
    out = cli.ok("show", ref)
    assert out.count("request type: ") == 1 and "request_type" not in out
    assert "(password-reset)" in out


def test_an_approval_is_recorded_before_fulfilment(cli):
    ref = cli.ok("requests", "new", "new-account", "--title", "Account for Bo").strip()
    refused = cli("requests", "tick", ref, "1")
    assert refused.exit_code == 1
    assert "awaiting approval" in one_error_line(refused)
    out = cli.ok("requests", "approve", ref, "--rationale", "Manager asked", "--approver", "carol")
    assert "approved by carol" in out and "now in_progress" in out
    assert "decision: approved by carol" in cli.ok("requests", "steps", ref)


def test_an_approval_without_a_rationale_is_a_usage_error(cli):
    ref = cli.ok("requests", "new", "new-account", "--title", "Account").strip()
    assert cli("requests", "approve", ref).exit_code == 2


def test_a_request_is_closed_with_a_satisfaction_score(cli):
    ref = cli.ok("requests", "new", "information", "--title", "How to VPN").strip()
    cli.ok("requests", "tick", ref, "1")
    cli.ok("requests", "tick", ref, "2")
    cli.ok("transition", ref, "fulfilled")
    assert cli.ok("requests", "close", ref, "--score", "4", "--comment", "fine") == \
        f"{ref}: closed (satisfaction 4/5)\n"
    record = json.loads(cli.ok("show", ref, "--format", "json"))
    assert record["satisfaction_score"] == 4 and record["status"] == "closed"


def test_a_score_out_of_range_is_refused_and_writes_nothing(cli, db_path):
    ref = cli.ok("requests", "new", "information", "--title", "Q").strip()
    before = dump(db_path)
    assert cli("requests", "satisfaction", ref, "9").exit_code == 2
    assert dump(db_path) == before


def test_new_request_with_a_type_takes_the_types_priority_unless_told_otherwise(cli):
    typed = cli.ok("new", "request", "--title", "Reset for Dana", "--type", "password-reset").strip()
    told = cli.ok("new", "request", "--title", "Reset for Sam", "--type", "password-reset",
                  "--impact", "low", "--urgency", "low").strip()
    plain = cli.ok("new", "request", "--title", "A question", "--type", "other").strip()

    assert json.loads(cli.ok("show", typed, "--format", "json"))["priority"] == "P2"
    assert "Fulfilment instructions (0/4 done)" in cli.ok("show", typed)
    assert json.loads(cli.ok("show", told, "--format", "json"))["priority"] == "P5"
    assert json.loads(cli.ok("show", plain, "--format", "json"))["priority"] == "P3"


def test_a_refusal_names_the_cli_command_that_resolves_it(cli):
    ref = cli.ok("requests", "new", "new-account", "--title", "Account for Bo").strip()
    refused = cli("transition", ref, "in_progress")
    assert refused.exit_code == 1
    assert f"sms-tui requests approve {ref} --rationale" in one_error_line(refused)


def test_a_request_on_hold_says_its_fulfil_by_clock_is_paused(cli):
    """Its first due time no longer holds once the clock pauses: a request that waited on hold
    (or for approval) is not late by that wait."""
    ref = cli.ok("requests", "new", "password-reset", "--title", "Reset for Dana").strip()
    assert "fulfil by: 20" in cli.ok("show", ref)
    cli.ok("transition", ref, "on_hold", "--note", "Waiting for the user")
    assert "fulfil by: the clock is paused while it is on hold" in cli.ok("show", ref)
