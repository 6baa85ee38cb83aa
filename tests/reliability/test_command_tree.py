"""Every command of the CLI, fed hostile arguments: exit 0 or one line on stderr, never a traceback,
never a hang, the database unchanged on error, no control characters on the terminal (issue 15).

The commands are found by walking the click tree, so a new command is covered the day it is added.
Arguments come from a table of hostile values per parameter type (huge and negative numbers,
5,000-digit references, dates at the calendar's ends, control and bidi characters, empty strings,
special files as paths), drawn with a fixed seed per command: the same cases on every run.
In-process (CliRunner) for speed; a SIGALRM watchdog turns a hang into a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import resource
import signal
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sms_tui.cli import main

from .helpers import run_cli

VARIANTS = 8  # argument vectors per command
WATCHDOG_S = 20

HUGE = "99999999999999999999"
NUMBERS = [HUGE, "-" + HUGE, "9" * 5000, "-1", "0", "1", "3", "\u0663", "1e400", "nan", "", " "]
DATES = ["0001-01-01", "9999-12-31", "9999-12-31 23:59", "0001-01-01T00:00", "2026-02-30", "", "\u0663"]
TEXTS = [
    "", " ", "\t", "INC-000001", "REQ-000001", "PRB-000001", "KE-000001", "CHG-000001",
    "REV-000001", "OFI-000001", "NC-000001", "INC-" + "9" * 5000, "REV-" + HUGE, "INC-\u0663",
    "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m", "\u202eexe.pdf\u2066", "\u200b\u0301", "x" * 5000,
    "[@click=app.quit]x[/]", "=HYPERLINK(\"http://evil\")", HUGE, "-1", "0001-01-01", "9999-12-31",
    "Email", "sla_performance", "password-reset", "in_progress", "P1", "\u0663",
]
RAW_CONTROLS = ({chr(c) for c in range(0x20)} - {"\n", "\t"} | {chr(c) for c in range(0x7F, 0xA0)}
                | set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


class Hang(BaseException):
    """Raised by the watchdog: not an Exception, so nothing in the program can swallow it."""


def _commands() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(group: click.Group, path: tuple[str, ...], ctx: click.Context) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            sub = click.Context(command, parent=ctx, info_name=name)
            if isinstance(command, click.Group):
                walk(command, (*path, name), sub)
            else:
                found.append((*path, name))

    walk(main, (), click.Context(main, info_name="sms-tui"))
    return found


def _command(path: tuple[str, ...]) -> click.Command:
    ctx = click.Context(main, info_name="sms-tui")
    command: click.Command = main
    for name in path:
        command = command.get_command(ctx, name)  # type: ignore[attr-defined]
        ctx = click.Context(command, parent=ctx, info_name=name)
    return command


@pytest.fixture(scope="module")
def specials(tmp_path_factory) -> list[str]:
    """Paths no command may hang on, write through or replace."""
    base = tmp_path_factory.mktemp("specials")
    fifo = base / "fifo"
    os.mkfifo(fifo)
    victim = base / "victim.txt"
    victim.write_text("keep me")
    (base / "link").symlink_to(victim)
    (base / "folder").mkdir()
    (base / "empty").write_text("")
    paths = [str(fifo), str(base / "link"), str(base / "folder"), str(base / "empty"),
             str(base / "missing" / "deeper" / "x.out"), "/proc/version", "", str(base / "new.json")]
    if os.geteuid() == 0:  # a device of our own: if a bug replaced it, only this copy is lost
        with contextlib.suppress(OSError):
            os.mknod(base / "full", 0o600 | 0o020000, os.makedev(1, 7))
            paths.append(str(base / "full"))
    return paths


def _values(param: click.Parameter, specials: list[str]) -> list[str]:
    kind = type(param.type).__name__
    if kind == "Choice":
        return [*param.type.choices, "\x1b[2J", ""]  # type: ignore[attr-defined]
    if kind == "Int":
        return NUMBERS
    if kind in ("When", "DateParam", "DateTime"):
        return DATES
    if kind == "Path":
        return specials
    return TEXTS


def _arguments(path: tuple[str, ...], variant: int, specials: list[str]) -> list[str]:
    rnd = random.Random(f"{'/'.join(path)}#{variant}")
    args: list[str] = list(path)
    positional: list[str] = []
    for param in _command(path).params:
        if param.name == "help":
            continue
        if isinstance(param, click.Option) and param.is_flag:
            if param.name == "once" or (rnd.random() < 0.3 and param.name != "force"):
                args.append(param.opts[0])
            continue
        if not param.required and rnd.random() < 0.5:
            continue
        count = rnd.randint(1, 3) if param.nargs == -1 else 1
        values = [rnd.choice(_values(param, specials)) for _ in range(count)]
        if isinstance(param, click.Argument):
            positional.extend(values)
        else:
            for value in values:
                args += [param.opts[0], value]
    return [*args, "--", *positional] if positional else args


def _digest(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return hashlib.sha256("\n".join(con.iterdump()).encode("utf-8", "surrogatepass")).hexdigest()
    finally:
        con.close()


def _on_alarm(_signum, _frame):
    raise Hang


@pytest.fixture(autouse=True)
def _memory_cap():
    """A command reading an endless device would fill the machine's memory: cap it (4 GiB)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = 4 << 30
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


COMMANDS = _commands()


def test_the_tree_walk_finds_every_command():
    names = {" ".join(p) for p in COMMANDS}
    assert len(COMMANDS) > 90
    assert {"show", "list", "export", "report", "scheduler run", "schedules set", "requests tick",
            "reviews show", "restore", "backup", "import"} <= names


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Path:
    """One small desk shared by the module: a record of each kind, a review, a request type."""
    db = tmp_path_factory.mktemp("tree") / "desk.db"
    runner = CliRunner()
    for args in (["service", "add", "Email"], ["new", "incident", "--title", "Mail down", "--service", "Email"],
                 ["requests", "new", "password-reset", "--title", "Reset"], ["new", "problem", "--title", "p"],
                 ["new", "known-error", "--title", "k"], ["new", "change", "--title", "c"],
                 ["schedules", "set", "sla_performance", "--next-due", "2026-01-01"],
                 ["scheduler", "run", "--once"]):
        result = runner.invoke(main, ["--db", str(db), *args])
        assert result.exit_code == 0, (args, result.output)
    return db


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_survives_hostile_arguments(path, desk, specials, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # relative outputs land here
    monkeypatch.setenv("SMS_TUI_BUSY_TIMEOUT", "2")
    runner = CliRunner()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        for variant in range(VARIANTS):
            args = _arguments(path, variant, specials)
            before = _digest(desk)
            signal.alarm(WATCHDOG_S)
            try:
                result = runner.invoke(main, ["--db", str(desk), *args], catch_exceptions=True)
            except Hang:
                pytest.fail(f"hung for {WATCHDOG_S}s: sms-tui {' '.join(a[:40] for a in args)}")
            finally:
                signal.alarm(0)
            shown = f"sms-tui {' '.join(repr(a[:40]) for a in args)}"
            assert result.exception is None or isinstance(result.exception, SystemExit), \
                (shown, repr(result.exception))
            assert "Traceback" not in result.output and "Traceback" not in result.stderr, shown
            assert not RAW_CONTROLS & set(result.stdout), (shown, result.stdout[:300])
            if result.exit_code == 0:
                continue
            lines = result.stderr.strip().splitlines()
            if path == ("import",):  # lists the rows it refuses (by line) above its one error line
                lines = lines[-1:]
            assert result.exit_code in (1, 2) and len(lines) == 1, (shown, result.exit_code, result.stderr)
            assert lines[0].startswith("sms-tui: error: "), (shown, lines[0])
            assert "internal error" not in lines[0], (shown, lines[0])
            assert not RAW_CONTROLS & set(result.stderr), (shown, lines[0])
            assert _digest(desk) == before, (shown, "changed the database and failed")
    finally:
        signal.signal(signal.SIGALRM, previous)
    with contextlib.suppress(OSError):
        assert Path(specials[0]).exists()


# ---------------------------------------------------------------- the environment, in real processes
@pytest.mark.parametrize("special", ["fifo", "link", "folder", "/dev/null", "/proc/version", "/proc/self/mem"])
def test_the_global_options_refuse_special_files_without_hanging(special, specials, tmp_path):
    path = next((p for p in specials if p.endswith("/" + special)), special)
    for option in ("--db", "--config"):
        result = run_cli(option, path, "list", "incidents", timeout=30,
                         env={"SMS_TUI_DB": str(tmp_path / "desk.db")})
        assert result.returncode in (1, 2), (option, path, result.stdout)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, (option, path, result.stderr)
