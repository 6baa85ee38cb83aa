"""SQL expressions written once for both databases (SQLite, PostgreSQL in team mode)."""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement


class HoursBetween(ColumnElement):
    """Hours from ``start`` to ``end`` (two timestamp columns), as a float."""

    inherit_cache = True
    type = Float()

    def __init__(self, start, end) -> None:
        self.start, self.end = start, end


@compiles(HoursBetween)
def _hours_sqlite(element: HoursBetween, compiler, **kw) -> str:
    end, start = compiler.process(element.end, **kw), compiler.process(element.start, **kw)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@compiles(HoursBetween, "postgresql")
def _hours_postgresql(element: HoursBetween, compiler, **kw) -> str:
    end, start = compiler.process(element.end, **kw), compiler.process(element.start, **kw)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"
