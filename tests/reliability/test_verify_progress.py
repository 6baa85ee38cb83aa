"""Issue 16: verify shows a progress bar on a terminal (stderr), never when piped."""

from __future__ import annotations

import os
import pty
import subprocess

from .helpers import cli_command, run_cli


def _desk(db_path) -> None:
    done = run_cli("--db", str(db_path), "new", "incident", "--title", "Mail down",
                   "--impact", "low", "--urgency", "low")
    assert done.returncode == 0, done.stderr


def test_verify_draws_a_progress_bar_on_a_terminal(db_path):
    _desk(db_path)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([*cli_command(), "--db", str(db_path), "verify"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                              text=True, timeout=120)
        os.close(follower)
        follower = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: all read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0 and done.stdout.startswith("ok: 1 records")
    assert b"verifying" in drawn and b"100%" in drawn


def test_verify_piped_writes_no_bar(db_path):
    _desk(db_path)
    done = run_cli("--db", str(db_path), "verify")
    assert done.returncode == 0 and done.stdout.startswith("ok: 1 records")
    assert done.stderr == ""
