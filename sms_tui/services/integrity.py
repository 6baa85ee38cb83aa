"""``sms-tui verify``: is the database sound, is every journal as it was written, and do
the records say what their journals say?

Checks, each reported with the references involved:

* SQLite's own ``integrity_check`` and ``foreign_key_check``;
* the append-only triggers on ``journal_entry`` (migration 0002) and the
  journal-head triggers (migration 0004) are in place, and no purge
  authorisation was left behind;
* the triggers keeping each record table's search index in step are in place
  (migration 0003; a batch migration re-creating a table drops them);
* every journal's hash chain: each entry's hash covers its content and the
  previous entry's hash of the same record, so an edited, removed or inserted
  entry breaks the chain at that point;
* every journal ends where its head says (``journal_head``, kept by triggers on
  every INSERT and never moved back): deleting a record's newest entries -- a
  system entry such as an SLA breach that did not move the version, or through
  a purge authorisation -- leaves the head pointing at an entry that is gone;
* every record has a journal, at least one entry per version, and its fields
  are what replaying its journal gives: each field a journal entry set (and
  title, status, impact, urgency, priority, assignee, category and assignment
  group, which every record's journal starts with or defaults) must hold the
  last value the journal gave it, so ``UPDATE incident SET title = 'forged'``
  is reported with the record and the field;
* every journal of a record kind belongs to an existing record, or ends in a
  purge tombstone (a record deleted behind sms-tui's back shows up here).

It streams the journal once in (record, id) order, so memory stays flat
however big the desk is.

What it cannot prove: someone with write access to the file who rewrites a
whole chain with fresh hashes (and its head, and the record row to match):
there is no secret key. ``verify --digest`` prints one digest of every chain
head to keep elsewhere; ``verify --against DIGEST`` later proves that nothing
written before it was changed. Fields never journaled (SLA clock readings,
update times, links by id) are not replayed.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring
from json.scanner import make_scanner

from sqlalchemy import Connection, bindparam, inspect, text

from ..domain.kinds import Kind
from ..storage.meta import put_meta
from ..storage.models import RECORD_TABLES
from .journal import HMAC_PREFIX, _stored_iso, digest_row, marker_first_id
from .store import Store

APPEND_ONLY_TRIGGERS = ("journal_entry_no_update", "journal_entry_no_delete")
HEAD_TRIGGERS = ("journal_head_advance", "journal_head_no_delete", "journal_head_forward_only")
SEARCH_TRIGGER_EVENTS = ("insert", "delete", "update")  # <table>_fts_<event>, migration 0003
PURGE_KEY_PREFIX = "purge_authorised:"
PURGE_ACTION = "purge"
IMPORT_ACTION = "import"  # the first entry of a record imported without its journal
RECORD_KINDS = {kind.value for kind in Kind}
DIGEST_PREFIX = "sms-tui-journal-v1"
# Fields every record's journal starts with (create), or whose absence means the default.
ALWAYS_REPLAYED = {"title": None, "status": None, "impact": None, "urgency": None,
                   "priority": None, "assignee": "", "category": "", "assignment_group": ""}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
MAX_PROBLEMS = 1000  # a desk broken everywhere is reported by its first thousand problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with the references it concerns (may be empty for database-wide ones)."""

    refs: tuple[str, ...]
    message: str

    def line(self) -> str:
        return f"{', '.join(self.refs)}: {self.message}" if self.refs else self.message


@dataclass
class VerifyReport:
    records: int = 0
    journals: int = 0
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""  # of every chain head ('' when only part was checked)
    since: int | None = None  # only journals written to after this entry were checked
    last_id: int = 0  # the newest journal entry when the check ran
    checkpoint: str = ""  # what was recorded for the next 'verify --since last'
    against: str | None = None  # 'matches' or why not, when checked against an earlier digest
    problems_cut: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def broken_refs(self) -> set[str]:
        return {ref for problem in self.problems for ref in problem.refs}

    def add(self, refs: tuple[str, ...], message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(refs, message))
        else:
            self.problems_cut += 1

    def summary(self) -> str:
        state = "ok" if self.ok else f"{len(self.problems) + self.problems_cut} problem(s)"
        return (f"{state}: {self.records} records, {self.journals} journals, "
                f"{self.entries} journal entries checked")


# ------------------------------------------------------------------ values
def _normal(value):
    """A journal value and a column value compared on equal terms."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        if _DATE.match(value):
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            if when.tzinfo is not None:
                when = when.astimezone(UTC).replace(tzinfo=None)
            return when.isoformat()
        if len(value) == 2 and value[0] == "P" and value[1].isdigit():  # priority "P3"
            return int(value[1])
        return value
    if isinstance(value, datetime):  # PostgreSQL returns timestamps, SQLite text
        when = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return when.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _shown(value) -> str:
    text_ = "''" if value in (None, "") else repr(value)
    return text_ if len(text_) <= 60 else text_[:57] + "...'"


# ------------------------------------------------------------------ one journal
@dataclass
class _Chain:
    ref: str
    kind: str = ""
    count: int = 0
    prev: str = ""
    broken: list[int] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    first_action: str = ""
    last_action: str = ""
    last_id: int = 0
    unkeyed: int = 0  # keyed entries that could not be checked (no key given)
    plain_after_key: list[int] = field(default_factory=list)  # unkeyed though the desk is keyed


_SCAN = make_scanner(json.JSONDecoder())  # json.loads without its two Python-level frames
JOURNAL_COLUMNS = "id, record_ref, record_kind, at, actor, action, changes, note, prev_hash, hash"
STREAM_ROWS = 5000  # rows fetched at a time (a server-side cursor where the server has them)
SETTLE_CHAINS = 500  # chains whose heads and records are looked up together
PROGRESS_EVERY = 20_000


def _stream(conn: Connection, sql: str, params: dict):
    """Rows of ``sql`` fetched a few thousand at a time, never all at once. The options go
    with this statement only: ``Connection.execution_options`` would set them on the
    connection itself, and the server would then run a later INSERT of the same
    transaction (an import's) as a cursor, which it refuses."""
    return conn.execute(text(sql), params,
                        execution_options={"stream_results": True, "yield_per": STREAM_ROWS})


def _chains(conn: Connection, progress: Callable[[int], None] | None,
            since: int | None = None, key: bytes | None = None,
            keyed_from: int | None = None) -> Iterator[_Chain]:
    """Every journal (or those written to after entry ``since``), checked as it streams past
    (ordered by record, then id).

    The hot loop of ``verify``: each entry's hash is recomputed inline for the usual
    shape of a stored time (see :func:`journal.digest_row`, which it falls back to)."""
    if since is None:
        rows = _stream(conn, f"SELECT {JOURNAL_COLUMNS} FROM journal_entry "
                       "ORDER BY record_ref, id", {})
    else:
        rows = _stream(conn, f"SELECT {JOURNAL_COLUMNS} FROM journal_entry WHERE record_ref IN "
                       "(SELECT record_ref FROM journal_head WHERE last_id > :since) "
                       "ORDER BY record_ref, id", {"since": since})
    sha256, quote, scan = hashlib.sha256, encode_basestring, _SCAN
    record_kinds = RECORD_KINDS
    chain: _Chain | None = None
    current = None
    prev = ""
    fields: dict = {}
    count = seen = 0
    for part in rows.partitions(STREAM_ROWS):
        for id_, ref, kind, at, actor, action, changes, note, prev_hash, hash_ in part:
            if ref != current:
                if chain is not None:
                    chain.prev, chain.count = prev, count
                    yield chain
                chain = _Chain(ref, kind, first_action=action)
                current, prev, fields, count = ref, "", chain.fields, 0
            if hash_[:5] == HMAC_PREFIX:
                if key is None:
                    chain.unkeyed += 1  # only the key's holder can check it: the link at least
                    if prev_hash != prev:
                        chain.broken.append(id_)
                elif prev_hash != prev or hash_ != digest_row(
                        prev_hash, ref, kind, at, actor, action, changes, note, key):
                    chain.broken.append(id_)
            else:
                try:  # journal.digest_row, inline: the JSON of eight strings, hashed
                    if len(at) != 26 or at[10] != " " or at[19] != ".":
                        raise TypeError
                    when = at[:10] + "T" + at[11:19] + ("+00:00" if at[20:] == "000000"
                                                        else at[19:] + "+00:00")
                    good = sha256(("[" + ",".join(map(quote, (
                        prev_hash, ref, kind, when, actor, action, changes, note))) + "]")
                        .encode("utf-8", "surrogatepass")).hexdigest() == hash_
                except TypeError:  # a value that is not a string, or another time format
                    good = hash_ == digest_row(prev_hash, ref, kind, at, actor, action,
                                               changes, note)
                if not good or prev_hash != prev:
                    chain.broken.append(id_)
                elif keyed_from is not None and id_ >= keyed_from:
                    chain.plain_after_key.append(id_)
            prev = hash_
            count += 1
            chain.last_action, chain.last_id, chain.kind = action, id_, kind
            if kind in record_kinds and changes != "{}":
                try:
                    found, end = scan(changes, 0)
                    if end != len(changes):
                        found = json.loads(changes)  # trailing space is fine, more is not
                    for name, pair in found.items():
                        if pair.__class__ is list and len(pair) == 2:
                            fields[name] = pair[1]
                except (StopIteration, ValueError, AttributeError, TypeError):
                    chain.broken.append(id_)
        seen += len(part)
        if progress is not None and seen // PROGRESS_EVERY != (seen - len(part)) // PROGRESS_EVERY:
            progress(seen)
    if chain is not None:
        chain.prev, chain.count = prev, count
        yield chain


def _replay(report: VerifyReport, chain: _Chain, row: tuple, index: dict[str, int]) -> None:
    fields = chain.fields
    wrong = []
    # A record taken in from another tool starts its journal with an 'import' entry naming
    # only its title and status: its other fields have no default to be held to.
    defaults = () if chain.first_action == IMPORT_ACTION else (
        (n, d) for n, d in ALWAYS_REPLAYED.items() if n not in fields)
    for name, value in (*defaults, *fields.items()):
        at = index.get(name)
        if at is None or value is None and name not in fields:
            continue
        stored = row[at]
        if stored == value and stored.__class__ is value.__class__:
            continue  # the usual case, without normalising
        if value.__class__ is str:  # the two usual differences, without normalising
            if stored.__class__ is str and len(stored) == 26 and stored[10] == " " \
                    and stored[19] == "." and _stored_iso(stored) == value:
                continue  # a time as SQLite keeps it and as the journal wrote it
            if stored.__class__ is int and value == f"P{stored}":
                continue  # priority 3 and "P3"
        if _normal(stored) != _normal(value):
            wrong.append(f"{name} is {_shown(stored)} but its journal says {_shown(value)}")
    if wrong:
        report.add((chain.ref,), "record does not match its journal (changed outside sms-tui): "
                   + "; ".join(wrong[:5]))


# ------------------------------------------------------------------ the checks
def _names(conn: Connection) -> tuple[set[str], set[str]]:
    """The database's tables and triggers."""
    if conn.dialect.name == "sqlite":
        found = conn.execute(text("SELECT type, name FROM sqlite_master "
                                  "WHERE type IN ('table', 'trigger')")).all()
        return ({n for t, n in found if t == "table"}, {n for t, n in found if t == "trigger"})
    tables = set(inspect(conn).get_table_names())
    triggers = {r[0] for r in conn.execute(text(
        "SELECT trigger_name FROM information_schema.triggers"))}
    return tables, triggers


def _integrity_problems(con: sqlite3.Connection, quick: bool = False) -> list[str]:
    """SQLite's own checks of the file: pages, indexes (not with ``quick``), foreign keys."""
    check = "quick_check" if quick else "integrity_check"
    lines = [f"SQLite integrity check: {r[0]}"
             for r in con.execute(f"PRAGMA {check}").fetchall()[:20] if r[0] != "ok"]
    for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        lines.append(f"{table} row {rowid} points to a missing {parent} row")
    return lines


class _FileCheck:
    """SQLite's integrity check of a database file, run on its own connection in a thread
    while the journal streams (SQLite works without the GIL: the two overlap)."""

    def __init__(self, path, quick: bool = False) -> None:
        from ..storage.engine import read_only_uri

        self.quick = quick
        self.lines: list[str] = []
        self.error: BaseException | None = None
        self._uri = read_only_uri(path)
        self._thread = threading.Thread(target=self._run, name="verify-integrity", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            con = sqlite3.connect(self._uri, uri=True)
            try:
                self.lines = _integrity_problems(con, self.quick)
            finally:
                con.close()
        except BaseException as exc:  # reported by result()
            self.error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> list[str]:
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.lines


def _schema_checks(report: VerifyReport, conn: Connection, file_check: _FileCheck | None,
                   ) -> set[str]:
    if file_check is None and conn.dialect.name == "sqlite":
        for line in _integrity_problems(conn.connection.driver_connection):
            report.add((), line)
    tables, triggers = _names(conn)
    revision = _revision(conn, tables)  # a backup of an older schema lacks what came later
    missing = [t for t in APPEND_ONLY_TRIGGERS if t not in triggers]
    if missing and revision >= "0002":
        report.add((), f"the journal is not protected against edits (missing triggers: "
                   f"{', '.join(missing)})")
    if revision >= "0004" and "journal_head" not in tables:
        report.add((), "the journal heads (migration 0004) are missing: the table was dropped")
    missing = [t for t in HEAD_TRIGGERS if t not in triggers]
    if missing and revision >= "0004":
        report.add((), "the journal heads are not kept by the database (missing triggers: "
                   f"{', '.join(missing)}); see migration 0004")
    indexes = set()
    if conn.dialect.name != "sqlite":  # the server searches through GIN expression indexes
        indexes = {r[0] for r in conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))}
    for table in sorted(model.__tablename__ for model in RECORD_TABLES.values()):
        if revision < "0003":
            break
        if table not in tables:  # a record table of a later revision (complaint: 0006)
            continue
        if conn.dialect.name != "sqlite":
            if f"ix_{table}_search" not in indexes:
                report.add((), f"the search index of {table} is missing (ix_{table}_search); see "
                           "migration 0003 to re-create it")
            continue
        lost = [f"{table}_fts_{event}" for event in SEARCH_TRIGGER_EVENTS
                if f"{table}_fts_{event}" not in triggers]
        if lost:
            report.add((), (f"the search index of {table} is no longer kept up to date (missing "
                            f"triggers: {', '.join(lost)}); see migration 0003 to re-create them "
                            "and rebuild the index"))
    for (key,) in conn.execute(text("SELECT key FROM sms_meta WHERE key LIKE :p"),
                               {"p": PURGE_KEY_PREFIX + "%"}).all():
        report.add((key.removeprefix(PURGE_KEY_PREFIX),), "a purge authorisation was left in place")
    return tables


def _key_checks(report: VerifyReport, conn: Connection, key: bytes | None) -> int | None:
    """From which entry the journal is keyed (None: not keyed, or no key to tell)."""
    found = conn.execute(text("SELECT value FROM sms_meta WHERE key = 'journal:keyed_from'")
                         ).first()
    if found is None:
        if key is not None and conn.execute(text(
                "SELECT 1 FROM journal_entry WHERE hash LIKE 'hmac:%' LIMIT 1")).first():
            report.add((), "the journal has keyed entries but no key marker: it was removed")
        return None
    if key is None:
        return None  # keyed entries are counted as they stream past
    first = marker_first_id(key, found[0])
    if first is None:
        report.add((), "the journal's key marker was not made with this key (edited, or the "
                   "wrong key)")
    return first


def _revision(conn: Connection, tables: set[str]) -> str:
    """The schema revision stamped in the file; unknown means: expect everything."""
    if "alembic_version" not in tables:
        return "9999"
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else "9999"


def _check_head(report: VerifyReport, chain: _Chain, head: tuple | None) -> None:
    if head is None:
        report.add((chain.ref,), "journal has no head (its entries were written with the "
                   "journal-head trigger missing)")
        return
    last_id, last_hash, entries = head
    if last_id != chain.last_id or last_hash != chain.prev:
        report.add((chain.ref,), f"journal ends at entry #{chain.last_id} but its head says "
                   f"#{last_id}: its newest entries were deleted")
    elif entries != chain.count and chain.first_action != PURGE_ACTION:
        report.add((chain.ref,), f"journal has {chain.count} entries but {entries} were "
                   "written: entries were deleted")


class _Settler:
    """Checks each streamed chain against its head and its record, looking both up for a
    few hundred chains at a time (one query per table, not one per record: cheap on a
    server too), in the order the chains came."""

    def __init__(self, conn: Connection, report: VerifyReport, has_heads: bool,
                 keyed_from: int | None, bound: int | None, present: set[str]) -> None:
        self.conn, self.report, self.has_heads = conn, report, has_heads
        self.keyed_from, self.bound = keyed_from, bound
        # a backup of an older schema has no record tables of later revisions (complaint: 0006)
        self.tables = {kind: model.__tablename__ for kind, model in RECORD_TABLES.items()
                       if model.__tablename__ in present}
        self.journaled = dict.fromkeys(self.tables, 0)
        self.heads_found = 0
        self.unkeyed = 0
        self.digest = hashlib.sha256()
        self.old = hashlib.sha256()
        self.pending: list[_Chain] = []
        self._index: dict[str, dict[str, int]] = {}
        self._heads_sql = text("SELECT record_ref, last_id, hash, entries FROM journal_head "
                               "WHERE record_ref IN :refs").bindparams(
                                   bindparam("refs", expanding=True))

    def add(self, chain: _Chain) -> None:
        self.pending.append(chain)
        if len(self.pending) >= SETTLE_CHAINS:
            self.settle()

    def _rows(self, table: str, refs: list[str]) -> dict[str, tuple]:
        result = self.conn.execute(text(f'SELECT * FROM "{table}" WHERE ref IN :refs')
                                   .bindparams(bindparam("refs", expanding=True)),
                                   {"refs": refs})
        index = self._index.get(table)
        if index is None:
            index = self._index[table] = {name: i for i, name in enumerate(result.keys())}
        at = index["ref"]
        return {row[at]: tuple(row) for row in result.all()}

    def settle(self) -> None:
        chains, self.pending = self.pending, []
        if not chains:
            return
        heads = {}
        if self.has_heads:
            heads = {r[0]: tuple(r[1:]) for r in self.conn.execute(
                self._heads_sql, {"refs": [c.ref for c in chains]}).all()}
            self.heads_found += len(heads)
        wanted: dict[str, list[str]] = {}
        for chain in chains:
            if chain.kind in self.tables:
                wanted.setdefault(self.tables[chain.kind], []).append(chain.ref)
        rows = {table: self._rows(table, refs) for table, refs in wanted.items()}
        for chain in chains:
            self._one(chain, heads.get(chain.ref), rows)

    def _one(self, chain: _Chain, head: tuple | None, rows: dict) -> None:
        report = self.report
        report.journals += 1
        report.entries += chain.count
        self.unkeyed += chain.unkeyed
        if chain.plain_after_key:
            report.add((chain.ref,), f"journal entry #{chain.plain_after_key[0]} is not keyed "
                       f"though the journal is keyed from #{self.keyed_from}: written or "
                       "rewritten without the key")
        if chain.broken:
            ids = ", ".join(f"#{i}" for i in chain.broken[:5])
            report.add((chain.ref,), f"journal hash chain broken at entry {ids} "
                       "(an entry was altered, removed or inserted)")
        if self.has_heads:
            _check_head(report, chain, head)
        self.digest.update(f"{chain.ref}\t{chain.count}\t{chain.prev}\n".encode())
        if self.bound is not None:
            _digest_as_of(self.conn, chain, self.bound, self.old)
        if chain.kind not in RECORD_KINDS:
            return
        table = self.tables.get(chain.kind)
        row = rows.get(table, {}).get(chain.ref) if table is not None else None
        if row is None:
            if chain.last_action != PURGE_ACTION:
                report.add((chain.ref,), "record is missing but its journal has no purge "
                           "tombstone (deleted outside sms-tui)")
            return
        index = self._index[table]
        self.journaled[chain.kind] += 1
        version = row[index["version"]]
        if chain.count < version:
            report.add((chain.ref,), f"record was written {version} times but its "
                       f"journal has {chain.count} entries (entries are missing)")
        _replay(report, chain, row, index)


def verify_connection(conn: Connection, *, against: str | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      since: int | None = None, key: bytes | None = None,
                      file_check: _FileCheck | None = None) -> VerifyReport:
    """Every check, read only, on an open SQLAlchemy connection (inside one transaction,
    so every read sees the same snapshot).

    ``since``: check only the records whose journal was written to after that entry id
    (their whole chain, head and fields); no digest is made then. ``file_check``: SQLite's
    own check of the file, already running beside this one (else it runs here first).
    """
    report = VerifyReport()
    tables = _schema_checks(report, conn, file_check)
    has_heads = "journal_head" in tables
    if since is not None and not has_heads:
        since = None  # nothing tells what was written after it: check everything
    report.since = since
    report.last_id = _max_id(conn)
    keyed_from = _key_checks(report, conn, key)
    bound = _parse_digest(against)[0] if against else None
    total = conn.execute(text("SELECT COUNT(*) FROM journal_entry WHERE id > :s"),
                         {"s": since or 0}).scalar_one()
    if progress is not None:
        progress(0, total)
    tick = (lambda n: progress(n, total)) if progress is not None else None

    settler = _Settler(conn, report, has_heads, keyed_from, bound, tables)
    for chain in _chains(conn, tick, since, key, keyed_from):
        settler.add(chain)
    settler.settle()
    if has_heads:
        heads = conn.execute(text("SELECT COUNT(*) FROM journal_head WHERE last_id > :s"),
                             {"s": since or 0}).scalar_one()
        if heads != settler.heads_found:
            for (ref,) in conn.execute(text(
                    "SELECT record_ref FROM journal_head h WHERE last_id > :s AND NOT EXISTS "
                    "(SELECT 1 FROM journal_entry j WHERE j.record_ref = h.record_ref) "
                    "ORDER BY record_ref LIMIT 100"), {"s": since or 0}):
                report.add((ref,), "journal is gone but its head remains: its entries were "
                           "deleted")
    if file_check is not None:
        for line in file_check.result():
            report.add((), line)
    if settler.unkeyed:
        report.add((), f"{settler.unkeyed} journal entries are keyed (HMAC): set the key "
                   "([journal] key_env) to check them")
    if progress is not None:
        progress(total, total)
    if since is not None:
        report.records = sum(settler.journaled.values())
        return report
    for kind, table in settler.tables.items():
        n = conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()
        report.records += n
        if n != settler.journaled[kind]:
            for (ref,) in conn.execute(text(
                    f'SELECT ref FROM "{table}" t WHERE NOT EXISTS (SELECT 1 FROM journal_entry j '
                    "WHERE j.record_ref = t.ref) ORDER BY ref LIMIT 100")):
                report.add((ref,), "record has no journal")
    report.digest = (f"{DIGEST_PREFIX}:{report.last_id}:{report.entries}:"
                     f"{settler.digest.hexdigest()}")
    if against:
        expected_hash = _parse_digest(against)[1]
        report.against = "matches" if settler.old.hexdigest() == expected_hash else "differs"
        if report.against != "matches":
            report.add((), "the journal written before the digest was taken has changed since "
                       "(a chain was rewritten, shortened or purged)")
    return report


def _max_id(conn: Connection) -> int:
    return conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM journal_entry")).scalar_one()


def _parse_digest(text_: str | None) -> tuple[int, str]:
    from ..domain.errors import ValidationError

    parts = (text_ or "").strip().split(":")
    if len(parts) != 4 or parts[0] != DIGEST_PREFIX or not parts[1].isdigit() or not parts[2].isdigit() \
            or not re.fullmatch(r"[0-9a-f]{64}", parts[3]) or len(parts[1]) > 18:
        raise ValidationError("not a digest printed by 'sms-tui verify --digest' "
                              f"({DIGEST_PREFIX}:ID:ENTRIES:SHA256)")
    return int(parts[1]), parts[3]


def _digest_as_of(conn: Connection, chain: _Chain, bound: int, old) -> None:
    """Add this chain's head as it was when the entry ``bound`` was the newest."""
    if chain.last_id <= bound:
        count, last = chain.count, chain.prev
    else:
        row = conn.execute(text(
            "SELECT COUNT(*), (SELECT hash FROM journal_entry WHERE record_ref = :r "
            "AND id <= :b ORDER BY id DESC LIMIT 1) FROM journal_entry "
            "WHERE record_ref = :r AND id <= :b"), {"r": chain.ref, "b": bound}).first()
        count, last = row[0], row[1] or ""
    if count:
        old.update(f"{chain.ref}\t{count}\t{last}\n".encode())


CHECKPOINT_KEY = "verify:checkpoint"


def verify_database(store: Store, *, against: str | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    since_last: bool = False, record: bool = False) -> VerifyReport:
    """Run every check on ``store``'s database and return what was found.

    ``since_last``: check only what was written after the last checkpoint. ``record``:
    when everything checked is sound, record a checkpoint (the newest entry checked) in
    ``sms_meta`` for the next ``since_last`` run.
    """
    from ..domain.errors import ValidationError

    if against:
        _parse_digest(against)  # a bad digest is refused before any work
    if since_last and against:
        raise ValidationError("--since and --against cannot be combined: --against needs "
                              "every chain")
    file_check = None
    if store.engine.dialect.name == "sqlite" and getattr(store, "_bound", None) is None:
        # beside the stream, on its own connection; --since last: the quick check (pages and
        # rows, not the indexes' contents), so that a cron job stays quick on a big desk
        file_check = _FileCheck(store.path, quick=since_last)
    try:
        with store.read() as session:
            conn = session.connection()
            conn.execute(text("SELECT 1"))  # start the read transaction: one snapshot
            since = None
            if since_last:
                found = conn.execute(text("SELECT value FROM sms_meta WHERE key = :k"),
                                     {"k": CHECKPOINT_KEY}).first()
                if found is None:
                    raise ValidationError("no verified checkpoint yet: run 'sms-tui verify' "
                                          "(all of it) first")
                since = int(json.loads(found[0])["last_id"])
            report = verify_connection(conn, against=against, progress=progress, since=since,
                                       key=getattr(store, "journal_key", None),
                                       file_check=file_check)
    finally:
        if file_check is not None:
            file_check.join()
    if record and report.ok:
        value = json.dumps({"last_id": report.last_id, "at": store.now().isoformat(),
                            "by": store.actor, "since": report.since})
        try:
            with store.write() as session:
                put_meta(session, CHECKPOINT_KEY, value)
            report.checkpoint = f"checkpoint recorded at journal entry #{report.last_id}"
        except Exception as exc:  # a read-only file is still verified; it just keeps no mark
            report.checkpoint = f"no checkpoint recorded ({str(exc).splitlines()[0][:80]})"
    return report


def verify_file(path, key: bytes | None = None) -> VerifyReport:
    """Every check on a database file opened read-only (a backup before it is restored)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from ..storage.engine import read_only_uri

    uri = read_only_uri(path)
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True),
                           poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return verify_connection(conn, key=key)
    finally:
        engine.dispose()


def note_forced(store: Store, action: str, source: str, report: VerifyReport) -> None:
    """Journal that a file failing verification was taken in anyway (``--force``)."""
    from . import journal

    first = report.problems[0].line() if report.problems else ""
    with store.write() as session:
        journal.append(session, ref="SYS:integrity", kind="system", actor=store.actor,
                       at=store.now(), action=action,
                       changes={"source": (None, source),
                                "problems": (None, len(report.problems) + report.problems_cut)},
                       note=f"taken in with --force despite: {first}"[:2000])
