"""Problems, known errors and changes stay consistent (8.6.3): a problem resolved by a change
waits for the change to be implemented, and its known error moves to resolved with it."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import ValidationError
from sms_tui.services.changes.service import ChangeService
from sms_tui.services.problems.service import ProblemService


@pytest.fixture
def setup(store, records):
    problems, changes = ProblemService(store), ChangeService(store)
    ref = records.create("problem", title="Mail drops").ref
    problems.record_rca(ref, root_cause="Idle timeout", workaround="Reconnect")
    ke = problems.raise_known_error(ref).ref
    return records, problems, changes, ref, ke


def _implement(changes, records, change, outcome="successful", **kw):
    records.update(change, backout_plan="Lower it again", implementation_plan="Raise the limit",
                   verification_results="checked",
                   backout_tested="yes")
    changes.assess(change, likelihood=1, impact=2)
    changes.approve(change, "ok")
    changes.start(change)
    return changes.record_outcome(change, outcome, **kw)


def test_a_problem_resolved_by_a_change_waits_for_it_and_its_known_error_with_it(setup):
    records, problems, changes, ref, ke = setup
    view = problems.resolve(ref, permanent_fix="Raise the timeout", needs_change=True)
    change = next(link.ref for link in view.links if link.relation == "change")
    assert view.status == "known_error" and records.get(ke).status == "open"
    assert "awaiting_change" in [e.action for e in view.journal]
    _implement(changes, records, change)
    assert records.get(ref).status == "resolved"
    assert records.get(ke).status == "resolved"  # the KEDB is up to date by construction


def test_it_cannot_be_resolved_by_hand_while_the_change_is_not_implemented(setup):
    records, problems, changes, ref, ke = setup
    problems.resolve(ref, permanent_fix="Raise the timeout", needs_change=True)
    with pytest.raises(ValidationError, match="resolved when the change is implemented"):
        records.transition(ref, "resolved")
    assert records.get(ref).status == "known_error"


def test_a_failed_change_leaves_the_problem_open_and_says_so(setup):
    records, problems, changes, ref, ke = setup
    view = problems.resolve(ref, permanent_fix="Raise the timeout", needs_change=True)
    change = next(link.ref for link in view.links if link.relation == "change")
    _implement(changes, records, change, "failed", investigation_note="relay crashed")
    assert records.get(ref).status == "known_error" and records.get(ke).status == "open"
    assert any("stays open" in e.note for e in records.get(ref).journal)


def test_resolving_without_a_change_resolves_the_known_error_and_reopening_reopens_it(setup):
    records, problems, changes, ref, ke = setup
    problems.resolve(ref, permanent_fix="Config fixed in place")
    assert records.get(ke).status == "resolved"
    records.transition(ref, "investigating", note="it came back")
    assert records.get(ke).status == "open"


def test_a_fix_cannot_go_through_a_rejected_change(setup):
    # the problem waited for ever for a change that would never be implemented
    records, problems, changes, ref, ke = setup
    rejected = records.create("change", title="Raise the timeout").ref
    changes.reject(rejected, "not now")
    version = records.get(ref).version
    with pytest.raises(ValidationError, match=f"{rejected} is rejected: the fix cannot go through it"):
        problems.resolve(ref, permanent_fix="Raise the timeout", change_ref=rejected)
    assert records.get(ref).version == version  # nothing written


def test_after_its_change_failed_a_problem_raises_a_new_one_not_the_failed_one_again(setup):
    records, problems, changes, ref, ke = setup
    view = problems.resolve(ref, permanent_fix="Raise the timeout", needs_change=True)
    failed = next(link.ref for link in view.links if link.relation == "change")
    _implement(changes, records, failed, "failed", investigation_note="relay crashed")
    view = problems.resolve(ref, needs_change=True)
    again = next(link.ref for link in view.links if link.relation == "change")
    assert again != failed and records.get(again).status == "new"
    _implement(changes, records, again)
    assert records.get(ref).status == "resolved"


def test_a_resolved_problem_is_not_resolved_again_through_a_change(setup):
    # it said "resolved; fix goes through CHG-…" and stayed resolved, waiting on a new RFC
    records, problems, changes, ref, ke = setup
    problems.resolve(ref, permanent_fix="Config fixed in place")
    version = records.get(ref).version
    with pytest.raises(ValidationError, match="is resolved already"):
        problems.resolve(ref, needs_change=True)
    assert records.get(ref).version == version
