"""Review tasks: raising them (from schedules or events) and carrying them out.

Event-driven reviews are raised by other features inside THEIR transaction::

    from sms_tui.services.reviews.service import raise_event_review_in, review_done_for

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
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from ...domain.errors import ConflictError, NotFound, ValidationError, hinted
from ...domain.reviews import (
    ACTIVITIES,
    EVENT_ACTIVITIES,
    REVIEW,
    SCHEDULED_ACTIVITIES,
    format_ref,
    parse_ref,
)
from ...domain.schedule import (
    aligned_start_after,
    describe_period,
    index_at_or_before,
    next_due_after,
    parse_interval,
    period_for,
)
from ...domain.text import has_visible_text
from ...storage.reviews import ReviewSchedule, ReviewTask
from ..core import journal
from ..core.store import Store
from ..core.views import JournalView
from .findings import FindingsMixin
from .settings import review_settings
from .views import (
    DUE_SOON,
    OVERDUE,
    UPCOMING,
    ChecklistItem,
    RaiseResult,
    ReviewRow,
    ReviewView,
    ScheduleView,
)

EVENT_ACTIVITY_KEYS = tuple(a.key for a in EVENT_ACTIVITIES)
MAX_TITLE = 200
# A daily schedule left for ten years is still caught up in one run; beyond that, stop.
MAX_CATCH_UP = 10_000


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
        changes["period"] = (None, describe_period(task.period_start, task.period_end))
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


def _refresh_evidence(session: Session, task: ReviewTask, actor: str, now: datetime) -> None:
    """The event happened again (an incident reopened and resolved again): an open review's
    evidence is collected afresh, so it never shows the first resolution's times."""
    if task.status in ("done", "skipped"):
        return  # a finished review keeps the evidence it was done on
    from .evidence import evidence_for_event

    fresh = evidence_for_event(session, task.activity, task.source_ref or "", now)
    task.evidence = json.dumps(fresh, ensure_ascii=False, default=str)
    task.updated_at, task.version = now, task.version + 1
    journal.append(session, ref=task.ref, kind="review", actor=actor, at=now,
                   action="evidence_refreshed", note="the event happened again; evidence collected anew")


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
    checklist: tuple[str, ...] | None = None,
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
        _refresh_evidence(session, existing, actor, aware(now))
        return existing.ref
    title = (title or "").strip() or ACTIVITIES[activity].title
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    info = ACTIVITIES[activity]
    now = aware(now)
    from .evidence import (
        evidence_for_event,  # evidence queries other features' tables
    )

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
        checklist=checklist_json(info.checklist if checklist is None else checklist),
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


# ===================================================================== service
def schedule_ref(activity: str) -> str:
    """The journal key of a schedule: ``SCH:<activity>``."""
    return f"SCH:{activity}"


def review_state(status: str, due: datetime, now: datetime, due_soon: timedelta) -> str:
    """Where a review stands: overdue, due soon, upcoming (open ones), done or skipped."""
    if status not in ("open", "in_progress"):
        return status
    if due < now:
        return OVERDUE
    if due <= now + due_soon:
        return DUE_SOON
    return UPCOMING


def _load_checklist(text: str) -> list[dict[str, Any]]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    return items if isinstance(items, list) else []


def _clean(text: str | None, what: str, limit: int = MAX_TITLE) -> str:
    value = (text or "").strip()
    if not has_visible_text(value):  # zero-width, combining or bidi marks alone
        raise ValidationError(f"{what} must not be empty")
    if len(value) > limit:
        raise ValidationError(f"{what} is {len(value)} characters; keep it to {limit}")
    return value


class ReviewService(FindingsMixin):
    """Schedules of the recurring activities and the review tasks they raise.

    Every public method is one transaction (``raise_due`` is one per schedule,
    so a long catch-up never holds the write lock for long) and journals what
    it changes.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = review_settings(store.config)

    # ------------------------------------------------------------ helpers
    def _journal(self, session: Session, ref: str, kind: str, action: str, now: datetime,
                 changes: dict[str, tuple[Any, Any]] | None = None, note: str = "") -> None:
        journal.append(session, ref=ref, kind=kind, actor=self.store.actor, at=now,
                       action=action, changes=changes, note=note)

    @staticmethod
    def _check_version(what: str, current: int, expected: int | None) -> None:
        if expected is not None and current != expected:
            raise ConflictError(
                f"{what} was changed by someone else since you opened it "
                f"(now version {current}, you had {expected}); reload it and try again"
            )

    def _schedule(self, session: Session, activity: str) -> ReviewSchedule:
        key = (activity or "").strip().lower().replace("-", "_")
        row = session.exec(select(ReviewSchedule).where(ReviewSchedule.activity == key)).first()
        if row is None:
            known = session.exec(select(ReviewSchedule.activity).order_by(ReviewSchedule.activity)).all()
            raise NotFound(f"no review schedule '{activity}'; known: {', '.join(known) or 'none'}")
        return row

    def _task(self, session: Session, ref: str) -> ReviewTask:
        number = parse_ref(ref, "review")
        row = session.get(ReviewTask, number)
        if row is None:
            raise NotFound(f"no review {format_ref('review', number)}")
        return row

    def _schedule_view(self, row: ReviewSchedule) -> ScheduleView:
        interval = parse_interval(row.interval)
        period = period_for(aware(row.anchor), interval, aware(row.next_due))
        return ScheduleView(
            activity=row.activity, clause=row.clause, title=row.title,
            instructions=row.instructions, checklist=json.loads(row.checklist or "[]"),
            interval=row.interval, owner=row.owner, next_due=row.next_due,
            next_period=period.describe(), days_to_complete=row.days_to_complete,
            paused=row.paused, version=row.version, updated_at=row.updated_at,
        )

    def _row(self, task: ReviewTask, now: datetime) -> ReviewRow:
        items = _load_checklist(task.checklist)
        return ReviewRow(**self._row_fields(task, now, items))

    def _row_fields(self, task: ReviewTask, now: datetime, items: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(
            ref=task.ref, activity=task.activity, clause=task.clause, title=task.title,
            status=task.status,
            state=review_state(task.status, task.due, now, timedelta(days=self.settings.due_soon_days)),
            due=task.due, owner=task.owner, source=task.source, source_ref=task.source_ref or "",
            period_start=task.period_start, period_end=task.period_end, raised_at=task.raised_at,
            raised_late=task.raised_late, checklist_done=sum(1 for i in items if i.get("done")),
            checklist_total=len(items), completed_at=task.completed_at,
        )

    def _view(self, session: Session, task: ReviewTask) -> ReviewView:
        from .evidence import render_text

        items = _load_checklist(task.checklist)
        try:
            evidence = json.loads(task.evidence or "{}")
        except ValueError:
            evidence = {}
        checklist = [
            ChecklistItem(number=n, text=str(i.get("text", "")), done=bool(i.get("done")),
                          by=str(i.get("by") or ""),
                          at=datetime.fromisoformat(i["at"]) if i.get("at") else None)
            for n, i in enumerate(items, start=1)
        ]
        return ReviewView(
            **self._row_fields(task, self.store.now(), items),
            instructions=task.instructions, checklist=checklist, outcome=task.outcome,
            skip_reason=task.skip_reason, completed_by=task.completed_by,
            started_at=task.started_at, evidence=evidence, evidence_text=render_text(evidence),
            findings=self._findings_of(session, task), journal=journal.entries_for(session, task.ref),
            allowed_transitions=REVIEW.allowed(task.status), version=task.version,
        )

    # ------------------------------------------------------------ schedules
    def ensure_schedules(self) -> list[str]:
        """Seed every recurring activity that has no schedule yet; returns the ones added.

        Idempotent and safe when two processes start together (the activity
        key is UNIQUE and writers are serialized).
        """
        keys = {a.key for a in SCHEDULED_ACTIVITIES}
        with self.store.read() as session:
            present = set(session.exec(select(ReviewSchedule.activity)).all())
        if keys <= present:
            return []
        added: list[str] = []
        with self.store.write() as session:
            present = set(session.exec(select(ReviewSchedule.activity)).all())
            now = aware(self.store.now())
            for info in SCHEDULED_ACTIVITIES:
                if info.key in present:
                    continue
                interval = parse_interval(info.interval)
                first = aligned_start_after(now, interval)
                row = ReviewSchedule(
                    activity=info.key, clause=info.clause, title=info.title,
                    instructions=info.instructions,
                    checklist=json.dumps(list(info.checklist), ensure_ascii=False),
                    interval=interval.describe(), anchor=first, next_due=first,
                    owner=self.settings.default_owner, created_at=now, updated_at=now,
                )
                session.add(row)
                self._journal(session, schedule_ref(info.key), "schedule", "create", now, {
                    "interval": (None, row.interval), "next_due": (None, first),
                    "owner": (None, row.owner or None),
                })
                added.append(info.key)
        return added

    def list_schedules(self) -> list[ScheduleView]:
        """Every schedule, in clause order."""
        self.ensure_schedules()
        with self.store.read() as session:
            rows = session.exec(select(ReviewSchedule)).all()
            views = [self._schedule_view(r) for r in rows]
        order = {a.key: n for n, a in enumerate(SCHEDULED_ACTIVITIES)}
        return sorted(views, key=lambda v: (order.get(v.activity, len(order)), v.activity))

    def get_schedule(self, activity: str) -> ScheduleView:
        self.ensure_schedules()
        with self.store.read() as session:
            return self._schedule_view(self._schedule(session, activity))

    def schedule_journal(self, activity: str) -> list[JournalView]:
        with self.store.read() as session:
            row = self._schedule(session, activity)
            return journal.entries_for(session, schedule_ref(row.activity))

    def update_schedule(self, activity: str, *, interval: str | None = None,
                        owner: str | None = None, next_due: datetime | None = None,
                        paused: bool | None = None, days_to_complete: int | None = None,
                        note: str = "", expected_version: int | None = None,
                        catch_up: bool = False) -> ScheduleView:
        """Change a schedule; every change is journaled on ``SCH:<activity>``.

        A new interval keeps the next due date and counts from it; a new next
        due date becomes the anchor (monthly on the 31st stays on the 31st).
        Resuming after a pause does not raise the periods that fell due while
        paused: the next due date moves to the first one after now. A next due date
        more than :data:`MAX_LATE_PERIODS` periods back is refused unless ``catch_up``
        (every period since is raised, as a late review).
        """
        self.ensure_schedules()
        with self.store.write() as session:
            row = self._schedule(session, activity)
            self._check_version(f"schedule {row.activity}", row.version, expected_version)
            now = aware(self.store.now())
            changes: dict[str, tuple[Any, Any]] = {}
            if interval is not None:
                new = parse_interval(interval).describe()
                if new != row.interval:
                    changes["interval"] = (row.interval, new)
                    row.interval = new
                    row.anchor = row.next_due
            if next_due is not None:
                due = aware(next_due)
                if due != aware(row.next_due):
                    changes["next_due"] = (row.next_due, due)
                    row.next_due = due
                    row.anchor = due
            if owner is not None and owner.strip() != row.owner:
                changes["owner"] = (row.owner, owner.strip())
                row.owner = owner.strip()
            if days_to_complete is not None and days_to_complete != row.days_to_complete:
                if not 0 <= days_to_complete <= 365:
                    raise ValidationError("days to complete must be between 0 and 365")
                changes["days_to_complete"] = (row.days_to_complete, days_to_complete)
                row.days_to_complete = days_to_complete
            if paused is not None and paused != row.paused:
                changes["paused"] = (row.paused, paused)
                row.paused = paused
                if not paused and aware(row.next_due) <= now and "next_due" not in changes:
                    due = next_due_after(aware(row.anchor), parse_interval(row.interval), now)
                    changes["next_due"] = (row.next_due, due)
                    row.next_due = due
            if ("interval" in changes or "next_due" in changes) and not row.paused and not catch_up:
                _refuse_a_flood(aware(row.next_due), parse_interval(row.interval), now)
            if not changes and not note:
                return self._schedule_view(row)
            row.updated_at = now
            row.version += 1
            action = ("pause" if paused else "resume") if "paused" in changes else "update"
            self._journal(session, schedule_ref(row.activity), "schedule", action, now, changes, note)
            return self._schedule_view(row)

    # ------------------------------------------------------------ raising
    def raise_due(self, now: datetime | None = None,
                  should_stop: Callable[[], bool] | None = None) -> RaiseResult:
        """Raise every review that has fallen due by ``now``, each period exactly once.

        Periods missed while nothing ran are caught up, oldest first, each
        marked raised late when raised more than ``late_after_hours`` after
        falling due. Paused schedules raise nothing. One transaction per
        schedule; ``should_stop`` is checked between schedules so a shutdown
        never waits for a long catch-up.
        """
        self.ensure_schedules()
        now = aware(now or self.store.now())
        result = RaiseResult()
        with self.store.read() as session:
            due_ids = session.exec(
                select(ReviewSchedule.id)
                .where(ReviewSchedule.paused == False, ReviewSchedule.next_due <= now)  # noqa: E712
                .order_by(ReviewSchedule.next_due, ReviewSchedule.id)
            ).all()
        for schedule_id in due_ids:
            if should_stop is not None and should_stop():
                break
            with self.store.write() as session:
                self._raise_schedule(session, schedule_id, now, result)
        return result

    def _raise_schedule(self, session: Session, schedule_id: int, now: datetime,
                        result: RaiseResult) -> None:
        from .evidence import evidence_for_period

        row = session.get(ReviewSchedule, schedule_id)
        # re-check inside the write lock: another process may have raised it meanwhile
        if row is None or row.paused or aware(row.next_due) > now:
            return
        interval = parse_interval(row.interval)
        anchor = aware(row.anchor)
        checklist = checklist_json(json.loads(row.checklist or "[]"))
        old_due = aware(row.next_due)
        due = old_due
        raised: list[str] = []
        for _ in range(MAX_CATCH_UP):
            if due > now:
                break
            period = period_for(anchor, interval, due)
            late = now - due > self.settings.late_after
            evidence = evidence_for_period(session, row.activity, period.start, period.end, now,
                                           self.store.config)
            task = insert_task_in(
                session, actor=self.store.actor, now=now, schedule_id=row.id, source="schedule",
                activity=row.activity, clause=row.clause,
                title=f"{row.title} — {period.describe()}", instructions=row.instructions,
                period_start=period.start, period_end=period.end,
                due=due + timedelta(days=row.days_to_complete), owner=row.owner,
                checklist=checklist, raised_late=late,
                evidence=json.dumps(evidence, ensure_ascii=False, default=str),
            )
            if task is None:
                result.skipped_existing += 1
            else:
                raised.append(task.ref)
                result.raised.append(task.ref)
                if late:
                    result.late.append(task.ref)
            due = next_due_after(anchor, interval, due)
        row.next_due = due
        row.updated_at = now
        row.version += 1
        note = f"raised {', '.join(raised)}" if raised else "periods already raised elsewhere"
        self._journal(session, schedule_ref(row.activity), "schedule", "raise", now,
                      {"next_due": (old_due, due)}, note)

    # ------------------------------------------------------------ queue
    def list_reviews(self, *, status: str | None = None, open_only: bool = False,
                     overdue: bool = False, activity: str | None = None,
                     limit: int | None = 200) -> list[ReviewRow]:
        """Review tasks, open ones by deadline first; filters narrow."""
        now = aware(self.store.now())
        stmt = select(ReviewTask)
        if status:
            if status not in REVIEW.transitions:
                raise ValidationError(
                    f"unknown review status '{status}': use {', '.join(REVIEW.transitions)}")
            stmt = stmt.where(ReviewTask.status == status)
        elif open_only or overdue:
            stmt = stmt.where(col(ReviewTask.status).in_(sorted(REVIEW.open_states)))
        if overdue:
            stmt = stmt.where(col(ReviewTask.status).in_(sorted(REVIEW.open_states)),
                              ReviewTask.due < now)
        if activity:
            stmt = stmt.where(ReviewTask.activity == activity)
        # open first (by deadline), then finished ones newest first
        is_open = col(ReviewTask.status).in_(sorted(REVIEW.open_states))
        stmt = stmt.order_by(is_open.desc(), case((is_open, ReviewTask.due), else_=None),
                             col(ReviewTask.updated_at).desc(), ReviewTask.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.store.read() as session:
            return [self._row(t, now) for t in session.exec(stmt)]

    def due_reviews(self, within_days: int | None = None) -> list[ReviewRow]:
        """Open reviews overdue or due within ``within_days`` (default: due_soon_days)."""
        now = aware(self.store.now())
        days = self.settings.due_soon_days if within_days is None else within_days
        stmt = (select(ReviewTask)
                .where(col(ReviewTask.status).in_(sorted(REVIEW.open_states)),
                       ReviewTask.due <= now + timedelta(days=days))
                .order_by(ReviewTask.due, ReviewTask.id))
        with self.store.read() as session:
            return [self._row(t, now) for t in session.exec(stmt)]

    def counts(self) -> dict[str, int]:
        """{'overdue': n, 'due soon': n, 'open': n} for the home view."""
        now = aware(self.store.now())
        soon = now + timedelta(days=self.settings.due_soon_days)
        open_ = col(ReviewTask.status).in_(sorted(REVIEW.open_states))
        with self.store.read() as session:
            total = session.exec(select(func.count()).where(open_)).one()
            late = session.exec(select(func.count()).where(open_, ReviewTask.due < now)).one()
            near = session.exec(select(func.count()).where(
                open_, ReviewTask.due >= now, ReviewTask.due <= soon)).one()
        return {OVERDUE: late, DUE_SOON: near, "open": total}

    def get(self, ref: str) -> ReviewView:
        """The review with checklist, evidence, findings and journal."""
        with self.store.read() as session:
            return self._view(session, self._task(session, ref))

    # ------------------------------------------------------------ work on a review
    def _change(self, ref: str, expected_version: int | None, fn) -> ReviewView:
        with self.store.write() as session:
            task = self._task(session, ref)
            self._check_version(task.ref, task.version, expected_version)
            now = aware(self.store.now())
            action, changes, note = fn(task, now)
            task.updated_at = now
            task.version += 1
            self._journal(session, task.ref, "review", action, now, changes, note)
            return self._view(session, task)

    def _move(self, task: ReviewTask, status: str, now: datetime,
              changes: dict[str, tuple[Any, Any]]) -> None:
        REVIEW.check(task.status, status)
        changes["status"] = (task.status, status)
        if status == "in_progress" and task.started_at is None:
            task.started_at = now
        task.status = status

    def start(self, ref: str, *, expected_version: int | None = None) -> ReviewView:
        """Open → in progress."""
        def fn(task, now):
            changes: dict[str, tuple[Any, Any]] = {}
            self._move(task, "in_progress", now, changes)
            return "transition", changes, ""
        return self._change(ref, expected_version, fn)

    def tick(self, ref: str, item: int | Sequence[int] | None = None, *, done: bool = True,
             all_items: bool = False, expected_version: int | None = None) -> ReviewView:
        """Tick (or untick) checklist item ``item`` (1-based), several (a sequence: all in
        one write, or none if one is not on the list) or every item; journaled.

        Ticking an open review starts it.
        """
        asked = [item] if item is None or isinstance(item, int) else list(dict.fromkeys(item))

        def fn(task, now):
            if not REVIEW.is_open(task.status):
                raise ValidationError(f"{task.ref} is {task.status}; its checklist cannot change")
            items = _load_checklist(task.checklist)
            if not items:
                raise ValidationError(f"{task.ref} has no checklist")
            numbers = range(1, len(items) + 1) if all_items else asked
            wrong = [] if all_items else [n for n in asked if n is None or not 1 <= n <= len(items)]
            if wrong or not numbers:
                raise ValidationError(f"{task.ref} has checklist items 1 to {len(items)}, not "
                                      f"{', '.join(str(n) for n in wrong) or 'none'}")
            changes: dict[str, tuple[Any, Any]] = {}
            for number in numbers:
                entry = items[number - 1]
                if bool(entry.get("done")) == done:
                    continue
                entry.update(done=done, by=self.store.actor if done else "",
                             at=now.isoformat() if done else None)
                changes[f"item {number}"] = ("done" if not done else "to do",
                                             "done" if done else "to do")
            if not changes:
                raise ValidationError(f"nothing to change: already {'ticked' if done else 'unticked'}")
            task.checklist = json.dumps(items, ensure_ascii=False)
            if task.status == "open" and done:
                self._move(task, "in_progress", now, changes)
            texts = "; ".join(items[n - 1]["text"] for n in numbers
                              if f"item {n}" in changes)
            return ("tick" if done else "untick"), changes, texts
        return self._change(ref, expected_version, fn)

    def complete(self, ref: str, outcome: str, *, expected_version: int | None = None) -> ReviewView:
        """Mark done with the outcome (what was found and decided); every item must be ticked."""
        outcome = (outcome or "").strip()
        if not outcome:
            raise ValidationError("completing a review needs an outcome: what was found and decided")

        def fn(task, now):
            left = [i.get("text", "") for i in _load_checklist(task.checklist) if not i.get("done")]
            if left and REVIEW.is_open(task.status):
                raise ValidationError(
                    f"{task.ref} has {len(left)} checklist item(s) not ticked (first: "
                    f"'{left[0]}'); tick them before completing")
            if task.activity == "change_effectiveness_review" and task.source_ref:
                from ..changes.remedial import review_refusal  # changes imports this module

                refusal = review_refusal(object_session(task), task.source_ref)
                if refusal is not None:
                    raise refusal
            changes: dict[str, tuple[Any, Any]] = {"outcome": (task.outcome or None, outcome)}
            self._move(task, "done", now, changes)
            task.outcome = outcome
            task.completed_at = now
            task.completed_by = self.store.actor
            if task.activity == "major_incident_review" and task.source_ref:
                from ..incidents.rules import (
                    review_done_in,  # incidents imports this module
                )

                review_done_in(object_session(task), self.store, task.source_ref, task.ref, now)
            return "complete", changes, ""
        return self._change(ref, expected_version, fn)

    def skip(self, ref: str, reason: str, *, expected_version: int | None = None) -> ReviewView:
        """Skip a review; the reason is required and kept."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("skipping a review needs a reason")

        def fn(task, now):
            changes: dict[str, tuple[Any, Any]] = {}
            self._move(task, "skipped", now, changes)
            changes["skip_reason"] = (task.skip_reason or None, reason)
            task.skip_reason = reason
            task.completed_at = now
            task.completed_by = self.store.actor
            return "skip", changes, reason
        return self._change(ref, expected_version, fn)

    def reopen(self, ref: str, note: str = "", *, expected_version: int | None = None) -> ReviewView:
        """Undo a skip (or put an in-progress review back to open)."""
        def fn(task, now):
            changes: dict[str, tuple[Any, Any]] = {}
            self._move(task, "open", now, changes)
            task.completed_at = None
            task.completed_by = ""
            return "transition", changes, note
        return self._change(ref, expected_version, fn)

    def assign(self, ref: str, owner: str, *, expected_version: int | None = None) -> ReviewView:
        """Give the review to someone (empty: nobody)."""
        def fn(task, now):
            new = (owner or "").strip()
            if new == task.owner:
                raise ValidationError(f"{task.ref} is already owned by {new or 'nobody'}")
            changes = {"owner": (task.owner or None, new or None)}
            task.owner = new
            return "assign", changes, ""
        return self._change(ref, expected_version, fn)

    def add_note(self, ref: str, note: str, *, expected_version: int | None = None) -> ReviewView:
        """A work-log note on the review."""
        text = _clean(note, "note", 10_000)
        return self._change(ref, expected_version, lambda task, now: ("note", None, text))

    def refresh_evidence(self, ref: str, *, expected_version: int | None = None) -> ReviewView:
        """Recompute the evidence from the store now (e.g. after late data arrived)."""
        from .evidence import evidence_for_event, evidence_for_period

        def fn(task, now):
            if not REVIEW.is_open(task.status):
                raise ValidationError(f"{task.ref} is {task.status}; its evidence is kept as it was")
            session = object_session(task)
            if task.source_ref:
                evidence = evidence_for_event(session, task.activity, task.source_ref, now)
            else:
                evidence = evidence_for_period(session, task.activity, aware(task.period_start),
                                               aware(task.period_end), now, self.store.config)
            task.evidence = json.dumps(evidence, ensure_ascii=False, default=str)
            return "evidence", None, "evidence recomputed from the store"
        return self._change(ref, expected_version, fn)


MAX_LATE_PERIODS = 60
"""The most periods a schedule may be set to catch up at once (five years of monthly reviews)."""


def _refuse_a_flood(due: datetime, interval: Any, now: datetime) -> None:
    """A next due date far in the past -- a typo such as 1900 for 2026 -- had the scheduler
    raise every period since, one review each: 10,000 "raised late" reviews in one run,
    36,000 more queued. A catch-up of more than :data:`MAX_LATE_PERIODS` is refused."""
    if due > now:
        return
    late = index_at_or_before(due, interval, now) + 1  # the periods due at or before now
    if late > MAX_LATE_PERIODS:
        raise hinted(ValidationError(
            f"next due {due:%Y-%m-%d} is {late:,} {interval.describe()} periods ago: every one "
            f"would be raised as a late review at once; give a date at most "
            f"{MAX_LATE_PERIODS} periods back, or one still to come"),
            cli="--catch-up raises them all")
