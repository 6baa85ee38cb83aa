"""The ``sms-tui`` command: the TUI when run bare, scriptable subcommands otherwise.

Subcommands never import Textual (they must start fast for cron and hooks);
the TUI is imported only when no subcommand is given.

Every error a user can cause ends with exit status 1 (2 for bad usage) and
one line on stderr; nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..domain.errors import DeskError
from .common import AppContext, fail

# Modules that add subcommands to ``main``; each defines ``register(main)``.
COMMAND_MODULES = ("records", "catalogue", "admin", "incidents", "reviews", "demo",
                   "requests", "problems", "changes", "reports")


def _usage_line(exc: click.UsageError) -> str:
    """Click's usage error as one line, with where to find help."""
    where = exc.ctx.command_path if exc.ctx else "sms-tui"
    return f"{exc.format_message()} (see '{where} --help')"


class DeskGroup(click.Group):
    """Turns every DeskError into one clear line on stderr and exit status 1,
    and every usage error into one line and exit status 2."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            fail(_usage_line(exc), 2)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            fail(_usage_line(exc), 2)
        except DeskError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            click.echo("sms-tui: interrupted", err=True)
            sys.exit(130)


@click.group(cls=DeskGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="SMS_TUI_DB", help="SQLite database file (default: in the user data dir).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="SMS_TUI_CONFIG", help="Config TOML (default: in the user config dir).")
@click.option("--as", "actor", metavar="NAME", envvar="SMS_TUI_USER",
              help="Who is acting, for the journal (default: the OS user).")
@click.version_option(package_name="sms-tui")
@click.pass_context
def main(ctx: click.Context, db_path: Path | None, config_path: Path | None, actor: str | None):
    """sms-tui: a keyboard-driven service desk on a local SQLite file.

    Run without a command to open the terminal UI.
    """
    ctx.obj = AppContext(db_path=db_path, config_path=config_path, actor=actor)
    if ctx.invoked_subcommand is None:
        from ..ui.run import run_tui  # Textual is imported only here

        try:
            run_tui(ctx.obj)
        except DeskError as exc:
            fail(str(exc))


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(main)


_register()
