"""SQL helpers shared by the reports: timestamps, a schema probe, small query wrappers.

Reports aggregate in SQLite (COUNT/SUM/AVG with GROUP BY, window functions)
and never load every record into Python. They are written against the schema
that is actually in the database: tables of features that are not installed
(or renamed) make the figure report "no data" instead of failing, which is
what :class:`Probe` is for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

# SQLAlchemy's SQLite DateTime stores UTC as 'YYYY-MM-DD HH:MM:SS.ffffff', which
# sorts as text; bound parameters use the same layout so comparisons are exact.
_TS = "%Y-%m-%d %H:%M:%S.%f"

HOURS = "(julianday({end}) - julianday({start})) * 24.0"
# PostgreSQL (team mode): the same hours from timestamptz columns
PG_HOURS = "(EXTRACT(EPOCH FROM (({end}) - ({start}))) / 3600.0)"


def dialect_of(session: Session) -> str:
    """'sqlite' or 'postgresql': the few report queries that differ are chosen by it."""
    return session.get_bind().dialect.name


def ts(value: datetime) -> str:
    """A timestamp as the database stores it (UTC, text)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime(_TS)


def hours_between(start_col: str, end_col: str, dialect: str = "sqlite") -> str:
    """SQL expression: hours from ``start_col`` to ``end_col``."""
    if dialect == "postgresql":
        return PG_HOURS.format(start=start_col, end=end_col)
    return HOURS.format(start=start_col, end=end_col)


class Probe:
    """Which tables and columns this database has (read once per report)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._columns: dict[str, set[str]] = {}
        self.dialect = dialect_of(session)
        if self.dialect == "postgresql":
            names = session.execute(text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()")).scalars()
        else:
            names = session.execute(
                text("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
            ).scalars()
        self.tables = set(names)

    def has(self, table: str, *columns: str) -> bool:
        if table not in self.tables:
            return False
        return all(c in self.columns(table) for c in columns)

    def columns(self, table: str) -> set[str]:
        if table not in self._columns:
            if self.dialect == "postgresql":
                found = self.session.execute(text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = :t"), {"t": table})
                self._columns[table] = set(found.scalars())
            else:
                rows = self.session.execute(text(f'PRAGMA table_info("{table}")')).all()
                self._columns[table] = {r[1] for r in rows}
        return self._columns[table]

    def first_column(self, table: str, *candidates: str) -> str | None:
        """The first of ``candidates`` that ``table`` has (features name things differently)."""
        if table not in self.tables:
            return None
        cols = self.columns(table)
        return next((c for c in candidates if c in cols), None)

    def first_table(self, *candidates: str) -> str | None:
        return next((t for t in candidates if t in self.tables), None)


def scalar(session: Session, sql: str, **params: Any) -> Any:
    """The first column of the first row (None when there is no row)."""
    return session.execute(text(sql), params).scalar()


def rows(session: Session, sql: str, **params: Any) -> list[tuple]:
    return [tuple(r) for r in session.execute(text(sql), params).all()]


def one(session: Session, sql: str, **params: Any) -> tuple:
    row = session.execute(text(sql), params).first()
    return tuple(row) if row is not None else ()


def refs(session: Session, sql: str, limit: int | None, **params: Any) -> tuple[int, tuple[str, ...]]:
    """(how many rows ``sql`` selects, the first ``limit`` of its first column).

    ``sql`` selects references in the order they should be listed.
    """
    count = scalar(session, f"SELECT COUNT(*) FROM ({sql}) listed", **params) or 0
    if not count:
        return 0, ()
    tail = "" if limit is None else f" LIMIT {int(limit)}"
    listed = session.execute(text(f"SELECT * FROM ({sql}) listed{tail}"), params).scalars().all()
    return int(count), tuple(str(r) for r in listed)


def p90_by(session: Session, value_sql: str, from_sql: str, group_sql: str,
           **params: Any) -> tuple[dict[Any, float], float | None]:
    """90th percentile (nearest rank) of ``value_sql`` per ``group_sql`` and over all rows.

    Nearest rank: the value at position ceil(0.9 × n) of the sorted values, found
    with ROW_NUMBER()/COUNT() windows in ONE pass, so only the chosen rows leave
    the database (SQLite has no percentile function).
    """
    sql = f"""
        SELECT grp, v, rn = (9 * n + 9) / 10, rn_all = (9 * n_all + 9) / 10 FROM (
            SELECT {group_sql} AS grp, {value_sql} AS v,
                   ROW_NUMBER() OVER (PARTITION BY {group_sql} ORDER BY {value_sql}) AS rn,
                   COUNT(*) OVER (PARTITION BY {group_sql}) AS n,
                   ROW_NUMBER() OVER (ORDER BY {value_sql}) AS rn_all,
                   COUNT(*) OVER () AS n_all
            {from_sql}
        ) ranked WHERE rn = (9 * n + 9) / 10 OR rn_all = (9 * n_all + 9) / 10
    """
    groups: dict[Any, float] = {}
    overall: float | None = None
    for grp, v, is_group, is_all in rows(session, sql, **params):
        if is_group:
            groups[grp] = float(v)
        if is_all:
            overall = float(v)
    return groups, overall
