"""Several writers at once: SQLite's single writer against a PostgreSQL team desk (issue 19).

    python bench/team.py --sqlite /tmp/team.db --pg postgresql://postgres@127.0.0.1/smspg_bench \\
        --writers 1,4,16 --seconds 15

For each database and each number of writers, that many processes record
incidents through the services (each process opens the desk once, as the TUI
or a script does) for ``--seconds``; every acknowledged write is counted, and
after the run the incidents in the database are counted too: the two must
agree (nothing acknowledged is lost, nothing unacknowledged is kept). A second
pass does the same with the CLI (`sms-tui new incident`, one process per
write, as cron jobs and hooks do). Writers are alternated between the two
databases, round by round, so both see the same machine load.

The databases must exist and be migrated (run `sms-tui --db … list incidents` once);
the PostgreSQL one is emptied of incidents only by being a fresh database:
create it with `createdb` before the run. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

WRITER = r"""
import sys, time
from sms_tui.services.records import RecordService
from sms_tui.services.store import open_store
db, actor, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
store = open_store(db, actor=actor)
records = RecordService(store)
print("ready", flush=True)
sys.stdin.readline()  # all writers start together
done = failed = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        records.create("incident", title=f"bench write {done} by {actor}", impact="low", urgency="low")
        done += 1
    except Exception:  # a write refused (busy, deadlock...) is counted, not retried
        failed += 1
print(done, failed, flush=True)
store.close()
"""

CLI_WRITER = r"""
import subprocess, sys, time
sms, db, actor, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
print("ready", flush=True)
sys.stdin.readline()
done = failed = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    r = subprocess.run([sms, "--db", db, "--as", actor, "new", "incident", "--title",
                        f"cli write {done} by {actor}", "--impact", "low", "--urgency", "low"],
                       capture_output=True, text=True)
    if r.returncode == 0:
        done += 1
    else:
        failed += 1
print(done, failed, flush=True)
"""


@dataclass
class Round:
    db: str
    writers: int
    mode: str
    acknowledged: int
    failed: int
    seconds: float
    stored: int

    @property
    def rate(self) -> float:
        return self.acknowledged / self.seconds


def incident_count(db: str) -> int:
    code = ("import sys\nfrom sms_tui.services.store import open_store\n"
            "from sms_tui.services.records import RecordService\n"
            "from sms_tui.services.views import QueueFilter\n"
            "s = open_store(sys.argv[1])\n"
            "print(RecordService(s).count('incident', QueueFilter(open_only=False)))\n")
    out = subprocess.run([sys.executable, "-c", code, db], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def run_round(db: str, writers: int, seconds: float, mode: str) -> Round:
    sms = str(Path(sys.executable).with_name("sms-tui"))
    before = incident_count(db)
    procs = []
    for i in range(writers):
        argv = ([sys.executable, "-c", WRITER, db, f"writer{i}", str(seconds)] if mode == "services"
                else [sys.executable, "-c", CLI_WRITER, sms, db, f"writer{i}", str(seconds)])
        procs.append(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    start = time.monotonic()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    acknowledged = failed = 0
    for p in procs:
        done, bad = map(int, p.stdout.readline().split())
        acknowledged += done
        failed += bad
        p.wait()
    elapsed = time.monotonic() - start
    return Round(db, writers, mode, acknowledged, failed, elapsed, incident_count(db) - before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", required=True)
    ap.add_argument("--pg")
    ap.add_argument("--writers", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--modes", default="services,cli")
    args = ap.parse_args()
    dbs = [args.sqlite] + ([args.pg] if args.pg else [])
    rounds: list[Round] = []
    for mode in args.modes.split(","):
        for writers in (int(w) for w in args.writers.split(",")):
            for db in dbs:  # alternated: both databases see the same load
                rounds.append(run_round(db, writers, args.seconds, mode))
                r = rounds[-1]
                print(f"# {mode} {writers} writer(s) on {'PostgreSQL' if '://' in db else 'SQLite'}: "
                      f"{r.rate:.1f} writes/s, {r.failed} refused, stored {r.stored} of "
                      f"{r.acknowledged} acknowledged", file=sys.stderr)
    print("| writers | how | database | writes/s | refused | acknowledged | stored |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for r in rounds:
        where = "PostgreSQL" if "://" in r.db else "SQLite"
        print(f"| {r.writers} | {r.mode} | {where} | {r.rate:.1f} | {r.failed} | {r.acknowledged} | "
              f"{r.stored}{'' if r.stored == r.acknowledged else ' **LOST/EXTRA**'} |")


if __name__ == "__main__":
    main()
