"""Problems, known errors and changes stay consistent (ISO/IEC 20000-1 8.6.3).

Attached to problem writes through :mod:`.hooks` (listed in ``RULE_MODULES``):

* a problem is a known error once its root cause or workaround is recorded: it
  cannot move to ``known_error`` with neither (8.6.3: a known error is a
  problem whose root cause is known or whose workaround is documented);
* a problem linked to a change is resolved by it: it cannot be resolved by
  hand while the change is not implemented successfully (unlink it first to
  resolve it another way);
* when the change is implemented successfully, its problems move to resolved
  (:func:`resolve_by_change_in`, called by the change rules);
* whenever a problem is resolved, its open known errors move to resolved with
  it, so the known error database is up to date by construction; a problem
  reopened reopens them.
"""

from __future__ import annotations

from sqlmodel import Session, select

from ...domain.errors import ValidationError, hinted
from ...domain.kinds import Kind
from ...storage.models import Change, KnownError, Problem
from ..core import hooks
from ..core.store import Store


def change_done(change: Change) -> bool:
    """Whether a change has been implemented successfully (its outcome recorded)."""
    return change.outcome == "successful" and change.status in ("review", "closed")


@hooks.on("before_transition", Kind.PROBLEM)
def _known_error_needs_analysis(ctx: hooks.HookContext, old: str, new: str, note: str) -> None:
    row: Problem = ctx.row  # type: ignore[assignment]
    if new == "known_error" and not ((row.root_cause or "").strip() or (row.workaround or "").strip()):
        raise hinted(ValidationError(f"{row.ref} has no root cause or workaround recorded: a "
                                     "problem is a known error once one of them is"),
                     cli=f"sms-tui problems rca {row.ref} --root-cause ... --workaround ...",
                     tui="e edits the problem; K then raises the known error")


@hooks.on("before_transition", Kind.PROBLEM)
def _wait_for_change(ctx: hooks.HookContext, old: str, new: str, note: str) -> None:
    row: Problem = ctx.row  # type: ignore[assignment]
    if new != "resolved" or row.change_id is None:
        return
    change = ctx.session.get(Change, row.change_id)
    if change is not None and not change_done(change):
        raise ValidationError(f"{row.ref} is resolved by {change.ref} ({change.status}): it is "
                              "resolved when the change is implemented; unlink it to resolve it "
                              "another way")


@hooks.on("after_transition", Kind.PROBLEM)
def _known_errors_follow(ctx: hooks.HookContext, old: str, new: str) -> None:
    from ..core.records import RecordService

    row: Problem = ctx.row  # type: ignore[assignment]
    if new == "resolved":
        moves, reason = ("open", "resolved"), f"problem {row.ref} resolved"
    elif old == "resolved" and new == "investigating":
        moves, reason = ("resolved", "open"), f"problem {row.ref} reopened"
    else:
        return
    records = RecordService(ctx.store)
    for ke in ctx.session.exec(select(KnownError).where(KnownError.problem_id == row.id,
                                                        KnownError.status == moves[0])):
        records.transition_in(ctx.session, Kind.KNOWN_ERROR, ke, moves[1], note=reason, now=ctx.now)


def resolve_by_change_in(session: Session, store: Store, change: Change, now) -> None:
    """The change is implemented: its problems still open move to resolved (their known
    errors follow); with an unsuccessful outcome they stay open, told why."""
    from ..core.records import RecordService
    from ..core.rule_support import write_entry

    records = RecordService(store)
    for problem in session.exec(select(Problem).where(Problem.change_id == change.id)):
        if problem.status not in ("new", "investigating", "known_error"):
            continue
        if not change_done(change):
            write_entry(session, store, Kind.PROBLEM, problem, "note", now, None,
                        f"fix change {change.ref} was {change.outcome.replace('_', ' ')}: "
                        "the problem stays open")
            continue
        if problem.status == "new":
            records.transition_in(session, Kind.PROBLEM, problem, "investigating", now=now,
                                  note=f"fix change {change.ref} implemented")
        records.transition_in(session, Kind.PROBLEM, problem, "resolved", now=now,
                              note=f"resolved by change {change.ref} (implemented: successful)")
