"""Files the program writes for the user (reports, exports): private, whole, and only where safe.

* A report or export reaches its name only complete (written beside it, then
  renamed), and mode 0600 whatever the umask; folders made on the way are 0700.
* The name must be absent or a regular file: ``os.replace`` over a device, a
  FIFO or a symlink would replace *it* (as root, ``export -o /dev/full`` once
  turned the device into a file).
* A full disk says so, and leaves nothing half-written behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .domain.errors import DeskError
from .storage.engine import file_kind, make_private_dirs, os_error_text


class OutputError(DeskError):
    """A file the user asked for cannot be written (the message says why)."""


def check_target(path: Path) -> None:
    """Refuse ``path`` unless it is absent or a regular file (symlinks are not followed)."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_error_text(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"cannot write {path}: it is {file_kind(info.st_mode)}; sms-tui only "
                          "creates new files or replaces regular files")


@contextlib.contextmanager
def atomic_text(path: Path, newline: str | None = None) -> Iterator[TextIO]:
    """A text file that appears at ``path`` (0600) only when the ``with`` block ends well."""
    path = Path(path)
    check_target(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        # a file where the folder should be (or above it) is not a folder that "does not exist"
        blocker = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()),
                       None)
        if blocker is not None:
            raise OutputError(f"cannot write {path}: {blocker} is a file, not a folder")
        raise OutputError(f"cannot write {path}: folder {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_error_text(exc)}") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        check_target(path)  # still safe to replace (nothing was put there meanwhile)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {os_error_text(exc)}; nothing was written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, content: str, newline: str | None = "") -> None:
    """Write ``content`` to ``path`` atomically and privately (see :func:`atomic_text`)."""
    with atomic_text(path, newline=newline) as fh:
        fh.write(content)


def private_folder(path: Path) -> bool:
    """Make ``path`` (and missing parents) 0700 if absent; True when it was created here."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"cannot use folder {path}: {os_error_text(exc)}") from None
    if info is not None:
        if not stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{path} is {file_kind(info.st_mode)}; a folder is needed here")
        return False
    try:
        make_private_dirs(path)
    except OSError as exc:
        raise OutputError(f"cannot create folder {path}: {os_error_text(exc)}") from None
    return True


def private_file(path: Path, newline: str | None = "") -> TextIO:
    """Open ``path`` for writing (created 0600, or a regular file truncated and made 0600)."""
    check_target(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_error_text(exc)}") from None
    return os.fdopen(fd, "w", encoding="utf-8", newline=newline)


MAX_INPUT = 1 << 30  # an export of a million records is well under this


def check_input_file(path: Path, what: str = "file", limit: int = MAX_INPUT) -> None:
    """Refuse to read ``path`` unless it is a regular file of sensible size.

    A FIFO would block, a device such as /dev/zero or /dev/full never ends
    (read() fills the memory), and /proc files claim to be empty.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {os_error_text(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"cannot read {path}: it is {file_kind(info.st_mode)}, not a {what}")
    if info.st_size > limit:
        raise OutputError(f"cannot read {path}: {info.st_size} bytes is too big for a {what}")
