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


def _implemented(changes, outcome: str | None = None) -> str:
    """A normal change under way (or, with ``outcome``, implemented and in review)."""
    ref = changes.create(title="Replace the VPN concentrator", backout_plan="Swap it back",
                         implementation_plan="Rack the new unit, move the cables",
                         verification_results="Config diffed", backout_tested="yes").ref
    changes.assess(ref, likelihood=2, impact=2)
    changes.approve(ref, "CAB agreed", approver="cab")
    changes.start(ref)
    if outcome:
        changes.record_outcome(ref, outcome)
    return ref


async def test_the_outcome_is_shown_in_the_form_not_offered_to_edit(make_app, changes):
    """The outcome picker took a choice that the save then refused: it is recorded by o on
    the change (as the status dialog says), and the form shows it, read-only."""
    ref = _implemented(changes, "successful")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        form = await _edit_form(app, pilot, ref)
        assert "f-outcome" not in [w.id for w in form.focus_chain]
        row = form.query_one("#row-outcome")
        assert "successful" in str(row.query_one("#f-outcome").render())
        form.query_one("#f-test_results").text = "All green"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ChangeScreen), "the edit was refused"
        view = app.backend.records.get(ref)
        assert (view.extra["test_results"], view.extra["outcome"]) == ("All green", "successful")


async def test_before_the_outcome_the_form_says_how_it_is_recorded(make_app, changes):
    ref = _implemented(changes)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        form = await _edit_form(app, pilot, ref)
        shown = str(form.query_one("#f-outcome").render())
        assert "not recorded yet" in shown and "o on the change" in shown
        await press(pilot, "ctrl+s")  # nothing changed: nothing to refuse either
        assert isinstance(app.screen, ChangeScreen)


@pytest.mark.parametrize("editing", [False, True])
def test_the_plans_follow_the_description_before_risk_cost_and_impacts(editing):
    """The plans came after cost and six impacts, 70 lines down the form: an RFC says what,
    why and how (with its test and back-out) before what it costs and touches."""
    from sms_tui.domain.kinds import EXTRA_FIELDS, Kind
    from sms_tui.ui.screens.form_fields import specs_for

    names = [s.name for s in specs_for("change", editing, EXTRA_FIELDS[Kind.CHANGE])]
    plans = ["reason", "implementation_plan", "test_plan", "backout_plan"]
    at = names.index("description")
    assert names[at + 1:at + 1 + len(["change_type", "service_change", *plans])] == \
        ["change_type", "service_change", *plans]
    later = [n for n in names if n.startswith(("impact_", "risk_")) or n in ("cost", "business_benefit")]
    assert later and min(map(names.index, later)) > names.index("backout_plan")
    # every field of the record is still asked for, once
    wanted = {n for n in EXTRA_FIELDS[Kind.CHANGE] if editing or n != "outcome"}
    assert sorted(n for n in names if n in EXTRA_FIELDS[Kind.CHANGE]) == sorted(wanted)


async def test_the_form_does_not_rewrite_a_standard_change_after_its_pre_approval(make_app, changes):
    """Its title and plans were saved over after the approval with no new decision: the form
    says so in one line, names the key that withdraws the approval, and writes nothing."""
    ref = changes.create(title="Renew the TLS certificate", change_type="standard",
                         implementation_plan="Install the new certificate, reload").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        form = await _edit_form(app, pilot, ref)
        form.query_one("#f-implementation_plan").text = "Also move the site to a new host"
        await press(pilot, "ctrl+s")
        assert app.screen is form
        shown = str(form.query_one("#form-error").render())
        assert f"{ref} is approved: its pre-approval as a standard change covers its " \
               "implementation plan as raised" in shown and "t → assessing withdraws it" in shown
        assert app.backend.records.get(ref).extra["implementation_plan"] == \
            "Install the new certificate, reload"
