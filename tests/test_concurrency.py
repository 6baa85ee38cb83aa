"""Optimistic concurrency: two analysts open the same record; the second save is refused, never silently applied."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import ConflictError
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store


@pytest.fixture
def two_analysts(db_path, clock):
    """Two independent stores (as two processes would have) on the same database file."""
    alice = Store(db_path, actor="alice", clock=clock)
    bob = Store(db_path, actor="bob", clock=clock)
    yield RecordService(alice), RecordService(bob)
    alice.close()
    bob.close()


STALE_WRITES = {
    "update": lambda r, ref, v: r.update(ref, title="Bob's title", expected_version=v),
    "transition": lambda r, ref, v: r.transition(ref, "on_hold", expected_version=v),
    "note": lambda r, ref, v: r.add_note(ref, "Bob's note", expected_version=v),
    "assign": lambda r, ref, v: r.assign(ref, "bob", expected_version=v),
    "escalate": lambda r, ref, v: r.escalate(ref, to="manager", hierarchical=True, reason="x",
                                             expected_version=v),
}


@pytest.mark.parametrize("write", list(STALE_WRITES))
def test_second_save_on_a_stale_version_is_refused_and_the_first_is_kept(two_analysts, write):
    alice, bob = two_analysts
    rec = alice.create("incident", title="Shared screen")
    bobs_copy = bob.get(rec.ref)  # both have version 1 open

    alice.update(rec.ref, title="Alice's title", expected_version=rec.version)
    before = alice.get(rec.ref)

    with pytest.raises(ConflictError) as info:
        STALE_WRITES[write](bob, rec.ref, bobs_copy.version)
    message = str(info.value)
    assert rec.ref in message and "reload" in message
    assert "version 2" in message and "had 1" in message

    after = alice.get(rec.ref)
    assert after == before
    assert after.title == "Alice's title"
    assert [e.actor for e in after.journal] == ["alice", "alice"]


def test_after_reloading_the_second_analyst_can_save(two_analysts):
    alice, bob = two_analysts
    rec = alice.create("incident", title="Shared")
    stale = bob.get(rec.ref)
    alice.add_note(rec.ref, "first", expected_version=rec.version)
    with pytest.raises(ConflictError):
        bob.add_note(rec.ref, "second", expected_version=stale.version)
    fresh = bob.get(rec.ref)
    saved = bob.add_note(rec.ref, "second", expected_version=fresh.version)
    assert saved.version == 3
    assert [e.note for e in saved.journal[:2]] == ["second", "first"]


def test_version_increases_by_exactly_one_per_write(records):
    inc = records.create("incident", title="Counted")
    prb = records.create("problem", title="Cause")
    assert inc.version == 1
    steps = [
        lambda v: records.update(inc.ref, urgency="high", expected_version=v),
        lambda v: records.transition(inc.ref, "in_progress", expected_version=v),
        lambda v: records.add_note(inc.ref, "looking", expected_version=v),
        lambda v: records.assign(inc.ref, "alice", expected_version=v),
        lambda v: records.escalate(inc.ref, to="bob", reason="r", expected_version=v),
        lambda v: records.update(inc.ref, description="multi\nline", note="n", expected_version=v),
    ]
    version = inc.version
    for step in steps:
        assert step(version).version == version + 1
        version += 1
    linked = records.link(inc.ref, prb.ref)
    assert linked.version == version + 1
    assert records.get(prb.ref).version == 2


def test_a_write_without_expected_version_still_bumps_the_version(two_analysts):
    """Scripts (CLI, scheduler) do not hold a version; they still move it on for the TUI to notice."""
    alice, bob = two_analysts
    rec = alice.create("request", title="Access", request_type="other")
    bob.add_note(rec.ref, "scripted note")
    with pytest.raises(ConflictError):
        alice.update(rec.ref, title="Access to HR share", expected_version=rec.version)


def test_a_link_from_a_stale_screen_does_not_replace_the_link_made_meanwhile(two_analysts):
    """Both open the incident with no problem linked; alice links one, then bob, still
    looking at the unlinked record, picks another: his link would move the incident off
    alice's problem without him ever seeing it. It is refused, as every stale write is."""
    alice, bob = two_analysts
    incident = alice.create("incident", title="VPN drops every 10 min")
    hers = alice.create("problem", title="Concentrator firmware leaks sessions")
    his = alice.create("problem", title="ISP line flaps")
    bobs_copy = bob.get(incident.ref)

    alice.link(incident.ref, hers.ref, expected_version=incident.version)
    with pytest.raises(ConflictError) as info:
        bob.link(incident.ref, his.ref, expected_version=bobs_copy.version)
    message = str(info.value)
    assert incident.ref in message and "reload" in message
    assert f"now version {bobs_copy.version + 1}, you had {bobs_copy.version}" in message

    assert [(link.relation, link.ref) for link in alice.get(incident.ref).links] == [
        ("problem", hers.ref)]
    assert [e.action for e in alice.get(his.ref).journal] == ["create"]  # never linked
    assert [e.actor for e in alice.get(hers.ref).journal] == ["alice", "alice"]


def test_after_reloading_a_link_refused_as_stale_can_be_made(two_analysts):
    alice, bob = two_analysts
    incident = alice.create("incident", title="VPN drops")
    hers = alice.create("problem", title="Firmware")
    his = alice.create("problem", title="ISP line")
    stale = bob.get(incident.ref)
    alice.link(incident.ref, hers.ref, expected_version=incident.version)
    with pytest.raises(ConflictError):
        bob.link(incident.ref, his.ref, expected_version=stale.version)

    fresh = bob.get(incident.ref)  # ctrl+r: bob now sees alice's link, and moves it knowingly
    moved = bob.link(incident.ref, his.ref, expected_version=fresh.version)
    assert moved.version == fresh.version + 1
    assert [(link.relation, link.ref) for link in moved.links] == [("problem", his.ref)]


def test_an_unlink_from_a_stale_screen_is_refused(two_analysts):
    alice, bob = two_analysts
    incident = alice.create("incident", title="VPN drops")
    problem = alice.create("problem", title="Firmware")
    linked = alice.link(incident.ref, problem.ref)
    bobs_copy = bob.get(incident.ref)
    alice.add_note(incident.ref, "Vendor confirms the firmware bug: keep the link",
                   expected_version=linked.version)

    with pytest.raises(ConflictError):
        bob.link(incident.ref, problem.ref, unlink=True, expected_version=bobs_copy.version)
    assert [link.ref for link in alice.get(incident.ref).links] == [problem.ref]


def test_a_link_from_the_problems_side_checks_the_problems_version(two_analysts):
    """`l` on a problem links an incident to it: the version checked is the problem's, the
    record the analyst has in front of them."""
    alice, bob = two_analysts
    problem = alice.create("problem", title="Firmware")
    first = alice.create("incident", title="VPN drops")
    second = alice.create("incident", title="VPN slow")
    bobs_copy = bob.get(problem.ref)
    alice.link(problem.ref, first.ref, expected_version=problem.version)

    with pytest.raises(ConflictError):
        bob.link(problem.ref, second.ref, expected_version=bobs_copy.version)
    assert [link.ref for link in alice.get(problem.ref).links] == [first.ref]


def test_a_link_from_the_problems_side_does_not_move_an_incident_off_another_problem(two_analysts):
    """Bob has the problem open, fresh, and links an incident to it: the incident was linked
    meanwhile to alice's problem, which bob never saw (his problem's version still matched).
    The link would take the incident off her problem unseen: it is refused as a conflict that
    names her link, and nothing is written."""
    alice, bob = two_analysts
    incident = alice.create("incident", title="VPN drops every 10 min")
    hers = alice.create("problem", title="Concentrator firmware leaks sessions")
    his = bob.create("problem", title="ISP line flaps")
    alice.link(incident.ref, hers.ref)

    with pytest.raises(ConflictError) as info:
        bob.link(his.ref, incident.ref, expected_version=his.version)
    message = str(info.value)
    assert f"{incident.ref} is linked to {hers.ref}" in message
    assert info.value.holder_ref == incident.ref
    assert info.value.linked_to == hers.ref
    assert info.value.holder_version == alice.get(incident.ref).version

    assert [link.ref for link in alice.get(incident.ref).links] == [hers.ref]
    assert [e.action for e in alice.get(his.ref).journal] == ["create"]
    assert [e.actor for e in alice.get(hers.ref).journal] == ["alice", "alice"]


def test_a_move_confirmed_from_the_problems_side_is_refused_if_the_incident_changed_since(
        two_analysts):
    """Bob confirms moving the incident off alice's problem, as it was when he was told; it
    moved on since (alice linked it elsewhere): his confirmation is not for that, refused."""
    alice, bob = two_analysts
    incident = alice.create("incident", title="VPN drops")
    hers = alice.create("problem", title="Firmware")
    third = alice.create("problem", title="Power")
    his = bob.create("problem", title="ISP line")
    alice.link(incident.ref, hers.ref)
    seen = bob.get(incident.ref).version
    alice.link(incident.ref, third.ref)  # meanwhile

    with pytest.raises(ConflictError) as info:
        bob.link(his.ref, incident.ref, move=True, target_version=seen)
    assert f"now version {seen + 1}, you had {seen}" in str(info.value)
    assert [link.ref for link in alice.get(incident.ref).links] == [third.ref]


def test_a_move_confirmed_from_the_problems_side_is_journaled_on_all_three_records(
        two_analysts, clock):
    alice, bob = two_analysts
    incident = alice.create("incident", title="VPN drops")
    hers = alice.create("problem", title="Firmware")
    his = bob.create("problem", title="ISP line")
    alice.link(incident.ref, hers.ref)
    seen = bob.get(incident.ref).version

    moved = bob.link(his.ref, incident.ref, expected_version=his.version, move=True,
                     target_version=seen)
    assert [link.ref for link in moved.links] == [incident.ref]
    now = clock()
    for ref, action, changes in (
            (incident.ref, "link", {"problem": (hers.ref, his.ref)}),
            (his.ref, "link", {"linked_incident": (None, incident.ref)}),
            (hers.ref, "unlink", {"linked_incident": (incident.ref, None)})):
        entry = bob.get(ref).journal[0]
        assert (entry.actor, entry.at, entry.action, entry.changes) == (
            "bob", now, action, changes), ref
    assert f"moved to {his.ref}" in bob.get(hers.ref).journal[0].note


@pytest.mark.parametrize(("holder_kind", "far_kind", "relation"), [
    ("incident", "change", "linked_incident"),
    ("problem", "change", "linked_problem"),
    ("known_error", "problem", "linked_known_error"),
])
def test_no_link_made_from_the_far_side_moves_a_record_unasked(two_analysts, holder_kind,
                                                                far_kind, relation):
    """The same holds for every link a record holds to one other (an incident's change, a
    problem's change, a known error's problem) when it is made from the other side."""
    alice, bob = two_analysts
    extra = {"change": {"change_type": "normal", "backout_plan": "undo"}}
    holder = alice.create(holder_kind, title="Held", **extra.get(holder_kind, {}))
    first = alice.create(far_kind, title="First", **extra.get(far_kind, {}))
    second = bob.create(far_kind, title="Second", **extra.get(far_kind, {}))
    alice.link(holder.ref, first.ref)

    with pytest.raises(ConflictError):
        bob.link(second.ref, holder.ref, expected_version=second.version)
    assert [e.action for e in bob.get(second.ref).journal] == ["create"]
    moved = bob.link(second.ref, holder.ref, move=True,
                     target_version=bob.get(holder.ref).version)
    assert [(e.action, e.changes) for e in moved.journal[:1]] == [
        ("link", {relation: (None, holder.ref)})]


def test_a_note_needs_no_version_and_lands_on_a_record_changed_meanwhile(two_analysts, clock):
    """What the desk's note dialog does: bob writes his note on the record as he opened it;
    alice changes it meanwhile. A note changes none of its fields, so his lands, journaled
    (who, when, what) in its own transaction, and the version moves on."""
    alice, bob = two_analysts
    rec = alice.create("incident", title="Shared screen")
    bobs_copy = bob.get(rec.ref)
    alice.assign(rec.ref, "alice", expected_version=rec.version)

    saved = bob.add_note(rec.ref, "Called the user back")
    assert saved.version == bobs_copy.version + 2
    assert saved.assignee == "alice"
    entry = saved.journal[0]
    assert (entry.actor, entry.at, entry.action, entry.note) == (
        "bob", clock(), "note", "Called the user back")


def test_a_note_on_a_record_purged_meanwhile_is_refused_and_writes_nothing(two_analysts, store):
    from sms_tui.domain.errors import NotFound
    from sms_tui.services.admin.purge import purge
    from sms_tui.services.core.journal import entries_for

    alice, bob = two_analysts
    rec = alice.create("incident", title="Erase me")
    purge(store, rec.ref, reason="erasure request")
    with store.read() as session:
        before = [e.action for e in entries_for(session, rec.ref)]

    with pytest.raises(NotFound, match=f"no record {rec.ref}"):
        bob.add_note(rec.ref, "Called the user back")
    with store.read() as session:
        assert [e.action for e in entries_for(session, rec.ref)] == before == ["purge"]
