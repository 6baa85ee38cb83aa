"""``sms-tui verify`` against its floor (issue 16).

The floor reads the same journal rows in the same (record, id) order with the
standard library and SHA-256-hashes their bytes in one pass: what any check of
every entry must at least cost. ``verify`` is measured as a whole process, with
its peak memory (RSS of the child, from ``resource``).

    python bench/verify_floor.py DB [--repeat N]

Prints one line per figure and the ratio verify / floor (target: at most 1.5,
and flat memory: at most 100 MB at a million records).
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def floor(db: Path) -> tuple[float, int, float]:
    start, cpu = time.perf_counter(), time.process_time()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    digest = hashlib.sha256()
    rows = 0
    for row in con.execute("SELECT id, record_ref, record_kind, at, actor, action, changes, note, "
                           "prev_hash, hash FROM journal_entry ORDER BY record_ref, id"):
        digest.update("\x1f".join(map(str, row)).encode("utf-8", "surrogatepass"))
        rows += 1
    con.close()
    return time.perf_counter() - start, rows, time.process_time() - cpu


def verify(db: Path, *extra: str) -> tuple[float, float, int, float]:
    """Wall time, peak RSS (MB), exit status and CPU time (user + system) of one run."""
    script = Path(sys.executable).parent / "sms-tui"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "sms_tui"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*command, "--db", str(db), "verify", *extra], capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mb = after.ru_maxrss / 1024  # the largest child so far: verify is the only child
    return elapsed, peak_mb, done.returncode, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    floors, runs = [], []
    for _ in range(args.repeat):  # interleaved, so a busy spell hits both alike
        floors.append(floor(args.db))
        runs.append(verify(args.db))
    since = verify(args.db, "--since", "last")  # nothing written since: the quick path
    best_floor = min(f[0] for f in floors)
    best_floor_cpu = min(f[2] for f in floors)
    best = min(r[0] for r in runs)
    best_cpu = min(r[3] for r in runs)
    print(f"journal entries       {floors[0][1]}")
    print(f"floor (read + sha256) {best_floor:.2f} s wall, {best_floor_cpu:.2f} s CPU")
    print(f"sms-tui verify        {best:.2f} s wall, {best_cpu:.2f} s CPU (exit {runs[0][2]}), "
          f"peak RSS {max(r[1] for r in runs):.0f} MB")
    print(f"ratio verify / floor  {best / best_floor:.2f} wall, {best_cpu / best_floor_cpu:.2f} "
          "CPU (target <= 1.5)")
    print(f"verify --since last   {since[0]:.2f} s wall (exit {since[2]}), nothing new")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
