"""The flows a new analyst walks on day one, driven by keys only."""

from __future__ import annotations

from sms_tui.ui.screens.detail import RecordScreen
from sms_tui.ui.screens.form import RecordForm
from sms_tui.ui.screens.queue import QueueScreen
from sms_tui.ui.widgets.queue_table import QueueTable

from .conftest import SMALL, press, screen_text, settle, type_text


async def test_new_incident_from_the_queue_shows_its_priority_live_and_after_saving(make_app, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert isinstance(app.screen, RecordForm)
        await type_text(pilot, "Mail is down for everyone")
        assert "P3 Moderate" in screen_text(app)  # medium/medium until chosen
        await press(pilot, "tab", "h", "tab", "h")
        assert "P1 Critical" in screen_text(app)
        await press(pilot, "ctrl+s")

        assert isinstance(app.screen, RecordScreen)
        assert app.screen.view.priority == 1
        assert "P1 Critical" in screen_text(app)
        ref = app.screen.ref
    saved = records.get(ref)
    assert (saved.title, saved.impact, saved.urgency, saved.priority) == (
        "Mail is down for everyone", "high", "high", 1)


async def test_note_resolve_close_then_find_it_again_by_search(make_app, records):
    incident = records.create("incident", title="Scanner on floor 3 offline", impact="low", urgency="low")
    records.create("incident", title="Something else entirely")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "/")
        await type_text(pilot, "scanner")
        await press(pilot, "enter", "enter")  # apply the search, open the only match
        assert isinstance(app.screen, RecordScreen) and app.screen.ref == incident.ref

        await press(pilot, "c")
        await type_text(pilot, "Power cycled it; works again.")
        await press(pilot, "ctrl+s")
        assert app.screen.view.journal[0].note == "Power cycled it; works again."
        await press(pilot, "end")  # the journal is below the fields at 80×24
        assert "Power cycled it; works again." in screen_text(app)

        await press(pilot, "t")
        await press(pilot, "down", "down")  # in progress, on hold, resolved
        await press(pilot, "enter")
        assert app.screen.view.status == "resolved"
        await press(pilot, "t", "enter")  # closed comes first from resolved
        assert app.screen.view.status == "closed"
        await press(pilot, "home")
        assert "closed is final" in screen_text(app)

        await press(pilot, "escape")  # back to the queue, which shows open records only
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(QueueTable)
        assert table.total == 0  # the search is still on, and the scanner is closed
        await press(pilot, "o")  # open/all
        assert table.total == 1 and table.current_row.ref == incident.ref
        assert 'all · text "scanner"' in screen_text(app)

    journal = records.get(incident.ref).journal
    assert [e.action for e in journal][:3] == ["transition", "transition", "note"]
    assert journal[2].note == "Power cycled it; works again."


async def test_problem_with_two_linked_incidents_seen_from_both_sides(make_app, records):
    first = records.create("incident", title="VPN dropped at 09:00")
    second = records.create("incident", title="VPN dropped at 11:00")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "3", "n")
        await type_text(pilot, "VPN concentrator drops sessions")
        await press(pilot, "ctrl+s")
        problem_ref = app.screen.ref
        assert problem_ref.startswith("PRB-")

        for incident in (first, second):
            await press(pilot, "l")
            await type_text(pilot, incident.ref.lower().replace("-0000", "-"))  # inc-1 works too
            await press(pilot, "enter")
        assert [link.ref for link in app.screen.view.links] == [first.ref, second.ref]
        await press(pilot, "g")  # to the links
        text = screen_text(app)
        assert first.ref in text and second.ref in text

        await press(pilot, "down", "enter")  # follow the second link with the keyboard
        assert isinstance(app.screen, RecordScreen) and app.screen.ref == second.ref
        assert [(link.relation, link.ref) for link in app.screen.view.links] == [("problem", problem_ref)]


async def test_change_moves_through_its_whole_lifecycle(make_app, store):
    from sms_tui.services.changes.service import ChangeService
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.reviews.service import ReviewService

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "5", "n")
        await type_text(pilot, "Upgrade the mail server")
        form = app.screen
        form.query_one("#f-backout_plan").text = "Restore last night's snapshot."
        form.query_one("#f-change_type").value = "standard"  # pre-approved by the change policy
        # verified and its back-out tested before deployment (8.5.1.3): standard changes too
        form.query_one("#f-verification_results").text = "Checked on staging."
        form.query_one("#f-backout_tested").value = "yes"
        form.query_one("#f-planned_start").value = "2026-03-05 20:00"
        form.query_one("#f-planned_end").value = "2026-03-05 22:00"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RecordScreen)
        ref = app.screen.ref
        assert app.screen.view.status == "approved"

        async def move_to(status: str) -> None:
            await press(pilot, "t")
            targets = app.screen.query_one("#targets")
            ids = [targets.get_option_at_index(i).id for i in range(targets.option_count)]
            assert status in ids, f"{status} not offered: {ids}"
            targets.highlighted = ids.index(status)
            await press(pilot, "enter")
            assert isinstance(app.screen, RecordScreen), screen_text(app)
            assert app.screen.view.status == status

        await move_to("scheduled")
        await move_to("implementing")
        # The outcome is recorded by the change workflow (CLI: changes outcome), which moves
        # the change to review; the open detail follows without a restart.
        ChangeService(store).record_outcome(ref, "successful")
        app.check_for_changes()
        await settle(pilot)
        assert app.screen.view.status == "review"

        # Closing waits for the effectiveness review: refused in place, the dialog stays open.
        await press(pilot, "t", "enter")
        assert "effectiveness review" in screen_text(app)
        await press(pilot, "escape")
        reviews = ReviewService(store)
        (review,) = [r for r in reviews.list_reviews(open_only=True) if r.source_ref == ref]
        reviews.tick(review.ref, all_items=True)
        reviews.complete(review.ref, "Mail flows; no incidents since.")
        app.check_for_changes()
        await settle(pilot)
        assert app.screen.view.status == "review", "closing is the analyst's step"
        await move_to("closed")
    assert RecordService(store).get(ref).status == "closed"
