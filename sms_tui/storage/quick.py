"""Reading a current database with the standard library alone (issue 9).

The TUI shows the first page of its queue before SQLAlchemy and SQLModel are
imported (they take most of a second): :mod:`sms_tui.services.core.quick_queue`
reads it through :func:`read_current` with the stdlib ``sqlite3`` driver.

Only a database that is already at :data:`~sms_tui.storage.head.HEAD_REVISION`
is read this way, read-only, in one read transaction. Anything else -- no file
yet, an older schema that needs migrating, a file that is not SQLite, a lock,
any SQLite error -- gives ``None``, and the caller waits for the full storage
layer, which creates, migrates and reports errors as it always does.

:func:`write_current` is the same for one write transaction (``sms-tui new
incident``, :mod:`sms_tui.services.core.quick_record`): the connection is set up as
:func:`sms_tui.storage.engine.make_engine` sets up the services' (busy timeout,
foreign keys, WAL, ``synchronous = FULL``, ``BEGIN IMMEDIATE``), and the write
either commits whole or rolls back whole and gives ``None``, leaving the write
to the services. Nothing here ever creates a file.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from .head import HEAD_REVISION

T = TypeVar("T")
WAIT_S = 0.5  # a reader waits this long at most for a lock (WAL readers rarely wait at all)


def read_only_uri(path: Path | str) -> str:
    """An SQLite URI opening ``path`` read-only (quoted: names may contain ? or #)."""
    return f"file:{quote(str(Path(path).absolute()))}?mode=ro"


def stored_time(value: str | None) -> datetime | None:
    """A time read from a column as the services give it: aware, in UTC (stored as UTC)."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def stored_revision(con: sqlite3.Connection) -> str | None:
    """The schema revision stamped in the database, or None for a new/empty one."""
    if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                   ).fetchone() is None:
        return None
    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def read_current(path: Path | str, read: Callable[[sqlite3.Connection], T]) -> T | None:
    """``read(connection)`` on the database at ``path`` if its schema is current, else None."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        con = sqlite3.connect(read_only_uri(path), uri=True, timeout=WAIT_S,
                              isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        con.execute("BEGIN")  # one snapshot for the version and everything read after it
        if stored_revision(con) != HEAD_REVISION:
            return None
        return read(con)
    except sqlite3.Error:
        return None
    finally:
        con.close()


# storage.engine's BUSY_TIMEOUT_S (that module loads SQLAlchemy); a test checks they agree.
# SMS_TUI_BUSY_TIMEOUT is the services' to read and to refuse: callers leave the write
# to them when it is set.
WRITE_WAIT_S = 30.0


def write_current(path: Path | str, write: Callable[[sqlite3.Connection], T | None]) -> T | None:
    """``write(connection)`` in one ``BEGIN IMMEDIATE`` transaction on the database at ``path``
    if its schema is current, committed when it returns a value. None, with nothing written,
    when the database is missing, not current or unusable, when ``write`` returns None (it
    leaves the write to the services), or on any SQLite error or text SQLite cannot hold."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        con = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=rw", uri=True,
                              timeout=WRITE_WAIT_S, isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        con.execute(f"PRAGMA busy_timeout = {int(WRITE_WAIT_S * 1000)}")
        con.execute("PRAGMA foreign_keys = ON")
        with contextlib.suppress(sqlite3.OperationalError):
            con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = FULL")
        con.execute("BEGIN IMMEDIATE")
        try:
            result = write(con) if stored_revision(con) == HEAD_REVISION else None
            if result is None:
                con.execute("ROLLBACK")
                return None
            con.execute("COMMIT")
            return result
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise
    except (sqlite3.Error, UnicodeEncodeError):
        return None
    finally:
        con.close()
