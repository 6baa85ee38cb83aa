"""Records as they stood at a moment in the past, read back from their journals.

The register of documents, the CIs, the organisations and the review schedules
keep only their current values; every change to them is journaled with its old
and new value (``changes``: ``{field: [old, new]}``). A past period's evidence
reads them as they were at the period's end: the current values with every
change journaled at or after that moment undone, newest first. Only the
journal entries of those records since that moment are read, looked up by
reference (the journal's index on it): a period of 2023 on the million-record
desk costs what last month's does -- read through the index on time, the
entries of every record since 2023 were read to find the few of these kinds
(14-24 s a query). A record whose early history was imported without a journal
is still read right for any moment after its import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from .sql import rows


def rolled_back(session: Session, current: dict[str, dict[str, Any]], kinds: tuple[str, ...],
                at: str, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``current`` (journal reference -> {field: value now}) as it stood at ``at`` (a stored
    timestamp): each change of ``fields`` journaled on ``kinds`` at or after ``at`` undone.

    Values come back as the journal wrote them (dates as ISO text, see :func:`when`).
    """
    state = {ref: dict(values) for ref, values in current.items()}
    if not state:
        return state
    for ref, changes in _since(session, "record_ref, changes", kinds, at, state):
        values = state.get(ref)
        if values is None:
            continue
        for field, pair in _changes(changes).items():
            if field in fields and isinstance(pair, list) and len(pair) == 2:
                values[field] = pair[0]
    return state


def journaled_since(session: Session, kinds: tuple[str, ...], at: str, field: str,
                    refs: Iterable[str]) -> list[tuple[str, str, Any, Any]]:
    """(reference, action, old, new) of each change of ``field`` journaled on ``kinds`` at or
    after ``at`` on the records ``refs`` (every record of those kinds: they are never
    deleted), newest first."""
    found = []
    for ref, action, changes in _since(session, "record_ref, action, changes", kinds, at, refs):
        pair = _changes(changes).get(field)
        if isinstance(pair, list) and len(pair) == 2:
            found.append((ref, action, pair[0], pair[1]))
    return found


REFS_PER_QUERY = 500  # well under SQLite's and psycopg's limits on bound parameters


def _since(session: Session, columns: str, kinds: tuple[str, ...], at: str,
           refs: Iterable[str]) -> list[tuple]:
    """``columns`` of the entries journaled on ``kinds`` at or after ``at`` about the records
    ``refs``, newest first: found by reference (the index on ``record_ref``), not by time --
    the index on ``at`` read every record's entries since ``at`` (millions for a period two
    years back) to keep the few of these kinds. Sorted here, not by SQL."""
    names = ", ".join(f"'{k}'" for k in kinds)  # fixed identifiers, never user text
    wanted = sorted(set(refs))
    found: list[tuple] = []
    for start in range(0, len(wanted), REFS_PER_QUERY):
        chunk = wanted[start:start + REFS_PER_QUERY]
        params = {f"r{i}": ref for i, ref in enumerate(chunk)}
        marks = ", ".join(f":r{i}" for i in range(len(chunk)))
        found += rows(session, f"SELECT id, {columns} FROM journal_entry WHERE record_ref IN "
                      f"({marks}) AND record_kind IN ({names}) AND at >= :at", at=at, **params)
    return [row[1:] for row in sorted(found, key=lambda row: row[0], reverse=True)]


def _changes(raw: Any) -> dict[str, Any]:
    try:
        found = json.loads(raw or "{}")
    except (TypeError, ValueError):  # an entry damaged by hand says nothing
        return {}
    return found if isinstance(found, dict) else {}


def when(value: Any) -> datetime | None:
    """A time as a column or the journal gives it (a datetime, stored text, an ISO date) in
    UTC; None when there is none or it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        text = str(value)
        parsed = (datetime.combine(date.fromisoformat(text), datetime.min.time()) if len(text) == 10
                  else datetime.fromisoformat(text))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def flag(value: Any) -> bool:
    """A boolean as a column or the journal gives it (True, 1, 't', 'true'...)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "yes")
    return bool(value)
