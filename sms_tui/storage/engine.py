"""The SQLite engine: foreign keys on, WAL, a busy timeout, and writers that
start with ``BEGIN IMMEDIATE``.

Why ``BEGIN IMMEDIATE``: the stdlib driver's legacy transaction mode emits no
BEGIN before reads, so a read-then-write transaction takes its write lock
late and fails at once with SQLITE_BUSY when another process writes, busy
timeout or not. Taking the write lock up front makes a second writer wait
(up to the busy timeout) instead of failing. Reads use a plain deferred BEGIN
and never block writers under WAL.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from ..domain.errors import ConfigError, DeskError
from .quick import read_only_uri

BUSY_TIMEOUT_S = 30.0
BUSY_TIMEOUT_ENV = "SMS_TUI_BUSY_TIMEOUT"
READ_ONLY = "sms_read_only"


class DatabaseError(DeskError):
    """The database file cannot be used (not SQLite, unreadable, read-only, full disk...)."""


def prepare_db_file(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600) if needed; refuse non-SQLite files."""
    path = Path(path)
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
            os.close(fd)
    except FileExistsError:
        pass
    except OSError as exc:
        raise DatabaseError(f"cannot create database {path}: {exc.strerror or exc}") from None
    check_sqlite_file(path)


def check_sqlite_file(path: Path) -> None:
    """Raise DatabaseError unless ``path`` is empty or an SQLite database.

    The file is probed through SQLite itself, never with open()/close(): on
    POSIX, closing *any* descriptor of a file drops every lock this process
    holds on it -- including the locks of SQLite connections already open on
    it (see sqlite.org/howtocorrupt.html, "POSIX advisory locks canceled by
    close()"). SQLite knows to share its descriptors and avoids that.
    """
    path = Path(path)
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    try:
        con = sqlite3.connect(read_only_uri(path), uri=True, timeout=busy_timeout_s())
        try:
            con.execute("PRAGMA schema_version").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        text = str(exc)
        if "not a database" in text:
            raise DatabaseError(f"{path} is not an SQLite database (sms-tui will not touch it)") from None
        if "locked" in text or "busy" in text:
            raise DatabaseError(f"{path} is busy (locked by another program for too long); try again") from None
        if "malformed" in text or "corrupt" in text:
            raise DatabaseError(f"{path} is damaged ({text}); restore a backup") from None
        raise DatabaseError(f"cannot read database {path}: {text}") from None


def busy_timeout_s() -> float:
    """Seconds a writer waits for another program's lock: ``SMS_TUI_BUSY_TIMEOUT`` or 30."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return BUSY_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ConfigError(f"{BUSY_TIMEOUT_ENV}={raw!r}: use a number of seconds from 0 to 3600")
    return value


def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event below emits the BEGIN.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s() * 1000)}")
    cur.execute("PRAGMA foreign_keys = ON")  # per connection, outside any transaction
    with contextlib.suppress(sqlite3.OperationalError):
        # a read-only file cannot switch to WAL; reads still work
        cur.execute("PRAGMA journal_mode = WAL")
    # FULL: a committed record survives power loss, not only a process crash.
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def _on_begin(conn) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(path: Path | str) -> Engine:
    """An engine on the SQLite file at ``path`` with the settings above."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": busy_timeout_s(), "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine
