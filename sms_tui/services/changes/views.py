"""Plain data of changes the services return: the detail, calendar entries, a schedule result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...domain.changes import (
    Conflict,
)
from ..core.approvals import (
    ApprovalView,
)
from ..core.views import RecordView


@dataclass(frozen=True)
class ChangeDetail:
    """An RFC with what it affects, its assessment, decisions and schedule conflicts."""

    record: RecordView
    change_type: str
    services: list[str]
    cis: list[str]
    risk_likelihood: int | None
    risk_impact: int | None
    risk_score: int | None
    risk_level: str
    major_impact: bool
    major_impact_reasons: list[str]
    under_control: bool
    approvals: list[ApprovalView] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # said once, by the action that caused them
    # the configuration updates it plans (services/changes/ci_updates.py), applied or not
    planned_updates: list[Any] = field(default_factory=list)
    # what a failure of its CIs would affect, through the relationship graph (services included)
    affected_services: list[str] = field(default_factory=list)
    affected_cis: list[str] = field(default_factory=list)
    # what was agreed to remedy it when it failed or was backed out (8.5.1.3): RemedialView
    remedial: list[Any] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.record.ref

    @property
    def pending_updates(self) -> list[Any]:
        """Planned CI updates not applied yet (offered when it is implemented)."""
        return [u for u in self.planned_updates if not u.applied]


@dataclass(frozen=True)
class CalendarEntry:
    """One change on the change calendar."""

    ref: str
    title: str
    status: str
    change_type: str
    start: datetime
    end: datetime
    services: tuple[str, ...]
    cis: tuple[str, ...]
    risk_level: str
    major_impact: bool
    conflicts_with: tuple[str, ...]
    done: bool = False  # implemented (review or closed): what was done, not what is planned
    outcome: str = ""


@dataclass(frozen=True)
class ScheduleResult:
    """A scheduled change and the conflicts found (a warning, not a refusal)."""

    change: ChangeDetail
    conflicts: list[Conflict]
