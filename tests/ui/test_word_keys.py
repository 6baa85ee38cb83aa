"""ESC b / ESC f (Option+left/right in a Mac terminal) are word movement in a text field and
Esc then the letter elsewhere -- decided with the focus the keys before them left, not the
focus when the terminal's bytes were read. A burst is read before the app has handled any of
it: a CI run typed "n", "Printer jams", ESC b, "X" in one write, the ESC b was judged on the
queue (no text field), and the new incident was saved as "Printer jamsbX"."""

from __future__ import annotations

from sms_tui.ui.driver import desk_parser_class

from .conftest import settle, until_shown


def _as_read(app, data: str) -> None:
    """``data`` as one read from the terminal: parsed by the desk's parser before the app has
    handled any of it, then handed to the app in order, as its driver does."""
    parser = desk_parser_class()(False)
    events = list(parser.feed(data)) + list(parser.feed(""))
    for event in events:
        app.post_message(event)


async def test_option_left_typed_in_the_burst_that_opens_a_form_moves_by_word(make_app, desk):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        _as_read(app, "nPrinter jams\x1bbX\x13")  # \x13 is ctrl+s
        shown = await until_shown(pilot, "INC-000006")
        assert "Printer Xjams" in shown
        assert "jamsb" not in shown


async def test_esc_f_on_a_record_screen_is_esc_then_f(make_app, desk):
    """On a record's screen (no text field) Esc goes back to the queue, and f there clears the
    queue's filters: the record's screen was opened from a queue narrowed to one record."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        _as_read(app, "/Payroll\r")
        await until_shown(pilot, 'text "Payroll"')
        _as_read(app, "\r")
        await until_shown(pilot, "Created by")
        _as_read(app, "\x1bf")
        shown = await until_shown(pilot, "5 records")
        assert "VPN drops every few minutes" in shown and 'text "Payroll"' not in shown
