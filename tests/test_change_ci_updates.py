"""Implementing a change offers the CI updates it planned (8.5.1 with 8.2.6): apply all, pick,
or skip; each applied under the change, whose reference the CI's journal names."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import NotFound, ValidationError
from sms_tui.services.changes.ci_updates import ChangeCIUpdates
from sms_tui.services.changes.service import ChangeService
from sms_tui.services.configuration.catalogue import CatalogueService

from .cli_helpers import Cli
from .incident_helpers import Desk


@pytest.fixture
def desk(tmp_path, clock, db_path):
    d = Desk(tmp_path, clock, db=db_path)
    d.catalogue = CatalogueService(d.store)
    d.changes = ChangeService(d.store)
    d.updates = ChangeCIUpdates(d.store)
    d.catalogue.add_service("Payroll", criticality="high")
    d.catalogue.add_ci("app-payroll", ci_type="application", service="Payroll")
    d.catalogue.add_ci("srv-old")
    yield d
    d.close()


def _change(desk) -> str:
    return desk.changes.create(title="Move payroll", change_type="standard", cis=["app-payroll"],
                               verification_results="checked", backout_tested="yes").ref


def test_planning_lists_the_updates_on_the_change_and_adds_the_ci_to_its_targets(desk):
    ref = _change(desk)
    desk.updates.plan(ref, "srv-old", status="retired", description="replaced by srv-new")
    planned = desk.updates.plan(ref, "app-payroll", status="planned")
    assert [u.describe() for u in planned] == [
        "srv-old: status → retired", "srv-old: description → replaced by srv-new",
        "app-payroll: status → planned"]
    detail = desk.changes.detail(ref)
    assert "srv-old" in detail.cis and len(detail.pending_updates) == 3
    assert "ci_update_planned" in desk.actions(ref)


def test_a_bad_planned_value_is_refused_and_nothing_is_planned(desk):
    ref = _change(desk)
    with pytest.raises(ValidationError, match="CI status"):
        desk.updates.plan(ref, "srv-old", status="gone")
    with pytest.raises(NotFound, match="no service named"):
        desk.updates.plan(ref, "srv-old", service="Nowhere")
    assert desk.updates.planned(ref) == []


def test_updates_are_applied_only_while_the_change_is_implementing(desk):
    ref = _change(desk)
    desk.updates.plan(ref, "srv-old", status="retired")
    with pytest.raises(ValidationError, match="while it is implementing"):
        desk.updates.apply(ref)
    assert desk.catalogue.get_ci("srv-old").status == "active"


def test_applying_all_edits_each_ci_under_the_change_and_journals_both(desk):
    ref = _change(desk)
    desk.updates.plan(ref, "srv-old", status="retired")
    desk.updates.plan(ref, "app-payroll", description="v2")
    desk.changes.start(ref)
    result = desk.updates.apply(ref)
    assert [u.position for u in result.applied] == [1, 2] and result.pending == []
    assert desk.catalogue.get_ci("srv-old").status == "retired"
    entry = next(e for e in desk.catalogue.history("srv-old", ci=True) if e.action == "update")
    assert tuple(entry.changes["change"]) == (None, ref)
    assert "planned update 1 of " + ref in entry.note
    assert {"configuration_update", "ci_updates_applied"} <= set(desk.actions(ref))
    assert all(u.applied and u.applied_by == "ann" for u in desk.changes.detail(ref).planned_updates)


def test_picking_applies_only_those_and_the_rest_stay_offered(desk):
    ref = _change(desk)
    desk.updates.plan(ref, "srv-old", status="retired")
    desk.updates.plan(ref, "app-payroll", description="v2")
    desk.changes.start(ref)
    result = desk.updates.apply(ref, [2])
    assert [u.position for u in result.applied] == [2] and [u.position for u in result.pending] == [1]
    assert desk.catalogue.get_ci("srv-old").status == "active"
    with pytest.raises(ValidationError, match="already applied"):
        desk.updates.apply(ref, [2])
    with pytest.raises(ValidationError, match="no planned CI update 7"):
        desk.updates.apply(ref, [7])


def test_a_refused_update_writes_none_of_them(desk):
    ref = _change(desk)
    desk.updates.plan(ref, "srv-old", status="retired")
    desk.updates.plan(ref, "app-payroll", description="v2")
    desk.changes.set_targets(ref, cis=["app-payroll"], remove=True)  # no longer authorised for it
    desk.changes.start(ref)
    with pytest.raises(ValidationError, match="does not list"):
        desk.updates.apply(ref)
    assert desk.catalogue.get_ci("srv-old").status == "active"
    assert not any(u.applied for u in desk.updates.planned(ref))


def test_cli_start_offers_the_planned_updates_all_pick_or_skip(db_path):
    cli = Cli(db_path)
    cli.ok("ci", "add", "app-payroll", "--type", "application")
    cli.ok("ci", "add", "srv-old")
    ref = cli.ok("changes", "new", "--title", "Patch", "--type", "standard", "--ci", "app-payroll",
                 "--verification", "checked", "--backout-tested", "yes").strip()
    out = cli.ok("changes", "plan-ci", ref, "srv-old", "--status", "retired")
    assert "1. srv-old: status → retired" in out
    cli.ok("changes", "plan-ci", ref, "app-payroll", "--description", "v2")
    assert "CI update 1: srv-old: status → retired (planned)" in cli.ok("changes", "show", ref)
    started = cli.ok("changes", "start", ref, "--apply", "2")
    assert "plans 2 CI update(s)" in started and "applied 2. app-payroll: description → v2" in started
    assert "1 still planned" in started
    assert "retired" not in cli.ok("ci", "show", "srv-old").split("Journal")[0]
    applied = cli.ok("changes", "apply", ref)
    assert "applied 1. srv-old: status → retired" in applied
    shown = cli.ok("ci", "show", "srv-old")
    assert "status: retired" in shown and f"change: – → {ref}" in shown


def test_cli_start_without_a_terminal_lists_the_offer_and_applies_nothing(db_path):
    cli = Cli(db_path)
    cli.ok("ci", "add", "srv-old")
    ref = cli.ok("changes", "new", "--title", "Retire", "--type", "standard", "--ci", "srv-old",
                 "--verification", "checked", "--backout-tested", "yes").strip()
    cli.ok("changes", "plan-ci", ref, "srv-old", "--status", "retired")
    out = cli.ok("changes", "start", ref)
    assert "1. srv-old: status → retired" in out and f"sms-tui changes apply {ref}" in out
    assert "status: active" in cli.ok("ci", "show", "srv-old")
    bad = cli("changes", "start", ref, "--apply", "x")
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_cli_start_at_a_terminal_asks_all_pick_or_skip(db_path, monkeypatch):
    from sms_tui.cli import changes as changes_cli

    monkeypatch.setattr(changes_cli, "interactive", lambda: True)
    cli = Cli(db_path)
    cli.ok("ci", "add", "srv-a")
    cli.ok("ci", "add", "srv-b")
    ref = cli.ok("changes", "new", "--title", "Retire", "--type", "standard", "--ci", "srv-a",
                 "--verification", "checked", "--backout-tested", "yes").strip()
    cli.ok("changes", "plan-ci", ref, "srv-a", "--status", "retired")
    cli.ok("changes", "plan-ci", ref, "srv-b", "--status", "retired")
    out = cli.ok("changes", "start", ref, input="p\nn\ny\n")  # pick: not the first, the second
    assert "Apply them? [a]ll, [p]ick, [s]kip" in out and "applied 2. srv-b" in out
    assert "status: active" in cli.ok("ci", "show", "srv-a")
    assert "status: retired" in cli.ok("ci", "show", "srv-b")


def test_the_evidence_report_counts_applied_updates_and_lists_changes_that_left_some(desk, clock):
    from datetime import timedelta

    from sms_tui.services.reporting.model import Period
    from sms_tui.services.reporting.service import ReportService

    start = clock()
    done, left = _change(desk), _change(desk)
    for ref in (done, left):
        desk.updates.plan(ref, "srv-old", description=f"touched by {ref}")
        desk.changes.start(ref)
    desk.updates.apply(done)
    for ref in (done, left):
        desk.changes.record_outcome(ref, "successful")
    period = Period(start - timedelta(days=1), clock() + timedelta(days=1))
    clause = ReportService(desk.store).evidence_report(period).clause("8.5.1")
    facts = {f.label: f.value for f in clause.facts}
    assert facts["Planned CI updates applied under their change in the period"] == "1"
    gap = next(g for g in clause.gaps if g.key == "changes.ci_updates_unapplied")
    assert (gap.count, list(gap.refs)) == (1, [left])


def test_the_configuration_verification_lists_planned_updates_never_applied(desk, clock):
    from datetime import timedelta

    from sms_tui.services.reviews.evidence import evidence_for_period

    start = clock()
    done, left = _change(desk), _change(desk)
    for ref in (done, left):
        desk.updates.plan(ref, "srv-old", description=f"touched by {ref}")
        desk.changes.start(ref)
    desk.updates.apply(done)
    for ref in (done, left):
        desk.changes.record_outcome(ref, "successful")
    with desk.store.read() as session:
        ev = evidence_for_period(session, "config_verification", start - timedelta(days=1),
                                 clock() + timedelta(days=1), now=clock(), config=desk.store.config)
    figures = dict(ev["figures"])
    assert figures["Planned CI updates of changes implemented in the period never applied"] == 1
    [rows] = [t["rows"] for t in ev["tables"] if t["title"] == "Planned CI updates never applied"]
    assert rows == [[left, "srv-old", "description", f"touched by {left}"]]
