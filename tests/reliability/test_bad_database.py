"""A database that is not SQLite, read-only, locked or on a full disk: one clear message, no damage.

Also privacy: what sms-tui creates is readable by its owner only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import event

from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.storage.engine import DatabaseError

from .helpers import assert_one_line_error, integrity_ok, run_cli


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM incident").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def desk(store, records, db_path):
    records.create("incident", title="Existing")
    store.close()  # like a desk nobody has open right now
    return db_path


# ---------------------------------------------------------------- not SQLite
@pytest.mark.parametrize("args", [("new", "incident", "--title", "x"), ("list", "incidents"), ("verify",),
                                  ("backup", "copy.db")])
def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path, args):
    notes = tmp_path / "notes.txt"
    notes.write_text("my shopping list\n" * 100)
    before = _digest(notes)
    result = run_cli("--db", str(notes), *args, cwd=tmp_path)
    assert_one_line_error(result, "not an SQLite database")
    assert _digest(notes) == before
    assert not (tmp_path / "notes.txt-wal").exists() and not (tmp_path / "copy.db").exists()


def test_a_damaged_sqlite_file_is_refused_with_a_clear_message(tmp_path, desk):
    data = bytearray(desk.read_bytes())
    data[100:4096 * 3] = b"\xee" * (4096 * 3 - 100)
    desk.write_bytes(bytes(data))
    before = _digest(desk)
    result = run_cli("--db", str(desk), "list", "incidents")
    assert_one_line_error(result, str(desk))
    assert _digest(desk) == before


def test_a_database_path_that_cannot_be_created_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("--db", str(blocker / "sub" / "desk.db"), "new", "incident", "--title", "x")
    assert_one_line_error(result, "cannot create database")


# ---------------------------------------------------------------- read-only
@contextlib.contextmanager
def _read_only(path: Path):
    """Make ``path`` unwritable. Tests may run as root, who ignores permission bits: then use the
    immutable flag (chattr +i), which binds root too (needs a filesystem with attributes, e.g. ext4)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True, capture_output=True)
    else:
        path.chmod(0o400)
        try:
            yield
        finally:
            path.chmod(0o600)


def test_a_read_only_database_can_be_read_but_refuses_writes_clearly(desk):
    before = _digest(desk)
    with _read_only(desk):
        listing = run_cli("--db", str(desk), "list", "incidents", "--format", "json")
        assert listing.returncode == 0, listing.stderr
        assert '"INC-000001"' in listing.stdout
        result = run_cli("--db", str(desk), "new", "incident", "--title", "lost?")
        assert_one_line_error(result, "read-only", "nothing was written")
        assert _digest(desk) == before
    assert _count(desk) == 1 and integrity_ok(desk)


@pytest.mark.parametrize("command", ["report", "evidence"])
def test_a_report_on_a_read_only_desk_writes_no_report(desk, tmp_path, command):
    """The report was written, then the desk could not record it as issued and said
    "read-only; nothing was written" beside the file it had just written."""
    out = tmp_path / f"{command}.md"
    with _read_only(desk):
        to_file = run_cli("--db", str(desk), command, "--period", "month", "-o", str(out))
        assert_one_line_error(to_file, "read-only", "nothing was written")
        # looked at (on a terminal, through a pager): not issued, so nothing to write
        looked = run_cli("--db", str(desk), command, "--period", "month")
        assert looked.returncode == 0 and looked.stdout
        assert looked.stderr.startswith("sms-tui: shown, not recorded as issued")
    assert not out.exists()
    written = run_cli("--db", str(desk), command, "--period", "month", "-o", str(out))
    assert written.returncode == 0 and out.exists() and "as RPT-000001" in written.stdout


# ---------------------------------------------------------------- locked
def test_a_database_locked_by_another_program_gives_a_clear_message_and_writes_nothing(desk):
    holder = sqlite3.connect(desk, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        env = {"SMS_TUI_BUSY_TIMEOUT": "0.2"}
        result = run_cli("--db", str(desk), "new", "incident", "--title", "x", env=env)
        assert_one_line_error(result, "busy", "try again")
        # under WAL, readers are not blocked by a writer
        assert run_cli("--db", str(desk), "list", "incidents", env=env).returncode == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _count(desk) == 1
    retry = run_cli("--db", str(desk), "new", "incident", "--title", "x")
    assert retry.returncode == 0 and _count(desk) == 2


def test_a_bad_busy_timeout_setting_is_refused_naming_it(desk):
    result = run_cli("--db", str(desk), "list", "incidents", env={"SMS_TUI_BUSY_TIMEOUT": "soon"})
    assert_one_line_error(result, "SMS_TUI_BUSY_TIMEOUT")


# ---------------------------------------------------------------- full disk
def test_a_full_disk_refuses_the_write_and_keeps_everything_already_written(db_path, clock):
    store = Store(db_path, actor="tester", clock=clock)
    records = RecordService(store)
    kept = records.create("incident", title="Written before the disk filled")
    with store.read() as session:
        pages = session.connection().exec_driver_sql("PRAGMA page_count").scalar()
    # a disk with room for a few more pages only: SQLite reports SQLITE_FULL like a real full disk
    event.listen(store.engine, "connect",
                 lambda con, _r: con.execute(f"PRAGMA max_page_count = {pages + 8}"))
    store.engine.dispose()
    written = [kept.ref]
    with pytest.raises(DatabaseError) as info:
        for i in range(50):
            written.append(records.create("incident", title=f"big {i}", description="x" * 20_000).ref)
    assert "full" in str(info.value) and "nothing was written" in str(info.value)
    store.close()

    assert integrity_ok(db_path)
    after = Store(db_path, actor="tester", clock=clock)
    try:
        again = RecordService(after)
        assert [r.ref for r in again.list("incident", None, limit=None)] == sorted(written)
        for ref in written:
            assert again.get(ref).journal  # every record kept its journal
        assert again.create("incident", title="room again").ref  # space freed: writes work again
    finally:
        after.close()


# ---------------------------------------------------------------- privacy
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_private_even_with_a_permissive_umask(tmp_path):
    db = tmp_path / "new" / "place" / "desk.db"
    result = run_cli("--db", str(db), "new", "incident", "--title", "x", preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0, result.stderr
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700


def test_the_default_database_location_is_private(tmp_path):
    # conftest points XDG_DATA_HOME at a fresh temporary home
    result = run_cli("new", "incident", "--title", "x", preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0, result.stderr
    db = Path(os.environ["XDG_DATA_HOME"]) / "sms-tui" / "sms-tui.db"
    assert _mode(db) == 0o600 and _mode(db.parent) == 0o700


def test_write_ahead_log_files_are_private_too(db_path, store, records):
    old = os.umask(0)
    try:
        records.create("incident", title="x")
        with store.read():
            for suffix in ("-wal", "-shm"):
                side = Path(f"{db_path}{suffix}")
                assert side.exists() and _mode(side) == 0o600
    finally:
        os.umask(old)


@pytest.mark.parametrize("how", ["replaced", "moved"])
def test_a_desk_file_replaced_or_moved_while_open_is_refused_and_left_undamaged(tmp_path, clock, how):
    # a backup restored with mv while the desk ran: a connection opened then read the old
    # file's write-ahead log into the new file ("database disk image is malformed"); after
    # a move, a note said "saved" and went into the orphan log
    db, other = tmp_path / "desk.db", tmp_path / "other.db"
    store = Store(db, actor="tester", clock=clock)
    records = RecordService(store)
    ref = records.create("incident", title="Existing").ref
    restored = Store(other, actor="tester", clock=clock)
    RecordService(restored).create("incident", title="From the backup")
    restored.close()
    if how == "replaced":
        os.replace(other, db)
    else:
        os.replace(db, tmp_path / "moved.db")
    for _ in range(2):  # the connection already open, then one the pool opens anew
        with pytest.raises(DatabaseError, match=r"desk.db (was replaced by another file|is gone) while the desk had it open"):
            records.add_note(ref, "written after the file changed")
    with pytest.raises(DatabaseError, match="nothing was written"):
        records.get(ref)
    store.close()
    if how == "replaced":
        assert integrity_ok(db)
        con = sqlite3.connect(db)
        try:
            assert con.execute("SELECT title FROM incident").fetchall() == [("From the backup",)]
            assert not con.execute("SELECT count(*) FROM journal_entry WHERE note LIKE '%after the file%'").fetchone()[0]
        finally:
            con.close()
    else:  # what was committed before the move is in the moved file, not in a log beside it
        assert not db.exists()
        assert integrity_ok(tmp_path / "moved.db")
        con = sqlite3.connect(tmp_path / "moved.db")
        try:
            assert con.execute("SELECT title FROM incident").fetchall() == [("Existing",)]
        finally:
            con.close()


def test_a_desk_made_writable_again_is_written_without_a_restart(desk, clock):
    # started on a read-only file, the desk kept saying "read-only" after it was made
    # writable, until it was restarted (its connection stayed read-only)
    with _read_only(desk):
        store = Store(desk, actor="tester", clock=clock)
        records = RecordService(store)
        for _ in range(2):
            with pytest.raises(DatabaseError, match="read-only"):
                records.create("incident", title="while read-only")
    assert records.create("incident", title="once writable").ref == "INC-000002"
    store.close()
    assert _count(desk) == 2 and integrity_ok(desk)


def test_a_desk_made_by_a_typo_in_the_path_is_said_on_stderr(tmp_path):
    """A mistyped --db made a new, empty desk and 'list' answered '(none)' as if the desk
    were empty: the command still works, and says what it made, once."""
    db = tmp_path / "typo" / "dir" / "desk.db"
    first = run_cli("--db", str(db), "list", "incidents")
    assert first.returncode == 0 and first.stdout.strip() == "(none)"
    assert first.stderr == f"sms-tui: created a new desk at {db}\n"
    again = run_cli("--db", str(db), "list", "incidents")
    assert again.returncode == 0 and again.stderr == ""


def test_a_desk_made_by_demo_is_not_called_empty(tmp_path):
    """``demo`` on a new path fills the desk it made: the line says it was made, and does not
    call the desk it just filled "empty"."""
    db = tmp_path / "demo.db"
    made = run_cli("--db", str(db), "demo")
    assert made.returncode == 0
    assert f"sms-tui: created a new desk at {db}" in made.stderr.splitlines()
    assert "empty" not in made.stderr


@pytest.mark.parametrize("value", ["mysql://x/y", "sqlite:///tmp/x.db", "file:desk.db?mode=ro",
                                   "https://user:secret@example.com/desk.db"])
@pytest.mark.parametrize("given", ["--db", "SMS_TUI_DB"])
def test_a_url_that_is_not_a_desk_is_refused_not_made_into_folders(tmp_path, value, given):
    """``mysql://x/y``, SQLAlchemy's ``sqlite:///…`` or SQLite's ``file:…`` were read as
    paths: an empty desk in folders named ``mysql:`` or ``file:`` under the current one, and
    ``list`` answered ``(none)``. They are refused in one line, the password not shown."""
    args, env = (["--db", value], {}) if given == "--db" else ([], {"SMS_TUI_DB": value})
    result = run_cli(*args, "list", "incidents", env=env, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    line, = result.stderr.splitlines()
    assert "is not a desk sms-tui can open" in line and "postgresql://" in line
    assert "secret" not in line
    assert ("SMS_TUI_DB" in line) == (given == "SMS_TUI_DB")  # named as it was given
    assert list(tmp_path.iterdir()) == []


def test_a_url_that_is_not_a_desk_is_refused_by_the_tui_too(tmp_path):
    result = run_cli("--db", "mysql://x/y", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("sms-tui: error: --db: 'mysql://x/y' is not a desk")
    assert list(tmp_path.iterdir()) == []
