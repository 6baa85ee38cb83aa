"""``sms-tui list`` and ``new`` against Taskwarrior at matched data, alternated (issue 20).

    python bench/cli_matched.py DB WORKDIR [--repeat 9]

Taskwarrior gets as many tasks as the desk has records, as many of them
pending as the desk has open incidents and the rest completed (on the 100k
demo desk: 146 pending, 99,854 completed); ``taskwarrior.py`` builds them
once in WORKDIR. Then, sample by sample, in turn:

- ``sms-tui list incidents --open`` against ``task next`` (the open work, each
  tool's default view of it), and ``sms-tui list incidents --open --limit 50``
  against ``task next limit:50``;
- ``sms-tui new incident …`` against ``task add …`` (each adds a record);

and each sms-tui command a third time through the services (``SMS_TUI_BUSY_TIMEOUT``
set: the standard-library read and write paths leave the command to them), to show
what the stdlib paths save.

Whole processes, wall time from spawn to exit, output to /dev/null, on a copy
of DB. Prints median, p95 and max in ms, and sms-tui's ratio to Taskwarrior.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from lib import peak_rss_of  # noqa: E402
from taskwarrior import available, build, environment  # noqa: E402

CLOSED = ("resolved", "closed", "cancelled")


def program() -> str:
    here = Path(sys.executable).with_name("sms-tui")
    return str(here) if here.exists() else (shutil.which("sms-tui") or "sms-tui")


def matched_counts(db: Path) -> tuple[int, int]:
    """(open incidents, all records) of the desk."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        open_ = con.execute(f"SELECT count(*) FROM incident WHERE status NOT IN ({','.join('?' * len(CLOSED))})",
                            CLOSED).fetchone()[0]
        total = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("incident", "service_request", "problem", "known_error", "change"))
    finally:
        con.close()
    return open_, total


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000,
            "max_ms": ordered[-1] * 1000, "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    if not available():
        sys.exit("install Taskwarrior first: sudo apt-get install taskwarrior")
    pending, total = matched_counts(args.db)
    args.workdir.mkdir(parents=True, exist_ok=True)
    build(args.workdir, pending, total - pending)
    tw = environment(args.workdir)
    home = Path(tempfile.mkdtemp(prefix="sms-tui-cli-"))
    db = home / args.db.name
    shutil.copy(args.db, db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_TUI_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode cached
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / "state"),
               XDG_CONFIG_HOME=str(home / "config"), SMS_TUI_USER="bench", **tw)
    sms = [program(), "--db", str(db)]
    pairs = {
        "list open work": (sms + ["list", "incidents", "--open"], ["task", "next"]),
        "list open work, 50": (sms + ["list", "incidents", "--open", "--limit", "50"],
                               ["task", "next", "limit:50"]),
        "add one": (sms + ["new", "incident", "--title", "Bench incident", "--impact", "low", "--urgency", "low"],
                    ["task", "add", "Bench task added by the benchmark", "project:bench"]),
    }
    samples: dict[str, list[float]] = {}
    load = os.getloadavg()
    # the same commands through the services (SQLAlchemy): SMS_TUI_BUSY_TIMEOUT set makes
    # list and new leave the standard-library path to them (the value is their default)
    services_env = {**env, "SMS_TUI_BUSY_TIMEOUT": "30"}
    for name, (ours, theirs) in pairs.items():
        peak_rss_of(ours, env), peak_rss_of(theirs, env)  # warm the page cache
        for _ in range(args.repeat):
            samples.setdefault(f"sms-tui: {name}", []).append(peak_rss_of(ours, env)[0])
            samples.setdefault(f"taskwarrior: {name}", []).append(peak_rss_of(theirs, env)[0])
            samples.setdefault(f"sms-tui through the services: {name}", []).append(
                peak_rss_of(ours, services_env)[0])
    shutil.rmtree(home, ignore_errors=True)
    out = {"matched": {"pending": pending, "completed": total - pending},
           "load_before": load, "load_after": os.getloadavg(),
           "figures": {name: stats(s) for name, s in samples.items()}}
    for name in pairs:
        out["figures"][f"ratio: {name}"] = (out["figures"][f"sms-tui: {name}"]["median_ms"]
                                            / out["figures"][f"taskwarrior: {name}"]["median_ms"])
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
