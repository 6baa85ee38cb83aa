"""What the record forms ask for, per kind: labels, widgets, and reading values back.

The fields a kind has come from the service (``EXTRA_FIELDS``), so a field a
feature adds to a record appears in the form without an edit here; this
module only says how to ask for it when a plain one-line input is not right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ...domain.bounds import check_date, whole_number
from ...domain.errors import ValidationError
from .. import display

# "scale": 1..5 or not set, picked with the digit or the arrows (a ChoicePicker)
# "picker": one of ``options`` by its first letter or the arrows (a ChoicePicker)
# "shown": read-only, recorded by another action (``placeholder`` while empty, ``note`` once set)
Widget = Literal["input", "text", "select", "check", "datetime", "int", "scale", "contact", "picker",
                 "named", "shown"]


SCALE = ("1", "2", "3", "4", "5")
SCALE_CHOICES = [("", "not set"), *((n, n) for n in SCALE)]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    widget: Widget = "input"
    options: tuple[str, ...] = ()  # for selects; "" means "not set"
    placeholder: str = ""
    when: Literal["always", "create", "edit"] = "always"
    note: str = ""


# Common fields (impact and urgency have their own row, with the live priority).
COMMON: tuple[FieldSpec, ...] = (
    FieldSpec("title", "Title", placeholder="what is wrong or wanted, in a few words"),
    FieldSpec("service", "Service", "named", placeholder="service name (optional; → completes)"),
    FieldSpec("ci", "CI", "named", placeholder="configuration item (optional; → completes)"),
    FieldSpec("category", "Category", placeholder="e.g. network, hardware, access"),
    FieldSpec("assignee", "Assignee", placeholder="who works on it (optional)", when="create"),
    FieldSpec("assignment_group", "Group", placeholder="assignment group (optional)", when="create"),
    FieldSpec("description", "Description", "text"),
)

_TEXT = ("reason", "root_cause", "workaround", "backout_plan", "implementation_plan", "test_plan",
         "symptoms", "permanent_fix", "investigation_note", "business_benefit",
         "impact_capacity", "impact_availability", "impact_continuity", "impact_security",
         "satisfaction_comment", "feasibility", "impact_customers", "impact_policies",
         "verification_results", "test_results", "backout_untested_reason")

KNOWN: dict[str, FieldSpec] = {
    "major": FieldSpec("major", "Major", "check"),
    "security_risk": FieldSpec("security_risk", "Security risk", "picker",
                               ("none", "low", "medium", "high", "critical")),
    "major_reason": FieldSpec("major_reason", "Why major", placeholder="criteria met, or your reason"),
    "change_type": FieldSpec("change_type", "Change type", "picker", ("normal", "standard", "emergency")),
    "backout_tested": FieldSpec("backout_tested", "Back-out tested", "picker", ("", "yes", "no")),
    "service_change": FieldSpec("service_change", "Service change", "picker",
                                ("", "add_service", "remove_service", "transfer_service")),
    # recorded when the implementation ends, with the investigation of a failure (o on the
    # change, where the status dialog sends it too): shown here, never edited (a picker
    # here took a choice that the save refused)
    "outcome": FieldSpec("outcome", "Outcome", "shown", when="edit",
                         placeholder="not recorded yet: o on the change, when implementation ends",
                         note="recorded with o on the change"),
    "planned_start": FieldSpec("planned_start", "Planned start", "datetime",
                               placeholder="YYYY-MM-DD HH:MM (local time)"),
    "planned_end": FieldSpec("planned_end", "Planned end", "datetime",
                             placeholder="YYYY-MM-DD HH:MM (local time)"),
    "risk_likelihood": FieldSpec("risk_likelihood", "Likelihood", "scale",
                                 placeholder="1 rare … 5 almost certain"),
    "risk_impact": FieldSpec("risk_impact", "Risk impact", "scale", placeholder="1 negligible … 5 severe"),
    "satisfaction_score": FieldSpec("satisfaction_score", "Satisfaction", "scale",
                                    placeholder="1 poor … 5 excellent", when="edit"),
    "satisfaction_comment": FieldSpec("satisfaction_comment", "Comment", "text", when="edit"),
    "request_type": FieldSpec("request_type", "Request type", placeholder="e.g. new account"),
    "rca_method": FieldSpec("rca_method", "RCA method", placeholder="e.g. 5 whys, fishbone"),
}


def spec_for(name: str) -> FieldSpec:
    """How to ask for ``name``: a known spec, a text area for long text, else one line."""
    if name in KNOWN:
        return KNOWN[name]
    label = display.field_label(name)
    return FieldSpec(name, label, "text" if name in _TEXT else "input")


# Kinds whose records name who asked (a contact), and how the form asks for it.
REQUESTER_KINDS = ("incident", "request", "complaint")
REQUESTER = FieldSpec("requester", "Requester", "contact",
                      placeholder="email or name of the contact who asked")
# A complaint's outcome is what was found and done (a change's is a choice of three).
COMPLAINT_OUTCOME = FieldSpec("outcome", "Outcome", "text", when="edit")


# The order a kind's own fields are asked in, where the service's (the order they were
# added to the record) is not the order an analyst works in; fields not named here follow,
# in the service's order. A change: what kind of change, why and how (with its test and its
# back-out) right under the description, then its risk, benefit, cost and impacts, then its
# window and what was prepared before it is deployed, and last what happened.
FORM_ORDER: dict[str, tuple[str, ...]] = {
    "change": ("change_type", "service_change", "reason", "implementation_plan", "test_plan",
               "backout_plan", "risk_likelihood", "risk_impact", "business_benefit", "cost",
               "feasibility", "impact_capacity", "impact_availability", "impact_continuity",
               "impact_security", "impact_customers", "impact_policies", "planned_start",
               "planned_end", "verification_results", "test_results", "backout_tested",
               "backout_untested_reason", "outcome", "investigation_note"),
}


def _form_order(kind: str, extra_fields: tuple[str, ...]) -> list[str]:
    order = FORM_ORDER.get(kind, ())
    return sorted(extra_fields, key=lambda n: (order.index(n) if n in order else len(order)))


def specs_for(kind: str, editing: bool, extra_fields: tuple[str, ...]) -> list[FieldSpec]:
    """Every field of the form for ``kind``, common first, then its own (:data:`FORM_ORDER`)."""
    wanted = "edit" if editing else "create"
    specs = [s for s in COMMON if s.when in ("always", wanted)]
    if kind in REQUESTER_KINDS:
        specs.insert(1, REQUESTER)  # after the title: who asked comes right after what
    for spec in map(spec_for, _form_order(kind, extra_fields)):
        if kind == "complaint" and spec.name == "outcome":
            spec = COMPLAINT_OUTCOME
        if spec.when in ("always", wanted):
            specs.append(spec)
    return specs


def editable(spec: FieldSpec) -> bool:
    """Whether the form edits ``spec`` (a "shown" field it only displays)."""
    return spec.widget != "shown"


def to_widget_value(spec: FieldSpec, value: Any) -> Any:
    """The record's value as the widget wants it."""
    if spec.widget == "check":
        return bool(value)
    if spec.widget == "datetime":
        return display.when(value) if isinstance(value, datetime) else ""
    if spec.widget in ("select", "picker"):
        return value if value in spec.options else spec.options[0]
    if spec.widget == "scale":
        return str(value) if str(value) in SCALE else ""
    return "" if value is None else str(value)


def from_widget_value(spec: FieldSpec, raw: Any) -> Any:
    """What the analyst entered, as the service takes it; ValidationError names the field."""
    if spec.widget == "check":
        return bool(raw)
    if spec.widget == "text":
        return raw
    text = str(raw if raw is not None else "").strip()
    if spec.widget == "datetime":
        if not text:
            return None
        try:
            local = datetime.strptime(text, "%Y-%m-%d %H:%M")
        except ValueError:
            try:
                local = datetime.fromisoformat(text)
            except ValueError:
                raise ValidationError(f"{spec.label.lower()}: '{text}' is not a date and time; "
                                      "write it as YYYY-MM-DD HH:MM") from None
        check_date(local, spec.label.lower())  # the calendar's ends overflow on conversion
        if local.tzinfo is None:
            local = local.astimezone()  # the analyst types local time
        return local
    if spec.widget == "scale":
        return int(text) if text else None
    if spec.widget == "int":
        if not text:
            return None
        number = whole_number(text)
        if number is None:
            raise ValidationError(f"{spec.label.lower()}: '{text}' is not a whole number "
                                  "(digits 0-9, at most 19)")
        return number
    return text


def field_for_error(message: str, names: list[str]) -> str | None:
    """Which field a service's refusal is about, to mark it and move the focus there."""
    text = message.lower()
    if text.startswith("title"):
        return "title"
    if "service named" in text:
        return "service"
    if "configuration item" in text:
        return "ci"
    if "requester" in names and ("contact" in text or "requester" in text or "email" in text):
        return "requester"
    for name in sorted(names, key=len, reverse=True):
        if name.replace("_", " ") in text or name in text:
            return name
    return None
