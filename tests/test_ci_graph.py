"""Services in the relationship graph and impact analysis (8.2.6); ``ci show`` and
``service show`` list the linked records."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import ValidationError
from sms_tui.services.changes.service import ChangeService
from sms_tui.services.configuration.catalogue import CatalogueService
from sms_tui.services.configuration.ci_graph import CIGraph

from .cli_helpers import Cli
from .incident_helpers import Desk

OPEN_POLICY = '[changes.control]\nci_types = ["server"]\nservices = ["Payroll"]\n'


@pytest.fixture
def desk(tmp_path, clock, db_path):
    d = Desk(tmp_path, clock, OPEN_POLICY, db=db_path)
    d.catalogue = CatalogueService(d.store)
    d.graph = CIGraph(d.store)
    d.changes = ChangeService(d.store)
    d.catalogue.add_service("Payroll", criticality="high")
    d.catalogue.add_service("Intranet")
    for name, kind in (("db-01", "database"), ("app-payroll", "application"), ("laptop-1", "workstation")):
        d.catalogue.add_ci(name, ci_type=kind)
    d.catalogue.relate("app-payroll", "db-01")
    yield d
    d.close()


def _authorised(desk) -> str:
    return desk.changes.create(title="Map payroll", change_type="standard", services=["Payroll"],
                               verification_results="checked", backout_tested="yes").ref


def test_a_service_joins_the_graph_and_shows_in_the_cis_relationships(desk):
    desk.graph.relate("Intranet", "app-payroll", "depends_on")
    desk.graph.relate("Intranet", "laptop-1", "used_by")
    shown = [r.describe() for r in desk.catalogue.get_ci("app-payroll").relationships]
    assert "service Intranet depends_on app-payroll" in shown
    assert [r.describe() for r in desk.graph.service_relations("Intranet")] == [
        "service Intranet depends_on app-payroll", "service Intranet used_by laptop-1"]
    journal = desk.catalogue.history("Intranet")
    assert journal[0].action == "relate" and "laptop-1" in journal[0].summary()
    assert desk.catalogue.history("laptop-1", ci=True)[0].action == "relate"


def test_impact_follows_the_graph_through_services(desk):
    desk.graph.relate("Intranet", "app-payroll", "depends_on")
    desk.graph.relate("Intranet", "laptop-1", "used_by")
    impact = desk.graph.impact("db-01")
    assert impact.cis == ["app-payroll", "laptop-1"] and impact.services == ["Intranet"]
    assert desk.graph.impact("laptop-1").cis == []
    assert desk.graph.impact("Intranet", service=True).cis == ["laptop-1"]


def test_a_service_under_change_control_is_linked_only_under_a_change(desk):
    with pytest.raises(ValidationError, match=r"service 'Payroll' is under change control"):
        desk.graph.relate("Payroll", "app-payroll")
    assert desk.graph.service_relations("Payroll") == []
    ref = _authorised(desk)
    desk.graph.relate("Payroll", "app-payroll", change=ref)
    entry = desk.catalogue.history("Payroll")[0]
    assert tuple(entry.changes["change"]) == (None, ref)
    assert "configuration_update" in desk.actions(ref)


def test_an_unknown_service_relation_is_refused(desk):
    with pytest.raises(ValidationError, match="depends_on or used_by"):
        desk.graph.relate("Intranet", "app-payroll", "owns")


def test_cli_show_lists_relationships_impact_and_linked_records(tmp_path, db_path):
    (tmp_path / "c.toml").write_text(OPEN_POLICY)
    cli = Cli(db_path)

    def ok(*args):
        return cli.ok("--config", str(tmp_path / "c.toml"), *args)

    ok("service", "add", "Intranet")
    ok("ci", "add", "db-01", "--type", "database")
    ok("ci", "add", "web-01", "--type", "application")
    ok("ci", "relate", "web-01", "db-01")
    assert ok("service", "relate", "Intranet", "web-01") == "related: service Intranet depends_on web-01\n"
    inc = ok("new", "incident", "--title", "DB slow", "--ci", "db-01").strip()
    prb = ok("new", "problem", "--title", "DB leaks", "--ci", "db-01").strip()
    chg = ok("new", "change", "--title", "Tune DB", "--ci", "db-01").strip()
    shown = ok("ci", "show", "db-01")
    assert "services: Intranet" in shown and "CIs: web-01" in shown
    for ref in (inc, prb, chg):
        assert ref in shown
    service = ok("service", "show", "Intranet")
    assert "service Intranet depends_on web-01" in service
    assert "depends_on" in ok("ci", "show", "web-01")
    assert "services: Intranet" in ok("ci", "impact", "db-01")


def test_the_evidence_report_counts_services_in_the_graph(desk, clock):
    from datetime import timedelta

    from sms_tui.services.reporting.model import Period
    from sms_tui.services.reporting.service import ReportService

    desk.graph.relate("Intranet", "laptop-1", "used_by")
    period = Period(clock() - timedelta(days=1), clock() + timedelta(days=1))
    clause = ReportService(desk.store).evidence_report(period).clause("8.2.6")
    facts = {f.label: f.value for f in clause.facts}
    assert facts["Services in the relationship graph (linked to CIs)"] == "1 (1 relationship)"
    orphans = next((g for g in clause.gaps if g.key == "ci.orphaned"), None)
    assert orphans is None or "laptop-1" not in orphans.refs  # a service's link ties it


def test_a_change_on_a_ci_shows_what_else_it_affects_through_the_graph(desk):
    desk.graph.relate("Intranet", "app-payroll", "depends_on")
    ref = desk.changes.create(title="Patch the database", cis=["db-01"]).ref
    detail = desk.changes.detail(ref)
    assert detail.affected_services == ["Intranet"] and detail.affected_cis == ["app-payroll"]
