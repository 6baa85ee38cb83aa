"""Recorded approval decisions on requests and changes: who decided, when, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ...domain.kinds import Kind
from ...storage.request_catalogue import Approval


@dataclass(frozen=True)
class ApprovalView:
    """A recorded approval decision (requests and changes)."""

    ref: str
    decision: str
    approver: str
    decided_at: datetime
    rationale: str
    expedited: bool
    recorded_by: str


def approval_views(session: Session, ref: str) -> list[ApprovalView]:
    """Decisions recorded on a record, oldest first."""
    rows = session.exec(select(Approval).where(Approval.record_ref == ref).order_by(col(Approval.id)))
    return [ApprovalView(a.record_ref, a.decision, a.approver, a.decided_at, a.rationale,
                         a.expedited, a.recorded_by) for a in rows]


def record_decision(session: Session, *, ref: str, kind: Kind, decision: str, approver: str,
                    rationale: str, now: datetime, actor: str, expedited: bool = False) -> Approval:
    """Insert an approval decision row (the caller journals it on the record)."""
    row = Approval(record_ref=ref, record_kind=kind.value, decision=decision, approver=approver,
                   decided_at=now, rationale=rationale, expedited=expedited, recorded_by=actor)
    session.add(row)
    return row


def latest_decision(session: Session, ref: str) -> str | None:
    """'approved', 'rejected' or None."""
    return session.exec(select(Approval.decision).where(Approval.record_ref == ref)
                        .order_by(col(Approval.id).desc()).limit(1)).first()
