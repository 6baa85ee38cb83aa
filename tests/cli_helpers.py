"""Helpers for the CLI tests: run ``sms-tui`` in-process and look at the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from sms_tui.cli import main


class Cli:
    """Runs ``sms-tui --db <path> ...`` in-process, as a user would type it."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, db: Path | str | None = None) -> Result:
        target = self.db_path if db is None else db
        return self.runner.invoke(main, ["--db", str(target), *args], input=input,
                                  prog_name="sms-tui")

    def ok(self, *args: str, input: str | None = None) -> str:
        """Run, insist on success, return stdout."""
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result.stdout


def dump(path: Path) -> list[str]:
    """Every row of every table, as SQL text: equal dumps mean nothing was written."""
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def one_error_line(result: Result) -> str:
    """The single stderr line of a failed command (fails the test if there are more)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sms-tui: error: "), lines[0]
    assert result.stdout == "", result.stdout
    return lines[0]
