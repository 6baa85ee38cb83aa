"""Information security incidents (ISO/IEC 20000-1 8.7.3.3, 8.6.1): risk, priority floor, steps.

An incident carries an information security risk, ``none`` to ``critical``.
Priority weighs it through a rule the organization sets: a floor per risk
(default: high is at least P2, critical is P1). The matrix gives impact ×
urgency; the floor can only raise the result, never lower it::

    [security_incident]
    min_priority = { high = "P2", critical = "P1" }   # replaces the default whole
    contacts = ["ISM <ism@example.org>"]              # the information security manager
    procedure = ["Contain ...", "Preserve evidence ...", "Notify ...", "Review ..."]

An incident with any risk but ``none`` is a security incident: it gets the
documented handling steps (copied when it becomes one), its information
security manager is told through the outbox, and it closes only when every
step is done. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .addresses import config_address
from .errors import ConfigError, ValidationError, check_table
from .priority import parse_priority

RISKS: tuple[str, ...] = ("none", "low", "medium", "high", "critical")
NO_RISK = "none"
DEFAULT_FLOORS: Mapping[str, int] = {"high": 2, "critical": 1}
DEFAULT_PROCEDURE: tuple[str, ...] = (
    "Contain: stop the spread (isolate the host, disable the account, block the sender)",
    "Preserve evidence: logs, messages and images, noting who took them and when",
    "Notify the information security manager",
    "Review: cause, impact and what to improve (security incident review)",
)


def parse_risk(value: Any) -> str:
    """'high', 'High', ' HIGH ' -> 'high'; anything but the five levels is refused in one line."""
    text = str(value if value is not None else "").strip().lower()
    if text in RISKS:
        return text
    shown = str(value)[:40].encode("unicode_escape").decode("ascii")
    raise ValidationError(f"unknown security risk '{shown}': use {', '.join(RISKS)}")


def is_security(risk: str | None) -> bool:
    """Whether an incident of this risk is an information security incident."""
    return bool(risk) and risk != NO_RISK


@dataclass(frozen=True)
class SecurityPolicy:
    """The organization's rule for security incidents: a priority floor per risk, steps, contacts."""

    floors: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FLOORS))
    procedure: tuple[str, ...] = DEFAULT_PROCEDURE
    contacts: tuple[str, ...] = ()

    def priority(self, matrix_priority: int, risk: str | None) -> int:
        """The priority an incident gets: the matrix's, raised to the risk's floor if lower."""
        floor = self.floors.get(risk or NO_RISK)
        return min(matrix_priority, floor) if floor is not None else matrix_priority

    def reason(self, matrix_priority: int, risk: str | None) -> str:
        """Why the priority is not the matrix's ('' when the floor did not raise it)."""
        floor = self.floors.get(risk or NO_RISK)
        if floor is None or floor >= matrix_priority:
            return ""
        return f"security risk {risk}: at least P{floor} (the matrix gives P{matrix_priority})"

    def rule_text(self) -> str:
        """The rule in words, for the evidence report and the help."""
        parts = [f"{risk} → at least P{self.floors[risk]}" for risk in RISKS if risk in self.floors]
        return ", ".join(parts) if parts else "none (security risk does not change priority)"


def step_role(title: str) -> str:
    """'notify' (recording the message to the security manager ticks it) or '' (ticked by hand)."""
    text = title.lower()
    return "notify" if "notify" in text else ""


_KEYS = {"min_priority", "contacts", "procedure"}


def policy_from_config(section: Any, source: str = "config") -> SecurityPolicy:
    """Build the policy from ``[security_incident]``; ConfigError names the key."""
    if section is None:
        return SecurityPolicy()
    prefix = "security_incident"
    check_table(section, prefix, _KEYS, source)
    floors = dict(DEFAULT_FLOORS)
    if "min_priority" in section:
        table = section["min_priority"]
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: {prefix}.min_priority: must be a table of risk = \"P1\"..\"P5\"")
        floors = {}
        for risk, value in table.items():
            if risk not in RISKS or risk == NO_RISK:
                raise ConfigError(f"{source}: {prefix}.min_priority.{risk}: not a security risk; "
                                  f"use {', '.join(RISKS[1:])}")
            try:
                floors[risk] = parse_priority(value)
            except ValidationError as exc:
                raise ConfigError(f"{source}: {prefix}.min_priority.{risk}: {exc}") from None
    contacts = _strings(section, "contacts", source, prefix)
    for contact in contacts:
        config_address(contact, f"{source}: {prefix}.contacts")
    procedure = (_strings(section, "procedure", source, prefix) if "procedure" in section
                 else list(DEFAULT_PROCEDURE))
    if not procedure:
        raise ConfigError(f"{source}: {prefix}.procedure: the handling steps need at least one step")
    return SecurityPolicy(floors, tuple(procedure), tuple(contacts))


def _strings(section: Mapping[str, Any], key: str, source: str, prefix: str) -> list[str]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {prefix}.{key}: must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def validate_section(raw: Mapping[str, Any], source: str) -> None:
    """Config-load check: refuse a bad ``[security_incident]`` before the app starts."""
    policy_from_config(raw.get("security_incident"), source)


__all__ = ["DEFAULT_FLOORS", "DEFAULT_PROCEDURE", "NO_RISK", "RISKS", "SecurityPolicy", "is_security",
           "parse_risk", "policy_from_config", "step_role", "validate_section"]
