"""Lifecycles of each record kind as explicit state machines (pure, no I/O).

Each lifecycle is a table: status -> statuses it may move to. The services
consult it before every status change, and an invalid move is refused with a
message naming the allowed ones. The README documents these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .changes import next_statuses as change_moves
from .errors import InvalidTransition, ValidationError
from .kinds import KINDS, Kind


@dataclass(frozen=True)
class Lifecycle:
    kind: Kind
    initial: str
    transitions: Mapping[str, tuple[str, ...]]
    open_states: frozenset[str]
    # statuses that stamp resolved_at / closed_at when entered
    resolved_states: frozenset[str]
    closed_states: frozenset[str]
    # statuses whose time does not count against the SLA clock
    paused_states: frozenset[str] = frozenset()
    # moves that undo a step (a change's approval withdrawn): real, but never a way forward
    step_backs: frozenset[tuple[str, str]] = frozenset()

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.transitions)

    def allowed(self, current: str) -> list[str]:
        """Statuses reachable from ``current`` in one step."""
        return list(self.transitions.get(current, ()))

    def check(self, current: str, target: str) -> None:
        """Raise InvalidTransition unless current -> target is allowed."""
        if target not in self.transitions:
            raise ValidationError(
                f"unknown {KINDS[self.kind].label.lower()} status '{target}': "
                f"use one of {', '.join(self.states)}"
            )
        if target not in self.transitions.get(current, ()):
            raise InvalidTransition(KINDS[self.kind].label, current, target, self.allowed(current))

    def is_final(self, status: str) -> bool:
        return not self.transitions.get(status)

    def is_open(self, status: str) -> bool:
        return status in self.open_states


INCIDENT = Lifecycle(
    kind=Kind.INCIDENT,
    initial="new",
    transitions={
        "new": ("in_progress", "on_hold", "resolved", "cancelled"),
        "in_progress": ("on_hold", "resolved", "cancelled"),
        "on_hold": ("in_progress", "resolved", "cancelled"),
        "resolved": ("closed", "in_progress"),  # in_progress = reopen
        "closed": (),
        "cancelled": (),
    },
    open_states=frozenset({"new", "in_progress", "on_hold"}),
    resolved_states=frozenset({"resolved"}),
    closed_states=frozenset({"closed", "cancelled"}),
    paused_states=frozenset({"on_hold"}),
)

REQUEST = Lifecycle(
    kind=Kind.REQUEST,
    initial="new",
    transitions={
        "new": ("awaiting_approval", "in_progress", "on_hold", "fulfilled", "cancelled"),
        "awaiting_approval": ("in_progress", "rejected", "cancelled"),
        "in_progress": ("on_hold", "fulfilled", "cancelled"),
        "on_hold": ("in_progress", "fulfilled", "cancelled"),
        "fulfilled": ("closed", "in_progress"),
        "closed": (),
        "rejected": (),
        "cancelled": (),
    },
    open_states=frozenset({"new", "awaiting_approval", "in_progress", "on_hold"}),
    resolved_states=frozenset({"fulfilled"}),
    closed_states=frozenset({"closed", "rejected", "cancelled"}),
    paused_states=frozenset({"on_hold", "awaiting_approval"}),
)

PROBLEM = Lifecycle(
    kind=Kind.PROBLEM,
    initial="new",
    transitions={
        "new": ("investigating", "cancelled"),
        "investigating": ("known_error", "resolved", "cancelled"),
        "known_error": ("investigating", "resolved"),
        "resolved": ("closed", "investigating"),
        "closed": (),
        "cancelled": (),
    },
    open_states=frozenset({"new", "investigating", "known_error"}),
    resolved_states=frozenset({"resolved"}),
    closed_states=frozenset({"closed", "cancelled"}),
)

KNOWN_ERROR = Lifecycle(
    kind=Kind.KNOWN_ERROR,
    initial="open",
    transitions={
        "open": ("resolved", "retired"),
        "resolved": ("closed", "open"),
        "retired": (),
        "closed": (),
    },
    open_states=frozenset({"open"}),
    resolved_states=frozenset({"resolved"}),
    closed_states=frozenset({"closed", "retired"}),
)

CHANGE = Lifecycle(
    kind=Kind.CHANGE,
    initial="new",
    transitions={
        # new -> approved: standard changes (pre-approved) and emergency changes
        # (expedited approval); services/changes/service.py enforces which may.
        "new": ("assessing", "approved", "rejected", "cancelled"),
        "assessing": ("approved", "rejected", "cancelled"),
        # approved/scheduled -> assessing: the approval is withdrawn (recorded as a
        # decision) so that what was approved can change and be decided again.
        "approved": ("scheduled", "implementing", "assessing", "cancelled"),
        "scheduled": ("implementing", "assessing", "cancelled"),
        "implementing": ("review",),
        "review": ("closed",),
        "closed": (),
        "rejected": (),
        "cancelled": (),
    },
    open_states=frozenset({"new", "assessing", "approved", "scheduled", "implementing", "review"}),
    resolved_states=frozenset({"review"}),
    closed_states=frozenset({"closed", "rejected", "cancelled"}),
    step_backs=frozenset({("approved", "assessing"), ("scheduled", "assessing")}),
)

COMPLAINT = Lifecycle(
    kind=Kind.COMPLAINT,
    initial="received",
    transitions={
        "received": ("investigating", "escalated", "resolved", "withdrawn"),
        "investigating": ("escalated", "resolved", "withdrawn"),
        # escalated: the normal channels did not resolve it; raised to management
        # (``escalate --hierarchical`` moves it here)
        "escalated": ("investigating", "resolved"),
        "resolved": ("closed", "investigating"),  # resolved needs an outcome
        "closed": (),
        "withdrawn": (),
    },
    open_states=frozenset({"received", "investigating", "escalated"}),
    resolved_states=frozenset({"resolved"}),
    closed_states=frozenset({"closed", "withdrawn"}),
)

LIFECYCLES: dict[Kind, Lifecycle] = {
    lc.kind: lc for lc in (INCIDENT, REQUEST, PROBLEM, KNOWN_ERROR, CHANGE, COMPLAINT)
}


def lifecycle_for(kind: Kind) -> Lifecycle:
    return LIFECYCLES[kind]


def next_statuses(kind: Kind, status: str, extra: Mapping[str, object]) -> list[str]:
    """The moves from ``status`` that can succeed for this record: the lifecycle's, less those
    its own rules never allow (a change's approval, by its category; ``extra`` holds the
    record's own fields). What the screens and ``show`` offer as the next status."""
    allowed = lifecycle_for(kind).allowed(status)
    if kind is Kind.CHANGE:
        return change_moves(change_type=str(extra.get("change_type") or "normal"), status=status,
                            allowed=allowed)
    if kind is Kind.INCIDENT and extra.get("major"):  # undeclared first (with a reason), never
        return [s for s in allowed if s != "cancelled"]  # cancelled: it was offered, then refused
    return allowed
