"""Pages read by keyset or backwards from the end are exactly the pages OFFSET gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms_tui.services.core.queue_query import SORTS, QueuePager
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.core.views import QueueFilter
from tests.conftest import FakeClock

FILTERS = [QueueFilter(open_only=False), QueueFilter(), QueueFilter(open_only=False, priority=3),
           QueueFilter(priority=3), QueueFilter(open_only=False, assignee="alice"),
           QueueFilter(open_only=False, text="vpn")]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """45 incidents with many equal creation times and priorities, some closed, some edited."""
    clock = FakeClock()
    store = Store(tmp_path_factory.mktemp("paging") / "desk.db", actor="tester", clock=clock)
    records = RecordService(store)
    levels = ("high", "medium", "low")
    for i in range(45):
        rec = records.create("incident", title="VPN slow" if i % 2 else "Printer jam",
                             impact=levels[i % 3], urgency=levels[(i // 3) % 3],
                             assignee="alice" if i % 4 else "")
        if i % 5 == 0 and i % 9:  # (i % 9 == 0 is a P1: a major incident is never cancelled)
            records.transition(rec.ref, "cancelled", note="duplicate")
        if i % 7 == 0 and i % 5:
            clock.advance(seconds=30)
            records.add_note(rec.ref, "touched")  # recently updated, out of creation order
        if i % 3 == 0:  # every third one shares its creation time with the next
            clock.advance(minutes=5)
    yield records
    store.close()


class EagerPager(QueuePager):
    NEAR_START = 0  # keysets and reading from the end even on this small queue


def truth(records: RecordService, flt: QueueFilter) -> list[str]:
    return [r.ref for r in records.list("incident", flt, limit=None)]


@settings(max_examples=60, deadline=None)
@given(flt=st.sampled_from(FILTERS), sort=st.sampled_from(sorted(SORTS)),
       size=st.integers(1, 12), order=st.sampled_from(["forward", "backward", "end first", "random"]),
       data=st.data())
def test_every_way_of_reading_pages_gives_the_same_rows(desk, flt, sort, size, order, data):
    flt = QueueFilter(**{**flt.__dict__, "sort": sort})
    expected = truth(desk, flt)
    pager = EagerPager(desk, "incident", flt)
    assert pager.count() == len(expected)
    starts = list(range(0, len(expected), size))
    if order == "backward":
        starts.reverse()
    elif order == "end first" and starts:
        starts = [starts[-1], *starts[:-1]]
    elif order == "random":
        starts = data.draw(st.permutations(starts))
    got: dict[int, list[str]] = {}
    for start in starts:
        got[start] = [r.ref for r in pager.rows(start, size)]
    for start in starts:
        assert got[start] == expected[start:start + size], (start, size)


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_after_and_before_a_row_continue_the_queue_on_either_side(desk, sort):
    flt = QueueFilter(open_only=False, sort=sort)
    rows = desk.list("incident", flt, limit=None)
    anchor = rows[20]
    after = desk.list("incident", flt, after=anchor, limit=5)
    before = desk.list("incident", flt, before=anchor, limit=5)
    assert [r.ref for r in after] == [r.ref for r in rows[21:26]]
    assert [r.ref for r in before] == [r.ref for r in rows[15:20]]


def test_from_the_end_counts_the_offset_from_the_last_row(desk):
    rows = truth(desk, QueueFilter(open_only=False))
    last = desk.list("incident", QueueFilter(open_only=False), offset=0, limit=3, from_end=True)
    skip = desk.list("incident", QueueFilter(open_only=False), offset=3, limit=3, from_end=True)
    assert [r.ref for r in last] == rows[-3:]
    assert [r.ref for r in skip] == rows[-6:-3]


def test_a_recount_forgets_what_the_pager_knew(records):
    for i in range(25):
        records.create("incident", title=f"Printer {i}", impact="low", urgency="low")
    pager = EagerPager(records, "incident", QueueFilter(open_only=False))
    pager.count()
    pager.rows(0, 10)  # remembers the row at 9, which the next page would start after
    records.create("incident", title="Core switch down", impact="high", urgency="medium")
    pager.count()  # what a queue does when the database changed
    assert [r.ref for r in pager.rows(10, 10)] == truth(records, QueueFilter(open_only=False))[10:20]
