"""Bad configuration stops sms-tui with one clear error naming the file and the key."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sms_tui.config import load_config
from sms_tui.domain.errors import ConfigError
from sms_tui.domain.priority import DEFAULT_MATRIX

from .reliability.helpers import assert_one_line_error
from .reliability.helpers import run_cli as _cli

FULL_MATRIX = """
[priority.matrix.high]
high = "P1"
medium = "P2"
low = "P3"
[priority.matrix.medium]
high = "P2"
medium = "P3"
low = "P4"
[priority.matrix.low]
high = "P3"
medium = "P4"
low = "P5"
"""

BAD_CONFIGS = {
    "invalid TOML": ("[priority\nmatrix = 1", "invalid TOML"),
    "missing cell": (FULL_MATRIX.replace('low = "P5"\n', ""), "priority.matrix.low.low is missing"),
    "missing row": (FULL_MATRIX.split("[priority.matrix.low]")[0], "priority.matrix.low is missing"),
    "priority out of range": (FULL_MATRIX.replace('medium = "P3"', 'medium = "P7"'),
                              "priority.matrix.medium.medium"),
    "priority not a number": (FULL_MATRIX.replace('high = "P1"', 'high = "urgent"'),
                              "priority.matrix.high.high"),
    "negative priority": (FULL_MATRIX.replace('high = "P1"', "high = -1"), "priority.matrix.high.high"),
    "unknown impact level": (FULL_MATRIX + '[priority.matrix.severe]\nhigh = "P1"\n',
                             "priority.matrix.severe"),
    "matrix not a table": ("[priority]\nmatrix = 3\n", "priority.matrix must be a table"),
    "priority not a table": ('priority = "P1"\n', "priority must be a table"),
    "not UTF-8": (b"\xff\xfe[priority]", "cannot read"),
    "negative SLA target": ('[sla.default]\nP1 = { respond = "-15m", resolve = "4h" }\n',
                            "sla.default.P1.respond: must not be negative"),
}


def _write(tmp_path: Path, content) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_is_refused_naming_the_file_and_the_key(tmp_path, case):
    content, expected = BAD_CONFIGS[case]
    path = _write(tmp_path, content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


def test_missing_config_file_means_the_defaults(tmp_path):
    config = load_config(tmp_path / "absent.toml")
    assert config.matrix == DEFAULT_MATRIX


def test_full_matrix_and_other_sections_are_loaded(tmp_path):
    path = _write(tmp_path, FULL_MATRIX + "\n[reviews]\nevery_days = 30\n")
    config = load_config(path)
    assert config.matrix.priority_for("medium", "low") == 4
    assert config.section("reviews") == {"every_days": 30}
    assert config.section("absent") == {}


@pytest.mark.parametrize("case", ["invalid TOML", "missing cell", "priority out of range",
                                  "negative SLA target"])
def test_cli_refuses_to_start_on_bad_config_with_one_line_and_no_traceback(tmp_path, case):
    content, expected = BAD_CONFIGS[case]
    path = _write(tmp_path, content)
    db = tmp_path / "desk.db"
    result = _cli("--db", str(db), "--config", str(path), "new", "incident", "--title", "x")
    assert_one_line_error(result, str(path), expected)
    assert not db.exists() or _count_incidents(db) == 0


def test_cli_reads_the_config_from_the_environment_too(tmp_path):
    path = _write(tmp_path, BAD_CONFIGS["missing cell"][0])
    result = _cli("--db", str(tmp_path / "d.db"), "list", "incidents", env={"SMS_TUI_CONFIG": str(path)})
    assert result.returncode == 1 and "priority.matrix.low.low" in result.stderr


def _count_incidents(db: Path) -> int:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return con.execute("SELECT count(*) FROM incident").fetchone()[0] if "incident" in tables else 0
    finally:
        con.close()


def test_the_tui_refuses_to_start_on_bad_config_before_drawing_anything(tmp_path):
    path = _write(tmp_path, BAD_CONFIGS["invalid TOML"][0])
    result = _cli("--db", str(tmp_path / "desk.db"), "--config", str(path), stdin=subprocess.DEVNULL,
                  env={"TERM": "xterm"})
    assert_one_line_error(result, str(path), "invalid TOML")  # nothing on stdout: no screen drawn
