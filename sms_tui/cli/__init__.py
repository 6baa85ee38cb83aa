"""The ``sms-tui`` command: the TUI when run bare, scriptable subcommands otherwise.

Subcommands never import Textual (they must start fast for cron and hooks);
the TUI is imported only when no subcommand is given.

Every error a user can cause ends with exit status 1 (2 for bad usage) and
one line on stderr; nothing is written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..domain.errors import DeskError
from .common import AppContext, DeskLocation, error_message, fail


def command_modules() -> tuple[Any, ...]:
    """The modules that add subcommands to ``main``, in the order they register;
    each defines ``register(main)``.

    Imported when a command is first looked up, not at import, so the TUI (no
    command) loads none of them before its first paint (issue 9); with plain import
    statements, so import-linter's contracts see them. All are loaded then: some act
    on every command (incidents adds the major-incident reminders as a result callback).
    """
    from . import (
        admin,
        catalogue,
        changes,
        contacts,
        demo,
        documents,
        incidents,
        mail,
        problems,
        records,
        reports,
        requests,
        reviews,
        security,
    )

    return (records, catalogue, admin, incidents, reviews, demo, requests, problems, changes, reports,
            documents, security, contacts, mail)


def _usage_line(exc: click.UsageError) -> str:
    """Click's usage error as one line, with where to find help."""
    where = exc.ctx.command_path if exc.ctx else "sms-tui"
    return f"{exc.format_message()} (see '{where} --help')"


class DeskGroup(click.Group):
    """Turns every DeskError into one clear line on stderr and exit status 1,
    and every usage error into one line and exit status 2."""

    _registered: set[str] = set()

    def _register(self) -> None:
        for module in command_modules():
            if module.__name__ not in self._registered:
                self._registered.add(module.__name__)
                module.register(self)

    def list_commands(self, ctx):
        self._register()
        return super().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        self._register()
        return super().get_command(ctx, cmd_name)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            fail(_usage_line(exc), 2)
        except OSError as exc:  # --help or --version written to /dev/full, a full disk
            _os_failed(exc)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """As click's, but the ``sms-tui`` script leaves without Python's teardown.

        Freeing SQLAlchemy's and pydantic's objects one by one at interpreter
        exit takes about 0.1 s -- a fifth of a short command (issue 9). When
        run as the console script (no ``args``: from ``sys.argv``) and a
        subcommand has finished, its output is flushed, the database closed
        (``call_on_close``), and the process ends at once with its exit status.
        Tests calling ``main([...])`` or CliRunner get click's ordinary exit.
        """
        if args is not None or not standalone_mode or len(sys.argv) < 2:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            super().main(args, prog_name, complete_var, standalone_mode, **extra)
            code = 0
        except SystemExit as exc:
            code = exc.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        _leave_now(code or 0)

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # output to a full disk or /dev/full fails here, not silently at exit
            app = ctx.find_object(AppContext)
            if app is not None:
                app.said_created()
            return result
        except click.UsageError as exc:
            fail(_usage_line(exc), 2)
        except DeskError as exc:
            fail(error_message(exc))
        except KeyboardInterrupt:
            click.echo("sms-tui: interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except click.ClickException as exc:  # e.g. a FileError raised by click itself
            fail(exc.format_message(), exc.exit_code)
        except OSError as exc:
            app = ctx.find_object(AppContext)
            _os_failed(exc, saved=app is not None and app.wrote())
        except Exception as exc:
            # A bug, not the user's doing: still one line and no traceback (set
            # SMS_TUI_DEBUG=1 to see it); tests look for this wording.
            if os.environ.get("SMS_TUI_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (please report it; "
                 "SMS_TUI_DEBUG=1 shows where)")


@click.group(cls=DeskGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", type=DeskLocation(), envvar="SMS_TUI_DB",
              help="SQLite database file (default: in the user data dir), or a "
                   "postgresql://user@host/dbname URL for a team desk.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="SMS_TUI_CONFIG", help="Config TOML (default: in the user config dir).")
@click.option("--as", "actor", metavar="NAME", envvar="SMS_TUI_USER",
              help="Who is acting, for the journal (default: the OS user).")
@click.version_option(package_name="sms-tui")
@click.pass_context
def main(ctx: click.Context, db_path: Path | str | None, config_path: Path | None, actor: str | None):
    """sms-tui: a keyboard-driven service desk on a local SQLite file.

    Run without a command to open the terminal UI.
    """
    quiet_libraries()
    ctx.obj = AppContext(db_path=db_path, config_path=config_path, actor=actor)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from ..ui.run import run_tui  # Textual is imported only here

        try:
            run_tui(ctx.obj)
        except DeskError as exc:
            fail(str(exc))


def quiet_libraries() -> None:
    """The libraries' log records go nowhere unless a handler is set (SMS_TUI_LOG, a test):
    with none, Python wrote their warnings on stderr -- psycopg's "error ignored terminating
    <psycopg.Pipeline …>: pipeline aborted" fourteen times before an import's refusal. What the
    desk has to say, it says itself, in one line."""
    import logging

    root = logging.getLogger()
    if not any(isinstance(handler, logging.NullHandler) for handler in root.handlers):
        root.addHandler(logging.NullHandler())


def _os_failed(exc: OSError, saved: bool = False) -> None:
    """The system refused (a full disk, /dev/full, a closed pipe...): one line, exit 1.
    ``saved``: the command wrote to the desk before its output failed -- said, so that it is
    not run again (a second incident, a second note)."""
    import errno

    from ..domain.text import one_line
    from ..storage.engine import os_error_text

    if isinstance(exc, BrokenPipeError):  # sms-tui list | head: the reader has all it wants
        _drop_stdout()
        sys.exit(0)
    if exc.filename is not None:  # a file the command itself opened
        fail(f"{one_line(str(exc.filename), 200)}: {os_error_text(exc)}")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE):
        _drop_stdout()  # the exit would try to flush it again and fail a second time
        fail(f"cannot write the output: {os_error_text(exc)}" + (
            "; the desk was changed all the same: check before running the command again"
            if saved else ""))
    fail(f"system error: {os_error_text(exc)}")


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the exit flush does not fail a second time."""
    import contextlib

    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _leave_now(code: int) -> None:
    import contextlib
    import logging

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (sms-tui list | head)
            stream.flush()
    logging.shutdown()
    os._exit(code)
