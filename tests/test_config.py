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
    path = _write(tmp_path, FULL_MATRIX + "\n[reviews]\ndue_soon_days = 30\n")
    config = load_config(path)
    assert config.matrix.priority_for("medium", "low") == 4
    assert config.section("reviews") == {"due_soon_days": 30}
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


# ---------------------------------------------------------------- the whole file, at start (issue 15)
@pytest.mark.parametrize(("content", "says"), [
    ('[smpt]\nhost = "mail.example.org"\n', "smpt: unknown section; did you mean 'smtp'?"),
    ('[keys]\nquit = 5\n', "keys.quit: must be a valid string"),
    ('[reviews]\nevery_days = 30\n', "reviews.every_days: unknown key; did you mean 'due_soon_days'?"),
    ('[smtp]\nhost = "m"\nprot = 25\n', "smtp.prot: unknown key; did you mean 'port'?"),
    ('[sla.default]\nP1 = { respnd = "1h" }\n', "sla.default.P1.respnd: unknown key; did you mean 'respond'?"),
    ('[problems.trends]\nwindow_days = 1e400\n', "problems.trends.window_days: must be a finite number"),
    ('[problems.trends]\nwindow_days = 1e12\n', "problems.trends.window_days"),
    ('[problems.trends]\nmin_incidents = 1\n', "problems.trends.min_incidents"),
    ('[problems.trends]\nwindow_days = 2\nwindow_hours = 3\n', "give window_days or window_hours, not both"),
    ('[problems.trendz]\nmin_incidents = 3\n', "problems.trendz: unknown key; did you mean 'trends'?"),
    ('[sla.default]\nP1 = { respond = "99999999999d", resolve = "4h" }\n', "sla.default.P1.respond"),
    ('[sla.default]\nP1 = { respond = 1e400, resolve = "4h" }\n', "sla.default.P1.respond"),
    ('[major_incident]\nupdate_interval = "99999999999999999999d"\n', "update_interval"),
    ('[changes.categories.emergncy]\nreview_within_days = 2\n', "did you mean 'emergency'?"),
    ('[changes.categories.emergency]\nreview_within_days = 999999999999\n', "review_within_days"),
    ('[changes.major_impact]\nrisk_level = "extreme"\n', "changes.major_impact.risk_level"),
    ('[reviews]\ndue_soon_days = "soon"\n', "reviews.due_soon_days"),
    ('[reviews]\ncheck_seconds = 0\n', "reviews.check_seconds"),
    ('[reviews]\nlate_after_hours = inf\n', "reviews.late_after_hours: must be a finite number"),
    # a line break in a contact's name passed, then every mail to top management failed
    ('[major_incident]\ncontacts = ["a\\nBcc: x@evil.org <x@y.org>", "Ok <ok@x.org>"]\n',
     "major_incident.contacts: 'a\\nBcc: x@evil.org <x@y.org>' holds a line break"),
    ('[security_incident]\ncontacts = ["CISO\\r <c@x.org>"]\n', "security_incident.contacts"),
    ('[smtp]\nhost = "m"\nfrom = "desk\\t<d@x.org>"\n', "smtp.from"),
])
def test_the_whole_config_is_checked_at_start_naming_the_key(tmp_path, content, says):
    path = _write(tmp_path, content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value) and says in str(info.value), str(info.value)
    db = tmp_path / "desk.db"
    result = _cli("--db", str(db), "--config", str(path), "list", "incidents")  # any command, at start
    assert_one_line_error(result, str(path), says)
    assert not db.exists()


def test_a_config_file_named_on_the_command_line_must_exist(tmp_path):
    missing = tmp_path / "typo.toml"
    result = _cli("--db", str(tmp_path / "d.db"), "--config", str(missing), "list", "incidents")
    assert_one_line_error(result, str(missing), "no such config file")
    result = _cli("--db", str(tmp_path / "d.db"), "list", "incidents", env={"SMS_TUI_CONFIG": str(missing)})
    assert_one_line_error(result, str(missing), "no such config file")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/null"])
def test_a_config_that_is_not_a_regular_file_is_refused_without_hanging(tmp_path, special):
    import os

    path = Path(special)
    if special == "fifo":
        path = tmp_path / "config.toml"
        os.mkfifo(path)
    result = _cli("--db", str(tmp_path / "d.db"), "--config", str(path), "list", "incidents", timeout=30)
    assert_one_line_error(result, str(path), "not a regular file")


def test_every_key_in_the_readme_examples_is_known_to_the_schema():
    from sms_tui.config_schema import check_schema

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    import re
    import tomllib

    blocks = re.findall(r"```toml\n(.*?)```", readme, re.S)
    assert blocks
    for block in blocks:
        check_schema(tomllib.loads(block), "README.md")


@pytest.mark.parametrize(("content", "says"), [
    ('[keys]\nquit = "ctrl+q"\n', "keys.quit: no key binding has this id; did you mean 'app.quit'?"),
    ('[keys]\n"app.qiut" = "ctrl+q"\n', "did you mean 'app.quit'?"),
    ('[keys]\napp.quit = "ctrl+q"\n', 'quote them, e.g. "app.quit"'),
    ('[keys]\nquit = 5\n', "keys.quit: must be a valid string"),
])
def test_the_tui_refuses_key_remaps_of_bindings_that_do_not_exist(tmp_path, content, says):
    path = _write(tmp_path, content)
    result = _cli("--db", str(tmp_path / "desk.db"), "--config", str(path), stdin=subprocess.DEVNULL,
                  env={"TERM": "xterm"})
    assert_one_line_error(result, str(path), says)


def test_a_remap_of_a_real_binding_id_is_accepted():
    from sms_tui.key_bindings import check_keys_section
    from sms_tui.ui.keymap import declared_bindings

    assert {"app.quit", "app.help"} <= set(declared_bindings())
    assert check_keys_section({"app.quit": "ctrl+q"}, "config.toml") == {"app.quit": "ctrl+q"}


@pytest.mark.parametrize(("content", "says"), [
    ('[keys]\nquit = "q"\n', "keys.quit: no key binding has this id; did you mean 'app.quit'?"),
    ('[keys]\n"queue.new" = "[bold]"\n', "'[bold]' is not a key a terminal sends"),
    ('[keys]\n"queue.new" = "ctrl+alt+shift+meta+x"\n', "modifiers are ctrl, shift, alt"),
    ('[keys]\n"queue.new" = "\\u0000"\n', "'\\x00' is not a key a terminal sends"),
    ('[keys]\n"app.quit" = "n"\n', "keys.app.quit: 'n' is the key of"),
    ('[keys]\n"queue.new" = "q"\n', "keys.queue.new: 'q' is the key of app.quit too"),
])
def test_every_command_refuses_a_keys_section_the_desk_could_not_use(tmp_path, content, says):
    """[keys] was checked only when the TUI started: 'list' took 'quit = "q"'; and the TUI
    took keys no terminal sends (the command gone from the footer) or another binding's
    key ('app.quit' = "n": n opened New, q did nothing)."""
    path = _write(tmp_path, content)
    result = _cli("--db", str(tmp_path / "desk.db"), "--config", str(path), "list", "incidents")
    assert_one_line_error(result, str(path), says)


def test_the_table_of_bindings_the_config_checks_is_the_desks():
    """sms_tui.key_bindings.DEFAULTS (read without Textual, for every command) against the
    screens' own bindings: when this fails, paste the table printed in its place."""
    from sms_tui.key_bindings import DEFAULTS
    from sms_tui.ui.keymap import declared_bindings

    table = declared_bindings()
    assert table == DEFAULTS, "DEFAULTS = {\n" + "".join(
        f"    {name!r}: {value!r},\n" for name, value in table.items()) + "}"


def test_the_names_the_config_gives_characters_are_textuals():
    from textual.keys import _character_to_key

    from sms_tui.key_bindings import CHARACTER_NAMES

    assert {char: _character_to_key(char) for char in CHARACTER_NAMES} == CHARACTER_NAMES
