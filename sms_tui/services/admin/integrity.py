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
however big the desk is. On SQLite it reads through the standard driver, with
SQLite building each entry's hashed text (see ``_PREIMAGE``) and the heads and
record tables read in reference order beside the journal; a full check of a big
journal hands the second half of the references to a second process, used only
when it sees the same snapshot (see ``_check_sqlite``). On PostgreSQL heads and
records are looked up a few hundred chains at a time.

What it cannot prove: someone with write access to the file who rewrites a
whole chain with fresh hashes (and its head, and the record row to match):
there is no secret key. ``verify --digest`` prints one digest of every chain
head to keep elsewhere; ``verify --against DIGEST`` later proves that nothing
written before it was changed. Fields never journaled (SLA clock readings,
update times, links by id) are not replayed.
"""

from __future__ import annotations

import hashlib
import hmac
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

from ...domain.kinds import Kind
from ...storage.meta import put_meta
from ...storage.models import RECORD_TABLES
from ..core.journal import HMAC_PREFIX, _stored_iso, digest_row, marker_first_id
from ..core.store import Store

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
ORPHAN_HEAD = "journal is gone but its head remains: its entries were deleted"
NO_JOURNAL = "record has no journal"
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
        if len(self.problems) < MAX_PROBLEMS:  # a reference tampered into a blob is shown
            self.problems.append(Problem(tuple(r if isinstance(r, str) else repr(r)
                                               for r in refs), message))
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
class _Chain:
    """One record's journal as it streamed past: where it ends, what broke, what it says."""

    __slots__ = ("ref", "kind", "count", "prev", "broken", "fields", "first_action",
                 "last_action", "last_id", "unkeyed", "plain_after_key")

    def __init__(self, ref: str, kind: str = "", first_action: str = "") -> None:
        self.ref, self.kind, self.first_action = ref, kind, first_action
        self.count = self.last_id = self.unkeyed = 0
        self.prev = self.last_action = ""
        self.broken: list[int] = []
        self.fields: dict = {}
        self.plain_after_key: list[int] = []  # unkeyed though the desk is keyed


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


# ------------------------------------------------------------------ SQLite: one pass in C
# Each entry's hashed text -- the JSON array of its eight stored fields, its time as
# ``isoformat`` writes it in UTC (journal.digest_row) -- is built by SQLite's json_array
# in the same statement that reads the row, and handed over as bytes: Python only hashes
# it. Only for entries whose eight fields are text and whose time has the shape SQLite
# keeps (else NULL: the entry is hashed in Python, as before). json_array escapes a string
# as ``json.dumps(ensure_ascii=False)`` does (", \ and the C0 controls: \b \f \n \r \t
# short, the others as \u00xx); and whatever either writes is valid JSON that reads back
# as the strings it was given, so a match can only come from the very strings Python
# hashed when the entry was written. A mismatch is checked again in Python before it is
# reported, so a difference in escaping could only cost time, never a false alarm.
_ALL_TEXT = " AND ".join(f"typeof({c}) = 'text'" for c in (
    "prev_hash", "record_ref", "record_kind", "at", "actor", "action", "changes", "note"))
_PREIMAGE = (
    f"CASE WHEN {_ALL_TEXT} AND length(at) = 26 AND substr(at, 11, 1) = ' ' "
    "AND substr(at, 20, 1) = '.' THEN CAST(json_array(prev_hash, record_ref, record_kind, "
    "substr(at, 1, 10) || 'T' || substr(at, 12, 8) "
    "|| CASE WHEN substr(at, 21) = '000000' THEN '' ELSE substr(at, 20) END || '+00:00', "
    "actor, action, changes, note) AS BLOB) END")
_SINCE = "IN (SELECT record_ref FROM journal_head WHERE last_id > ?)"


def _where(column: str, since: int | None, part: tuple[str | None, str | None],
           since_term: str | None = None) -> tuple[str, tuple]:
    """The WHERE clause choosing what is checked: the journals written to after ``since``,
    the references from ``part[0]`` (included) to ``part[1]`` (excluded)."""
    terms, params = [], []
    if since is not None:
        terms.append(since_term or f"{column} {_SINCE}")
        params.append(since)
    if part[0] is not None:
        terms.append(f"{column} >= ?")
        params.append(part[0])
    if part[1] is not None:
        terms.append(f"{column} < ?")
        params.append(part[1])
    return (" WHERE " + " AND ".join(terms) if terms else ""), tuple(params)


def _hashes_ok(con: sqlite3.Connection, row: tuple, key: bytes | None) -> bool:
    """The slow path of one entry: keyed, not all text, an odd time, or a hash that did
    not match the SQL-built text. Recomputed in Python from the stored columns."""
    id_, ref, kind, action, changes, prev_hash, hash_, pre = row
    keyed = hash_.__class__ is str and hash_[:5] == HMAC_PREFIX
    if keyed and pre is not None and key is not None and hash_ == (
            HMAC_PREFIX + hmac.new(key, pre, hashlib.sha256).hexdigest()):
        return True
    found = con.execute("SELECT at, actor, note FROM journal_entry WHERE id = ?",
                        (id_,)).fetchone()
    if found is None:
        return False
    at, actor, note = found
    try:
        return hash_ == digest_row(prev_hash, ref, kind, at, actor, action, changes, note,
                                   key if keyed else None)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return False  # a value of a type or shape sms-tui never writes


def _chains_sqlite(con: sqlite3.Connection, progress: Callable[[int], None] | None,
                   since: int | None = None, key: bytes | None = None,
                   keyed_from: int | None = None,
                   part: tuple[str | None, str | None] = (None, None)) -> Iterator[_Chain]:
    """:func:`_chains` on SQLite's own driver, the same checks: every entry's hash (on the
    text SQLite builds, see ``_PREIMAGE``) and link, its changes parsed for the replay."""
    where, params = _where("record_ref", since, part)
    cursor = con.execute(f"SELECT id, record_ref, record_kind, action, changes, prev_hash, "
                         f"hash, {_PREIMAGE} FROM journal_entry{where} ORDER BY record_ref, id",
                         params)
    sha256, scan, record_kinds, loads = hashlib.sha256, _SCAN, RECORD_KINDS, json.loads
    keyed_at = keyed_from if keyed_from is not None else 1 << 63  # plain entries from here on
    chain: _Chain | None = None
    current = None
    prev = last_action = last_kind = ""
    fields: dict = {}
    count = seen = last_id = 0
    while part := cursor.fetchmany(STREAM_ROWS):
        for row in part:
            id_, ref, kind, action, changes, prev_hash, hash_, pre = row
            if ref != current:
                if chain is not None:
                    chain.prev, chain.count = prev, count
                    chain.last_id, chain.last_action, chain.kind = last_id, last_action, last_kind
                    yield chain
                chain = _Chain(ref, kind, action)
                current, prev, fields, count = ref, "", chain.fields, 0
            if pre is not None and sha256(pre).hexdigest() == hash_:
                if prev_hash != prev:
                    chain.broken.append(id_)
                elif id_ >= keyed_at:
                    chain.plain_after_key.append(id_)
            elif hash_.__class__ is str and hash_[:5] == HMAC_PREFIX and key is None:
                chain.unkeyed += 1  # only the key's holder can check it: the link at least
                if prev_hash != prev:
                    chain.broken.append(id_)
            elif not _hashes_ok(con, row, key) or prev_hash != prev:
                chain.broken.append(id_)
            elif id_ >= keyed_at and hash_[:5] != HMAC_PREFIX:
                chain.plain_after_key.append(id_)
            prev = hash_
            count += 1
            last_id, last_action, last_kind = id_, action, kind
            if changes != "{}" and kind in record_kinds:
                try:
                    found, end = scan(changes, 0)
                    if end != len(changes):
                        found = loads(changes)  # trailing space is fine, more is not
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
        chain.last_id, chain.last_action, chain.kind = last_id, last_action, last_kind
        yield chain


def _replay(report: VerifyReport, chain: _Chain, row: tuple, index: dict[str, int]) -> None:
    fields = chain.fields
    wrong = []
    # A record taken in from another tool starts its journal with an 'import' entry naming
    # only its title and status: its other fields have no default to be held to.
    if chain.first_action != IMPORT_ACTION:
        for name in _DEFAULTED - fields.keys():
            at = index.get(name)
            if at is not None and _differs(row[at], ALWAYS_REPLAYED[name]):
                wrong.append(_wrong(name, row[at], ALWAYS_REPLAYED[name]))
    for name, value in fields.items():
        at = index.get(name)
        if at is None:
            continue
        stored = row[at]
        if stored == value and stored.__class__ is value.__class__:
            continue  # the usual case, without normalising
        if _differs(stored, value):
            wrong.append(_wrong(name, stored, value))
    if wrong:
        report.add((chain.ref,), "record does not match its journal (changed outside sms-tui): "
                   + "; ".join(wrong[:5]))


_DEFAULTED = frozenset(n for n, d in ALWAYS_REPLAYED.items() if d is not None)


def _differs(stored, value) -> bool:
    """Does a record's column hold something else than the journal's last value for it?"""
    if stored == value and stored.__class__ is value.__class__:
        return False
    if value.__class__ is str:  # the two usual differences, without normalising
        if stored.__class__ is str and len(stored) == 26 and stored[10] == " " \
                and stored[19] == "." and _stored_iso(stored) == value:
            return False  # a time as SQLite keeps it and as the journal wrote it
        if stored.__class__ is int and value == f"P{stored}":
            return False  # priority 3 and "P3"
    return _normal(stored) != _normal(value)


def _wrong(name: str, stored, value) -> str:
    return f"{name} is {_shown(stored)} but its journal says {_shown(value)}"


# ------------------------------------------------------------------ the checks
def _names(conn: Connection) -> tuple[set[str], set[str]]:
    """The database's tables and triggers."""
    if conn.dialect.name == "sqlite":
        found = conn.execute(text("SELECT type, name FROM sqlite_master "
                                  "WHERE type IN ('table', 'trigger')")).all()
        return ({n for t, n in found if t == "table"}, {n for t, n in found if t == "trigger"})
    tables = set(inspect(conn).get_table_names())
    # pg_trigger, not information_schema.triggers: the latter shows only the triggers of
    # tables the role may change, so a role granted SELECT only saw none ("the journal is
    # not protected against edits" on a sound desk); the catalog is readable by every role
    triggers = {r[0] for r in conn.execute(text(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"))}
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
        from ...storage.engine import read_only_uri

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
        self.records = 0  # rows in the record tables (when everything is checked)
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
            table = self.tables.get(chain.kind)
            row = rows.get(table, {}).get(chain.ref) if table is not None else None
            self._one(chain, heads.get(chain.ref), row, self._index.get(table))

    def finish(self, since: int | None) -> None:
        """After the last chain: heads without a journal, records without one (and the
        number of records, when everything was checked)."""
        self.settle()
        conn, report = self.conn, self.report
        if self.has_heads:
            heads = conn.execute(text("SELECT COUNT(*) FROM journal_head WHERE last_id > :s"),
                                 {"s": since or 0}).scalar_one()
            if heads != self.heads_found:
                for (ref,) in conn.execute(text(
                        "SELECT record_ref FROM journal_head h WHERE last_id > :s AND NOT EXISTS "
                        "(SELECT 1 FROM journal_entry j WHERE j.record_ref = h.record_ref) "
                        "ORDER BY record_ref LIMIT 100"), {"s": since or 0}):
                    report.add((ref,), ORPHAN_HEAD)
        if since is not None:
            return
        for kind, table in self.tables.items():
            n = conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()
            self.records += n
            if n != self.journaled[kind]:
                for (ref,) in conn.execute(text(
                        f'SELECT ref FROM "{table}" t WHERE NOT EXISTS (SELECT 1 FROM '
                        "journal_entry j WHERE j.record_ref = t.ref) ORDER BY ref LIMIT 100")):
                    report.add((ref,), NO_JOURNAL)

    def _one(self, chain: _Chain, head: tuple | None, row: tuple | None,
             index: dict[str, int] | None) -> None:
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
        if row is None or index is None:
            if chain.last_action != PURGE_ACTION:
                report.add((chain.ref,), "record is missing but its journal has no purge "
                           "tombstone (deleted outside sms-tui)")
            return
        self.journaled[chain.kind] += 1
        version = row[index["version"]]
        if chain.count < version:
            report.add((chain.ref,), f"record was written {version} times but its "
                       f"journal has {chain.count} entries (entries are missing)")
        _replay(report, chain, row, index)


class _Walk:
    """The rows of a query ordered by reference (BINARY: as Python orders str), walked
    forward in step with the chains; a row walked past unmatched goes to ``passed``."""

    def __init__(self, cursor: sqlite3.Cursor, at: int, passed: Callable[[tuple], None]) -> None:
        self._rows, self.at, self.passed = cursor, at, passed
        self.row = next(cursor, None)

    def find(self, ref) -> tuple | None:
        row, at = self.row, self.at
        while row is not None:
            key = row[at]
            if key == ref:
                self.row = next(self._rows, None)
                return row
            if key.__class__ is ref.__class__ and key > ref or _rank(key) > _rank(ref):
                break  # not here: the row is some later chain's
            self.passed(row)
            row = next(self._rows, None)
        self.row = row
        return None

    def finish(self) -> None:
        while self.row is not None:
            self.passed(self.row)
            self.row = next(self._rows, None)


def _rank(value) -> int:
    """SQLite's order of storage classes: NULL, numbers, text, blob."""
    return (0 if value is None else 3 if isinstance(value, bytes) else 2
            if isinstance(value, str) else 1)


class _WalkSettler(_Settler):
    """On SQLite: the heads and every record table read in reference order beside the
    journal (one cursor each, streamed), so each chain meets its head and its record
    without a lookup; rows walked past are heads without a journal, records without one.
    ``open`` starts a walk over (part of) the references; ``finish`` ends it."""

    def open(self, con: sqlite3.Connection, since: int | None,
             part: tuple[str | None, str | None] = (None, None)) -> None:
        report = self.report
        self.heads: _Walk | None = None
        if self.has_heads:
            where, params = _where("record_ref", since, part, "last_id > ?")
            self.heads = _Walk(con.execute(
                "SELECT record_ref, last_id, hash, entries FROM journal_head" + where
                + " ORDER BY record_ref COLLATE BINARY", params), 0,
                lambda row: report.add((row[0],), ORPHAN_HEAD))
        self.walks: dict[str, _Walk] = {}
        where, params = _where("ref", since, part)
        for kind, table in self.tables.items():
            cursor = con.execute(f'SELECT * FROM "{table}"{where} ORDER BY ref COLLATE BINARY',
                                 params)
            index = self._index[table] = {d[0]: i for i, d in enumerate(cursor.description)}
            at = index["ref"]
            self.walks[kind] = _Walk(cursor, at, lambda row, at=at: self._unjournaled(row[at]))

    def _unjournaled(self, ref) -> None:
        self.records += 1
        self.report.add((ref,), NO_JOURNAL)

    def add(self, chain: _Chain) -> None:
        head = None
        if self.heads is not None:
            found = self.heads.find(chain.ref)
            if found is not None:
                self.heads_found += 1
                head = found[1:]
        walk = self.walks.get(chain.kind)
        row = walk.find(chain.ref) if walk is not None else None
        if row is not None:
            self.records += 1
        self._one(chain, head, row, self._index.get(self.tables.get(chain.kind, "")))

    def finish(self, since: int | None) -> None:
        if self.heads is not None:
            self.heads.finish()
        for walk in self.walks.values():
            walk.finish()


# ------------------------------------------------------------------ SQLite: two processes
PARALLEL_FROM = 200_000  # journal entries from which a full check is split over two processes


class _Lines:
    """Where the second process's digest lines go: a file the parent hashes after its own
    (the digest is one SHA-256 over every chain in reference order)."""

    def __init__(self, file) -> None:
        self.update = file.write


def _check_part(uri: str, part: tuple[str | None, str | None], last_id: int,
                key: bytes | None, keyed_from: int | None, present: set[str],
                lines_path: str, tick: Callable[[int], None]) -> dict:
    """Every check of the journals from reference ``part[0]`` on, in a process of its own,
    on a snapshot of its own -- used only when it holds exactly the parent's journal
    (the same newest entry: nothing was written in between)."""
    con = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        con.execute("BEGIN")
        newest = con.execute("SELECT COALESCE(MAX(id), 0) FROM journal_entry").fetchone()[0]
        if newest != last_id:
            return {"moved": True}
        report = VerifyReport()
        settler = _WalkSettler(None, report, True, keyed_from, None, present)  # type: ignore[arg-type]
        settler.open(con, None, part)
        with open(lines_path, "wb") as lines:
            settler.digest = _Lines(lines)  # type: ignore[assignment]
            for chain in _chains_sqlite(con, tick, None, key, keyed_from, part):
                settler.add(chain)
            settler.finish(None)
        import resource

        return {"problems": [(p.refs, p.message) for p in report.problems],
                "cut": report.problems_cut, "journals": report.journals,
                "entries": report.entries, "records": settler.records,
                "journaled": settler.journaled, "unkeyed": settler.unkeyed,
                "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    finally:
        con.close()


def _worker_main() -> None:
    """The second process: its task as JSON on stdin; 'progress N' lines and one
    'result {...}' line on stdout."""
    import sys

    task = json.loads(sys.stdin.read())
    out = sys.stdout

    def tick(n: int) -> None:
        out.write(f"progress {n}\n")
        out.flush()

    try:
        result = _check_part(task["uri"], (task["split"], None), task["last_id"],
                             bytes.fromhex(task["key"]) if task["key"] is not None else None,
                             task["keyed_from"], set(task["present"]), task["lines"], tick)
    except BaseException as exc:  # the parent checks this part itself
        result = {"error": f"{type(exc).__name__}: {exc}"}
    out.write("result " + json.dumps(result) + "\n")
    out.flush()


class _Worker:
    """The second half of the references, checked by a second process (``python -c``: a
    fresh interpreter, nothing inherited) while this one checks the first; SQLite's
    integrity check runs beside both, in a thread."""

    peak_kib = 0  # the last worker's peak memory (bench/verify_floor.py reports it)

    def __init__(self, uri: str, split: str, last_id: int, key: bytes | None,
                 keyed_from: int | None, present: set[str]) -> None:
        import os
        import subprocess
        import sys
        import tempfile

        self.split, self.done, self._buffer = split, 0, b""
        handle, self.lines_path = tempfile.mkstemp(prefix="sms-tui-verify-")
        os.close(handle)
        try:
            self._process = self._start(subprocess, sys)
        except OSError:
            os.unlink(self.lines_path)
            raise
        assert self._process.stdin is not None and self._process.stdout is not None
        self._out = self._process.stdout
        try:
            self._process.stdin.write(json.dumps({
                "uri": uri, "split": split, "last_id": last_id,
                "key": key.hex() if key is not None else None, "keyed_from": keyed_from,
                "present": sorted(present), "lines": self.lines_path}).encode())
            self._process.stdin.close()
        except OSError:  # it ended at once
            self.close()
            raise

    @staticmethod
    def _start(subprocess, sys):
        return subprocess.Popen(
            [sys.executable, "-c",
             "from sms_tui.services.admin.integrity import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def _read(self, block: bool, progress: Callable[[int], None] | None = None) -> dict | None:
        """Take in what the other process wrote so far (all of it, when ``block``)."""
        import os

        fd = self._out.fileno()
        os.set_blocking(fd, block)
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return None
            if not chunk:
                return None  # it ended
            self._buffer += chunk
            *lines, self._buffer = self._buffer.split(b"\n")
            for line in lines:
                if line.startswith(b"progress "):
                    self.done = int(line[9:])
                    if progress is not None:
                        progress(self.done)
                elif line.startswith(b"result "):
                    return json.loads(line[7:])

    def progress(self) -> int:
        """Entries the other process has checked so far (without waiting)."""
        self._read(block=False)
        return self.done

    def result(self, progress: Callable[[int], None] | None) -> dict:
        """Wait for the other process (drawing its progress) and return what it found."""
        found = self._read(block=True, progress=progress)
        self._process.wait()
        return found if found is not None else {"error": "the second process ended "
                                                "without a result"}

    def lines(self) -> Iterator[bytes]:
        with open(self.lines_path, "rb") as lines:
            while chunk := lines.read(1 << 20):
                yield chunk

    def close(self) -> None:
        import contextlib
        import os

        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._out.close()
        with contextlib.suppress(OSError):
            os.unlink(self.lines_path)


def _split_point(con: sqlite3.Connection, total: int) -> str | None:
    """The reference that starts the journal's second half (by entries), if any."""
    path = con.execute("PRAGMA database_list").fetchone()[2]
    if not path:  # in memory: no second process can open it
        return None
    found = con.execute("SELECT record_ref FROM journal_entry ORDER BY record_ref, id "
                        "LIMIT 1 OFFSET ?", (total // 2,)).fetchone()
    return found[0] if found is not None and isinstance(found[0], str) else None


def _check_sqlite(conn: Connection, report: VerifyReport, settler: _WalkSettler,
                  tick: Callable[[int], None] | None, since: int | None, key: bytes | None,
                  keyed_from: int | None, total: int, parallel: bool) -> None:
    """Every chain on SQLite: in this process, or its first half here and the second in
    another (a full check of a big journal; when the other process fails, or found the
    journal moved on, this one checks the second half too)."""
    import os

    con = conn.connection.driver_connection
    from ...storage.quick import read_only_uri

    worker = None
    if parallel and total >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        split = _split_point(con, total)
        if split is not None:
            try:
                worker = _Worker(read_only_uri(con.execute("PRAGMA database_list").fetchone()[2]),
                                 split, report.last_id, key, keyed_from,
                                 set(settler.tables.values()))
            except OSError:  # no second process here: all of it in this one
                worker = None
    if worker is None:
        settler.open(con, since)
        for chain in _chains_sqlite(con, tick, since, key, keyed_from):
            settler.add(chain)
        settler.finish(since)
        return
    split = worker.split
    try:
        mine = (lambda n: tick(n + worker.progress())) if tick is not None else None
        settler.open(con, None, (None, split))
        for chain in _chains_sqlite(con, mine, None, key, keyed_from, (None, split)):
            settler.add(chain)
        settler.finish(None)
        done = report.entries
        result = worker.result((lambda n: tick(done + n)) if tick is not None else None)
        _Worker.peak_kib = result.get("peak_kib", 0)
        if "problems" not in result:  # the journal moved on, or the process failed
            settler.open(con, None, (split, None))
            for chain in _chains_sqlite(con, (lambda n: tick(done + n)) if tick else None,
                                        None, key, keyed_from, (split, None)):
                settler.add(chain)
            settler.finish(None)
            return
        for refs, message in result["problems"]:
            report.add(tuple(refs), message)
        report.problems_cut += result["cut"]
        report.journals += result["journals"]
        report.entries += result["entries"]
        settler.records += result["records"]
        settler.unkeyed += result["unkeyed"]
        for kind, n in result["journaled"].items():
            settler.journaled[kind] = settler.journaled.get(kind, 0) + n
        for chunk in worker.lines():
            settler.digest.update(chunk)
    finally:
        worker.close()


def verify_connection(conn: Connection, *, against: str | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      since: int | None = None, key: bytes | None = None,
                      file_check: _FileCheck | None = None,
                      parallel: bool = True) -> VerifyReport:
    """Every check, read only, on an open SQLAlchemy connection (inside one transaction,
    so every read sees the same snapshot).

    ``since``: check only the records whose journal was written to after that entry id
    (their whole chain, head and fields); no digest is made then. ``file_check``: SQLite's
    own check of the file, already running beside this one (else it runs here first).
    ``parallel``: a full check of a big SQLite journal may use a second process.
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

    if conn.dialect.name == "sqlite":  # SQLite's own driver, every table walked in step
        settler: _Settler = _WalkSettler(conn, report, has_heads, keyed_from, bound, tables)
        _check_sqlite(conn, report, settler, tick, since, key, keyed_from, total,  # type: ignore[arg-type]
                      parallel=parallel and since is None and bound is None and has_heads)
    else:
        settler = _Settler(conn, report, has_heads, keyed_from, bound, tables)
        for chain in _chains(conn, tick, since, key, keyed_from):
            settler.add(chain)
        settler.finish(since)
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
    report.records = settler.records
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
    from ...domain.errors import ValidationError

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
                    since_last: bool = False, record: bool = False,
                    parallel: bool = True) -> VerifyReport:
    """Run every check on ``store``'s database and return what was found.

    ``since_last``: check only what was written after the last checkpoint. ``parallel``:
    a full check of a big SQLite journal may use a second process. ``record``:
    when everything checked is sound, record a checkpoint (the newest entry checked) in
    ``sms_meta`` for the next ``since_last`` run.
    """
    from ...domain.errors import ValidationError

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
                                       file_check=file_check, parallel=parallel)
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
            report.checkpoint = f"no checkpoint recorded ({str(exc).splitlines()[0][:160]})"
    return report


def verify_file(path, key: bytes | None = None) -> VerifyReport:
    """Every check on a database file opened read-only (a backup before it is restored)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from ...storage.engine import read_only_uri

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
    from ..core import journal

    first = report.problems[0].line() if report.problems else ""
    with store.write() as session:
        journal.append(session, ref="SYS:integrity", kind="system", actor=store.actor,
                       at=store.now(), action=action,
                       changes={"source": (None, source),
                                "problems": (None, len(report.problems) + report.problems_cut)},
                       note=f"taken in with --force despite: {first}"[:2000])
