"""Every key is listed in the help and reachable by name from the command palette."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from sms_tui.ui.screens.detail import RecordScreen
from sms_tui.ui.screens.escalate_dialog import EscalateDialog
from sms_tui.ui.screens.help import HelpScreen, bindings_of
from sms_tui.ui.screens.queue import QueueScreen

from .conftest import SMALL, press, screen_text, settle, type_text


def help_text(screen: HelpScreen) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(screen._content())
    return console.file.getvalue()


async def test_help_lists_every_key_of_every_screen(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = help_text(app.screen)
        for cls in (QueueScreen, RecordScreen, type(app)):
            for _keys, binding in bindings_of(cls, {}):
                assert binding.description in text, binding
        for words in ("Escalate", "Reload record", "Command palette", "Page down", "Incidents"):
            assert words in text
        await press(pilot, "escape")
        assert isinstance(app.screen, QueueScreen)


async def test_palette_runs_an_action_of_the_current_screen_by_name(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "escalate")
        await press(pilot, "enter")
        assert isinstance(app.screen, EscalateDialog)
        assert app.screen.record.ref == desk["vpn"].ref


async def test_palette_finds_the_services_and_cis_by_the_word_service(make_app, desk):
    # G was "Configuration", and missing from the palette (a dialog: G is not a way out of
    # one), so "services" found nothing
    from sms_tui.ui.screens.configuration import ConfigurationScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "services")
        await press(pilot, "enter")
        assert isinstance(app.screen, ConfigurationScreen)


@pytest.mark.parametrize(("words", "section"), [("workaround", "known_errors"),
                                                ("evidence", "reports"), ("customers", "contacts")])
async def test_palette_finds_a_section_by_the_word_an_analyst_has_for_it(make_app, desk, words,
                                                                        section):
    """"evidence" and "workaround" found nothing in the palette: each section has the words
    analysts use for it, and the evidence report's command is named where it is found."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, words)
        if words == "evidence":
            assert "sms-tui evidence" in screen_text(app)
        await press(pilot, "enter")
        assert app.current_mode == section


async def test_palette_opens_a_record_by_its_reference(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "prb-1")
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        assert app.screen.ref == desk["problem"].ref


async def test_opening_a_reference_that_does_not_exist_says_so_and_stays_put(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "inc-999")
        await press(pilot, "enter")
        assert isinstance(app.screen, QueueScreen)
        assert any("no record INC-000999" in str(n.message) for n in app._notifications)


async def test_the_footer_fits_80_columns_keeps_help_and_a_click_presses_a_key(make_app, desk):
    from sms_tui.ui.screens.form import RecordForm
    from sms_tui.ui.widgets.desk_footer import DeskFooter

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert footer.startswith("n New t Status") and "? Help" in footer
        assert footer.rstrip().endswith("^p palette") and len(footer) == 80
        await pilot.click(DeskFooter, offset=(6, 0))  # the "t Status" key
        await settle(pilot)
        assert type(app.screen).__name__ == "TransitionDialog"
        await press(pilot, "escape")
        await pilot.click(DeskFooter, offset=(0, 0))  # "n New"
        await settle(pilot)
        assert isinstance(app.screen, RecordForm)


async def test_palette_offers_only_desk_commands_never_textuals_scroll_keys(make_app, desk):


    app = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # a record: its body is a scroll view
        assert isinstance(app.screen, RecordScreen)
        await press(pilot, "ctrl+p")
        await pilot.pause(0.3)
        await settle(pilot)
        text = screen_text(app)
        assert "Escalate" in text and "Survey answer" in text
        for generic in ("Scroll", "Theme", "screenshot", "Maximize", "Keys"):
            assert generic.lower() not in text.lower(), generic
        await type_text(pilot, "go to inc")  # the sections are there too, further down
        await pilot.pause(0.3)
        await settle(pilot)
        assert "Go to Incidents" in screen_text(app)


def _here(text: str) -> str:
    """The 'Here: ...' part of the help: up to the app-wide keys."""
    return text.split("Everywhere")[0]


async def test_help_names_the_screen_in_words_and_lists_only_keys_that_work_there(make_app, desk):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "K")  # an incident, then its known-error search
        await pilot.pause(0.2)
        await settle(pilot)
        from textual.widgets import Input

        if isinstance(app.focused, Input):  # from the search box to the list
            await press(pilot, "tab")
        await press(pilot, "question_mark")
        text = help_text(app.screen)
        assert "Here: Known error search" in text
        assert "Screen" not in text  # no class names
        here = _here(text)
        assert "Search" in here
        assert "Apply workaround" not in here  # no known error found: w does nothing here
        for generic in ("Scroll Left", "Page Left", "Copy selected text"):
            assert generic not in here
        await press(pilot, "escape", "escape", "escape", "escape")
        await press(pilot, "ctrl+p")
        await type_text(pilot, desk["problem"].ref)
        await press(pilot, "enter")
        await press(pilot, "question_mark")
        here = _here(help_text(app.screen))
        assert "Here: Problem" in here
        assert "Known errors" not in here and "Major" not in here  # incident keys only


async def test_help_explains_each_marker_once(make_app, desk):
    from sms_tui.ui.screens.help import MARKERS

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        text = help_text(app.screen)
    assert "Markers" in text
    marks = [mark for mark, _ in MARKERS]
    assert len(marks) == len(set(marks))
    assert [m for m in marks if m.startswith("!")] == ["!"]  # one meaning for '!'


async def test_help_opened_again_elsewhere_shows_that_screens_keys_from_the_top(make_app, desk):
    """The help is built once and refilled (issue 20): what it shows is always about the
    screen it was opened over."""

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        first = app.screen
        assert "Here: Queues" in screen_text(app)
        await press(pilot, "pagedown", "pagedown")
        await press(pilot, "escape", "enter")  # close it, open a record
        await press(pilot, "question_mark")
        assert app.screen is first, "the help was built again instead of refilled"
        shown = screen_text(app)
        assert "Here: Incident" in shown and "Here: Queues" not in shown
        assert "sms-tui keys" in shown  # from the top, not where it was scrolled to
