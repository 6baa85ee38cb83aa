"""Every screen and dialog at once? Opens each in a real terminal and times it (issue 13).

    python bench/screens.py DB [--repeat 5] [--json out.json]

Runs the installed ``sms-tui --db DB`` in a 100×30 pseudo-terminal read by a
terminal emulator (pyte), as the end-to-end tests do. For each screen it
writes the key's bytes to the terminal and stops the clock when the screen's
marker text is on the emulated screen (the frame has been written and
decoded), then goes back and waits until the marker is gone. Each screen is
opened ``--repeat`` times: the first open (which may build the screen) is
reported apart from the later ones (median, max).

The database is not changed: the bench opens forms and dialogs and leaves
them with Esc.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pyte

ESC, ENTER = "\x1b", "\r"


@dataclass(frozen=True)
class Step:
    """Press ``keys``; done when ``marker`` is on screen (or, with ``gone``, off it)."""

    keys: str
    marker: str
    gone: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: tuple[Step, ...]  # untimed: reach the place the screen opens from
    open: Step  # timed
    back: Step  # timed separately (closing is a keystroke too)
    teardown: tuple[Step, ...] = ()


QUEUE = Step("1", "filter: open")
SCENARIOS = [
    Scenario("help", (QUEUE,), Step("?", "sms-tui keys"), Step(ESC, "sms-tui keys", gone=True)),
    Scenario("home", (QUEUE,), Step("0", "Open records by priority"), Step("1", "filter: open")),
    Scenario("requests queue", (QUEUE,), Step("2", "REQ-0"), Step("1", "INC-0")),
    Scenario("problems queue", (QUEUE,), Step("3", "PRB-0"), Step("1", "INC-0")),
    Scenario("changes queue", (QUEUE,), Step("5", "CHG-0"), Step("1", "INC-0")),
    Scenario("reviews", (QUEUE,), Step("6", "Showing:"), Step("1", "INC-0")),
    Scenario("reports", (QUEUE,), Step("7", "Incidents per"), Step("1", "INC-0")),
    Scenario("outbox", (QUEUE,), Step("8", "Outbox:"), Step("1", "INC-0")),
    Scenario("change calendar", (QUEUE,), Step("9", "Change calendar"), Step("1", "INC-0")),
    Scenario("incident record", (QUEUE,), Step(ENTER, "Next status"),
             Step(ESC, "Next status", gone=True)),
    Scenario("new incident form", (QUEUE,), Step("n", "New incident"),
             Step(ESC, "New incident", gone=True)),
    Scenario("escalate dialog", (QUEUE, Step(ENTER, "Next status")),
             Step("x", "picks the kind"), Step(ESC, "picks the kind", gone=True),
             (Step(ESC, "Next status", gone=True),)),
    Scenario("note dialog", (QUEUE, Step(ENTER, "Next status")),
             Step("c", "Add a note"), Step(ESC, "Add a note", gone=True),
             (Step(ESC, "Next status", gone=True),)),
    Scenario("a review", (Step("6", "Showing:"),), Step(ENTER, "Checklist"),
             Step(ESC, "Checklist", gone=True)),
    Scenario("problem edit form", (Step("3", "PRB-0"), Step(ENTER, "Next status")),
             Step("e", "Edit PRB-"), Step(ESC, "Edit PRB-", gone=True),
             (Step(ESC, "Next status", gone=True),)),
    Scenario("new change form", (Step("5", "CHG-0"),), Step("n", "New change"),
             Step(ESC, "New change", gone=True)),
]


class Term:
    def __init__(self, program: str, db: Path, env: dict[str, str]) -> None:
        self.screen = pyte.Screen(100, 30)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(program, ["--db", str(db)], env=env, dimensions=(30, 100))
        self.child.delaybeforesend = None  # pexpect sleeps 50 ms before each send by default

    def _has(self, marker: str) -> bool:
        return any(marker in line for line in self.screen.display)

    def step(self, step: Step, timeout: float = 30.0) -> float:
        """Send the step's keys; seconds until its marker is (or is no longer) shown."""
        start = time.perf_counter()
        self.child.send(step.keys)
        deadline = start + timeout
        while time.perf_counter() < deadline:
            with contextlib.suppress(pexpect.TIMEOUT):
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.002))
            if self._has(step.marker) != step.gone:
                return time.perf_counter() - start
        raise TimeoutError(f"{step} never happened:\n" + "\n".join(self.screen.display))

    def settle(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            with contextlib.suppress(pexpect.TIMEOUT):
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.01))


def measure(db: Path, repeat: int) -> dict[str, dict[str, list[float]]]:
    program = shutil.which("sms-tui") or str(Path(sys.executable).with_name("sms-tui"))
    home = Path(tempfile.mkdtemp(prefix="sms-tui-screens-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_TUI_")}
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / "state"), TERM="xterm-256color",
               LANG="C.UTF-8")
    work = home / db.name
    shutil.copy(db, work)  # the bench never writes to the desk it was given
    term = Term(program, work, env)
    term.step(Step("", "INC-0"))
    term.settle(3.0)  # past the start-up: services open, scheduler started
    figures: dict[str, dict[str, list[float]]] = {}
    for _ in range(repeat):
        for sc in SCENARIOS:
            for step in sc.setup:
                term.step(step)
            term.settle(0.3)
            opened = term.step(sc.open)
            term.settle(0.3)
            closed = term.step(sc.back)
            for step in sc.teardown:
                term.step(step)
            entry = figures.setdefault(sc.name, {"open": [], "back": []})
            entry["open"].append(opened)
            entry["back"].append(closed)
    term.child.send("q")
    term.child.expect(pexpect.EOF, timeout=20)
    shutil.rmtree(home, ignore_errors=True)
    return figures


def table(figures: dict[str, dict[str, list[float]]]) -> str:
    def ms(x: float) -> str:
        return f"{x * 1000:.0f}"

    lines = ["| screen | first open ms | later opens: median ms | later: max ms | back (key) median ms "
             "| back max ms | target (≤100 median, ≤200 worst) |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, f in figures.items():
        later = f["open"][1:] or f["open"]
        worst = max(f["open"])
        ok = statistics.median(f["open"]) <= 0.100 and worst <= 0.200
        lines.append(f"| {name} | {ms(f['open'][0])} | {ms(statistics.median(later))} | {ms(max(later))} "
                     f"| {ms(statistics.median(f['back']))} | {ms(max(f['back']))} | "
                     f"{'pass' if ok else 'FAIL'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = measure(args.db, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    print(table(figures))


if __name__ == "__main__":
    main()
