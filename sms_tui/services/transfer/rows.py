"""Column specs and row validation for export/import (see :mod:`.transfer`).

Each table of the schema gets a :class:`TableSpec` built from the SQLModel
metadata and the columns the database really has. ``TableSpec.convert``
turns one incoming row (a dict from JSON, or strings from CSV) into the tuple
that is inserted, or raises :class:`RowError` with a message naming the column
and what is allowed. Record tables (incidents, requests...) also get the
desk's own rules: reference, status, impact/urgency, priority, title.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from ...domain.bounds import MAX_DB_INT, whole_number
from ...domain.errors import ValidationError
from ...domain.kinds import Kind, format_ref, parse_ref
from ...domain.lifecycle import lifecycle_for
from ...domain.priority import Level
from ...domain.text import NUL, storable_text
from ...storage.models import RECORD_TABLES
from ..core.journal import HMAC_PREFIX, _digest
from ..core.records import CHANGE_TYPES, MAX_TITLE
from ..reporting.sql import ts

TABLE_KINDS = {model.__tablename__: Kind(kind) for kind, model in RECORD_TABLES.items()}
LEVELS = tuple(level.value for level in Level)
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


class RowError(ValueError):
    """One row that cannot be imported; the message names the column and the rule."""


def _kind_of(column: sa.Column) -> str:
    typ = column.type
    if isinstance(typ, sa.types.TypeDecorator):  # e.g. SQLModel's UTCDateTime over DateTime
        typ = typ.impl_instance
    if isinstance(typ, sa.Boolean):
        return "bool"
    if isinstance(typ, sa.LargeBinary):
        return "bytes"
    if isinstance(typ, sa.Integer):
        return "int"
    if isinstance(typ, sa.Float | sa.Numeric):
        return "float"
    if isinstance(typ, sa.DateTime):
        return "datetime"
    return "text"


def _to_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise RowError(f"{name}: expected a whole number, got {value!r}")
    if isinstance(value, int) and -MAX_DB_INT - 1 <= value <= MAX_DB_INT:
        return value
    if isinstance(value, str) and whole_number(value.strip().removeprefix("-")) is not None:
        return int(value.strip())
    raise RowError(f"{name}: expected a whole number, got {value!r}")


def _to_float(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise RowError(f"{name}: expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RowError(f"{name}: expected a number, got {value!r}") from None


def _to_bool(value: Any, name: str) -> int:
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise RowError(f"{name}: expected true or false, got {value!r}")


def _to_datetime(value: Any, name: str) -> str:
    """ISO 8601 text -> the stored UTC form; a time without offset is taken as UTC."""
    if not isinstance(value, str):
        raise RowError(f"{name}: expected an ISO 8601 date-time, got {value!r}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(
            f"{name}: '{value}' is not an ISO 8601 date-time (e.g. 2026-03-02T09:00:00+00:00)"
        ) from None
    # fast path for our own exports: already UTC with microseconds
    if len(text) == 32 and text.endswith("+00:00") and text[10] == "T":
        return f"{text[:10]} {text[11:26]}"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return ts(parsed)


def _exported_utc(value: Any) -> str | None:
    """Our own export's form '2026-03-02T09:00:00.000000+00:00' -> the stored form; else None."""
    if value.__class__ is str and len(value) == 32 and value[10] == "T" and value[26:] == "+00:00":
        try:
            datetime.fromisoformat(value)  # still a real date and time
        except ValueError:
            return None
        return f"{value[:10]} {value[11:26]}"
    return None


def _to_text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    raise RowError(f"{name}: expected text, got {value!r}")


def _to_bytes(value: Any, name: str) -> bytes:
    """Binary content (a kept mail attachment) is exported as base64 text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            pass
    raise RowError(f"{name}: expected base64 text, got {str(value)[:40]!r}")


CONVERTERS: dict[str, Callable[[Any, str], Any]] = {
    "bytes": _to_bytes,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "datetime": _to_datetime,
    "text": _to_text,
}


def export_value(kind: str, value: Any) -> Any:
    """A stored value in its exported form: ISO 8601 date-times (UTC), true/false booleans."""
    if value is None:
        return None
    if kind == "datetime":
        if isinstance(value, datetime):  # PostgreSQL: the layout SQLite's text gives
            value = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        text = str(value)
        if "T" not in text:
            text = f"{text[:10]}T{text[11:]}"
        return text if ("+" in text[19:] or text.endswith("Z")) else text + "+00:00"
    if kind == "bool":
        return bool(value)
    if kind == "bytes":  # BLOB (SQLite) or bytea (PostgreSQL, a memoryview): base64 text
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


@dataclass
class ColumnSpec:
    name: str
    kind: str
    nullable: bool
    has_default: bool
    default: Any = None
    primary_key: bool = False


@dataclass
class TableSpec:
    """How to read, check and write one table's rows."""

    name: str
    columns: list[ColumnSpec]
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column -> referenced table
    kind: Kind | None = None  # set for record tables

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def insert_sql(self, mark: str = "?") -> str:
        """The INSERT of one row; ``mark`` is the driver's placeholder (psycopg's is %s)."""
        cols = ", ".join(f'"{c}"' for c in self.names)
        marks = ", ".join(mark for _ in self.columns)
        return f'INSERT INTO "{self.name}" ({cols}) VALUES ({marks})'

    def select_sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.names)
        pk = next((c.name for c in self.columns if c.primary_key), "rowid")
        return f'SELECT {cols} FROM "{self.name}" ORDER BY "{pk}"'

    def __post_init__(self) -> None:
        self._by_name = {c.name: i for i, c in enumerate(self.columns)}
        self._names = [c.name for c in self.columns]
        self._plans = {mode: self._plan(mode) for mode in (False, True)}
        self._prefix = format_ref(self.kind, 0)[:-6] if self.kind is not None else ""
        self._lifecycle = lifecycle_for(self.kind) if self.kind is not None else None
        self._journal_ix = tuple(self._by_name.get(f, -1) for f in JOURNAL_FIELDS)
        self._text_ix = tuple(i for i, c in enumerate(self.columns) if c.kind == "text")

    def _plan(self, blank_is_null: bool) -> list[tuple[int, ColumnSpec, type | None, bool, bool]]:
        """Per column: the Python type a value may have to be stored as is (the fast path),
        whether None passes as is, and whether it holds a date-time."""
        fast = {"text": str, "int": int, "bool": bool, "float": float, "datetime": None,
                "bytes": None}
        plan = []
        for i, col in enumerate(self.columns):
            kind_type = fast[col.kind]
            if col.kind == "text" and blank_is_null and col.nullable:
                kind_type = None  # an empty CSV cell means null here
            none_ok = col.nullable and not col.has_default
            plan.append((i, col, kind_type, none_ok, col.kind == "datetime"))
        return plan

    def convert(self, row: dict[str, Any], *, blank_is_null: bool) -> list[Any]:
        """The values to insert, in column order; raises RowError."""
        if not row.keys() <= self._by_name.keys():
            unknown = next(k for k in row if k not in self._by_name)
            raise RowError(f"unknown column '{unknown}' (columns: {', '.join(self.names)})")
        values = list(map(row.get, self._names))
        for i, col, fast, none_ok, is_datetime in self._plans[blank_is_null]:
            value = values[i]
            if value.__class__ is fast or (value is None and none_ok):
                continue  # already what is stored
            if is_datetime and (stored := _exported_utc(value)) is not None:
                values[i] = stored
                continue
            values[i] = self._convert_one(col, value, col.name in row, blank_is_null)
        for i in self._text_ix:  # what every write refuses (a NUL), an import refuses too
            value = values[i]
            if value.__class__ is str and NUL in value:
                try:
                    storable_text(value, self._names[i])
                except ValidationError as exc:
                    raise RowError(str(exc)) from None
        if self.kind is not None:
            self._record_rules(values)
        return values

    def _convert_one(self, col: ColumnSpec, value: Any, given: bool, blank_is_null: bool) -> Any:
        if blank_is_null and value == "" and (col.nullable or col.kind != "text"):
            value = None
        if value is None:
            if not given and col.has_default:
                value = col.default
            elif col.nullable or col.primary_key:
                return None
            else:
                raise RowError(f"{col.name}: a value is required")
        if value is None:
            return None
        return CONVERTERS[col.kind](value, col.name)

    def index(self, name: str) -> int:
        return self._by_name[name]

    @property
    def journal_ix(self) -> tuple[int, ...]:
        """Positions of JOURNAL_FIELDS in a journal_entry row."""
        return self._journal_ix


    def _record_rules(self, values: list[Any]) -> None:
        """The desk's own rules for incidents, requests, problems, known errors, changes."""
        kind, ix, lifecycle = self.kind, self._by_name, self._lifecycle
        assert kind is not None and lifecycle is not None
        ref, row_id = values[ix["ref"]], values[ix["id"]]
        if ref and not (row_id.__class__ is int and ref == f"{self._prefix}{row_id:06d}"):
            try:
                ref_kind, number = parse_ref(ref)
            except ValidationError:
                raise RowError(f"ref: '{ref}' is not a reference like "
                               f"{format_ref(kind, 42)}") from None
            if ref_kind is not kind:
                raise RowError(f"ref: '{ref}' is not a {kind.value.replace('_', ' ')} reference "
                               f"(expected e.g. {format_ref(kind, 42)})")
            if row_id is None:
                values[ix["id"]] = number
            elif row_id != number:
                raise RowError(f"ref: '{ref}' does not match id {row_id}")
            values[ix["ref"]] = format_ref(kind, number)
        title = values[ix["title"]]
        if not title or not title.strip():
            raise RowError("title: must not be empty")
        if len(title.strip()) > MAX_TITLE:
            raise RowError(f"title: {len(title.strip())} characters; keep it to {MAX_TITLE}")
        status = values[ix["status"]]
        if status not in lifecycle.transitions:
            raise RowError(f"status: '{status}' is not a valid {kind.value.replace('_', ' ')} "
                           f"status (use {', '.join(lifecycle.states)})")
        for name in ("impact", "urgency"):
            if values[ix[name]] not in LEVELS:
                raise RowError(f"{name}: '{values[ix[name]]}' is not one of {', '.join(LEVELS)}")
        priority = values[ix["priority"]]
        if not 1 <= (priority or 0) <= 5:
            raise RowError(f"priority: {priority!r} is not 1 to 5")
        if kind is Kind.CHANGE and values[ix["change_type"]] not in CHANGE_TYPES:
            raise RowError(f"change_type: '{values[ix['change_type']]}' is not one of "
                           f"{', '.join(CHANGE_TYPES)}")


def build_specs(metadata: sa.MetaData, db_columns: dict[str, list[str]],
                skip: set[str]) -> dict[str, TableSpec]:
    """Specs for every table that is both in the models and in the database, parents first."""
    specs: dict[str, TableSpec] = {}
    for table in metadata.sorted_tables:
        if table.name in skip or table.name not in db_columns:
            continue
        present = db_columns[table.name]
        columns = []
        for col in table.columns:
            if col.name not in present:
                continue
            default = col.default
            scalar_default = default is not None and getattr(default, "is_scalar", False)
            columns.append(ColumnSpec(
                name=str(col.name),  # plain str, not SQLAlchemy's quoted_name
                kind=_kind_of(col),
                nullable=bool(col.nullable) and not col.primary_key,
                has_default=scalar_default,
                default=default.arg if scalar_default else None,
                primary_key=col.primary_key,
            ))
        kind = TABLE_KINDS.get(table.name)
        for spec in columns:
            if kind is not None and spec.name == "ref":
                spec.nullable = True  # a record without a reference gets the next one
        fks = {str(fk.parent.name): str(fk.column.table.name) for fk in table.foreign_keys
               if fk.parent.name in present}
        specs[str(table.name)] = TableSpec(str(table.name), columns, fks, kind)
    return specs


def check_journal_hash(spec: TableSpec, values: list[Any], key: bytes | None = None) -> None:
    """An exported journal entry must still hash to what it says (not edited since).

    ``changes`` must be JSON; it is parsed only when no hash vouches for it.
    """
    i_hash, i_prev, i_changes = spec.journal_ix[7], spec.journal_ix[8], spec.journal_ix[5]
    stored = values[i_hash] or ""
    keyed = key if stored.startswith(HMAC_PREFIX) else None
    if stored.startswith(HMAC_PREFIX) and key is None:
        raise RowError("hash: a keyed (HMAC) entry; set this desk's journal key ([journal] "
                       "key_env) to import it")
    if stored and _digest(values[i_prev], journal_entry(spec, values), keyed) == stored:
        return
    try:
        json.loads(values[i_changes] or "{}")
    except ValueError:
        raise RowError("changes: not valid JSON") from None
    if values[i_hash]:
        raise RowError("hash: does not match the entry's content (was it edited after export?)")


JOURNAL_FIELDS = ("record_ref", "record_kind", "at", "actor", "action", "changes", "note",
                  "hash", "prev_hash")


def journal_entry(spec: TableSpec, values: list[Any]) -> SimpleNamespace:
    """The fields of a converted journal row that its hash covers (see ``journal._digest``).

    A plain namespace, not a JournalEntry: building an ORM object per row would
    cost more than the rest of the import together.
    """
    ref, kind, at, actor, action, changes, note = (values[i] for i in spec.journal_ix[:7])
    return SimpleNamespace(record_ref=ref, record_kind=kind,
                           at=datetime.fromisoformat(at).replace(tzinfo=UTC), actor=actor,
                           action=action, changes=changes, note=note)
