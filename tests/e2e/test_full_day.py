"""A scripted day at the desk, in a real terminal, keys in bursts (issue 13's "done when").

One analyst, one new desk, the installed ``sms-tui``: a major incident from the
first report to closure after its review. Every step is one burst of keys as
SSH delivers them; the records are checked through the command line after.
"""

from __future__ import annotations

import json


def _record(desk, ref: str) -> dict:
    return json.loads(desk.cli("show", ref, "--format", "json"))


def test_a_major_incident_from_first_report_to_closure_after_its_review(desk):
    term = desk.tui()
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
    term.wait_for("Status: done")
    term.burst("1", "o")
    term.wait_for("INC-000001")
    term.burst("enter")
    term.wait_for("Payroll down for everyone")
    term.burst("t")
    term.wait_for("Change status")
    term.burst("enter")
    term.wait_for("saved (version")
    incident = _record(desk, "INC-000001")
    assert incident["status"] == "closed"
    actions = [entry["action"] for entry in incident["journal"]]
    assert "major_manager" in " ".join(actions) or any("manager" in a for a in actions)
    assert term.child.isalive()
    term.burst("q")
    assert term.wait_exit() == 0
