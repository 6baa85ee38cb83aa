"""Escalation (8.6.1): functional and hierarchical, journaled and visible in the queue."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import ValidationError
from sms_tui.services.core.views import QueueFilter


def test_functional_escalation_hands_over_with_the_reason_in_the_journal(records):
    inc = records.create("incident", title="DB timeouts", assignee="ann")
    records.escalate(inc.ref, to="dba-on-call", group="Database", reason="needs a DBA")
    [row] = records.list("incident")
    assert (row.assignee, row.assignment_group) == ("dba-on-call", "Database")
    entry = records.get(inc.ref).journal[0]
    assert (entry.action, entry.note) == ("escalate_functional", "needs a DBA")
    assert entry.changes["assignee"] == ("ann", "dba-on-call")


def test_hierarchical_escalation_raises_the_level_and_names_the_manager_in_the_queue(records):
    inc = records.create("incident", title="VIP laptop", assignee="ann")
    records.escalate(inc.ref, to="Team Lead", hierarchical=True, reason="third call today")
    records.escalate(inc.ref, to="Head of IT", hierarchical=True, reason="still broken")
    [row] = records.list("incident", QueueFilter())
    assert (row.escalated_to, row.escalation_level, row.assignee) == ("Head of IT", 2, "ann")
    actions = [e.action for e in records.get(inc.ref).journal]
    assert actions[:2] == ["escalate_hierarchical", "escalate_hierarchical"]


def test_escalation_without_a_reason_is_refused(records):
    inc = records.create("incident", title="x")
    with pytest.raises(ValidationError, match="needs a reason"):
        records.escalate(inc.ref, to="bob", reason=" ")


def test_escalation_counts_as_the_first_response(records, clock, store):
    from sms_tui.services.incidents.sla import SlaService

    inc = records.create("incident", title="x")
    clock.advance(minutes=10)
    records.escalate(inc.ref, to="network", reason="looks like the switch")
    assert SlaService(store).get(inc.ref).first_response_at == clock()
