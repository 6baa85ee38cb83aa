"""Evidence that top management was informed of a major incident (8.6.1): a message to someone.

A trial's evidence report said "Major incidents with top management informed: 3" and raised no
gap when no ``[major_incident] contacts`` were configured and every message in the outbox was
"recorded, to nobody". Absence of evidence is never ``met``.

Data: ``tests/report_dataset.py`` -- INC-000008 is the one major incident of March 2026.
"""

from __future__ import annotations

import textwrap

from sqlmodel import select

from sms_tui.config import load_config
from sms_tui.reports import render_evidence_report
from sms_tui.services.core.store import Store
from sms_tui.services.reporting.service import ReportService
from sms_tui.storage.incidents import Communication
from sms_tui.storage.models import Incident
from tests import report_dataset as data
from tests.report_dataset import MARCH, REPORT_NOW, t

INFORMED = "Major incidents with top management informed (a message addressed to a contact)"
# March is over when the report runs: the config it names is today's (it keeps no history)
NOBODY_GAP = ("major incidents with no message addressed to top management: no top-management "
              "contacts are configured today ([major_incident] contacts), nobody was informed")


def _message(ref: str, recipients: str, purpose: str = "declared", status: str = "recorded"):
    return Communication(record_ref=ref, purpose=purpose, created_at=t(3, 20, 10),
                         created_by="ann", recipients=recipients, subject="s", body="b",
                         status=status)


def _evidence(store, clock, *messages):
    clock.set(REPORT_NOW)
    data.build(store)
    with store.write() as session:
        for m in messages:
            session.add(m)
    return ReportService(store).evidence_report(MARCH)


def _fact(evidence, label):
    return {f.label: f.value for f in evidence.clause("8.6.1").facts}[label]


def _gap(evidence):
    return {g.key: g for g in evidence.clause("8.6.1").gaps}.get("incidents.major_uninformed")


def test_messages_recorded_to_nobody_inform_nobody_and_are_a_gap(store, clock):
    evidence = _evidence(store, clock, _message("INC-000008", ""),
                         _message("INC-000008", "  ", purpose="update"))
    assert _fact(evidence, INFORMED) == "0 of 1"
    gap = _gap(evidence)
    assert gap is not None and gap.refs == ("INC-000008",)
    assert gap.description == NOBODY_GAP
    assert evidence.clause("8.6.1").status == "gap"
    md = render_evidence_report(evidence, "md")
    assert f"- {INFORMED}: 0 of 1" in md
    assert "nobody was informed" in md


def test_a_message_addressed_to_a_contact_counts_even_before_it_is_sent(store, clock):
    evidence = _evidence(store, clock, _message("INC-000008", ""),
                         _message("INC-000008", "cio@example.org", purpose="update"))
    assert _fact(evidence, INFORMED) == "1 of 1"
    assert _gap(evidence) is None


def test_mail_to_the_requester_or_the_security_manager_is_not_top_management(store, clock):
    evidence = _evidence(store, clock,
                         _message("INC-000008", "Ann <ann@example.org>", "requester:recorded"),
                         _message("INC-000008", "ciso@example.org", "security", status="sent"))
    assert _fact(evidence, INFORMED) == "0 of 1"
    assert _gap(evidence).refs == ("INC-000008",)


def test_with_contacts_configured_the_gap_does_not_blame_the_config(tmp_path, clock, db_path):
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent('[major_incident]\ncontacts = ["cio@example.org"]\n'),
                    encoding="utf-8")
    store = Store(db_path, load_config(path), actor="tester", clock=clock)
    try:
        gap = _gap(_evidence(store, clock, _message("INC-000008", "")))
        assert gap.refs == ("INC-000008",)
        assert gap.description == ("major incidents with no message addressed to top management "
                                   "(none recorded, or each recorded to nobody)")
    finally:
        store.close()


def test_a_security_message_to_nobody_tells_no_security_manager(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    with store.write() as session:
        inc = session.exec(select(Incident).where(Incident.ref == "INC-000004")).one()
        inc.security_risk = "high"
        session.add(inc)
        session.add(_message("INC-000004", "", "security"))
    facts = {f.label: f.value for f in ReportService(store).evidence_report(MARCH)
             .clause("8.7").facts}
    assert facts["Security incidents the security manager was told of"] == "0"
