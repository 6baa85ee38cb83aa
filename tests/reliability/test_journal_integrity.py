"""The journal is append-only in the database, its hash chains are verified, and purge leaves a tombstone."""

from __future__ import annotations

import sqlite3

import pytest

from sms_tui.domain.errors import NotFound, ValidationError
from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.admin.purge import purge

from .helpers import assert_one_line_error, run_cli


def _sql(db, statement, *params):
    con = sqlite3.connect(db)
    try:
        rows = con.execute(statement, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def _tamper(db, *statements):
    """What someone with raw write access to the file could do: drop the triggers first."""
    con = sqlite3.connect(db)
    try:
        con.execute("DROP TRIGGER journal_entry_no_update")
        con.execute("DROP TRIGGER journal_entry_no_delete")
        for statement in statements:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


@pytest.fixture
def desk(records):
    """Three records with a few journal entries each; returns their references."""
    inc = records.create("incident", title="Mail down", description="Reported by Ann Smith, ext. 4711")
    records.add_note(inc.ref, "called Ann back")
    records.transition(inc.ref, "in_progress")
    prb = records.create("problem", title="Relay flaps")
    records.link(inc.ref, prb.ref)
    chg = records.create("change", title="Replace relay")
    return inc.ref, prb.ref, chg.ref


# ---------------------------------------------------------------- append-only
@pytest.mark.parametrize("statement", [
    "UPDATE journal_entry SET note = 'rewritten' WHERE id = 1",
    "UPDATE journal_entry SET actor = 'someone else'",
    "DELETE FROM journal_entry WHERE id = 2",
    "DELETE FROM journal_entry",
])
def test_the_database_itself_refuses_to_edit_or_delete_journal_entries(db_path, desk, statement):
    before = _sql(db_path, "SELECT * FROM journal_entry ORDER BY id")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        _sql(db_path, statement)
    assert _sql(db_path, "SELECT * FROM journal_entry ORDER BY id") == before


def test_a_purge_authorisation_for_one_record_does_not_unlock_another(db_path, desk):
    inc, prb, _chg = desk
    con = sqlite3.connect(db_path)
    try:
        con.execute("INSERT INTO sms_meta (key, value) VALUES (?, 'x')", (f"purge_authorised:{prb}",))
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("DELETE FROM journal_entry WHERE record_ref = ?", (inc,))
    finally:
        con.rollback()
        con.close()


def test_appending_still_works(records, desk):
    inc = desk[0]
    assert records.add_note(inc, "still writable").journal[0].note == "still writable"


# ---------------------------------------------------------------- verify
def test_verify_passes_on_an_untouched_database(db_path, desk):
    result = run_cli("--db", str(db_path), "verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("journal entries checked")
    assert result.stdout.startswith("ok")


TAMPERING = {
    "edited note": ("UPDATE journal_entry SET note = 'nothing happened' "
                    "WHERE id = (SELECT min(id) FROM journal_entry WHERE action = 'note')",
                    "hash chain broken"),
    "edited actor": ("UPDATE journal_entry SET actor = 'mallory' WHERE id = 1", "hash chain broken"),
    "removed middle entry": ("DELETE FROM journal_entry WHERE id = "
                             "(SELECT min(id) FROM journal_entry WHERE action = 'note')",
                             "hash chain broken"),
    "removed newest entry": ("DELETE FROM journal_entry WHERE id = "
                             "(SELECT max(id) FROM journal_entry WHERE record_ref = 'INC-000001')",
                             "entries are missing"),
    "forged entry": ("INSERT INTO journal_entry (record_ref, record_kind, at, actor, action, changes, "
                     "note, prev_hash, hash) SELECT 'INC-000001', 'incident', at, 'mallory', 'note', "
                     "'{}', 'forged', hash, 'f00' FROM journal_entry WHERE id = "
                     "(SELECT max(id) FROM journal_entry WHERE record_ref = 'INC-000001')",
                     "hash chain broken"),
    "record deleted behind our back": ("DELETE FROM incident WHERE ref = 'INC-000001'",
                                       "no purge tombstone"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_verify_reports_tampering_with_the_reference_involved(db_path, desk, case):
    statement, expected = TAMPERING[case]
    _tamper(db_path, statement)
    result = run_cli("--db", str(db_path), "verify")
    line = assert_one_line_error(
        result.__class__(result.args, result.returncode, "", result.stderr), "verification failed")
    assert "INC-000001" in line
    assert any("INC-000001" in out and expected in out for out in result.stdout.splitlines()), result.stdout
    assert "PRB-000001" not in line and "CHG-000001" not in line  # untouched journals stay clean


def test_verify_reports_missing_append_only_protection(store, desk):
    _tamper(store.path)
    report = verify_database(store)
    assert not report.ok
    assert any("missing triggers" in p.message for p in report.problems)


def test_verify_reports_a_search_index_no_longer_kept_up_to_date(store, desk):
    """A batch migration that re-creates a record table drops its search triggers."""
    con = sqlite3.connect(store.path)
    with con:
        con.execute("DROP TRIGGER change_fts_update")
    con.close()
    report = verify_database(store)
    assert [p.message for p in report.problems] == [
        "the search index of change is no longer kept up to date (missing triggers: "
        "change_fts_update); see migration 0003 to re-create them and rebuild the index"]


# ---------------------------------------------------------------- purge
def test_purge_removes_the_record_and_its_journal_and_leaves_a_tombstone(store, records, clock, desk):
    inc, prb, _chg = desk
    clock.advance(days=30)
    result = purge(store, inc, reason="erasure request DP-7")

    assert result.journal_entries_removed == 4
    with pytest.raises(NotFound):
        records.get(inc)
    rows = _sql(store.path, "SELECT actor, action, at, changes, note FROM journal_entry WHERE record_ref = ?",
                inc)
    [(actor, action, _at, changes, note)] = rows
    assert (actor, action) == ("tester", "purge")
    assert "erasure request DP-7" in note and "removed 4 journal entries" in note
    everything = str(_sql(store.path, "SELECT * FROM journal_entry")) + str(_sql(store.path, "SELECT * FROM incident"))
    assert "Ann" not in everything and "Mail down" not in everything
    assert _sql(store.path, "SELECT key FROM sms_meta WHERE key LIKE 'purge%'") == []
    assert verify_database(store).ok


def test_purge_unlinks_other_records_and_journals_it_on_them(store, records, desk):
    inc, prb, _chg = desk
    before = records.get(inc).version
    result = purge(store, prb, reason="duplicate with personal data")
    assert result.records_unlinked == [inc]
    incident = records.get(inc)
    assert incident.links == []
    assert incident.journal[0].action == "unlink" and prb in incident.journal[0].note
    assert incident.journal[0].changes == {"problem": (prb, None)}
    assert incident.version == before + 1
    assert verify_database(store).ok


def test_a_purged_reference_is_never_reused(store, records, desk):
    _inc, _prb, chg = desk
    purge(store, chg, reason="test data")
    assert records.create("change", title="Next").ref == "CHG-000002"


def test_purge_needs_a_reason_and_an_existing_record(store, desk):
    with pytest.raises(ValidationError, match="reason"):
        purge(store, desk[0], reason="  ")
    with pytest.raises(NotFound):
        purge(store, "INC-000099", reason="x")


def test_cli_purge_without_yes_refuses_when_not_interactive(db_path, records, desk):
    result = run_cli("--db", str(db_path), "purge", desk[0], "--reason", "dp", stdin=subprocess_devnull())
    assert_one_line_error(result, "--yes")
    assert records.get(desk[0]).title == "Mail down"


def test_cli_purge_with_yes_purges(db_path, records, desk):
    result = run_cli("--db", str(db_path), "purge", "inc-1", "--reason", "dp", "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("purged INC-000001: 4 journal entries")
    with pytest.raises(NotFound):
        records.get(desk[0])
    assert run_cli("--db", str(db_path), "verify").returncode == 0


def subprocess_devnull():
    import subprocess

    return subprocess.DEVNULL
