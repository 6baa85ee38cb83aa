"""sms-tui at scale (issue 9): build the databases, measure every target, print the table.

    python bench/run.py                      # 1,000,000 incidents; 40-60 min on 2 cores
    python bench/run.py --quick              # 20,000 records, fewer repeats: checks the bench
    python bench/run.py --reuse              # keep the databases an earlier run built
    python bench/run.py --results bench/RESULTS.md   # also write the report

Everything runs as the analyst would run it: ``sms-tui`` processes in a
pseudo-terminal (100x30) or as commands, the queue driven through Textual's
Pilot in its own process. Baselines are measured in the same run, alternating
with the measurement they are compared to, and every figure is a median.
Nothing is installed; the Taskwarrior comparison runs when ``task`` is on the
PATH (``sudo apt-get install taskwarrior``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from lib import PY, peak_rss_of, time_to_screen  # noqa: E402
from raw_baseline import count_rows  # noqa: E402

SMS = [PY, "-m", "sms_tui"]
if shutil.which("sms-tui"):
    SMS = [shutil.which("sms-tui")]  # the installed console script, as an analyst runs it
# the queue's frame (its column header, drawn with or without rows) and the footer
FRAME_MARKERS = ["Title", "Help"]
PARTS = ("bulk", "first-frame", "queue", "interactions", "memory", "cli", "reports", "plans")
BARE_MARKERS = ["ROW-000020", "Quit"]


@dataclass
class Row:
    figure: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {row.figure}: {fmt(row.value, row.unit)}"
              + (f" vs {fmt(row.baseline, row.unit)} ({row.baseline_name})" if row.baseline else "")
              + (f" -> {'pass' if row.ok else 'FAIL'}" if row.ok is not None else ""), flush=True)
        return row

    def ratio_row(self, figure: str, value: float, baseline: float, baseline_name: str,
                  limit: float, unit: str = "s", note: str = "") -> Row:
        ratio = value / baseline if baseline else float("inf")
        return self.add(Row(figure, value, unit, baseline, baseline_name, f"≤ {limit:g}×",
                            ratio <= limit, note))

    def table(self) -> str:
        head = "| figure | sms-tui | baseline | ratio | target | result |\n|---|---:|---|---:|---|---|"
        lines = [head]
        for r in self.rows:
            ratio = ""
            if r.baseline and r.value is not None:
                ratio = f"{r.value / r.baseline:.2f}×"
            base = f"{fmt(r.baseline, r.unit)} {r.baseline_name}" if r.baseline else r.baseline_name
            result = "—" if r.ok is None else ("pass" if r.ok else "**FAIL**")
            lines.append(f"| {r.figure} | {fmt(r.value, r.unit)} | {base} | {ratio} | {r.target} "
                         f"| {result} |")
        return "\n".join(lines)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    return f"{value:g} {unit}"


def env() -> dict[str, str]:
    """The environment sms-tui runs in: bytecode cached as an installed package has it."""
    out = dict(os.environ, TZ="UTC")
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


def run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env=env(), check=True, capture_output=True, text=True, **kw)


def probe(*args: str) -> dict:
    return json.loads(run([PY, str(HERE / "probes.py"), *args]).stdout)


def timed(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS MB) of a whole process."""
    return peak_rss_of(argv, env())


def medians(*measures, repeat: int) -> list[float]:
    """Median of each measure, run alternately ``repeat`` times after one warm-up round."""
    for m in measures:
        m()
    runs = [[] for _ in measures]
    for _ in range(repeat):
        for i, m in enumerate(measures):
            runs[i].append(m())
    return [statistics.median(r) for r in runs]


def machine() -> dict:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    import sqlite3

    versions = {}
    for name in ("textual", "sqlmodel", "sqlalchemy", "rich"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 -- a missing package is just not listed
            pass
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = "\n".join(  # the report being rewritten does not make the code dirty
        line for line in subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True).stdout.splitlines()
        if not line.endswith("bench/RESULTS.md")).strip()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": round(int(mem) / 1024 / 1024, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "os": platform.platform(), "versions": versions,
            "commit": commit + (" (with uncommitted changes by others)" if dirty else ""),
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# ---------------------------------------------------------------------------- building
def build_demo(db: Path, count: int, report: Report, label: str) -> dict:
    """``sms-tui demo --count N`` into a new file, timed as a whole process."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    seconds, rss = timed([*SMS, "--db", str(db), "demo", "--count", str(count)])
    rows = count_rows(db)
    info = {"seconds": seconds, "rows": rows, "rows_per_s": rows / seconds, "peak_rss_mb": rss}
    report.details[f"demo {label}"] = info
    return info


def built(workdir: Path, name: str) -> dict | None:
    path = workdir / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def remember(workdir: Path, name: str, info: dict) -> None:
    info.setdefault("when", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    info.setdefault("load_after", load())
    (workdir / f"{name}.json").write_text(json.dumps(info))


# ---------------------------------------------------------------------------- measurements
def first_frame(report: Report, big: Path, repeat: int) -> None:
    sms, bare = medians(
        lambda: time_to_screen([*SMS, "--db", str(big)], FRAME_MARKERS, env=env()),
        lambda: time_to_screen([PY, str(HERE / "floors" / "bare_app.py")], BARE_MARKERS, env=env()),
        repeat=repeat)
    report.ratio_row("First frame (launch to header, queue frame, footer), big DB", sms, bare,
                     "bare Textual app (Header + 50-row DataTable + Footer)", 1.2)


def queue_with_rows(report: Report, big: Path, empty: Path, repeat: int) -> None:
    first = probe("first-rows", str(big))
    sms, floor, sms_empty = medians(
        lambda: time_to_screen([*SMS, "--db", str(big)], [first["queue_first"]], env=env()),
        lambda: time_to_screen([PY, str(HERE / "floors" / "sqlmodel_app.py"), str(big)],
                               [first["floor_first"], "Quit"], env=env()),
        lambda: time_to_screen([*SMS, "--db", str(empty)], ["No incidents match"], env=env()),
        repeat=repeat)
    label = f"{first['incidents']:,} incidents"
    report.ratio_row(f"Queue with rows ({label})", sms, floor,
                     "floor app: textual + sqlmodel, 50 rows from SQLite", 1.2)
    report.ratio_row(f"Queue with rows ({label}) vs empty database", sms, sms_empty,
                     "sms-tui on an empty database", 1.1)


def interactions(report: Report, big: Path, repeat: int) -> None:
    out = json.loads(run([PY, str(HERE / "interactions.py"), str(big), "--repeat",
                          str(repeat)]).stdout)
    report.details["interactions"] = out
    for name, values in out.items():
        if "median_ms" not in values:
            continue
        queue = (f"open queue, {out['open queue rows']['rows']:,} rows" if name.startswith("open")
                 else f"all records, {out['all queue rows']['rows']:,} rows")
        figure = f"Keystroke to repaint: {name.split(': ', 1)[1]} ({queue}; max {values['max_ms']:.0f} ms)"
        report.add(Row(figure, values["median_ms"], "ms", target="≤ 100 ms",
                       ok=values["median_ms"] <= 100))


def memory(report: Report, big: Path) -> None:
    seconds, rss = timed([PY, str(HERE / "interactions.py"), str(big), "--memory"])
    report.details["memory"] = {"seconds": seconds, "peak_rss_mb": rss}
    report.add(Row("Peak RSS: big DB open, all records scrolled end to end", rss, "MB",
                   target="≤ 150 MB", ok=rss <= 150))


def cli(report: Report, big: Path, small: Path, repeat: int, workdir: Path) -> dict:
    new = lambda db: [*SMS, "--db", str(db), "new", "incident", "--title",  # noqa: E731
                      "Printer on floor 3 offline", "--impact", "low", "--urgency", "medium"]
    lst = lambda db: [*SMS, "--db", str(db), "list", "incidents", "--open", "--limit", "50",  # noqa: E731
                      "--format", "json"]
    floor = [PY, "-c", "import sqlmodel"]
    t_new, t_list, t_floor = medians(lambda: timed(new(big))[0], lambda: timed(lst(big))[0],
                                     lambda: timed(floor)[0], repeat=repeat)
    report.ratio_row("CLI `new incident` (big DB)", t_new, t_floor, "python -c 'import sqlmodel'", 1.3)
    report.ratio_row("CLI `list incidents --open --limit 50 --format json` (big DB)", t_list, t_floor,
                     "python -c 'import sqlmodel'", 1.3)
    for name, argv in (("new", new(big)[len(SMS):]), ("list", lst(big)[len(SMS):])):
        imported = probe("cli-imports", *argv)["textual_imported"]
        report.add(Row(f"CLI `{name}` imports Textual", float(imported), "", target="no",
                       ok=not imported, note="1 = imported"))
    small_new, small_list = medians(lambda: timed(new(small))[0], lambda: timed(lst(small))[0],
                                    repeat=repeat)
    tw = json.loads(run([PY, str(HERE / "taskwarrior.py"), str(workdir / "taskwarrior"),
                         "--repeat", str(repeat)]).stdout)
    report.details["taskwarrior"] = tw
    if "missing" in tw:
        report.add(Row("CLI `new incident` (100k DB) vs Taskwarrior `task add`", small_new, "s",
                       target="faster", note=tw["missing"]))
        report.add(Row("CLI `list` (100k DB) vs Taskwarrior `task next limit:50`", small_list, "s",
                       target="faster", note=tw["missing"]))
    else:
        report.ratio_row("CLI `new incident` (100k DB)", small_new, tw["task add"]["median_s"],
                         f"Taskwarrior `task add`, 100k tasks ({tw['task add']['peak_rss_mb']:.0f} MB)",
                         1.0)
        report.ratio_row("CLI `list incidents --open --limit 50` (100k DB)", small_list,
                         tw["task next limit:50"]["median_s"],
                         f"Taskwarrior `task next limit:50`, 100k tasks "
                         f"({tw['task next limit:50']['peak_rss_mb']:.0f} MB)", 1.0)
    return tw


def bulk(report: Report, demo: dict, raw: dict, imported: dict) -> None:
    for figure, info in (("Bulk: `sms-tui demo --count N` (whole command)", demo),
                         ("Bulk: `sms-tui import` of the big export (whole command)", imported)):
        row = Row(figure, info["rows_per_s"], "rows/s", raw["rows_per_s"],
                  "raw sqlite3 executemany, same rows, same schema", "≥ 0.25×",
                  info["rows_per_s"] >= 0.25 * raw["rows_per_s"],
                  f"{info['rows']:,} rows in {info['seconds']:.0f} s")
        report.add(row)


def reports(report: Report, big: Path, repeat: int, workdir: Path) -> None:
    out = workdir / "out"
    out.mkdir(exist_ok=True)
    monthly = [*SMS, "--db", str(big), "report", "--period", "month", "--format", "json", "-o",
               str(out / "report.json")]
    evidence = [*SMS, "--db", str(big), "evidence", "--period", "month", "--format", "json", "-o",
                str(out / "evidence.json")]
    t_report, t_evidence = medians(lambda: timed(monthly)[0], lambda: timed(evidence)[0],
                                   repeat=repeat)
    report.add(Row("Monthly service report, big DB (whole `sms-tui report` process)", t_report, "s",
                   target="≤ 2 s", ok=t_report <= 2))
    report.add(Row("Evidence report for the month, big DB (whole `sms-tui evidence` process)",
                   t_evidence, "s", target="≤ 2 s", ok=t_evidence <= 2))
    sched = probe("scheduler", str(big), str(repeat))
    report.details["scheduler"] = sched
    report.add(Row(f"Scheduler: raise all {sched['raised']} due reviews with evidence, big DB",
                   sched["median_s"], "s", target="≤ 2 s", ok=sched["median_s"] <= 2))


# ---------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="incidents in the big DB")
    parser.add_argument("--small", type=int, default=100_000, help="records in the small DB")
    parser.add_argument("--quick", action="store_true", help="20,000 / 5,000 records, 3 repeats")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sms-tui-bench"))
    parser.add_argument("--reuse", action="store_true", help="reuse databases built before")
    parser.add_argument("--results", type=Path, default=None, help="write the report here")
    parser.add_argument("--only", default="", metavar="PARTS",
                        help=f"measure only these (comma-separated: {','.join(PARTS)}); "
                             "with --reuse, a quick look at one figure")
    args = parser.parse_args()
    if args.quick:
        args.records, args.small, args.repeat = 20_000, 5_000, 3
    args.workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "sms_tui"), str(ROOT / "migrations")],
                   env=env(), check=False, stdout=subprocess.DEVNULL)
    report = Report()
    info = machine()
    info["load_before"] = load()
    started = time.monotonic()
    print(f"sms-tui benchmark: {args.records:,} incidents, {info['cores']} cores, load {info['load_before']}")

    # the big database: enough demo records for --records incidents (they are 91% of a bulk demo)
    big, small, empty = (args.workdir / n for n in ("big.db", "small.db", "empty.db"))
    count = int(args.records / 0.91) + 400
    demo = built(args.workdir, "demo-big") if args.reuse else None
    if demo is None or not big.exists():
        print(f"building {big} (sms-tui demo --count {count:,}) ...", flush=True)
        demo = build_demo(big, count, report, "big")
        remember(args.workdir, "demo-big", demo)
    if not (args.reuse and small.exists()):
        print(f"building {small} ({args.small:,} records) ...", flush=True)
        build_demo(small, args.small, report, "small")
    if not empty.exists():
        run([*SMS, "--db", str(empty), "list", "incidents"])
    raw = built(args.workdir, "raw") if args.reuse else None
    if raw is None:
        print("raw executemany of the same rows ...", flush=True)
        target = args.workdir / "raw.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        raw = json.loads(run([PY, str(HERE / "raw_baseline.py"), str(big), str(target)]).stdout)
        target.unlink(missing_ok=True)
        remember(args.workdir, "raw", raw)
    imported = built(args.workdir, "import") if args.reuse else None
    if imported is None:
        print("export and import of the big database ...", flush=True)
        export, target = args.workdir / "big.json", args.workdir / "imported.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        export_s, _ = timed([*SMS, "--db", str(big), "export", "-o", str(export)])
        seconds, rss = timed([*SMS, "--db", str(target), "import", str(export)])
        rows = count_rows(target)
        imported = {"seconds": seconds, "rows": rows, "rows_per_s": rows / seconds,
                    "peak_rss_mb": rss, "export_seconds": export_s}
        export.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        remember(args.workdir, "import", imported)
    report.details.update({"demo big": demo, "raw": raw, "import": imported})

    only = {p.strip() for p in args.only.split(",") if p.strip()} or set(PARTS)
    if only - set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(only - set(PARTS)))}")
    if args.results and only != set(PARTS):
        parser.error("--results needs every part (leave out --only)")
    print("measuring ...", flush=True)
    if "bulk" in only:
        bulk(report, demo, raw, imported)
    if "first-frame" in only:
        first_frame(report, big, args.repeat)
    if "queue" in only:
        queue_with_rows(report, big, empty, args.repeat)
    if "interactions" in only:
        interactions(report, big, max(3, args.repeat // 2 + 2))
    if "memory" in only:
        memory(report, big)
    if "cli" in only:
        cli(report, big, small, args.repeat, args.workdir)
    if "reports" in only:
        reports(report, big, max(3, args.repeat // 2), args.workdir)
    plans = args.workdir / "plans.md"
    if "plans" in only:
        print("query plans ...", flush=True)
        flagged = json.loads(run([PY, str(HERE / "plans.py"), str(big), "--markdown", str(plans)]).stdout)
        report.details["plans"] = {"statements": flagged["statements"],
                                   "full_scans": len(flagged["flagged"])}

    info["load_after"] = load()
    info["minutes"] = round((time.monotonic() - started) / 60, 1)
    print()
    print(report.table())
    print(f"\nload before {info['load_before']}, after {info['load_after']}; {info['minutes']} min")
    if args.results:
        from results import write_results

        write_results(args.results, info, report, plans.read_text(), args)
        print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
