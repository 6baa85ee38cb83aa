"""Entry point of the TUI from the ``sms-tui`` command (no subcommand)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..domain.errors import DeskError

if TYPE_CHECKING:
    from ..cli.common import AppContext


def run_tui(app_ctx: AppContext | Any) -> None:
    """Run the desk; a start-up problem (bad config, bad database) raises one-line DeskError.

    ``app_ctx`` has ``db_path``, ``config_path`` and ``actor`` (None: the defaults):
    the CLI's context, or the console script's options (:mod:`sms_tui.entry`).

    The config is read before the first paint (it is small, and a broken one
    should stop us before the screen flashes); the database is opened by the
    app after its first paint.
    """
    from ..config import config_is_required, load_config
    from ..paths import current_user, default_config_path, default_db_path
    from ..timing import timer_scale
    from .app import DeskApp, stopped_message

    timer_scale()  # a bad SMS_TUI_TIMER_SCALE is one line now, not a crash at the first timer
    _log_to_file()
    config = load_config(app_ctx.config_path or default_config_path(),
                         required=config_is_required(app_ctx.config_path))
    # [keys] was checked with the rest of the file (sms_tui.key_bindings), by load_config
    _need_a_terminal()
    app = DeskApp(db_path=app_ctx.db_path or default_db_path(), config=config,
                  actor=app_ctx.actor or current_user())
    app.run()
    app.ended()
    if app.signalled:  # SIGTERM, SIGHUP: the drafts were written, the terminal restored
        raise DeskStopped(stopped_message(app.signalled, app._drafts_kept()), 128 + app.signalled)
    if app.crash is not None:
        from ..crashlog import crash_line

        raise DeskError(crash_line(*app.crash))
    if app.startup_error:
        raise DeskError(app.startup_error)
    if app.return_code:  # Textual ended it with an error we did not see: never exit 0
        raise DeskError(f"the desk stopped with status {app.return_code}")
    left = app.drafts_left()  # quit (q, ctrl+q) with text typed and not saved: said, and where
    if left:
        import sys

        print(f"sms-tui: {left}", file=sys.stderr)


class DeskStopped(DeskError):
    """The desk was stopped by a signal: the one line, and 128 + the signal as the status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _need_a_terminal() -> None:
    """The desk draws on the terminal it reads keys from. Started with its input, output or
    error output elsewhere (from cron, ``< /dev/null``, ``| cat``, ``2> file``), it drew into
    a file, waited for keys that could not come, or hung with the terminal left in raw
    mode: one line instead, and the commands, which need no terminal."""
    import contextlib
    import sys

    streams = (("input", sys.stdin), ("output", sys.stdout), ("error output", sys.stderr))
    elsewhere = [name for name, stream in streams if not _is_terminal(stream)]
    if elsewhere:
        raise DeskError(f"the desk needs a terminal, and its {' and '.join(elsewhere)} "
                        f"{'is' if len(elsewhere) == 1 else 'are'} not one; the commands work "
                        "without one (sms-tui --help)")
    import os

    if os.environ.get("TERM", "").strip().lower() in ("dumb", "unknown"):
        raise DeskError(f"TERM={os.environ['TERM'].strip()} cannot move the cursor, so it cannot show "
                        "the desk; set TERM to your terminal's type (e.g. xterm-256color), or use "
                        "the commands (sms-tui --help)")
    # COLUMNS and LINES exported by a shell or a wrapper script outrank the terminal's own
    # size in Textual (shutil.get_terminal_size), at start and after every resize: a stale
    # COLUMNS=40 drew the desk in a corner of an 80-column terminal for the whole session.
    # The terminal knows its size; the desk asks it.
    with contextlib.suppress(OSError):
        os.get_terminal_size(sys.stdout.fileno())
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (OSError, ValueError):  # closed
        return False


def _log_to_file() -> None:
    """``SMS_TUI_LOG=FILE``: the TUI's log (timer ticks, worker errors) goes to FILE (0600).

    Without it, log records go nowhere: the terminal belongs to the desk, and a
    crash has its own log (:mod:`sms_tui.crashlog`).
    """
    import errno
    import logging
    import os

    target = os.environ.get("SMS_TUI_LOG")
    logger = logging.getLogger("sms_tui")
    # the scheduler's library logs too (a check skipped while the one before still runs):
    # with no handler, Python wrote its warnings on the terminal as the desk ended
    scheduler = logging.getLogger("apscheduler")
    scheduler.propagate = False
    if not target:
        for each in (logger, scheduler):
            each.addHandler(logging.NullHandler())
            each.propagate = False
        return
    import stat

    from ..storage.engine import file_kind

    try:
        # without waiting: a FIFO held the desk's start until someone read it (a blank screen)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        what = "a FIFO nobody reads" if exc.errno == errno.ENXIO else exc.strerror or exc
        raise DeskError(f"cannot write the log file SMS_TUI_LOG={target}: {what}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # a FIFO, a device (the terminal itself): not a log file
        os.close(fd)
        raise DeskError(f"SMS_TUI_LOG={target} is {file_kind(mode)}, not a file: give a file")
    stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    scheduler.addHandler(handler)
    scheduler.setLevel(logging.WARNING)  # not its "Running job" line at every tick
