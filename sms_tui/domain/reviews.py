"""The review activities of ISO/IEC 20000-1 and the small lifecycles of what reviews find.

Pure data and rules, no I/O. The seventeen recurring activities are seeded
into ``review_schedule`` on first run; the event-driven ones are raised by the
incident and change features. Texts paraphrase the standard (see DOMAIN.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .bounds import ascii_number
from .errors import ValidationError
from .text import one_line


@dataclass(frozen=True)
class Activity:
    key: str
    clause: str
    title: str
    instructions: str
    checklist: tuple[str, ...]
    interval: str = ""  # default interval; empty for event-driven activities


def _a(key: str, clause: str, interval: str, title: str, instructions: str,
       *checklist: str) -> Activity:
    return Activity(key, clause, title, instructions, tuple(checklist), interval)


# The recurring activities, in clause order.
SCHEDULED_ACTIVITIES: tuple[Activity, ...] = (
    _a("config_verification", "8.2.6", "quarterly", "Verify configuration information",
       "Sample configuration items and check that what is recorded (type, status, service, "
       "relationships) matches what is really deployed. Record mismatches and correct them.",
       "Pick a sample of CIs", "Compare records with reality", "Correct mismatches",
       "Record the accuracy found"),
    _a("service_trends", "8.3.2", "quarterly", "Review service performance trends",
       "Review the trends in incidents, requests and outcomes of each service over the period "
       "and agree actions with the customer.",
       "Read the incident and request trends per service", "Discuss outcomes with the customer",
       "Record agreed actions"),
    _a("customer_satisfaction", "8.3.2", "quarterly", "Measure customer satisfaction",
       "Measure satisfaction on a representative sample of customers, analyse the results and "
       "report them; follow up low scores.",
       "Check the sample is representative", "Analyse scores and comments",
       "Report results", "Follow up low scores"),
    _a("sla_performance", "8.3.3", "monthly", "Review performance against service levels",
       "Monitor and report performance against the service level targets and the workload "
       "against the agreed limits; investigate missed targets.",
       "Check targets met and missed per service", "Investigate each missed target",
       "Check workload against SLA limits", "Report to the customer"),
    _a("supplier_performance", "8.3.4.1", "monthly", "Monitor external supplier performance",
       "Monitor each external supplier's performance against the agreed targets and raise "
       "issues with them.",
       "Review each supplier's performance", "Record issues raised with suppliers"),
    _a("supplier_contracts", "8.3.4.1", "quarterly", "Review supplier contracts",
       "Review each supplier contract against the current service requirements; plan changes "
       "to contracts that no longer fit.",
       "List contracts due for review", "Compare with current requirements",
       "Plan contract changes"),
    _a("internal_supplier_performance", "8.3.4.2", "quarterly",
       "Monitor internal suppliers and customers acting as suppliers",
       "Monitor the performance of internal suppliers (and customers acting as suppliers) "
       "against the agreed targets.",
       "Review each internal supplier's performance", "Record agreed actions"),
    _a("budget_costs", "8.4.1", "monthly", "Review costs against budget",
       "Monitor and report actual costs against the budget and review the financial forecasts.",
       "Compare actual costs with budget", "Review the forecast", "Report variances"),
    _a("capacity_demand", "8.4.2", "monthly", "Review demand and consumption",
       "Determine current and forecast demand for the services and report demand and "
       "consumption.",
       "Review incident and request volumes", "Review capacity consumption",
       "Update the demand forecast"),
    _a("rfc_trends", "8.5.1.3", "monthly", "Analyse change records for trends",
       "Analyse the requests for change of the period for trends (by category and outcome); "
       "act on rising failure or emergency rates.",
       "Review changes by category and outcome", "Look into failed and backed-out changes",
       "Record actions"),
    _a("problem_effectiveness", "8.6.3", "monthly", "Review effectiveness of problem resolution",
       "Monitor and report how effectively problems are resolved: problems opened and closed, "
       "time to resolve, incidents that keep recurring.",
       "Review problems opened and closed", "Review time to resolve",
       "Look into recurring incidents", "Report"),
    _a("availability_risk", "8.7.1", "quarterly", "Assess risks to service availability",
       "Assess and document the risks to the availability of the services; review the "
       "availability requirements and targets.",
       "Review availability risks", "Update the risk record"),
    _a("continuity_risk", "8.7.2", "quarterly", "Assess risks to service continuity",
       "Assess and document the risks to service continuity.",
       "Review continuity risks", "Update the risk record"),
    _a("continuity_test", "8.7.2", "yearly", "Test the service continuity plans",
       "Test the service continuity plans against the continuity requirements and record the "
       "results and the actions taken.",
       "Plan the test", "Run the test", "Record results", "Raise actions for failures"),
    _a("security_risk", "8.7.3.2", "quarterly", "Assess information security risks",
       "Assess and document the information security risks to the SMS and the services, and "
       "review the controls.",
       "Review security incidents of the period", "Review the risk assessment",
       "Update the controls"),
    _a("internal_audit", "9.2", "yearly", "Internal audit of the SMS",
       "Audit the SMS against the organization's own requirements and the standard; report the "
       "results to management and record nonconformities.",
       "Plan the audit scope", "Collect evidence", "Record nonconformities",
       "Report to management"),
    _a("management_review", "9.3", "yearly", "Management review of the SMS and services",
       "Top management reviews the SMS and the services: audit results, performance, "
       "nonconformities, improvement opportunities and the resources needed.",
       "Collect the inputs", "Hold the review", "Record decisions and actions"),
)

# Raised by events (the incident and change features call raise_event_review_in).
EVENT_ACTIVITIES: tuple[Activity, ...] = (
    _a("major_incident_review", "8.6.1", "", "Major incident review",
       "Review the resolved major incident: what happened, how it was handled, and what must "
       "improve; record improvement opportunities.",
       "Write the timeline", "Identify the cause", "Review how the procedure was followed",
       "Record improvement actions"),
    _a("change_effectiveness_review", "8.5.1.3", "", "Change effectiveness review",
       "Review whether the implemented change achieved its purpose and caused no unexpected "
       "incidents.", "Check the change met its objective", "Check for incidents it caused",
       "Record the conclusion"),
    _a("continuity_retest", "8.7.2", "", "Re-test continuity plans after a major change",
       "After a major change, re-test the affected service continuity plans.",
       "Identify affected plans", "Run the re-test", "Record results"),
    _a("post_release_monitoring", "8.5.3", "", "Post-release monitoring",
       "Monitor the incidents on the affected services in the period after the release.",
       "Review incidents since the release", "Record the conclusion"),
)

ACTIVITIES: Mapping[str, Activity] = {a.key: a for a in SCHEDULED_ACTIVITIES + EVENT_ACTIVITIES}


def activity(key: str) -> Activity | None:
    """The known activity with this key, if any."""
    return ACTIVITIES.get(key)


# ---------------------------------------------------------------- lifecycles
@dataclass(frozen=True)
class StateMachine:
    """Statuses and the moves allowed between them, named in refusals."""

    name: str
    initial: str
    transitions: Mapping[str, tuple[str, ...]]
    open_states: frozenset[str]

    def check(self, current: str, target: str) -> None:
        if target not in self.transitions:
            raise ValidationError(
                f"unknown {self.name} status '{target}': use one of {', '.join(self.transitions)}"
            )
        if target not in self.transitions.get(current, ()):
            allowed = ", ".join(self.transitions.get(current, ())) or "none (it is final)"
            raise ValidationError(
                f"{self.name} cannot move from '{current}' to '{target}'; allowed: {allowed}"
            )

    def allowed(self, current: str) -> list[str]:
        return list(self.transitions.get(current, ()))

    def is_open(self, status: str) -> bool:
        return status in self.open_states


REVIEW = StateMachine(
    "review",
    "open",
    {
        "open": ("in_progress", "done", "skipped"),
        "in_progress": ("done", "skipped", "open"),
        "done": (),
        "skipped": ("open",),  # a skip can be undone (e.g. a required event review)
    },
    frozenset({"open", "in_progress"}),
)

IMPROVEMENT = StateMachine(
    "improvement opportunity",
    "proposed",
    {
        "proposed": ("approved", "rejected"),
        "approved": ("in_progress", "implemented", "rejected"),
        "in_progress": ("implemented", "approved"),
        "implemented": ("closed", "in_progress"),
        "closed": (),
        "rejected": (),
    },
    frozenset({"proposed", "approved", "in_progress", "implemented"}),
)

NONCONFORMITY = StateMachine(
    "nonconformity",
    "open",
    {
        "open": ("action_planned", "cancelled"),
        "action_planned": ("actions_done", "open", "cancelled"),
        "actions_done": ("closed", "action_planned"),  # closed = effectiveness verified
        "closed": (),
        "cancelled": (),
    },
    frozenset({"open", "action_planned", "actions_done"}),
)

SEVERITIES = ("major", "minor")


# ---------------------------------------------------------------- references
PREFIXES = {"review": "REV", "improvement": "OFI", "nonconformity": "NC"}
_LABELS = {"review": "a review", "improvement": "an improvement opportunity",
           "nonconformity": "a nonconformity"}
_REF_RE = re.compile(r"^\s*([A-Za-z]+)-?([0-9]+)\s*$", re.ASCII)


def format_ref(kind: str, number: int) -> str:
    """format_ref('review', 7) -> 'REV-000007'."""
    return f"{PREFIXES[kind]}-{number:06d}"


def parse_ref(ref: str, kind: str) -> int:
    """'REV-000007', 'rev-7', 'REV7' -> 7; anything else is refused naming the expected form."""
    match = _REF_RE.match(str(ref))
    number = ascii_number(match.group(2)) if match else None
    if match and match.group(1).upper() == PREFIXES[kind] and number:
        return number
    raise ValidationError(
        f"'{one_line(str(ref), 40)}' is not {_LABELS[kind]} reference (expected e.g. {PREFIXES[kind]}-000001)")
