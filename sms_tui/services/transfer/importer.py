"""The import run behind :meth:`TransferService.import_path` (see :mod:`.transfer`).

Rows are streamed from the file, converted and checked one by one, and
inserted in batches inside ONE write transaction with foreign keys deferred
(so rows may come in any order). Problems are collected with their line; the
rest are still checked (and inserted, to let the database find every
conflict), so the analyst sees every problem at once. Any problem rolls the whole transaction back.

A batch that breaks a database constraint (e.g. a reference that already
exists) is replayed row by row in savepoints to name the exact line.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from ...domain.errors import ValidationError
from ...storage.head import HEAD_REVISION
from ...storage.meta import put_meta
from ..core import journal
from .rows import RowError, TableSpec, check_journal_hash, journal_entry
from .service import (
    BATCH,
    FORMAT_NAME,
    FORMAT_VERSION,
    IMPORTABLE_SCHEMAS,
    ImportRefused,
    ImportState,
    Progress,
    TransferSummary,
    import_cell,
    next_ref,
    record_label,
)

JOURNAL = "journal_entry"
_DECODER = json.JSONDecoder()


class Unreadable(str):
    """A row the source could not even read (bad JSON, wrong column count): the message."""


class _DryRun(Exception):
    """Raised to roll back a validate-only run."""


class Importer:
    def __init__(self, store, path: Path, progress: Progress | None, size: int,
                 force: bool = False, restore: bool = False) -> None:
        self.store = store
        self.force = force
        # restore (a server desk, from its backup): an sms-tui export into an empty desk
        self.restore = restore
        self.on_server = False
        self.path = path
        self.progress = progress
        self.size = max(1, size)
        self.done_bytes = 0
        self.state = ImportState()
        self.blank_is_null = path.is_dir()
        self.quoted_cells = False  # CSV cells quoted by export_cell (format version 2 on)
        self.expected_counts: dict[str, Any] | None = None  # from an sms-tui export's header
        self.read_counts: dict[str, int] = {}

    # ----------------------------------------------------------------- sources
    def _advance(self, nbytes: int) -> None:
        self.done_bytes += nbytes
        if self.progress and self.done_bytes % (256 * 1024) < nbytes:
            self.progress(min(self.done_bytes, self.size), self.size)

    def _check_header(self, header: Any, where: str) -> None:
        if not isinstance(header, dict) or "format" not in header:
            return  # another tool's rows, with no header: each row is checked on its own
        if header.get("format") != FORMAT_NAME:
            raise ValidationError(f"{where}: format {str(header.get('format'))[:40]!r} is not an "
                                  f"sms-tui export ({FORMAT_NAME}); nothing was imported")
        version = header.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            # true was taken for 1, "4" was "newer than 4"
            shown = json.dumps(version)[:20]  # as the file has it: true, "4", null
            raise ValidationError(f"{where}: export format version {shown} is not a version "
                                  f"(a whole number, 1 to {FORMAT_VERSION}); nothing was imported")
        if version > FORMAT_VERSION:
            raise ValidationError(f"{where}: export format version {version!r} is newer than this "
                                  f"sms-tui reads ({FORMAT_VERSION}); upgrade sms-tui first")
        self.quoted_cells = version >= 2
        schema = header.get("schema")
        if schema != HEAD_REVISION and schema not in IMPORTABLE_SCHEMAS:
            raise ValidationError(f"{where}: exported from schema {str(schema)[:20]!r}, this sms-tui "
                                  f"is at {HEAD_REVISION}: export it again with the same version "
                                  "(or restore a backup, which is migrated); nothing was imported")
        counts = header.get("counts")
        if isinstance(counts, dict):
            self.expected_counts = {str(k): v for k, v in counts.items()}

    def _json_rows(self) -> Iterator[tuple[str, Any]]:
        with open(self.path, "rb") as fh:
            first = fh.readline()
            self._advance(len(first))
            stripped = first.strip()
            if stripped.startswith(b"{") and stripped.endswith(b"["):
                try:
                    header = json.loads(stripped + b"]}")
                except ValueError:
                    header = None
                if isinstance(header, dict) and isinstance(header.get("records"), list):
                    self._check_header(header, f"{self.path.name} line 1")
                    yield from self._json_lines(fh)
                    return
            rest = fh.read()
            self._advance(len(rest))
        try:
            data = json.loads(first + rest)
        except ValueError as exc:
            raise ValidationError(f"{self.path.name} is not valid JSON: {exc}") from None
        except RecursionError:  # 100,000 [ in a row: "internal error: RecursionError"
            raise ValidationError(f"{self.path.name} is nested too deeply to be an export "
                                  "(lists or objects inside each other thousands of times); "
                                  "nothing was imported") from None
        self._check_header(data, self.path.name)
        rows = data.get("records") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ValidationError(f"{self.path.name}: expected a list of rows or "
                                  '{"records": [...]} with "_table" in each row')
        for i, row in enumerate(rows, start=1):
            yield f"record {i}", row if not isinstance(row, dict) else dict(row)

    def _json_lines(self, fh) -> Iterator[tuple[int, Any]]:
        decode = _DECODER.decode
        pending = 0
        for lineno, line in enumerate(fh, start=2):
            pending += len(line)
            if pending >= 1 << 18:  # progress every 256 KiB, not every line
                self._advance(pending)
                pending = 0
            if line.endswith(b",\n"):  # our own layout: one row and a comma per line
                line = line[:-2]
            else:
                line = line.strip()
                if not line or line in (b"]}", b"]", b"}"):
                    continue
                if line.endswith(b","):
                    line = line[:-1]
            try:
                yield lineno, decode(line.decode("utf-8"))
            except UnicodeDecodeError:
                yield lineno, Unreadable("not UTF-8 text")
            except RecursionError:
                yield lineno, Unreadable("nested too deeply to be a row")
            except json.JSONDecodeError as exc:
                yield lineno, Unreadable(f"not valid JSON ({exc.msg} at column {exc.colno})")
        self._advance(pending)

    def _csv_rows(self, specs: dict[str, TableSpec]) -> Iterator[tuple[str, Any]]:
        manifest = self.path / "manifest.json"
        if manifest.exists():
            try:
                self._check_header(json.loads(manifest.read_text(encoding="utf-8")),
                                   "manifest.json")
            except ValueError as exc:
                raise ValidationError(f"manifest.json is not valid JSON: {exc}") from None
        known = {f"{name}.csv" for name in specs}
        for extra in sorted(p.name for p in self.path.glob("*.csv") if p.name not in known):
            yield extra, Unreadable(f"no table named '{extra[:-4]}' (known: {', '.join(specs)})")
        for name in specs:
            file = self.path / f"{name}.csv"
            if not file.exists():
                continue
            with open(file, encoding="utf-8", newline="") as fh:
                lines = _counting(fh, self)
                reader = csv.reader(lines)
                header = next(reader, None)
                if header is None:
                    continue
                start = reader.line_num + 1
                for values in reader:
                    where = f"{file.name} line {start}"
                    start = reader.line_num + 1
                    if len(values) != len(header):
                        yield where, Unreadable(f"{len(values)} values for {len(header)} columns")
                        continue
                    if self.quoted_cells:
                        values = [import_cell(v) for v in values]
                    yield where, {"_table": name, **dict(zip(header, values, strict=True))}

    # ----------------------------------------------------------------- run
    def run(self, specs_of, dry_run: bool) -> TransferSummary:
        try:
            with self.store.write() as session:
                summary = self._run(session, specs_of(session))
                if dry_run:
                    raise _DryRun
                return summary
        except _DryRun:
            return summary

    def _run(self, session: Session, specs: dict[str, TableSpec]) -> TransferSummary:
        conn = session.connection()
        self.on_server = conn.dialect.name == "postgresql"
        if self.restore:
            self._check_desk_is_empty(conn, specs)
        if self.on_server:  # team mode: the same deferral, by the server's means
            from ...storage.server import defer_foreign_keys

            deferred = defer_foreign_keys(conn)
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # rows may come in any order
        st = self.state
        targets = {parent for spec in specs.values() for parent in spec.foreign_keys.values()}
        ids: dict[str, set[int]] = {t: set() for t in targets}
        journal_before = int(conn.exec_driver_sql(
            "SELECT COALESCE(MAX(id), 0) FROM journal_entry").scalar() or 0)
        next_id = {name: int(conn.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{name}"')
                             .scalar() or 0) + 1 for name, s in specs.items() if s.kind}
        batches: dict[str, tuple[list, list]] = {n: ([], []) for n in specs}  # wheres, values
        fk_columns = {n: [(spec.index(c), c, parent) for c, parent in spec.foreign_keys.items()]
                      for n, spec in specs.items()}
        id_column = {n: spec.index("id") for n, spec in specs.items() if n in ids}
        self._last_hash: dict[str, str] = {}
        pending: list[tuple[str, str, str, str, int]] = []
        journal_rows = 0
        source = self._csv_rows(specs) if self.path.is_dir() else self._json_rows()
        blank_is_null = self.blank_is_null
        for where, row in source:
            if row.__class__ is not dict or not isinstance(name := row.pop("_table", None), str):
                st.problem(_where(where), "row", row if isinstance(row, Unreadable) else
                           'each row needs "_table" naming its table')
                continue
            self.read_counts[name] = self.read_counts.get(name, 0) + 1
            spec = specs.get(name)
            if spec is None:
                st.problem(_where(where), record_label(name, row, None),
                           f"no table named '{name}' (known: {', '.join(specs)})")
                continue
            try:
                values = spec.convert(row, blank_is_null=blank_is_null)
                if spec.kind is not None:
                    self._number(spec, values, next_id)
                if name == JOURNAL:
                    journal_rows += 1
                    self._journal_hash(conn, spec, values)
            except RowError as exc:
                st.problem(_where(where), record_label(name, row, None), str(exc))
                continue
            for i, column, parent in fk_columns[name]:
                value = values[i]
                if value is not None and value not in ids[parent]:
                    pending.append((_where(where), record_label(name, values, spec), column,
                                    parent, value))
            if name in id_column and (row_id := values[id_column[name]]) is not None:
                ids[name].add(row_id)
            # Rows keep going in after a problem: the database's own checks (uniqueness)
            # then name every conflicting line; the transaction is rolled back anyway.
            wheres, rows_ = batches[name]
            wheres.append(where)
            rows_.append(values)
            if len(rows_) >= BATCH:
                self._flush(session, spec, wheres, rows_)
        for name, (wheres, rows_) in batches.items():
            if rows_:
                self._flush(session, specs[name], wheres, rows_)
        self._check_references(conn, pending, ids)
        self._check_counts()
        if not st.problem_count:  # a refused record row would orphan its journal here too
            self._check_journals_have_records(conn, specs)
        if self.restore and self.expected_counts is None:
            raise ValidationError(f"{self.path.name} is not an sms-tui backup (no export header); "
                                  "nothing was restored ('import' takes other files)")
        if st.problem_count:
            raise ImportRefused(st.problems, st.problem_count)
        if self.on_server:
            from ...storage.server import check_foreign_keys, restart_ids

            check_foreign_keys(conn, deferred)
            restart_ids(conn, [n for n, spec in specs.items()
                               if "id" in spec.names and spec.columns[spec.index("id")].primary_key])
        if not journal_rows:
            self._journal_foreign_records(session, specs)
        forced = self._verify_imported(session, journal_before)
        self._note_import(conn)
        if self.progress:
            self.progress(self.size, self.size)
        return TransferSummary(dict(st.counts), str(self.path), forced)

    def _verify_imported(self, session: Session, journal_before: int) -> tuple[str, ...]:
        """``verify``'s checks on what this import wrote (journals written to after entry
        ``journal_before``: their chains, heads and records), inside the import's
        transaction. A failure refuses the import, or with ``force`` is journaled."""
        from ..admin.integrity import verify_connection

        report = verify_connection(session.connection(), since=journal_before,
                                   key=getattr(self.store, "journal_key", None))
        if report.ok:
            return ()
        lines = tuple(problem.line() for problem in report.problems)
        if not self.force:
            for problem in report.problems:
                self.state.problem("verify", ", ".join(problem.refs) or "database",
                                   problem.message)
            raise ImportRefused(self.state.problems, self.state.problem_count
                                + report.problems_cut)
        journal.append(session, ref="SYS:integrity", kind="system", actor=self.store.actor,
                       at=self.store.now(),
                       action="restore_forced" if self.restore else "import_forced",
                       changes={"source": (None, str(self.path)),
                                "problems": (None, len(lines) + report.problems_cut)},
                       note=f"{'restored' if self.restore else 'imported'} with --force "
                       f"despite: {lines[0]}"[:2000])
        return lines

    def _check_counts(self) -> None:
        """An sms-tui export says how many rows of each table it holds: a file cut short (even
        at a row boundary) or with rows added or removed is refused."""
        if self.expected_counts is None:
            return
        for name in sorted(set(self.expected_counts) | set(self.read_counts)):
            expected, found = self.expected_counts.get(name, 0), self.read_counts.get(name, 0)
            if expected != found:
                self.state.problem("end of file", name, f"the export's header says {expected} "
                                   f"{name} rows but the file holds {found} (cut short or edited)")

    def _check_journals_have_records(self, conn, specs: dict[str, TableSpec]) -> None:
        """Journal entries of a record kind must belong to a record (or end in a purge
        tombstone): their heads, kept by the database, name the chains to look at."""
        if JOURNAL not in self.state.counts:
            return
        for spec in specs.values():
            if spec.kind is None:
                continue
            rows = conn.execute(text(
                "SELECT h.record_ref FROM journal_head h JOIN journal_entry j ON j.id = h.last_id "
                f"WHERE j.record_kind = :kind AND j.action <> 'purge' AND NOT EXISTS (SELECT 1 FROM "
                f'"{spec.name}" t WHERE t.ref = h.record_ref) ORDER BY h.record_ref LIMIT 100'),
                {"kind": spec.kind.value}).all()
            for (ref,) in rows:
                self.state.problem("journal", f"{JOURNAL} {ref}", f"journal entries of {ref}, "
                                   "which is neither in the file nor in the database")

    def _number(self, spec: TableSpec, values: list[Any], next_id: dict[str, int]) -> None:
        """A record without id or reference gets the next free number."""
        i_id, i_ref = spec.index("id"), spec.index("ref")
        if values[i_id] is None:
            values[i_id] = next_id[spec.name]
            values[i_ref] = next_ref(spec, values[i_id])
        next_id[spec.name] = max(next_id[spec.name], values[i_id] + 1)

    def _journal_hash(self, conn, spec: TableSpec, values: list[Any]) -> None:
        """Check an entry's hash; chain an entry that comes without one (another tool's)."""
        i_ref, i_hash, i_prev = spec.index("record_ref"), spec.index("hash"), spec.index("prev_hash")
        ref = values[i_ref]
        key = getattr(self.store, "journal_key", None)
        if values[i_hash]:
            check_journal_hash(spec, values, key)
        else:
            prev = self._last_hash.get(ref)
            if prev is None:
                prev = conn.execute(text(
                    "SELECT hash FROM journal_entry WHERE record_ref = :ref ORDER BY id DESC "
                    "LIMIT 1"), {"ref": ref}).scalar() or ""
            values[i_prev] = prev
            values[i_hash] = ""
            check_journal_hash(spec, values)  # validates 'changes'
            entry = journal_entry(spec, values)
            values[i_hash] = journal._digest(prev, entry, key)
        self._last_hash[ref] = values[i_hash]

    def _flush(self, session: Session, spec: TableSpec, wheres: list, rows_: list) -> None:
        # The DB-API cursor directly: SQLAlchemy would copy every row into a tuple first.
        raw = session.connection().connection.dbapi_connection
        if self.on_server:
            import psycopg

            raw, refused = raw.cursor(), psycopg.IntegrityError
            sql = spec.insert_sql(mark="%s")
            _server_values(spec, rows_)
        else:
            sql, refused = spec.insert_sql(), sqlite3.IntegrityError
        try:
            with _savepoint(session, raw, self.on_server):
                raw.executemany(sql, rows_)
        except refused:
            for where, values in zip(wheres, rows_, strict=True):  # which rows were refused?
                try:
                    with _savepoint(session, raw, self.on_server):
                        raw.execute(sql, values)
                except refused as exc:
                    self.state.problem(_where(where), record_label(spec.name, values, spec),
                                       _explain(exc, spec, values))
        self.state.counts[spec.name] = self.state.counts.get(spec.name, 0) + len(rows_)
        wheres.clear()
        rows_.clear()
        self._last_hash.clear()  # what was flushed is now found by query

    def _check_references(self, conn, pending: list, ids: dict[str, set[int]]) -> None:
        found: dict[tuple[str, int], bool] = {}
        for where, label, column, parent, value in pending:
            if value in ids[parent]:
                continue
            key = (parent, value)
            if key not in found:
                found[key] = conn.execute(text(f'SELECT 1 FROM "{parent}" WHERE id = :id'),
                                          {"id": value}).first() is not None
            if not found[key]:
                self.state.problem(where, label, f"{column}: no {parent} with id {value} in the "
                                   "file or the database")

    def _journal_foreign_records(self, session: Session, specs: dict[str, TableSpec]) -> None:
        """Records from a file without journals get one 'import' entry each (who, when, from)."""
        now = self.store.now()
        for name, spec in specs.items():
            if spec.kind is None or not self.state.counts.get(name):
                continue
            rows = session.execute(text(
                f'SELECT ref, title, status FROM "{name}" t WHERE NOT EXISTS '
                "(SELECT 1 FROM journal_entry j WHERE j.record_ref = t.ref)")).all()
            for ref, title, status in rows:
                journal.append(session, ref=ref, kind=spec.kind.value, actor=self.store.actor,
                               at=now, action="import",
                               changes={"title": (None, title), "status": (None, status)},
                               note=f"imported from {self.path.name}")

    def _check_desk_is_empty(self, conn, specs: dict[str, TableSpec]) -> None:
        """A restore replaces nothing: the desk must hold no row yet (its schema only)."""
        for name in specs:
            if conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None:
                raise ValidationError(
                    f"this desk is not empty ({name} has rows{seeded_by_scheduler(conn)}): a "
                    "server desk is restored into an empty database (createdb NAME, then --db "
                    "postgresql://…/NAME restore FILE); nothing was restored")

    def _note_import(self, conn) -> None:
        now = self.store.now()
        value = json.dumps({"at": now.isoformat(), "by": self.store.actor,
                            "source": str(self.path), "counts": self.state.counts})
        put_meta(conn, f"import:{now.isoformat()}", value)


def seeded_by_scheduler(conn) -> str:
    """``: only the review schedules …`` when the desk holds nothing but the schedules a
    scheduler seeded on it (a cron job, a desk opened on it for a moment), else "": the
    refusal named only "journal_entry has rows", and nothing pointed to the cause."""
    others = conn.execute(text(
        "SELECT 1 FROM journal_entry WHERE record_ref NOT LIKE 'SCH:%' LIMIT 1")).first()
    records = conn.execute(text("SELECT 1 FROM incident LIMIT 1")).first()
    if others is not None or records is not None:
        return ""
    return (": only the review schedules a scheduler seeded -- 'sms-tui scheduler run', or a "
            "desk opened on it")


def _where(where: int | str) -> str:
    """JSON rows carry their line number; CSV rows already say file and line."""
    return f"line {where}" if isinstance(where, int) else where


def _counting(fh, importer: Importer) -> Iterator[str]:
    for line in fh:
        importer._advance(len(line))
        yield line


_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_SERVER_UNIQUE = re.compile(r"Key \((.+?)\)=\(.*\) already exists")


@contextmanager
def _savepoint(session: Session, raw, on_server: bool):
    """Around statements run on the driver's own cursor: on the server, a SAVEPOINT on that
    same cursor (a failed statement aborts the whole transaction there until rolled back to
    it); on SQLite, the session's nested transaction."""
    if not on_server:
        with session.begin_nested():
            yield
        return
    raw.execute("SAVEPOINT sms_import_rows")
    try:
        yield
    except BaseException:
        raw.execute("ROLLBACK TO SAVEPOINT sms_import_rows")
        raise
    raw.execute("RELEASE SAVEPOINT sms_import_rows")


def _server_values(spec: TableSpec, rows_: list[list[Any]]) -> None:
    """The server's boolean columns take True/False, not SQLite's 1/0."""
    flags = [i for i, col in enumerate(spec.columns) if col.kind == "bool"]
    for values in rows_ if flags else ():
        for i in flags:
            if values[i] is not None:
                values[i] = bool(values[i])


def _explain(exc: Exception, spec: TableSpec, values: list[Any]) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    match = _UNIQUE.search(message)
    detail = getattr(getattr(exc, "diag", None), "message_detail", None) or ""
    server = _SERVER_UNIQUE.search(detail)
    if match or server:
        found = match.group(1) if match else server.group(1)
        columns = [c.strip().strip('"').split(".")[-1] for c in found.split(",")]
        shown = ", ".join(f"{c} {values[spec.index(c)]!r}" for c in columns if c in spec.names)
        return f"{shown} already exists (in the database or earlier in the file)"
    return message
