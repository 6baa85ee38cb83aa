"""The incident commands as an analyst scripts them: major, sla, breaches, outbox, escalate."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from sms_tui.cli import main


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()
    db = tmp_path / "desk.db"
    config = tmp_path / "config.toml"
    config.write_text('[major_incident]\ncontacts = ["cio@example.org"]\n')

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, ["--db", str(db), "--config", str(config), "--as", "ann", *args])
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        return result

    run.db, run.config = db, config
    return run


def new_incident(cli, *extra: str) -> str:
    return cli("new", "incident", "--title", "Mail down", *extra).stdout.strip()


def test_creating_a_p1_says_it_is_major_and_nags_for_a_manager(cli):
    result = cli("new", "incident", "--title", "Mail down", "--impact", "high", "--urgency", "high")
    ref = result.stdout.strip()
    assert ref == "INC-000001"  # stdout stays the reference alone, for scripts
    assert f"{ref} is a MAJOR incident: meets the major incident criteria: priority is P1" in result.stderr
    assert "no responsible manager" in result.stderr


def test_every_command_touching_the_incident_nags_until_a_manager_is_appointed(cli):
    ref = new_incident(cli, "--impact", "high", "--urgency", "high")
    assert "no responsible manager" in cli("note", ref, "checking the mail server").stderr
    assert "no responsible manager" in cli("show", ref).stdout
    appointed = cli("major", "manager", ref, "Dana")
    assert appointed.stdout.strip() == f"{ref}: major incident manager Dana"
    assert "manager" not in cli("note", ref, "bridge open").stderr


def test_declare_tick_update_and_show_the_checklist(cli):
    ref = new_incident(cli)
    declared = cli("major", "declare", ref, "--reason", "CEO cannot send mail")
    assert declared.stdout.strip() == f"{ref}: declared major (6 procedure steps)"
    ticked = cli("major", "step", ref, "open a bridge", "--note", "bridge 555-0100")
    assert ticked.stdout.strip() == f"{ref}: step 2 (Open a bridge (call or chat) for everyone working on it) done; 1 of 6 done"
    assert cli("major", "update", ref, "-m", "Failover started").stdout.startswith(f"{ref}: status update recorded")
    shown = cli("major", "show", ref).stdout
    assert "[x] 2. Open a bridge" in shown
    assert "[ ] 1. Appoint a major incident manager" in shown
    assert "update: recorded (email not set up)" in shown
    data = json.loads(cli("major", "show", ref, "--format", "json").stdout)
    assert data["steps"][1]["done_by"] == "ann"


def test_declare_without_reason_is_a_usage_error_and_writes_nothing(cli):
    ref = new_incident(cli)
    result = cli("major", "declare", ref, ok=False)
    assert result.exit_code == 2
    assert json.loads(cli("show", ref, "--format", "json").stdout)["major"] is False


def test_ticking_a_step_of_a_minor_incident_is_one_clear_error(cli):
    ref = new_incident(cli)
    result = cli("major", "step", ref, "1", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"sms-tui: error: {ref} is not a major incident; declare it major first"


def test_list_shows_sla_and_the_major_marker(cli):
    major = new_incident(cli, "--impact", "high", "--urgency", "high")
    minor = new_incident(cli, "--impact", "low", "--urgency", "low")
    rows = {r["ref"]: r for r in json.loads(cli("list", "incidents", "--format", "json").stdout)}
    assert rows[major]["major"] == "MAJOR?"
    assert rows[major]["sla_state"] == "ok"
    assert rows[major]["sla_remaining"].endswith("left")
    assert rows[minor]["major"] == ""
    table = cli("list", "incidents").stdout
    assert "MAJOR?" in table.splitlines()[1]
    assert "SLA_REMAINING" in table.splitlines()[0]


def test_breaches_and_sla_check_find_an_overdue_incident(cli, tmp_path):
    # recorded through the services a week ago; the CLI runs now
    from sms_tui.config import load_config
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    store = Store(cli.db, load_config(cli.config), actor="ann",
                  clock=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    ref = RecordService(store).create("incident", title="Old", impact="medium", urgency="medium").ref
    store.close()
    listed = json.loads(cli("breaches", "--format", "json").stdout)
    assert [(r["ref"], r["sla_state"]) for r in listed] == [(ref, "breached")]
    assert listed[0]["sla_remaining"].startswith("BREACHED")
    checked = json.loads(cli("sla", "check", "--format", "json").stdout)
    assert {r["crossed"] for r in checked} == {"respond_near", "respond_breached", "resolve_near",
                                               "resolve_breached"}
    assert cli("sla", "check").stdout.strip() == "no new SLA thresholds crossed"  # once only


def test_hierarchical_escalation_shows_in_the_queue(cli):
    ref = new_incident(cli)
    out = cli("escalate", ref, "--hierarchical", "--to", "Head of IT", "--reason", "customer furious")
    assert "level 1" in out.stdout
    [row] = json.loads(cli("list", "incidents", "--format", "json").stdout)
    assert row["escalation_level"] == 1
    assert row["escalated_to"] == "Head of IT"


def test_outbox_list_and_retry_without_smtp(cli):
    ref = new_incident(cli, "--impact", "high", "--urgency", "high")
    rows = json.loads(cli("outbox", "list", "--format", "json").stdout)
    assert [(r["ref"], r["purpose"], r["status"]) for r in rows] == [(ref, "declared", "recorded")]
    assert cli("outbox", "retry").stdout.strip().startswith("email is not configured")


def test_outbox_retry_with_the_server_down_fails_and_keeps_the_message(cli, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cli.config.write_text(
        '[major_incident]\ncontacts = ["cio@example.org"]\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\ntimeout = 5\n')
    created = cli("new", "incident", "--title", "Down", "--impact", "high", "--urgency", "high")
    assert "email not sent, will retry (see sms-tui outbox)" in created.stderr
    result = cli("outbox", "retry", ok=False)
    assert result.exit_code == 1
    assert result.stdout.strip() == "sent 0, failed 1"
    [row] = json.loads(cli("outbox", "list", "--unsent", "--format", "json").stdout)
    assert (row["status"], row["attempts"]) == ("pending", 2)
    assert row["state"] == "FAILED (2 tries), retrying"


def test_bad_sla_config_refuses_to_start_with_the_key(cli):
    cli.config.write_text('[sla.default]\nP2 = { respond = "-30m" }\n')
    result = cli("list", "incidents", ok=False)
    assert result.exit_code == 1
    assert "sla.default.P2.respond: must not be negative" in result.stderr
