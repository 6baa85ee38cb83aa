"""A scripted day at the desk, in a real terminal, keys in bursts (issue 13's "done when").

One analyst, one new desk, the installed ``sms-tui``: a major incident from the
first report to closure after its review. Every step is one burst of keys as
SSH delivers them; the records are checked through the command line after.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta


def _record(desk, ref: str) -> dict:
    return json.loads(desk.cli("show", ref, "--format", "json"))


def _review_done(desk, term, ref: str = "REV-000001", timeout: float = 30.0) -> dict:
    """Wait until the review is recorded as done (the screen may have scrolled its status
    line away: the database says it, not the screen)."""
    deadline = time.monotonic() + timeout
    while True:
        review = json.loads(desk.cli("reviews", "show", ref, "--format", "json"))
        if review["status"] == "done" or time.monotonic() > deadline:
            return review
        term.settle(0.3)


def test_a_major_incident_from_first_report_to_closure_after_its_review(desk):
    # 32 rows: with the requester and security risk rows, the major incident panel's
    # manager line sits below the fold of a 30-row terminal (it scrolls into view there,
    # as at 80x24); the procedure's steps stay below it, so the dialog's text is its own
    term = desk.tui(rows=32)
    term.wait_for("Incidents")
    # recorded with high impact and urgency: P1, a major incident by the default criteria
    term.burst("n", "Payroll down for everyone", "tab", "h", "tab", "h", "ctrl+s")
    term.wait_for("INC-000001")
    term.burst("enter")
    term.wait_for("Manager: NONE")
    # the major incident procedure: a manager, then an update to top management
    term.burst("m")
    term.wait_for("Appoint a major incident manager")
    term.burst("a", "Dana Lead", "enter")
    term.wait_for("Manager: Dana Lead")
    term.burst("u", "Payroll team is restoring the service", "ctrl+s")
    term.wait_for("Messages to management: 2")
    term.burst("escape")
    term.wait_gone("Appoint a major incident manager")
    # resolved, with what was done
    term.burst("t", "down", "down", "tab", "Restarted the payroll service", "enter")
    term.wait_for("saved (version")
    incident = _record(desk, "INC-000001")
    assert incident["status"] == "resolved" and incident["major"] is True
    # the major incident review was raised; completing it lets the incident close
    term.burst("6")
    term.wait_for("Major incident review of INC-000001")
    term.burst("enter")
    term.wait_for("Write the timeline")
    # each space ticks the highlighted item and moves on: four items, one burst
    term.burst(" ", " ", " ", " ", "c", "Timeline written; cause was an expired certificate",
               "ctrl+s")
    assert _review_done(desk, term)["status"] == "done"
    term.burst("1", "o")
    term.wait_for("INC-000001")
    term.burst("enter")
    term.wait_for("Payroll down for everyone")
    term.burst("t")
    term.wait_for("Change status")
    term.burst("enter")
    # the procedure is followed to its end: two of its steps are still open
    term.wait_for("its procedure has step 2")
    assert _record(desk, "INC-000001")["status"] == "resolved"
    term.burst("escape")
    term.wait_gone("Change status")
    # no top-management contacts on this desk: the updates went to nobody, so informing them
    # is open too, and ticking it asks how they were told; m opens on the first step still
    # to do
    for step in (2, 3, 4, 5):
        term.burst("m")
        term.wait_for("Appoint a major incident manager")
        term.burst(" ")
        if step == 3:
            term.wait_for("How was top management told?")
            term.burst("Called the CIO at 10:05", "enter")
        term.wait_for(f"[x] {step}.")
        term.burst("escape")
        term.wait_gone("Appoint a major incident manager")
    term.burst("t")
    term.wait_for("Change status")
    term.burst("enter")
    term.wait_for("saved (version")
    incident = _record(desk, "INC-000001")
    assert incident["status"] == "closed"
    actions = [entry["action"] for entry in incident["journal"]]
    assert any("Called the CIO at 10:05" in (entry["note"] or "") for entry in incident["journal"])
    assert "major_manager" in " ".join(actions) or any("manager" in a for a in actions)
    assert term.child.isalive()
    term.burst("q")
    assert term.wait_exit() == 0


def test_a_request_from_the_catalogue_takes_its_priority_and_is_fulfilled_step_by_step(desk):
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("2")
    term.wait_for("Requests")
    term.burst("T")
    term.wait_for("Password reset")
    # the fifth type of the catalogue, Password reset: P2, fulfil within 4h
    term.burst("down", "down", "down", "down", "enter")
    term.wait_for("fulfil within 4h")
    term.burst("Cannot log in after the holiday", "ctrl+s")
    term.wait_for("REQ-000001")
    request = _record(desk, "REQ-000001")
    assert request["priority"] == "P2" and request["title"] == "Cannot log in after the holiday"
    assert "password" in json.dumps(request).lower()
    term.wait_for("Verify the caller")
    # every fulfilment step ticked in one burst, then fulfilled (4th status), then closed
    term.burst(" ", " ", " ", " ")
    term.wait_for_re(r"Version +6")
    term.burst("t", "down", "down", "down", "enter")
    term.wait_for("saved (version 7)")
    term.burst("t", "enter")
    term.wait_for("saved (version 8)")
    request = _record(desk, "REQ-000001")
    assert request["status"] == "closed"
    assert [e["action"] for e in request["journal"]].count("step") == 4


def test_a_problem_becomes_a_known_error_and_a_change_that_is_planned_done_and_reviewed(desk):
    desk.cli("new", "problem", "--title", "Mail relay drops messages at peak")
    desk.cli("problems", "rca", "PRB-000001", "--root-cause", "Queue limit too low",
             "--workaround", "Resend from the outbox")
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("3")
    term.wait_for("PRB-000001")
    term.burst("enter")
    term.wait_for("K records the known error")
    term.burst("K")
    term.wait_for("KE-000001")
    # resolved by a fix that needs a change: the RFC is raised from the problem
    term.burst("v", "Raise the queue limit", "tab", "y", "enter")
    term.wait_for("CHG-000001")
    desk.cli("changes", "assess", "CHG-000001", "--likelihood", "unlikely", "--impact", "minor",
             "--implementation-plan", "Raise the queue limit to 500, restart the queue",
             "--backout-plan", "Put the old limit back", "--verification", "Limit checked on staging",
             "--backout-tested", "yes")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    term.burst("5")
    term.wait_for("assessing")  # the queue shows what the command line just wrote
    term.burst("enter")
    term.wait_for("Assessment")
    # approved, then planned for tomorrow: two dialogs in one burst
    term.burst("A", "Low risk, agreed", "tab", "Priya", "enter",
               "w", f"{tomorrow} 09:00", "tab", f"{tomorrow} 10:00", "enter")
    term.wait_for("Next status: implementing")
    change = _record(desk, "CHG-000001")
    assert change["status"] == "scheduled" and "approved by Priya" in json.dumps(change)
    # on the change calendar for tomorrow
    term.burst("9")
    term.wait_for("Change calendar")
    term.wait_for("CHG-000001")
    # implemented (started early: it is journaled), successful; the effectiveness review follows
    term.burst("5", "enter")
    term.wait_for("Next status: implementing")
    term.burst("t", "enter")
    term.wait_for_re(r"Status +implementing")
    term.burst("o", "enter")
    term.wait_for_re(r"Outcome +successful")
    term.burst("6")
    term.wait_for("Effectiveness review")
    term.burst("enter")
    term.wait_for("Checklist")
    term.burst(" ", " ", " ", "c", "Queue limit holds at peak; no new incidents", "ctrl+s")
    assert _review_done(desk, term)["status"] == "done"
    known_error = _record(desk, "KE-000001")
    assert "Resend from the outbox" in json.dumps(known_error)
    review = json.loads(desk.cli("reviews", "show", "REV-000001", "--format", "json"))
    assert review["status"] == "done" and "CHG-000001" in json.dumps(review)


def test_an_overdue_review_shows_as_overdue_and_is_completed(desk):
    desk.cli("schedules", "set", "sla_performance", "--next-due", "2026-01-01", "--days-to-complete", "5")
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("6")
    term.wait_for("Showing:")
    term.burst("u")
    term.wait_for("OVERDUE")
    term.wait_for("raised late")
    term.burst("enter")
    term.wait_for("Checklist")
    term.burst(" ", " ", " ", " ", "c", "Targets met except P2 response in January", "ctrl+s")
    review = _review_done(desk, term)
    assert review["status"] == "done" and review["raised_late"] is True
