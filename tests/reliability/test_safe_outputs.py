"""Files and output the program writes are safe: for spreadsheets (no formulas), for terminals (no
control characters), private (0600/0700 whatever the umask), written whole, and never in place of a
device, a FIFO or a link (issue 15)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from sms_tui.services.transfer.service import TransferService, export_cell, import_cell
from tests.cli_helpers import Cli, dump, one_error_line

from .helpers import run_cli

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\tlead", "\rlead"]
CONTROL_TEXT = "osc\x1b]52;c;ZXZpbA==\x07 clear\x1b[2J bel\x07 c1\x9b31m rtl\u202eexe.pdf"
RAW = {chr(c) for c in range(0x20)} - {"\n"} | {chr(c) for c in range(0x7F, 0xA0)} | {"\u202e"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


# ---------------------------------------------------------------- spreadsheets and terminals
def test_list_as_csv_neutralises_formulas_and_shows_controls(cli, records):
    for title in [*FORMULAS, CONTROL_TEXT]:
        records.create("incident", title=title)
    out = cli.ok("list", "incidents", "--format", "csv")
    assert not RAW & set(out.replace("\r\n", "\n"))
    rows = list(csv.DictReader(io.StringIO(out)))
    for row in rows:
        assert row["title"][:1] not in ("=", "+", "-", "@", "\t", "\r"), row["title"]
    titles = {row["title"] for row in rows}
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in titles and "'+1+1" in titles and "'@SUM(A1:A2)" in titles


def test_json_output_escapes_c1_and_bidi_but_reads_back_exactly(cli, records):
    rec = records.create("incident", title="t", description=CONTROL_TEXT)
    out = cli.ok("show", rec.ref, "--format", "json")
    assert not RAW & set(out)
    assert json.loads(out)["description"] == CONTROL_TEXT


@pytest.mark.parametrize("value", [*FORMULAS, CONTROL_TEXT, "'quoted", "''", "plain", "", "line\nbreak",
                                   "back\\slash \"q\"", "\u0645\u0631\u062d\u0628\u0627 \U0001f525"])
def test_export_cells_are_safe_and_round_trip(value):
    cell = export_cell(value)
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert not RAW & set(cell) and "\n" not in cell.strip("\n") or cell == value == "line\nbreak"
    assert import_cell(cell) == value


def test_csv_export_quotes_formulas_and_controls_and_imports_them_back(tmp_path, store, records):
    for title in FORMULAS:
        records.create("incident", title="x" + title, description=title)
    records.create("incident", title="controls", description=CONTROL_TEXT)
    out = tmp_path / "csv"
    TransferService(store).export_csv(out)
    for file in out.glob("*.csv"):
        text = file.read_text(encoding="utf-8")
        assert not RAW & set(text.replace("\r\n", "\n")), file.name
        for row in csv.reader(io.StringIO(text)):
            assert all(cell[:1] not in ("=", "+", "-", "@") for cell in row), (file.name, row)
    target = Cli(tmp_path / "copy.db")
    target.ok("import", str(out))
    descriptions = {json.loads(target.ok("show", f"INC-{n:06d}", "--format", "json"))["description"]
                    for n in range(1, len(FORMULAS) + 2)}
    assert descriptions == {*FORMULAS, CONTROL_TEXT}


# ---------------------------------------------------------------- never in place of something else
@pytest.mark.parametrize("args", [("export", "-o"), ("report", "--period", "month", "-o"),
                                  ("evidence", "--period", "month", "-o")])
@pytest.mark.parametrize("kind", ["fifo", "symlink", "directory"])
def test_output_never_replaces_anything_but_a_regular_file(cli, records, tmp_path, args, kind):
    records.create("incident", title="x")
    target = tmp_path / "out.json"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        target.symlink_to(victim)
    else:
        target.mkdir()
    before = target.lstat()
    result = cli(*args, str(target))
    assert result.exit_code in (1, 2), result.output  # 2: click refuses a directory itself
    assert str(target) in one_error_line(result)
    after = target.lstat()
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert victim.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_output_replaces_a_regular_file_whole_and_private(cli, records, tmp_path):
    records.create("incident", title="x")
    target = tmp_path / "report.md"
    target.write_text("old")
    target.chmod(0o644)
    cli.ok("report", "--period", "month", "-o", str(target))
    assert target.read_text() != "old" and _mode(target) == 0o600


# ---------------------------------------------------------------- private whatever the umask
def _umask0():
    os.umask(0)


def test_everything_created_with_umask_000_is_private(tmp_path):
    """The database is created *after* the umask changes (in the child), with its folders."""
    home = tmp_path / "home"
    env = {"XDG_DATA_HOME": str(home / "data"), "HOME": str(home)}
    db = tmp_path / "a" / "b" / "x.db"
    steps = [
        ("--db", str(db), "new", "incident", "--title", "x"),
        ("new", "incident", "--title", "default place"),
        ("--db", str(db), "export", "-o", str(tmp_path / "a" / "export.json")),
        ("--db", str(db), "export", "--format", "csv", "-o", str(tmp_path / "c" / "d" / "csv")),
        ("--db", str(db), "report", "--period", "month", "-o", str(tmp_path / "a" / "r.html")),
        ("--db", str(db), "backup", str(tmp_path / "a" / "b.db")),
    ]
    for args in steps:
        result = run_cli(*args, env=env, preexec_fn=_umask0)
        assert result.returncode == 0, (args, result.stderr)
    holder = run_cli("--db", str(db), "list", "incidents", env=env, preexec_fn=_umask0)
    assert holder.returncode == 0
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "c", tmp_path / "c" / "d",
                   tmp_path / "c" / "d" / "csv", home / "data", home / "data" / "sms-tui"):
        assert _mode(folder) == 0o700, folder
    files = [db, tmp_path / "a" / "export.json", tmp_path / "a" / "r.html", tmp_path / "a" / "b.db",
             home / "data" / "sms-tui" / "sms-tui.db", *(tmp_path / "c" / "d" / "csv").iterdir()]
    files += [p for p in db.parent.iterdir() if p.name.startswith("x.db-")]  # -wal/-shm if kept
    for file in files:
        assert _mode(file) == 0o600, file


def test_wal_and_shm_made_after_a_umask_000_are_private(tmp_path):
    db = tmp_path / "desk.db"
    script = ("import os, sys; os.umask(0); from sms_tui.services.core.store import Store; "
              "from sms_tui.services.core.records import RecordService; s = Store(sys.argv[1]); "
              "RecordService(s).create('incident', title='x'); "
              "w = s.engine.connect(); w.exec_driver_sql('SELECT 1'); "
              "print(oct(os.stat(sys.argv[1] + '-wal').st_mode & 0o777), "
              "oct(os.stat(sys.argv[1] + '-shm').st_mode & 0o777))")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0o600", "0o600"]
    assert _mode(db) == 0o600


def test_nothing_is_written_when_an_output_is_refused(cli, records, db_path, tmp_path):
    records.create("incident", title="x")
    before = dump(db_path)
    os.mkfifo(tmp_path / "pipe")
    assert cli("export", "--format", "csv", "-o", str(tmp_path / "pipe")).exit_code == 1
    assert dump(db_path) == before


def test_a_file_where_the_folder_should_be_is_named_as_such(tmp_path):
    # SMS_TUI_STATE_DIR naming a file: the message said its folder "does not exist"
    from sms_tui.domain.errors import DeskError
    from sms_tui.files import atomic_text

    blocker = tmp_path / "state"
    blocker.write_text("", encoding="utf-8")
    for target in (blocker / "drafts.json", blocker / "sub" / "drafts.json"):
        with pytest.raises(DeskError, match=f"{blocker} is a file, not a folder"), atomic_text(target):
            pass
    with pytest.raises(DeskError, match="does not exist"), atomic_text(tmp_path / "none" / "x.json"):
        pass
    assert blocker.read_text(encoding="utf-8") == ""
