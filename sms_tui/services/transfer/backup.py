"""Backup and restore through SQLite's online backup API (never a file copy).

``backup`` reads a consistent snapshot even while the TUI, the scheduler or a
cron job are writing (under WAL, a reader never blocks writers), into a new
file readable by its owner only (0600), checked before it gets its final name.

``restore`` refuses anything that is not an sms-tui database it can open:
not SQLite, damaged, without our schema version and tables, or written by a
newer sms-tui. It keeps the current database aside under a timestamped name
(also through the backup API), copies the chosen file in, and migrates it to
the current schema -- so restoring an old backup is safe.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...storage.engine import (
    DatabaseError,
    busy_timeout_s,
    check_sqlite_file,
    os_error_text,
    prepare_db_file,
    read_only_uri,
)
from ...storage.migrate import HEAD_REVISION, ensure_schema, known_revisions

# Tables without which a file is not an sms-tui database.
REQUIRED_TABLES = frozenset({"journal_entry", "incident", "service_request", "problem",
                             "known_error", "change", "sms_meta"})


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    previous_kept_at: Path | None  # None when there was no database before
    restored_revision: str  # the schema the file had before it was migrated
    failed_check: Any = None  # the VerifyReport of a file restored with force despite problems


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _free_name(path: Path) -> Path:
    if not path.exists():
        return path
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise DatabaseError(f"too many files named like {path}")


def _new_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (refuses to reuse an existing file)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise DatabaseError(f"{path} already exists; choose another name") from None
    except OSError as exc:
        raise DatabaseError(f"cannot create {path}: {exc.strerror or exc}") from None
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Online-backup ``source`` into the existing (empty) file ``target`` as a single file."""
    dst = sqlite3.connect(target, timeout=busy_timeout_s())
    try:
        source.backup(dst)
        # a backup is one self-contained file: no -wal to lose when it is moved
        dst.execute("PRAGMA journal_mode = DELETE")
        check = dst.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise DatabaseError(f"the copy in {target} failed its check: {check[0][0]}")
    finally:
        dst.close()


def _sqlite_error(exc: sqlite3.Error, path: Path, doing: str) -> DatabaseError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseError(f"{path} is busy (locked by another program for too long); try again")
    if "full" in text:
        return DatabaseError(f"the disk is full; {doing} was not completed")
    return DatabaseError(f"{doing} failed on {path}: {text}")


def backup_database(db_path: Path, target: Path, now: datetime | None = None) -> Path:
    """Write a consistent copy of ``db_path`` to ``target`` (a new file, or a folder to put it in)."""
    db_path, target = Path(db_path), Path(target)
    if not db_path.is_file():
        raise DatabaseError(f"no database at {db_path}: nothing to back up")
    check_sqlite_file(db_path)
    if target.is_dir():
        target = _free_name(target / f"sms-tui-backup-{_stamp(now)}.db")
    if target.exists():
        raise DatabaseError(f"{target} already exists; choose another name")
    if not target.parent.is_dir():
        raise DatabaseError(f"folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    _new_private_file(partial)
    try:
        src = sqlite3.connect(db_path, timeout=busy_timeout_s())
        try:
            _copy_database(src, partial)
        finally:
            src.close()
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)  # only a complete, checked copy gets the name
        _fsync_dir(target.parent)
    except sqlite3.Error as exc:
        raise _sqlite_error(exc, db_path, "the backup") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target


def _refuse_not_a_file(source: Path) -> None:
    """A backup to restore is a regular file: a FIFO or a device "was no file at" it."""
    import stat

    from ...storage.engine import file_kind

    try:
        mode = source.stat().st_mode
    except FileNotFoundError:
        raise DatabaseError(f"no file at {source}") from None
    except OSError as exc:
        raise DatabaseError(f"cannot read {source}: {os_error_text(exc, source)}") from None
    if not stat.S_ISREG(mode):
        raise DatabaseError(f"{source} is {file_kind(mode)}, not a backup file")


def inspect_backup(source: Path) -> str:
    """The schema revision of ``source`` if it is a usable sms-tui database; else DatabaseError."""
    source = Path(source)
    _refuse_not_a_file(source)
    check_sqlite_file(source)
    if source.stat().st_size == 0:
        raise DatabaseError(f"{source} is empty, not an sms-tui database")
    try:
        con = sqlite3.connect(read_only_uri(source), uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {source}: {exc}") from None
    try:
        check = con.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise DatabaseError(f"{source} is damaged ({check[0][0]}); not restored")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            raise DatabaseError(f"{source} is not an sms-tui database (no schema version)")
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc) or "corrupt" in str(exc):
            raise DatabaseError(f"{source} is damaged ({exc}); not restored") from None
        raise DatabaseError(f"{source} is not a usable SQLite database: {exc}") from None
    finally:
        con.close()
    revision = row[0] if row else None
    if revision is None:
        raise DatabaseError(f"{source} is not an sms-tui database (no schema version)")
    if revision not in known_revisions():
        raise DatabaseError(
            f"{source} is from a newer sms-tui (schema {revision}, this one knows up to "
            f"{HEAD_REVISION}); upgrade sms-tui to restore it")
    missing = REQUIRED_TABLES - tables
    if missing:
        raise DatabaseError(f"{source} is not an sms-tui database (no table {sorted(missing)[0]})")
    return revision


def restore_database(db_path: Path, source: Path, now: datetime | None = None,
                     force: bool = False, key: bytes | None = None) -> RestoreResult:
    """Replace the database at ``db_path`` with ``source``, keeping the previous one aside.

    ``source`` must pass ``sms-tui verify`` first (chains, heads, records against their
    journals); ``force`` restores it anyway and the result says what failed.
    """
    db_path, source = Path(db_path), Path(source)
    if db_path.exists() and source.exists() and os.path.samefile(db_path, source):
        raise DatabaseError(f"{source} is the database itself; choose a backup file")
    revision = inspect_backup(source)
    from ..admin.integrity import verify_file

    try:
        checked = verify_file(source, key)
    except sqlite3.Error as exc:
        raise _sqlite_error(exc, source, "the check of the backup") from None
    if not checked.ok and not force:
        raise DatabaseError(
            f"{source} fails verification ({len(checked.problems) + checked.problems_cut} "
            f"problem(s), first: {checked.problems[0].line()}); nothing was restored "
            "(--force restores it anyway, and says so in the journal)")
    prepare_db_file(db_path)
    kept: Path | None = None
    try:
        dst = sqlite3.connect(db_path, timeout=busy_timeout_s())
        try:
            # Leaving WAL needs the database to ourselves: this refuses while sms-tui runs on it.
            try:
                dst.execute("PRAGMA journal_mode = DELETE").fetchone()
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise DatabaseError(f"{db_path} is in use; close sms-tui (and anything else using "
                                        "it) and try again; nothing was restored") from None
                raise
            if dst.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                kept = _free_name(db_path.with_name(f"{db_path.name}.before-restore-{_stamp(now)}"))
                _new_private_file(kept)
                try:
                    _copy_database(dst, kept)
                except BaseException:
                    kept.unlink()
                    raise
            src = sqlite3.connect(read_only_uri(source), uri=True)
            try:
                src.backup(dst)  # one transaction on dst: all of it or nothing
            finally:
                src.close()
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise _sqlite_error(exc, db_path, "the restore") from None
    os.chmod(db_path, 0o600)
    ensure_schema(db_path)
    return RestoreResult(db_path, kept, revision, None if checked.ok else checked)


def backup_server(store, target: Path, now: datetime | None = None) -> Path:
    """Team mode: a consistent snapshot of the desk's tables in the export format (JSON).

    One REPEATABLE READ transaction (``store.read()`` on the server) sees every
    table as of one moment while analysts keep writing; the file is written
    under a temporary name (0600) and renamed only when complete, so a full disk
    or a dropped connection never leaves a partial backup under the real name.
    """
    from .service import TransferService

    target = Path(target)
    if target.is_dir():
        target = _free_name(target / f"sms-tui-backup-{_stamp(now)}.json")
    if target.exists() or target.is_symlink():
        raise DatabaseError(f"{target} already exists; choose another name")
    if not target.parent.is_dir():
        raise DatabaseError(f"folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    _new_private_file(partial)
    try:
        with open(partial, "w", encoding="utf-8") as fh:
            TransferService(store).export_json(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise DatabaseError(f"the backup was not completed: {os_error_text(exc, target)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target


SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class ServerRestore:
    rows: int
    tables: int
    forced: tuple[str, ...] = ()  # verify's problems, when restored anyway with force
    from_file_desk: bool = False  # SOURCE was a SQLite backup, moved as 'migrate --to' does


def restore_server(store, source: Path, force: bool = False, progress=None) -> ServerRestore:
    """Team mode: restore SOURCE into this server desk, which must be empty (all or nothing).

    SOURCE is what ``backup`` writes on a server (the JSON export): every row goes in
    in ONE transaction, which checks the desk is empty, checks every row, then runs
    ``verify``'s checks on the whole restored desk (chains, heads, each record against
    its journal) before it commits: a failure restores nothing, unless ``force``, which
    restores it and journals the override under ``SYS:integrity`` (as on SQLite).
    A SQLite backup file is accepted too: checked and migrated in a temporary copy as
    ``restore`` does on SQLite, then copied over as ``migrate --to`` does.
    """
    from .service import TransferService

    source = Path(source)
    _refuse_not_a_file(source)
    try:
        with open(source, "rb") as fh:
            magic = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseError(f"cannot read {source}: {os_error_text(exc, source)}") from None
    if magic == SQLITE_MAGIC:
        return _restore_file_desk(store, source, force)
    summary = TransferService(store).import_path(source, progress, force=force, restore=True)
    return ServerRestore(summary.total, len(summary.counts), summary.forced)


def _restore_file_desk(store, source: Path, force: bool) -> ServerRestore:
    import tempfile

    from ..core.store import Store
    from .move import move_to_server

    with tempfile.TemporaryDirectory(prefix="sms-tui-restore-") as folder:
        copy = Path(folder) / "restore.db"
        result = restore_database(copy, source, force=force, key=store.journal_key)
        if result.failed_check is not None:
            raise DatabaseError(f"{source} fails verification ({result.failed_check.problems[0].line()}); "
                                "a SQLite backup goes onto a server only whole and sound; nothing "
                                "was restored")
        local = Store(copy, store.config, store.actor, store.clock, migrate=False)
        try:
            moved = move_to_server(local, store.url)
        finally:
            local.close()
    return ServerRestore(moved.rows, len(moved.counts), from_file_desk=True)
