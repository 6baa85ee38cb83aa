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
import errno
import os
import sqlite3
import stat
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from ..domain.errors import ConfigError, DeskError
from .quick import read_only_uri

BUSY_TIMEOUT_S = 30.0
BUSY_TIMEOUT_ENV = "SMS_TUI_BUSY_TIMEOUT"
READ_ONLY = "sms_read_only"


class DatabaseError(DeskError):
    """The database file cannot be used (not SQLite, unreadable, read-only, full disk...)."""


class ReadOnlyDesk(DatabaseError):
    """A write was refused because this program may only read the desk (a server role
    granted SELECT only, a read-only server)."""


def prepare_db_file(path: Path) -> bool:
    """Create the folders (0700) and an empty file (0600) if needed; refuse non-SQLite files.

    Returns True when the file was created here (so that a failed first
    migration can remove it instead of leaving an empty file behind).
    """
    path = Path(path)
    check_db_location(path)
    created = False
    try:
        make_private_dirs(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)
        created = True
    except FileExistsError:
        pass
    except OSError as exc:
        where = (f" (cannot write in its folder {path.parent})"
                 if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else "")
        raise DatabaseError(f"cannot create database {path}: {os_error_text(exc, path)}{where}") from None
    try:
        check_sqlite_file(path)
    except BaseException:
        if created:
            discard_new_db(path)
        raise
    return created


def discard_new_db(path: Path) -> None:
    """Remove a database file created by this run (and its -wal/-shm) after a failed start."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()


def check_db_location(path: Path) -> None:
    """Refuse a path that is not a regular file (or absent) *before* SQLite opens it.

    SQLite opening a FIFO blocks forever; /dev/null, devices and the virtual
    files of /proc and /sys fail later with obscure errors. ``stat`` never blocks.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # to be created (a file on the way is reported then)
    except OSError as exc:
        raise DatabaseError(f"cannot use {path} as the database: {os_error_text(exc, path)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseError(f"{path} is a directory, not a database file")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseError(f"{path} is {file_kind(info.st_mode)}, not a database file "
                            "(sms-tui keeps its database in a regular file)")
    with contextlib.suppress(OSError):
        if os.statvfs(path).f_blocks == 0 and info.st_size == 0:
            raise DatabaseError(f"{path} is a virtual file (as in /proc or /sys), not a database file")


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each 0700 whatever the umask."""
    from ..paths import private_dir

    private_dir(Path(folder))


def file_kind(mode: int) -> str:
    """'a FIFO', 'a device'... for messages about paths that are not regular files."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def os_error_text(exc: OSError, path: Path | str | None = None) -> str:
    """An OSError in words a user can act on; a full disk says so plainly."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "no space left on device (the disk is full)"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def disk_is_full(path: Path | str) -> bool:
    """True when the file system holding ``path`` has no free block left for us."""
    folder = Path(path).parent if not Path(path).is_dir() else Path(path)
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def explain_sqlite(text: str, path: Path) -> str | None:
    """A clear message for the SQLite errors a user's environment causes, else None."""
    if "locked" in text or "busy" in text:
        return f"{path} is busy (locked by another program for too long); try again"
    if "full" in text or (("disk I/O error" in text or "unable to open" in text) and disk_is_full(path)):
        return f"the disk holding {path} is full (no space left on device); nothing was written"
    if "readonly" in text or "read-only" in text:
        return f"{path} is read-only; nothing was written"
    if "unable to open" in text:
        folder = Path(path).parent
        if not os.access(folder, os.W_OK):
            return (f"cannot open {path}: its folder {folder} is read-only (SQLite needs to "
                    "create its -wal and -shm files beside the database)")
        return f"cannot open {path}: {text}"
    return None


def check_sqlite_file(path: Path) -> None:
    """Raise DatabaseError unless ``path`` is empty or an SQLite database.

    The file is probed through SQLite itself, never with open()/close(): on
    POSIX, closing *any* descriptor of a file drops every lock this process
    holds on it -- including the locks of SQLite connections already open on
    it (see sqlite.org/howtocorrupt.html, "POSIX advisory locks canceled by
    close()"). SQLite knows to share its descriptors and avoids that.
    """
    path = Path(path)
    check_db_location(path)
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
        if "malformed" in text or "corrupt" in text:
            raise DatabaseError(f"{path} is damaged ({text}); restore a backup") from None
        raise DatabaseError(explain_sqlite(text, path) or f"cannot read database {path}: {text}") from None


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


class SameFile:
    """The desk file must stay the one the desk opened.

    A file moved away, or replaced by another (a backup restored with ``mv``, a copy from
    another machine) while the desk has it open: the connections already open go on with
    the old file, while its write-ahead log stays under the old name, next to the new
    file. A connection opened then (the pool opens them as needed) read the old log into
    the new file and damaged it ("database disk image is malformed"); a note saved after
    a move went into the orphan log. Every connection and every transaction checks first
    that the name still leads to the same file, and refuses, writing nothing, if not.

    The first refusal also empties that log into the file it belongs to, through a
    connection still open on it (a checkpoint): the moved file gets what was committed
    before the move, and the log left under the old name is empty, so nothing that opens
    the new file later (the next start of the desk) reads the old file's pages into it.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.identity = self._identity()
        self._log_emptied = False

    def _identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def check(self, on_the_old_file: sqlite3.Connection | None = None) -> None:
        """Raise DatabaseError if the name no longer leads to the file first opened.
        ``on_the_old_file``: a connection opened before the change (its log is emptied)."""
        now = self._identity()
        if self.identity is None:  # not there when the engine was made: the first one counts
            self.identity = now
            return
        if now != self.identity:
            if on_the_old_file is not None and not self._log_emptied:
                with contextlib.suppress(sqlite3.Error):
                    on_the_old_file.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                    self._log_emptied = True
            what = "is gone" if now is None else "was replaced by another file"
            raise DatabaseError(
                f"{self.path} {what} while the desk had it open (moved, restored or deleted "
                "by another program); nothing was written: quit, and open the desk again")


def make_engine(path: Path | str) -> Engine:
    """An engine on the SQLite file at ``path`` with the settings above."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": busy_timeout_s(), "check_same_thread": False},
    )
    same = SameFile(path)

    def on_connect(dbapi_connection: sqlite3.Connection, record) -> None:
        try:
            same.check()  # before the first statement reads the log next to it
        except DatabaseError:
            dbapi_connection.close()
            raise
        _on_connect(dbapi_connection, record)

    def on_begin(conn) -> None:
        same.check(conn.connection.dbapi_connection)
        _on_begin(conn)

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine
