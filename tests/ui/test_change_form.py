"""The change form as an analyst meets it at 80×24: where the focus goes, what it offers to
edit, and in which order it asks for the RFC."""

from __future__ import annotations

import pytest

from sms_tui.ui.screens.change_detail import ChangeScreen
from sms_tui.ui.screens.form import RecordForm

from .conftest import SMALL, press, settle


@pytest.fixture
def changes(store):
    from sms_tui.services.changes.service import ChangeService

    return ChangeService(store)


async def _edit_form(app, pilot, ref: str) -> RecordForm:
    app.push_screen(ChangeScreen(ref))
    await settle(pilot)
    await press(pilot, "e")
    assert isinstance(app.screen, RecordForm)
    return app.screen


async def test_every_focus_stop_of_the_form_is_a_field_and_shift_tab_from_the_title_wraps_to_the_last(
        make_app, changes):
    """Shift+Tab from the title landed on the form's scrolling body: nothing visible had the
    focus, and the next key went nowhere."""
    ref = changes.create(title="Replace the VPN concentrator", backout_plan="Swap it back").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        form = await _edit_form(app, pilot, ref)
        assert [w.id for w in form.focus_chain if not (w.id or "").startswith("f-")] == []
        assert app.focused.id == "f-title"
        await press(pilot, "shift+tab")
        assert app.focused is form.focus_chain[-1] and app.focused.id.startswith("f-")
