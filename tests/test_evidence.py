"""Evidence pre-filled into reviews: the figures for the period, from the store, by SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from sms_tui.services.configuration.catalogue import CatalogueService
from sms_tui.services.reviews import evidence as evidence_mod
from sms_tui.services.reviews.evidence import evidence_for_event, evidence_for_period, render_text
from sms_tui.services.reviews.service import ReviewService, raise_event_review_in
from sms_tui.storage.models import RECORD_TABLES

MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def d(m, day, h=9):
    return datetime(2026, m, day, h, tzinfo=UTC)


@pytest.fixture
def desk(store, records, clock):
    """Services Email and VPN; helpers that record things at a given time."""
    catalogue = CatalogueService(store)
    catalogue.add_service("Email")
    catalogue.add_service("VPN")

    class Desk:
        def new(self, kind, at, title="x", **fields):
            clock.set(at)
            if kind == "request":  # classified when recorded (8.6.2)
                fields.setdefault("request_type", "other")
            return records.create(kind, title=title, **fields).ref

        def set(self, kind, ref, **values):
            """Facts other features record (outcomes, scores, clocks), written as they would be."""
            model = RECORD_TABLES[kind]
            with store.write() as session:
                row = session.exec(select(model).where(model.ref == ref)).one()
                for key, value in values.items():
                    setattr(row, key, value)

    return Desk()


def period_evidence(store, activity, period=MARCH):
    with store.read() as session:
        return evidence_for_period(session, activity, *period, now=d(4, 1), config=store.config)


def figures(ev):
    return dict((label, value) for label, value in ev["figures"])


def table(ev, title_start):
    [found] = [t for t in ev["tables"] if t["title"].startswith(title_start)]
    return found["rows"]


def test_rfc_trend_review_gets_changes_by_category_and_outcome(store, desk):
    for when, kind, outcome in [(d(3, 1, 0), "normal", "successful"), (d(3, 5), "normal", "successful"),
                                (d(3, 9), "normal", "failed"), (d(3, 20), "emergency", "backed_out"),
                                (d(3, 31, 23), "standard", ""), (d(2, 20), "normal", "successful"),
                                (d(4, 1, 0), "normal", "failed")]:  # the last two are outside March
        ref = desk.new("change", when, change_type=kind)
        desk.set("change", ref, outcome=outcome)

    ev = period_evidence(store, "rfc_trends")

    assert figures(ev) == {
        "Changes raised": 5, "Changes raised in the previous period": 1, "Emergency changes": 1,
        "Successful": 2, "Failed": 1, "Backed out": 1,
        "Success rate (of changes with an outcome)": "50 %",
    }
    assert table(ev, "Changes by category") == [
        ["emergency", "backed_out", 1], ["normal", "failed", 1], ["normal", "successful", 2],
        ["standard", "no outcome yet", 1]]
    assert ev["period"]["label"] == "March 2026"


def test_problem_review_gets_opened_closed_time_to_resolve_and_recurring_incidents(store, desk, records):
    p1 = desk.new("problem", d(3, 2), title="Mail queue stalls")
    p2 = desk.new("problem", d(3, 10), title="VPN drops")
    desk.new("problem", d(2, 1), title="Old one")
    desk.set("problem", p1, resolved_at=d(3, 4), status="resolved")  # 2 days
    desk.set("problem", p2, resolved_at=d(3, 14), status="resolved")  # 4 days
    for day in (3, 12, 20):
        records.link(desk.new("incident", d(3, day), service="Email"), p1)
    for day in (5, 6, 7):  # recurring, but nobody opened a problem for them yet
        desk.new("incident", d(3, day), service="VPN", category="tunnel")

    ev = period_evidence(store, "problem_effectiveness")

    f = figures(ev)
    assert (f["Problems opened"], f["Problems resolved"], f["Mean time to resolve (days)"]) == (2, 2, 3.0)
    assert f["Problems open at the end of the period"] == 1  # the February one
    assert f["Incidents linked to a problem"] == "3 (50 %)"
    assert table(ev, "Problems with recurring") == [["PRB-000001", "Mail queue stalls", "resolved", 3]]
    assert table(ev, "Recurring incidents not linked") == [["VPN", "tunnel", 3]]


def test_sla_review_gets_targets_met_and_missed_per_service(store, desk):
    # default P3 targets: respond 2 h, resolve 24 h (business time counted by the SLA clock)
    email_ok = desk.new("incident", d(3, 3), service="Email")
    email_late = desk.new("incident", d(3, 4), service="Email")
    vpn_ok = desk.new("incident", d(3, 5), service="VPN")
    desk.new("incident", d(3, 6), service="VPN")  # still open: not counted as resolved
    for ref, counted, response in [(email_ok, 3600, 600), (email_late, 100_000, 9000),
                                   (vpn_ok, 7200, 60)]:
        desk.set("incident", ref, status="resolved", resolved_at=d(3, 10), sla_counted_s=counted,
                 sla_response_s=response)

    ev = period_evidence(store, "sla_performance")

    f = figures(ev)
    assert (f["Resolution targets met"], f["Resolution targets missed"]) == (2, 1)
    assert f["Resolution compliance"] == "67 %"
    assert table(ev, "Resolution and response targets per service") == [
        ["Email", 2, 1, 1, "50 %", 1, 1], ["VPN", 1, 1, 0, "100 %", 1, 0]]


def test_the_sla_reviews_table_fits_80_columns_with_every_column_named(store, desk):
    # its header ran to "... COMPLIANCE  RESPOND ME" at 80 columns, the last column out of sight
    ref = desk.new("incident", d(3, 3), service="Email")
    desk.set("incident", ref, status="resolved", resolved_at=d(3, 10), sla_counted_s=3600,
             sla_response_s=600)
    text = render_text(period_evidence(store, "sla_performance"))
    lines = text.split("\n")
    header = lines[lines.index("Resolution and response targets per service") + 1]
    assert "RESP. MISSED" in header
    assert max(len(line) for line in lines if not line.startswith("Note: ")) <= 76


def test_sla_review_without_sla_data_says_so_and_still_lists_resolutions(store, desk, monkeypatch):
    ref = desk.new("incident", d(3, 3), service="Email")
    desk.set("incident", ref, status="resolved", resolved_at=d(3, 3, 15))
    monkeypatch.setattr(evidence_mod, "_sla_targets", lambda config: None)

    ev = period_evidence(store, "sla_performance")

    assert table(ev, "Incidents resolved per service") == [["Email", 1, 6.0]]
    assert any("SLA" in note for note in ev["notes"])


def test_satisfaction_review_gets_scores_from_requests_closed_in_the_period(store, desk):
    for day, score in [(2, 5), (3, 4), (4, 1), (5, None)]:
        ref = desk.new("request", d(3, day), title=f"Request {day}")
        desk.set("request", ref, status="closed", closed_at=d(3, day + 1), satisfaction_score=score)

    ev = period_evidence(store, "customer_satisfaction")

    f = figures(ev)
    assert f["Requests closed"] == 4
    assert f["Requests with a score"] == "3 (75 % of closed)"
    assert f["Mean score (1–5)"] == 3.33
    assert table(ev, "Scores") == [[1, 1], [2, 0], [3, 0], [4, 1], [5, 1]]
    assert table(ev, "Low scores") == [["REQ-000003", "Request 4", 1]]
    assert any("representative" in note for note in ev["notes"])


def test_service_trend_review_gets_incidents_by_service_and_priority_against_last_period(store, desk):
    desk.new("incident", d(3, 2), service="Email", impact="high", urgency="medium")  # P2
    desk.new("incident", d(3, 3), service="Email")  # P3
    desk.new("incident", d(3, 4), service="VPN", impact="low", urgency="low")  # P5
    desk.new("incident", d(2, 4), service="VPN")  # February

    ev = period_evidence(store, "service_trends")

    assert figures(ev)["Incidents opened"] == 3
    assert figures(ev)["Incidents opened in the previous period"] == 1
    assert table(ev, "Incidents by service and priority") == [
        ["Email", 0, 1, 1, 0, 0, 2, 0], ["VPN", 0, 0, 0, 0, 1, 1, 1]]


def test_demand_review_compares_incidents_and_requests_per_service(store, desk):
    desk.new("incident", d(3, 2), service="Email")
    desk.new("request", d(3, 3), service="Email", request_type="other")
    desk.new("request", d(2, 3), service="Email")

    ev = period_evidence(store, "capacity_demand")

    assert table(ev, "Demand per service") == [["Email", 1, 0, 1, 1]]


def test_configuration_review_counts_cis_and_incidents_without_a_ci(store, desk):
    catalogue = CatalogueService(store)
    catalogue.add_ci("srv-mail-01", service="Email")
    catalogue.add_ci("srv-spare")
    desk.new("incident", d(3, 2), ci="srv-mail-01")
    desk.new("incident", d(3, 3))

    ev = period_evidence(store, "config_verification")

    f = figures(ev)
    assert (f["Configuration items"], f["CIs without a service"]) == (2, 1)
    assert f["Incidents in the period without a CI"] == "1 (50 %)"


def test_availability_review_lists_the_major_incidents_of_the_period(store, desk):
    ref = desk.new("incident", d(3, 2), title="Mail down for everyone", service="Email")
    desk.set("incident", ref, major=True, status="resolved", resolved_at=d(3, 2, 13))

    ev = period_evidence(store, "availability_risk")

    assert figures(ev)["Major incidents"] == 1
    assert table(ev, "Major incidents") == [[ref, "Mail down for everyone", "Email", "resolved", 4.0]]


def test_audit_and_management_reviews_get_how_the_sms_itself_performed(store, clock):
    reviews = ReviewService(store)
    reviews.ensure_schedules()
    clock.set(d(3, 1, 0))  # before the first reviews fall due
    clock.set(datetime(2026, 4, 1, 0, 1, tzinfo=UTC))
    reviews.raise_due()  # 14 reviews due April 15
    refs = [r.ref for r in reviews.list_reviews()]
    reviews.tick(refs[0], all_items=True)
    reviews.complete(refs[0], "done on time")
    reviews.skip(refs[1], "not applicable")
    clock.set(datetime(2026, 4, 20, tzinfo=UTC))
    reviews.tick(refs[2], all_items=True)
    reviews.complete(refs[2], "done late")
    reviews.new_improvement("Idea", review_ref=refs[0])

    ev = period_evidence(store, "internal_audit", (MARCH[1], datetime(2026, 5, 1, tzinfo=UTC)))

    f = figures(ev)
    assert (f["Reviews due in the period"], f["Done on time"], f["Done late"], f["Skipped"],
            f["Still open"]) == (14, 1, 1, 1, 11)
    assert f["Improvement opportunities raised"] == 1


def test_supplier_review_gets_incidents_per_assignment_group(store, desk):
    for day, group, resolved in [(2, "vendor-x", 5), (3, "vendor-x", None), (4, "net", 2)]:
        ref = desk.new("incident", d(3, day), assignment_group=group)
        if resolved:
            desk.set("incident", ref, status="resolved", resolved_at=d(3, day + resolved))

    ev = period_evidence(store, "supplier_performance")

    assert table(ev, "Incidents opened in the period per assignment group") == [
        ["vendor-x", 2, 1, 120.0], ["net", 1, 1, 48.0]]


@pytest.mark.sqlite_only  # SQLite's query plan (EXPLAIN QUERY PLAN)
def test_the_evidence_queries_read_incidents_from_the_covering_index(store):
    with store.read() as session:
        plan = session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT assignment_group, count(*), avg(julianday(resolved_at)) "
            "FROM incident WHERE created_at >= '2026-03-01' AND created_at < '2026-04-01' "
            "GROUP BY assignment_group").fetchall()
    assert any("COVERING INDEX ix_incident_evidence" in row[-1] for row in plan)


def test_activities_without_data_in_the_store_say_what_to_attach(store):
    ev = period_evidence(store, "budget_costs")
    assert ev["figures"] == [] and "costs" in ev["notes"][0]


def test_major_incident_review_gets_the_incidents_facts_and_actions(store, desk, records, clock):
    ref = desk.new("incident", d(3, 2), title="Mail down", service="Email")
    records.add_note(ref, "Restarted the queue")
    desk.set("incident", ref, major=True, major_reason="declared by analyst", status="resolved",
             resolved_at=d(3, 2, 12))

    with store.write() as session:
        rev = raise_event_review_in(session, activity="major_incident_review", source_ref=ref,
                                    title=f"Review {ref}", clause="8.6.1", due=d(3, 9), now=d(3, 2, 12),
                                    actor="tester")
    ev = ReviewService(store).get(rev).evidence

    f = figures(ev)
    assert f["Incident"] == f"{ref} Mail down"
    assert f["Service"] == "Email"
    assert f["Hours to resolve"] == 3.0
    assert ["note", 1] in table(ev, "Actions recorded")


def test_change_reviews_get_the_outcome_and_the_incidents_it_caused(store, desk, records):
    chg = desk.new("change", d(3, 2), title="Upgrade mail server", service="Email")
    desk.set("change", chg, outcome="successful", resolved_at=d(3, 3))
    inc = desk.new("incident", d(3, 4), title="Mail slow after upgrade", service="Email")
    records.link(inc, chg)

    with store.read() as session:
        ev = evidence_for_event(session, "change_effectiveness_review", chg, d(3, 10))

    f = figures(ev)
    assert f["Outcome"] == "successful"
    assert f["Implemented"] == "2026-03-03 09:00 UTC"
    assert f["Incidents linked to the change"] == 1
    assert f["Incidents on the same service since the change"] == 1
    assert table(ev, "Incidents linked") == [[inc, "Mail slow after upgrade", "new", "P3"]]


def test_a_raised_review_carries_its_evidence_as_data_and_as_readable_text(store, desk, clock):
    reviews = ReviewService(store)
    reviews.ensure_schedules()
    ref = desk.new("change", d(3, 5), change_type="emergency")
    desk.set("change", ref, outcome="failed")
    clock.set(datetime(2026, 4, 1, 0, 1, tzinfo=UTC))
    reviews.raise_due()

    [row] = reviews.list_reviews(activity="rfc_trends")
    view = reviews.get(row.ref)

    assert figures(view.evidence)["Failed"] == 1
    lines = view.evidence_text.splitlines()
    assert lines[0] == "Period: March 2026"
    assert any(line.split() == ["Failed", "1"] for line in lines)
    assert "  CATEGORY   OUTCOME  CHANGES" in lines
    assert "  emergency  failed   1" in lines


def test_evidence_text_shows_user_text_on_one_line_with_controls_visible():
    ev = {"figures": [["Incident", "INC-000001 [b]bold[/b]\x1b]0;pwned\x07\nsecond"]],
          "tables": [{"title": "T", "columns": ["title"], "rows": [["a\x1b[2Jb"]]}], "notes": []}

    text = render_text(ev)

    assert "\x1b" not in text and "\x07" not in text
    assert "[b]bold[/b]" in text  # shown as typed, never interpreted
    assert len([line for line in text.splitlines() if "second" in line]) == 1
    assert "␛" in text


def test_period_boundaries_include_the_start_and_exclude_the_end(store, desk):
    desk.new("incident", MARCH[0])
    desk.new("incident", MARCH[1])
    desk.new("incident", MARCH[1] - timedelta(microseconds=1))

    assert figures(period_evidence(store, "service_trends"))["Incidents opened"] == 2


def test_an_emergency_change_is_reviewed_from_when_it_was_implemented_not_its_planned_end(
        store, desk):
    # planned to end on the 20th, actually implemented on the 3rd: the incidents caused in
    # between belong to the change, and the evidence says when it really happened
    chg = desk.new("change", d(3, 2), title="Emergency patch", service="Email",
                   change_type="emergency")
    desk.set("change", chg, outcome="successful", planned_end=d(3, 20), resolved_at=d(3, 3))
    desk.new("incident", d(3, 5), title="Mail down after the patch", service="Email")

    with store.read() as session:
        ev = evidence_for_event(session, "change_effectiveness_review", chg, d(3, 21))

    f = figures(ev)
    assert f["Implemented"] == "2026-03-03 09:00 UTC"
    assert f["Planned end"] == "2026-03-20 09:00 UTC"
    assert f["Incidents on the same service since the change"] == 1


def test_the_evidence_report_counts_resolved_complaints(db_path, backend):
    """Clause 8.3.2's complaint figures, on both backends (the server refused the SQL of
    'resolved in the period' before: a bare ``AND (1)`` is no boolean there)."""
    import json as _json
    from datetime import date, timedelta

    from tests.cli_helpers import Cli

    cli = Cli(db_path)
    cli.ok("contacts", "add", "--name", "Mark", "--email", "mark@example.org")
    ref = cli.ok("new", "complaint", "--title", "Rude answer", "--requester",
                 "mark@example.org").strip()
    cli.ok("complaints", "resolve", ref, "--outcome", "Apologised")
    today = date.today()
    report = _json.loads(cli.ok("evidence", "--from", today.isoformat(), "--to",
                                (today + timedelta(days=1)).isoformat(), "--format", "json"))
    facts = {f["label"]: f["value"] for clause in report["clauses"]
             for f in clause.get("facts", [])}
    assert facts["Service complaints received"] == "1"
    assert facts["Complaints resolved in the period (each with its outcome)"] == "1"
