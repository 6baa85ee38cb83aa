"""SLA clocks on real incidents: queues, pauses, first response, the background check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sms_tui.config import load_config
from sms_tui.domain.errors import ConfigError
from sms_tui.domain.sla import replay

from .incident_helpers import Desk

OFFICE_HOURS = """
[sla.business_hours]
days = ["mon", "tue", "wed", "thu", "fri"]
start = "08:00"
end = "18:00"
timezone = "UTC"
holidays = ["2026-03-04"]
"""


@pytest.fixture
def desk(tmp_path, clock, db_path):
    d = Desk(tmp_path, clock, db=db_path)
    yield d
    d.close()


def test_queue_shows_time_left_then_near_then_breached(desk, clock):
    inc = desk.records.create("incident", title="VPN slow", impact="high", urgency="medium")  # P2: 8 h
    desk.records.add_note(inc.ref, "looking")  # responded at once
    clock.advance(hours=2)
    assert desk.sla.sla_for_rows([inc.ref])[inc.ref].label == "6h left"
    clock.advance(hours=4)  # 6 of 8 hours: 75 %
    row = desk.sla.sla_for_rows([inc.ref])[inc.ref]
    assert (row.state, row.label) == ("near", "2h left!")
    clock.advance(hours=2, minutes=10)
    row = desk.sla.sla_for_rows([inc.ref])[inc.ref]
    assert (row.state, row.label) == ("breached", "BREACHED 10m")


def test_on_hold_stops_the_clock_until_work_resumes(desk, clock):
    inc = desk.records.create("incident", title="Printer", impact="medium", urgency="medium")  # P3: 24 h
    clock.advance(hours=1)
    desk.records.transition(inc.ref, "on_hold", note="waiting for the customer")
    clock.advance(hours=30)  # would have breached if counting
    paused = desk.sla.get(inc.ref)
    assert paused.state == "paused"
    assert paused.resolve.elapsed.total_seconds() == 3600
    desk.records.transition(inc.ref, "in_progress")
    clock.advance(hours=2)
    assert desk.sla.get(inc.ref).resolve.elapsed.total_seconds() == 3 * 3600


def test_resolution_stops_the_clock_and_reopening_continues_it(desk, clock):
    inc = desk.records.create("incident", title="Disk full", impact="medium", urgency="medium")
    clock.advance(hours=3)
    desk.records.transition(inc.ref, "resolved")
    clock.advance(hours=48)
    assert desk.sla.get(inc.ref).resolve.state == "met"
    desk.records.transition(inc.ref, "in_progress", note="it is back")
    clock.advance(hours=1)
    assert desk.sla.get(inc.ref).resolve.elapsed.total_seconds() == 4 * 3600


def test_stored_clock_matches_a_replay_of_the_journal(desk, clock):
    inc = desk.records.create("incident", title="Flaky Wi-Fi", impact="low", urgency="high")
    for minutes, status in ((40, "in_progress"), (25, "on_hold"), (300, "in_progress"),
                            (15, "on_hold"), (60, "resolved"), (90, "in_progress")):
        clock.advance(minutes=minutes)
        desk.records.transition(inc.ref, status)
    clock.advance(minutes=33)
    journal = reversed(desk.records.get(inc.ref).journal)
    history = [(e.at, e.changes["status"][1]) for e in journal if e.action == "transition"]
    created = desk.records.get(inc.ref).created_at
    rebuilt = replay(created, history, {"new", "in_progress"}, None, initial="new")
    assert desk.sla.get(inc.ref).resolve.elapsed == rebuilt.elapsed(clock(), None)


def test_first_response_is_the_first_action_after_creation(desk, clock):
    inc = desk.records.create("incident", title="Laptop", impact="medium", urgency="medium")
    clock.advance(minutes=20)
    assert desk.sla.get(inc.ref).first_response_at is None
    desk.records.assign(inc.ref, "bob")
    first = clock()
    clock.advance(minutes=5)
    desk.records.add_note(inc.ref, "called the user")
    view = desk.sla.get(inc.ref)
    assert view.first_response_at == first
    assert view.respond.elapsed.total_seconds() == 20 * 60
    assert view.respond.state == "met"  # P3: two hours to respond


def test_late_first_response_counts_as_a_missed_response_target(desk, clock):
    inc = desk.records.create("incident", title="Outage", impact="high", urgency="medium")  # P2: 30 m
    clock.advance(minutes=45)
    desk.records.add_note(inc.ref, "on it")
    assert desk.sla.get(inc.ref).respond.state == "breached"


def test_service_override_and_business_hours_from_config(tmp_path, clock):
    desk = Desk(tmp_path, clock, OFFICE_HOURS + """
[sla.services."Email"]
P3 = { respond = "30m", resolve = "4h" }
""")
    desk.add_service("Email")
    clock.set(datetime(2026, 3, 6, 16, 0, tzinfo=UTC))  # Friday 16:00
    inc = desk.records.create("incident", title="Mail queue stuck", service="Email")
    view = desk.sla.get(inc.ref)
    assert view.resolve.target.total_seconds() == 4 * 3600
    assert view.resolve.due == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # Monday 10:00
    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))  # after the weekend: 3 business hours
    assert desk.sla.get(inc.ref).resolve.elapsed.total_seconds() == 3 * 3600
    desk.close()


def test_negative_target_in_the_config_file_stops_the_app(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[sla.default]\nP1 = { respond = "15m", resolve = "-4h" }\n')
    with pytest.raises(ConfigError, match=r"config.toml: sla.default.P1.resolve: must not be negative"):
        load_config(path)


# ------------------------------------------------------------------ background check
ESCALATE = """
[sla]
escalate_to = "Duty Manager"
"""


def test_check_journals_near_and_breach_once_and_escalates_to_the_manager(tmp_path, clock):
    desk = Desk(tmp_path, clock, ESCALATE)
    inc = desk.records.create("incident", title="Payroll slow", impact="high", urgency="medium")
    desk.records.add_note(inc.ref, "investigating")
    clock.advance(hours=6, minutes=30)  # P2, 8 h: past 75 %
    assert [e.flag for e in desk.sla.check()] == ["resolve_near"]
    assert desk.sla.check() == []  # once per crossing, however often the check runs
    assert desk.records.get(inc.ref).escalation_level == 0  # near does not escalate by default
    clock.advance(hours=2)
    events = desk.sla.check()
    assert [(e.flag, e.escalated_to) for e in events] == [("resolve_breached", "Duty Manager")]
    clock.advance(hours=1)
    assert desk.sla.check() == []
    record = desk.records.get(inc.ref)
    assert (record.escalated_to, record.escalation_level) == ("Duty Manager", 1)
    actions = desk.actions(inc.ref)
    assert actions.count("sla_near") == 1
    assert actions.count("sla_breached") == 1
    assert actions.count("escalate_hierarchical") == 1
    desk.close()


def test_check_also_watches_the_response_target(desk, clock):
    inc = desk.records.create("incident", title="Phone down", impact="medium", urgency="medium")
    clock.advance(hours=2, minutes=1)  # P3: respond within 2 h, nobody has
    flags = [e.flag for e in desk.sla.check()]
    assert flags == ["respond_near", "respond_breached"]
    assert "SLA breached: time to respond" in desk.records.get(inc.ref).journal[0].note


def test_paused_incident_does_not_breach_while_on_hold(desk, clock):
    inc = desk.records.create("incident", title="Waiting", impact="medium", urgency="medium")
    desk.records.transition(inc.ref, "on_hold")
    clock.advance(days=10)
    assert desk.sla.check() == []
    assert desk.sla.breaches() == []


def test_breaches_lists_only_breached_open_incidents_most_overdue_first(desk, clock):
    a = desk.records.create("incident", title="A", impact="medium", urgency="high")  # P2
    clock.advance(hours=1)
    b = desk.records.create("incident", title="B", impact="medium", urgency="high")
    desk.records.create("incident", title="C", impact="low", urgency="low")  # P5: far off
    for ref in (a.ref, b.ref):
        desk.records.add_note(ref, "ack")
    clock.advance(hours=8)
    assert [facts["ref"] for facts, _ in desk.sla.breaches()] == [a.ref, b.ref]


def test_changing_priority_measures_against_the_new_target(desk, clock):
    inc = desk.records.create("incident", title="Slow", impact="low", urgency="low")  # P5: 10 days
    desk.records.add_note(inc.ref, "ack")
    clock.advance(hours=5)
    assert desk.sla.sla_for_rows([inc.ref])[inc.ref].state == "ok"
    desk.records.update(inc.ref, impact="high", urgency="medium")  # now P2: 8 h
    assert desk.sla.sla_for_rows([inc.ref])[inc.ref].label == "3h left"


def test_sla_for_rows_handles_more_references_than_sqlite_takes_at_once(desk, monkeypatch):
    from sms_tui.services.incidents import sla as sla_service

    monkeypatch.setattr(sla_service, "CHUNK", 2)
    refs = [desk.records.create("incident", title=f"n{i}").ref for i in range(5)]
    assert sorted(desk.sla.sla_for_rows(refs)) == refs


def test_a_link_to_a_problem_is_not_a_first_response(desk, clock):
    """Linking incidents to a problem (a trend accepted on the problems' screen) is work on
    the problem, not an answer to the users: their response clocks keep running."""
    inc = desk.records.create("incident", title="Outage", impact="high", urgency="medium")  # P2: 30 m
    problem = desk.records.create("problem", title="Outages every Monday")
    clock.advance(minutes=10)
    desk.records.link(inc.ref, problem.ref, note="trend detection")
    assert desk.sla.get(inc.ref).first_response_at is None
    clock.advance(minutes=35)
    desk.records.add_note(inc.ref, "on it")
    view = desk.sla.get(inc.ref)
    assert view.first_response_at == clock()
    assert view.respond.state == "breached"  # 45 minutes: the link did not answer it
