"""Review tasks: raising them (from schedules or events) and carrying them out.

Event-driven reviews are raised by other features inside THEIR transaction::

    from sms_tui.services.reviews import raise_event_review_in, review_done_for

    ref = raise_event_review_in(session, activity="major_incident_review",
                                source_ref=incident.ref, title=f"Review {incident.ref}",
                                clause="8.6.1", due=now + timedelta(days=5), now=now,
                                actor=store.actor)
    ...
    if not review_done_for(session, activity="major_incident_review", source_ref=incident.ref):
        raise ValidationError(...)

Both are idempotent and safe when two processes race: the database holds a
UNIQUE (activity, source_ref) constraint, and a losing insert is rolled back
to a savepoint and the existing task returned.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..domain.errors import ValidationError
from ..domain.reviews import ACTIVITIES, EVENT_ACTIVITIES, format_ref
from ..storage.reviews import ReviewTask
from . import journal

EVENT_ACTIVITY_KEYS = tuple(a.key for a in EVENT_ACTIVITIES)
MAX_TITLE = 200


def aware(value: datetime) -> datetime:
    """Timestamps are UTC and timezone-aware; a naive one is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def checklist_json(items: Iterable[str]) -> str:
    """A fresh checklist: every item not done yet."""
    return json.dumps(
        [{"text": text, "done": False, "by": "", "at": None} for text in items],
        ensure_ascii=False,
    )


def insert_task_in(session: Session, *, actor: str, now: datetime, **values: Any) -> ReviewTask | None:
    """Insert a review task and journal it; None when the database says it exists already.

    The insert runs in a savepoint: a UNIQUE violation (another process raised
    the same period or event first) undoes only this insert, not the caller's
    transaction.
    """
    task = ReviewTask(ref=f"pending-{uuid.uuid4().hex}", created_at=now, updated_at=now,
                      raised_at=now, **values)
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:
        return None
    task.ref = format_ref("review", task.id or 0)
    session.flush()
    changes: dict[str, tuple[Any, Any]] = {
        "title": (None, task.title),
        "status": (None, task.status),
        "due": (None, task.due),
    }
    if task.period_start is not None:
        changes["period"] = (None, f"{task.period_start:%Y-%m-%d} – {task.period_end:%Y-%m-%d}")
    if task.source_ref:
        changes["source_ref"] = (None, task.source_ref)
    if task.owner:
        changes["owner"] = (None, task.owner)
    if task.raised_late:
        changes["raised_late"] = (None, True)
    journal.append(session, ref=task.ref, kind="review", actor=actor, at=now, action="create",
                   changes=changes)
    return task


def _existing_event_review(session: Session, activity: str, source_ref: str) -> ReviewTask | None:
    stmt = select(ReviewTask).where(ReviewTask.activity == activity,
                                    ReviewTask.source_ref == source_ref)
    return session.exec(stmt).first()


def raise_event_review_in(
    session: Session,
    *,
    activity: str,
    source_ref: str,
    title: str,
    clause: str,
    due: datetime,
    now: datetime,
    actor: str,
    owner: str = "",
    instructions: str | None = None,
) -> str:
    """Raise the review an event calls for, in the caller's transaction; returns its REV ref.

    Idempotent per (activity, source_ref): raising it again returns the
    existing task's reference and changes nothing. ``activity`` is one of
    :data:`EVENT_ACTIVITY_KEYS`. The task is pre-filled with evidence about
    the source record where there is any.
    """
    if activity not in EVENT_ACTIVITY_KEYS:
        raise ValidationError(
            f"unknown event review '{activity}': use one of {', '.join(EVENT_ACTIVITY_KEYS)}"
        )
    source_ref = (source_ref or "").strip()
    if not source_ref:
        raise ValidationError("an event review needs the reference of the record that caused it")
    existing = _existing_event_review(session, activity, source_ref)
    if existing is not None:
        return existing.ref
    title = (title or "").strip() or ACTIVITIES[activity].title
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    info = ACTIVITIES[activity]
    now = aware(now)
    from .evidence import evidence_for_event  # evidence queries other features' tables

    evidence = evidence_for_event(session, activity, source_ref, now)
    task = insert_task_in(
        session,
        actor=actor,
        now=now,
        schedule_id=None,
        source="event",
        source_ref=source_ref,
        activity=activity,
        clause=clause or info.clause,
        title=title,
        instructions=info.instructions if instructions is None else instructions,
        due=aware(due),
        owner=(owner or "").strip(),
        checklist=checklist_json(info.checklist),
        evidence=json.dumps(evidence, ensure_ascii=False, default=str),
    )
    if task is None:  # another process raised it between our check and our insert
        existing = _existing_event_review(session, activity, source_ref)
        assert existing is not None
        return existing.ref
    return task.ref


def review_done_for(session: Session, *, activity: str, source_ref: str) -> bool:
    """True when the event review of ``source_ref`` exists and is done (skipped does not count)."""
    stmt = select(ReviewTask.status).where(ReviewTask.activity == activity,
                                           ReviewTask.source_ref == source_ref)
    return session.exec(stmt).first() == "done"
