"""TERM=vt100 / TERM=linux: boxes and symbols fall back to ASCII (issue 13, item 15)."""

from __future__ import annotations

import pytest

from sms_tui.ui.glyphs import ascii_only, to_ascii

from .conftest import SMALL, press, screen_text, settle

UTF8 = "UTF-8"


@pytest.mark.parametrize("term", ["vt100", "vt102", "vt220", "linux"])
def test_terminals_without_line_drawing_get_ascii(term):
    assert ascii_only({"TERM": term}, UTF8)


@pytest.mark.parametrize("term", ["xterm-256color", "screen", "tmux-256color", ""])
def test_ordinary_terminals_keep_unicode(term):
    assert not ascii_only({"TERM": term}, UTF8)


def test_a_locale_that_is_not_utf8_gets_ascii():
    assert ascii_only({"TERM": "xterm"}, "ANSI_X3.4-1968")
    assert ascii_only({"TERM": "xterm"}, "ISO-8859-1")
    assert not ascii_only({"TERM": "xterm"}, "utf8")


def test_the_setting_overrides_the_guess():
    assert not ascii_only({"TERM": "vt100", "SMS_TUI_ASCII": "0"}, UTF8)
    assert ascii_only({"TERM": "xterm", "SMS_TUI_ASCII": "1"}, UTF8)


def test_every_glyph_becomes_one_ascii_character():
    drawn = "╭─┬─╮│├┼┤╰┴╯━┃┏┓┗┛═║╔╗▏▌▐▁▄█▀░▒▓ ▲MAJ ▼ ↑ → ‼ OVERDUE ✓ done … – — · › ⭘ ‖ ␛"
    ascii = to_ascii(drawn)
    assert len(ascii) == len(drawn)  # columns do not move
    assert ascii.isascii()
    assert to_ascii("╭──╮") == "+--+" and to_ascii("│x│") == "|x|"
    assert to_ascii("▲MAJ ‼ OVERDUE") == "^MAJ # OVERDUE"  # not "!": that is "due soon"
    # a title cut short ends in "~", never in "." that reads as its own full stop
    assert to_ascii("Payroll export fai…") == "Payroll export fai~"


def test_user_text_other_than_symbols_is_left_alone():
    assert to_ascii("Café Müller naïve 東京") == "Café Müller naïve 東京"


@pytest.mark.parametrize("term", ["vt100", "linux"])
async def test_the_desk_draws_only_ascii_on_such_a_terminal(make_app, desk, monkeypatch, term):
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("SMS_TUI_ASCII", raising=False)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = screen_text(app)
        await press(pilot, "enter")  # an incident: panel border, markers
        detail = screen_text(app)
        await press(pilot, "question_mark")
        help_ = screen_text(app)
    for text in (queue, detail, help_):
        assert text.isascii(), sorted({c for c in text if not c.isascii()})
    assert "INC-" in queue and "New" in queue


async def test_the_desk_keeps_unicode_on_an_ordinary_terminal(make_app, desk, monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("SMS_TUI_ASCII", raising=False)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert not screen_text(app).isascii()
