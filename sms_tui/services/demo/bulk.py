"""A large demo desk, fast: years of history, a million records in a few minutes.

``sms-tui demo`` writes small demos through the ordinary services
(:mod:`sms_tui.services.demo.service`): every rule, hook and side table, but a few
hundred records a minute. From :data:`BULK_FROM` records on it comes here:

* first the rich demo of :data:`~sms_tui.services.demo.service.DEFAULT_COUNT` records
  through the services, as for a small demo (every kind in every state, major
  incidents, approvals, reviews, links);
* then the rest, planned here (:mod:`sms_tui.services.demo.bulk_plan`) and
  inserted with the driver's ``executemany`` -- records, and their journals
  with the hash chain computed in Python exactly as
  :func:`sms_tui.services.core.journal.append` does.

All of it in ONE transaction: an interrupted demo leaves nothing behind. The
bulk records follow the lifecycles and the journal rules (one entry per
version, each move allowed, final records untouched), so ``sms-tui verify``
accepts them; they are plainer than the rich ones (no major incidents, request
steps, approvals or reviews).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ...domain.errors import ValidationError
from ...domain.kinds import KINDS, Kind
from ...storage.models import RECORD_TABLES, ConfigurationItem, JournalEntry, Meta, Service
from ...storage.schema import metadata
from ..core.journal import HMAC_PREFIX
from ..core.store import Store
from . import service as demo
from .bulk_plan import BULK_SHARES, BulkPlanner, Planned

BULK_FROM = 2_000  # from this many records, ``sms-tui demo`` writes in bulk
BATCH = 20_000  # rows per executemany
CACHE_KIB = 256 * 1024  # page cache while writing: keeps the indexes' pages in memory

_quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) does to a str


def chain_hash(prev_hash: str, ref: str, kind: str, at_iso: str, actor: str, action: str,
               changes: str, note: str, key: bytes | None = None) -> str:
    """The journal hash of one entry: byte for byte ``journal._digest`` without the ORM object.

    ``at_iso`` is the entry's UTC time as ``datetime.isoformat()`` writes it.
    """
    payload = (f"[{_quote(prev_hash)},{_quote(ref)},{_quote(kind)},{_quote(at_iso)},"
               f"{_quote(actor)},{_quote(action)},{_quote(changes)},{_quote(note)}]")
    if key:
        return HMAC_PREFIX + hmac.new(key, payload.encode("utf-8", "surrogatepass"),
                                      hashlib.sha256).hexdigest()
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


class _Table:
    """Rows for one table, inserted ``BATCH`` at a time with every column given."""

    def __init__(self, con, name: str) -> None:
        self.con = con
        table = metadata.tables[name]
        self.columns = [c.name for c in table.columns]
        self.defaults = {c.name: _default(c) for c in table.columns}
        cols = ", ".join(f'"{c}"' for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        self.sql = f'INSERT INTO "{name}" ({cols}) VALUES ({marks})'
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, values: dict[str, Any]) -> None:
        get = values.get
        self.rows.append(tuple(get(c, d) for c, d in self.defaults.items()))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.con.executemany(self.sql, self.rows)
            self.written += len(self.rows)
            self.rows = []


def _default(column) -> Any:
    if column.default is not None and getattr(column.default, "is_scalar", False):
        value = column.default.arg
        return int(value) if isinstance(value, bool) else value
    return None


class _Journal:
    """Journal rows with their hash chains, in the order each record's entries happened."""

    SQL = ("INSERT INTO journal_entry (record_ref, record_kind, at, actor, action, changes, note, "
           "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")

    def __init__(self, con, key: bytes | None = None) -> None:
        self.con = con
        self.key = key
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, ref: str, kind: str, events: Iterable[tuple], prev: str = "") -> str:
        """Append ``events`` (at_db, at_iso, actor, action, changes_json, note) to ``ref``'s chain."""
        rows = self.rows
        for at_db, at_iso, actor, action, changes, note in events:
            digest = chain_hash(prev, ref, kind, at_iso, actor, action, changes, note, self.key)
            rows.append((ref, kind, at_db, actor, action, changes, note, prev, digest))
            prev = digest
        if len(rows) >= BATCH:
            self.flush()
        return prev

    def flush(self) -> None:
        if self.rows:
            self.con.executemany(self.SQL, self.rows)
            self.written += len(self.rows)
            self.rows = []


def bulk_counts(count: int, rich: int) -> dict[Kind, int]:
    """Records per kind beyond the ``rich`` ones: mostly incidents, tens of thousands of the rest."""
    rest = max(0, count - rich)
    counts = {kind: int(rest * share) for kind, share in BULK_SHARES.items()}
    counts[Kind.INCIDENT] += rest - sum(counts.values())
    return counts


def fill_bulk(store: Store, *, count: int, seed: int = demo.DEFAULT_SEED, force: bool = False,
              rich: int | None = None, progress: demo.Progress | None = None) -> demo.DemoSummary:
    """``rich`` records (default: the default demo's size) through the services, the rest
    of ``count`` in bulk, all in one transaction; refuses a used database unless ``force``.
    ``progress(done, total)`` counts the rich demo's actions, then the bulk records."""
    rich = demo.DEFAULT_COUNT if rich is None else rich
    if getattr(store, "on_server", False):
        raise ValidationError(f"a bulk demo ({BULK_FROM:,} records or more) writes SQLite files "
                              "only; build it in a file, then 'sms-tui migrate --to' the server")
    if count <= rich:
        raise ValidationError(f"a bulk demo has more than {rich} records; use the ordinary demo")
    plan = demo.plan_demo(rich, seed, now=store.now())
    with store.write() as session:
        from ..mail.requester import QUIET

        session.info[QUIET] = True  # demo requesters get no mail
        found = demo.existing_records(session)
        if found and not force:
            raise ValidationError(
                f"{store.path} already holds {found} record{'s' if found != 1 else ''}; "
                "demo data goes into an empty database (use another --db, or --force to add it anyway)")
        journal_before = session.exec(select(func.count()).select_from(JournalEntry)).one()
        services, cis, relations = demo.write_catalogue(store, session, plan.now)
        demo.write_contacts(store, session, plan.now - timedelta(days=demo.HISTORY_DAYS + 1))
        steps = len(plan.events())
        bulk = bulk_counts(count, rich)
        total = steps + sum(bulk.values())
        made, skipped = demo.write_records(
            store, session, plan, None if progress is None else (lambda done, _n: progress(done, total)))
        demo.add_overdue_review(store, session, plan.now)
        session.flush()
        added = _write_bulk(store, session, bulk, seed, plan.now,
                            None if progress is None else (lambda done, _n: progress(steps + done, total)))
        for kind, n in added.items():
            made[KINDS[kind].plural] = made.get(KINDS[kind].plural, 0) + n
        session.merge(Meta(key="demo_data", value=json.dumps(
            {"seed": seed, "count": count, "bulk": True, "at": plan.now.isoformat()})))
        session.flush()
        journal_after = session.exec(select(func.count()).select_from(JournalEntry)).one()
    return demo.DemoSummary(services, cis, relations, made, journal_after - journal_before, skipped)


def _write_bulk(store: Store, session: Session, counts: dict[Kind, int], seed: int,
                now: datetime, progress: demo.Progress | None = None) -> dict[Kind, int]:
    con = session.connection().connection.driver_connection
    services = {name: sid for sid, name in session.exec(select(Service.id, Service.name))}
    cis = {name: cid for cid, name in session.exec(select(ConfigurationItem.id, ConfigurationItem.name))}
    first_ids = {kind: (session.exec(select(func.max(RECORD_TABLES[kind.value].id))).one() or 0) + 1
                 for kind in Kind}
    planner = BulkPlanner(seed, now, store.config.matrix, services, cis, first_ids)
    journal = _Journal(con, getattr(store, "journal_key", None))
    (cache,) = con.execute("PRAGMA cache_size").fetchone()
    con.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        # parents before children: incidents and known errors point at problems and changes
        order = (Kind.CHANGE, Kind.PROBLEM, Kind.KNOWN_ERROR, Kind.INCIDENT, Kind.REQUEST)
        written: dict[Kind, int] = {}
        done = 0
        late: list[Planned] = []  # records that collect journal entries from later ones (links)
        for kind in order:
            table = _Table(con, RECORD_TABLES[kind.value].__tablename__)
            for rec in planner.plan(kind, counts[kind]):
                table.add(rec.values)
                if rec.collects_links:
                    late.append(rec)
                else:
                    journal.add(rec.values["ref"], kind.value, rec.entries)
                done += 1
                if progress is not None and done % 5000 == 0:
                    progress(done, 0)
            table.flush()
            written[kind] = table.written
        _finish_linked(con, journal, late)
        journal.flush()
        if progress is not None:
            progress(done, 0)
    finally:
        con.execute(f"PRAGMA cache_size = {int(cache)}")
    return written


def _finish_linked(con, journal: _Journal, late: Sequence[Planned]) -> None:
    """Journal the records that others linked to, and bring their version and time up to date."""
    updates: dict[str, list[tuple]] = {}
    for rec in late:
        if rec.link_events:
            events = rec.finish()  # again, with the links others made
            table = RECORD_TABLES[rec.kind.value].__tablename__
            updates.setdefault(table, []).append((len(events), events[-1][0], rec.values["id"]))
        journal.add(rec.values["ref"], rec.kind.value, rec.entries)
    for table, rows in updates.items():
        con.executemany(f'UPDATE "{table}" SET version = ?, updated_at = ? WHERE id = ?', rows)
