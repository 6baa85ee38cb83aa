"""``sms-tui verify`` against its floor (issue 16).

The floor reads the same journal rows in the same (record, id) order with the
standard library and SHA-256-hashes their bytes in one pass: what any check of
every entry must at least cost. ``verify`` is measured as a whole process, with
its peak memory (RSS of the child, from ``resource``).

    python bench/verify_floor.py DB [--repeat N]

Prints one line per figure and the ratio verify / floor (target: at most 1.5,
and flat memory: at most 100 MB at a million records), for ``verify`` as it runs
(a full check of a big desk hands half the journals to a second process) and
``verify --one-process``; the floor is one process.
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


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def verify(db: Path, *extra: str) -> tuple[float, float, int, float, float]:
    """Wall time, peak RSS of the verify process (MB), exit status, CPU time (user + system,
    with its second process) and the peak RSS of its second process (MB, 0 if none) of one
    run. Peaks are each process's VmHWM, read every 50 ms while it runs."""
    script = Path(sys.executable).parent / "sms-tui"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "sms_tui"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen([*command, "--db", str(db), "verify", *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks: dict[int, int] = {}
    while process.poll() is None:
        for pid in [process.pid, *_descendants(process.pid)]:
            peaks[pid] = max(peaks.get(pid, 0), _peak_kib(pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    main_peak = max(peaks.pop(process.pid, 0), after.ru_maxrss if not peaks else 0)
    return elapsed, main_peak / 1024, process.returncode, cpu, max(peaks.values(), default=0) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    floors, runs, ones = [], [], []
    for _ in range(args.repeat):  # interleaved, so a busy spell hits all alike
        floors.append(floor(args.db))
        runs.append(verify(args.db))
        ones.append(verify(args.db, "--one-process"))
    since = verify(args.db, "--since", "last")  # nothing written since: the quick path
    best_floor = min(f[0] for f in floors)
    best_floor_cpu = min(f[2] for f in floors)
    print(f"journal entries       {floors[0][1]}")
    print(f"floor (read + sha256) {best_floor:.2f} s wall, {best_floor_cpu:.2f} s CPU "
          f"(all: {', '.join(f'{f[0]:.1f}/{f[2]:.1f}' for f in floors)})")
    for name, found in (("verify (2 processes)", runs), ("verify --one-process", ones)):
        best, best_cpu = min(r[0] for r in found), min(r[3] for r in found)
        print(f"{name:21} {best:.2f} s wall, {best_cpu:.2f} s CPU (exit {found[0][2]}), "
              f"peak RSS {max(r[1] for r in found):.0f} MB"
              + (f" + second process {max(r[4] for r in found):.0f} MB"
                 if any(r[4] for r in found) else "")
              + f" (all: {', '.join(f'{r[0]:.1f}/{r[3]:.1f}' for r in found)})")
        print(f"  ratio to the floor  {best / best_floor:.2f} wall, {best_cpu / best_floor_cpu:.2f} "
              "CPU (target <= 1.5)")
    print(f"verify --since last   {since[0]:.2f} s wall, {since[3]:.2f} s CPU (exit {since[2]}), "
          f"peak RSS {since[1]:.0f} MB, nothing new")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
