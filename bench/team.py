"""Team mode figures (issue 19): the same desk on SQLite and on PostgreSQL.

    python bench/team.py --records 100000 [--pg postgresql://postgres@127.0.0.1/postgres]

Builds a SQLite desk with ``sms-tui demo --count N`` (bulk), moves it to a new
server database with ``sms-tui migrate --to`` (timed: that is the move an
organisation makes once), then measures on both:

* first page from the services: open a Store and read the first 50 rows of the
  open incident queue (what the TUI shows first on a server desk; on SQLite the
  TUI shows the stdlib fast path before this);
* whole CLI processes: ``new incident`` and ``list incidents --open --limit 50``;
* throughput of 1, 4 and 16 concurrent writer processes, each writing records
  through the services, counted as acknowledged (committed) writes per second.

Prints a Markdown table; the server database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
SMS = [PY, "-m", "sms_tui"]

FIRST_PAGE = """
import sys, time
t0 = time.perf_counter()
from sms_tui.services.records import RecordService
from sms_tui.services.store import Store
from sms_tui.services.views import QueueFilter
store = Store(sys.argv[1], actor="bench")
rows = RecordService(store).list("incident", QueueFilter(open_only=True), limit=50)
print(time.perf_counter() - t0, len(rows))
"""

WRITER = """
import sys, time
from sms_tui.services.records import RecordService
from sms_tui.services.store import Store
store = Store(sys.argv[1], actor=sys.argv[2], migrate=False)
records = RecordService(store)
start = float(sys.argv[4])
while time.time() < start:
    time.sleep(0.001)
n = 0
t0 = time.perf_counter()
for i in range(int(sys.argv[3])):
    records.create("incident", title=f"bench {sys.argv[2]} {i}")
    n += 1
print(n, time.perf_counter() - t0)
"""


def run(args: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    took = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:6])}…: {done.stderr.strip()}")
    return took


def median(f, repeat: int) -> float:
    return statistics.median(f() for _ in range(repeat))


def first_page(db: str, repeat: int) -> float:
    def once() -> float:
        out = subprocess.run([PY, "-c", FIRST_PAGE, db], capture_output=True, text=True, check=True)
        return float(out.stdout.split()[0])
    return median(once, repeat)


def writers(db: str, n: int, each: int) -> float:
    start = time.time() + 3.0  # every process imported and connected before the clock starts
    procs = [subprocess.Popen([PY, "-c", WRITER, db, f"w{k}", str(each), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(n)]
    total, longest = 0, 0.0
    for p in procs:
        out, err = p.communicate()
        if p.returncode:
            raise SystemExit(err)
        count, took = out.split()
        total += int(count)
        longest = max(longest, float(took))
    return total / longest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--pg", default=os.environ.get("SMS_TUI_TEST_PG_URL",
                                                   "postgresql://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--each", type=int, default=40, help="records per writer process")
    a = ap.parse_args()

    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(a.pg)
    name = f"smspg_bench_{secrets.token_hex(3)}"
    url = admin.set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="smspg-bench-"))
    sqlite_db = str(work / "desk.db")
    env = {**os.environ, "SMS_TUI_USER": "bench"}
    conn = dict(host=admin.host, port=admin.port or 5432, user=admin.username,
                password=admin.password, dbname=admin.database, autocommit=True)
    rows: list[tuple[str, str, str]] = []
    with psycopg.connect(**conn) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        build = run([*SMS, "--db", sqlite_db, "demo", "--count", str(a.records)], env)
        rows.append((f"build the SQLite desk ({a.records:,} records, bulk demo)", f"{build:.1f} s", ""))
        move = run([*SMS, "--db", sqlite_db, "migrate", "--to", url], env)
        rows.append(("`migrate --to` the server (copy, count, verify)", "", f"{move:.1f} s"))
        rows.append(("first page from the services (open + 50 open incidents)",
                     f"{first_page(sqlite_db, a.repeat) * 1000:.0f} ms",
                     f"{first_page(url, a.repeat) * 1000:.0f} ms"))
        for label, args in (("CLI `new incident` (whole process)", ["new", "incident", "--title", "bench"]),
                            ("CLI `list incidents --open --limit 50` (whole process)",
                             ["list", "incidents", "--open", "--limit", "50", "--format", "json"])):
            s = median(lambda args=args: run([*SMS, "--db", sqlite_db, *args], env), a.repeat)
            p = median(lambda args=args: run([*SMS, "--db", url, *args], env), a.repeat)
            rows.append((label, f"{s * 1000:.0f} ms", f"{p * 1000:.0f} ms"))
        for n in (1, 4, 16):
            s = writers(sqlite_db, n, a.each)
            p = writers(url, n, a.each)
            rows.append((f"{n} concurrent writer process(es), acknowledged writes/s",
                         f"{s:.0f}", f"{p:.0f}"))
    finally:
        with psycopg.connect(**conn) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"| figure ({a.records:,} records, median of {a.repeat}) | SQLite | PostgreSQL |")
    print("|---|---|---|")
    for label, s, p in rows:
        print(f"| {label} | {s} | {p} |")


if __name__ == "__main__":
    main()
