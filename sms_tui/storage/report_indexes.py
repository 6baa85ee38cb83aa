"""Indexes the reports need on large desks (issue 9: a million incidents).

Period figures select incidents by when they were resolved or closed, and the
backlog "open at time t" is three range scans on (resolved_at, closed_at)
(see :mod:`sms_tui.services.reporting.figures`); created_at ranges use the
column's own index. Without these each report query scans the whole table.
The indexes live here, next to the queries' owner, rather than in models.py.
"""

from __future__ import annotations

from sqlalchemy import Index

from .models import Incident

__all__ = ["INDEXES"]

INDEXES = (
    # covering (created_at last): the backlog and its ages are read from the index alone
    Index("ix_incident_ended", Incident.resolved_at, Incident.closed_at, Incident.created_at),
    Index("ix_incident_created_at", Incident.created_at),
)
