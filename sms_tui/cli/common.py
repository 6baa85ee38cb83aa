"""Shared pieces of the CLI: the store on demand, output formats, errors."""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click

from ..domain.text import one_line

# How the command line does what an ActionRequired refusal asks for ({ref} is filled in).
ACTION_COMMANDS = {
    ("REQ", "approve"): "sms-tui requests approve {ref} --rationale …",
    ("REQ", "reject"): "sms-tui requests reject {ref} --rationale …",
    ("CHG", "approve"): "sms-tui changes approve {ref} --rationale …",
    ("CHG", "reject"): "sms-tui changes reject {ref} --rationale …",
    ("CHG", "outcome"): "sms-tui changes outcome {ref} <outcome>",
}


def error_message(exc: Exception) -> str:
    """A service's refusal as the command line says it: with the command that resolves it."""
    from ..domain.errors import ActionRequired

    message = str(exc)
    if isinstance(exc, ActionRequired):
        command = ACTION_COMMANDS.get((exc.ref.split("-", 1)[0], exc.action))
        if command:
            message += f": {command.format(ref=exc.ref)}"
    hint = getattr(exc, "cli_hint", "")
    return f"{message} ({hint})" if hint else message


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, then exit non-zero."""
    click.echo(f"sms-tui: error: {one_line(message)}", err=True)
    sys.exit(code)


@dataclass
class AppContext:
    db_path: Path | None = None
    config_path: Path | None = None
    actor: str | None = None
    _store: Any = field(default=None, repr=False)

    def store(self):
        """Open (create and migrate) the database on first use."""
        if self._store is None:
            from ..services.store import open_store

            self._store = open_store(self.db_path, self.config_path, self.actor)
        return self._store

    def close(self) -> None:
        """Close the database if it was opened (the last connection tidies up the WAL)."""
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext)

FORMATS = click.Choice(["table", "json", "csv"])


def emit_rows(rows: list[dict[str, Any]], fmt: str, columns: list[str]) -> None:
    """Print rows as an aligned table (controls made visible), JSON or CSV."""
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
        return
    if not rows:
        click.echo("(none)")
        return
    cells = [[one_line(str(r.get(c, "")), 60) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
