"""The known error database on screen: the search, and applying a workaround to an incident."""

from __future__ import annotations

import pytest

from sms_tui.ui.screens.incident import IncidentScreen
from sms_tui.ui.screens.known_error_search import KnownErrorSearchScreen

from .conftest import SMALL, press, screen_text, settle, slow_down, type_text


@pytest.fixture
def kedb(records):
    """Three known errors, two about Outlook, and an incident that looks like one of them."""
    made = {
        "proxy": records.create("known_error", title="Outlook disconnects behind the proxy",
                                symptoms="Outlook shows Disconnected every hour",
                                workaround="Use webmail until the proxy is fixed").ref,
        "addin": records.create("known_error", title="Outlook hangs at the splash screen",
                                symptoms="Frozen on start", workaround="Start it with /safe").ref,
        "printer": records.create("known_error", title="Printer jams on thick paper",
                                  workaround="Use tray 2").ref,
    }
    made["incident"] = records.create("incident", title="Outlook disconnected all morning").ref
    return made


def test_the_known_error_search_ranks_matches(snap_compare, make_app, kedb):
    async def search(pilot):
        await settle(pilot)
        await press(pilot, "4", "K")
        await type_text(pilot, "outlook disconnected")
        await press(pilot, "enter")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=search)


async def test_an_incident_detail_proposes_matching_known_errors(make_app, kedb):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter")
        assert isinstance(app.screen, IncidentScreen)
        text = screen_text(app)
        assert "May match a known error" in text and kedb["proxy"] in text


async def test_a_workaround_is_applied_from_the_incident_and_journaled_on_both(make_app, kedb, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter", "K")
        assert isinstance(app.screen, KnownErrorSearchScreen)
        assert kedb["proxy"] in screen_text(app)  # the incident's own words are the query
        await press(pilot, "w")  # the cursor is on the results: apply the best match
        assert isinstance(app.screen, IncidentScreen)
    incident = records.get(kedb["incident"]).journal[0]
    assert (incident.action, incident.changes["known_error"]) == ("workaround", (None, kedb["proxy"]))
    assert records.get(kedb["proxy"]).journal[0].action == "workaround_applied"


async def test_a_hostile_known_error_title_is_shown_as_typed(make_app, records):
    records.create("known_error", title="[bold]Outlook[/] [@click=app.quit]x[/] \x1b]0;pwned\x07",
                   workaround="[/")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "4", "K")
        await type_text(pilot, "outlook")
        await press(pilot, "enter")
        text = screen_text(app)
        assert "[bold]Outlook[/] [@click=app.quit]x[/]" in text
        assert "\x1b" not in text


async def test_the_incident_form_searches_known_errors_with_the_title_typed_so_far(make_app, kedb):
    from sms_tui.ui.screens.form import RecordForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "n")
        assert isinstance(app.screen, RecordForm)
        await type_text(pilot, "outlook disconnects")
        await press(pilot, "f3")
        assert isinstance(app.screen, KnownErrorSearchScreen)
        text = screen_text(app)
        assert kedb["proxy"] in text and kedb["printer"] not in text
        await press(pilot, "escape")  # the cursor is on the results: Esc leaves the search
        assert isinstance(app.screen, RecordForm)  # back to the form, nothing lost
        assert "outlook disconnects" in app.screen.query_one("#f-title").value


async def test_k_starts_on_the_results_so_w_applies_and_slash_reaches_the_search(make_app, kedb,
                                                                                  records):
    from textual.widgets import Input, OptionList

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter", "K")
        assert isinstance(app.focused, OptionList)
        await press(pilot, "slash")
        assert isinstance(app.focused, Input)
        await type_text(pilot, " proxy")
        await press(pilot, "enter")  # back on the results
        assert isinstance(app.focused, OptionList)
        await press(pilot, "w")
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.view.ref == kedb["incident"]
    assert records.get(kedb["incident"]).journal[0].action == "workaround"


async def test_words_typed_right_after_k_search_for_them(make_app, kedb):
    """K then "proxy" typed at once: the letters went to the results' keys and were lost."""
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter", "K")
        await type_text(pilot, "proxy")
        assert isinstance(app.focused, Input) and app.focused.value == "proxy"
        await press(pilot, "down")  # to the results, as Enter does
        await settle(pilot)
        assert app.screen.search_text == "proxy" and app.screen.hits
        assert not isinstance(app.focused, Input)


async def test_f3_on_a_new_incident_picks_a_workaround_applied_when_it_is_saved(make_app, kedb,
                                                                                records):
    from sms_tui.ui.screens.form import RecordForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "n")
        await type_text(pilot, "outlook disconnects")
        await press(pilot, "f3")
        assert isinstance(app.screen, KnownErrorSearchScreen)
        await press(pilot, "w")
        assert isinstance(app.screen, RecordForm)
        assert f"workaround from {kedb['proxy']} applied on save" in screen_text(app)
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, RecordForm)
    entry = records.get("INC-000002").journal[0]  # the incident just recorded
    assert (entry.action, entry.changes["known_error"]) == ("workaround", (None, kedb["proxy"]))
    assert records.get(kedb["proxy"]).journal[0].action == "workaround_applied"


async def test_w_pressed_with_k_waits_for_the_matches_and_applies_the_first(
        make_app, kedb, records, monkeypatch):
    """`K w` in one burst: w came before the matches were read (a slow desk) and did nothing."""
    from sms_tui.services.problems.service import ProblemService

    slow_down(monkeypatch, ProblemService, "suggest_for_incident", 0.4)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("K", "w")
        await settle(pilot)
    applied = [e for e in records.get(kedb["incident"]).journal if kedb["proxy"] in str(e.changes)
               or kedb["proxy"] in (e.note or "")]
    assert applied, "w did not apply the first match's workaround"
