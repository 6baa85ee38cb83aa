"""Taskwarrior 2.6 with 100,000 pending tasks: the peer a terminal user would pick.

    python bench/taskwarrior.py WORKDIR [--tasks 100000] [--repeat 5]

Needs the ``task`` command (Debian/Ubuntu: ``sudo apt-get install taskwarrior``);
nothing is installed here. Builds WORKDIR/taskdata once (``task import`` of
generated tasks, a few minutes), then times ``task add`` and
``task next limit:50`` as whole processes, with their peak RSS. Taskwarrior
runs with its defaults except no confirmations, no colour and no hooks, on a
private TASKRC/TASKDATA. Each ``task add`` adds a task, as ``sms-tui new`` does.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from lib import peak_rss_of  # noqa: E402

PROJECTS = ("email", "vpn", "payroll", "erp", "printing", "laptops", "wifi", "website")
WORDS = ("check", "fix", "renew", "replace", "order", "reset", "restore", "update", "call",
         "review", "install", "migrate")


def available() -> str | None:
    return shutil.which("task")


def environment(workdir: Path) -> dict[str, str]:
    data = workdir / "taskdata"
    rc = workdir / "taskrc"
    if not rc.exists():
        data.mkdir(parents=True, exist_ok=True)
        rc.write_text(f"data.location={data}\nconfirmation=off\ncolor=off\nhooks=off\n"
                      "verbose=nothing\nnews.version=2.6.2\n")
    return {"TASKRC": str(rc), "TASKDATA": str(data)}


def build(workdir: Path, tasks: int, completed: int = 0) -> None:
    """Import ``tasks`` pending and ``completed`` completed tasks unless the data has them."""
    env = dict(os.environ, **environment(workdir))
    marker = workdir / "taskdata" / (f"built-{tasks}" + (f"-{completed}" if completed else ""))
    if marker.exists():
        return
    start = datetime(2022, 1, 1, tzinfo=UTC)
    path = workdir / "tasks.json"
    with path.open("w") as out:
        for i in range(tasks + completed):
            entry = start + timedelta(minutes=17 * i)
            task = {
                "uuid": str(uuid.UUID(int=i + 1)), "status": "pending",
                "entry": entry.strftime("%Y%m%dT%H%M%SZ"),
                "description": f"{WORDS[i % len(WORDS)]} {PROJECTS[i % 8]} item {i}",
                "project": PROJECTS[i % len(PROJECTS)], "priority": "HML"[i % 3],
            }
            if i < completed:  # the oldest are done, as on a desk
                task["status"] = "completed"
                task["end"] = (entry + timedelta(hours=5)).strftime("%Y%m%dT%H%M%SZ")
            out.write(json.dumps(task) + "\n")
    subprocess.run(["task", "import", str(path)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker.touch()


def measure(workdir: Path, repeat: int) -> dict:
    env = environment(workdir)
    add = ["task", "add", "Bench task added by sms-tui's benchmark", "project:bench"]
    nxt = ["task", "next", "limit:50"]
    out = {}
    for name, argv in (("task add", add), ("task next limit:50", nxt)):
        peak_rss_of(argv, env)  # warm the page cache
        runs = [peak_rss_of(argv, env) for _ in range(repeat)]
        out[name] = {"median_s": statistics.median(s for s, _ in runs),
                     "peak_rss_mb": max(r for _, r in runs)}
    version = subprocess.run(["task", "--version"], env=dict(os.environ, **env),
                             capture_output=True, text=True).stdout.strip()
    out["version"] = version
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not available():
        json.dump({"missing": "install Taskwarrior: sudo apt-get install taskwarrior"}, sys.stdout)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    build(args.workdir, args.tasks)
    json.dump(measure(args.workdir, args.repeat), sys.stdout)


if __name__ == "__main__":
    main()
