"""Working a queue: it pages from the database, filters, searches and follows changes."""

from __future__ import annotations

from sms_tui.ui.screens.queue import QueueScreen
from sms_tui.ui.widgets.queue_table import QueueTable

from .conftest import SMALL, settle


def refs_on_screen(app) -> list[str]:
    table = app.screen.query_one(QueueTable)
    return [table._row(i).ref for i in range(table.total or 0) if table._row(i)]


async def test_queue_opens_on_incidents_ordered_by_priority_then_age(make_app, desk):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert refs_on_screen(app) == [desk[k].ref for k in ("vpn", "payroll", "laptop", "markup", "printer")]
        assert app.screen.query_one(QueueTable).current_row.ref == desk["vpn"].ref
