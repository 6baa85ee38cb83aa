"""Requests get SLA clocks from their catalogue type (8.6.2 with 8.3.3): respond and resolve
targets, paused while waiting on the requester, breaches journaled by the scheduler's check."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import ConfigError
from sms_tui.services.core.scheduler import DeskScheduler
from sms_tui.services.requests.service import RequestService

from .incident_helpers import Desk


@pytest.fixture
def desk(tmp_path, clock, db_path):
    d = Desk(tmp_path, clock, db=db_path)
    d.requests = RequestService(d.store)
    yield d
    d.close()


def test_a_request_takes_its_types_targets_and_journals_them(desk):
    req = desk.requests.create("password-reset", title="Locked out")  # respond 30 min, resolve 4 h
    view = desk.sla.get(req.record.ref)
    assert (view.respond.target.total_seconds(), view.resolve.target.total_seconds()) == (1800, 4 * 3600)
    entry = next(e for e in desk.records.get(req.record.ref).journal if e.action == "catalogue")
    assert tuple(entry.changes["sla_respond"]) == (None, "30m")
    assert tuple(entry.changes["sla_resolve"]) == (None, "4h")
    assert "respond 30m" in req.sla_targets and "resolve 4h" in req.sla_targets


def test_other_requests_take_the_configured_defaults(tmp_path, clock, db_path):
    desk = Desk(tmp_path, clock, '[sla.requests]\nrespond = "1h"\nresolve = "2d"\n', db=db_path)
    try:
        req = RequestService(desk.store).create("other", title="Move my desk")
        view = desk.sla.get(req.record.ref)
        assert (view.respond.target.total_seconds(), view.resolve.target.total_seconds()) == \
            (3600, 2 * 86400)
    finally:
        desk.close()


def test_a_bad_requests_section_is_refused_naming_the_key(tmp_path, clock, db_path):
    with pytest.raises(ConfigError, match=r"sla\.requests\.resolve"):
        Desk(tmp_path, clock, '[sla.requests]\nresolve = "soon"\n', db=db_path)


def test_waiting_on_the_requester_pauses_the_clock(desk, clock):
    ref = desk.requests.create("software-install", title="Visio").record.ref  # 72 h
    clock.advance(hours=2)
    desk.records.transition(ref, "on_hold", note="waiting for the requester's licence code")
    clock.advance(hours=100)  # would have breached if counting
    view = desk.sla.get(ref)
    assert view.state == "paused" and view.resolve.elapsed.total_seconds() == 2 * 3600
    assert desk.sla.sla_for_rows([ref])[ref].short.startswith("(")
    desk.records.transition(ref, "in_progress")
    clock.advance(hours=1)
    assert desk.sla.get(ref).resolve.elapsed.total_seconds() == 3 * 3600


def test_the_first_action_of_a_person_stops_the_respond_clock(desk, clock):
    ref = desk.requests.create("password-reset", title="Locked out").record.ref
    clock.advance(minutes=10)
    desk.records.add_note(ref, "calling back")
    clock.advance(minutes=50)
    view = desk.sla.get(ref)
    assert view.respond.state == "met" and view.respond.elapsed.total_seconds() == 600


def test_the_check_journals_a_request_breach_once_and_the_queue_shows_it(desk, clock):
    ref = desk.requests.create("password-reset", title="Locked out").record.ref
    clock.advance(hours=5)
    events = desk.sla.check()
    assert {(e.ref, e.flag) for e in events} >= {(ref, "resolve_breached"), (ref, "respond_breached")}
    assert desk.sla.check() == []  # once
    actions = desk.actions(ref)
    assert actions.count("sla_breached") == 2
    entry = next(e for e in desk.records.get(ref).journal if e.action == "sla_breached")
    assert entry.actor == "sms-tui" and "time to" in entry.note
    assert desk.sla.sla_for_rows([ref])[ref].short == "BREACHED"
    assert [f["ref"] for f, _ in desk.sla.breaches()] == [ref]
    assert desk.requests.detail(ref).overdue


def test_the_scheduler_raises_request_breaches(desk, clock):
    ref = desk.requests.create("password-reset", title="Locked out").record.ref
    clock.advance(hours=5)
    DeskScheduler(desk.store, clock=clock).run_once()
    assert "sla_breached" in desk.actions(ref)


def test_fulfilment_stops_the_clock_and_a_met_target_stays_met(desk, clock):
    ref = desk.requests.create("information", title="Where is the VPN guide?").record.ref
    desk.requests.tick(ref, 1)
    desk.requests.tick(ref, 2)
    clock.advance(hours=1)
    desk.records.transition(ref, "fulfilled")
    clock.advance(days=5)
    assert desk.sla.get(ref).state == "met"
    assert desk.sla.check() == []


def test_the_evidence_and_service_report_count_requests_met_and_missed(desk, clock):
    from datetime import timedelta

    from sms_tui.services.reporting.model import Period
    from sms_tui.services.reporting.service import ReportService

    start = clock()
    late = desk.requests.create("password-reset", title="Locked out").record.ref  # 4 h
    quick = desk.requests.create("information", title="VPN guide?").record.ref  # 24 h
    for ref, steps in ((late, 4), (quick, 2)):
        for n in range(1, steps + 1):
            desk.requests.tick(ref, n)
    clock.advance(hours=1)
    desk.records.transition(quick, "fulfilled")
    clock.advance(hours=5)
    desk.records.transition(late, "fulfilled")
    period = Period(start - timedelta(days=1), clock() + timedelta(days=1))
    evidence = ReportService(desk.store).evidence_report(period)
    clause = evidence.clause("8.3.3")
    facts = {f.label: f.value for f in clause.facts}
    assert facts["Requests within their type's fulfilment target"] == "1 (50 %)"
    missed = next(g for g in clause.gaps if g.key == "sla.request_resolve_missed")
    assert (missed.count, list(missed.refs)) == (1, [late])
    report = ReportService(desk.store).service_report(period)
    figures = {f.key: f for s in report.sections for f in s.figures}
    assert figures["sla.request_resolve_missed"].current == 1


def test_cli_lists_shows_and_checks_request_clocks(db_path, clock, monkeypatch):
    from .cli_helpers import Cli

    cli = Cli(db_path)
    ref = cli.ok("requests", "new", "password-reset", "--title", "Locked out").split()[0]
    listed = cli.ok("list", "requests")
    assert "SLA_REMAINING" in listed and "left" in listed
    shown = cli.ok("show", ref)
    assert "SLA: " in shown and "respond 30m" in shown and "resolve 4h" in shown
    assert "respond:" in cli.ok("sla", "show", ref)
    assert cli.ok("requests", "type-set", "password-reset", "--respond-minutes", "15")
    assert "respond 15m" in cli.ok("requests", "type", "password-reset")
    bad = cli("requests", "type-set", "password-reset", "--respond-minutes", "-3")
    assert bad.exit_code != 0 and "Traceback" not in bad.output
