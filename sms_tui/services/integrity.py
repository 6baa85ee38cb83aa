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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text

from ..domain.kinds import Kind
from ..storage.meta import put_meta
from ..storage.models import RECORD_TABLES
from .journal import HMAC_PREFIX, digest_row, marker_first_id
from .store import Store

APPEND_ONLY_TRIGGERS = ("journal_entry_no_update", "journal_entry_no_delete")
HEAD_TRIGGERS = ("journal_head_advance", "journal_head_no_delete", "journal_head_forward_only")
SEARCH_TRIGGER_EVENTS = ("insert", "delete", "update")  # <table>_fts_<event>, migration 0003
PURGE_KEY_PREFIX = "purge_authorised:"
PURGE_ACTION = "purge"
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


class _ServerCon:
    """A psycopg connection that reads like the sqlite3 one the checks were written for:
    ``?`` placeholders, ``execute(...).fetchone()``, rows by name for the record lookups."""

    dialect = "postgresql"

    def __init__(self, con) -> None:
        self.con = con

    def execute(self, sql: str, params: tuple = ()):
        cur = self.con.cursor()
        return cur.execute(sql.replace("?", "%s"), params or None)

    def record(self, table: str, ref: str):
        from psycopg.rows import dict_row

        cur = self.con.cursor(row_factory=dict_row)
        return cur.execute(f'SELECT * FROM "{table}" WHERE ref = %s', (ref,)).fetchone()


def _record(con, cursors: dict, table: str, ref: str):
    """The record row of ``ref`` (by column name), or None."""
    if isinstance(con, _ServerCon):
        return con.record(table, ref)
    cur = cursors.get(table)
    if cur is None:
        cur = cursors[table] = con.cursor()
        cur.row_factory = sqlite3.Row
    return cur.execute(f'SELECT * FROM "{table}" WHERE ref = ?', (ref,)).fetchone()


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


def _chains(con: sqlite3.Connection, progress: Callable[[int], None] | None,
            since: int | None = None, key: bytes | None = None,
            keyed_from: int | None = None) -> Iterator[_Chain]:
    """Every journal (or those written to after entry ``since``), checked as it streams past
    (ordered by record, then id)."""
    columns = "id, record_ref, record_kind, at, actor, action, changes, note, prev_hash, hash"
    if since is None:
        cur = con.execute(f"SELECT {columns} FROM journal_entry ORDER BY record_ref, id")
    else:
        cur = con.execute(f"SELECT {columns} FROM journal_entry WHERE record_ref IN (SELECT "
                          "record_ref FROM journal_head WHERE last_id > ?) ORDER BY record_ref, id",
                          (since,))
    chain: _Chain | None = None
    for seen, row in enumerate(cur, start=1):
        id_, ref, kind, at, actor, action, changes, note, prev_hash, hash_ = row
        if chain is None or ref != chain.ref:
            if chain is not None:
                yield chain
            chain = _Chain(ref, kind, first_action=action)
        if hash_.startswith(HMAC_PREFIX) and key is None:
            chain.unkeyed += 1  # only the key's holder can check it: the link at least
            if prev_hash != chain.prev:
                chain.broken.append(id_)
        elif prev_hash != chain.prev or hash_ != digest_row(
                prev_hash, ref, kind, at, actor, action, changes, note,
                key if hash_.startswith(HMAC_PREFIX) else None):
            chain.broken.append(id_)
        elif keyed_from is not None and id_ >= keyed_from and not hash_.startswith(HMAC_PREFIX):
            chain.plain_after_key.append(id_)
        chain.prev = hash_
        chain.count += 1
        chain.last_action, chain.last_id, chain.kind = action, id_, kind
        if kind in RECORD_KINDS:
            try:
                for name, pair in json.loads(changes or "{}").items():
                    if isinstance(pair, list) and len(pair) == 2:
                        chain.fields[name] = pair[1]
            except (ValueError, AttributeError):
                chain.broken.append(id_)
        if progress is not None and seen % 50_000 == 0:
            progress(seen)
    if chain is not None:
        yield chain


def _replay(report: VerifyReport, chain: _Chain, row: sqlite3.Row) -> None:
    columns = row.keys()
    expected = dict(ALWAYS_REPLAYED)
    expected.update(chain.fields)
    wrong = []
    for name, value in expected.items():
        if name not in columns or (value is None and name not in chain.fields):
            continue
        stored = row[name]
        if stored == value and type(stored) is type(value):
            continue  # the usual case, without normalising
        if _normal(stored) != _normal(value):
            wrong.append(f"{name} is {_shown(row[name])} but its journal says {_shown(value)}")
    if wrong:
        report.add((chain.ref,), "record does not match its journal (changed outside sms-tui): "
                   + "; ".join(wrong[:5]))


# ------------------------------------------------------------------ the checks
def _server_schema_checks(report: VerifyReport, con: _ServerCon) -> None:
    """PostgreSQL: the triggers of migrations 0002/0004 and the search indexes of 0003."""
    triggers = {r[0] for r in con.execute(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()}
    tables = {r[0] for r in con.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()}
    indexes = {r[0] for r in con.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()}
    missing = [t for t in APPEND_ONLY_TRIGGERS if t not in triggers]
    if missing:
        report.add((), f"the journal is not protected against edits (missing triggers: "
                   f"{', '.join(missing)})")
    if "journal_head" not in tables:
        report.add((), "the journal heads (migration 0004) are missing: the table was dropped")
    missing = [t for t in HEAD_TRIGGERS if t not in triggers]
    if missing:
        report.add((), "the journal heads are not kept by the database (missing triggers: "
                   f"{', '.join(missing)}); see migration 0004")
    for table in sorted(model.__tablename__ for model in RECORD_TABLES.values()):
        if f"ix_{table}_search" not in indexes:
            report.add((), f"the search index of {table} is missing (ix_{table}_search); see "
                       "migration 0003 to re-create it")
    for (key,) in con.execute("SELECT key FROM sms_meta WHERE key LIKE ?",
                              (PURGE_KEY_PREFIX + "%",)).fetchall():
        report.add((key.removeprefix(PURGE_KEY_PREFIX),), "a purge authorisation was left in place")


def _schema_checks(report: VerifyReport, con) -> None:
    if isinstance(con, _ServerCon):
        _server_schema_checks(report, con)
        return
    result = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    if result != ["ok"]:
        for line in result[:20]:
            report.add((), f"SQLite integrity check: {line}")
    for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        report.add((), f"{table} row {rowid} points to a missing {parent} row")
    triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision = _revision(con, tables)  # a backup of an older schema lacks what came later
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
    for table in sorted(model.__tablename__ for model in RECORD_TABLES.values()):
        if revision < "0003":
            break
        lost = [f"{table}_fts_{event}" for event in SEARCH_TRIGGER_EVENTS
                if f"{table}_fts_{event}" not in triggers]
        if lost:
            report.add((), (f"the search index of {table} is no longer kept up to date (missing "
                            f"triggers: {', '.join(lost)}); see migration 0003 to re-create them "
                            "and rebuild the index"))
    for (key,) in con.execute("SELECT key FROM sms_meta WHERE key LIKE ?",
                              (PURGE_KEY_PREFIX + "%",)).fetchall():
        report.add((key.removeprefix(PURGE_KEY_PREFIX),), "a purge authorisation was left in place")


def _key_checks(report: VerifyReport, con: sqlite3.Connection, key: bytes | None) -> int | None:
    """From which entry the journal is keyed (None: not keyed, or no key to tell)."""
    found = con.execute("SELECT value FROM sms_meta WHERE key = 'journal:keyed_from'").fetchone()
    if found is None:
        if key is not None and con.execute(
                "SELECT 1 FROM journal_entry WHERE hash LIKE 'hmac:%' LIMIT 1").fetchone():
            report.add((), "the journal has keyed entries but no key marker: it was removed")
        return None
    if key is None:
        return None  # keyed entries are counted as they stream past
    first = marker_first_id(key, found[0])
    if first is None:
        report.add((), "the journal's key marker was not made with this key (edited, or the "
                   "wrong key)")
    return first


def _revision(con: sqlite3.Connection, tables: set[str]) -> str:
    """The schema revision stamped in the file; unknown means: expect everything."""
    if "alembic_version" not in tables:
        return "9999"
    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else "9999"


def _check_head(report: VerifyReport, chain: _Chain, head: tuple | None) -> None:
    if head is None:
        report.add((chain.ref,), "journal has no head (its entries were written with the "
                   "journal-head trigger missing)")
        return
    _ref, last_id, last_hash, entries = head
    if last_id != chain.last_id or last_hash != chain.prev:
        report.add((chain.ref,), f"journal ends at entry #{chain.last_id} but its head says "
                   f"#{last_id}: its newest entries were deleted")
    elif entries != chain.count and chain.first_action != PURGE_ACTION:
        report.add((chain.ref,), f"journal has {chain.count} entries but {entries} were "
                   "written: entries were deleted")


def verify_connection(con: sqlite3.Connection, *, against: str | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      since: int | None = None, key: bytes | None = None) -> VerifyReport:
    """Every check on an open sqlite3 connection (read only).

    ``since``: check only the records whose journal was written to after that entry id
    (their whole chain, head and fields); no digest is made then.
    """
    report = VerifyReport()
    _schema_checks(report, con)
    has_heads = (True if isinstance(con, _ServerCon) else
                 con.execute("SELECT 1 FROM sqlite_master WHERE name = 'journal_head'").fetchone())
    if since is not None and not has_heads:
        since = None  # nothing tells what was written after it: check everything
    report.since = since
    report.last_id = _max_id(con)
    keyed_from = _key_checks(report, con, key)
    bound = _parse_digest(against)[0] if against else None
    total = con.execute("SELECT COUNT(*) FROM journal_entry WHERE id > ?",
                        (since or 0,)).fetchone()[0]
    if progress is not None:
        progress(0, total)
    tick = (lambda n: progress(n, total)) if progress is not None else None

    lookups: dict[str, sqlite3.Cursor] = {}  # one connection: every read sees the same snapshot
    tables = {kind: model.__tablename__ for kind, model in RECORD_TABLES.items()}
    heads = (con.execute("SELECT record_ref, last_id, hash, entries FROM journal_head "
                         "WHERE last_id > ? ORDER BY record_ref", (since or 0,))
             if has_heads else iter(()))
    head = next(heads, None)
    digest = hashlib.sha256()
    old = hashlib.sha256()
    journaled = dict.fromkeys(tables, 0)
    unkeyed = 0
    for chain in _chains(con, tick, since, key, keyed_from):
        report.journals += 1
        report.entries += chain.count
        unkeyed += chain.unkeyed
        if chain.plain_after_key:
            report.add((chain.ref,), f"journal entry #{chain.plain_after_key[0]} is not keyed "
                       f"though the journal is keyed from #{keyed_from}: written or rewritten "
                       "without the key")
        if chain.broken:
            ids = ", ".join(f"#{i}" for i in chain.broken[:5])
            report.add((chain.ref,), f"journal hash chain broken at entry {ids} "
                       "(an entry was altered, removed or inserted)")
        if has_heads:
            while head is not None and head[0] < chain.ref:
                report.add((head[0],), "journal is gone but its head remains: its entries "
                           "were deleted")
                head = next(heads, None)
            _check_head(report, chain, head if head is not None and head[0] == chain.ref else None)
            if head is not None and head[0] == chain.ref:
                head = next(heads, None)
        digest.update(f"{chain.ref}\t{chain.count}\t{chain.prev}\n".encode())
        if bound is not None:
            _digest_as_of(con, chain, bound, old)
        if chain.kind in RECORD_KINDS:
            table = tables.get(chain.kind)
            row = _record(con, lookups, table, chain.ref) if table is not None else None
            if row is None:
                if chain.last_action != PURGE_ACTION:
                    report.add((chain.ref,), "record is missing but its journal has no purge "
                               "tombstone (deleted outside sms-tui)")
                continue
            journaled[chain.kind] += 1
            if chain.count < row["version"]:
                report.add((chain.ref,), f"record was written {row['version']} times but its "
                           f"journal has {chain.count} entries (entries are missing)")
            _replay(report, chain, row)
    while has_heads and head is not None:
        report.add((head[0],), "journal is gone but its head remains: its entries were deleted")
        head = next(heads, None)
    if unkeyed:
        report.add((), f"{unkeyed} journal entries are keyed (HMAC): set the key ([journal] "
                   "key_env) to check them")
    if since is not None:
        report.records = sum(journaled.values())
        return report
    for kind, table in tables.items():
        n = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        report.records += n
        if n != journaled[kind]:
            for (ref,) in con.execute(
                    f'SELECT ref FROM "{table}" t WHERE NOT EXISTS (SELECT 1 FROM journal_entry j '
                    "WHERE j.record_ref = t.ref) ORDER BY ref LIMIT 100"):
                report.add((ref,), "record has no journal")
    report.digest = f"{DIGEST_PREFIX}:{report.last_id}:{report.entries}:{digest.hexdigest()}"
    if against:
        expected_hash = _parse_digest(against)[1]
        report.against = "matches" if old.hexdigest() == expected_hash else "differs"
        if report.against != "matches":
            report.add((), "the journal written before the digest was taken has changed since "
                       "(a chain was rewritten, shortened or purged)")
    return report


def _max_id(con: sqlite3.Connection) -> int:
    return con.execute("SELECT COALESCE(MAX(id), 0) FROM journal_entry").fetchone()[0]


def _parse_digest(text_: str | None) -> tuple[int, str]:
    from ..domain.errors import ValidationError

    parts = (text_ or "").strip().split(":")
    if len(parts) != 4 or parts[0] != DIGEST_PREFIX or not parts[1].isdigit() or not parts[2].isdigit() \
            or not re.fullmatch(r"[0-9a-f]{64}", parts[3]) or len(parts[1]) > 18:
        raise ValidationError("not a digest printed by 'sms-tui verify --digest' "
                              f"({DIGEST_PREFIX}:ID:ENTRIES:SHA256)")
    return int(parts[1]), parts[3]


def _digest_as_of(con: sqlite3.Connection, chain: _Chain, bound: int, old) -> None:
    """Add this chain's head as it was when the entry ``bound`` was the newest."""
    if chain.last_id <= bound:
        count, last = chain.count, chain.prev
    else:
        row = con.execute("SELECT COUNT(*), (SELECT hash FROM journal_entry WHERE record_ref = ? "
                          "AND id <= ? ORDER BY id DESC LIMIT 1) FROM journal_entry "
                          "WHERE record_ref = ? AND id <= ?",
                          (chain.ref, bound, chain.ref, bound)).fetchone()
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
    with store.read() as session:
        session.execute(text("SELECT 1"))  # start the read transaction: one snapshot
        con = session.connection().connection.driver_connection
        if store.on_server:
            con = _ServerCon(con)  # the same REPEATABLE READ snapshot
        since = None
        if since_last:
            found = con.execute("SELECT value FROM sms_meta WHERE key = ?",
                                (CHECKPOINT_KEY,)).fetchone()
            if found is None:
                raise ValidationError("no verified checkpoint yet: run 'sms-tui verify' (all of "
                                      "it) first")
            since = int(json.loads(found[0])["last_id"])
        report = verify_connection(con, against=against, progress=progress, since=since,
                                   key=getattr(store, "journal_key", None))
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
    from ..storage.engine import read_only_uri

    con = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        return verify_connection(con, key=key)
    finally:
        con.close()


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
