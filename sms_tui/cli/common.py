"""Shared pieces of the CLI: the store on demand, output formats, errors."""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click

from ..domain.bounds import MAX_DB_INT, check_date, is_ascii_integer
from ..domain.errors import ValidationError
from ..domain.text import json_text, one_line, spreadsheet_cell

MAX_ERROR = 1000  # an error line quoting a 5,000-digit reference is cut here

# How the command line does what an ActionRequired refusal asks for ({ref} is filled in).
ACTION_COMMANDS = {
    ("REQ", "approve"): "sms-tui requests approve {ref} --rationale …",
    ("REQ", "reject"): "sms-tui requests reject {ref} --rationale …",
    ("CHG", "approve"): "sms-tui changes approve {ref} --rationale …",
    ("CHG", "reject"): "sms-tui changes reject {ref} --rationale …",
    ("CHG", "outcome"): "sms-tui changes outcome {ref} <outcome>",
    ("CMP", "outcome"): "sms-tui complaints resolve {ref} --outcome …",
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
    click.echo(f"sms-tui: error: {one_line(message, MAX_ERROR)}", err=True)
    sys.exit(code)


class DeskLocation(click.ParamType):
    """``--db``: a file path (the SQLite desk), or a ``postgresql://`` URL kept as text."""

    name = "PATH|URL"

    def convert(self, value, param, ctx):
        from ..storage.url import desk_location, is_server_url

        if isinstance(value, Path) or (isinstance(value, str) and is_server_url(value.strip())):
            return value.strip() if isinstance(value, str) else value
        from ..domain.errors import ConfigError

        try:
            desk_location(value)  # another URL is refused, not made a folder
        except ConfigError as exc:
            from_env = ctx is not None and param is not None and param.name is not None and \
                ctx.get_parameter_source(param.name) is click.core.ParameterSource.ENVIRONMENT
            if from_env:  # "Invalid value for '--db'" when no --db was given
                raise click.BadParameter(str(exc), ctx=ctx, param_hint="SMS_TUI_DB") from None
            self.fail(str(exc), param, ctx)
        location = click.Path(dir_okay=False, path_type=Path).convert(value, param, ctx)
        return desk_location(str(location)) if not isinstance(location, Path) else location


@dataclass
class AppContext:
    db_path: Path | str | None = None
    config_path: Path | None = None
    actor: str | None = None
    _store: Any = field(default=None, repr=False)
    wrote_quickly: bool = False  # written with the standard library, without the store

    def store(self):
        """Open (create and migrate) the database on first use."""
        if self._store is None:
            from ..services.core.store import open_store

            self._store = open_store(self.db_path, self.config_path, self.actor)
        return self._store

    def wrote(self) -> bool:
        """Whether the command has written to the desk (a transaction committed)."""
        return self.wrote_quickly or (self._store is not None and getattr(self._store, "writes", 0) > 0)

    def said_created(self) -> None:
        """After a command that worked: if it created the desk (a typo in --db made a new,
        empty one, and 'list' answered '(none)'), say so on stderr. A refused command says
        only why (one line). Not "empty": the command may have filled it (``demo``)."""
        if self._store is not None and getattr(self._store, "created", False):
            click.echo(f"sms-tui: created a new desk at {self._store.path}", err=True)

    def close(self) -> None:
        """Close the database if it was opened (the last connection tidies up the WAL)."""
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext)

class Int(click.IntRange):
    """A whole number of ASCII digits within bounds (by default what SQLite can store).

    Click's own INT takes ``int()``'s word: Arabic-Indic digits, and 5,000-digit
    values that overflow SQLite later with a traceback.
    """

    def __init__(self, min: int | None = None, max: int | None = MAX_DB_INT) -> None:  # noqa: A002
        super().__init__(min=min, max=MAX_DB_INT if max is None else max)
        if min is None:
            self.min = -MAX_DB_INT - 1

    def _describe_range(self) -> str:
        if self.max == MAX_DB_INT and self.min is not None and self.min > -MAX_DB_INT - 1:
            return f"x>={self.min}"  # not the 19-digit ceiling nobody means
        return super()._describe_range()

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not (
                is_ascii_integer(value) and len(value.strip().lstrip("+-").lstrip("0")) <= 19):
            self.fail(f"{one_line(value, 40)!r} is not a whole number ({self._describe_range()})",
                      param, ctx)
        return super().convert(value, param, ctx)


class When(click.DateTime):
    """click.DateTime limited to the dates :func:`check_date` accepts (1900 to 8999)."""

    def convert(self, value, param, ctx):
        when = super().convert(value, param, ctx)
        try:
            return check_date(when)
        except ValidationError as exc:
            self.fail(str(exc), param, ctx)


FORMATS = click.Choice(["table", "json", "csv"])


def emit_rows(rows: list[dict[str, Any]], fmt: str, columns: list[str]) -> None:
    """Print rows as an aligned table or CSV (controls made visible, no formulas), or JSON."""
    if fmt == "json":
        click.echo(json_text(rows, indent=2, default=str))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows)
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
