"""An incident's whole record, read before SQLAlchemy is imported (issue 20).

Enter pressed the moment the queue's first rows appear opened the record's screen at
once with the queue's line, but the rest of the record -- its fields, links and
journal -- waited for the services, whose imports take most of a second. This
module reads the same :class:`~sms_tui.services.core.views.RecordView` that
:meth:`RecordService.get <sms_tui.services.core.records.RecordService.get>` gives,
with the standard library, from a database already at the current schema
(:func:`sms_tui.storage.quick.read_current`), as
:mod:`~sms_tui.services.core.quick_queue` reads the first page. A test compares
the two for every incident of a bulk desk.

It answers only what it can answer exactly: an incident (the queue the desk opens
on) without attachments (their view lives with the mail services). Otherwise, and
for a database that is missing, older or unreadable, it returns None and the
screen waits for the services. It imports neither SQLAlchemy nor SQLModel, and
never writes.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from ...domain.errors import DeskError
from ...domain.kinds import EXTRA_FIELDS, Kind, parse_ref
from ...domain.lifecycle import lifecycle_for, next_statuses
from ...storage.quick import read_current, stored_time
from .views import JournalView, LinkView, RecordView

# the view's fields that are the record's columns as they are (times read as the services do)
AS_STORED = ("ref", "title", "description", "status", "category", "assignee", "assignment_group",
             "escalated_to", "escalation_level", "impact", "urgency", "priority", "created_by",
             "created_at", "updated_at", "resolved_at", "closed_at", "version")
COLUMNS = ("id", *AS_STORED, "service_id", "ci_id", "problem_id", "change_id", "parent_id",
           "requester_id", *EXTRA_FIELDS[Kind.INCIDENT])
TIMES = ("created_at", "updated_at", "resolved_at", "closed_at")
BOOLS = ("major",)
MANY_LIMIT = 200  # as RecordService._links lists the records under one


def record_view(db_path: Path | str, ref: str) -> RecordView | None:
    """Record ``ref`` with its links and whole journal (newest first), as the services give
    it, or None when only the services can tell (not an incident, attachments, no such
    record, a database that is not current)."""
    try:
        kind, number = parse_ref(ref)
    except DeskError:
        return None
    if kind is not Kind.INCIDENT:
        return None

    def read(con: sqlite3.Connection) -> RecordView | None:
        names = ", ".join(COLUMNS)
        found = con.execute(f"SELECT {names} FROM incident WHERE id = ?", (number,)).fetchone()
        if found is None:
            return None  # the services say "no record …" in their words
        row = dict(zip(COLUMNS, found, strict=True))
        if con.execute("SELECT 1 FROM mail_attachment WHERE record_ref = ? LIMIT 1",
                       (row["ref"],)).fetchone() is not None:
            return None
        for name in TIMES:
            row[name] = stored_time(row[name])
        for name in BOOLS:
            row[name] = bool(row[name])
        lifecycle = lifecycle_for(kind)
        requester = ("", "", "")
        if row["requester_id"] is not None:
            requester = con.execute("SELECT ref, name, email FROM contact WHERE id = ?",
                                    (row["requester_id"],)).fetchone() or requester
        extra = {name: row[name] for name in EXTRA_FIELDS[kind]}
        return RecordView(
            kind=kind.value,
            **{name: row[name] for name in AS_STORED},
            service=_name_of(con, "service", row["service_id"]),
            ci=_name_of(con, "configuration_item", row["ci_id"]),
            is_open=lifecycle.is_open(row["status"]),
            allowed_transitions=next_statuses(kind, row["status"], extra),
            extra=extra,
            links=_links(con, row),
            journal=_journal(con, row["ref"]),
            requester_ref=requester[0],
            requester=requester[1],
            requester_email=requester[2],
            attachments=[],
        )

    return read_current(db_path, read)


def _name_of(con: sqlite3.Connection, table: str, row_id: int | None) -> str:
    if row_id is None:
        return ""
    found = con.execute(f"SELECT name FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return found[0] if found else ""


def _links(con: sqlite3.Connection, row: dict[str, Any]) -> list[LinkView]:
    """An incident's links in :meth:`RecordService._links`' order: parent, children,
    problem, change."""
    links: list[LinkView] = []

    def one(relation: str, table: str, row_id: int | None) -> None:
        if row_id is None:
            return
        other = con.execute(f"SELECT ref, title, status FROM {table} WHERE id = ?",
                            (row_id,)).fetchone()
        if other is not None:
            links.append(LinkView(relation, *other))

    one("parent", "incident", row["parent_id"])
    for other in con.execute("SELECT ref, title, status FROM incident WHERE parent_id = ? "
                             "ORDER BY id LIMIT ?", (row["id"], MANY_LIMIT)):
        links.append(LinkView("child", *other))
    one("problem", "problem", row["problem_id"])
    one("change", "change", row["change_id"])
    return links


def _journal(con: sqlite3.Connection, ref: str) -> list[JournalView]:
    """The record's journal newest first, as :func:`journal.entries_for` gives it."""
    return [
        JournalView(id=entry_id, at=stored_time(at) or datetime.min, actor=actor, action=action,
                    changes={k: tuple(v) for k, v in json.loads(changes or "{}").items()},
                    note=note)
        for entry_id, at, actor, action, changes, note in con.execute(
            "SELECT id, at, actor, action, changes, note FROM journal_entry "
            "WHERE record_ref = ? ORDER BY id DESC", (ref,))
    ]
