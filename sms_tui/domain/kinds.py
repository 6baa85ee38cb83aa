"""The record kinds of the desk and their human references (INC-000042...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .bounds import ascii_number
from .errors import ValidationError
from .text import one_line


class Kind(StrEnum):
    """Record kinds, named as analysts and auditors say them."""

    INCIDENT = "incident"
    REQUEST = "request"
    PROBLEM = "problem"
    KNOWN_ERROR = "known_error"
    CHANGE = "change"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class KindInfo:
    kind: Kind
    prefix: str
    label: str  # singular, for messages
    plural: str  # for queue titles and the CLI
    clause: str  # ISO/IEC 20000-1 clause the record serves


KINDS: dict[Kind, KindInfo] = {
    Kind.INCIDENT: KindInfo(Kind.INCIDENT, "INC", "Incident", "incidents", "8.6.1"),
    Kind.REQUEST: KindInfo(Kind.REQUEST, "REQ", "Service request", "requests", "8.6.2"),
    Kind.PROBLEM: KindInfo(Kind.PROBLEM, "PRB", "Problem", "problems", "8.6.3"),
    Kind.KNOWN_ERROR: KindInfo(Kind.KNOWN_ERROR, "KE", "Known error", "known-errors", "8.6.3"),
    Kind.CHANGE: KindInfo(Kind.CHANGE, "CHG", "Change", "changes", "8.5.1"),
    Kind.COMPLAINT: KindInfo(Kind.COMPLAINT, "CMP", "Complaint", "complaints", "8.3.2"),
}

_BY_PREFIX = {info.prefix: info.kind for info in KINDS.values()}
_REF_RE = re.compile(r"^\s*([A-Za-z]+)-?([0-9]+)\s*$", re.ASCII)

ALIASES = {
    "incident": Kind.INCIDENT,
    "incidents": Kind.INCIDENT,
    "inc": Kind.INCIDENT,
    "request": Kind.REQUEST,
    "requests": Kind.REQUEST,
    "service-request": Kind.REQUEST,
    "req": Kind.REQUEST,
    "problem": Kind.PROBLEM,
    "problems": Kind.PROBLEM,
    "prb": Kind.PROBLEM,
    "known-error": Kind.KNOWN_ERROR,
    "known-errors": Kind.KNOWN_ERROR,
    "known_error": Kind.KNOWN_ERROR,
    "ke": Kind.KNOWN_ERROR,
    "change": Kind.CHANGE,
    "changes": Kind.CHANGE,
    "chg": Kind.CHANGE,
    "rfc": Kind.CHANGE,
    "complaint": Kind.COMPLAINT,
    "complaints": Kind.COMPLAINT,
    "cmp": Kind.COMPLAINT,
}


def parse_kind(text: str) -> Kind:
    """'incidents', 'INC', 'change'... -> Kind; refuse unknown words with the valid ones."""
    kind = ALIASES.get(str(text).strip().lower())
    if kind is None:
        raise ValidationError(
            f"unknown record type '{text}': use incident, request, problem, known-error, change or complaint"
        )
    return kind


def format_ref(kind: Kind, number: int) -> str:
    """INC-000042."""
    return f"{KINDS[kind].prefix}-{number:06d}"


def parse_ref(ref: str) -> tuple[Kind, int]:
    """'INC-000042', 'inc-42', 'INC42' -> (Kind.INCIDENT, 42)."""
    match = _REF_RE.match(str(ref))
    if match:
        kind = _BY_PREFIX.get(match.group(1).upper())
        number = ascii_number(match.group(2))
        if kind is not None and number:
            return kind, number
    raise ValidationError(
        f"'{one_line(str(ref), 40)}' is not a record reference (expected e.g. INC-000042, REQ-…, PRB-…, KE-…, CHG-…, CMP-…)"
    )


# The fields each kind has beyond the common ones (the services check writes against
# them; the forms show them). Here, not in the services, so a form can be built
# before the storage layer is loaded (issue 20).
EXTRA_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.INCIDENT: ("security_risk", "major", "major_reason"),
    Kind.REQUEST: ("request_type", "satisfaction_score", "satisfaction_comment"),
    Kind.PROBLEM: ("symptoms", "root_cause", "rca_method", "workaround", "permanent_fix"),
    Kind.KNOWN_ERROR: ("symptoms", "root_cause", "workaround"),
    Kind.CHANGE: ("change_type", "reason", "backout_plan", "planned_start", "planned_end", "outcome",
                  "risk_likelihood", "risk_impact", "business_benefit", "cost", "impact_capacity",
                  "impact_availability", "impact_continuity", "impact_security",
                  "implementation_plan", "test_plan", "investigation_note", "service_change",
                  "feasibility", "impact_customers", "impact_policies", "verification_results",
                  "test_results", "backout_tested", "backout_untested_reason"),
    Kind.COMPLAINT: ("outcome",),
}
