"""Stateful tests: random sequences of actions on one record of each kind, checking the invariants.

* only transitions the lifecycle allows ever happen (feature rules may refuse
  more, e.g. a change without approval -- a refusal then changes nothing);
* a record in a final status (closed, cancelled, rejected, retired) refuses
  every write; "reopen" exists only from resolved/fulfilled;
* every successful action left a journal entry naming it, at the current time,
  by the acting user; a refused action left nothing;
* the version goes up by exactly one per successful write, and a write
  against a stale version is refused.

Note: "a major incident cannot close without its review" is a rule of the
major-incident feature and is tested with it (tests of services/incidents/rules.py).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sms_tui.domain.errors import ConflictError, DeskError, InvalidTransition
from sms_tui.domain.kinds import Kind
from sms_tui.domain.lifecycle import lifecycle_for
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store

from ..conftest import FakeClock

# markup and an escape, around at least one letter (a title of invisible marks is refused)
TEXT = st.text(alphabet="abc [/]\x1b\n", min_size=1, max_size=12).filter(
    lambda t: any(ch in "abc[/]" for ch in t))
_shared: dict[str, object] = {}


@pytest.fixture(autouse=True, scope="module")
def _shared_store():
    """One database for every run of every machine: each run works on a record of its own."""
    folder = Path(tempfile.mkdtemp(prefix="sms-machines-"))
    clock = FakeClock()
    store = Store(folder / "desk.db", actor="machine", clock=clock)
    _shared.update(store=store, clock=clock, records=RecordService(store))
    yield
    store.close()
    shutil.rmtree(folder, ignore_errors=True)


class RecordMachine(RuleBasedStateMachine):
    kind: Kind = Kind.INCIDENT

    @initialize(title=TEXT)
    def create(self, title):
        self.records: RecordService = _shared["records"]
        self.clock: FakeClock = _shared["clock"]
        self.lc = lifecycle_for(self.kind)
        # a request is classified when recorded (8.6.2): 'other' is journaled as a second write
        extra = {"request_type": "other"} if self.kind is Kind.REQUEST else {}
        rec = self.records.create(self.kind, title=title, **extra)
        self.ref, self.status, self.version = rec.ref, rec.status, rec.version
        self.entries = len(rec.journal)
        writes = 2 if extra else 1
        assert (self.status, self.version, self.entries) == (self.lc.initial, writes, writes)

    # ------------------------------------------------------------ helpers
    def _attempt(self, action: str, write, *, final_refuses: bool = True):
        """Run ``write``; check a success moved the version by one and journaled ``action``."""
        self.clock.advance(minutes=7)
        was_final = self.lc.is_final(self.status)
        try:
            rec = write()
        except DeskError as exc:
            self._unchanged()
            return exc
        assert not (was_final and final_refuses), f"{self.ref} changed while {self.status}"
        if rec.version == self.version:  # a no-op (nothing to change) writes nothing
            self._unchanged()
            return None
        assert rec.version == self.version + 1
        new_entries = rec.journal[: len(rec.journal) - self.entries]
        assert new_entries, f"{action} left no journal entry"
        assert any(e.action == action and e.at == self.clock() and e.actor == "machine"
                   for e in new_entries), [e.action for e in new_entries]
        self.version, self.status, self.entries = rec.version, rec.status, len(rec.journal)
        return None

    def _unchanged(self):
        rec = self.records.get(self.ref)
        assert (rec.status, rec.version, len(rec.journal)) == (self.status, self.version, self.entries)

    # ------------------------------------------------------------ rules
    @rule(data=st.data())
    def transition(self, data):
        # mostly moves the lifecycle allows (to get far), sometimes any status (to be refused)
        allowed_now = self.lc.allowed(self.status) or list(self.lc.states)
        target = data.draw(st.one_of(st.sampled_from(allowed_now), st.sampled_from(self.lc.states)))
        allowed = target in self.lc.allowed(self.status)
        before = self.status
        exc = self._attempt("transition", lambda: self.records.transition(
            self.ref, target, note="moving", expected_version=self.version), final_refuses=True)
        if exc is None:
            assert allowed, f"{before} -> {target} happened but the lifecycle forbids it"
            assert self.status == target
            event(f"reached {'a final' if self.lc.is_final(target) else 'an open'} status")
        elif isinstance(exc, InvalidTransition):
            assert not allowed
            for name in self.lc.allowed(before):
                assert name in str(exc)
        else:  # a feature rule refused an allowed move; nothing changed (checked above)
            event(f"refused by a rule: {type(exc).__name__}")

    @rule(title=TEXT, description=TEXT)
    def update(self, title, description):
        self._attempt("update", lambda: self.records.update(
            self.ref, title=title, description=description, expected_version=self.version))

    @rule(note=TEXT)
    def add_note(self, note):
        self._attempt("note", lambda: self.records.add_note(self.ref, note, expected_version=self.version))

    @rule(person=st.sampled_from(["alice", "bob", ""]))
    def assign(self, person):
        self._attempt("assign", lambda: self.records.assign(self.ref, person, expected_version=self.version))

    @rule(to=st.sampled_from(["carol", "dave"]))
    def escalate(self, to):
        self._attempt("escalate_hierarchical", lambda: self.records.escalate(
            self.ref, to=to, hierarchical=True, reason="needs a decision", expected_version=self.version))

    @rule(note=TEXT)
    def stale_write_is_refused(self, note):
        if self.version > 1:
            with pytest.raises((ConflictError, DeskError)) as info:
                self.records.add_note(self.ref, note, expected_version=self.version - 1)
            if not self.lc.is_final(self.status):
                assert isinstance(info.value, ConflictError)
            self._unchanged()

    # ------------------------------------------------------------ invariants
    @invariant()
    def stored_record_matches_what_happened(self):
        rec = self.records.get(self.ref)
        assert rec.status == self.status and rec.version == self.version
        assert len(rec.journal) == self.entries
        assert rec.is_open == self.lc.is_open(self.status)
        expected = self.lc.allowed(self.status)
        if self.kind is Kind.CHANGE:  # only the moves its category can take (approval: A)
            from sms_tui.domain.changes import next_statuses

            expected = next_statuses(change_type=str(rec.extra.get("change_type") or "normal"),
                                     status=self.status, allowed=expected)
        assert rec.allowed_transitions == expected
        assert rec.journal[-1].action == "create"


SETTINGS = settings(max_examples=15, stateful_step_count=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _machine(kind: Kind):
    machine = type(f"{kind.name.title()}Machine", (RecordMachine,), {"kind": kind})
    case = machine.TestCase
    case.settings = SETTINGS
    return case


TestIncidentLifecycle = _machine(Kind.INCIDENT)
TestRequestLifecycle = _machine(Kind.REQUEST)
TestProblemLifecycle = _machine(Kind.PROBLEM)
TestKnownErrorLifecycle = _machine(Kind.KNOWN_ERROR)
TestChangeLifecycle = _machine(Kind.CHANGE)
