"""Major incidents (ISO/IEC 20000-1 8.6.1): the criteria and the procedure, as data.

The organization decides what makes an incident major. By default an incident
of priority P1 is major, and an analyst may declare any incident major. The
criteria are extensible in config::

    [major_incident]
    priorities = ["P1"]               # any of these priorities
    categories = ["security breach"]  # any of these categories
    service_criticality = ["high"]    # a service this critical ...
    impact = ["high"]                 # ... with this impact (default high)
    contacts = ["CIO <cio@example.org>"]   # top management, kept informed
    update_interval = "30m"           # status updates at least this often
    review_due = "5d"                 # the review is due this long after resolution
    procedure = ["Appoint a major incident manager", "..."]

    [[major_incident.rules]]          # any number; every given condition must hold
    name = "Payroll outage"
    service = ["Payroll"]
    urgency = ["high"]

Everything here is pure: :func:`reasons` says why an incident is major, in
words the analyst reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .addresses import config_address
from .bounds import whole_number
from .errors import ConfigError, ValidationError, check_table
from .priority import Level, parse_priority
from .sla import parse_duration

DEFAULT_PROCEDURE: tuple[str, ...] = (
    "Appoint a major incident manager",
    "Open a bridge (call or chat) for everyone working on it",
    "Inform top management",
    "Send status updates at the agreed interval",
    "Confirm resolution with the affected users",
    "Hold the major incident review",
)


@dataclass(frozen=True)
class IncidentFacts:
    """What the criteria look at."""

    priority: int
    impact: str
    urgency: str
    category: str = ""
    service: str = ""
    service_criticality: str = ""


@dataclass(frozen=True)
class Rule:
    """All given conditions must hold (an empty condition is not checked)."""

    name: str = ""
    priorities: frozenset[int] = frozenset()
    impacts: frozenset[str] = frozenset()
    urgencies: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()  # lower case
    services: frozenset[str] = frozenset()  # lower case
    criticalities: frozenset[str] = frozenset()

    def _checks(self, facts: IncidentFacts) -> list[tuple[bool, str]]:
        checks: list[tuple[bool, str]] = []
        if self.priorities:
            checks.append((facts.priority in self.priorities, f"priority is P{facts.priority}"))
        if self.impacts:
            checks.append((facts.impact in self.impacts, f"impact is {facts.impact}"))
        if self.urgencies:
            checks.append((facts.urgency in self.urgencies, f"urgency is {facts.urgency}"))
        if self.categories:
            checks.append((facts.category.strip().lower() in self.categories,
                           f"category is '{facts.category}'"))
        if self.services:
            checks.append((facts.service.strip().lower() in self.services,
                           f"service is '{facts.service}'"))
        if self.criticalities:
            checks.append((facts.service_criticality in self.criticalities,
                           f"service '{facts.service}' is {facts.service_criticality} criticality"))
        return checks

    def why(self, facts: IncidentFacts) -> str | None:
        """The reason in words when every condition holds, else None."""
        checks = self._checks(facts)
        if not checks or not all(ok for ok, _ in checks):
            return None
        text = " and ".join(words for _, words in checks)
        return f"{text} (rule '{self.name}')" if self.name else text


@dataclass(frozen=True)
class MajorPolicy:
    """The organization's major incident criteria, procedure and contacts."""

    rules: tuple[Rule, ...] = (Rule(priorities=frozenset({1})),)
    procedure: tuple[str, ...] = DEFAULT_PROCEDURE
    contacts: tuple[str, ...] = ()
    update_interval: timedelta = timedelta(minutes=30)
    review_due: timedelta = timedelta(days=5)

    def reasons(self, facts: IncidentFacts) -> list[str]:
        """Why the incident is major under the criteria ([] when it is not)."""
        return [why for rule in self.rules if (why := rule.why(facts)) is not None]

    def reason_text(self, facts: IncidentFacts) -> str:
        found = self.reasons(facts)
        return "meets the major incident criteria: " + "; ".join(found) if found else ""


def _list(section: Mapping[str, Any], key: str, source: str, prefix: str) -> list[str]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {prefix}.{key}: must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def _levels(values: list[str], source: str, key: str) -> frozenset[str]:
    try:
        return frozenset(Level.parse(v, key.rsplit(".", 1)[-1]).value for v in values)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {key}: {exc}") from None


def _priorities(values: list[str], source: str, key: str) -> frozenset[int]:
    try:
        return frozenset(parse_priority(v) for v in values)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {key}: {exc}") from None


_RULE_KEYS = {"name", "priority", "impact", "urgency", "category", "service", "service_criticality"}


def _rule(table: Any, source: str, prefix: str) -> Rule:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: {prefix}: must be a table of conditions")
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise ConfigError(f"{source}: {prefix}.{sorted(unknown)[0]}: unknown condition; "
                          f"use {', '.join(sorted(_RULE_KEYS))}")
    name = table.get("name", "")
    rule = Rule(
        name=str(name).strip(),
        priorities=_priorities(_list(table, "priority", source, prefix), source, f"{prefix}.priority"),
        impacts=_levels(_list(table, "impact", source, prefix), source, f"{prefix}.impact"),
        urgencies=_levels(_list(table, "urgency", source, prefix), source, f"{prefix}.urgency"),
        categories=frozenset(v.lower() for v in _list(table, "category", source, prefix)),
        services=frozenset(v.lower() for v in _list(table, "service", source, prefix)),
        criticalities=_levels(_list(table, "service_criticality", source, prefix), source,
                              f"{prefix}.service_criticality"),
    )
    if not rule._checks(IncidentFacts(1, "high", "high")):
        raise ConfigError(f"{source}: {prefix}: a rule needs at least one condition")
    return rule


_KEYS = {"priorities", "categories", "service_criticality", "impact", "contacts", "update_interval",
         "review_due", "procedure", "rules"}


def policy_from_config(section: Any, source: str = "config") -> MajorPolicy:
    """Build the major incident policy from ``[major_incident]``; ConfigError names the key."""
    if section is None:
        return MajorPolicy()
    prefix = "major_incident"
    check_table(section, prefix, _KEYS, source)
    rules: list[Rule] = []
    priorities = _list(section, "priorities", source, prefix) if "priorities" in section else ["P1"]
    if priorities:
        rules.append(Rule(priorities=_priorities(priorities, source, f"{prefix}.priorities")))
    categories = _list(section, "categories", source, prefix)
    if categories:
        rules.append(Rule(categories=frozenset(c.lower() for c in categories)))
    criticality = _list(section, "service_criticality", source, prefix)
    if criticality:
        impacts = _list(section, "impact", source, prefix) or ["high"]
        rules.append(Rule(criticalities=_levels(criticality, source, f"{prefix}.service_criticality"),
                          impacts=_levels(impacts, source, f"{prefix}.impact")))
    elif "impact" in section:
        raise ConfigError(f"{source}: {prefix}.impact: only used with service_criticality; "
                          "for impact alone add a [[major_incident.rules]] entry")
    raw_rules = section.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{source}: {prefix}.rules: must be an array of tables ([[major_incident.rules]])")
    rules.extend(_rule(table, source, f"{prefix}.rules[{i}]") for i, table in enumerate(raw_rules))
    contacts = _list(section, "contacts", source, prefix)
    for contact in contacts:
        config_address(contact, f"{source}: {prefix}.contacts")
    procedure = _list(section, "procedure", source, prefix) if "procedure" in section else list(DEFAULT_PROCEDURE)
    if not procedure:
        raise ConfigError(f"{source}: {prefix}.procedure: the documented procedure needs at least one step")
    durations = {}
    for key, default in (("update_interval", timedelta(minutes=30)), ("review_due", timedelta(days=5))):
        try:
            durations[key] = parse_duration(section[key], key) if key in section else default
        except ValidationError as exc:
            raise ConfigError(f"{source}: {prefix}.{exc}") from None
        if durations[key] <= timedelta(0):
            raise ConfigError(f"{source}: {prefix}.{key}: must be more than zero")
    return MajorPolicy(tuple(rules), tuple(procedure), tuple(contacts), durations["update_interval"],
                       durations["review_due"])


def validate_section(raw: Mapping[str, Any], source: str) -> None:
    """Config-load check: refuse a bad ``[major_incident]`` section before the app starts."""
    policy_from_config(raw.get("major_incident"), source)


@dataclass(frozen=True)
class Step:
    """One step of the documented procedure on one incident."""

    position: int
    title: str
    done_at: Any = None
    done_by: str = ""
    note: str = ""

    @property
    def done(self) -> bool:
        return self.done_at is not None


# What each kind of procedure step is tied to. The procedure is the organization's
# own words (config), so a step is recognised by what it says: the first role whose
# words all appear in the title (lower case) wins.
STEP_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("review", ("review",)),
    ("manager", ("manager",)),
    ("inform", ("inform", "management")),
    ("updates", ("update",)),
)
COMMUNICATION_ROLES = frozenset({"inform", "updates"})


def step_role(title: str) -> str:
    """Which action a procedure step follows: 'manager' (appointing the major
    incident manager ticks it), 'inform' / 'updates' (sending a status update to
    top management ticks them), 'review' (ticked only by completing the major
    incident review), or '' for a step the analyst ticks by hand."""
    text = title.lower()
    for role, words in STEP_ROLES:
        if all(word in text for word in words):
            return role
    return ""


def find_step(steps: list[Step], which: str) -> Step:
    """A step by number ('2') or by the start of its title ('open'); refuses ambiguity."""
    text = str(which).strip()
    if text.isascii() and text.isdigit():
        for step in steps:
            if step.position == whole_number(text):
                return step
        raise ValidationError(f"no step {text}; steps are 1 to {len(steps)}")
    needle = text.lower()
    matches = [s for s in steps if s.title.lower().startswith(needle)] or \
              [s for s in steps if needle in s.title.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(f"no step matches '{text}'; give its number 1 to {len(steps)}")
    raise ValidationError(f"'{text}' matches steps {', '.join(str(s.position) for s in matches)}; "
                          "give the number")


__all__ = ["COMMUNICATION_ROLES", "DEFAULT_PROCEDURE", "IncidentFacts", "MajorPolicy", "Rule",
           "STEP_ROLES", "Step", "find_step", "policy_from_config", "step_role", "validate_section"]
