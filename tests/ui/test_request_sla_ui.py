"""A request's SLA clocks in the TUI (issue 18): the queue's SLA column, paused on hold,
breached after the check; the detail in words."""

from __future__ import annotations

from sms_tui.services.incidents.sla import SlaService
from sms_tui.services.requests.service import RequestService

from .conftest import SMALL, press, screen_text, settle


async def test_the_request_queue_and_detail_show_the_clock(make_app, store, records, clock):
    requests = RequestService(store)
    late = requests.create("password-reset", title="Locked out").record.ref  # resolve in 4 h
    waiting = requests.create("software-install", title="Visio").record.ref  # 72 h
    clock.advance(hours=1)
    records.transition(waiting, "on_hold", note="waiting for the licence code")
    clock.advance(hours=4)
    SlaService(store).check()
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        text = screen_text(app)
        assert "SLA" in text
        late_line = next(line for line in text.splitlines() if late in line)
        waiting_line = next(line for line in text.splitlines() if waiting in line)
        assert "BREACHED" in late_line and "(2d23h)" in waiting_line  # 71 h left, paused
        await press(pilot, "home", "enter")  # the breached one is first (P2)
        assert "SLA BREACHED" in screen_text(app)


async def test_a_request_on_hold_says_fulfil_by_waits_for_its_clock(make_app, store, records, clock):
    """The first due time stops holding once the clock pauses: the detail says it is paused
    rather than show a time the wait has made wrong."""
    requests = RequestService(store)
    ref = requests.create("software-install", title="Visio").record.ref
    records.transition(ref, "on_hold", note="waiting for the licence code")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter")
        text = screen_text(app)
        assert "Fulfil by paused (the SLA clock stops while it is on hold)" in text
        assert "OVERDUE" not in text
