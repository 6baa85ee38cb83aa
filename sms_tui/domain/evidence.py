"""What an auditor concludes from a clause's evidence, and the documents an auditor asks for.

Pure rules, no I/O. :func:`clause_status` turns the facts found for one clause
into one word; absence of evidence is never "met":

* ``gap``: the records show something the requirement asks for that was not done;
* ``not_applicable``: what the requirement is about did not happen in the period
  (e.g. no change was flagged for service design and transition), and nothing is
  missing;
* ``outside``: the records show no gap, but part of what an auditor asks for
  (a policy, a plan, contracts, minutes...) is not held by the desk and not in
  its register of documented information;
* ``no_evidence``: nothing in the period shows the requirement is met;
* ``met``: evidence is there, no gap, nothing missing.
"""

from __future__ import annotations

from dataclasses import dataclass

MET, GAP, NO_EVIDENCE, OUTSIDE, NOT_APPLICABLE = (
    "met", "gap", "no_evidence", "outside", "not_applicable")
STATUSES = (MET, GAP, NO_EVIDENCE, OUTSIDE, NOT_APPLICABLE)
STATUS_WORDS = {
    MET: "met",
    GAP: "gap",
    NO_EVIDENCE: "no evidence",
    OUTSIDE: "outside the desk",
    NOT_APPLICABLE: "not applicable",
}

STATUS_MEANING = {
    MET: "evidence in the period, no gap found, nothing held outside the desk",
    GAP: "the records show requirements not met (listed below)",
    NO_EVIDENCE: "nothing in the period shows this requirement is met",
    OUTSIDE: "part of the evidence is not held by the desk nor in its register (listed below)",
    NOT_APPLICABLE: "what this requirement is about did not happen in the period",
}


def clause_status(*, evidence: int, gaps: int, outside: int = 0, applicable: bool = True) -> str:
    """The status of a clause from its counts (see the module docstring for the order)."""
    if gaps:
        return GAP
    if not applicable:
        return NOT_APPLICABLE
    if outside:
        return OUTSIDE
    if evidence <= 0:
        return NO_EVIDENCE
    return MET


@dataclass(frozen=True)
class DocumentKind:
    key: str
    label: str
    clauses: tuple[str, ...]  # the evidence clauses that ask for it


DOCUMENT_KINDS: dict[str, DocumentKind] = {d.key: d for d in (
    DocumentKind("sms_scope", "SMS scope and service management plan", ()),
    DocumentKind("service_catalogue", "service catalogue", ()),
    DocumentKind("sla", "service level agreements", ("8.3.3",)),
    DocumentKind("complaints_procedure", "service complaint procedure", ("8.3.2",)),
    DocumentKind("supplier_contract", "supplier contracts", ("8.3.4",)),
    DocumentKind("budget", "budget and cost accounting for the services", ("8.4",)),
    DocumentKind("capacity_plan", "capacity plan", ("8.4",)),
    DocumentKind("change_management_policy", "change management policy", ("8.5.1",)),
    DocumentKind("release_policy", "release and deployment policy", ("8.5.2",)),
    DocumentKind("major_incident_procedure", "major incident procedure", ("8.6.1",)),
    DocumentKind("continuity_plan", "service continuity plans and test records", ("8.7",)),
    DocumentKind("risk_register", "risk register (availability, continuity, security)",
                 ("8.7",)),
    DocumentKind("information_security_policy", "information security policy", ("8.7",)),
    DocumentKind("audit_programme", "internal audit programme and audit reports", ("9.2",)),
    DocumentKind("management_review_minutes", "management review minutes", ("9.3",)),
    DocumentKind("other", "other documented information", ()),
)}


# Clauses whose activity happens outside the desk (contracts, budgets, plans, audits, the
# review meeting): a registered, current document is evidence of them by itself. Elsewhere a
# document (the change policy, the incident procedure) is needed but proves nothing alone:
# the records must show the activity.
DOCUMENTARY_CLAUSES = frozenset({"8.3.4", "8.4", "8.7", "9.2", "9.3"})


def kinds_for(clause: str) -> tuple[DocumentKind, ...]:
    """The kinds of document an auditor asks for under ``clause``."""
    return tuple(d for d in DOCUMENT_KINDS.values() if clause in d.clauses)
