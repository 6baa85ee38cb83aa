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


def floor(db: Path) -> tuple[float, int]:
    start = time.perf_counter()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    digest = hashlib.sha256()
    rows = 0
    for row in con.execute("SELECT id, record_ref, record_kind, at, actor, action, changes, note, "
                           "prev_hash, hash FROM journal_entry ORDER BY record_ref, id"):
        digest.update("\x1f".join(map(str, row)).encode("utf-8", "surrogatepass"))
        rows += 1
    con.close()
    return time.perf_counter() - start, rows


def verify(db: Path) -> tuple[float, float, int]:
    script = Path(sys.executable).parent / "sms-tui"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "sms_tui"]
    start = time.perf_counter()
    done = subprocess.run([*command, "--db", str(db), "verify"], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    floors = [floor(args.db) for _ in range(args.repeat)]
    runs = [verify(args.db) for _ in range(args.repeat)]
    best_floor = min(f[0] for f in floors)
    best = min(r[0] for r in runs)
    print(f"journal entries       {floors[0][1]}")
    print(f"floor (read + sha256) {best_floor:.2f} s")
    print(f"sms-tui verify        {best:.2f} s (exit {runs[0][2]}), peak RSS {runs[0][1]:.0f} MB")
    print(f"ratio verify / floor  {best / best_floor:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
