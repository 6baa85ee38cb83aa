"""Issue 16: tampering an auditor would try, generated: whichever record and journaled field
is edited behind the journal, whichever entry is deleted with the triggers dropped and put
back, ``verify`` names the record (and the field).

One desk is built per test; each example tampers a fresh copy of it (SQLite's backup).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_tui.services.admin.integrity import verify_file
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from tests.conftest import FakeClock

# field -> a value no record of the desk below holds
FIELDS = {"title": "forged", "status": "cancelled", "impact": "medium", "urgency": "medium",
          "priority": 1, "assignee": "mallory", "category": "forged-category",
          "assignment_group": "Forgers"}
REFS = ["INC-000001", "INC-000002", "INC-000003"]
FLAKY_FREE = settings(max_examples=20, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tamper") / "desk.db"
    store = Store(path, actor="ann", clock=FakeClock())
    try:
        records = RecordService(store)
        for n, (title, group) in enumerate((("Mail down", "Messaging"),
                                            ("VPN drops", "Network"),
                                            ("Printer jam", "Facilities"))):
            ref = records.create("incident", title=title, impact="low", urgency="low",
                                 category="hardware", assignment_group=group).ref
            records.assign(ref, f"analyst{n}")
            records.add_note(ref, "looked at it")
            if n:
                records.transition(ref, "in_progress", note="on it")
    finally:
        store.close()
    return path


def _copy(desk: Path, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("copy") / "desk.db"
    src, dst = sqlite3.connect(desk), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def _exec(path: Path, *statements: str, params: tuple = ()) -> None:
    con = sqlite3.connect(path)
    try:
        for statement in statements:
            con.execute(statement, params) if "?" in statement else con.execute(statement)
        con.commit()
    finally:
        con.close()


def test_the_untouched_desk_verifies(desk):
    assert verify_file(desk).ok


@FLAKY_FREE
@given(ref=st.sampled_from(REFS), field=st.sampled_from(sorted(FIELDS)))
def test_any_journaled_field_edited_behind_the_journal_is_named(
        desk, tmp_path_factory, ref, field):
    path = _copy(desk, tmp_path_factory)
    _exec(path, f'UPDATE incident SET "{field}" = ? WHERE ref = ?',
          params=(FIELDS[field], ref))
    report = verify_file(path)
    assert not report.ok
    assert report.broken_refs == {ref}
    assert any(f"{field} is " in p.message for p in report.problems), report.problems


@FLAKY_FREE
@given(ref=st.sampled_from(REFS), which=st.integers(0, 10))
def test_any_entry_deleted_with_the_triggers_dropped_and_put_back_is_caught(
        desk, tmp_path_factory, ref, which):
    path = _copy(desk, tmp_path_factory)
    con = sqlite3.connect(path)
    try:
        ids = [r[0] for r in con.execute(
            "SELECT id FROM journal_entry WHERE record_ref = ? ORDER BY id", (ref,))]
        triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND name LIKE 'journal%'").fetchall()
    finally:
        con.close()
    victim = ids[which % len(ids)]
    _exec(path, *(f"DROP TRIGGER {name}" for name, _ in triggers),
          f"DELETE FROM journal_entry WHERE id = {victim}",
          *(sql for _, sql in triggers))
    report = verify_file(path)
    assert not report.ok
    assert ref in report.broken_refs
    assert report.broken_refs <= {ref}
