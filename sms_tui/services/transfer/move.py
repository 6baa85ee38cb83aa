"""``sms-tui migrate --to postgresql://…``: move a SQLite desk onto an empty server database.

All or nothing: the source is verified first (a desk whose journal is already
broken is not moved), every row is copied in ONE server transaction, and the
row counts of every table are compared inside it before it commits. After the
commit the server desk is verified as ``sms-tui verify`` does (hash chains,
heads, records against their journals). The journal heads are not copied: the
server's own trigger builds them as the journal entries go in, in their order,
which re-checks every chain's shape on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from ...domain.errors import ValidationError
from ...storage.engine import DatabaseError
from ...storage.schema import metadata
from ...storage.url import mask_url
from ..admin.integrity import verify_database
from ..core.store import Store, password_env_of

SKIPPED = {"journal_head"}  # rebuilt by the server's trigger from the journal
BATCH = 2000


@dataclass
class MoveSummary:
    target: str
    counts: dict[str, int] = field(default_factory=dict)
    journals: int = 0
    entries: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def move_to_server(source: Store, url: str,
                   progress: Callable[[str, int], None] | None = None) -> MoveSummary:
    """Copy ``source`` (a SQLite desk) into the empty PostgreSQL database of ``url``."""
    from ...storage import server

    if source.on_server:
        raise ValidationError("this desk is already on a server; migrate --to copies a SQLite desk")
    where = mask_url(url)
    before = verify_database(source)
    if not before.ok:
        raise ValidationError(f"{source.path} fails 'sms-tui verify' ({before.problems[0].line()}); "
                              "nothing was copied")
    password_env = password_env_of(source.config)
    server.ensure_server_schema(url, password_env)
    engine = server.make_server_engine(url, password_env)
    summary = MoveSummary(where)
    tables = [t for t in metadata.sorted_tables if t.name not in SKIPPED]
    try:
        try:
            with engine.begin() as target, source.read() as session:
                found = {t.name: target.execute(select(func.count()).select_from(t)).scalar()
                         for t in tables}
                busy = sorted(name for name, n in found.items() if n)
                if busy:
                    from .importer import seeded_by_scheduler

                    raise ValidationError(
                        f"{where} is not empty ({', '.join(busy[:3])}…{seeded_by_scheduler(target)}); "
                        "migrate --to needs an empty database (createdb NAME); nothing was copied")
                for table in tables:
                    summary.counts[table.name] = _copy(session, target, table)
                    if progress is not None:
                        progress(table.name, summary.counts[table.name])
                _restart_ids(target, tables)
                for table in tables:  # inside the transaction: a mismatch rolls everything back
                    there = target.execute(select(func.count()).select_from(table)).scalar()
                    if there != summary.counts[table.name]:
                        raise DatabaseError(f"{table.name}: {summary.counts[table.name]} rows read "
                                            f"but {there} on the server; nothing was copied")
        except (ValidationError, DatabaseError):
            raise
        except Exception as exc:
            raise DatabaseError(f"nothing was copied: {server.explain_server(exc, url)}") from None
    finally:
        engine.dispose()
    target_store = Store(url, source.config, source.actor, source.clock, migrate=False)
    try:
        after = verify_database(target_store)
    finally:
        target_store.close()
    if not after.ok or after.entries != before.entries or after.journals != before.journals:
        first = after.problems[0].line() if after.problems else "journal counts differ"
        raise DatabaseError(f"the copy on {where} fails verification ({first})")
    summary.journals, summary.entries = after.journals, after.entries
    return summary


def _copy(session, target, table) -> int:
    """Every row of ``table`` from the source session to the target connection, in id order;
    a column pointing into its own table (an incident's parent) is set after all rows are in."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    order = list(table.primary_key.columns) or list(table.columns)
    result = session.execute(select(table).order_by(*order)).mappings()
    copied, links = 0, []
    while chunk := result.fetchmany(BATCH):
        rows = [dict(r) for r in chunk]
        for row in rows:
            for name in self_refs:
                if row[name] is not None:
                    links.append((row["id"], name, row[name]))
                    row[name] = None
        target.execute(table.insert(), rows)
        copied += len(rows)
    for row_id, name, value in links:
        target.execute(table.update().where(table.c.id == row_id).values({name: value}))
    return copied


def _restart_ids(target, tables) -> None:
    """Each id sequence continues after the copied ids (a new record never reuses one)."""
    for table in tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        target.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table.name}"'))
