"""Service complaints (8.3.2): ``CMP-…``, recorded, managed to closure, escalated.

A complaint has a requester (the person complaining, a contact), is
investigated, is escalated to management when the normal channels do not
resolve it (``escalate --hierarchical`` moves it to ``escalated``: see
:meth:`RecordService.escalate_in`), and is resolved with an **outcome** (what was
found and done), then closed. The rules here load when a complaint is first
written (:data:`hooks.RULE_MODULES`).
"""

from __future__ import annotations

from ...domain.errors import ActionRequired, ValidationError
from ...domain.kinds import Kind
from ..core import hooks
from ..core.records import RecordService
from ..core.views import RecordView

MAX_OUTCOME = 5000


@hooks.on("before_transition", Kind.COMPLAINT)
def _complaint_transition_rules(ctx: hooks.HookContext, old: str, new: str, note: str) -> None:
    if new == "resolved" and not (ctx.row.outcome or "").strip():  # type: ignore[attr-defined]
        raise ActionRequired(f"{ctx.row.ref} is resolved with its outcome (what was found and "
                             "done)", action="outcome", ref=ctx.row.ref)


def clean_outcome(outcome: str) -> str:
    text = (outcome or "").strip()
    if not text:
        raise ValidationError("the outcome must not be empty: say what was found and done")
    if len(text) > MAX_OUTCOME:
        raise ValidationError(f"the outcome is {len(text)} characters; keep it to {MAX_OUTCOME}")
    return text


class ComplaintService:
    """What complaints add to the record use cases: resolving with an outcome."""

    def __init__(self, store) -> None:
        self.store = store
        self.records = RecordService(store)

    def resolve(self, ref: str, outcome: str, *, note: str = "",
                expected_version: int | None = None) -> RecordView:
        """Record the outcome and move the complaint to ``resolved``: one transaction."""
        text = clean_outcome(outcome)
        records = self.records
        with self.store.write() as session:
            kind, row = records._load(session, ref)
            if kind is not Kind.COMPLAINT:
                raise ValidationError(f"{row.ref} is not a complaint")
            records._check_version(row, expected_version)
            records._check_editable(kind, row)
            now = self.store.now()
            if row.outcome != text:
                old = row.outcome
                row.outcome = text
                records._touch(row, now)
                records._journal(session, kind, row, "update", now, {"outcome": (old, text)})
            row = records.transition_in(session, kind, row, "resolved", note=note, now=now)
            return records._view(session, kind, row)
