"""Team mode figures (issue 19): the same desk on SQLite and on PostgreSQL.

    python bench/team.py --records 1100000 [--sqlite DESK.db] [--pg postgresql://postgres@127.0.0.1/postgres]

Builds a SQLite desk with ``sms-tui demo --count N`` (bulk; 1,100,000 records hold
about 1,000,000 incidents), or reuses ``--sqlite DESK.db``; moves it to a new server
database with ``sms-tui migrate --to`` (timed, with the process's peak RSS: that is the
move an organisation makes once), then measures on both:

* first page from the services: open a Store and read the first 50 rows of the
  open incident queue (what the TUI shows first on a server desk; on SQLite the
  TUI shows the stdlib fast path before this);
* keystroke to repaint in the TUI (``interactions.py``: the real app under Pilot,
  open queue and all records), against the 100 ms target of issue 9;
* whole CLI processes: ``new incident`` and ``list incidents --open --limit 50``;
* the month's service report and evidence report (whole processes), ≤ 2 s targets;
* throughput of 1, 4 and 16 concurrent writer processes, each writing records
  through the services, counted as acknowledged (committed) writes per second.

Each figure is printed as soon as it is measured (a long run on a shared machine
keeps what it got), then a Markdown table. The server database is dropped at the end
(``--keep-pg`` keeps it and prints its name; ``--pg-db NAME`` measures an existing
server desk instead of moving one).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
SMS = [PY, "-m", "sms_tui"]

FIRST_PAGE = """
import sys, time
t0 = time.perf_counter()
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.core.views import QueueFilter
store = Store(sys.argv[1], actor="bench")
rows = RecordService(store).list("incident", QueueFilter(open_only=True), limit=50)
print(time.perf_counter() - t0, len(rows))
"""

WRITER = """
import sys, time
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
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

COUNT = """
import sys
from sqlalchemy import text
from sms_tui.services.core.store import Store
store = Store(sys.argv[1], actor="bench", migrate=False)
with store.read() as s:
    print(s.execute(text("SELECT COUNT(*) FROM incident")).scalar(),
          s.execute(text("SELECT COUNT(*) FROM journal_entry")).scalar())
"""


def run(args: list[str], env: dict | None = None) -> tuple[float, float]:
    """(seconds, peak RSS MB) of a whole process; stops the bench if it fails."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    err = proc.stderr.read() if proc.stderr else ""
    if status:
        raise SystemExit(f"{' '.join(args[:6])}…: {err.strip()[-800:]}")
    return took, usage.ru_maxrss / 1024


def median(f, repeat: int) -> float:
    f()  # warm-up: the first run reads the files into the page cache
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


def keystrokes(db: str, repeat: int) -> dict:
    out = subprocess.run([PY, str(HERE / "interactions.py"), db, "--repeat", str(repeat)],
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"interactions.py {db}: {out.stderr.strip()[-800:]}")
    return json.loads(out.stdout)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, label: str, sqlite: str, server: str, target: str = "", result: str = "") -> None:
        self.rows.append((label, sqlite, server, target, result))
        print(f"| {label} | {sqlite} | {server} | {target} | {result} |", file=sys.stderr, flush=True)

    def markdown(self, title: str) -> str:
        lines = [f"| {title} | SQLite | PostgreSQL | target (server) | result |", "|---|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--sqlite", help="an existing SQLite desk to measure and move (not built)")
    ap.add_argument("--pg", default=os.environ.get("SMS_TUI_TEST_PG_URL",
                                                   "postgresql://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--pg-db", help="an existing server desk to measure (no move)")
    ap.add_argument("--keep-pg", action="store_true", help="do not drop the server database")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--each", type=int, default=40, help="records per writer process")
    ap.add_argument("--skip", default="", help="comma list: keys,reports,writers")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))

    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(a.pg)
    name = a.pg_db or f"smspg_bench_{secrets.token_hex(3)}"
    url = admin.set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="smspg-bench-"))
    sqlite_db = a.sqlite or str(work / "desk.db")
    env = {**os.environ, "SMS_TUI_USER": "bench"}
    conn = dict(host=admin.host, port=admin.port or 5432, user=admin.username,
                password=admin.password, dbname=admin.database, autocommit=True)
    table = Table()
    if not a.pg_db:
        with psycopg.connect(**conn) as con:
            con.execute(f'CREATE DATABASE "{name}"')
    try:
        if not a.sqlite:
            build, rss = run([*SMS, "--db", sqlite_db, "demo", "--count", str(a.records)], env)
            table.add(f"build the SQLite desk ({a.records:,} records, bulk demo)",
                      f"{build:.0f} s, peak RSS {rss:.0f} MB", "")
        if not a.pg_db:
            move, rss = run([*SMS, "--db", sqlite_db, "migrate", "--to", url], env)
            table.add("`migrate --to` the server (copy, count, verify; one transaction)", "",
                      f"{move:.0f} s, peak RSS {rss:.0f} MB")
        counts = {db: subprocess.run([PY, "-c", COUNT, db], capture_output=True, text=True,
                                     check=True).stdout.split() for db in (sqlite_db, url)}
        table.add("incidents / journal entries on the desk",
                  " / ".join(f"{int(n):,}" for n in counts[sqlite_db]),
                  " / ".join(f"{int(n):,}" for n in counts[url]))
        s, p = first_page(sqlite_db, a.repeat), first_page(url, a.repeat)
        table.add("first page from the services (open + 50 open incidents)",
                  f"{s * 1000:.0f} ms", f"{p * 1000:.0f} ms")
        if "keys" not in skip:
            ks, kp = keystrokes(sqlite_db, a.repeat), keystrokes(url, a.repeat)
            for key, vs in ks.items():
                vp = kp.get(key, {})
                if "median_ms" not in vs or "median_ms" not in vp:
                    continue
                table.add(f"keystroke to repaint: {key} (median; max)",
                          f"{vs['median_ms']:.0f} ms; {vs['max_ms']:.0f}",
                          f"{vp['median_ms']:.0f} ms; {vp['max_ms']:.0f}", "≤ 100 ms",
                          verdict(vp["median_ms"] <= 100))
        new = ["new", "incident", "--title", "Printer on floor 3 offline", "--impact", "low",
               "--urgency", "medium"]
        lst = ["list", "incidents", "--open", "--limit", "50", "--format", "json"]
        floor = median(lambda: run([PY, "-c", "import sqlmodel"], env)[0], a.repeat)
        for label, args in (("CLI `new incident` (whole process)", new),
                            ("CLI `list incidents --open --limit 50` (whole process)", lst)):
            s = median(lambda args=args: run([*SMS, "--db", sqlite_db, *args], env)[0], a.repeat)
            p = median(lambda args=args: run([*SMS, "--db", url, *args], env)[0], a.repeat)
            table.add(label, f"{s * 1000:.0f} ms", f"{p * 1000:.0f} ms",
                      f"≤ 1.3× `import sqlmodel` ({floor * 1000:.0f} ms)",
                      verdict(p <= 1.3 * floor))
        if "reports" not in skip:
            for label, args in (("monthly service report (whole `report` process)",
                                 ["report", "--period", "month", "--format", "json", "-o"]),
                                ("evidence report for the month (whole `evidence` process)",
                                 ["evidence", "--period", "month", "--format", "json", "-o"])):
                args = [*args, str(work / f"{args[0]}.json")]
                s = median(lambda args=args: run([*SMS, "--db", sqlite_db, *args], env)[0],
                           a.repeat)
                p = median(lambda args=args: run([*SMS, "--db", url, *args], env)[0], a.repeat)
                table.add(label, f"{s:.2f} s", f"{p:.2f} s", "≤ 2 s", verdict(p <= 2))
        if "writers" not in skip:
            for n in (1, 4, 16):
                s = writers(sqlite_db, n, a.each)
                p = writers(url, n, a.each)
                table.add(f"{n} concurrent writer process(es), acknowledged writes/s",
                          f"{s:.0f}", f"{p:.0f}")
    finally:
        if a.keep_pg:
            print(f"kept the server desk {name}", file=sys.stderr)
        else:
            with psycopg.connect(**conn) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)  # the built desk (not a --sqlite one), outputs
    print(table.markdown(f"figure ({a.records:,} records, median of {a.repeat})"))


if __name__ == "__main__":
    main()
