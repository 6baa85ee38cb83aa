"""Problem candidates from incident trends on screen: the queue line, the list, accept, dismiss."""

from __future__ import annotations

import pytest

from sms_tui.ui.screens.problem_candidates import ProblemCandidatesScreen

from .conftest import SMALL, press, screen_text, settle, type_text


@pytest.fixture
def trend(store, records, clock):
    """Three incidents on mail within hours (a candidate), two on web (not yet one)."""
    from sms_tui.services.configuration.catalogue import CatalogueService

    catalogue = CatalogueService(store)
    catalogue.add_service("mail")
    catalogue.add_service("web")
    refs = []
    for i in range(3):
        refs.append(records.create("incident", title=f"Outlook disconnected {i}", service="mail").ref)
        clock.advance(hours=3)
    for i in range(2):
        records.create("incident", title=f"Intranet slow {i}", service="web")
    return refs


def test_the_problem_candidates_list(snap_compare, make_app, trend):
    async def open_candidates(pilot):
        await settle(pilot)
        await press(pilot, "3", "P")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=open_candidates)


async def test_the_problem_queue_says_how_many_candidates_wait(make_app, trend):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        assert "1 problem candidate from incident trends" in screen_text(app)


async def test_accepting_raises_the_problem_with_its_incidents_and_opens_it(make_app, trend, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "3", "P", "a")
        problem = app.screen.view
        assert problem.ref == "PRB-000001"
        assert sorted(link.ref for link in problem.links) == trend
        await press(pilot, "escape", "escape")
        assert "problem candidate" not in screen_text(app)
    assert records.get(trend[0]).links[0].ref == "PRB-000001"


async def test_a_dismissed_candidate_leaves_the_list_with_its_reason_kept(make_app, trend, store):
    from sms_tui.services.problems.service import ProblemService

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "3", "P", "d")
        await type_text(pilot, "mail server was being moved")
        await press(pilot, "enter")
        assert isinstance(app.screen, ProblemCandidatesScreen)
        assert "No candidates" in screen_text(app)
    assert ProblemService(store).dismissals()[0].reason == "mail server was being moved"
