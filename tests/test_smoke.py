"""The first thing a new user does: record an incident and find it again."""


def test_new_incident_gets_a_reference_and_priority_from_impact_and_urgency(records):
    incident = records.create("incident", title="Mail is down", impact="high", urgency="high")

    assert incident.ref == "INC-000001"
    assert incident.priority == 1
    assert incident.status == "new"
    assert records.get(incident.ref).journal[-1].action == "create"  # oldest entry


def test_queue_lists_open_records_by_priority_then_age(records, clock):
    low = records.create("incident", title="Printer jam", impact="low", urgency="low")
    clock.advance(minutes=5)
    high = records.create("incident", title="VPN down", impact="high", urgency="high")
    clock.advance(minutes=5)
    high2 = records.create("incident", title="Payroll down", impact="high", urgency="high")

    assert [r.ref for r in records.list("incident")] == [high.ref, high2.ref, low.ref]
