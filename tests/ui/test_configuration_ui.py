"""Services and CIs in the TUI (issue 18): relationships, impact, linked records; edits under
change control ask for the change like --change; a change being implemented offers its planned
CI updates."""

from __future__ import annotations

import pytest

from sms_tui.ui.screens.change_detail import ChangeScreen
from sms_tui.ui.screens.change_updates_dialog import ApplyUpdatesDialog
from sms_tui.ui.screens.configuration import ConfigurationScreen
from sms_tui.ui.screens.reviews_dialogs import ReviewDialog

from .conftest import SMALL, press, screen_text, settle, type_text
from .test_snapshots import steps


@pytest.fixture
def configuration(store, records):
    from sms_tui.services.changes.service import ChangeService
    from sms_tui.services.configuration.catalogue import CatalogueService
    from sms_tui.services.configuration.ci_graph import CIGraph

    catalogue = CatalogueService(store)
    catalogue.add_service("mail", criticality="high")
    catalogue.add_ci("app-web", ci_type="application")
    catalogue.add_ci("srv-mail-01", service="mail")
    with store.write() as session:  # the default policy controls everything: link it as an import would
        catalogue.relate_in(session, "app-web", "srv-mail-01", "runs_on", now=store.now())
    graph = CIGraph(store)
    incident = records.create("incident", title="Mail [b]slow[/b]", ci="srv-mail-01")
    return {"catalogue": catalogue, "changes": ChangeService(store), "graph": graph,
            "incident": incident.ref}


async def test_the_screen_shows_relationships_impact_and_records_of_a_ci(make_app, configuration):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "G")
        assert isinstance(app.screen, ConfigurationScreen)
        text = screen_text(app)
        assert "1 service, 2 CIs" in text and "[controlled]" in text
        await press(pilot, "down", "down", "enter")  # srv-mail-01
        text = screen_text(app)
        assert "app-web runs_on srv-mail-01" in text
        assert "services: mail" in text and "CIs: app-web" in text
        assert configuration["incident"] in text and "Mail [b]slow[/b]" in text  # literally
        await press(pilot, "tab", "enter")
        assert app.screen.ref == configuration["incident"]


async def test_an_edit_without_the_change_is_refused_naming_the_policy_and_writes_nothing(
        make_app, configuration):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "G", "down", "e")  # app-web: no change lists it
        assert isinstance(app.screen, ReviewDialog)
        await press(pilot, "tab", "tab", "tab")
        await type_text(pilot, "v2")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ReviewDialog)
        error = str(app.screen.query_one("#dialog-error").render())
        assert "under change control ([changes.control]" in error and "pick it in the Change field" in error and "--change" not in error
    assert configuration["catalogue"].get_ci("app-web").description == ""
    assert [e.action for e in configuration["catalogue"].history("app-web", ci=True)] == ["relate", "create"]


async def test_an_edit_under_the_change_offered_is_saved_and_journaled_with_it(make_app, configuration):
    ref = configuration["changes"].create(title="Move app-web", change_type="standard", cis=["app-web"],
                                          verification_results="checked", backout_tested="yes").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "G", "down", "e")
        assert ref in screen_text(app)  # offered in the change picker, chosen
        await press(pilot, "tab", "tab", "tab")
        await type_text(pilot, "v2")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConfigurationScreen)
    assert configuration["catalogue"].get_ci("app-web").description == "v2"
    entry = configuration["catalogue"].history("app-web", ci=True)[0]
    assert tuple(entry.changes["change"]) == (None, ref)


async def test_implementing_a_change_offers_its_planned_ci_updates(make_app, store, configuration):
    from sms_tui.services.changes.ci_updates import ChangeCIUpdates

    ref = configuration["changes"].create(title="Retire app-web", change_type="standard",
                                          cis=["app-web"], verification_results="checked",
                                          backout_tested="yes").ref
    updates = ChangeCIUpdates(store)
    updates.plan(ref, "app-web", status="retired")
    updates.plan(ref, "srv-mail-01", description="mail only")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(ChangeScreen(ref))
        await settle(pilot)
        assert "app-web: status → retired (planned)" in screen_text(app)
        await press(pilot, "t", "down", "enter")  # approved → implementing
        assert isinstance(app.screen, ApplyUpdatesDialog)
        await press(pilot, "down", "space", "enter")  # pick: the first only
        assert isinstance(app.screen, ChangeScreen)
        assert "app-web: status → retired (applied)" in screen_text(app)
        assert "srv-mail-01: description → mail only (planned)" in screen_text(app)
        await press(pilot, "U", "a")  # offered again: apply the rest
        assert "srv-mail-01: description → mail only (applied)" in screen_text(app)
    catalogue = configuration["catalogue"]
    assert catalogue.get_ci("app-web").status == "retired"
    assert catalogue.get_ci("srv-mail-01").description == "mail only"
    assert tuple(catalogue.history("app-web", ci=True)[0].changes["change"]) == (None, ref)


def test_snapshot_the_ci_edit_form_asks_for_the_change(snap_compare, make_app, configuration):
    configuration["changes"].create(title="Move app-web", change_type="standard", cis=["app-web"],
                                    verification_results="checked", backout_tested="yes")
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=steps("G", "down", "enter", "e"))


async def test_a_service_under_change_control_is_renamed_only_under_its_change(make_app, configuration):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "G", "e")  # the service mail: no change lists it yet
        await press(pilot, "tab", "l", "ctrl+s")  # criticality low
        error = str(app.screen.query_one("#dialog-error").render())
        assert "service 'mail' is under change control" in error
        await press(pilot, "escape", "escape")
    assert configuration["catalogue"].get_service("mail").criticality == "high"
    ref = configuration["changes"].create(title="Downgrade mail", change_type="standard",
                                          services=["mail"], verification_results="checked",
                                          backout_tested="yes").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "G", "e", "tab", "l", "ctrl+s")
        assert isinstance(app.screen, ConfigurationScreen)
    assert configuration["catalogue"].get_service("mail").criticality == "low"
    assert tuple(configuration["catalogue"].history("mail")[0].changes["change"]) == (None, ref)


async def test_ci_names_with_markup_and_escapes_are_shown_literally(make_app, store, configuration):
    from .conftest import MARKUP_TITLE

    name = MARKUP_TITLE.replace("\x1b", "").replace("\x07", "")[:90]
    configuration["catalogue"].add_ci(name, description="[b]not bold[/b]")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "G", "down", "enter", "e")
        assert app.is_running
        assert "[@click=app.quit]y[/]" in screen_text(app)
