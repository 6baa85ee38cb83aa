"""When the TUI meets an error nobody expected: the traceback goes to a private file.

The analyst gets one line naming the file (and a non-zero exit status); the
file (0600, in the state folder, see :func:`sms_tui.paths.state_dir`) holds
what a developer needs: the traceback, the versions, the time. Writing it
never raises: a crash while reporting a crash would lose both.
"""

from __future__ import annotations

import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from .domain.text import one_line


def write_crash_log(exc: BaseException) -> tuple[Path | None, str]:
    """Write ``exc`` with its traceback to a new 0600 file; (path or None, why not)."""
    from .paths import private_dir, state_dir

    now = datetime.now(UTC)
    try:
        folder = private_dir(state_dir())
        path = folder / f"crash-{now:%Y%m%d-%H%M%S}-{os.getpid()}.log"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
            out.write(_report(exc, now))
        return path, ""
    except Exception as err:  # full disk, read-only home: say so in the one line instead
        return None, one_line(f"{type(err).__name__}: {err}")


def _report(exc: BaseException, now: datetime) -> str:
    from importlib import metadata

    versions = []
    for package in ("sms-tui", "textual", "rich", "sqlalchemy", "sqlmodel", "apscheduler"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except Exception:
            versions.append(f"{package} ?")
    lines = [
        "sms-tui crash report",
        f"time: {now.isoformat()}",
        f"python: {sys.version.split()[0]} on {platform.platform()}",
        f"versions: {', '.join(versions)}",
        f"argv: {sys.argv!r}",
        "",
        *traceback.format_exception(exc),
    ]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def crash_line(exc: BaseException, path: Path | None, why_not: str) -> str:
    """The one line the analyst reads."""
    what = one_line(f"{type(exc).__name__}: {exc}")[:200]
    where = f"details in {path}" if path else f"no crash log could be written ({why_not})"
    return f"the desk stopped on an unexpected error ({what}); {where}"
