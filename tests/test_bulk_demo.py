"""The bulk demo: thousands of records in one transaction that verify like hand-made ones."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from sms_tui.cli import main
from sms_tui.domain.errors import ValidationError
from sms_tui.domain.kinds import Kind, parse_ref
from sms_tui.domain.lifecycle import lifecycle_for
from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.core.journal import _digest
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.core.views import QueueFilter
from sms_tui.services.demo import bulk as demo_bulk
from sms_tui.services.demo import bulk_plan as demo_bulk_plan
from sms_tui.services.demo.bulk import chain_hash, fill_bulk
from sms_tui.services.demo.service import counts_for
from sms_tui.storage.models import RECORD_TABLES, Incident, JournalEntry
from tests.conftest import FakeClock

COUNT = 3000
RICH = 30


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    """One bulk desk (30 rich records, the rest in bulk), shared by the read-only tests."""
    store = Store(tmp_path_factory.mktemp("bulk") / "bulk.db", actor="tester", clock=FakeClock())
    summary = fill_bulk(store, count=COUNT, seed=7, rich=RICH)
    yield store, summary
    store.close()


def _bulk_records(session, model, *columns):
    """Rows of the bulk part only (the rich demo's records come first, by id)."""
    rich = counts_for(RICH)[Kind(next(k for k, m in RECORD_TABLES.items() if m is model))]
    return session.exec(select(*columns).where(model.id > rich)).all()


def _journals(store: Store) -> dict[str, list[JournalEntry]]:
    out: dict[str, list[JournalEntry]] = defaultdict(list)
    with store.read() as session:
        for entry in session.exec(select(JournalEntry).order_by(col(JournalEntry.id))):
            out[entry.record_ref].append(entry)
        session.expunge_all()
    return out


def test_the_bulk_demo_passes_verify(bulk):
    store, summary = bulk
    report = verify_database(store)
    assert report.ok, report.problems[:5]
    assert report.records == summary.total_records == COUNT


def test_most_records_are_incidents_and_every_kind_has_some(bulk):
    _store, summary = bulk
    assert summary.records["incidents"] > 0.85 * COUNT
    assert all(n > 0 for n in summary.records.values())


def test_each_record_has_one_journal_entry_per_version(bulk):
    store, _ = bulk
    journals = _journals(store)
    with store.read() as session:
        for model in RECORD_TABLES.values():
            for ref, version in _bulk_records(session, model, model.ref, model.version):
                assert len(journals[ref]) == version, ref


def test_every_status_move_in_the_journals_is_allowed_and_ends_where_the_record_is(bulk):
    store, _ = bulk
    journals = _journals(store)
    with store.read() as session:
        for kind_name, model in RECORD_TABLES.items():
            lifecycle = lifecycle_for(Kind(kind_name))
            for ref, status in _bulk_records(session, model, model.ref, model.status):
                current = None
                for entry in journals[ref]:
                    moved = json.loads(entry.changes).get("status")
                    if moved is None:  # final records take no more work (only links from others)
                        assert current is not None, ref
                        assert entry.action == "link" or not lifecycle.is_final(current), ref
                        continue
                    old, new = moved
                    if current is None:
                        assert (old, new) == (None, lifecycle.initial), ref
                    else:
                        assert old == current, ref
                        lifecycle.check(old, new)
                    current = new
                assert current == status, ref


def test_journal_times_never_go_backwards_within_a_record(bulk):
    store, _ = bulk
    for ref, entries in _journals(store).items():
        times = [e.at for e in entries]
        assert times == sorted(times), ref


def test_links_point_at_older_records_and_both_journals_say_so(bulk):
    store, _ = bulk
    journals = _journals(store)
    with store.read() as session:
        linked = session.exec(select(Incident.ref, Incident.problem_id, Incident.created_at)
                              .where(col(Incident.problem_id).is_not(None))).all()
    assert linked
    for ref, problem_id, _created in linked:
        problem_ref = f"PRB-{problem_id:06d}"
        mine = [json.loads(e.changes) for e in journals[ref] if e.action == "link"]
        theirs = [json.loads(e.changes) for e in journals[problem_ref] if e.action == "link"]
        assert {"problem": [None, problem_ref]} in mine
        assert {"linked_incident": [None, ref]} in theirs


def test_open_incidents_are_the_young_ones_and_a_few_exist(bulk):
    store, _ = bulk
    records = RecordService(store)
    total = records.count("incident", QueueFilter(open_only=False))
    open_now = records.count("incident", QueueFilter())
    assert 0 < open_now < 0.05 * total


def test_bulk_records_can_be_found_by_a_word_of_their_description(bulk):
    store, _ = bulk
    records = RecordService(store)
    with store.read() as session:
        description = session.exec(select(Incident.description).order_by(col(Incident.id).desc())).first()
    asset = "LT" + description.rsplit("LT", 1)[1].rstrip(".")  # e.g. LT4821
    found = records.list("incident", QueueFilter(open_only=False, text=asset), limit=None)
    assert found and all(asset in records.get(r.ref).description for r in found)


def test_a_record_can_still_be_worked_on_after_the_bulk_demo(bulk, tmp_path):
    store, _ = bulk
    records = RecordService(store)
    row = records.list("incident", QueueFilter(), limit=1)[0]
    updated = records.add_note(row.ref, "Checked again.", expected_version=records.get(row.ref).version)
    assert updated.journal[0].note == "Checked again."
    assert verify_database(store).ok


def test_the_same_seed_gives_the_same_desk(tmp_path):
    def incidents(name: str) -> list[tuple]:
        store = Store(tmp_path / name, actor="tester", clock=FakeClock())
        try:
            fill_bulk(store, count=400, seed=3, rich=20)
            with store.read() as session:
                return session.exec(select(Incident.ref, Incident.title, Incident.status,
                                           Incident.created_at).order_by(col(Incident.id))).all()
        finally:
            store.close()

    assert incidents("a.db") == incidents("b.db")


def test_a_failure_half_way_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    store = Store(tmp_path / "desk.db", actor="tester", clock=FakeClock())

    def broken(self, rec, created):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(demo_bulk_plan.BulkPlanner, "request", broken)
    with pytest.raises(RuntimeError):
        fill_bulk(store, count=500, seed=1, rich=20)
    with store.read() as session:
        assert session.exec(select(func.count()).select_from(Incident)).one() == 0
        assert session.exec(select(func.count()).select_from(JournalEntry)).one() == 0
    store.close()


def test_a_used_database_is_refused_without_force(store, records):
    records.create("incident", title="Real work")
    with pytest.raises(ValidationError, match="already holds 1 record"):
        fill_bulk(store, count=500, rich=20)


def test_sms_tui_demo_writes_large_counts_in_bulk(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_bulk, "BULK_FROM", 300)
    monkeypatch.setattr("sms_tui.services.demo.service.DEFAULT_COUNT", 20)
    db = tmp_path / "desk.db"
    result = CliRunner().invoke(main, ["--db", str(db), "demo", "--count", "600"])
    assert result.exit_code == 0, result.output
    assert "600 records" in result.output
    verify = CliRunner().invoke(main, ["--db", str(db), "verify"])
    assert verify.exit_code == 0 and verify.output.startswith("ok: 600 records"), verify.output


# ------------------------------------------------------------------ the hash, without the ORM
_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)


@settings(max_examples=200, deadline=None)
@given(prev=_TEXT, ref=_TEXT, actor=_TEXT, action=_TEXT, changes=_TEXT, note=_TEXT,
       at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_the_bulk_hash_is_the_journal_hash(prev, ref, actor, action, changes, note, at):
    at = at.replace(microsecond=0)
    entry = JournalEntry(record_ref=ref, record_kind="incident", at=at, actor=actor, action=action,
                         changes=changes, note=note)
    iso = demo_bulk_plan.when(int(at.replace(tzinfo=UTC).timestamp()))[1]  # naive = UTC, as stored
    assert chain_hash(prev, ref, "incident", iso, actor, action, changes, note) == _digest(prev, entry)


def test_bulk_ids_continue_after_the_rich_demo(bulk):
    store, _ = bulk
    with store.read() as session:
        refs = session.exec(select(Incident.ref).order_by(col(Incident.id))).all()
    numbers = [parse_ref(r)[1] for r in refs]
    assert numbers == list(range(1, len(numbers) + 1))
