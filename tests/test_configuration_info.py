"""Configuration information (8.2.6): CI types from the config, the records a CI or service
has been through, and the verification review comparing CIs with what changes recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sms_tui.domain.configuration import DEFAULT_CI_TYPES, ci_types_from_config
from sms_tui.domain.errors import ConfigError, ValidationError
from sms_tui.services.changes.service import ChangeService
from sms_tui.services.configuration.catalogue import CatalogueService
from sms_tui.services.reviews.evidence import evidence_for_period, render_text

from .cli_helpers import Cli
from .incident_helpers import Desk


@pytest.fixture
def desk(tmp_path, clock):
    d = Desk(tmp_path, clock)
    d.catalogue = CatalogueService(d.store)
    yield d
    d.close()


def test_the_default_ci_types_are_a_fixed_set_and_others_are_refused(desk):
    assert "service" in DEFAULT_CI_TYPES and "server" in DEFAULT_CI_TYPES
    assert desk.catalogue.add_ci("db-1", ci_type="Database").ci_type == "database"
    with pytest.raises(ValidationError, match="unknown CI type 'toaster': use one of server"):
        desk.catalogue.add_ci("t-1", ci_type="toaster")
    assert [c.name for c in desk.catalogue.list_cis()] == ["db-1"]


def test_the_config_defines_the_ci_types(tmp_path, clock):
    desk = Desk(tmp_path, clock, """
        [configuration]
        ci_types = ["server", "toaster"]
        [changes.control]
        ci_types = []
        services = []
        """)
    try:
        catalogue = CatalogueService(desk.store)
        assert catalogue.add_ci("t-1", ci_type="toaster").ci_type == "toaster"
        with pytest.raises(ValidationError, match="unknown CI type 'database'"):
            catalogue.add_ci("db-1", ci_type="database")
        with pytest.raises(ValidationError, match="unknown CI type"):
            catalogue.update_ci("t-1", ci_type="database")
    finally:
        desk.close()


@pytest.mark.parametrize("section", [{"ci_types": []}, {"ci_types": "server"}, {"ci_types": ["a b;"]}])
def test_a_bad_ci_type_list_is_refused_at_start(section):
    with pytest.raises(ConfigError, match="configuration.ci_types"):
        ci_types_from_config(section, "cfg.toml")


def test_ci_and_service_show_the_records_recorded_against_them(desk):
    desk.catalogue.add_service("Payroll")
    desk.catalogue.add_ci("app-payroll", ci_type="application", service="Payroll")
    inc = desk.records.create("incident", title="Payroll slow", ci="app-payroll").ref
    prb = desk.records.create("problem", title="Payroll leaks memory", service="Payroll").ref
    chg = ChangeService(desk.store).create(title="Patch payroll", cis=["app-payroll"]).ref
    on_ci = {(link.relation, link.ref) for link in desk.catalogue.linked_records("app-payroll", ci=True)}
    assert on_ci == {("incident", inc), ("change", chg)}
    on_service = {(link.relation, link.ref) for link in desk.catalogue.linked_records("Payroll")}
    assert ("problem", prb) in on_service


def test_the_verification_review_compares_cis_with_what_changes_recorded(tmp_path, clock):
    desk = Desk(tmp_path, clock, """
        [changes.control]
        ci_types = ["application"]
        services = []
        """)
    try:
        catalogue, changes = CatalogueService(desk.store), ChangeService(desk.store)
        start = clock()
        catalogue.add_ci("app-1", ci_type="application")
        catalogue.add_ci("app-2", ci_type="application")
        catalogue.add_ci("srv-1")
        catalogue.update_ci("srv-1", description="moved rack")  # not controlled: no change named
        ref = changes.create(title="Upgrade", change_type="standard", cis=["app-1", "app-2"],
                             verification_results="ok", backout_tested="yes").ref
        changes.start(ref)
        catalogue.update_ci("app-1", description="v2", change=ref)  # app-2 never updated
        changes.record_outcome(ref, "successful")
        clock.advance(hours=1)
        with desk.store.read() as session:
            evidence = evidence_for_period(session, "config_verification", start,
                                           clock() + timedelta(hours=1), clock())
        text = render_text(evidence)
        assert "CI updates in the period with no change named" in text
        assert "srv-1" in text and "moved rack" not in text  # what changed, not the user's text
        rows = next(t for t in evidence["tables"] if t["title"].startswith("Changes implemented"))["rows"]
        assert rows == [[ref, "app-2"]]
    finally:
        desk.close()


def test_cli_ci_show_lists_records_and_refuses_unknown_types(tmp_path):
    cli = Cli(tmp_path / "desk.db")
    cli.ok("ci", "add", "app-payroll", "--type", "application")
    cli.ok("new", "incident", "--title", "Payroll slow", "--ci", "app-payroll")
    assert "incident: INC-000001 [new] Payroll slow" in cli.ok("ci", "show", "app-payroll")
    bad = cli("ci", "add", "x", "--type", "toaster")
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1
