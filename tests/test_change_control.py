"""Change control that holds (8.5.1.1, 8.5.1.2), service proposals (8.5.2), starting outside
the window (8.5.1.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sms_tui.domain.errors import ValidationError
from sms_tui.services.changes.service import ChangeService
from sms_tui.services.configuration.catalogue import CatalogueService

from .cli_helpers import Cli, dump
from .incident_helpers import Desk


@pytest.fixture
def desk(tmp_path, clock):
    d = Desk(tmp_path, clock)
    d.catalogue = CatalogueService(d.store)
    d.changes = ChangeService(d.store)
    d.catalogue.add_service("Payroll", criticality="high")
    d.catalogue.add_ci("app-payroll", ci_type="application", service="Payroll")
    d.catalogue.add_ci("srv-app-01")
    yield d
    d.close()


def _approved_change(desk, **targets) -> str:
    return desk.changes.create(title="Upgrade payroll", change_type="standard",
                               verification_results="checked", backout_tested="yes", **targets).ref


# ------------------------------------------------------------------ refused without a change
def test_a_controlled_ci_is_not_edited_without_a_change_and_nothing_is_written(desk, tmp_path):
    before = dump(tmp_path / "desk.db")
    with pytest.raises(ValidationError) as err:
        desk.catalogue.update_ci("app-payroll", description="v2")
    assert "under change control ([changes.control] ci_types = everything)" in str(err.value)
    from sms_tui.cli.common import error_message as cli_message
    from sms_tui.ui.hints import error_message as tui_message

    assert "--change CHG-" in cli_message(err.value) and "\n" not in cli_message(err.value)
    assert "--change" not in tui_message(err.value) and "Change field" in tui_message(err.value)
    assert dump(tmp_path / "desk.db") == before


@pytest.mark.parametrize("write", [
    lambda c, ch: c.relate("app-payroll", "srv-app-01", change=ch),
    lambda c, ch: c.update_service("Payroll", criticality="low", change=ch),
    lambda c, ch: c.update_ci("app-payroll", status="retired", change=ch),
])
def test_every_configuration_write_needs_the_change(desk, write):
    with pytest.raises(ValidationError, match="under change control"):
        write(desk.catalogue, None)


def test_a_change_not_yet_approved_does_not_authorise(desk):
    ref = desk.changes.create(title="Upgrade payroll", cis=["app-payroll"]).ref  # normal: new
    with pytest.raises(ValidationError, match=f"{ref} is new; a change authorises"):
        desk.catalogue.update_ci("app-payroll", description="v2", change=ref)


def test_a_change_that_does_not_list_the_ci_does_not_authorise(desk):
    ref = _approved_change(desk, cis=["srv-app-01"])
    with pytest.raises(ValidationError, match=f"{ref} does not list configuration item 'app-payroll'"
                       ) as refused:
        desk.catalogue.update_ci("app-payroll", description="v2", change=ref)
    from sms_tui.cli.common import error_message as cli_message
    from sms_tui.ui.hints import error_message as tui_message

    assert f"sms-tui changes targets {ref}" in cli_message(refused.value)
    assert "sms-tui" not in tui_message(refused.value) and f"T on {ref}" in tui_message(refused.value)


@pytest.mark.parametrize("bad", ["INC-000001", "CHG-000099", "nonsense", "\x1b[2J"])
def test_a_change_reference_that_is_not_one_is_refused(desk, bad):
    desk.records.create("incident", title="i")
    with pytest.raises(Exception) as err:
        desk.catalogue.update_ci("app-payroll", description="v2", change=bad)
    assert "\n" not in str(err.value) and "\x1b" not in str(err.value)


# ------------------------------------------------------------------ with a change
def test_with_an_authorising_change_both_journals_name_each_other(desk):
    ref = _approved_change(desk, cis=["app-payroll"])
    desk.catalogue.update_ci("app-payroll", description="v2", change=ref)
    entry = desk.catalogue.history("app-payroll", ci=True)[0]
    assert entry.changes["change"][1] == ref and entry.changes["description"][1] == "v2"
    on_change = next(e for e in desk.records.get(ref).journal if e.action == "configuration_update")
    assert on_change.changes["ci"][1] == "app-payroll" and "description" in on_change.note


def test_a_service_listed_by_the_change_can_be_edited_under_it(desk):
    ref = _approved_change(desk, services=["Payroll"])
    assert desk.catalogue.update_service("Payroll", criticality="low", change=ref).criticality == "low"
    assert desk.catalogue.history("Payroll")[0].changes["change"][1] == ref


def test_what_the_policy_leaves_out_is_edited_freely(tmp_path, clock):
    desk = Desk(tmp_path, clock, """
        [changes.control]
        services = ["Payroll"]
        ci_types = ["database"]
        """)
    try:
        catalogue = CatalogueService(desk.store)
        catalogue.add_service("Payroll")
        catalogue.add_ci("printer-1", ci_type="printer")
        catalogue.add_ci("db-1", ci_type="database")
        catalogue.add_ci("app-1", ci_type="application", service="Payroll")
        assert catalogue.update_ci("printer-1", description="floor 2").description == "floor 2"
        for name in ("db-1", "app-1"):  # by type, and by its service
            with pytest.raises(ValidationError, match="under change control"):
                catalogue.update_ci(name, description="x")
    finally:
        desk.close()


# ------------------------------------------------------------------ service proposals (8.5.2)
@pytest.mark.parametrize("kind", ["add_service", "remove_service", "transfer_service"])
def test_service_proposals_are_always_major_impact(desk, kind):
    detail = desk.changes.create(title="Proposal", service_change=kind)
    assert detail.major_impact
    assert "service design and transition" in detail.major_impact_reasons[0]
    assert desk.records.get(detail.ref).extra["service_change"] == kind


def test_an_unknown_service_change_type_is_refused(desk):
    with pytest.raises(ValidationError, match="unknown service change 'delete_service'"):
        desk.changes.create(title="Proposal", service_change="delete_service")


# ------------------------------------------------------------------ window
def test_starting_before_the_window_warns_and_is_journaled(desk, clock):
    ref = _approved_change(desk, cis=["app-payroll"])
    start = clock() + timedelta(days=2)
    desk.changes.schedule(ref, start, start + timedelta(hours=2))
    detail = desk.changes.start(ref)
    assert "started before its planned window" in detail.warnings[0]
    assert "window_warning" in desk.actions(ref)


def test_starting_inside_the_window_says_nothing(desk, clock):
    ref = _approved_change(desk)
    desk.changes.schedule(ref, clock() + timedelta(hours=1), clock() + timedelta(hours=3))
    clock.advance(hours=2)
    assert desk.changes.start(ref).warnings == []
    assert "window_warning" not in desk.actions(ref)


# ------------------------------------------------------------------ command line
def test_cli_ci_edit_needs_the_change_and_start_offers_the_ci_updates(tmp_path):
    cli = Cli(tmp_path / "desk.db")
    cli.ok("ci", "add", "app-payroll", "--type", "application")
    refused = cli("ci", "edit", "app-payroll", "--description", "v2")
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1
    assert "[changes.control]" in refused.stderr
    ref = cli.ok("changes", "new", "--title", "Patch", "--type", "standard", "--ci", "app-payroll",
                 "--verification", "checked", "--backout-tested", "yes").strip()
    assert cli.ok("changes", "start", ref) == f"{ref}: implementing\n"  # nothing planned to offer
    assert cli.ok("ci", "edit", "app-payroll", "--description", "v2", "--change", ref) == \
        "CI app-payroll updated\n"
    assert ref in cli.ok("ci", "show", "app-payroll")
    out = cli.ok("changes", "new", "--title", "Retire fax", "--change-type", "remove_service")
    shown = cli.ok("show", out.strip(), "--format", "json")
    assert '"service_change": "remove_service"' in shown and '"major_impact": true' in shown


def test_a_category_given_as_the_service_change_says_where_it_goes(tmp_path):
    """'--change-type standard' (the word the TUI's form uses for the category) was refused
    as an unknown service change, listing add_service...: it now names --type."""
    cli = Cli(tmp_path / "desk.db")
    refused = cli("changes", "new", "--title", "Patch", "--change-type", "standard")
    assert refused.exit_code == 1
    assert "'standard' is a change category: give it with --type standard" in refused.stderr
    ref = cli.ok("changes", "new", "--title", "Retire fax", "--service-change", "remove_service")
    assert '"service_change": "remove_service"' in cli.ok("show", ref.strip(), "--format", "json")
