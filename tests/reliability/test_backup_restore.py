"""Backup (SQLite online backup, safe while writing) and restore (checked, previous kept aside)."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sms_tui.domain.errors import DeskError
from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.transfer.backup import backup_database, inspect_backup, restore_database
from sms_tui.storage.migrate import HEAD_REVISION

from .helpers import assert_one_line_error, integrity_ok, run_cli

WRITER = Path(__file__).with_name("writer.py")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _refs(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT ref FROM incident ORDER BY id")]
    finally:
        con.close()


def _journal(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT * FROM journal_entry ORDER BY id").fetchall()
    finally:
        con.close()


@pytest.fixture
def filled(records):
    for title in ("Mail down", "VPN slow", "Printer jam"):
        rec = records.create("incident", title=title)
        records.add_note(rec.ref, f"looked at {title}")
    return records


# ---------------------------------------------------------------- backup
def test_backup_is_a_private_complete_single_file(db_path, filled, tmp_path):
    target = backup_database(db_path, tmp_path / "copy.db")
    assert target == tmp_path / "copy.db"
    assert _mode(target) == 0o600
    assert not Path(f"{target}-wal").exists() and not Path(f"{target}-journal").exists()
    assert integrity_ok(target)
    assert inspect_backup(target) == HEAD_REVISION
    assert _refs(target) == _refs(db_path) and _journal(target) == _journal(db_path)


def test_backup_excludes_a_transaction_still_in_progress(db_path, filled, tmp_path):
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE incident SET title = 'half-written' WHERE id = 1")
    try:
        target = backup_database(db_path, tmp_path / "copy.db")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "half-written" not in str(sqlite3.connect(target).execute("SELECT title FROM incident").fetchall())


def test_backup_while_another_process_writes_is_a_consistent_snapshot(db_path, filled, tmp_path):
    child = subprocess.Popen([sys.executable, str(WRITER), str(db_path), "bg", "--count", "60", "--wait"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    child.stdin.write("go\n")
    child.stdin.flush()
    child.stdout.readline()  # the writer is under way
    copies = [backup_database(db_path, tmp_path / f"copy{i}.db") for i in range(3)]
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    for copy in copies:
        assert integrity_ok(copy)
        store = Store(copy, actor="auditor")
        try:
            report = verify_database(store)
            assert report.ok, [p.line() for p in report.problems]
        finally:
            store.close()


def test_backup_into_a_folder_gets_a_timestamped_name(db_path, filled, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    first = backup_database(db_path, folder)
    second = backup_database(db_path, folder)
    assert first.parent == folder and first.name.startswith("sms-tui-backup-")
    assert second != first and second.exists()


def test_backup_never_overwrites_an_existing_file(db_path, filled, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("do not touch")
    with pytest.raises(DeskError, match="already exists"):
        backup_database(db_path, target)
    assert target.read_text() == "do not touch"


def test_backup_of_a_missing_database_is_refused(tmp_path):
    with pytest.raises(DeskError, match="nothing to back up"):
        backup_database(tmp_path / "none.db", tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_cli_backup_prints_the_file_written(db_path, filled, tmp_path):
    result = run_cli("--db", str(db_path), "backup", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = Path(result.stdout.strip())
    assert written.parent == tmp_path and integrity_ok(written)


# ---------------------------------------------------------------- restore
def test_restore_brings_back_the_backup_and_keeps_the_current_database_aside(db_path, store, filled,
                                                                              tmp_path):
    backup = backup_database(db_path, tmp_path / "monday.db")
    saved_journal = _journal(backup)
    filled.create("incident", title="Written after the backup")
    current_refs = _refs(db_path)
    store.close()

    result = restore_database(db_path, backup)

    assert _refs(db_path) == _refs(backup) and _journal(db_path) == saved_journal
    kept = result.previous_kept_at
    assert kept is not None and kept.parent == db_path.parent
    assert kept.name.startswith("desk.db.before-restore-")
    assert _refs(kept) == current_refs  # nothing lost: the replaced database is still there
    assert _mode(kept) == 0o600 and _mode(db_path) == 0o600
    reopened = Store(db_path, actor="auditor")
    try:
        assert verify_database(reopened).ok
    finally:
        reopened.close()


def test_restoring_an_older_schema_migrates_it(db_path, tmp_path, clock):
    from tests.test_migrations import _populate_at_first_revision

    old = tmp_path / "old.db"
    old.touch()
    _populate_at_first_revision(old, clock)
    result = restore_database(db_path, old)
    assert result.restored_revision == "0001"
    store = Store(db_path, actor="auditor", clock=clock)
    try:
        assert RecordService(store).get("INC-000001").title == "Mail down"
        assert verify_database(store).ok  # the append-only triggers came with the migration
    finally:
        store.close()


def _other_sqlite(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (text)")
    con.commit()
    con.close()
    return path


def _newer(path: Path, db_path: Path) -> Path:
    backup_database(db_path, path)
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'f00d'")
    con.commit()
    con.close()
    return path


def _without_journal(path: Path, db_path: Path) -> Path:
    backup_database(db_path, path)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE journal_entry")
    con.commit()
    con.close()
    return path


def _damaged(path: Path, db_path: Path) -> Path:
    backup_database(db_path, path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2: page * 4] = b"\x07" * (page * 2)  # scribble over table pages
    path.write_bytes(bytes(data))
    return path


BAD_SOURCES = {
    "text file": (lambda p, db: (p.write_text("hello") and p), "not an SQLite database"),
    "empty file": (lambda p, db: (p.touch() or p), "empty"),
    "another program's SQLite": (lambda p, db: _other_sqlite(p), "not an sms-tui database"),
    "newer schema": (_newer, "newer sms-tui"),
    "missing table": (_without_journal, "no table journal_entry"),
    "damaged": (_damaged, "damaged"),
    "missing file": (lambda p, db: p, "no file"),
}


@pytest.mark.parametrize("case", list(BAD_SOURCES))
def test_restore_refuses_a_file_that_is_not_a_usable_sms_tui_database(db_path, store, filled, tmp_path,
                                                                      case):
    make, expected = BAD_SOURCES[case]
    source = make(tmp_path / "candidate.db", db_path)
    store.close()
    before = (_refs(db_path), _journal(db_path))
    result = run_cli("--db", str(db_path), "restore", str(source))
    assert_one_line_error(result, expected)
    assert (_refs(db_path), _journal(db_path)) == before
    assert not list(tmp_path.glob("desk.db.before-restore-*"))


def test_restore_refuses_while_the_database_is_in_use(db_path, store, filled, tmp_path):
    backup = backup_database(db_path, tmp_path / "b.db")
    filled.get("INC-000001")  # the store holds an open connection, as a running TUI does
    result = run_cli("--db", str(db_path), "restore", str(backup), env={"SMS_TUI_BUSY_TIMEOUT": "0.2"})
    assert_one_line_error(result, "in use", "nothing was restored")
    assert not list(tmp_path.glob("desk.db.before-restore-*"))


def test_restore_into_a_new_location_creates_a_private_database(tmp_path, db_path, filled):
    backup = backup_database(db_path, tmp_path / "b.db")
    target = tmp_path / "fresh" / "desk.db"
    result = restore_database(target, backup)
    assert result.previous_kept_at is None
    assert _refs(target) == _refs(db_path)
    assert _mode(target) == 0o600 and _mode(target.parent) == 0o700
