"""Security incidents in the TUI: the risk beside impact and urgency with the live priority,
the security queue filter, and the handling steps ticked from the keyboard."""

from __future__ import annotations

from sms_tui.ui.screens.form import RecordForm
from sms_tui.ui.screens.security import SecurityScreen

from .conftest import MARKUP_TITLE, SMALL, press, screen_text, settle, type_text


async def test_the_form_shows_the_priority_the_security_risk_gives_as_it_changes(make_app, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "n")
        assert isinstance(app.screen, RecordForm)
        await type_text(pilot, "Phishing mail clicked")
        await press(pilot, "tab", "l", "tab", "l")  # impact low, urgency low
        assert "Priority P5" in screen_text(app)
        await press(pilot, "tab", "h")  # security risk high
        text = screen_text(app)
        assert "Priority P2" in text and "security risk high: at least P2" in text
        await press(pilot, "c")
        assert "Priority P1" in screen_text(app)
        await press(pilot, "ctrl+s")
    [row] = records.list("incident")
    view = records.get(row.ref)
    assert view.priority == 1 and view.extra["security_risk"] == "critical"


async def test_i_filters_the_incident_queue_to_security_incidents(make_app, records):
    records.create("incident", title="Printer jams")
    records.create("incident", title="Odd admin login", security_risk="medium")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1")
        assert "Printer jams" in screen_text(app)
        await press(pilot, "i")
        text = screen_text(app)
        assert "security" in text and "Odd admin login" in text and "Printer jams" not in text
        await press(pilot, "i")
        assert "Printer jams" in screen_text(app)


async def test_handling_steps_are_ticked_from_the_incident_with_i(make_app, records):
    ref = records.create("incident", title=MARKUP_TITLE, security_risk="high").ref
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.action_open_record(ref)
        await settle(pilot)
        await press(pilot, "i")
        assert isinstance(app.screen, SecurityScreen)
        text = screen_text(app)
        assert "Contain" in text and "4 of 4 steps open" in text
        assert "[@click=app.quit]y[/]" in text and "\x1b" not in text
        await press(pilot, "enter")
        assert "3 of 4 steps open" in screen_text(app)
    entry = next(e for e in records.get(ref).journal if e.action == "security_step")
    assert entry.actor == "tester" and entry.changes["step 1"][1] == "done"


async def test_the_steps_follow_a_tick_made_elsewhere_and_a_refused_tick_reads_them_again(
        make_app, records):
    """As the major incident dialog: it showed the steps as they were when it opened, and
    every tick after another analyst's was refused as changed by someone else."""
    from sms_tui.services.incidents.security import SecurityService

    ref = records.create("incident", title="Phishing mail clicked", security_risk="high").ref
    other = SecurityService(records.store)  # another analyst, meanwhile
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.action_open_record(ref)
        await settle(pilot)
        await press(pilot, "i")
        screen = app.screen
        assert isinstance(screen, SecurityScreen)

        other.tick_step(ref, 1)
        app.check_for_changes()  # what the poll (or PostgreSQL's notice) does
        await settle(pilot)
        assert "3 of 4 steps open" in screen_text(app)

        other.tick_step(ref, 2)  # not yet noticed: the next tick is refused...
        await press(pilot, "down", "down", "enter")
        await settle(pilot)
        assert any("changed by someone else" in n.message for n in app._notifications)
        assert "2 of 4 steps open" in screen_text(app)  # ...and the steps are read again
        await press(pilot, "enter")  # step 3, with the version now shown
        await settle(pilot)
        assert "1 of 4 steps open" in screen_text(app)
