"""Plain data returned by the services: safe to keep across screens and threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class JournalView:
    id: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, tuple[Any, Any]]
    note: str

    def summary(self) -> str:
        """One line: 'status: new → in_progress; priority: 3 → 1'."""
        parts = [f"{k}: {_short(a)} → {_short(b)}" for k, (a, b) in self.changes.items()]
        return "; ".join(parts)


def _short(value: Any) -> str:
    if value in (None, ""):
        return "–"
    return str(value)


@dataclass(frozen=True)
class LinkView:
    relation: str  # e.g. "problem", "caused incident", "known error"
    ref: str
    title: str
    status: str


@dataclass(frozen=True)
class RecordRow:
    """One line of a queue."""

    kind: str
    ref: str
    title: str
    status: str
    priority: int
    impact: str
    urgency: str
    assignee: str
    assignment_group: str
    service: str
    created_at: datetime
    updated_at: datetime
    major: bool = False
    escalation_level: int = 0
    escalated_to: str = ""
    is_open: bool = True
    requester: str = ""  # the requester's name (incidents, requests, complaints)
    planned_start: datetime | None = None  # a change's window (None: not planned yet)
    # a link candidate held by another record already (an incident's problem, offered to
    # another problem): its reference; set by RecordService.link_candidates only
    linked_to: str = ""


def queue_row(kind: str, row: Any, service: str | None, lifecycle: Any,
              requester: str | None = "") -> RecordRow:
    """The queue line of a record ``row`` (a table row, or a namespace of its columns) of
    ``kind``, its service's name, and its kind's lifecycle: the services' pages and the first
    page read without them (``quick_queue``) both build their lines here."""
    return RecordRow(
        kind=kind,
        ref=row.ref,
        title=row.title,
        status=row.status,
        priority=row.priority,
        impact=row.impact,
        urgency=row.urgency,
        assignee=row.assignee,
        assignment_group=row.assignment_group,
        service=service or "",
        created_at=row.created_at,
        updated_at=row.updated_at,
        major=bool(getattr(row, "major", False)),
        escalation_level=row.escalation_level,
        escalated_to=row.escalated_to,
        is_open=lifecycle.is_open(row.status),
        requester=requester or "",
        planned_start=getattr(row, "planned_start", None),
    )


@dataclass(frozen=True)
class IncidentRow(RecordRow):
    """An incident queue row with its SLA reading and major-incident reminder."""

    sla_state: str = ""
    sla_label: str = ""  # "2h 05m left", "BREACHED 10m", "paused, 1h left"
    sla_short: str = ""  # "2h05m", "BREACHED", "resp.BRCH", "(1h)"
    needs_manager: bool = False


def with_sla(row: RecordRow, info: Any) -> IncidentRow:
    """``row`` with the SLA reading ``info`` (a ``RowSla``) of its incident."""
    # vars(), not asdict(): asdict deep-copies every field (a third of a page's cost)
    return IncidentRow(**vars(row), sla_state=info.state, sla_label=info.label,
                       sla_short=info.short, needs_manager=info.needs_manager)


@dataclass(frozen=True)
class RecordView:
    """A whole record with its links and journal."""

    kind: str
    ref: str
    title: str
    description: str
    status: str
    category: str
    assignee: str
    assignment_group: str
    escalated_to: str
    escalation_level: int
    impact: str
    urgency: str
    priority: int
    service: str
    ci: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    is_open: bool
    allowed_transitions: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    links: list[LinkView] = field(default_factory=list)
    journal: list[JournalView] = field(default_factory=list)
    # who asked (incidents, requests, complaints): a contact, or empty
    requester_ref: str = ""
    requester: str = ""
    requester_email: str = ""
    # what came with the mail it was made from or noted with (AttachmentView: no content)
    attachments: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``show --format json``)."""

        def conv(v: Any) -> Any:
            if isinstance(v, datetime):
                return v.isoformat()
            return v

        data = {
            k: conv(getattr(self, k))
            for k in self.__dataclass_fields__
            if k not in ("extra", "links", "journal", "requester_ref", "requester",
                         "requester_email", "attachments")
        }
        data["requester"] = ({"ref": self.requester_ref, "name": self.requester,
                              "email": self.requester_email} if self.requester_ref else None)
        data["priority"] = f"P{self.priority}"
        data.update({k: conv(v) for k, v in self.extra.items()})
        data["links"] = [vars(link) for link in self.links]
        data["attachments"] = [a.to_dict() for a in self.attachments]
        data["journal"] = [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "changes": {k: [conv(a), conv(b)] for k, (a, b) in e.changes.items()},
                "note": e.note,
            }
            for e in self.journal
        ]
        return data


# Each queue order: its columns, and whether it runs newest/largest first. The id
# makes every order total, so a keyset never skips or repeats a row.
SORTS: dict[str, tuple[tuple[str, ...], bool]] = {
    "priority": (("priority", "created_at", "id"), False),
    "oldest": (("created_at", "id"), False),
    "newest": (("created_at", "id"), True),
    "updated": (("updated_at", "id"), True),
}


@dataclass(frozen=True)
class QueueFilter:
    """What a queue shows. Every field narrows; the defaults show open records."""

    open_only: bool = True
    text: str = ""
    status: str | None = None
    assignee: str | None = None
    unassigned: bool = False
    priority: int | None = None
    major_only: bool = False
    security_only: bool = False  # incidents whose security risk is not none (8.7.3.3)
    sort: str = "priority"  # priority | newest | oldest | updated

    def describe(self) -> str:
        """Human summary shown above the queue, e.g. 'open · P1 · text "vpn"'."""
        parts = ["open" if self.open_only else "all"]
        if self.status:
            parts.append(f"status {self.status}")
        if self.priority:
            parts.append(f"P{self.priority}")
        if self.unassigned:
            parts.append("unassigned")
        elif self.assignee:
            parts.append(f"assignee {self.assignee}")
        if self.major_only:
            parts.append("major")
        if self.security_only:
            parts.append("security")
        if self.text:
            parts.append(f'text "{self.text}"')
        if self.sort != "priority":
            parts.append(f"sorted by {self.sort}")
        return " · ".join(parts)
