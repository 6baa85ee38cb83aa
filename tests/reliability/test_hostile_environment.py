"""A hostile machine: a full disk, a read-only folder, a read-only database under cron. One line on
stderr, a non-zero exit, no traceback, and nothing left behind (issue 15).

The full disk is a real one: a tiny tmpfs, filled, mounted in a private mount namespace of the
child (``unshare -rm``: as root or as a user with user namespaces) so that nothing outlives it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import assert_one_line_error, cli_command, run_cli

ONE_LINE_FULL = "full (no space left on device)"


def _on_full_disk(tmp_path: Path, *commands: list[str], setup: tuple[list[str], ...] = (),
                  size: str = "256k") -> tuple[list[tuple[int, str, str]], list[str]]:
    """Run each command with ``full/`` a full disk (``setup`` runs before it fills); returns
    (code, stdout, stderr) each and what is left in ``full/`` afterwards (the tmpfs vanishes
    with the namespace)."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to make a full disk")
    full = tmp_path / "full"
    full.mkdir(exist_ok=True)
    lines = ["set -u", f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(str(full))}",
             *(f"{shlex.join(command)} >/dev/null" for command in setup),
             f"head -c 10000000 /dev/zero > {shlex.quote(str(full / 'filler'))} 2>/dev/null || true"]
    for n, command in enumerate(commands):
        out, err = tmp_path / f"out{n}", tmp_path / f"err{n}"
        lines.append(f"{shlex.join(command)} >{shlex.quote(str(out))} 2>{shlex.quote(str(err))}; "
                     f"echo $? > {shlex.quote(str(tmp_path / f'rc{n}'))}")
    lines.append(f"ls -A {shlex.quote(str(full))} > {shlex.quote(str(tmp_path / 'left'))}")
    done = subprocess.run(["unshare", "-rm", "sh", "-c", "\n".join(lines)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = [(int((tmp_path / f"rc{n}").read_text()), (tmp_path / f"out{n}").read_text(),
                (tmp_path / f"err{n}").read_text()) for n in range(len(commands))]
    return results, (tmp_path / "left").read_text().split()


def _one_line(result: tuple[int, str, str], *fragments: str) -> None:
    code, _out, err = result
    assert code == 1, result
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def desk(tmp_path):
    db = tmp_path / "desk.db"
    assert run_cli("--db", str(db), "new", "incident", "--title", "=cmd|' /C calc'!A0").returncode == 0
    return db


def test_creating_a_database_on_a_full_disk_says_so_and_leaves_no_file(tmp_path):
    sms = cli_command()
    [created, nested], left = _on_full_disk(
        tmp_path, [*sms, "--db", str(tmp_path / "full" / "desk.db"), "new", "incident", "--title", "x"],
        [*sms, "--db", str(tmp_path / "full" / "desk.db"), "list", "incidents"])
    _one_line(created, ONE_LINE_FULL, "nothing was written")
    _one_line(nested, ONE_LINE_FULL)
    assert left == ["filler"]


def test_exports_and_reports_on_a_full_disk_say_so_and_leave_nothing(tmp_path, desk):
    sms = [*cli_command(), "--db", str(desk)]
    full = tmp_path / "full"
    results, left = _on_full_disk(
        tmp_path,
        [*sms, "export", "-o", str(full / "desk.json")],
        [*sms, "export", "--format", "csv", "-o", str(full / "csv")],
        [*sms, "report", "--period", "month", "-o", str(full / "report.html")],
        [*sms, "backup", str(full / "copy.db")])
    for result in results[:3]:
        _one_line(result, "no space left on device")
    _one_line(results[3], "full")
    assert left == ["filler"]  # no empty or partial file, no temporary file, no CSV folder


# ---------------------------------------------------------------- read-only
@contextlib.contextmanager
def _read_only(path: Path):
    """Unwritable ``path`` (file or folder); root ignores mode bits, so use chattr +i then."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True, capture_output=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(mode)


def test_scheduler_once_on_a_read_only_database_says_one_line(desk):
    assert run_cli("--db", str(desk), "schedules", "set", "sla_performance", "--next-due",
                   "2026-01-01").returncode == 0
    run_cli("--db", str(desk), "verify")  # checkpoint: nothing pending in the -wal
    with _read_only(desk):
        result = run_cli("--db", str(desk), "scheduler", "run", "--once")
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "read-only" in lines[0], result.stderr


def test_a_database_in_a_read_only_folder_names_the_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "desk.db"
    assert run_cli("--db", str(db), "new", "incident", "--title", "x").returncode == 0
    for side in folder.glob("desk.db-*"):
        side.unlink()
    with _read_only(folder):
        result = run_cli("--db", str(db), "list", "incidents")
        created = run_cli("--db", str(folder / "new.db"), "list", "incidents")
    assert_one_line_error(result, str(folder), "read-only")
    assert_one_line_error(created, "cannot create database", f"cannot write in its folder {folder}")


def test_writing_to_a_database_on_a_disk_that_fills_says_the_disk_is_full(tmp_path):
    db = tmp_path / "full" / "desk.db"
    sms = [*cli_command(), "--db", str(db)]
    big = "x" * 100_000
    results, left = _on_full_disk(
        tmp_path, [*sms, "new", "incident", "--title", "lost?", "--description", big],
        setup=([*sms, "new", "incident", "--title", "kept"],), size="2m")
    _one_line(results[0], ONE_LINE_FULL, "nothing was written")
    assert "desk.db" in left


def test_a_log_that_is_a_fifo_or_a_device_is_refused_without_waiting(tmp_path):
    """SMS_TUI_LOG naming a FIFO held the desk at a blank screen until someone read it; a
    device (the terminal) would have had the log written over the desk."""
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    db = str(tmp_path / "desk.db")
    result = run_cli("--db", db, env={"SMS_TUI_LOG": str(fifo)}, timeout=20)
    assert_one_line_error(result, f"SMS_TUI_LOG={fifo}", "FIFO")
    result = run_cli("--db", db, env={"SMS_TUI_LOG": "/dev/null"}, timeout=20)
    assert_one_line_error(result, "SMS_TUI_LOG=/dev/null is a device, not a file")


@pytest.mark.parametrize("scale", ["abc", "nan", "-1", "0"])
def test_the_headless_scheduler_refuses_a_bad_timer_scale_as_the_desk_does(tmp_path, scale):
    # the TUI refused it; 'scheduler run --once' took it and ran
    result = run_cli("--db", str(tmp_path / "desk.db"), "scheduler", "run", "--once",
                     env={"SMS_TUI_TIMER_SCALE": scale})
    assert_one_line_error(result, "SMS_TUI_TIMER_SCALE must be a number greater than 0")
    assert not (tmp_path / "desk.db").exists()
