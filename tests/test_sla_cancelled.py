"""A cancelled record (or a rejected request) was never resolved: its SLA is neither met
nor breached (the trial saw a cancelled incident shown 'met' in the queue and in 'sla show')."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sms_tui.domain import sla
from sms_tui.services.requests.service import RequestService

from .incident_helpers import Desk


@pytest.fixture
def desk(tmp_path, clock, db_path):
    d = Desk(tmp_path, clock, db=db_path)
    d.requests = RequestService(d.store)
    yield d
    d.close()


def test_the_rule_a_record_ended_unresolved_has_no_verdict_on_its_resolution():
    target = sla.Target(timedelta(minutes=15), timedelta(hours=4))
    cancelled = sla.reading_pair(target, timedelta(minutes=5), True, timedelta(minutes=10), True,
                                 0.75, False, unresolved=True)
    assert (cancelled.state, cancelled.label(), sla.short_label(cancelled)) == (
        "cancelled", "cancelled", "cancelled")
    assert (cancelled.respond.state, cancelled.resolve.state) == ("met", "cancelled")
    never_answered = sla.reading_pair(target, timedelta(hours=1), False, timedelta(hours=1), True,
                                      0.75, False, unresolved=True)
    assert never_answered.respond.state == "cancelled"  # not "breached": nobody had to answer
    assert sla.crossings(never_answered) == []
    assert sla.ended_unresolved("cancelled") and sla.ended_unresolved("rejected")
    assert not sla.ended_unresolved("closed") and not sla.ended_unresolved("resolved")


def test_a_cancelled_incident_shows_cancelled_not_met(desk, clock):
    ref = desk.records.create("incident", title="Duplicate of the VPN call", impact="low",
                              urgency="low").ref  # P5: resolve in 10 days
    desk.records.add_note(ref, "same as the other one")
    clock.advance(minutes=10)
    desk.records.transition(ref, "cancelled", note="duplicate")
    clock.advance(days=30)
    view = desk.sla.get(ref)
    assert (view.state, view.label) == ("cancelled", "cancelled")
    assert view.resolve.state == "cancelled" and view.respond.state == "met"
    row = desk.sla.sla_for_rows([ref])[ref]
    assert (row.state, row.short) == ("cancelled", "cancelled")
    assert desk.sla.check() == []


def test_a_cancelled_incident_is_not_counted_as_met_by_the_reports(desk, clock):
    from sms_tui.services.reporting.model import Period
    from sms_tui.services.reporting.service import ReportService

    start = clock()
    ref = desk.records.create("incident", title="Raised by mistake").ref
    clock.advance(minutes=10)
    desk.records.transition(ref, "cancelled", note="raised by mistake")
    clock.advance(days=1)
    period = Period(start, start + timedelta(days=1))
    facts = {f.label: f.value
             for f in ReportService(desk.store).evidence_report(period).clause("8.3.3").facts}
    assert facts["Incidents resolved in the period"] == "0"
    assert facts["Within the resolution target"] == "0 (–)"


def test_a_cancelled_request_shows_cancelled_not_met(desk, clock):
    gone = desk.requests.create("information", title="Where is the VPN guide?").record.ref
    clock.advance(minutes=20)
    desk.records.transition(gone, "cancelled", note="found it myself")
    clock.advance(days=3)
    view = desk.sla.get(gone)
    assert (view.state, view.label, view.resolve.state) == ("cancelled", "cancelled", "cancelled")
    assert desk.sla.sla_for_rows([gone])[gone].short == "cancelled"
