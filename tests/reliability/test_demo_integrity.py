"""Everything the desk's features write keeps the record's integrity: the demo (every kind, every
state, every feature) verifies clean, and purging records that other features hang data on works."""

from __future__ import annotations

import sqlite3

import pytest

from .helpers import integrity_ok, run_cli


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "desk.db"
    result = run_cli("--db", str(db), "demo", "--count", "40", timeout=300)
    assert result.returncode == 0, result.stderr
    return db


def _rows(db, sql, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_a_desk_filled_by_every_feature_verifies_clean(demo_db):
    result = run_cli("--db", str(demo_db), "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ")


def test_purging_records_that_other_features_hang_data_on_keeps_the_desk_sound(demo_db):
    refs = [
        _rows(demo_db, "SELECT ref FROM incident ORDER BY major DESC, id LIMIT 1")[0][0],
        _rows(demo_db, "SELECT ref FROM service_request ORDER BY id LIMIT 1")[0][0],
        _rows(demo_db, "SELECT ref FROM change ORDER BY id LIMIT 1")[0][0],
        _rows(demo_db, "SELECT p.ref FROM problem p LEFT JOIN incident i ON i.problem_id = p.id "
                       "ORDER BY i.id IS NULL, p.id LIMIT 1")[0][0],
    ]
    for ref in refs:
        result = run_cli("--db", str(demo_db), "purge", ref, "--reason", "erasure request", "--yes")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"purged {ref}: ")
        [(action,)] = _rows(demo_db, "SELECT action FROM journal_entry WHERE record_ref = ?", ref)
        assert action == "purge"
    for table, column in (("communication", "record_ref"), ("approval", "record_ref"),
                          ("major_step", "incident_ref")):
        for ref in refs:
            assert _rows(demo_db, f"SELECT count(*) FROM {table} WHERE {column} = ?", ref) == [(0,)]
    assert integrity_ok(demo_db)
    verify = run_cli("--db", str(demo_db), "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
