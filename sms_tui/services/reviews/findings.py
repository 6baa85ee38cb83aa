"""What reviews find: improvement opportunities (10.2) and nonconformities (10.1).

Both are records with their own small lifecycle (``domain.reviews.IMPROVEMENT``
and ``NONCONFORMITY``) and queue, usually created from a review (the review's
journal records the finding too). A nonconformity carries corrective actions;
it can be marked "actions done" only when every action is done, and closed
only with a note on how their effectiveness was verified.

Mixed into :class:`sms_tui.services.reviews.service.ReviewService`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from ...domain.errors import NotFound, ValidationError, hinted
from ...domain.reviews import (
    IMPROVEMENT,
    NONCONFORMITY,
    SEVERITIES,
    StateMachine,
    format_ref,
    parse_ref,
)
from ...storage.reviews import (
    CorrectiveAction,
    ImprovementOpportunity,
    Nonconformity,
    ReviewTask,
)
from ..core import journal
from .views import CorrectiveActionView, FindingRow, FindingView

if TYPE_CHECKING:
    from ..core.store import Store

_MODELS: dict[str, tuple[type, StateMachine]] = {
    "improvement": (ImprovementOpportunity, IMPROVEMENT),
    "nonconformity": (Nonconformity, NONCONFORMITY),
}


def _text(value: str | None, what: str, limit: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{what} must not be empty")
    if len(text) > limit:
        raise ValidationError(f"{what} is {len(text)} characters; keep it to {limit}")
    return text


class FindingsMixin:
    """The findings use cases of :class:`~.service.ReviewService` (its only user): they share
    its store, its journal and its version check, declared here for the type checker only."""

    store: Store

    if TYPE_CHECKING:  # ReviewService's: no stub that could run and raise
        def _journal(self, session: Session, ref: str, kind: str, action: str, now: datetime,
                     changes: dict[str, tuple[Any, Any]] | None = None,
                     note: str = "") -> None: ...

        def _task(self, session: Session, ref: str) -> ReviewTask: ...

        @staticmethod
        def _check_version(what: str, current: int, expected: int | None) -> None: ...

    # ------------------------------------------------------------ helpers
    def _finding(self, session: Session, kind: str, ref: str):
        model, _ = _MODELS[kind]
        number = parse_ref(ref, kind)
        row = session.get(model, number)
        if row is None:
            raise NotFound(f"no {kind} {format_ref(kind, number)}")
        return row

    def _review_ref(self, session: Session, review_id: int | None) -> str:
        if review_id is None:
            return ""
        task = session.get(ReviewTask, review_id)
        return task.ref if task else ""

    def _finding_row(self, session: Session, kind: str, row) -> FindingRow:
        return FindingRow(
            ref=row.ref, kind=kind, title=row.title, status=row.status, owner=row.owner,
            review_ref=self._review_ref(session, row.review_id), created_at=row.created_at,
            severity=getattr(row, "severity", ""), clause=getattr(row, "clause", ""),
        )

    def _findings_of(self, session: Session, task: ReviewTask) -> list[FindingRow]:
        out: list[FindingRow] = []
        for kind, (model, _) in _MODELS.items():
            rows = session.exec(select(model).where(model.review_id == task.id).order_by(col(model.id)))
            out.extend(self._finding_row(session, kind, r) for r in rows)
        return out

    def _finding_view(self, session: Session, kind: str, row) -> FindingView:
        _, machine = _MODELS[kind]
        actions: list[CorrectiveActionView] = []
        if kind == "nonconformity":
            stmt = (select(CorrectiveAction).where(CorrectiveAction.nonconformity_id == row.id)
                    .order_by(col(CorrectiveAction.id)))
            actions = [
                CorrectiveActionView(number=n, text=a.text, owner=a.owner, due=a.due, done=a.done,
                                     done_by=a.done_by, done_at=a.done_at)
                for n, a in enumerate(session.exec(stmt), start=1)
            ]
        base = self._finding_row(session, kind, row)
        return FindingView(
            **{k: getattr(base, k) for k in base.__dataclass_fields__},
            description=row.description, due=getattr(row, "due", None),
            decision_note=getattr(row, "decision_note", ""),
            criteria=getattr(row, "criteria", ""), target=getattr(row, "target", ""),
            measurement=getattr(row, "measurement", ""),
            correction=getattr(row, "correction", ""), root_cause=getattr(row, "root_cause", ""),
            effectiveness_note=getattr(row, "effectiveness_note", ""), actions=actions,
            updated_at=row.updated_at, closed_at=row.closed_at, version=row.version,
            allowed_transitions=machine.allowed(row.status),
            journal=journal.entries_for(session, row.ref),
        )

    def _create_finding(self, kind: str, review_ref: str | None, fields: dict[str, Any]) -> FindingView:
        model, machine = _MODELS[kind]
        with self.store.write() as session:
            now = self.store.now()
            task = self._task(session, review_ref) if review_ref else None
            row = model(ref=f"pending-{uuid.uuid4().hex}", status=machine.initial,
                        review_id=task.id if task else None, created_by=self.store.actor,
                        created_at=now, updated_at=now, **fields)
            session.add(row)
            session.flush()
            row.ref = format_ref(kind, row.id or 0)
            session.flush()
            changes: dict[str, tuple[Any, Any]] = {"title": (None, row.title),
                                                   "status": (None, row.status)}
            for key in ("owner", "severity", "clause"):
                if getattr(row, key, ""):
                    changes[key] = (None, getattr(row, key))
            if task is not None:
                changes["review"] = (None, task.ref)
                task.version += 1
                task.updated_at = now
                self._journal(session, task.ref, "review", "finding", now,
                              {kind: (None, row.ref)}, row.title)
            self._journal(session, row.ref, kind, "create", now, changes)
            return self._finding_view(session, kind, row)

    def _edit_finding(self, kind: str, ref: str, expected_version: int | None, fn) -> FindingView:
        with self.store.write() as session:
            row = self._finding(session, kind, ref)
            self._check_version(row.ref, row.version, expected_version)
            now = self.store.now()
            action, changes, note = fn(session, row, now)
            row.updated_at = now
            row.version += 1
            self._journal(session, row.ref, kind, action, now, changes, note)
            return self._finding_view(session, kind, row)

    # ------------------------------------------------------------ improvement opportunities
    def new_improvement(self, title: str, *, description: str = "", review_ref: str | None = None,
                        owner: str = "", due: datetime | None = None, criteria: str = "",
                        target: str = "") -> FindingView:
        """Record an opportunity for improvement (10.2), usually found by a review."""
        return self._create_finding("improvement", review_ref, {
            "title": _text(title, "title"), "description": description or "",
            "owner": (owner or "").strip(), "due": due,
            "criteria": (criteria or "").strip(), "target": (target or "").strip(),
        })

    def evaluate_improvement(self, ref: str, *, criteria: str | None = None,
                             target: str | None = None, measurement: str | None = None,
                             expected_version: int | None = None) -> FindingView:
        """Record how an opportunity is evaluated (criteria), what it aims at (target) and,
        once implemented, what was measured (10.2); journaled."""
        given = {k: v.strip() for k, v in (("criteria", criteria), ("target", target),
                                           ("measurement", measurement)) if v is not None}
        if not given:
            raise ValidationError("give --criteria, --target or --measurement")
        for name, value in given.items():
            if len(value) > 4000:
                raise ValidationError(f"{name} is {len(value)} characters; keep it to 4000")

        def fn(session, row, now):
            changes = {k: (getattr(row, k) or None, v) for k, v in given.items()
                       if getattr(row, k) != v}
            if not changes:
                raise ValidationError(f"nothing to change on {row.ref}")
            for k, v in given.items():
                setattr(row, k, v)
            return "evaluate", changes, ""
        return self._edit_finding("improvement", ref, expected_version, fn)

    def list_findings(self, kind: str, *, open_only: bool = False, status: str | None = None,
                      review_ref: str | None = None, limit: int | None = 200) -> list[FindingRow]:
        """The queue of improvement opportunities or nonconformities, oldest open first."""
        model, machine = _MODELS[kind]
        stmt = select(model)
        if status:
            if status not in machine.transitions:
                raise ValidationError(
                    f"unknown {machine.name} status '{status}': use {', '.join(machine.transitions)}")
            stmt = stmt.where(model.status == status)
        elif open_only:
            stmt = stmt.where(col(model.status).in_(sorted(machine.open_states)))
        with self.store.read() as session:
            if review_ref:
                stmt = stmt.where(model.review_id == self._task(session, review_ref).id)
            stmt = stmt.order_by(col(model.created_at), col(model.id))
            if limit is not None:
                stmt = stmt.limit(limit)
            return [self._finding_row(session, kind, r) for r in session.exec(stmt)]

    def get_finding(self, ref: str) -> FindingView:
        """An OFI-… or NC-… with its actions and journal."""
        kind = "nonconformity" if ref.strip().upper().startswith("NC") else "improvement"
        with self.store.read() as session:
            return self._finding_view(session, kind, self._finding(session, kind, ref))

    def move_improvement(self, ref: str, status: str, *, note: str = "",
                         criteria: str | None = None, target: str | None = None,
                         measurement: str | None = None,
                         expected_version: int | None = None) -> FindingView:
        """Approve (criteria, target and the decision needed), reject (with a note), start,
        mark implemented, close (measurement needed). ``criteria``/``target``/``measurement``
        given here are recorded in the same write."""
        status = status.strip().lower().replace("-", "_").replace(" ", "_")
        given = {k: v.strip() for k, v in (("criteria", criteria), ("target", target),
                                           ("measurement", measurement)) if v is not None}

        def fn(session, row, now):
            IMPROVEMENT.check(row.status, status)
            evaluated = {k: (getattr(row, k) or None, v) for k, v in given.items()
                         if getattr(row, k) != v}
            for k, v in given.items():
                setattr(row, k, v)
            if status == "rejected" and not note.strip():
                raise ValidationError("rejecting an improvement opportunity needs a reason")
            if status == "approved" and row.status == "proposed":
                if not (row.criteria.strip() and row.target.strip()):
                    raise hinted(ValidationError(
                        f"{row.ref} needs its evaluation criteria and target before approval"),
                        cli=f"sms-tui improvements evaluate {row.ref} --criteria … --target …",
                        tui="fill in Evaluation criteria and Target")
                if not note.strip():
                    raise hinted(ValidationError("approving an improvement opportunity needs the "
                                                 "decision: why it is worth doing"),
                                 cli="--note", tui="in Note / reason")
            if status == "closed" and not row.measurement.strip():
                raise hinted(ValidationError(
                    f"{row.ref} needs what was measured against its target before it closes"),
                    cli=f"sms-tui improvements evaluate {row.ref} --measurement …",
                    tui="fill in Measured")
            changes: dict[str, tuple[Any, Any]] = {"status": (row.status, status), **evaluated}
            if status in ("approved", "rejected") and note.strip():
                changes["decision_note"] = (row.decision_note or None, note.strip())
                row.decision_note = note.strip()
            if status in ("closed", "rejected"):
                changes["closed_at"] = (None, now)
                row.closed_at = now
            row.status = status
            return "transition", changes, note.strip()
        return self._edit_finding("improvement", ref, expected_version, fn)

    # ------------------------------------------------------------ nonconformities
    def new_nonconformity(self, title: str, *, description: str = "", clause: str = "",
                          severity: str = "minor", review_ref: str | None = None, owner: str = "",
                          correction: str = "") -> FindingView:
        """Record a nonconformity (10.1): what requirement was not met, and the immediate correction."""
        severity = (severity or "minor").strip().lower()
        if severity not in SEVERITIES:
            raise ValidationError(f"unknown severity '{severity}': use {', '.join(SEVERITIES)}")
        return self._create_finding("nonconformity", review_ref, {
            "title": _text(title, "title"), "description": description or "",
            "clause": (clause or "").strip(), "severity": severity,
            "owner": (owner or "").strip(), "correction": correction or "",
        })

    def add_corrective_action(self, ref: str, text: str, *, owner: str = "",
                              due: datetime | None = None,
                              expected_version: int | None = None) -> FindingView:
        """Add a corrective action to an open nonconformity."""
        text = _text(text, "corrective action", 2000)

        def fn(session, row, now):
            if not NONCONFORMITY.is_open(row.status):
                raise ValidationError(f"{row.ref} is {row.status}; it takes no more actions")
            session.add(CorrectiveAction(nonconformity_id=row.id, text=text,
                                         owner=(owner or "").strip(), due=due, created_at=now))
            return "action", {"corrective_action": (None, text)}, ""
        return self._edit_finding("nonconformity", ref, expected_version, fn)

    def complete_corrective_action(self, ref: str, number: int, *, note: str = "",
                                   expected_version: int | None = None) -> FindingView:
        """Mark corrective action ``number`` (1-based) done."""
        def fn(session, row, now):
            actions = session.exec(select(CorrectiveAction)
                                   .where(CorrectiveAction.nonconformity_id == row.id)
                                   .order_by(col(CorrectiveAction.id))).all()
            if not 1 <= number <= len(actions):
                raise ValidationError(
                    f"{row.ref} has corrective actions 1 to {len(actions)}, not {number}"
                    if actions else f"{row.ref} has no corrective actions yet")
            action = actions[number - 1]
            if action.done:
                raise ValidationError(f"corrective action {number} of {row.ref} is already done")
            action.done, action.done_by, action.done_at = True, self.store.actor, now
            return "action_done", {f"action {number}": ("to do", "done")}, note or action.text
        return self._edit_finding("nonconformity", ref, expected_version, fn)

    def move_nonconformity(self, ref: str, status: str, *, note: str = "",
                           root_cause: str | None = None, effectiveness_note: str | None = None,
                           expected_version: int | None = None) -> FindingView:
        """Move along open → action_planned → actions_done → closed (or cancelled).

        Planning needs a root cause and at least one corrective action;
        "actions done" needs every action done; closing needs a note on how
        the actions' effectiveness was verified; cancelling needs a reason.
        """
        status = status.strip().lower().replace("-", "_").replace(" ", "_")

        def fn(session, row, now):
            NONCONFORMITY.check(row.status, status)
            changes: dict[str, tuple[Any, Any]] = {"status": (row.status, status)}
            if root_cause is not None and root_cause.strip() != row.root_cause:
                changes["root_cause"] = (row.root_cause or None, root_cause.strip())
                row.root_cause = root_cause.strip()
            if effectiveness_note is not None and effectiveness_note.strip():
                changes["effectiveness_note"] = (row.effectiveness_note or None,
                                                 effectiveness_note.strip())
                row.effectiveness_note = effectiveness_note.strip()
            actions = session.exec(select(CorrectiveAction)
                                   .where(CorrectiveAction.nonconformity_id == row.id)).all()
            if status == "action_planned":
                if not row.root_cause:
                    raise ValidationError(f"record the root cause of {row.ref} before planning actions")
                if not actions:
                    raise ValidationError(f"add at least one corrective action to {row.ref} first")
            if status == "actions_done" and any(not a.done for a in actions):
                left = sum(1 for a in actions if not a.done)
                raise ValidationError(f"{row.ref} still has {left} corrective action(s) not done")
            if status == "closed" and not row.effectiveness_note:
                raise ValidationError(
                    f"closing {row.ref} needs an effectiveness note: how were the actions verified?")
            if status == "cancelled" and not note.strip():
                raise ValidationError("cancelling a nonconformity needs a reason")
            if status in ("closed", "cancelled"):
                changes["closed_at"] = (None, now)
                row.closed_at = now
            row.status = status
            return "transition", changes, note.strip()
        return self._edit_finding("nonconformity", ref, expected_version, fn)
