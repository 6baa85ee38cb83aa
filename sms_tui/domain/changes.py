"""Change management rules (ISO/IEC 20000-1 8.5.1), pure: no I/O, no database.

* Risk: likelihood × impact (each 1..5) gives a score 1..25 and a risk level.
* The change policy: the categories (standard, normal, emergency), what is
  under change control, and the criteria that make a change "major impact"
  (those go through service design and transition, 8.5.2). It is read from
  the ``[changes]`` section of the config file.
* Approval rules per category: a standard change is pre-approved (its procedure
  is the standard change's, on the policy's list); a normal change is assessed
  (risk recorded) and needs its implementation plan and back-out plan before it
  can be approved; an emergency change needs a back-out plan too, but may be
  approved on an expedited path straight from ``new``, its implementation worked
  out on the spot and reviewed after.
* Schedule conflicts: two changes that touch the same service or CI in
  overlapping windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .bounds import whole_number
from .errors import ConfigError, ValidationError

CHANGE_TYPES: tuple[str, ...] = ("standard", "normal", "emergency")
OUTCOMES: tuple[str, ...] = ("successful", "failed", "backed_out")
# Outcomes that mean the change did not achieve its purpose: they must be investigated.
UNSUCCESSFUL: frozenset[str] = frozenset({"failed", "backed_out"})

LIKELIHOOD_NAMES = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
IMPACT_NAMES = {1: "negligible", 2: "minor", 3: "moderate", 4: "major", 5: "severe"}


class RiskLevel(StrEnum):
    """Risk level of a change, from its likelihood × impact score."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)

    @classmethod
    def parse(cls, value: str | RiskLevel) -> RiskLevel:
        text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        for level in cls:
            if text == level.value:
                return level
        raise ValidationError(
            f"unknown risk level '{value}': use {', '.join(level.value for level in cls)}"
        )


# Highest score of each level (scores run 1..25). The usual 5×5 risk matrix bands.
DEFAULT_RISK_BANDS: tuple[tuple[int, RiskLevel], ...] = (
    (4, RiskLevel.LOW),
    (9, RiskLevel.MEDIUM),
    (16, RiskLevel.HIGH),
    (25, RiskLevel.VERY_HIGH),
)


def _parse_scale(value: Any, names: Mapping[int, str], what: str) -> int:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int) and 1 <= value <= 5:
        return value
    text = str(value).strip().lower().replace("_", " ").replace("-", " ")
    if whole_number(text, 1, 5) is not None:
        return int(text)
    for number, name in names.items():
        if text == name:
            return number
    allowed = ", ".join(f"{n} ({name})" for n, name in names.items())
    raise ValidationError(f"unknown {what} '{value}': use 1..5 — {allowed}")


def parse_likelihood(value: Any) -> int:
    """1..5 or a name ('rare' .. 'almost certain')."""
    return _parse_scale(value, LIKELIHOOD_NAMES, "likelihood")


def parse_risk_impact(value: Any) -> int:
    """1..5 or a name ('negligible' .. 'severe')."""
    return _parse_scale(value, IMPACT_NAMES, "risk impact")


def risk_score(likelihood: int, impact: int) -> int:
    """likelihood × impact, 1..25."""
    return parse_likelihood(likelihood) * parse_risk_impact(impact)


def risk_level(likelihood: int, impact: int,
               bands: Sequence[tuple[int, RiskLevel]] = DEFAULT_RISK_BANDS) -> RiskLevel:
    """The risk level of a change from its likelihood and impact (each 1..5)."""
    score = risk_score(likelihood, impact)
    for ceiling, level in bands:
        if score <= ceiling:
            return level
    return bands[-1][1]


def parse_change_type(value: str) -> str:
    text = str(value).strip().lower()
    if text not in CHANGE_TYPES:
        raise ValidationError(f"unknown change category '{value}': use {', '.join(CHANGE_TYPES)}")
    return text


# Proposals that add, remove or transfer a service go through service design and
# transition (8.5.2) whatever their risk: the policy cannot switch that off.
SERVICE_CHANGES = ("add_service", "remove_service", "transfer_service")


def parse_service_change(value: object) -> str:
    """'' (an ordinary change) or one of SERVICE_CHANGES; anything else refused in one line."""
    text = str(value if value is not None else "").strip().lower().replace("-", "_")
    if text in ("", "none", *SERVICE_CHANGES):
        return "" if text == "none" else text
    shown = str(value)[:40].encode("unicode_escape").decode("ascii")
    if text in CHANGE_TYPES:  # the category, given where the service change goes
        raise ValidationError(f"'{shown}' is a change category: give it with --type {text} "
                              f"(--service-change takes {', '.join(SERVICE_CHANGES)})")
    raise ValidationError(f"unknown service change '{shown}': use {', '.join(SERVICE_CHANGES)} "
                          "(or none)")


BACKOUT_TESTED = ("yes", "no")


def parse_backout_tested(value: object) -> str:
    """Whether the back-out (reversal) plan was tested: yes, no, or '' (not said yet)."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("", *BACKOUT_TESTED):
        return text
    shown = str(value)[:40].encode("unicode_escape").decode("ascii")
    raise ValidationError(f"back-out tested must be yes or no, got '{shown}'")


# What a change records before it is deployed, as the refusal names it.
DEPLOYMENT_FIELDS = {
    "verification_results": "the verification results",
    "backout_tested": "whether the back-out plan was tested",
    "backout_untested_reason": "why the back-out plan was not tested",
}


def deployment_missing(*, verification_results: str, backout_tested: str,
                       backout_untested_reason: str) -> list[str]:
    """The fields (of :data:`DEPLOYMENT_FIELDS`) a change must record before it starts
    implementing (8.5.1.3: prepared, verified and where possible tested, its reversal
    planned and where possible tested) -- for every category, standard changes too."""
    missing = []
    if not verification_results.strip():
        missing.append("verification_results")
    if backout_tested not in BACKOUT_TESTED:
        missing.append("backout_tested")
    elif backout_tested == "no" and not backout_untested_reason.strip():
        missing.append("backout_untested_reason")
    return missing


def deployment_words(missing: list[str]) -> str:
    """Why a change may not start implementing yet, naming the ``missing`` fields (of
    :data:`DEPLOYMENT_FIELDS`) in words for either front end (each adds how it records them)."""
    return "before it is deployed, record " + " and ".join(DEPLOYMENT_FIELDS[f] for f in missing)


def window_warning(start: datetime | None, end: datetime | None, now: datetime) -> str:
    """Why starting now is outside the change's planned window ('' inside it, or with none)."""
    if start is not None and now < start:
        return f"started before its planned window (opens {start:%Y-%m-%d %H:%M} UTC)"
    if end is not None and now > end:
        return f"started after its planned window closed ({end:%Y-%m-%d %H:%M} UTC)"
    return ""


def parse_outcome(value: str) -> str:
    text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    if text not in OUTCOMES:
        raise ValidationError(f"unknown outcome '{value}': use {', '.join(OUTCOMES)}")
    return text


# ------------------------------------------------------------------ policy
@dataclass(frozen=True)
class CategoryPolicy:
    """One change category as the organization describes it."""

    name: str
    description: str
    review_within_days: int


DEFAULT_CATEGORIES: Mapping[str, CategoryPolicy] = {
    "standard": CategoryPolicy(
        "standard", "Pre-approved, low-risk, repeatable change (often raised from a service request).", 14),
    "normal": CategoryPolicy(
        "normal", "Assessed for risk and impact, then approved or rejected before it is scheduled.", 14),
    "emergency": CategoryPolicy(
        "emergency", "Urgent change on an expedited approval; reviewed after implementation.", 3),
}


@dataclass(frozen=True)
class ChangePolicy:
    """The change management policy (8.5.1): categories, scope of control, major-impact criteria."""

    categories: Mapping[str, CategoryPolicy] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    # What is under change control: service names and CI types; "*" means all.
    controlled_services: tuple[str, ...] = ("*",)
    controlled_ci_types: tuple[str, ...] = ("*",)
    # Major impact when ANY criterion holds (0 / None / empty disables that criterion).
    major_risk_level: RiskLevel | None = RiskLevel.HIGH
    major_min_services: int = 3
    major_service_criticality: tuple[str, ...] = ()
    major_categories: tuple[str, ...] = ()

    def review_days(self, change_type: str) -> int:
        return self.categories[parse_change_type(change_type)].review_within_days

    def under_control(self, services: Iterable[str], ci_types: Iterable[str]) -> bool:
        """True if any affected service or CI type is under change control."""
        services, ci_types = list(services), list(ci_types)
        if not services and not ci_types:
            return "*" in self.controlled_services or "*" in self.controlled_ci_types

        def covered(names: list[str], scope: tuple[str, ...]) -> bool:
            return any("*" in scope or name in scope for name in names)

        return covered(services, self.controlled_services) or covered(ci_types, self.controlled_ci_types)

    def major_impact_reasons(self, *, change_type: str, level: RiskLevel | None,
                             services: Mapping[str, str], service_change: str = "") -> list[str]:
        """Why the change is major-impact (empty: it is not).

        ``services`` maps each affected service name to its criticality;
        ``service_change`` (add/remove/transfer a service) always makes it major impact.
        """
        reasons: list[str] = []
        if service_change:
            reasons.append(f"proposal to {service_change.replace('_service', '')} a service "
                           "(always through service design and transition)")
        if level is not None and self.major_risk_level is not None \
                and level.rank >= self.major_risk_level.rank:
            reasons.append(f"risk level {level.value} (policy: {self.major_risk_level.value} or above)")
        if self.major_min_services and len(services) >= self.major_min_services:
            reasons.append(f"{len(services)} services affected (policy: {self.major_min_services} or more)")
        critical = sorted(n for n, c in services.items() if c in self.major_service_criticality)
        if critical:
            reasons.append(f"affects {', '.join(critical)} "
                           f"(criticality {'/'.join(self.major_service_criticality)})")
        if change_type in self.major_categories:
            reasons.append(f"{change_type} change (policy: always major impact)")
        return reasons


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(v.strip() for v in value)


def _int(value: Any, key: str, where: str, minimum: int = 0, maximum: int = 3660) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ConfigError(f"{where}: {key} must be a whole number from {minimum} to {maximum}")
    return value


def policy_from_config(section: Mapping[str, Any], where: str = "config") -> ChangePolicy:
    """Build the policy from the ``[changes]`` config section; errors name the key.

    Example::

        [changes.categories.emergency]
        description = "Expedited; reviewed after implementation"
        review_within_days = 2

        [changes.control]
        services = ["*"]              # or a list of service names
        ci_types = ["server", "network"]

        [changes.major_impact]
        risk_level = "high"           # at or above; "" disables
        min_services = 3              # 0 disables
        service_criticality = ["high"]  # any change to a high-criticality service
        categories = ["emergency"]
    """
    known = {"categories", "control", "major_impact"}
    for key in section:
        if key not in known:
            raise ConfigError(f"{where}: changes.{key} is not a change policy setting "
                              f"(use {', '.join(sorted(known))})")
    categories = dict(DEFAULT_CATEGORIES)
    raw_categories = section.get("categories", {})
    if not isinstance(raw_categories, dict):
        raise ConfigError(f"{where}: changes.categories must be a table")
    for name, spec in raw_categories.items():
        key = f"changes.categories.{name}"
        if name not in CHANGE_TYPES:
            raise ConfigError(f"{where}: {key}: categories are {', '.join(CHANGE_TYPES)}")
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: {key} must be a table")
        base = categories[name]
        description = spec.get("description", base.description)
        if not isinstance(description, str):
            raise ConfigError(f"{where}: {key}.description must be text")
        days = _int(spec.get("review_within_days", base.review_within_days),
                    f"{key}.review_within_days", where, 1)
        categories[name] = CategoryPolicy(name, description, days)
    control = section.get("control", {})
    major = section.get("major_impact", {})
    if not isinstance(control, dict) or not isinstance(major, dict):
        raise ConfigError(f"{where}: changes.control and changes.major_impact must be tables")
    level_text = major.get("risk_level", RiskLevel.HIGH.value)
    try:
        level = RiskLevel.parse(level_text) if level_text else None
    except ValidationError as exc:
        raise ConfigError(f"{where}: changes.major_impact.risk_level: {exc}") from None
    major_categories = _strings(major.get("categories", []), "changes.major_impact.categories", where)
    for name in major_categories:
        if name not in CHANGE_TYPES:
            raise ConfigError(f"{where}: changes.major_impact.categories: '{name}' is not "
                              f"{', '.join(CHANGE_TYPES)}")
    return ChangePolicy(
        categories=categories,
        controlled_services=_strings(control.get("services", ["*"]), "changes.control.services", where),
        controlled_ci_types=_strings(control.get("ci_types", ["*"]), "changes.control.ci_types", where),
        major_risk_level=level,
        major_min_services=_int(major.get("min_services", 3), "changes.major_impact.min_services", where),
        major_service_criticality=_strings(major.get("service_criticality", []),
                                           "changes.major_impact.service_criticality", where),
        major_categories=major_categories,
    )


# ------------------------------------------------------------------ approval
# The plans an approval decides on, per category (8.5.1.3: how it is done, and its back-out
# planned). A normal change is approved on both. An emergency change is approved on the
# expedited path before the how can always be written down, and reviewed after; the way
# back is never optional. A standard change is pre-approved: its procedure is the standard
# change's own, on the policy's list, not written on each one.
PLANS_NEEDED: dict[str, tuple[str, ...]] = {
    "normal": ("implementation_plan", "backout_plan"),
    "emergency": ("backout_plan",),
    "standard": (),
}
PLAN_WORDS = {"implementation_plan": "an implementation plan", "backout_plan": "a back-out plan"}


def plans_missing(*, change_type: str, implementation_plan: str, backout_plan: str) -> list[str]:
    """The plans (of :data:`PLANS_NEEDED`) this category of change needs and has not got
    (blank counts as not got), in the order they are named."""
    given = {"implementation_plan": implementation_plan or "", "backout_plan": backout_plan or ""}
    return [name for name in PLANS_NEEDED[parse_change_type(change_type)] if not given[name].strip()]


def plans_words(change_type: str, missing: Sequence[str], when: str = "it can be approved") -> str:
    """'a normal change needs an implementation plan and a back-out plan before ``when``'."""
    article = "an" if change_type == "emergency" else "a"
    return (f"{article} {change_type} change needs "
            f"{' and '.join(PLAN_WORDS[name] for name in missing)} before {when}")


def approval_refusal(*, change_type: str, status: str, backout_plan: str, implementation_plan: str,
                     risk_assessed: bool, expedited: bool) -> str | None:
    """Why this change cannot be approved now (None: it can).

    * normal: only while ``assessing``, with a risk assessment, an implementation plan
      and a back-out plan;
    * emergency: from ``new`` or ``assessing``, with a back-out plan; approving
      an emergency change is always the expedited path;
    * standard: pre-approved by policy (approving it records that).
    """
    change_type = parse_change_type(change_type)
    if expedited and change_type != "emergency":
        return f"only emergency changes take an expedited approval; this is a {change_type} change"
    if change_type == "normal":
        if status != "assessing":
            return f"a normal change is approved while assessing; this one is {status}"
        if not risk_assessed:
            return "assess the risk first (likelihood and impact) before approving a normal change"
    elif status not in ("new", "assessing"):
        return f"only a new or assessing change can be approved; this one is {status}"
    missing = plans_missing(change_type=change_type, implementation_plan=implementation_plan,
                            backout_plan=backout_plan)
    if missing:
        return plans_words(change_type, missing)
    return None


# What the approval decided on: the RFC as assessed (what, why, how, how to back it out, its
# risk and what it touches). Preparing it (verification, test results, back-out tested),
# planning its window, who works on it and notes stay open after the approval.
APPROVED_SUBSTANCE: frozenset[str] = frozenset({
    "title", "description", "impact", "urgency", "change_type", "reason", "backout_plan",
    "implementation_plan", "test_plan", "risk_likelihood", "risk_impact", "business_benefit",
    "cost", "feasibility", "impact_capacity", "impact_availability", "impact_continuity",
    "impact_security", "impact_customers", "impact_policies", "service_change", "service", "ci",
    "services", "cis", "ci_updates"})
# A standard change is pre-approved for what it does and how (the procedure on the policy's
# list), not for which services and CIs it is applied to: those, and the CI updates it plans
# on them, are filled in until it starts.
STANDARD_INSTANCE: frozenset[str] = frozenset({"service", "ci", "services", "cis", "ci_updates"})
# Statuses in which an approval is in force (withdrawn by moving back to assessing) ...
APPROVAL_IN_FORCE: tuple[str, ...] = ("approved", "scheduled")
# ... and in which it was acted on: what was approved is now the record of what was done.
APPROVAL_ACTED_ON: tuple[str, ...] = ("implementing", "review")


def substance_refusal(*, ref: str, change_type: str, status: str,
                      changed: Iterable[str]) -> str | None:
    """Why ``changed`` fields of a change cannot change now (None: they can).

    The approval covers what is implemented: once a change is approved, its substance
    (:data:`APPROVED_SUBSTANCE`) changes only after the approval is withdrawn (the change
    goes back to assessing and is decided again, by someone). That holds for a standard
    change too, from its pre-approval when it is raised: rewriting what it does and how
    makes it another change than the one on the policy's list. Only what it is applied to
    (:data:`STANDARD_INSTANCE`) is filled in until it starts. Once under way, nothing
    approved changes, whatever the category.
    """
    fields = set(changed) & APPROVED_SUBSTANCE
    if change_type == "standard" and status in APPROVAL_IN_FORCE:
        fields -= STANDARD_INSTANCE
    if not fields or status not in APPROVAL_IN_FORCE + APPROVAL_ACTED_ON:
        return None
    what = ", ".join(_FIELD_WORDS.get(f, f.replace("_", " ")) for f in sorted(fields))
    if status in APPROVAL_IN_FORCE:
        covers = "its pre-approval as a standard change covers its {} as raised" \
            if change_type == "standard" else "the approval covers its {} as assessed"
        return (f"{ref} is {status}: {covers.format(what)}; withdraw the approval first (back "
                "to assessing), edit, and have it approved again")
    return (f"{ref} is {status}: the approval covered its {what} as assessed, and the change "
            "is under way; record what differed in a note")


_FIELD_WORDS = {"backout_plan": "back-out plan", "ci_updates": "planned CI updates", "change_type": "category", "cis": "CIs", "ci": "CI",
                "risk_likelihood": "risk likelihood", "risk_impact": "risk impact"}


def approval_open(*, change_type: str, status: str) -> str | None:
    """Why a change of this category cannot be approved in this status, whatever else is
    recorded on it (None: it can be, once assessed and with the plans its category needs).
    The screens offer approval only where this is None."""
    return approval_refusal(change_type=change_type, status=status, backout_plan="(any)",
                            implementation_plan="(any)", risk_assessed=True,
                            expedited=parse_change_type(change_type) == "emergency")


def fix_said(change_ref: str, problem_ref: str) -> str:
    """What linking a change to a problem means, as the desk says it when the link is made
    (the TUI's notice and ``sms-tui link``): the change is the problem's fix, and the problem
    is resolved with it (services/problems/rules.py)."""
    return (f"{change_ref} is {problem_ref}'s fix: {problem_ref} is resolved with it once it "
            "is implemented successfully")


def next_statuses(*, change_type: str, status: str, allowed: Sequence[str]) -> list[str]:
    """The lifecycle's moves from ``status`` that this category of change can take:
    ``approved`` only where :func:`approval_open` allows it (a normal change from
    assessing, an emergency one from new or assessing, a standard one as pre-approved)."""
    return [s for s in allowed
            if s != "approved" or approval_open(change_type=change_type, status=status) is None]


def rejection_refusal(*, status: str) -> str | None:
    """Why this change cannot be rejected now (None: it can)."""
    if status not in ("new", "assessing"):
        return f"only a new or assessing change can be rejected; this one is {status}"
    return None


def outcome_refusal(outcome: str, investigation_note: str) -> str | None:
    """An unsuccessful change (failed or backed out) must say how it was investigated."""
    outcome = parse_outcome(outcome)
    if outcome in UNSUCCESSFUL and not investigation_note.strip():
        return f"a {outcome.replace('_', ' ')} change needs an investigation note"
    return None


# ------------------------------------------------------------------ schedule
def check_window(start: datetime | None, end: datetime | None) -> None:
    """A planned window needs both ends, and must end after it starts."""
    if start is None or end is None:
        raise ValidationError("a change window needs both a planned start and a planned end")
    if end <= start:
        raise ValidationError(f"the planned end ({end:%Y-%m-%d %H:%M}) must be after the "
                              f"planned start ({start:%Y-%m-%d %H:%M})")


@dataclass(frozen=True)
class ChangeWindow:
    """A change's planned window and what it touches."""

    ref: str
    start: datetime
    end: datetime
    services: frozenset[str] = frozenset()
    cis: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Conflict:
    """Two changes touching the same service or CI in overlapping windows."""

    first: str
    second: str
    services: tuple[str, ...]
    cis: tuple[str, ...]
    overlap_start: datetime
    overlap_end: datetime

    def describe(self) -> str:
        shared = [f"service {s}" for s in self.services] + [f"CI {c}" for c in self.cis]
        return (f"{self.first} and {self.second} both touch {', '.join(shared)} "
                f"between {self.overlap_start:%Y-%m-%d %H:%M} and {self.overlap_end:%Y-%m-%d %H:%M}")


def overlaps(a: ChangeWindow, b: ChangeWindow) -> bool:
    """Half-open windows: one ending exactly when the other starts do not overlap."""
    return a.start < b.end and b.start < a.end


def conflict_between(a: ChangeWindow, b: ChangeWindow) -> Conflict | None:
    """The conflict between two windows, if they overlap and share a service or CI."""
    if a.ref == b.ref or not overlaps(a, b):
        return None
    services = tuple(sorted(a.services & b.services))
    cis = tuple(sorted(a.cis & b.cis))
    if not services and not cis:
        return None
    first, second = sorted((a, b), key=lambda w: (w.start, w.ref))
    return Conflict(first.ref, second.ref, services, cis, max(a.start, b.start), min(a.end, b.end))


def find_conflicts(windows: Iterable[ChangeWindow]) -> list[Conflict]:
    """Every conflicting pair, ordered by when the overlap starts."""
    ordered = sorted(windows, key=lambda w: (w.start, w.ref))
    found: list[Conflict] = []
    # Sweep by start time: only windows that start before this one ends can overlap it.
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.start >= a.end:
                break
            conflict = conflict_between(a, b)
            if conflict is not None:
                found.append(conflict)
    return sorted(found, key=lambda c: (c.overlap_start, c.first, c.second))


def conflicts_with(window: ChangeWindow, others: Iterable[ChangeWindow]) -> list[Conflict]:
    """Conflicts of one window against the others."""
    found = [c for other in others if (c := conflict_between(window, other)) is not None]
    return sorted(found, key=lambda c: (c.overlap_start, c.first, c.second))


def validate_section(raw: Mapping[str, Any], source: str) -> None:
    """Config-load check: refuse a bad ``[changes]`` section before the app starts."""
    section = raw.get("changes", {})
    if not isinstance(section, Mapping):
        raise ConfigError(f"{source}: changes must be a table")
    policy_from_config(section, source)
