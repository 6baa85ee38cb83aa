"""A problem on screen: its root cause analysis, the known error in one step, resolution via RFC."""

from __future__ import annotations

import pytest

from sms_tui.ui.screens.problem_detail import ProblemScreen

from .conftest import SMALL, press, screen_text, settle, type_text


@pytest.fixture
def problem(store, records):
    from sms_tui.services.problems.service import ProblemService

    ref = records.create("problem", title="Mail drops connections every hour").ref
    ProblemService(store).record_rca(ref, root_cause="Proxy closes idle TLS sessions",
                                     method="5 whys", workaround="Use webmail")
    return ref


async def test_k_records_the_known_error_from_the_problem(make_app, problem, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "3", "enter")
        assert isinstance(app.screen, ProblemScreen)
        assert "K records the known error" in screen_text(app)
        await press(pilot, "K")
        assert app.screen.view.status == "known_error"
        assert "Known error KE-000001" in screen_text(app)
    assert records.get("KE-000001").extra["workaround"] == "Use webmail"


async def test_k_says_why_it_cannot_record_a_known_error(make_app, problem, records):
    # K did nothing at all on a problem with an open known error, or without an analysis
    bare = records.create("problem", title="Printer offline").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "3", "enter", "K")
        assert app.screen.view.ref == problem and app.screen.view.status == "known_error"
        await press(pilot, "K")
        told = [n.message for n in app._notifications]
        assert f"{problem} has an open known error already: KE-000001" in told
        await press(pilot, "escape", "down", "enter")
        assert app.screen.view.ref == bare
        await press(pilot, "K")
        told = [n.message for n in app._notifications]
        assert any(m.startswith(f"{bare} has no root cause or workaround recorded") for m in told)
    assert [e.action for e in records.get(bare).journal] == ["create"]


async def test_resolving_a_fix_that_needs_a_change_raises_the_rfc(make_app, problem, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "3", "enter", "v")
        await type_text(pilot, "Raise the proxy idle timeout")
        await press(pilot, "tab", "y", "enter")
        assert isinstance(app.screen, ProblemScreen)
        assert app.screen.view.status == "investigating"  # resolved when CHG-000001 is implemented
        assert "CHG-000001" in [link.ref for link in app.screen.view.links]
    assert "Raise the proxy idle timeout" in records.get("CHG-000001").extra["reason"]
