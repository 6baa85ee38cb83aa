"""Cut titles, never references; wrap notes and labels (issue 13, item 13)."""

from __future__ import annotations

from datetime import UTC, datetime

from sms_tui.services.reviews.service import ReviewService, raise_event_review_in
from sms_tui.ui.screens.reviews_detail import ReviewScreen, split_evidence

from .conftest import SMALL, press, screen_text, settle

LONG = "Effectiveness review of the emergency firewall rule change for the payroll cutover"


async def test_review_queue_cuts_the_title_and_keeps_the_reference(make_app, store, records, clock):
    change = records.create("change", title="Open payroll port", change_type="emergency")
    with store.write() as session:
        raise_event_review_in(session, activity="change_effectiveness_review", source_ref=change.ref,
                              title=f"{LONG} ({change.ref})", clause="8.5.1.3",
                              due=datetime(2030, 5, 20, tzinfo=UTC), now=clock(), actor="tester")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        narrow = next(line for line in screen_text(app).splitlines() if "REV-000001" in line)
    async with make_app().run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        wide = next(line for line in screen_text(pilot.app).splitlines() if "REV-000001" in line)
    assert f"… {change.ref}" in narrow  # the reference survives the cut, even at 80 columns
    assert f"Effectiveness review of the… {change.ref}" in wide  # cut between words


async def test_field_labels_are_never_cut(make_app, records):
    change = records.create("change", title="Replace the core switch", risk_likelihood=3,
                            risk_impact=4, backout_plan="Put the old switch back.")
    app = make_app()
    async with app.run_test(size=(80, 80)) as pilot:
        await settle(pilot)
        await press(pilot, "5", "enter")
        text = screen_text(app)
    assert change.ref in text
    assert "Risk likelihood" in text and "likelih…" not in text


def test_evidence_notes_are_split_from_the_tables_to_be_wrapped():
    tables, notes = split_evidence("Period: March\n\n  A  1\n\nNote: attach the supplier's own "
                                   "report in the outcome.")
    assert tables == "Period: March\n\n  A  1"
    assert notes == "Note: attach the supplier's own report in the outcome."


async def test_a_review_wraps_its_evidence_notes_at_80_columns(make_app, store, clock):
    service = ReviewService(store)
    service.ensure_schedules()
    clock.set(datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    service.update_schedule("supplier_performance", next_due=datetime(2026, 3, 10, tzinfo=UTC))
    service.raise_due()
    ref = next(r.ref for r in service.list_reviews(limit=None) if r.activity == "supplier_performance")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(ReviewScreen(ref))
        await settle(pilot)
        app.screen.query_one("#review-evidence-notes").scroll_visible(animate=False)
        await settle(pilot)
        text = " ".join(line.strip() for line in screen_text(app).splitlines())
    assert "the agreed ones" in text  # the end of the note is on screen, not cut off
