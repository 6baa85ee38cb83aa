"""Speed as the analyst feels it, in a real terminal, against bare Textual (issue 20).

    python bench/realterm.py DB [--repeat 7] [--launches 7] [--only PARTS] [--json OUT]

Every figure is taken the same way for sms-tui and for its baselines: the
program runs in a 100×30 pseudo-terminal (pexpect) read by a terminal
emulator (pyte); the clock starts when a key's bytes are written to the
terminal (or when the program is spawned) and stops when the decoded screen
shows the figure's marker -- so the frame has been composed, encoded,
written and read back, as a terminal would show it. The baselines run in the
same run, alternated with sms-tui sample by sample:

- ``floors/bare_app.py`` (Header, a 50-row DataTable, Footer) for the first frame;
- ``floors/keys_app.py`` for keys: a bare app moving a marker (``j``), pushing a
  plain screen (``s``) or an 18-field form (``f``), popping it on ``b`` or Esc;
  run twice, with Textual's stock driver and with sms-tui's driver
  (``--desk-driver``), so the Esc figures show the driver's share.

Parts (``--only``, comma-separated): ``first-frame`` (launch until 20 rows
and the footer are on screen), ``keys`` (every key of the queue, a record,
forms and dialogs, Esc included, and the floor's keys), ``screens`` (the first
and later opens of every screen and dialog, with the key back), ``first-second``
(one key pressed the moment the rows appear, one launch per sample),
``search`` (text typed into the queue's search over all records, and Esc to
clear it), ``first-opens`` (the first open of every screen after 12 s of reading
the queue, in fresh processes, alternated with the idle builds off),
``during-builds`` (↓/↑ every 2.2 s in the first 20 s, the same alternation). Each reports median, p95 and max in milliseconds.
``--escdelay MS`` sets ``ESCDELAY`` for every program (the desk's and the floors').
``--against PROGRAM`` alternates those parts and ``first-frame`` with another build's
``sms-tui`` (e.g. the previous commit's, installed in its own environment) instead, and
runs ``keys`` on both builds too (in a new order at each round; rows ``against …``).

The database is copied first; the bench opens forms and dialogs and leaves
them with Esc, so the copy is not changed either.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pyte

HERE = Path(__file__).parent
COLS, ROWS = 100, 30
ESC, ENTER = "\x1b", "\r"
DOWN, UP, PGDN, END, HOME = "\x1b[B", "\x1b[A", "\x1b[6~", "\x1b[F", "\x1b[H"
REF = re.compile(r"\b(?:INC|REQ|PRB|KE|CHG|ROW)-\d{6}\b")

Lines = list[str]
Pred = Callable[[Lines], bool]


# ------------------------------------------------------------------ markers
def shows(text: str) -> Pred:
    return lambda lines: any(text in line for line in lines)


def gone(text: str) -> Pred:
    return lambda lines: not any(text in line for line in lines)


def both(*preds: Pred) -> Pred:
    return lambda lines: all(p(lines) for p in preds)


def rows_shown(n: int, footer: str) -> Pred:
    """``n`` lines holding a record reference, and the footer: a frame with rows."""
    return lambda lines: sum(1 for line in lines if REF.search(line)) >= n and any(
        footer in line for line in lines[-2:])


# how sms-tui and the floor mark the cursor's line: › (· while the search box has the focus)
CURSOR_MARKS = ("›", "·")


def cursor_ref(lines: Lines) -> str | None:
    """The reference on the cursor's line (sms-tui and the floor mark it with ›)."""
    for line in lines:
        if line.startswith(CURSOR_MARKS):
            found = REF.search(line)
            return found.group(0) if found else None
    return None


def cursor_not_on(ref: str | None) -> Pred:
    return lambda lines: (now := cursor_ref(lines)) is not None and now != ref


# ------------------------------------------------------------------ terminal
class Term:
    """A program in a COLS×ROWS pseudo-terminal read by pyte."""

    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.started = time.perf_counter()
        self.child = pexpect.spawn(argv[0], list(argv[1:]), env=env, dimensions=(ROWS, COLS))
        # pexpect sleeps 50 ms before each send by default: that would be timed as the app's
        self.child.delaybeforesend = None

    @property
    def lines(self) -> Lines:
        return self.screen.display

    def _pump(self, timeout: float) -> None:
        with contextlib.suppress(pexpect.TIMEOUT):
            self.stream.feed(self.child.read_nonblocking(65536, timeout=timeout))

    def wait(self, pred: Pred, timeout: float = 30.0, since: float | None = None) -> float:
        """Seconds from ``since`` (default: now) until ``pred`` holds on the screen."""
        start = time.perf_counter() if since is None else since
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if pred(self.lines):
                return time.perf_counter() - start
            self._pump(0.002)
        raise TimeoutError("marker never seen; the screen shows:\n" + "\n".join(self.lines))

    def press(self, keys: str, pred: Pred, timeout: float = 30.0) -> float:
        self.settle(0.0)  # what was already written does not count as the answer
        start = time.perf_counter()
        self.child.send(keys)
        return self.wait(pred, timeout, since=start)

    def settle(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while True:
            self._pump(0.01 if seconds else 0.0)
            if time.perf_counter() >= end:
                return

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.child.terminate(force=True)
        self.child.close()


# ------------------------------------------------------------------ figures
@dataclass
class Figures:
    """Samples in seconds, by part and figure name, in the order taken."""

    data: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)

    def add(self, part: str, name: str, seconds: float) -> None:
        self.data.setdefault(part, {}).setdefault(name, []).append(seconds)


def stats(samples: list[float]) -> tuple[float, float, float]:
    """(median, p95, max) in ms; p95 by the nearest-rank method."""
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


# ------------------------------------------------------------------ programs
def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMS_TUI_", "TEXTUAL", "ESCDELAY", "COLUMNS", "LINES", "NO_COLOR"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode cached
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / "state"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               TERM="xterm-256color", LANG="C.UTF-8", SMS_TUI_USER="bench")
    return env


def program() -> str:
    here = Path(sys.executable).with_name("sms-tui")
    return str(here) if here.exists() else (shutil.which("sms-tui") or "sms-tui")


class Desk:
    def __init__(self, db: Path) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="sms-tui-realterm-"))
        self.env = environment(self.home)
        self.db = self.home / db.name
        shutil.copy(db, self.db)

    def sms(self, prog: str | None = None) -> Term:
        return Term([prog or program(), "--db", str(self.db)], self.env)

    def bare(self) -> Term:
        return Term([sys.executable, str(HERE / "floors" / "bare_app.py")], self.env)

    def floor(self, desk_driver: bool = False) -> Term:
        argv = [sys.executable, str(HERE / "floors" / "keys_app.py")]
        return Term(argv + (["--desk-driver"] if desk_driver else []), self.env)

    def close(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


SETTLE_S = 0.5
"""Seconds between the launches of the first-frame figure (the last program's exit ends)."""
SMS_ROWS = rows_shown(20, "? Help")
FLOOR_ROWS = rows_shown(20, "Quit")


def first_frame(desk: Desk, figures: Figures, launches: int, against: str | None = None) -> None:
    """Spawn until 20 rows and the footer are on screen, sms-tui and the bare app in turn
    (and, given ``--against PROGRAM``, that program between them)."""
    runs = [("sms-tui", desk.sms, SMS_ROWS)]
    if against:
        runs.append(("against", lambda: desk.sms(against), SMS_ROWS))
    runs.append(("bare Textual app", desk.bare, FLOOR_ROWS))
    # in a new order at each launch, after a pause: a program launched right after another
    # closed shared the machine with its exit, and always the same one did (two launches of
    # the same build, in fixed order, came out 100 ms apart)
    order = random.Random(20)
    for _ in range(launches):
        for name, start, marker in order.sample(runs, len(runs)):
            time.sleep(SETTLE_S)
            term = start()
            try:
                figures.add("first frame with rows", name, term.wait(marker, since=term.started))
            finally:
                term.close()


# --------------------------------------------------------------- keys
@dataclass(frozen=True)
class Key:
    """Press ``keys`` (after ``setup``, untimed); its marker is ``pred``, or (``moves``)
    the cursor leaving the reference it was on."""

    name: str
    keys: str
    pred: Pred | None = None
    setup: tuple[tuple[str, Pred], ...] = ()
    moves: bool = False


QUEUE_OPEN = ("1", shows("filter: open"))
RECORD = (ENTER, shows("Next status"))
SMS_KEYS = [
    Key("queue: down", DOWN, moves=True, setup=(QUEUE_OPEN,)),
    Key("queue: up", UP, moves=True),
    Key("queue: page down", PGDN, moves=True),
    Key("queue: end", END, moves=True),
    Key("queue: home", HOME, moves=True),
    Key("queue: o (all records)", "o", both(shows("filter: all"), lambda ls: cursor_ref(ls) is not None)),
    Key("queue: o (open only)", "o", shows("filter: open")),
    Key("queue: p (priority filter)", "p", both(shows("open · P1"), lambda ls: " P1 " in (
        next((x for x in ls if x.startswith(CURSOR_MARKS)), "")))),
    Key("queue: f (clear filters)", "f", gone("open · P1")),
    Key("queue: / (search box)", "/", shows("search title, reference")),
    Key("queue: Esc (leave search box)", ESC, gone("search title, reference")),
    Key("queue: Enter (open record)", ENTER, shows("Next status")),
    Key("record: Esc (back to queue)", ESC, gone("Next status")),
    # Enter the moment the cursor gets to a row (no rest: the record is read when asked, not
    # ahead, ui/ahead.py): the two keys written at once, timed to the record's frame
    Key("queue: Down Enter at once (no rest)", DOWN + ENTER, shows("Next status")),
    Key("record: Esc (back to queue), again", ESC, gone("Next status")),
    Key("record: c (note dialog)", "c", shows("Add a note"), setup=(RECORD,)),
    Key("note dialog: Esc", ESC, gone("Add a note")),
    Key("record: x (escalate dialog)", "x", shows("picks the kind")),
    Key("escalate dialog: Esc", ESC, gone("picks the kind")),
    Key("record: e (edit form)", "e", shows("Edit INC-")),
    Key("edit form: Esc", ESC, gone("Edit INC-")),
    Key("record: a (assign dialog)", "a", shows("empty assignee unassigns")),
    Key("assign dialog: Esc", ESC, gone("empty assignee unassigns")),
    Key("record: l (link dialog)", "l", shows("words of the title")),
    Key("link dialog: Esc", ESC, gone("words of the title")),
    Key("record: t (status dialog)", "t", shows("Change status")),
    Key("status dialog: Esc", ESC, gone("Change status")),
    Key("queue: n (new incident form)", "n", shows("New incident"), setup=((ESC, gone("Next status")),)),
    Key("new incident form: Esc", ESC, gone("New incident")),
    Key("queue: ? (help)", "?", shows("sms-tui keys")),
    Key("help: Esc", ESC, gone("sms-tui keys")),
]
FLOOR_KEYS = [
    Key("floor: j (move the marker)", "j", moves=True),
    Key("floor: s (push a plain screen)", "s", shows("PLAIN SCREEN")),
    Key("floor: b (pop it on a letter)", "b", gone("PLAIN SCREEN")),
    Key("floor: s again", "s", shows("PLAIN SCREEN")),
    Key("floor: Esc (pop it on Esc)", ESC, gone("PLAIN SCREEN")),
    Key("floor: f (push an 18-field form)", "f", shows("FORM SCREEN")),
    Key("floor: Esc (pop the form)", ESC, gone("FORM SCREEN")),
]


def press_all(term: Term, keys: list[Key], figures: Figures, part: str, prefix: str = "") -> None:
    for key in keys:
        for setup_keys, setup_pred in key.setup:
            term.press(setup_keys, setup_pred)
        term.settle(0.25)  # the previous key's work is over: each key is timed alone
        pred = cursor_not_on(cursor_ref(term.lines)) if key.moves else key.pred
        assert pred is not None
        figures.add(part, prefix + key.name, term.press(key.keys, pred))


def keys(desk: Desk, figures: Figures, repeat: int, against: str | None = None) -> None:
    """Every key, sms-tui and the two floors in turn (all three stay open); given
    ``--against PROGRAM``, that build too, in a new order at each round."""
    sms, floor, floor_desk = desk.sms(), desk.floor(), desk.floor(desk_driver=True)
    other = desk.sms(against) if against else None
    try:
        sms.wait(SMS_ROWS)
        if other is not None:
            other.wait(SMS_ROWS)
        floor.wait(FLOOR_ROWS)
        floor_desk.wait(FLOOR_ROWS)
        # past start-up: the services are open; given another build, past the idle builds
        # of both (warm.py), so that neither's first round meets a screen still being built
        # while the other's does not (first opens are the first-opens part's)
        sms.settle(3.0 if other is None else 25.0)
        desks = [(sms, "")] + ([(other, "against ")] if other is not None else [])
        order = random.Random(20)
        for _ in range(repeat):
            for term, prefix in order.sample(desks, len(desks)):
                press_all(term, SMS_KEYS, figures, "keys", prefix)
            press_all(floor, FLOOR_KEYS, figures, "keys", "stock driver ")
            press_all(floor_desk, FLOOR_KEYS, figures, "keys", "desk driver ")
    finally:
        for term in (sms, floor, floor_desk, other):
            if term is not None:
                term.close()


# --------------------------------------------------------------- screens
def screens(desk: Desk, figures: Figures, repeat: int) -> None:
    """Every screen and dialog of ``screens.py``: first open apart from later ones."""
    sys.path.insert(0, str(HERE))
    from screens import SCENARIOS  # the same screens and markers as issue 13's bench

    sms = desk.sms()
    stale: list[str] = []
    try:
        sms.wait(SMS_ROWS)
        sms.settle(3.0)
        for round_ in range(repeat):
            for sc in SCENARIOS:
                for step in sc.setup:
                    sms.press(step.keys, _pred(step))
                sms.settle(0.25)
                label = "first open" if round_ == 0 else "later opens"
                figures.add("screens", f"{sc.name}: {label}", sms.press(sc.open.keys, _pred(sc.open)))
                sms.settle(0.25)
                section = sc.open.keys.isdigit()
                if section and INCIDENT_QUEUE(sms.lines):  # the queue left behind is still drawn
                    stale.append(f"{sc.name}: the incident queue is still on screen")
                back = _pred(sc.back)
                if section:  # back on the incident queue, and the section gone (the outbox
                    # lists incident references: "INC-0" alone is no sign of the queue)
                    back = both(INCIDENT_QUEUE, gone(sc.open.marker))
                try:
                    figures.add("screens", f"{sc.name}: key back",
                                sms.press(sc.back.keys, back, timeout=5.0))
                except TimeoutError:
                    stale.append(f"{sc.name}: still on screen 5 s after the key back")
                    sms.press(sc.back.keys, back)
                for step in sc.teardown:
                    sms.press(step.keys, _pred(step))
    finally:
        sms.close()
        # a section switch that left the previous section (or part of it) drawn: counted
        figures.stale = stale


def variants(against: str | None) -> tuple[tuple[str, str, str], ...]:
    """(label, program, SMS_TUI_WARM) of the two runs alternated: this build with the idle
    builds on, then with them off -- or, given ``--against PROGRAM``, another build's
    ``sms-tui`` (e.g. the previous commit's) with them on."""
    if against:
        return (("this build", program(), "1"), ("against", against, "1"))
    return (("built at idle", program(), "1"), ("idle builds off", program(), "0"))


def first_opens(desk: Desk, figures: Figures, launches: int, idle: float = 12.0,
                against: str | None = None) -> None:
    """The first open of every screen of ``screens.py``, in fresh processes that had ``idle``
    seconds after their first rows (what an analyst reading the queue gives it), alternated
    with the same with the idle builds off (``SMS_TUI_WARM=0``): what the warmer saves."""
    sys.path.insert(0, str(HERE))
    from screens import SCENARIOS

    for _ in range(launches):
        for label, prog, warm in variants(against):
            term = Term([prog, "--db", str(desk.db)], {**desk.env, "SMS_TUI_WARM": warm})
            try:
                term.wait(SMS_ROWS)
                term.settle(idle)
                for sc in SCENARIOS:
                    for step in sc.setup:
                        term.press(step.keys, _pred(step))
                    term.settle(0.25)
                    figures.add(f"first opens ({label})", sc.name,
                                term.press(sc.open.keys, _pred(sc.open)))
                    term.settle(0.1)
                    back = _pred(sc.back)
                    if sc.open.keys.isdigit():
                        back = both(INCIDENT_QUEUE, gone(sc.open.marker))
                    term.press(sc.back.keys, back)
                    for step in sc.teardown:
                        term.press(step.keys, _pred(step))
            finally:
                term.close()


def during_builds(desk: Desk, figures: Figures, launches: int, seconds: float = 20.0,
                  gap: float = 2.2, against: str | None = None) -> None:
    """↓ and ↑ in turn, one every ``gap`` seconds for ``seconds`` after the first rows -- the
    span in which the services open and the screens are built at idle -- each timed until
    the cursor moves; alternated launch by launch with the idle builds off. ``gap`` is longer
    than the warmer's quiet time (2 s), so a build starts between two keys: the worst case."""
    for _ in range(launches):
        for label, prog, warm in variants(against):
            term = Term([prog, "--db", str(desk.db)], {**desk.env, "SMS_TUI_WARM": warm})
            try:
                term.wait(SMS_ROWS)
                end = time.perf_counter() + seconds
                down = True
                while time.perf_counter() < end:
                    term.settle(gap)
                    pred = cursor_not_on(cursor_ref(term.lines))
                    figures.add(f"keys every {gap} s in the first {seconds:.0f} s", f"{label}: ↓/↑",
                                term.press(DOWN if down else UP, pred))
                    down = not down
            finally:
                term.close()


def INCIDENT_QUEUE(lines: Lines) -> bool:  # noqa: N802 - a marker, like the others
    return any(line.startswith(" Incidents ") and " records" in line for line in lines)


def _pred(step: object) -> Pred:
    return (gone if step.gone else shows)(step.marker)  # type: ignore[attr-defined]


# --------------------------------------------------------------- first second
FIRST_SECOND = [
    Key("End", END, moves=True),
    Key("down", DOWN, moves=True),
    # before the services are open, the record's screen shows its queue line (and the
    # statuses it can move to) at once, and the rest once read: both moments are figures
    Key("Enter (open record)", ENTER, shows("Next status")),
    Key("Enter (the whole record read)", ENTER, both(shows("Next status"), shows("Created by"))),
    Key("2 (requests)", "2", shows("REQ-0")),
    Key("n (new incident form)", "n", shows("New incident")),
]


def first_second(desk: Desk, figures: Figures, launches: int, against: str | None = None) -> None:
    """One key the moment the rows appear, in a fresh process each time; the floor's ``j`` in
    turn (and, given ``--against PROGRAM``, that program's key after this build's)."""
    programs = [("sms-tui", program())] + ([("against", against)] if against else [])
    for _ in range(launches):
        for key in FIRST_SECOND:
            for label, prog in programs:
                term = Term([prog, "--db", str(desk.db)], desk.env)
                try:
                    term.wait(SMS_ROWS)
                    pred = cursor_not_on(cursor_ref(term.lines)) if key.moves else key.pred
                    assert pred is not None
                    figures.add("key at first rows", f"{label}: {key.name}",
                                term.press(key.keys, pred))
                finally:
                    term.close()
        term = desk.floor()
        try:
            term.wait(FLOOR_ROWS)
            figures.add("key at first rows", "floor: j", term.press("j", cursor_not_on(cursor_ref(term.lines))))
        finally:
            term.close()


# --------------------------------------------------------------- search
def search(desk: Desk, figures: Figures, repeat: int, word: str = "vpn") -> None:
    """Typing a word into the queue's search over all records, until its rows are shown."""
    sms = desk.sms()
    try:
        sms.wait(SMS_ROWS)
        sms.settle(3.0)
        sms.press("o", shows("filter: all"))
        for _ in range(repeat):
            sms.press("/", shows("search title, reference"))
            sms.settle(0.25)
            found = both(shows(f'text "{word}"'),
                         lambda ls: word.upper() in (next((x for x in ls if x.startswith(CURSOR_MARKS)),
                                                          "")).upper())
            figures.add("search (all records)", f"type '{word}' until its rows show", sms.press(word, found))
            sms.settle(0.5)
            sms.press(ENTER, gone("search title, reference"))
            sms.settle(0.25)
            figures.add("search (all records)", "Esc (clear the search)", sms.press(ESC, gone(f'text "{word}"')))
            sms.settle(0.5)
    finally:
        sms.close()


PARTS = {"first-frame": lambda d, f, a: first_frame(d, f, a.launches, against=a.against),
         "keys": lambda d, f, a: keys(d, f, a.repeat, against=a.against),
         "screens": lambda d, f, a: screens(d, f, a.repeat),
         "first-second": lambda d, f, a: first_second(d, f, a.launches, against=a.against),
         "first-opens": lambda d, f, a: first_opens(d, f, a.launches, against=a.against),
         "during-builds": lambda d, f, a: during_builds(d, f, a.launches, against=a.against),
         "search": lambda d, f, a: search(d, f, a.repeat)}


def table(figures: Figures) -> str:
    out = []
    for part, named in figures.data.items():
        out += [f"\n**{part}**\n", "| figure | n | median ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
        for name, samples in named.items():
            med, p95, top = stats(samples)
            out.append(f"| {name} | {len(samples)} | {med:.0f} | {p95:.0f} | {top:.0f} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--launches", type=int, default=7)
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--against", metavar="PROGRAM",
                        help="another build's sms-tui to alternate with (first-frame, keys, "
                             "first-opens, during-builds, first-second) instead of "
                             "SMS_TUI_WARM=0")
    parser.add_argument("--escdelay", type=int, metavar="MS",
                        help="ESCDELAY for every program run (default: none set, each its own)")
    args = parser.parse_args()
    desk = Desk(args.db)
    if args.escdelay is not None:
        desk.env["ESCDELAY"] = str(args.escdelay)
    figures = Figures()
    load = os.getloadavg()
    try:
        for part in args.only.split(","):
            PARTS[part](desk, figures, args)
    finally:
        desk.close()
    if args.json:
        args.json.write_text(json.dumps({"load_before": load, "load_after": os.getloadavg(),
                                         "figures": figures.data, "stale": figures.stale}, indent=1))
    print(f"load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    print(table(figures))
    if "screens" in args.only:
        print(f"\nstale frames after a section key: {len(figures.stale)}", *figures.stale, sep="\n")


if __name__ == "__main__":
    main()
