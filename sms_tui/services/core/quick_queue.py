"""The first page of a queue, read before SQLAlchemy is imported (issue 9).

Opening the services costs most of a second (SQLAlchemy, SQLModel, the
schema's models). The TUI paints its frame first, and with this module it
also shows the queue's first rows while that happens: the same rows, in the
same order, with the same SLA labels that :class:`~sms_tui.services.core.records.RecordService`
and :class:`~sms_tui.services.incidents.sla.SlaService` give, read with the standard
library from a database already at the current schema
(:func:`sms_tui.storage.quick.read_current`). Tests compare the two for every
kind and filter.

The same read serves ``sms-tui list`` without a search (:func:`list_rows`): the
command prints what the services would, a fraction of a second sooner.

It answers only what it can answer exactly: a queue filter without text (a
search needs the full-text rules of :mod:`sms_tui.storage.search`). Otherwise,
and for a database that is missing, older or unreadable, it returns None and
the screen waits for the services, which create, migrate and report errors.
This module imports neither SQLAlchemy nor SQLModel, and never writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ...config import Config
from ...domain.kinds import Kind, parse_kind
from ...domain.lifecycle import lifecycle_for
from ...storage.quick import read_current, stored_time
from ..incidents.sla_readings import RowSla, request_row_sla, row_sla, sla_policy
from .views import SORTS, QueueFilter, RecordRow, queue_row, with_sla

# The table of each record kind (a test checks these against the models).
TABLES = {
    Kind.INCIDENT: "incident",
    Kind.REQUEST: "service_request",
    Kind.PROBLEM: "problem",
    Kind.KNOWN_ERROR: "known_error",
    Kind.CHANGE: "change",
    Kind.COMPLAINT: "complaint",
}
COLUMNS = ("ref", "title", "status", "priority", "impact", "urgency", "assignee",
           "assignment_group", "created_at", "updated_at", "escalation_level", "escalated_to")
# what an incident's SLA reading needs besides the columns above
SLA_COLUMNS = ("major", "major_manager", "first_response_at", "sla_counted_s",
               "sla_running_since", "sla_response_s")
# and a request's (its targets were copied from its type when it was raised)
REQUEST_SLA_COLUMNS = ("first_response_at", "sla_counted_s", "sla_running_since", "sla_response_s",
                       "sla_respond_target_s", "sla_resolve_target_s")
# and a change's (its window, the queue's Window column)
CHANGE_COLUMNS = ("planned_start",)
TIMES = ("created_at", "updated_at", "first_response_at", "sla_running_since", "planned_start")


@dataclass(frozen=True)
class FirstPage:
    total: int
    rows: list[RecordRow]
    # the queue's last page when it is not the first (rows from ``last_start`` to the end):
    # End pressed the moment the rows appear shows rows, not "…" until the services open
    last: list[RecordRow] = field(default_factory=list)
    last_start: int = 0


def supported(flt: QueueFilter) -> bool:
    """Whether :func:`first_page` can read this filter's queue."""
    return not flt.text.strip() and flt.sort in SORTS


def first_page(db_path: Path | str, config: Config, kind: Kind | str, flt: QueueFilter,
               limit: int, now: datetime) -> FirstPage | None:
    """The count and first ``limit`` rows of a queue, or None when only the services can tell."""
    kind = parse_kind(kind) if isinstance(kind, str) else kind
    if not supported(flt) or limit <= 0:
        return None
    where, params = _conditions(kind, flt)
    table = TABLES[kind]

    def read(con: sqlite3.Connection) -> FirstPage:
        total = con.execute(f"SELECT count(*) FROM {table} AS r{where}", params).fetchone()[0]
        rows = _rows(con, kind, table, where, params, flt, limit, config, now) if total else []
        if total <= limit:
            return FirstPage(total, rows)
        last_start = (total - 1) // limit * limit
        last = _rows(con, kind, table, where, params, flt, total - last_start, config, now,
                     from_end=True)
        return FirstPage(total, rows, last, last_start)

    return read_current(db_path, read)


def list_rows(db_path: Path | str, config: Config, kind: Kind | str, flt: QueueFilter,
              limit: int | None, now: datetime) -> list[tuple[RecordRow, RowSla | None]] | None:
    """Every row of a queue (at most ``limit``) with its incident's SLA reading, as
    ``sms-tui list`` prints them (:meth:`RecordService.list` and
    :meth:`SlaService.sla_for_rows`), or None when only the services can tell."""
    kind = parse_kind(kind) if isinstance(kind, str) else kind
    if not supported(flt) or (limit is not None and limit <= 0):
        return None
    where, params = _conditions(kind, flt)

    def read(con: sqlite3.Connection) -> list[tuple[RecordRow, RowSla | None]]:
        return _rows(con, kind, TABLES[kind], where, params, flt, -1 if limit is None else limit,
                     config, now, with_readings=True)

    return read_current(db_path, read)


def _conditions(kind: Kind, flt: QueueFilter) -> tuple[str, list[object]]:
    """The WHERE of ``flt``, as :func:`sms_tui.services.core.queue_query.conditions` builds it."""
    terms: list[str] = []
    params: list[object] = []
    # open records are read through the status index: other conditions are
    # made unusable for an index ("+column"), as queue_query.by_status explains
    plain = "+" if flt.open_only and not flt.status else ""
    if flt.status:
        terms.append("r.status = ?")
        params.append(flt.status)
    elif flt.open_only:
        states = sorted(lifecycle_for(kind).open_states)
        terms.append(f"r.status IN ({', '.join('?' * len(states))})")
        params.extend(states)
    if flt.priority:
        terms.append(f"{plain}r.priority = ?")
        params.append(flt.priority)
    if flt.unassigned:
        terms.append(f"{plain}r.assignee = ''")
    elif flt.assignee:
        terms.append(f"{plain}r.assignee = ?")
        params.append(flt.assignee)
    if flt.major_only and kind is Kind.INCIDENT:
        terms.append("r.major = 1")
    if flt.security_only and kind is Kind.INCIDENT:
        terms.append(f"{plain}r.security_risk != 'none'")
    return (" WHERE " + " AND ".join(terms) if terms else ""), params


def _rows(con: sqlite3.Connection, kind: Kind, table: str, where: str, params: list[object],
          flt: QueueFilter, limit: int, config: Config, now: datetime, *,
          with_readings: bool = False, from_end: bool = False) -> list[Any]:
    """The queue's rows (``limit`` -1: all; ``from_end``: the last ``limit``, in queue order);
    ``with_readings``: (row, SLA reading or None)."""
    incident = kind is Kind.INCIDENT
    request = kind is Kind.REQUEST
    names = COLUMNS + (SLA_COLUMNS if incident else REQUEST_SLA_COLUMNS if request
                       else CHANGE_COLUMNS if kind is Kind.CHANGE else ())
    names_sql = ", ".join(f"r.{n}" for n in names)
    order, descending = SORTS[flt.sort]
    backwards = descending != from_end  # the sorts are total orders (they end with the id)
    order_sql = ", ".join(f"r.{n}{' DESC' if backwards else ''}" for n in order)
    asks = kind in (Kind.INCIDENT, Kind.REQUEST, Kind.COMPLAINT)  # their requester's name too
    requester_sql = ", c.name" if asks else ""
    requester_join = " LEFT OUTER JOIN contact AS c ON c.id = r.requester_id" if asks else ""
    sql = (f"SELECT {names_sql}{requester_sql}, s.name FROM {table} AS r LEFT OUTER JOIN "
           f"service AS s ON s.id = r.service_id{requester_join}{where} ORDER BY {order_sql} "
           "LIMIT ?")
    lifecycle = lifecycle_for(kind)
    policy = sla_policy(config) if incident or request else None
    out: list[Any] = []
    for values in con.execute(sql, [*params, limit]):
        requester = (values[-2] or "") if asks else ""
        raw = dict(zip(names, values[:-2] if asks else values[:-1], strict=True))
        service = values[-1] or ""
        for name in TIMES:
            if isinstance(raw.get(name), str):
                raw[name] = stored_time(raw[name])
        if incident:
            raw["major"] = bool(raw["major"])
        columns = SimpleNamespace(**raw)
        row = queue_row(kind.value, columns, service, lifecycle, requester)
        reading = (row_sla(columns, service, policy, now) if incident else
                   request_row_sla(columns, policy, now) if request else None)
        if with_readings:
            out.append((row, reading))
        else:
            out.append(with_sla(row, reading) if reading is not None else row)
    return out[::-1] if from_end else out
