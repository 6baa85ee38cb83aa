"""Service reporting (9.4) and the audit evidence report, as plain data.

:class:`ReportService` runs each report in ONE read transaction (a consistent
snapshot) and returns the dataclasses of :mod:`.report_model`; the renderers in
:mod:`sms_tui.reports` turn them into Markdown, HTML, CSV or JSON, and the TUI
shows them. :func:`build_service_report` and :func:`build_evidence_report`
work inside a caller's session, so other features (e.g. review evidence
pre-fill) can reuse the same figures.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..core.store import Store
from . import figures, sections
from .evidence import build_clauses
from .model import EvidenceReport, Period, ServiceReport
from .sla import sla
from .sql import Probe

DEFAULT_MAX_REFS = 200


def build_service_report(session: Session, period: Period, now: datetime,
                         config=None) -> ServiceReport:
    """All the figures of the service report for ``period``, in the caller's session."""
    previous = period.previous()
    ctx = figures.Ctx(
        session=session,
        probe=Probe(session),
        period=period,
        previous=previous,
        as_of=min(period.end, now),
        prev_as_of=min(previous.end, now),
    )
    built = (
        figures.incidents(ctx),
        figures.major_incidents(ctx),
        sla(ctx, config),
        sections.security_incidents(ctx),
        sections.requests(ctx),
        sections.complaints(ctx),
        sections.problems(ctx),
        sections.changes(ctx),
        sections.reviews(ctx),
        sections.improvement(ctx),
    )
    return ServiceReport(
        period=period,
        previous=previous,
        generated_at=now,
        as_of=ctx.as_of,
        weekly=figures.weekly(ctx),
        sections=built,
    )


def build_evidence_report(session: Session, period: Period, now: datetime,
                          max_refs: int | None = DEFAULT_MAX_REFS, config=None,
                          sample: int = 0, seed: int = 0) -> EvidenceReport:
    """The evidence per clause for ``period``, in the caller's session.

    ``sample`` > 0 picks that many records per clause (seeded by ``seed``) and adds
    each with its full journal, for an auditor to trace.
    """
    from .samples import sample_clauses, with_records
    from .sql import ts

    probe = Probe(session)
    params = {"s": ts(period.start), "e": ts(period.end)}
    clauses = with_records(session, probe,
                           build_clauses(session, probe, period, now, max_refs, config), params)
    if sample <= 0:
        return EvidenceReport(period=period, generated_at=now, clauses=clauses)
    clauses, traces = sample_clauses(session, probe, clauses, sample, seed, params)
    return EvidenceReport(period=period, generated_at=now, clauses=clauses, traces=traces,
                          sample_seed=seed)


class ReportService:
    """Reports over one store; each call is one read transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def service_report(self, period: Period) -> ServiceReport:
        """Figures for ``period`` with the previous period of equal length for trend."""
        with self.store.read() as session:
            return build_service_report(session, period, self.store.now(), self.store.config)

    def evidence_report(self, period: Period, max_refs: int | None = DEFAULT_MAX_REFS,
                        sample: int = 0, seed: int = 0) -> EvidenceReport:
        """Evidence per ISO/IEC 20000-1 clause, with gaps listing the references involved.

        ``max_refs`` caps the references listed per gap (None lists all); the
        count of each gap is always complete. ``sample``/``seed``: see
        :func:`build_evidence_report`.
        """
        with self.store.read() as session:
            return build_evidence_report(session, period, self.store.now(), max_refs,
                                         self.store.config, sample, seed)
