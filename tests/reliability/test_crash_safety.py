"""Crash safety: a writer killed with SIGKILL at random moments never loses a committed write.

The child prints ``REF VERSION`` only after each commit; the parent kills it
after a random number of lines (so the kill lands anywhere in the next
transaction: before BEGIN, mid-INSERT, during COMMIT's fsync...). After every
kill the database must pass SQLite's integrity check, hold every printed
write with its journal entry, and open normally in sms-tui.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store

from .helpers import integrity_ok

WRITER = Path(__file__).with_name("writer.py")
ROUNDS = 24
# The writer's actions on each record, in order: version N means the first N happened.
ACTIONS = ["create", "note", "transition"]


class Writers:
    """Forks writers from a warm zygote process (see writer.py) and kills them."""

    def __init__(self, db: Path, folder: Path) -> None:
        self.folder = folder
        self.zygote = subprocess.Popen([sys.executable, str(WRITER), str(db), "zygote", "--zygote"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        assert self.zygote.stdout.readline().strip() == "ready", self.zygote.stderr.read()

    def run_and_kill(self, tag: str, after_lines: int) -> list[tuple[str, int]]:
        """Start a writer, let it commit ``after_lines`` writes, SIGKILL it; return what it printed."""
        fifo = self.folder / f"{tag}.fifo"
        os.mkfifo(fifo)
        self.zygote.stdin.write(f"{tag} {fifo}\n")
        self.zygote.stdin.flush()
        with open(fifo) as reader:  # returns once the writer has opened its end
            pid = int(self.zygote.stdout.readline())
            lines: list[str] = []
            try:
                while len(lines) < after_lines:
                    line = reader.readline()
                    if not line:
                        break
                    lines.append(line)
            finally:
                os.kill(pid, signal.SIGKILL)
            rest = reader.read()  # EOF once the writer is dead
        assert len(lines) == after_lines, "the writer stopped by itself"
        # lines already in the pipe were printed after their commit too
        return [(ref, int(v)) for ref, v in (x.split() for x in lines + rest.splitlines())]

    def close(self) -> str:
        _out, err = self.zygote.communicate(timeout=30)  # closing its stdin ends the zygote
        return err


def _journal_actions(db: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    con = sqlite3.connect(db)
    try:
        versions = dict(con.execute("SELECT ref, version FROM incident"))
        actions: dict[str, list[str]] = defaultdict(list)
        for ref, action in con.execute("SELECT record_ref, action FROM journal_entry ORDER BY id"):
            actions[ref].append(action)
        return versions, actions
    finally:
        con.close()


def _assert_consistent(db: Path, committed: dict[str, int]) -> None:
    assert integrity_ok(db)
    versions, actions = _journal_actions(db)
    for ref, version in committed.items():
        assert ref in versions, f"{ref} was committed, then lost"
        assert versions[ref] >= version
    for ref, version in versions.items():
        # every record, printed or not, has exactly the journal of the writes it went through
        assert [a for a in actions[ref] if a in ACTIONS] == ACTIONS[:version], ref
    store = Store(db, actor="auditor")  # opens (and would migrate) normally
    try:
        assert RecordService(store).count("incident", None) >= 0
    finally:
        store.close()


def test_killing_a_writer_at_random_moments_never_loses_a_committed_write(tmp_path):
    db = tmp_path / "desk.db"
    Store(db).close()  # create and migrate once, so each child starts writing at once
    rng = random.Random(8)
    committed: dict[str, int] = {}
    writers = Writers(db, tmp_path)
    try:
        for round_no in range(ROUNDS):
            for ref, version in writers.run_and_kill(f"r{round_no}", rng.randint(1, 40)):
                committed[ref] = max(version, committed.get(ref, 0))
            _assert_consistent(db, committed)
    finally:
        errors = writers.close()
    assert errors == "", errors  # no writer failed on its own
    assert len(committed) >= ROUNDS

    store = Store(db, actor="auditor")
    try:
        report = verify_database(store)
        assert report.ok, [p.line() for p in report.problems]
    finally:
        store.close()
