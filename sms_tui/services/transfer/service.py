"""Export and import of everything in the desk, for migration to or from another tool.

Export writes every table of the schema (records of every kind, the
catalogue, reviews, journals...) from ONE read snapshot:

* JSON: one document, laid out one row per line so that it can be streamed::

    {"format": "sms-tui-export", "version": 1, "schema": "0002", ..., "records": [
    {"_table": "service", "id": 1, "name": "Email", ...},
    ...
    ]}

* CSV: a directory with one ``<table>.csv`` per table and a ``manifest.json``.

Import reads either form (or any JSON document ``{"records": [...]}`` / a
list of rows with ``_table``), validates EVERY row -- types, required values,
the desk's rules for records, references between tables, uniqueness, journal
hashes -- and reports each problem by line (or file and line). It writes all
rows in ONE transaction, so either everything is imported or nothing is.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import text
from sqlmodel import Session

from ...domain.errors import ValidationError
from ...domain.kinds import format_ref
from ...domain.text import FORMULA_STARTS, json_text, visible_controls
from ...files import OutputError, check_input_file, private_file, private_folder
from ...storage.engine import os_error_text
from ...storage.migrate import HEAD_REVISION
from ...storage.schema import metadata
from .rows import TableSpec, build_specs, export_value

FORMAT_NAME = "sms-tui-export"
FORMAT_VERSION = 4  # 2: CSV cells that could run as formulas or hold controls are quoted (issue 15)
# 3: contacts, organisations, complaints and requesters (schema 0006, issue 17)
# 4: mail attachments, their kept content as base64 text (schema 0008, issue 17)
# Older schemas whose exports still import: what is new since then only adds tables and
# nullable columns, which such an export leaves empty.
IMPORTABLE_SCHEMAS = ("0005", "0007")
# facts about one database file, not data to migrate; journal heads are written by the
# database itself as the journal is imported (migration 0004)
SKIP_TABLES = {"sms_meta", "journal_head"}
BATCH = 2000
MAX_LISTED = 100

Progress = Callable[[int, int], None]  # (done, total) in the caller's units


@dataclass(frozen=True)
class ImportProblem:
    """One row that cannot be imported: where it is, which record, what is wrong."""

    where: str  # "line 12" or "incident.csv line 3" or "record 7"
    record: str  # "incident INC-000042" or "incident" when it has no reference
    message: str

    def line(self) -> str:
        return f"{self.where}: {self.record}: {self.message}"


class ImportRefused(ValidationError):
    """The import found problems; nothing was written."""

    def __init__(self, problems: list[ImportProblem], total: int) -> None:
        self.problems = problems
        self.total = total
        super().__init__(f"import refused: {total} problem(s) found; nothing was written")


@dataclass(frozen=True)
class TransferSummary:
    counts: dict[str, int]
    where: str
    forced: tuple[str, ...] = ()  # verify's problems, when imported anyway with force

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# --------------------------------------------------------------------- export
class TransferService:
    """Export and import over one store."""

    def __init__(self, store) -> None:
        self.store = store

    def _specs(self, session: Session) -> dict[str, TableSpec]:
        if session.get_bind().dialect.name == "postgresql":  # team mode
            db_columns: dict[str, list[str]] = {}
            for table, column_name in session.execute(text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")):
                db_columns.setdefault(table, []).append(column_name)
            return build_specs(metadata, db_columns, SKIP_TABLES)
        names = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        db_columns = {
            name: [r[1] for r in session.execute(text(f'PRAGMA table_info("{name}")'))]
            for name in names.scalars().all()
        }
        return build_specs(metadata, db_columns, SKIP_TABLES)

    def _rows(self, session: Session, spec: TableSpec) -> Iterator[dict[str, Any]]:
        result = session.connection().exec_driver_sql(spec.select_sql())
        kinds = [(c.name, c.kind) for c in spec.columns]
        while chunk := result.fetchmany(BATCH):
            for raw in chunk:
                yield {name: export_value(kind, v) for (name, kind), v in zip(kinds, raw, strict=True)}

    def _counts(self, session: Session, specs: dict[str, TableSpec]) -> dict[str, int]:
        return {name: int(session.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar() or 0)
                for name in specs}

    def _header(self, counts: dict[str, int]) -> dict[str, Any]:
        return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "schema": HEAD_REVISION,
                "exported_at": self.store.now().isoformat(), "counts": counts}

    def export_json(self, out: TextIO, progress: Progress | None = None) -> TransferSummary:
        """Write every table as one JSON document (one row per line) to ``out``."""
        with self.store.read() as session:
            specs = self._specs(session)
            counts = self._counts(session, specs)
            total, done = sum(counts.values()), 0
            header = json_text(self._header(counts))
            out.write(header[:-1] + ', "records": [\n')
            first = True
            for name, spec in specs.items():
                for row in self._rows(session, spec):
                    line = json_text({"_table": name, **row})
                    out.write(line if first else ",\n" + line)
                    first = False
                    done += 1
                    if progress and done % BATCH == 0:
                        progress(done, total)
            out.write("\n]}\n")
            if progress:
                progress(total, total)
        return TransferSummary(counts, getattr(out, "name", "output"))

    def export_csv(self, directory: Path, progress: Progress | None = None) -> TransferSummary:
        """Write one ``<table>.csv`` per table and a ``manifest.json`` into ``directory``.

        The folder (if made here) is 0700 and each file 0600. A cell that a
        spreadsheet would run as a formula, or that holds control or bidi
        characters, is written quoted (:func:`export_cell`); import reads it back
        exactly. On any failure (a full disk...) the files written are removed.
        """
        directory = Path(directory)
        created = private_folder(directory)
        written: list[Path] = []
        try:
            with self.store.read() as session:
                specs = self._specs(session)
                counts = self._counts(session, specs)
                total, done = sum(counts.values()), 0
                for name, spec in specs.items():
                    written.append(directory / f"{name}.csv")
                    with private_file(written[-1]) as fh:
                        writer = csv.writer(fh)
                        writer.writerow(spec.names)
                        for row in self._rows(session, spec):
                            writer.writerow([export_cell(_csv_value(v)) for v in row.values()])
                            done += 1
                            if progress and done % BATCH == 0:
                                progress(done, total)
                manifest = self._header(counts)
                manifest["tables"] = [f"{name}.csv" for name in specs]
                written.append(directory / "manifest.json")
                with private_file(written[-1]) as fh:
                    fh.write(json_text(manifest, indent=2) + "\n")
                if progress:
                    progress(total, total)
        except BaseException as exc:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            if created:
                with contextlib.suppress(OSError):
                    directory.rmdir()
            if isinstance(exc, OSError):
                raise OutputError(f"cannot write the export to {directory}: {os_error_text(exc)}; "
                                  "nothing was left behind") from None
            raise
        return TransferSummary(counts, str(directory))

    # ----------------------------------------------------------------- import
    def import_path(self, path: Path, progress: Progress | None = None,
                    dry_run: bool = False, force: bool = False,
                    restore: bool = False) -> TransferSummary:
        """Validate and import a JSON export file or a CSV export directory: all or nothing.

        Raises :class:`ImportRefused` listing the problems (by line) when any row
        is wrong; nothing is written then. ``dry_run`` validates only. Once every row is
        in (same transaction), the imported records get ``verify``'s checks (chains, heads,
        every record against its journal); a failure refuses the import too, unless
        ``force``: then it is imported and the override journaled under ``SYS:integrity``.
        ``restore``: the file must be an sms-tui export (a server desk's backup) and the
        desk empty (checked in the same transaction).
        """
        from .importer import Importer

        path = Path(path)
        if not path.exists():
            raise ValidationError(f"{path} does not exist")
        if path.is_dir():
            for part in [*path.glob("*.csv"), *path.glob("manifest.json")]:
                check_input_file(part, "CSV export file")
            size = sum(p.stat().st_size for p in path.glob("*.csv"))
        else:
            check_input_file(path, "JSON export file")
            size = os.path.getsize(path)
        importer = Importer(self.store, path, progress, size, force=force, restore=restore)
        return importer.run(self._specs, dry_run)


def export_cell(value: Any) -> Any:
    """A migration CSV cell: as is, unless a spreadsheet would run it (= + - @ tab CR first)
    or it holds control/bidi characters (or starts with the quote itself). Then ``'`` and the
    JSON string body (controls escaped as \\u001b...); :func:`import_cell` undoes it."""
    if not isinstance(value, str) or not value:
        return value
    if (value[0] in FORMULA_STARTS or value[0] == "'" or "\t" in value or "\r" in value
            or visible_controls(value) != value):
        return "'" + json_text(value)[1:-1]
    return value


def import_cell(cell: str) -> str:
    """The value :func:`export_cell` wrote (a cell not starting with ``'`` is as written)."""
    if not cell.startswith("'"):
        return cell
    try:
        return json.loads('"' + cell[1:] + '"')
    except ValueError:
        return cell  # not ours after all: keep what the file says


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""  # CSV has no null: an empty cell is read back as null where null is allowed
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


@dataclass
class ImportState:
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def problem(self, where: str, record: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(ImportProblem(where, record, message))


def record_label(table: str, values_or_row: Any, spec: TableSpec | None) -> str:
    """'incident INC-000042', 'review_task id 7' or just the table name."""
    if isinstance(values_or_row, dict):
        ref = values_or_row.get("ref") or values_or_row.get("name")
        rid = values_or_row.get("id")
    elif spec is not None:
        names = spec.names
        ref = values_or_row[names.index("ref")] if "ref" in names else None
        rid = values_or_row[names.index("id")] if "id" in names else None
    else:
        ref = rid = None
    if ref:
        return f"{table} {ref}"
    if rid is not None:
        return f"{table} id {rid}"
    return table


def next_ref(spec: TableSpec, number: int) -> str:
    assert spec.kind is not None
    return format_ref(spec.kind, number)

