"""The ``sms-tui`` console script: straight to the TUI when there is no command.

``sms-tui`` alone (with at most ``--db``, ``--config`` and ``--as``) opens the
terminal UI without loading click and the command line's modules first: the
analyst's first frame comes ~40 ms sooner (issue 9). Everything else -- a
command, ``--help``, ``--version``, anything unusual -- goes to the click
command line in :mod:`sms_tui.cli`, which handles the TUI the same way.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

OPTIONS = {"--db": "db_path", "--config": "config_path", "--as": "actor"}


def tui_options(argv: list[str]) -> SimpleNamespace | None:
    """The TUI's options if ``argv`` asks for the TUI and nothing else, else None."""
    found: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name not in OPTIONS or OPTIONS[name] in found:
            return None
        if not eq:
            value = next(args, None)
            if value is None or value.startswith("-"):
                return None  # click says what is missing
        if not value:
            return None
        found[OPTIONS[name]] = value
    from .storage.url import desk_location

    return SimpleNamespace(db_path=desk_location(found["db_path"]) if "db_path" in found else None,
                           config_path=Path(found["config_path"]) if "config_path" in found else None,
                           actor=found.get("actor"))


def _closed_streams() -> None:
    """A command started with a standard stream closed (``>&-``, ``2>&-``, ``<&-``): Python
    gives it None for it, and the first use was a traceback. With its output closed, a
    command's answer has nowhere to go: one line, exit 1, nothing done. A closed error
    output only loses what would be said there (the exit status still tells); a closed
    input reads as empty."""
    import os

    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - for the process's life
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - likewise
    if sys.stdout is None:
        print("sms-tui: error: standard output is closed: nothing was done", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)


def main() -> None:
    _closed_streams()
    from .domain.errors import DeskError

    try:
        options = tui_options(sys.argv[1:])
    except DeskError as exc:  # --db naming something that is not a desk (storage.url)
        from .domain.text import one_line

        with contextlib.suppress(OSError):
            print(f"sms-tui: error: --db: {one_line(str(exc))}", file=sys.stderr)
        sys.exit(2)
    if options is None:
        from .cli import main as cli_main

        cli_main(prog_name="sms-tui")
        return
    restore_flow_keys = _take_flow_keys()
    try:
        _run_tui(options)
    finally:
        restore_flow_keys()


def _take_flow_keys() -> Callable[[], None]:
    """ctrl+s and ctrl+q typed before the desk is up reach it as keys (a save, a quit), not
    as the terminal's XOFF and XON: the terminal took a ctrl+s typed the moment after
    ``sms-tui`` Enter (output stopped, the key lost: the form typed ahead was not saved)
    until Textual, ~0.3 s later, put it in raw mode. Flow control (IXON) is turned off as
    the process starts, and the terminal's settings as they were are put back as it ends
    (Textual puts back those it found: these). Returns what puts them back."""
    try:
        import termios
    except ImportError:  # not a POSIX system
        return lambda: None
    try:
        fd = sys.stdin.fileno()
        if not sys.stdin.isatty():
            return lambda: None
        before = termios.tcgetattr(fd)
        if not before[0] & termios.IXON:
            return lambda: None
        changed = list(before)
        changed[0] &= ~termios.IXON
        termios.tcsetattr(fd, termios.TCSANOW, changed)
    except (OSError, ValueError, AttributeError, termios.error):  # no terminal to speak of
        return lambda: None

    def restore() -> None:
        with contextlib.suppress(OSError, termios.error):  # a hung-up terminal: nothing to restore
            termios.tcsetattr(fd, termios.TCSANOW, before)

    return restore


def _run_tui(options: SimpleNamespace) -> None:
    from .domain.errors import DeskError
    from .domain.text import one_line
    from .ui.run import DeskStopped, run_tui

    try:
        run_tui(options)
    except DeskError as exc:
        with contextlib.suppress(OSError):  # stderr may be gone (a hung-up terminal)
            said = "" if isinstance(exc, DeskStopped) else "error: "  # a stop, not an error
            print(f"sms-tui: {said}{one_line(str(exc))}", file=sys.stderr)
        sys.exit(exc.status if isinstance(exc, DeskStopped) else 1)
    except KeyboardInterrupt:
        print("sms-tui: interrupted", file=sys.stderr)
        sys.exit(130)
