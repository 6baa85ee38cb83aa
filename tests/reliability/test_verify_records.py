"""Issue 16: verify proves the records, not only the journal.

Tampering an auditor would try: editing a record row behind the journal's back,
deleting a record's newest (system) entries with the triggers dropped and put
back, or through a purge authorisation; and rewriting a whole chain
consistently, which only a digest kept elsewhere can reveal.
"""

from __future__ import annotations

import sqlite3

import pytest

from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.core import journal
from sms_tui.services.core.journal import digest_row

from .helpers import run_cli

APPEND_ONLY = {
    "journal_entry_no_update": "CREATE TRIGGER journal_entry_no_update BEFORE UPDATE ON "
                               "journal_entry BEGIN SELECT RAISE(ABORT, 'append-only'); END",
    "journal_entry_no_delete": "CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON "
                               "journal_entry WHEN NOT EXISTS (SELECT 1 FROM sms_meta WHERE key = "
                               "'purge_authorised:' || OLD.record_ref) BEGIN SELECT "
                               "RAISE(ABORT, 'append-only'); END",
}


def _exec(db, *statements, params=()):
    con = sqlite3.connect(db)
    try:
        for statement in statements:
            con.execute(statement, params) if "?" in statement else con.execute(statement)
        con.commit()
    finally:
        con.close()


@pytest.fixture
def desk(records, store, clock):
    """An incident whose newest entry is a system entry that did not move its version."""
    inc = records.create("incident", title="Mail down", category="email")
    records.add_note(inc.ref, "restarted the relay")
    other = records.create("incident", title="Printer jam", category="hardware")
    with store.write() as session:
        journal.append(session, ref=inc.ref, kind="incident", actor="sms-tui", at=clock(),
                       action="sla_breached", changes={"sla": (None, "resolve breached")},
                       note="resolution target breached")
    return inc.ref, other.ref


def problems(store):
    return [p.line() for p in verify_database(store).problems]


def test_an_untouched_desk_verifies(store, desk):
    assert verify_database(store).ok


@pytest.mark.parametrize("statement, field", [
    ("UPDATE incident SET title = 'forged' WHERE ref = 'INC-000001'", "title"),
    ("UPDATE incident SET status = 'closed' WHERE ref = 'INC-000001'", "status"),
    ("UPDATE incident SET assignee = 'mallory' WHERE ref = 'INC-000001'", "assignee"),
    ("UPDATE incident SET priority = 1 WHERE ref = 'INC-000001'", "priority"),
])
def test_a_record_edited_behind_its_journal_fails_naming_record_and_field(
        db_path, store, desk, statement, field):
    _exec(db_path, statement)  # the triggers are intact; the version does not move
    [line] = problems(store)
    assert line.startswith("INC-000001: record does not match its journal")
    assert f"{field} is " in line
    result = run_cli("--db", str(db_path), "verify")
    assert result.returncode == 1 and "INC-000001" in result.stderr


def test_deleting_a_newest_system_entry_is_caught_though_the_version_did_not_move(
        db_path, store, desk):
    _exec(db_path, "DROP TRIGGER journal_entry_no_delete",
          "DELETE FROM journal_entry WHERE id = (SELECT MAX(id) FROM journal_entry)")
    found = problems(store)
    assert any(p.startswith("INC-000001: journal ends at entry") and "newest entries were deleted"
               in p for p in found), found


def test_putting_the_triggers_back_after_the_deletion_does_not_hide_it(db_path, store, desk):
    _exec(db_path, "DROP TRIGGER journal_entry_no_delete", "DROP TRIGGER journal_entry_no_update",
          "DELETE FROM journal_entry WHERE id = (SELECT MAX(id) FROM journal_entry)",
          *APPEND_ONLY.values())
    found = problems(store)
    assert [p for p in found if "INC-000001" in p], found
    assert not any("missing triggers" in p for p in found)


def test_a_purge_authorisation_cannot_delete_entries_silently(db_path, store, desk):
    _exec(db_path, "INSERT INTO sms_meta (key, value) VALUES ('purge_authorised:INC-000001', 'x')",
          "DELETE FROM journal_entry WHERE id = (SELECT MAX(id) FROM journal_entry)",
          "DELETE FROM sms_meta WHERE key = 'purge_authorised:INC-000001'")
    found = problems(store)
    assert any(p.startswith("INC-000001: journal ends at entry") for p in found), found


def test_a_purge_authorisation_cannot_remove_a_whole_journal_and_record_silently(
        db_path, store, desk):
    _exec(db_path, "INSERT INTO sms_meta (key, value) VALUES ('purge_authorised:INC-000001', 'x')",
          "DELETE FROM journal_entry WHERE record_ref = 'INC-000001'",
          "DELETE FROM incident WHERE ref = 'INC-000001'",
          "DELETE FROM sms_meta WHERE key = 'purge_authorised:INC-000001'")
    assert "INC-000001: journal is gone but its head remains: its entries were deleted" in \
        problems(store)


@pytest.mark.parametrize("statement", [
    "DELETE FROM journal_head WHERE record_ref = 'INC-000001'",
    "UPDATE journal_head SET last_id = last_id - 1 WHERE record_ref = 'INC-000001'",
    "UPDATE journal_head SET entries = entries - 1 WHERE record_ref = 'INC-000001'",
    "UPDATE journal_head SET last_id = 99999, entries = entries + 1 WHERE record_ref = 'INC-000001'",
])
def test_the_database_refuses_to_move_a_journal_head_back(db_path, desk, statement):
    with pytest.raises(sqlite3.IntegrityError, match="only move forward"):
        _exec(db_path, statement)


def test_verify_reports_missing_head_triggers(db_path, store, desk):
    _exec(db_path, "DROP TRIGGER journal_head_advance")
    assert any("journal heads are not kept" in p for p in problems(store))


def _rewrite_chain(db, ref, note):
    """A consistent rewrite: triggers dropped, one note changed, every later hash recomputed,
    the head moved to match. Nothing inside the file can tell."""
    con = sqlite3.connect(db)
    try:
        for name in ("journal_entry_no_update", "journal_head_forward_only"):
            con.execute(f"DROP TRIGGER {name}")
        rows = con.execute("SELECT id, record_ref, record_kind, at, actor, action, changes, note "
                           "FROM journal_entry WHERE record_ref = ? ORDER BY id", (ref,)).fetchall()
        prev = ""
        for id_, ref_, kind, at, actor, action, changes, old_note in rows:
            new_note = note if action == "note" else old_note
            new_hash = digest_row(prev, ref_, kind, at, actor, action, changes, new_note)
            con.execute("UPDATE journal_entry SET note = ?, prev_hash = ?, hash = ? WHERE id = ?",
                        (new_note, prev, new_hash, id_))
            prev = new_hash
        con.execute("UPDATE journal_head SET hash = ? WHERE record_ref = ?", (prev, ref))
        con.execute(APPEND_ONLY["journal_entry_no_update"])
        con.commit()
    finally:
        con.close()


def test_a_digest_kept_elsewhere_reveals_a_consistent_rewrite(db_path, store, records, desk):
    first = run_cli("--db", str(db_path), "verify", "--digest")
    assert first.returncode == 0, first.stderr
    digest = first.stdout.strip().splitlines()[-1].removeprefix("digest: ")
    records.add_note(desk[1], "written after the digest: allowed")
    later = run_cli("--db", str(db_path), "verify", "--against", digest)
    assert later.returncode == 0, later.stderr
    assert "against the digest: matches" in later.stdout

    _rewrite_chain(db_path, desk[0], "nothing happened")
    rewritten = problems(store)
    assert not [p for p in rewritten if "INC-000001" in p]  # verify alone cannot tell
    caught = run_cli("--db", str(db_path), "verify", "--against", digest)
    assert caught.returncode == 1
    assert "against the digest: differs" in caught.stdout


def test_a_malformed_digest_is_one_line_and_exit_1(db_path, desk):
    result = run_cli("--db", str(db_path), "verify", "--against", "not-a-digest")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "sms-tui: error: not a digest printed by 'sms-tui verify --digest' "
        "(sms-tui-journal-v1:ID:ENTRIES:SHA256)"]


def test_restore_refuses_a_backup_that_fails_verification_unless_forced(
        db_path, store, desk, tmp_path):
    from sms_tui.services.transfer.backup import backup_database

    copy = backup_database(db_path, tmp_path / "copy.db")
    _exec(copy, "UPDATE incident SET title = 'forged' WHERE ref = 'INC-000001'")
    target = tmp_path / "restored.db"
    refused = run_cli("--db", str(target), "restore", str(copy))
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert "fails verification" in line and "INC-000001" in line and "--force" in line
    assert not target.exists() or target.stat().st_size == 0 or run_cli(
        "--db", str(target), "list", "incidents", "--format", "json").stdout.strip() == "[]"

    forced = run_cli("--db", str(target), "restore", str(copy), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "journaled under SYS:integrity" in forced.stdout
    con = sqlite3.connect(target)
    try:
        [(action, note)] = con.execute("SELECT action, note FROM journal_entry "
                                       "WHERE record_ref = 'SYS:integrity'").fetchall()
    finally:
        con.close()
    assert action == "restore_forced" and "INC-000001" in note


def test_since_last_checks_what_was_written_after_the_last_verified_checkpoint(
        db_path, store, records, desk):
    no_mark = run_cli("--db", str(db_path), "verify", "--since", "last")
    assert no_mark.returncode == 1 and "run 'sms-tui verify'" in no_mark.stderr
    full = run_cli("--db", str(db_path), "verify")
    assert full.returncode == 0, full.stderr
    con = sqlite3.connect(db_path)
    try:
        mark = con.execute("SELECT value FROM sms_meta WHERE key = 'verify:checkpoint'").fetchone()
    finally:
        con.close()
    assert mark is not None and '"last_id"' in mark[0]

    quiet = run_cli("--db", str(db_path), "verify", "--since", "last")
    assert quiet.returncode == 0, quiet.stderr
    assert "0 journals" in quiet.stdout  # nothing written since

    records.add_note(desk[1], "after the checkpoint")
    since = run_cli("--db", str(db_path), "verify", "--since", "last")
    assert since.returncode == 0 and "1 journals" in since.stdout

    records.add_note(desk[1], "to be deleted")
    _exec(db_path, "DROP TRIGGER journal_entry_no_delete",
          "DELETE FROM journal_entry WHERE id = (SELECT MAX(id) FROM journal_entry)")
    caught = run_cli("--db", str(db_path), "verify", "--since", "last")
    assert caught.returncode == 1 and desk[1] in caught.stderr


def test_since_last_cannot_be_combined_with_a_digest(db_path, desk):
    result = run_cli("--db", str(db_path), "verify", "--since", "last", "--digest")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
