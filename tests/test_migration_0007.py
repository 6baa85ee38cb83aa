"""Revision 0007 (issue 18) on a desk at 0005 holding data: nothing lost, new fields defaulted."""

from __future__ import annotations

import sqlite3

from sms_tui.storage.migrate import HEAD_REVISION, ensure_schema

from .test_migrations import _dump, _fill, _revision, _run_alembic, with_later_columns


def test_a_desk_at_0005_upgrades_keeping_every_row_and_defaults_the_new_fields(tmp_path, clock):
    db = tmp_path / "desk.db"
    db.touch()
    _run_alembic(db, "upgrade", "0005")
    with with_later_columns(db, "0005"):
        _fill(db, clock)
    before = _dump(db)

    ensure_schema(db)

    assert _revision(db) == HEAD_REVISION
    after = _dump(db)
    for table, rows in before.items():
        width = len(rows[0]) if rows else 0
        assert [row[:width] for row in after[table]] == rows, f"{table} changed during the upgrade"
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT DISTINCT security_risk FROM incident").fetchall() == [("none",)]
        assert con.execute("SELECT COUNT(*) FROM security_step").fetchone() == (0,)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()

    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    store = Store(db, actor="new-version", clock=clock)
    try:
        records = RecordService(store)
        old = records.get("INC-000001")
        assert old.priority == 1 and old.extra["security_risk"] == "none"  # priority unchanged
        view = records.update("INC-000001", security_risk="low")  # the new field works at once
        assert view.extra["security_risk"] == "low"
        from sms_tui.services.core.views import QueueFilter

        found = records.list("incident", QueueFilter(open_only=False, text="mail"))
        assert [r.ref for r in found] == ["INC-000001"]  # the search index and triggers survived
    finally:
        store.close()
