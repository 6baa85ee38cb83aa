"""SQLModel tables of the desk.

Records of every kind share :class:`RecordBase`; each kind has its own table
so that its queue is a plain indexed scan. Constraint names follow a naming
convention so that Alembic batch migrations can drop them later.

Timestamps are timezone-aware UTC (SQLModel's UTCDateTime refuses naive ones).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from . import contacts as _contacts  # noqa: F401  (requester_id refers to contact.id)
from .base import metadata, text_field

__all__ = ["metadata"]
_text = text_field


class Service(SQLModel, table=True):
    """A service in the catalogue, with the criticality the business gives it."""

    __tablename__ = "service"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    description: str = _text()
    criticality: str = Field(default="medium")  # high | medium | low
    # who is told of the changes planned on it (8.5.1.3), e.g. "Dana <dana@example.org>"
    owner: str = Field(default="")
    created_at: datetime


class ConfigurationItem(SQLModel, table=True):
    """A configuration item (8.2.6): unique id, type, description, status, relationships."""

    __tablename__ = "configuration_item"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)  # the CI's unique identifier, e.g. srv-mail-01
    ci_type: str = Field(default="server")
    description: str = _text()
    status: str = Field(default="active")  # planned | active | retired
    service_id: int | None = Field(default=None, foreign_key="service.id", index=True)
    created_at: datetime
    updated_at: datetime


class CIRelationship(SQLModel, table=True):
    """A directed relationship between two CIs (e.g. app-01 runs_on srv-01)."""

    __tablename__ = "ci_relationship"
    __table_args__ = (UniqueConstraint("source_id", "target_id", "relation"),)
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="configuration_item.id", index=True)
    target_id: int = Field(foreign_key="configuration_item.id", index=True)
    relation: str = Field(default="depends_on")


class ServiceCIRelationship(SQLModel, table=True):
    """A service in the relationship graph (8.2.6): ``service depends_on ci`` (the service
    needs the CI) or ``service used_by ci`` (the CI uses the service)."""

    __tablename__ = "service_ci_relationship"
    __table_args__ = (UniqueConstraint("service_id", "ci_id", "relation"),)
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    ci_id: int = Field(foreign_key="configuration_item.id", index=True)
    relation: str = Field(default="depends_on")  # depends_on | used_by


class RecordBase(SQLModel):
    """Columns every record kind has."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    title: str
    description: str = _text()
    status: str
    category: str = Field(default="")
    assignee: str = Field(default="")
    assignment_group: str = Field(default="")
    # hierarchical escalation: the manager it was raised to, and how many times
    escalated_to: str = Field(default="")
    escalation_level: int = Field(default=0)
    impact: str = Field(default="medium")
    urgency: str = Field(default="medium")
    priority: int = Field(default=3)
    service_id: int | None = Field(default=None, foreign_key="service.id", index=True)
    ci_id: int | None = Field(default=None, foreign_key="configuration_item.id", index=True)
    created_by: str = Field(default="")
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    # optimistic concurrency: +1 on every write; a write against a stale version is refused
    version: int = Field(default=1)


def _queue_indexes(table: str) -> tuple:
    # The queue order is priority, then age (then id for a stable key).
    return (
        Index(f"ix_{table}_queue", "priority", "created_at", "id"),
        Index(f"ix_{table}_status_queue", "status", "priority", "created_at", "id"),
        {"sqlite_autoincrement": True},  # a reference is never reused, even after a purge
    )


class Change(RecordBase, table=True):
    """A request for change (8.5.1)."""

    __tablename__ = "change"
    __table_args__ = _queue_indexes("change")
    change_type: str = Field(default="normal")  # standard | normal | emergency
    reason: str = _text()
    backout_plan: str = _text()
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    outcome: str = Field(default="")  # successful | failed | backed_out
    # RFC assessment (8.5.1): risk = likelihood × impact (1..5 each) -> risk_level
    risk_likelihood: int | None = None
    risk_impact: int | None = None
    risk_level: str = Field(default="")
    business_benefit: str = _text()
    cost: str = _text()
    impact_capacity: str = _text()
    impact_availability: str = _text()
    impact_continuity: str = _text()
    impact_security: str = _text()
    implementation_plan: str = _text()
    test_plan: str = _text()
    investigation_note: str = _text()  # required when the outcome is failed/backed out
    major_impact: bool = Field(default=False)  # flagged for service design and transition
    major_impact_reasons: str = _text()
    expedited: bool = Field(default=False)  # emergency change approved on the expedited path
    # a proposal to add, remove or transfer a service (8.5.2): always major impact
    service_change: str = Field(default="")  # "" | add_service | remove_service | transfer_service
    # the full change record (8.5.1.3): decision inputs beside risk, benefit, cost, capacity...
    feasibility: str = _text()
    impact_customers: str = _text()  # on existing services' customers and users
    impact_policies: str = _text()  # on policies and plans
    # before deployment: prepared, verified and (where possible) tested; the reversal tested
    verification_results: str = _text()
    test_results: str = _text()
    backout_tested: str = Field(default="")  # "" (not said) | yes | no
    backout_untested_reason: str = _text()  # why not, when no


class RemedialAction(SQLModel, table=True):
    """An action to remedy an unsuccessful change (8.5.1.3), tracked until it is done."""

    __tablename__ = "remedial_action"
    __table_args__ = (UniqueConstraint("change_ref", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    change_ref: str = Field(index=True)
    position: int  # 1-based, as the analyst refers to it
    action: str = _text()
    owner: str = Field(default="")
    agreed_with: str = Field(default="")  # the interested parties it was agreed with
    created_at: datetime
    created_by: str = Field(default="")
    done_at: datetime | None = None
    done_by: str = Field(default="")
    note: str = _text()


class Problem(RecordBase, table=True):
    """The cause of one or more incidents (8.6.3)."""

    __tablename__ = "problem"
    __table_args__ = _queue_indexes("problem")
    root_cause: str = _text()
    workaround: str = _text()
    change_id: int | None = Field(default=None, foreign_key="change.id", index=True)
    symptoms: str = _text()
    rca_method: str = Field(default="")  # e.g. 5 whys, Ishikawa, fault tree
    permanent_fix: str = _text()


class KnownError(RecordBase, table=True):
    """A problem whose root cause or workaround is known (8.6.3)."""

    __tablename__ = "known_error"
    __table_args__ = _queue_indexes("known_error")
    problem_id: int | None = Field(default=None, foreign_key="problem.id", index=True)
    root_cause: str = _text()
    workaround: str = _text()
    symptoms: str = _text()
    applied_count: int = Field(default=0)  # times its workaround was applied to an incident


class Incident(RecordBase, table=True):
    """An unplanned interruption or drop in quality of a service (8.6.1)."""

    __tablename__ = "incident"
    __table_args__ = _queue_indexes("incident")
    problem_id: int | None = Field(default=None, foreign_key="problem.id", index=True)
    change_id: int | None = Field(default=None, foreign_key="change.id", index=True)
    # the parent of a child incident (the same outage reported twice, a site's incidents
    # under the major one): a link, followed from both sides
    parent_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    major: bool = Field(default=False)
    # information security risk (8.7.3.3): none | low | medium | high | critical; any but
    # none makes it a security incident, and the config's floor may raise its priority
    security_risk: str = Field(default="none")
    major_reason: str = Field(default="")
    # major incident handling (services/incidents/rules.py): who declared it, who is responsible
    major_declared_by: str = Field(default="")
    major_declared_at: datetime | None = None
    major_manager: str = Field(default="")
    # SLA clocks (domain/sla.py): business seconds counted so far; running_since is set
    # while the clock runs (not on hold, not resolved); the respond clock's reading is
    # frozen at the first response; sla_flags lists thresholds already journaled.
    first_response_at: datetime | None = None
    sla_counted_s: float = Field(default=0.0)
    sla_running_since: datetime | None = None
    sla_response_s: float | None = None
    sla_flags: str = Field(default="")
    # who reported it (8.3.2): a contact of the register (storage/contacts.py)
    requester_id: int | None = Field(default=None, foreign_key="contact.id", index=True)


class ServiceRequest(RecordBase, table=True):
    """A request for information, advice, access or a standard change (8.6.2)."""

    __tablename__ = "service_request"
    __table_args__ = _queue_indexes("service_request")
    request_type: str = Field(default="")
    due_at: datetime | None = None  # fulfilment target from the request type's SLA
    needs_approval: bool = Field(default=False)  # from its request type, when raised
    satisfaction_score: int | None = None  # 1..5, given on closure (input to 8.3.2)
    satisfaction_comment: str = _text()
    requester_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    # SLA clocks like an incident's (services/incidents/sla.py), with the targets copied from the
    # request type when it was raised (seconds; None: that clock is not tracked)
    first_response_at: datetime | None = None
    sla_counted_s: float = Field(default=0.0)
    sla_running_since: datetime | None = None
    sla_response_s: float | None = None
    sla_flags: str = Field(default="")
    sla_respond_target_s: float | None = None
    sla_resolve_target_s: float | None = None


class Complaint(RecordBase, table=True):
    """A service complaint (8.3.2): recorded, investigated, escalated when the normal
    channels do not resolve it, resolved with an outcome, closed."""

    __tablename__ = "complaint"
    __table_args__ = _queue_indexes("complaint")
    requester_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    outcome: str = _text()  # what was found and done; required to resolve


class JournalEntry(SQLModel, table=True):
    """One action on one record: who, when, what changed, the note.

    Keyed by the record's reference (not a foreign key) so the journal outlives
    even a purge. ``hash`` chains each entry to the previous one of its record.
    """

    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_entry_record", "record_ref", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    record_ref: str
    record_kind: str
    at: datetime = Field(index=True)
    actor: str
    action: str  # create | update | transition | note | assign | link | ...
    changes: str = Field(default="{}", sa_type=Text)  # JSON {field: [old, new]}
    note: str = _text()
    prev_hash: str = Field(default="")
    hash: str = Field(default="")


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself (e.g. which app created it)."""

    __tablename__ = "sms_meta"
    key: str = Field(primary_key=True)
    value: str = Field(default="")


RECORD_TABLES = {
    "incident": Incident,
    "request": ServiceRequest,
    "problem": Problem,
    "known_error": KnownError,
    "change": Change,
    "complaint": Complaint,
}
