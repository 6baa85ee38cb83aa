"""Queue and report queries read through indexes, never a whole large table (issue 9).

SQLite plans without statistics (no ANALYZE) do not depend on how many rows
there are, so the plans checked here on a small desk are the ones a million
records get; ``python bench/plans.py DB`` prints them all for a real database.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from sms_tui.services.core import queue_query
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.views import QueueFilter
from sms_tui.services.reporting.model import calendar_period
from sms_tui.services.reporting.service import ReportService

KINDS = ("incident", "request", "problem", "known_error", "change")
TABLE = {"incident": "incident", "request": "service_request", "problem": "problem",
         "known_error": "known_error", "change": "change"}
BIG = {"incident", "service_request", "problem", "known_error", "change", "journal_entry"}


@contextmanager
def plans_of(store):
    """Collects the EXPLAIN QUERY PLAN of every SELECT run inside the block."""
    seen: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", before)
    plans: list[tuple[str, list[str]]] = []
    try:
        yield plans
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
    raw = store.engine.raw_connection()
    try:
        for statement, params in seen:
            rows = raw.cursor().execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            plans.append((statement, [r[3] for r in rows]))
    finally:
        raw.close()


def the_plan(plans, table: str = "incident") -> list[str]:
    """The plan of the (last) queue statement that reads ``table`` (not the FTS size probe)."""
    mine = [p for s, p in plans if f"FROM {table}" in s or f'FROM "{table}"' in s]
    assert mine, plans
    return mine[-1]


def full_scans(plan: list[str]) -> list[str]:
    return [step for step in plan
            if (m := re.match(r"SCAN (\w+)", step)) and m.group(1) in BIG and " USING " not in step]


@pytest.fixture
def desk(records, clock):
    for i in range(30):
        rec = records.create("incident", title=f"VPN drops {i}" if i % 3 else f"Printer {i}",
                             impact=("high", "medium", "low")[i % 3], urgency="medium",
                             assignee="alice" if i % 2 else "")
        if i % 4 == 0:
            records.transition(rec.ref, "cancelled", note="duplicate")
        clock.advance(minutes=7)
    for kind in KINDS[1:]:
        records.create(kind, title=f"a {kind}",
                       **({"request_type": "other"} if kind == "request" else {}))
    return records


def _page(records: RecordService, kind: str, flt: QueueFilter, **kw) -> list[str]:
    with plans_of(records.store) as plans:
        records.list(kind, flt, limit=10, **kw)
    return the_plan(plans, TABLE[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_the_open_queue_of_every_kind_is_read_through_its_status_index(desk, kind):
    plan = _page(desk, kind, QueueFilter())
    assert any(f"ix_{TABLE[kind]}_status_queue" in step for step in plan), plan
    assert not full_scans(plan)


@pytest.mark.parametrize("flt", [QueueFilter(priority=2), QueueFilter(assignee="alice"),
                                 QueueFilter(unassigned=True), QueueFilter(sort="updated")],
                         ids=["priority", "mine", "unassigned", "updated"])
def test_quick_filters_on_the_open_queue_still_start_from_the_few_open_records(desk, flt):
    plan = _page(desk, "incident", flt)
    assert any("ix_incident_status_queue" in step for step in plan), plan


@pytest.mark.parametrize("sort, index", [("priority", "ix_incident_queue"),
                                         ("oldest", "ix_incident_created_at"),
                                         ("newest", "ix_incident_created_at"),
                                         ("updated", "ix_incident_updated")])
def test_every_sort_of_all_records_comes_in_index_order_without_sorting(desk, sort, index):
    plan = _page(desk, "incident", QueueFilter(open_only=False, sort=sort))
    assert any(index in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize("sort", sorted(queue_query.SORTS))
def test_a_page_after_or_before_a_row_starts_at_that_row_in_the_index(desk, sort):
    flt = QueueFilter(open_only=False, sort=sort)
    anchor = desk.list("incident", flt, offset=10, limit=1)[0]
    for direction in ("after", "before"):
        plan = _page(desk, "incident", flt, **{direction: anchor})
        assert any(re.search(r"^SEARCH incident USING .*INDEX \w+ \(.*[<>]", step) for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_last_page_is_read_backwards_from_the_end_of_the_index(desk):
    plan = _page(desk, "incident", QueueFilter(open_only=False), from_end=True)
    assert any("ix_incident_queue" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize("flt, index", [
    (QueueFilter(open_only=False, assignee="alice"), "ix_incident_assignee_queue"),
    (QueueFilter(open_only=False, unassigned=True), "ix_incident_assignee_queue"),
    (QueueFilter(open_only=False, priority=3), "ix_incident_queue"),
    (QueueFilter(open_only=False, status="cancelled"), "ix_incident_status_queue"),
], ids=["mine", "unassigned", "priority", "status"])
def test_filters_over_all_records_use_their_index_in_queue_order(desk, flt, index):
    plan = _page(desk, "incident", flt)
    assert any(index in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_a_text_search_reads_the_search_index(desk):
    plan = _page(desk, "incident", QueueFilter(open_only=False, text="vpn"))
    assert any("incident_fts VIRTUAL TABLE" in step for step in plan), plan
    assert not full_scans(plan)


def test_a_common_word_is_searched_in_queue_order_a_rare_one_by_id(desk, monkeypatch):
    queue_query._DENSE.clear()
    monkeypatch.setattr(queue_query, "DENSE_MATCHES", 5)  # "vpn" matches 20 of 30 here
    common = _page(desk, "incident", QueueFilter(open_only=False, text="vpn"))
    rare = _page(desk, "incident", QueueFilter(open_only=False, text="printer 9"))
    queue_query._DENSE.clear()
    assert any("ix_incident_queue" in step for step in common) and not any(
        "TEMP B-TREE" in step for step in common), common
    assert any("INTEGER PRIMARY KEY" in step for step in rare), rare


@pytest.mark.parametrize("flt", [QueueFilter(), QueueFilter(open_only=False),
                                 QueueFilter(open_only=False, priority=2),
                                 QueueFilter(open_only=False, assignee="alice"),
                                 QueueFilter(priority=2)],
                         ids=["open", "all", "priority", "mine", "open priority"])
def test_counting_a_queue_reads_an_index_only(desk, flt):
    with plans_of(desk.store) as plans:
        desk.count("incident", flt)
    plan = the_plan(plans)
    assert all("COVERING INDEX" in step or step.startswith("SCAN incident USING COVERING")
               for step in plan if "incident" in step), plan


def test_counting_a_search_over_all_records_asks_the_search_index_only(desk):
    with plans_of(desk.store) as plans:
        assert desk.count("incident", QueueFilter(open_only=False, text="vpn")) == 20
    assert all("incident_fts" in statement for statement, _ in plans), plans


def test_the_monthly_report_and_the_evidence_report_never_scan_a_large_table(store, desk, clock):
    clock.advance(days=40)
    period = calendar_period("month", clock(), -1)
    with plans_of(store) as plans:
        ReportService(store).service_report(period)
        ReportService(store).evidence_report(period)
    scans = [(s[:120], full_scans(p)) for s, p in plans if full_scans(p)]
    assert not scans


def test_raising_every_review_with_evidence_never_scans_a_large_table(store, desk, clock):
    from sms_tui.services.reviews.service import ReviewService

    ReviewService(store).ensure_schedules()
    clock.advance(days=400)
    with plans_of(store) as plans:
        assert ReviewService(store).raise_due().raised
    scans = [(s[:120], full_scans(p)) for s, p in plans if full_scans(p)]
    assert not scans


def test_opening_a_record_reads_its_journal_by_reference(desk):
    ref = desk.list("incident", QueueFilter(open_only=False), limit=1)[0].ref
    with plans_of(desk.store) as plans:
        desk.get(ref)
    journal = [p for s, p in plans if "journal_entry" in s]
    assert journal and all(any("ix_journal_entry_record" in step for step in p) for p in journal)

