"""The console script opens the TUI without the command line's modules, and leaves
everything else to the click command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sms_tui.entry import tui_options


def test_no_arguments_open_the_tui_on_the_defaults():
    options = tui_options([])
    assert (options.db_path, options.config_path, options.actor) == (None, None, None)


@pytest.mark.parametrize("argv", [
    ["--db", "desk.db", "--config", "c.toml", "--as", "alice"],
    ["--db=desk.db", "--config=c.toml", "--as=alice"],
    ["--as", "alice", "--db=desk.db", "--config", "c.toml"],
])
def test_the_global_options_are_read_in_either_form(argv):
    options = tui_options(argv)
    assert (options.db_path, options.config_path, options.actor) == \
        (Path("desk.db"), Path("c.toml"), "alice")


@pytest.mark.parametrize("argv", [
    ["list", "incidents"], ["--db", "desk.db", "list"], ["--help"], ["-h"], ["--version"],
    ["--db"], ["--db", "--as", "alice"], ["--db", "a.db", "--db", "b.db"], ["--db="],
    ["--as", ""], ["--colour"],
])
def test_anything_else_goes_to_the_command_line(argv):
    assert tui_options(argv) is None


def _run_entry(argv: list[str]) -> dict:
    code = (
        "import json, sys\n"
        f"sys.argv = ['sms-tui', *{argv!r}]\n"
        "import sms_tui.ui.run as run\n"
        "seen = {}\n"
        "def fake_tui(options):\n"
        "    seen.update(db=str(options.db_path), actor=options.actor,\n"
        "                click='click' in sys.modules)\n"
        "run.run_tui = fake_tui\n"
        "import sms_tui.entry\n"
        "try:\n"
        "    sms_tui.entry.main()\n"
        "finally:\n"
        "    print(json.dumps(seen))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_tui_starts_without_loading_click(tmp_path):
    seen = _run_entry(["--db", str(tmp_path / "desk.db"), "--as", "alice"])
    assert seen == {"db": str(tmp_path / "desk.db"), "actor": "alice", "click": False}


def test_a_command_still_runs_through_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sms_tui", "--db", str(tmp_path / "desk.db"),
                          "list", "incidents", "--format", "json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_a_bad_option_is_one_line_from_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sms_tui", "--colour"], capture_output=True,
                         text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "--colour" in out.stderr
