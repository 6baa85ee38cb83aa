"""Indexes the queues and the request figures need on a million-record desk (issue 9).

``models.py`` gives every record table its queue order (priority, created_at,
id), with and without the status in front; :mod:`.report_indexes` covers the
incident reports. These cover the rest, each found with ``EXPLAIN QUERY PLAN``
(``python bench/plans.py DB``) as a full scan of the table:

* the "recently updated" and "newest/oldest" sorts of every queue;
* "mine" and "unassigned" over all records (assignee first, queue order after);
* the request, problem, known error and change figures of the service and
  evidence reports and of the review evidence, which select records by when
  they were created, resolved or closed (the incident ones are in
  :mod:`.report_indexes`).

An index costs a little on every write; each one here saves a scan of the
whole table on a screen the analyst looks at, or a report over a period.
"""

from __future__ import annotations

from sqlalchemy import Index

from .models import RECORD_TABLES, Incident

__all__ = ["INDEXES"]


def _queue(model) -> tuple[Index, ...]:
    table = model.__tablename__
    out = [
        Index(f"ix_{table}_updated", model.updated_at, model.id),
        Index(f"ix_{table}_assignee_queue", model.assignee, model.priority, model.created_at,
              model.id),
    ]
    if model is not Incident:  # the incident ones are in report_indexes
        out += [
            Index(f"ix_{table}_created", model.created_at, model.id),
            # resolved or closed in a period; the backlog "open at t" with its ages
            Index(f"ix_{table}_ended", model.resolved_at, model.closed_at, model.created_at),
            Index(f"ix_{table}_closed", model.closed_at),
        ]
    return tuple(out)


INDEXES = tuple(index for model in RECORD_TABLES.values() for index in _queue(model))
