"""Queue queries that stay fast on a million records (issue 9).

:class:`~sms_tui.services.core.records.RecordService` builds its queue queries
from these pieces:

* :func:`conditions` -- the WHERE of a :class:`QueueFilter`;
* :func:`order_by` / :func:`keyset` -- the queue order, forwards or backwards,
  and "the rows after (or before) this row" as a row-value comparison on the
  order's columns, which SQLite answers from the queue index without reading
  the rows it skips (``OFFSET 999900`` reads a million rows: ~3 s);
* :func:`count` -- without the service join, and straight from the search
  index when the filter is only text.

:class:`QueuePager` is what a screen pages through: it remembers the first
and last row of every page it served, so the next page is read with a keyset
from its neighbour, and a page in the second half of the queue is read
backwards from the end ("jump to end" costs what the first page does). Only a
jump into the middle with no neighbour loaded pays for an OFFSET.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, literal, select, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlmodel import Session, col

from ...domain.kinds import Kind, parse_ref
from ...domain.lifecycle import lifecycle_for
from ...storage import search
from ...storage.models import Incident
from .views import SORTS, QueueFilter, RecordRow

if TYPE_CHECKING:
    from .records import RecordService

# A search matching more records than this reads the queue in order and keeps
# the matches (it finds a page of them quickly); fewer are fetched by id and sorted.
DENSE_MATCHES = 2000


def conditions(session: Session, kind: Kind, model, flt: QueueFilter) -> list[ColumnElement]:
    """The WHERE conditions of ``flt`` on the kind's table (``session`` sizes a text search)."""
    where: list[ColumnElement] = []
    plain = unindexed if by_status(flt) else (lambda column: column)
    if flt.status:
        where.append(model.status == flt.status)
    elif flt.open_only:
        where.append(col(model.status).in_(sorted(lifecycle_for(kind).open_states)))
    if flt.priority:
        where.append(plain(model.priority) == flt.priority)
    if flt.unassigned:
        where.append(plain(model.assignee) == "")
    elif flt.assignee:
        where.append(plain(model.assignee) == flt.assignee)
    if flt.major_only and kind is Kind.INCIDENT:
        where.append(Incident.major == True)  # noqa: E712
    if flt.security_only and kind is Kind.INCIDENT:
        where.append(plain(Incident.security_risk) != "none")
    if flt.text.strip():  # words by prefix (FTS5), or the record's number: storage/search.py
        table = model.__tablename__
        dense = _dense(session, table, flt.text)
        where.append(search.text_condition(model, table, flt.text, dense=dense))
    return where


def by_status(flt: QueueFilter) -> bool:
    """Whether the open-records queue is read through the status index, by making the
    other conditions unusable for an index (SQLite's ``+column``).

    Without statistics SQLite prefers an index that gives the ORDER BY for
    free: "open P3 incidents" would walk all 370,000 P3 incidents of a
    million to find the few hundred open ones (0.4 s). Open records are few
    on any working desk, so reading them by status and sorting them is the
    plan that stays fast (under a millisecond).
    """
    return flt.open_only and not flt.status


def unindexed(column):
    """``+column``: the same value, but SQLite will not pick an index for the condition."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


_DENSE: OrderedDict[tuple[str, str, str], bool] = OrderedDict()


def _dense(session: Session, table: str, typed: str) -> bool:
    """Whether ``typed`` matches many records of ``table``. Only the query's shape depends
    on it, never its result, so a remembered answer is good enough: a queue asks for a
    count and a page for each search, and every page it scrolls to."""
    if session.get_bind().dialect.name != "sqlite":
        return False  # the server's query has one shape (GIN index): its count would be wasted
    key = (str(session.get_bind().url), table, typed)
    if key not in _DENSE:
        _DENSE[key] = search.match_count(session, table, typed) > DENSE_MATCHES
        while len(_DENSE) > 256:
            _DENSE.popitem(last=False)
    return _DENSE[key]


def order_by(model, sort: str, reverse: bool = False) -> list[Any]:
    """The queue order (or its exact reverse) as ORDER BY terms."""
    names, descending = SORTS[sort]
    down = descending != reverse
    return [getattr(model, n).desc() if down else getattr(model, n) for n in names]


def keyset(model, flt: QueueFilter, anchor: RecordRow, *, after: bool) -> ColumnElement:
    """Rows strictly after (or before) ``anchor`` in ``flt``'s queue order."""
    names, descending = SORTS[flt.sort]
    columns = [getattr(model, n) for n in names]
    values = [literal(_value(anchor, n), c.type) for n, c in zip(names, columns, strict=True)]
    if by_status(flt):
        columns[0] = unindexed(columns[0])
    left, right = tuple_(*columns), tuple_(*values)
    return left > right if after != descending else left < right


def _value(row: RecordRow, name: str) -> Any:
    return parse_ref(row.ref)[1] if name == "id" else getattr(row, name)


def count(session: Session, kind: Kind, model, flt: QueueFilter) -> int:
    """How many records ``flt`` matches, without reading the records where it can."""
    text_only = (flt.text.strip() and not (flt.status or flt.open_only or flt.priority
                                          or flt.unassigned or flt.assignee or flt.major_only
                                          or flt.security_only))
    if text_only and search.number_in(flt.text, search.prefix_of(model.__tablename__)) is None \
            and search.match_expression(flt.text) is not None:
        return search.match_count(session, model.__tablename__, flt.text)
    where = conditions(session, kind, model, flt)
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


class QueuePager:
    """Pages of one queue under one filter, each read the cheapest way (see the module doc)."""

    NEAR_START = 1000  # an OFFSET this small is as cheap as a keyset
    REMEMBERED = 400  # page edges kept (first and last row of 200 pages)
    SMALL = 500  # a search among open records with at most this many matches is read whole

    def __init__(self, records: RecordService, kind: str, flt: QueueFilter) -> None:
        self.records, self.kind, self.flt = records, kind, flt
        self.total: int | None = None
        self._edges: OrderedDict[int, RecordRow] = OrderedDict()  # index -> row
        self._all: list[RecordRow] | None = None  # the whole (small) queue, when read at once
        self._lock = threading.Lock()  # pages are fetched from several worker threads

    @property
    def count_reads_rows(self) -> bool:
        """Whether :meth:`count` reads the queue's rows too (a search among open records):
        then its pages come from what the count read, so read them after it, not beside it."""
        return by_status(self.flt) and bool(self.flt.text.strip())

    def count(self) -> int:
        """Count again (the queue may have changed: what was remembered is forgotten)."""
        with self._lock:
            self._edges.clear()
            self._all = None
        if self.count_reads_rows:
            # A search among open records: read them all at once (they are few), so
            # the search index is read once for the count and every page, not per query.
            rows = self.records.list(self.kind, self.flt, limit=self.SMALL + 1)
            if len(rows) <= self.SMALL:
                with self._lock:
                    self._all, self.total = rows, len(rows)
                return len(rows)
        total = self.records.count(self.kind, self.flt)
        with self._lock:
            self.total = total
        return total

    def rows(self, offset: int, limit: int) -> list[RecordRow]:
        """Rows ``offset`` .. ``offset + limit - 1`` of the queue."""
        with self._lock:
            if self._all is not None:
                return self._all[offset:offset + limit]
            before_page = self._edges.get(offset - 1)
            after_page = self._edges.get(offset + limit)
            total = self.total
        list_ = self.records.list
        if offset <= self.NEAR_START:
            rows = list_(self.kind, self.flt, offset=offset, limit=limit)
        elif before_page is not None:
            rows = list_(self.kind, self.flt, after=before_page, limit=limit)
        elif after_page is not None:
            rows = list_(self.kind, self.flt, before=after_page, limit=limit)
        elif total is not None and offset > total // 2:
            last = min(total, offset + limit)
            rows = list_(self.kind, self.flt, offset=total - last, limit=last - offset,
                         from_end=True)
        else:
            rows = list_(self.kind, self.flt, offset=offset, limit=limit)
        if rows:
            with self._lock:
                self._edges[offset] = rows[0]
                self._edges[offset + len(rows) - 1] = rows[-1]
                while len(self._edges) > self.REMEMBERED:
                    self._edges.popitem(last=False)
        return rows
