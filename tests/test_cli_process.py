"""The real executable: ``python -m sms_tui`` in a child process, as cron or a hook runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SMS_TUI_USER": "cron", "NO_COLOR": "1", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "sms_tui", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_a_script_records_an_incident_and_reads_it_back(db_path):
    created = run("--db", str(db_path), "new", "incident", "--title", "Disk 95% full on nas-01",
                  "--impact", "medium", "--urgency", "high")

    assert created.returncode == 0, created.stderr
    ref = created.stdout.strip()
    assert ref == "INC-000001"
    listed = run("--db", str(db_path), "list", "incidents", "--format", "json")
    rows = json.loads(listed.stdout)
    assert [(r["ref"], r["priority"], r["status"]) for r in rows] == [(ref, "P2", "new")]
    shown = json.loads(run("--db", str(db_path), "show", ref, "--format", "json").stdout)
    assert shown["journal"][0]["actor"] == "cron"


@pytest.mark.fresh_desk
def test_the_database_can_come_from_the_environment(db_path):
    created = run("new", "request", "--title", "New laptop", "--type", "other", env_extra={"SMS_TUI_DB": str(db_path)})

    assert created.returncode == 0, created.stderr
    assert db_path.exists()


def test_a_failing_command_exits_1_with_one_line_on_stderr(db_path):
    result = run("--db", str(db_path), "show", "INC-000404")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["sms-tui: error: no record INC-000404"]


@pytest.mark.fresh_desk
def test_a_usage_error_exits_2_with_one_line(db_path):
    result = run("--db", str(db_path), "new", "incident", "--title", "x", "--impact", "huge")

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert not db_path.exists()  # refused before the database was even opened


@pytest.mark.parametrize("args", [
    ["list", "incidents"],
    ["new", "incident", "--title", "x"],
    ["show", "INC-000001"],
    ["service", "list"],
    ["--help"],
])
def test_cli_subcommands_never_import_textual(db_path, args):
    # Textual is the slow part of start-up; the scriptable CLI must not load it.
    code = textwrap.dedent(f"""
        import sys
        from sms_tui.cli import main
        try:
            main({["--db", str(db_path), *args]!r}, prog_name="sms-tui")
        except SystemExit:
            pass
        loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
        print("TEXTUAL:", loaded)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)

    assert "TEXTUAL: []" in result.stdout, result.stdout + result.stderr


def test_the_installed_sms_tui_command_runs(db_path):
    # the console script pip installs next to the interpreter
    script = Path(sys.executable).parent / "sms-tui"
    result = subprocess.run([str(script), "--db", str(db_path), "new", "problem", "--title",
                             "Backups fail twice a week"], capture_output=True, text=True,
                            timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "PRB-000001\n"
