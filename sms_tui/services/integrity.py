"""``sms-tui verify``: is the database sound, and is every journal as it was written?

Checks, each reported with the references involved:

* SQLite's own ``integrity_check`` and ``foreign_key_check``;
* the append-only triggers on ``journal_entry`` are in place (migration 0002)
  and no purge authorisation was left behind;
* the triggers keeping each record table's search index in step are in place
  (migration 0003; a batch migration re-creating a table drops them);
* every journal's hash chain: each entry's hash covers its content and the
  previous entry's hash of the same record, so an edited, removed or inserted
  entry breaks the chain at that point;
* every record has a journal, and at least one entry per version (a record
  written V times with fewer entries lost some -- e.g. its newest ones, which
  a chain alone cannot notice);
* every journal of a record kind belongs to an existing record, or ends in a
  purge tombstone (a record deleted behind sms-tui's back shows up here).

What it cannot prove: someone with write access to the file who drops the
triggers and rewrites a whole chain with fresh hashes (there is no secret key).
Backups kept elsewhere (``sms-tui backup``) are the defence against that.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import col, select

from ..domain.kinds import Kind
from ..storage.models import RECORD_TABLES, JournalEntry
from .journal import verify_chain
from .store import Store

APPEND_ONLY_TRIGGERS = ("journal_entry_no_update", "journal_entry_no_delete")
SEARCH_TRIGGER_EVENTS = ("insert", "delete", "update")  # <table>_fts_<event>, migration 0003
PURGE_KEY_PREFIX = "purge_authorised:"
PURGE_ACTION = "purge"
RECORD_KINDS = {kind.value for kind in Kind}


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

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def broken_refs(self) -> set[str]:
        return {ref for problem in self.problems for ref in problem.refs}

    def summary(self) -> str:
        state = "ok" if self.ok else f"{len(self.problems)} problem(s)"
        return (f"{state}: {self.records} records, {self.journals} journals, "
                f"{self.entries} journal entries checked")


def verify_database(store: Store) -> VerifyReport:
    """Run every check on ``store``'s database (read-only) and return what was found."""
    report = VerifyReport()
    with store.read() as session:
        conn = session.connection()
        result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            report.problems.extend(Problem((), f"SQLite integrity check: {line}") for line in result[:20])
        for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:20]:
            report.problems.append(Problem((), f"{table} row {rowid} points to a missing {parent} row"))
        triggers = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
        missing = [t for t in APPEND_ONLY_TRIGGERS if t not in triggers]
        if missing:
            report.problems.append(Problem((), "the journal is not protected against edits "
                                               f"(missing triggers: {', '.join(missing)})"))
        for table in sorted(model.__tablename__ for model in RECORD_TABLES.values()):
            lost = [f"{table}_fts_{event}" for event in SEARCH_TRIGGER_EVENTS
                    if f"{table}_fts_{event}" not in triggers]
            if lost:
                report.problems.append(Problem((), (
                    f"the search index of {table} is no longer kept up to date (missing "
                    f"triggers: {', '.join(lost)}); see migration 0003 to re-create them "
                    "and rebuild the index")))
        leftovers = conn.execute(text("SELECT key FROM sms_meta WHERE key LIKE :p"),
                                 {"p": PURGE_KEY_PREFIX + "%"}).fetchall()
        for (key,) in leftovers:
            report.problems.append(Problem((key.removeprefix(PURGE_KEY_PREFIX),),
                                           "a purge authorisation was left in place"))

        # ref -> (entries, last action) for every journal, checking chains as we stream.
        journals: dict[str, tuple[int, str, str]] = {}
        stmt = (select(JournalEntry)
                .order_by(col(JournalEntry.record_ref), col(JournalEntry.id))
                .execution_options(yield_per=2000))
        rows = session.exec(stmt)
        for ref, group in itertools.groupby(rows, key=lambda e: e.record_ref):
            entries = list(group)
            report.entries += len(entries)
            broken = verify_chain(entries)
            if broken:
                ids = ", ".join(f"#{i}" for i in broken[:5])
                report.problems.append(Problem(
                    (ref,), f"journal hash chain broken at entry {ids} "
                            "(an entry was altered, removed or inserted)"))
            journals[ref] = (len(entries), entries[-1].record_kind, entries[-1].action)
        report.journals = len(journals)

        present: set[str] = set()
        for kind, model in RECORD_TABLES.items():
            for ref, version in conn.execute(text(f'SELECT ref, version FROM "{model.__tablename__}"')):
                present.add(ref)
                report.records += 1
                count = journals.get(ref, (0, kind, ""))[0]
                if count == 0:
                    report.problems.append(Problem((ref,), "record has no journal"))
                elif count < version:
                    report.problems.append(Problem(
                        (ref,), f"record was written {version} times but its journal has "
                                f"{count} entries (entries are missing)"))
        for ref, (_count, kind, last_action) in journals.items():
            if kind in RECORD_KINDS and ref not in present and last_action != PURGE_ACTION:
                report.problems.append(Problem(
                    (ref,), "record is missing but its journal has no purge tombstone "
                            "(deleted outside sms-tui)"))
        session.expunge_all()
    return report
