"""The journal: every write leaves who/when/what in the same transaction; a failed write leaves nothing."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlmodel import select

from sms_tui.domain.errors import (
    ConflictError,
    DeskError,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from sms_tui.domain.kinds import Kind
from sms_tui.services.core import hooks
from sms_tui.services.core.journal import verify_chain
from sms_tui.storage.models import JournalEntry


def _entries(store, ref):
    with store.read() as session:
        rows = list(
            session.exec(select(JournalEntry).where(JournalEntry.record_ref == ref).order_by(JournalEntry.id))
        )
        session.expunge_all()  # keep the loaded values after the read transaction ends
        return rows


def _all_entries(store):
    with store.read() as session:
        rows = list(session.exec(select(JournalEntry).order_by(JournalEntry.id)))
        session.expunge_all()
        return rows


def _newest(records, ref):
    return records.get(ref).journal[0]


def test_create_journals_who_when_and_the_initial_values(records, clock):
    rec = records.create("incident", title="Mail down", impact="high", urgency="low", category="email")
    [entry] = records.get(rec.ref).journal
    assert (entry.actor, entry.at, entry.action) == ("tester", clock(), "create")
    assert entry.changes["title"] == (None, "Mail down")
    assert entry.changes["status"] == (None, "new")
    assert entry.changes["priority"] == (None, "P3")
    assert entry.changes["category"] == (None, "email")


def test_update_journals_each_changed_field_from_and_to(records, clock):
    rec = records.create("problem", title="Flaky DNS")
    clock.advance(hours=1)
    records.update(rec.ref, title="Flaky DNS on site B", root_cause="TTL", note="narrowed down")
    entry = _newest(records, rec.ref)
    assert (entry.action, entry.at, entry.actor, entry.note) == ("update", clock(), "tester", "narrowed down")
    assert entry.changes == {"title": ("Flaky DNS", "Flaky DNS on site B"), "root_cause": ("", "TTL")}


def test_update_without_any_change_writes_nothing(records):
    rec = records.create("incident", title="Same")
    after = records.update(rec.ref, title="Same")
    assert after.version == rec.version
    assert len(records.get(rec.ref).journal) == 1


def test_transition_journals_the_status_change_and_the_note(records, clock):
    rec = records.create("incident", title="VPN")
    clock.advance(minutes=10)
    records.transition(rec.ref, "on_hold", note="waiting for the ISP")
    entry = _newest(records, rec.ref)
    assert (entry.action, entry.at, entry.note) == ("transition", clock(), "waiting for the ISP")
    assert entry.changes == {"status": ("new", "on_hold")}


def test_add_note_journals_the_note(records, clock):
    rec = records.create("request", title="New laptop", request_type="other")
    clock.advance(minutes=1)
    records.add_note(rec.ref, "called the user back")
    entry = _newest(records, rec.ref)
    assert (entry.action, entry.at, entry.actor, entry.note) == ("note", clock(), "tester", "called the user back")


def test_assign_journals_old_and_new_assignee(records):
    rec = records.create("incident", title="Printer")
    records.assign(rec.ref, "alice", group="desk", note="first line")
    entry = _newest(records, rec.ref)
    assert entry.action == "assign"
    assert entry.changes == {"assignee": ("", "alice"), "assignment_group": ("", "desk")}
    records.assign(rec.ref, "")
    assert _newest(records, rec.ref).changes == {"assignee": ("alice", "")}


def test_functional_and_hierarchical_escalations_are_journaled_with_the_reason(records):
    rec = records.create("incident", title="Payroll")
    records.escalate(rec.ref, to="bob", group="network", reason="needs a network engineer")
    entry = _newest(records, rec.ref)
    assert entry.action == "escalate_functional" and entry.note == "needs a network engineer"
    assert entry.changes == {"assignee": ("", "bob"), "assignment_group": ("", "network")}
    records.escalate(rec.ref, to="carol", hierarchical=True, reason="payroll deadline today")
    entry = _newest(records, rec.ref)
    assert entry.action == "escalate_hierarchical"
    assert entry.changes == {"escalated_to": ("", "carol"), "escalation_level": (0, 1)}


def test_link_and_unlink_journal_on_both_records(records):
    inc = records.create("incident", title="Mail bounce")
    prb = records.create("problem", title="Mail relay")
    records.link(inc.ref, prb.ref, note="same relay")
    assert _newest(records, inc.ref).action == "link"
    assert _newest(records, inc.ref).changes == {"problem": (None, prb.ref)}
    assert _newest(records, prb.ref).changes == {"linked_incident": (None, inc.ref)}
    records.link(inc.ref, prb.ref, unlink=True)
    assert _newest(records, inc.ref).action == "unlink"
    assert _newest(records, inc.ref).changes == {"problem": (prb.ref, None)}
    assert _newest(records, prb.ref).changes == {"linked_incident": (inc.ref, None)}


def test_every_write_adds_exactly_one_entry_per_record_touched(records):
    inc = records.create("incident", title="A")
    prb = records.create("problem", title="B")
    writes = [
        lambda: records.update(inc.ref, description="more"),
        lambda: records.transition(inc.ref, "in_progress"),
        lambda: records.add_note(inc.ref, "checked logs"),
        lambda: records.assign(inc.ref, "alice"),
        lambda: records.escalate(inc.ref, to="bob", reason="skills"),
        lambda: records.escalate(inc.ref, to="carol", hierarchical=True, reason="impact"),
    ]
    for n, write in enumerate(writes, start=2):
        write()
        assert len(_entries(records.store, inc.ref)) == n
        assert records.get(inc.ref).version == n
    records.link(inc.ref, prb.ref)
    assert len(_entries(records.store, inc.ref)) == 8
    assert len(_entries(records.store, prb.ref)) == 2


def test_journal_uses_the_acting_user(db_path, clock):
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    store = Store(db_path, actor="dora", clock=clock)
    try:
        rec = RecordService(store).create("change", title="Patch")
        assert RecordService(store).get(rec.ref).journal[0].actor == "dora"
    finally:
        store.close()


def test_each_record_journal_forms_an_unbroken_hash_chain(records):
    inc = records.create("incident", title="Chain")
    for i in range(5):
        records.add_note(inc.ref, f"note {i}")
    entries = _entries(records.store, inc.ref)
    assert entries[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert verify_chain(entries) == []


# ---------------------------------------------------------------- failed writes
def _snapshot(records, ref):
    rec = records.get(ref)
    return rec, len(_all_entries(records.store))


FAILED_WRITES = {
    "bad impact": (lambda r, ref: r.update(ref, impact="critical"), ValidationError),
    "empty title": (lambda r, ref: r.update(ref, title="   "), ValidationError),
    "unknown field": (lambda r, ref: r.update(ref, colour="red"), ValidationError),
    "unknown service": (lambda r, ref: r.update(ref, service="nope"), NotFound),
    "invalid transition": (lambda r, ref: r.transition(ref, "closed"), InvalidTransition),
    "empty note": (lambda r, ref: r.add_note(ref, "  \n"), ValidationError),
    "same assignee": (lambda r, ref: r.assign(ref, ""), ValidationError),
    "escalation without reason": (lambda r, ref: r.escalate(ref, to="x", reason=""), ValidationError),
    "stale version": (lambda r, ref: r.add_note(ref, "x", expected_version=99), ConflictError),
    "bad link": (lambda r, ref: r.link(ref, ref), ValidationError),
    "unknown target": (lambda r, ref: r.link(ref, "PRB-000999"), NotFound),
}


@pytest.mark.parametrize("name", list(FAILED_WRITES))
def test_a_refused_write_changes_nothing_and_journals_nothing(records, name):
    write, error = FAILED_WRITES[name]
    rec = records.create("incident", title="Untouched")
    before, count = _snapshot(records, rec.ref)
    with pytest.raises(error):
        write(records, rec.ref)
    after, count_after = _snapshot(records, rec.ref)
    assert after == before and count_after == count


def test_a_final_record_refuses_every_write_and_journals_nothing(records):
    rec = records.create("incident", title="Done")
    records.transition(rec.ref, "cancelled")
    before, count = _snapshot(records, rec.ref)
    for write in (
        lambda: records.update(rec.ref, title="Again"),
        lambda: records.add_note(rec.ref, "late note"),
        lambda: records.assign(rec.ref, "alice"),
        lambda: records.escalate(rec.ref, to="bob", reason="why"),
    ):
        with pytest.raises(ValidationError, match="cancelled"):
            write()
    assert _snapshot(records, rec.ref) == (before, count)


class _Refused(DeskError):
    pass


def test_a_rule_failing_after_the_journal_was_written_rolls_the_whole_write_back(records):
    """A hook that refuses after the change and its entry were flushed: nothing survives."""
    rec = records.create("incident", title="Rolled back")
    before, count = _snapshot(records, rec.ref)

    def refuse(ctx, action):
        raise _Refused("refused by a rule")

    hooks.register("after_any_write", Kind.INCIDENT, refuse)
    try:
        with pytest.raises(_Refused):
            records.add_note(rec.ref, "will vanish")
        with pytest.raises(_Refused):
            records.transition(rec.ref, "in_progress")
    finally:
        hooks._HOOKS["after_any_write"][Kind.INCIDENT].remove(refuse)
    assert _snapshot(records, rec.ref) == (before, count)


def test_a_failing_create_leaves_no_record_and_no_journal(records):
    def refuse(ctx):
        raise _Refused("no")

    hooks.register("after_create", Kind.PROBLEM, refuse)
    try:
        with pytest.raises(_Refused):
            records.create("problem", title="Never")
    finally:
        hooks._HOOKS["after_create"][Kind.PROBLEM].remove(refuse)
    assert records.count("problem") == 0
    assert _all_entries(records.store) == []


def test_hash_chain_holds_whatever_time_zone_the_clock_uses(db_path):
    """The database returns times in UTC; entries written with a local-time clock must still verify."""
    from datetime import datetime, timedelta, timezone

    from sms_tui.services.admin.integrity import verify_database
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    paris = timezone(timedelta(hours=2))
    store = Store(db_path, actor="tester", clock=lambda: datetime(2026, 6, 1, 9, 30, 0, 123456, tzinfo=paris))
    try:
        records = RecordService(store)
        rec = records.create("problem", title="Local time")
        records.add_note(rec.ref, "noted at 09:30 local")
        assert records.get(rec.ref).journal[0].at == datetime(2026, 6, 1, 7, 30, 0, 123456, tzinfo=UTC)
        assert verify_database(store).ok
    finally:
        store.close()


def test_an_incident_links_under_a_parent_incident_seen_and_journaled_from_both(records):
    parent = records.create("incident", title="Site B offline")
    child = records.create("incident", title="Printer at site B offline")
    records.link(child.ref, parent.ref, note="same outage")
    assert [(link.relation, link.ref) for link in records.get(child.ref).links] == [("parent", parent.ref)]
    assert [(link.relation, link.ref) for link in records.get(parent.ref).links] == [("child", child.ref)]
    assert _newest(records, child.ref).changes == {"parent_incident": (None, parent.ref)}
    assert _newest(records, parent.ref).changes == {"linked_child_incident": (None, child.ref)}
    records.link(child.ref, parent.ref, unlink=True)
    assert records.get(child.ref).links == [] and records.get(parent.ref).links == []


def test_an_incident_cannot_be_its_own_parent_or_its_parents_parent(records):
    top = records.create("incident", title="Site B offline")
    middle = records.create("incident", title="Switch at site B down")
    bottom = records.create("incident", title="Printer at site B offline")
    records.link(middle.ref, top.ref)
    records.link(bottom.ref, middle.ref)
    with pytest.raises(ValidationError, match="cannot be linked to itself"):
        records.link(top.ref, top.ref)
    with pytest.raises(ValidationError, match=f"{bottom.ref} is already under {top.ref}"):
        records.link(top.ref, bottom.ref)
    assert [(link.relation, link.ref) for link in records.get(top.ref).links] == [("child", middle.ref)]
