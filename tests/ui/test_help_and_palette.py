"""Every key is listed in the help and reachable by name from the command palette."""

from __future__ import annotations

import io

from rich.console import Console

from sms_tui.ui.screens.detail import RecordScreen
from sms_tui.ui.screens.escalate_dialog import EscalateDialog
from sms_tui.ui.screens.help import HelpScreen, bindings_of
from sms_tui.ui.screens.queue import QueueScreen

from .conftest import SMALL, press, settle, type_text


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

    from .conftest import screen_text

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
