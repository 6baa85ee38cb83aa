"""Helpers for tests that run sms-tui in a child process, as a user or a cron job would."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path


def cli_command() -> list[str]:
    """The installed ``sms-tui`` script next to this Python, else the same entry point via -c."""
    script = Path(sys.executable).parent / "sms-tui"
    if script.exists():
        return [str(script)]
    found = shutil.which("sms-tui")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from sms_tui.cli import main; sys.exit(main())"]


def run_cli(*args: str, env: dict | None = None, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    """Run ``sms-tui ARGS`` in a child process; returns the completed process (text mode)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*cli_command(), *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout, **kw)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit 1, exactly one line on stderr containing each fragment, no traceback, nothing on stdout."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""
    return lines[0]


def integrity_ok(db: Path) -> bool:
    """``PRAGMA integrity_check`` says ok and ``foreign_key_check`` finds nothing."""
    con = sqlite3.connect(db)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return ok and con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
