"""A FIXED small data set for the report tests, with every expectation computable by hand.

The report period is March 2026, ``[2026-03-01, 2026-04-01)``; the previous
period of equal length (31 days) is ``[2026-01-29, 2026-03-01)``; reports are
generated on 2026-04-15 (``REPORT_NOW``), so backlogs are measured at
2026-04-01 00:00 and 2026-03-01 00:00.

Rows are inserted directly (exact timestamps, no feature hooks) so that the
figures depend only on this file. The expected values are worked out in the
comments and asserted in ``tests/test_reports.py`` and
``tests/test_evidence_report.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sms_tui.services.core import journal
from sms_tui.services.reporting.model import Period
from sms_tui.storage.models import (
    Change,
    ConfigurationItem,
    Incident,
    KnownError,
    Problem,
    Service,
    ServiceRequest,
)
from sms_tui.storage.request_catalogue import Approval
from sms_tui.storage.reviews import (
    CorrectiveAction,
    ImprovementOpportunity,
    Nonconformity,
    ReviewSchedule,
    ReviewTask,
)

MARCH = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
REPORT_NOW = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)


def t(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def _record(model, number: int, prefix: str, title: str, created: datetime, *, status: str,
            priority: int = 3, resolved: datetime | None = None, closed: datetime | None = None,
            impact: str = "medium", urgency: str = "medium", **extra):
    return model(id=number, ref=f"{prefix}-{number:06d}", title=title, status=status,
                 priority=priority, impact=impact, urgency=urgency, created_at=created,
                 updated_at=closed or resolved or created, resolved_at=resolved, closed_at=closed,
                 **extra)


def incidents(email: int) -> list[Incident]:
    """Hours to resolve in March: B 318, C 10, D 24, E 2, M 3; in the previous period: A 4."""

    def inc(n, title, created, **kw):
        kw.setdefault("service_id", email)
        kw.setdefault("category", "mail")
        return _record(Incident, n, "INC", title, created, **kw)

    hour = 3600.0
    # SLA clocks (default targets, resolve: P1 4h, P2 8h, P3 24h, P4 3d; respond: P1 15m,
    # P3 2h): B misses its resolution target (318 h > 72 h); D is exactly on target (met);
    # M's first response (30 min) misses its 15 min target.
    return [
        inc(1, "A", t(2, 10, 10), status="closed", resolved=t(2, 10, 14), closed=t(2, 12),
            sla_counted_s=4 * hour),
        inc(2, "B", t(2, 20, 9), status="resolved", priority=4, resolved=t(3, 5, 15),
            sla_counted_s=318 * hour),
        # exactly at the period start: in March, and not open at 1 March 00:00
        inc(3, "C", t(3, 1), status="resolved", resolved=t(3, 1, 10), sla_counted_s=10 * hour,
            sla_response_s=600.0),
        inc(4, "D", t(3, 2, 9), status="resolved", resolved=t(3, 3, 9), category="",
            sla_counted_s=24 * hour),
        inc(5, "E", t(3, 10, 12), status="resolved", priority=2, resolved=t(3, 10, 14),
            service_id=None, category="network", sla_counted_s=2 * hour),
        inc(6, "F", t(3, 31, 23, 59, 59), status="new", priority=5),
        # exactly at the period end: NOT in March, not open at 1 April 00:00
        inc(7, "G", t(4, 1), status="new"),
        inc(8, "M", t(3, 20, 10), status="resolved", priority=1, resolved=t(3, 20, 13),
            major=True, major_reason="P1", impact="high", urgency="high",
            sla_counted_s=3 * hour, sla_response_s=1800.0),
        # before both periods: cancelled in the previous one; and an old one still on hold
        inc(9, "H", t(1, 20, 8), status="cancelled", closed=t(2, 1)),
        inc(10, "J", t(1, 5, 9), status="on_hold"),
    ]


def requests() -> list[ServiceRequest]:
    def req(n, created, **kw):
        return _record(ServiceRequest, n, "REQ", f"R{n}", created, **kw)

    return [
        req(1, t(2, 15), status="closed", resolved=t(2, 16), closed=t(2, 17),
            satisfaction_score=2, request_type="password reset"),
        req(2, t(3, 3), status="closed", resolved=t(3, 4), closed=t(3, 5), satisfaction_score=4,
            request_type="new account", due_at=t(3, 5)),
        req(3, t(3, 10), status="closed", resolved=t(3, 12), closed=t(3, 13), satisfaction_score=5,
            request_type="", due_at=t(3, 11), needs_approval=True),  # fulfilled unapproved
        req(4, t(3, 20), status="in_progress", request_type="access"),
    ]


def problems() -> list:
    return [
        _record(Problem, 1, "PRB", "P1", t(2, 5), status="closed", resolved=t(3, 10),
                closed=t(3, 11), root_cause="disk full"),
        _record(Problem, 2, "PRB", "P2", t(3, 15), status="investigating"),
        _record(Problem, 3, "PRB", "P3", t(3, 16), status="resolved", resolved=t(3, 20)),
        _record(KnownError, 1, "KE", "KE1", t(3, 10), status="open", problem_id=1),
    ]


def changes() -> list[Change]:
    def chg(n, created, change_type, **kw):
        return _record(Change, n, "CHG", f"C{n}", created, change_type=change_type, **kw)

    return [
        chg(1, t(2, 20), "normal", status="closed", resolved=t(2, 25), closed=t(2, 26),
            outcome="successful", backout_plan="restore snapshot"),
        chg(2, t(3, 2), "normal", status="review", resolved=t(3, 9), outcome="successful",
            backout_plan="roll back package"),
        chg(3, t(3, 5, 8), "emergency", status="review", resolved=t(3, 5, 20), outcome="failed"),
        chg(4, t(3, 12), "standard", status="closed", resolved=t(3, 13), closed=t(3, 14),
            outcome="backed_out"),
        chg(5, t(3, 25), "normal", status="assessing"),
    ]


def approvals() -> list[Approval]:
    """CHG-000002 was approved by the CAB; the emergency CHG-000003 never got a decision."""
    return [Approval(id=1, record_ref="CHG-000002", record_kind="change", decision="approved",
                     approver="CAB", decided_at=t(3, 3), rationale="low risk")]


def reviews() -> list:
    def task(n, activity, due, status, completed=None, created=None, **kw):
        created = created or t(1, 30)
        return ReviewTask(id=n, ref=f"REV-{n:06d}", activity=activity, clause="x",
                          title=activity, due=due, status=status, completed_at=completed,
                          raised_at=created, created_at=created, updated_at=created, **kw)

    return [
        ReviewSchedule(id=1, activity="sla_performance", clause="8.3.3", title="SLA",
                       anchor=t(1, 1), next_due=t(4, 10), created_at=t(1, 1), updated_at=t(1, 1)),
        ReviewSchedule(id=2, activity="continuity_test", clause="8.7.2", title="Continuity",
                       anchor=t(1, 1), next_due=t(12, 1), paused=True, created_at=t(1, 1),
                       updated_at=t(1, 1)),
        task(1, "sla_performance", t(2, 10), "done", t(2, 9), outcome="fine"),
        task(2, "sla_performance", t(3, 10), "done", t(3, 12), outcome="two misses"),
        task(3, "service_trends", t(3, 15), "done", t(3, 14), outcome=""),
        task(4, "problem_effectiveness", t(3, 20), "open"),
        task(5, "rfc_trends", t(3, 31, 23), "skipped", skip_reason="no changes team"),
        task(6, "config_verification", t(4, 10), "open"),
        task(7, "major_incident_review", t(4, 3), "open", created=t(3, 20, 14), source="event",
             source_ref="INC-000008"),
        task(8, "change_effectiveness_review", t(3, 16), "done", t(3, 15), created=t(3, 10),
             source="event", source_ref="CHG-000002", outcome="worked"),
    ]


def improvement() -> list:
    return [
        ImprovementOpportunity(id=1, ref="OFI-000001", title="O1", status="closed", owner="ann",
                               created_at=t(2, 20), updated_at=t(3, 5), closed_at=t(3, 5)),
        ImprovementOpportunity(id=2, ref="OFI-000002", title="O2", status="proposed",
                               created_at=t(3, 10), updated_at=t(3, 10)),
        ImprovementOpportunity(id=3, ref="OFI-000003", title="O3", status="approved", owner="bob",
                               due=t(3, 30), created_at=t(3, 12), updated_at=t(3, 12)),
        Nonconformity(id=1, ref="NC-000001", title="N1", status="open", created_at=t(3, 5),
                      updated_at=t(3, 5)),
        Nonconformity(id=2, ref="NC-000002", title="N2", status="closed", created_at=t(3, 6),
                      updated_at=t(3, 25), closed_at=t(3, 25)),
        Nonconformity(id=3, ref="NC-000003", title="N3", status="action_planned",
                      created_at=t(2, 10), updated_at=t(2, 10)),
        CorrectiveAction(id=1, nonconformity_id=2, text="fix", done=True, created_at=t(3, 6)),
        CorrectiveAction(id=2, nonconformity_id=3, text="train", due=t(3, 1), created_at=t(2, 10)),
    ]


def catalogue() -> list:
    return [
        ConfigurationItem(id=1, name="srv-mail", service_id=1, created_at=t(1, 1),
                          updated_at=t(1, 1)),
        ConfigurationItem(id=2, name="sw-core", ci_type="network", created_at=t(1, 1),
                          updated_at=t(1, 1)),
        ConfigurationItem(id=3, name="old-box", status="retired", created_at=t(1, 1),
                          updated_at=t(1, 1)),
    ]


def build(store) -> None:
    """Insert the whole data set in one transaction."""
    with store.write() as session:
        session.add(Service(id=1, name="Email", created_at=t(1, 1)))
        session.flush()
        for row in (*catalogue(), *incidents(1), *requests(), *problems(), *changes(),
                    *approvals(), *reviews(), *improvement()):
            session.add(row)
            session.flush()
        # Work-log: a note on D, a note on C's resolution, a bare status change on E.
        for ref, at, action, note in (
            ("INC-000003", t(3, 1, 10), "transition", "replaced the disk"),
            ("INC-000004", t(3, 2, 12), "note", "restarted the mail service"),
            ("INC-000005", t(3, 10, 14), "transition", ""),
        ):
            journal.append(session, ref=ref, kind="incident", actor="ann", at=at, action=action,
                           note=note)
