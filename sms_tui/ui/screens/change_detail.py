"""A change (RFC): the record with its assessment, decisions, schedule and conflicts.

Above the fields: the category and what it means for approval, the services
and CIs affected, the risk (likelihood × impact → level), the major-impact
flag with its reasons, every recorded decision, and any schedule conflict
(marked ``!`` and worded, not only coloured). Keys: ``A``/``R`` approve or
reject with a rationale, ``w`` plans the window, ``o`` records the outcome,
``T`` changes the services and CIs affected, ``U`` applies the CI updates it planned
(offered at once when it moves to implementing); a failed or backed-out change lists its
remedial actions, ``f`` records one and ``F`` marks one done (it closes once all are).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Static

from ...domain.changes import (
    IMPACT_NAMES,
    LIKELIHOOD_NAMES,
    UNSUCCESSFUL,
    approval_open,
    approval_refusal,
    substance_refusal,
)
from .. import display
from .base import is_older
from .decision_dialog import DecisionDialog
from .detail import RecordScreen
from .outcome_dialog import OutcomeDialog
from .remedial_dialog import RemedialDialog, remedial_line
from .remedial_done_dialog import RemedialDoneDialog
from .schedule_dialog import ScheduleDialog
from .service_lookup import change_service
from .targets_dialog import TargetsDialog

if TYPE_CHECKING:
    from ...services.changes.views import ChangeDetail

CATEGORY_RULES = {
    "standard": "pre-approved by the change policy",
    "normal": "assessed; approved on implementation + back-out plans",  # one line at 80×24
    "emergency": "expedited approval, back-out plan, reviewed after implementation",
}


def assessment_text(detail: ChangeDetail) -> Text:
    """The assessment panel of a change, as plain words with bold labels."""
    out = Text()

    def row(label: str, *parts: str | Text) -> None:
        out.append_text(Text.assemble((f"{label:<13}", "bold"), *parts, "\n"))

    row("Category", detail.change_type, f" — {CATEGORY_RULES.get(detail.change_type, '')}")
    row("Services", display.line(", ".join(detail.services) or "–"))
    row("CIs", display.line(", ".join(detail.cis) or "–"))
    if detail.affected_services or detail.affected_cis:  # through the relationship graph
        row("Also affects", display.line(", ".join(
            [*(f"service {s}" for s in detail.affected_services), *detail.affected_cis])))
    if detail.risk_score is not None:
        row("Risk", (display.status_label(detail.risk_level), "bold"),
            f" = likelihood {detail.risk_likelihood} ({LIKELIHOOD_NAMES[detail.risk_likelihood]})"
            f" × impact {detail.risk_impact} ({IMPACT_NAMES[detail.risk_impact]}) = {detail.risk_score}")
    else:
        row("Risk", "not assessed (e: likelihood and risk impact, 1-5)")
    if detail.major_impact:
        row("Major impact", ("YES", "bold reverse"), " — service design and transition (8.5.2): ",
            display.line("; ".join(detail.major_impact_reasons)))
    if not detail.under_control:
        row("Control", "not under change control (policy)")
    for decision in detail.approvals:
        path = " (expedited)" if decision.expedited else ""
        row("Decision", f"{decision.decision}{path} by ", display.line(decision.approver), " on ",
            display.when(decision.decided_at), ": ", display.block(decision.rationale))
    for update in detail.planned_updates:
        state = "applied" if update.applied else "planned"
        row(f"CI update {update.position}", display.line(update.describe()), f" ({state})")
    for action in detail.remedial:
        row(f"Remedial {action.position}", remedial_line(action))
    if _unsuccessful(detail) and not detail.remedial and detail.record.status != "closed":
        row("Remedial", "none recorded yet: it closes once they are recorded and done (f)")
    for conflict in detail.conflicts:
        other = conflict.second if conflict.first == detail.ref else conflict.first
        shared = ", ".join([*conflict.services, *conflict.cis])
        row("✗ Conflict", (other, "bold"), f" also touches {shared} ",
            f"{display.when(conflict.overlap_start)}–{display.when(conflict.overlap_end)[-5:]}")
    out.rstrip()
    return out


def _unsuccessful(detail: ChangeDetail) -> bool:
    return detail.record.extra.get("outcome") in UNSUCCESSFUL


class ChangeScreen(RecordScreen):
    """The detail of a change, with its assessment and the change actions."""

    BINDINGS = [
        Binding("A", "approve", "Approve", id="change.approve",
                tooltip="Record the approval: approver, date, rationale"),
        Binding("R", "reject", "Reject", id="change.reject", tooltip="Record a rejection"),
        Binding("w", "schedule", "Schedule", id="change.schedule",
                tooltip="Plan the window; conflicts with other changes are warned of"),
        Binding("o", "outcome", "Outcome", id="change.outcome",
                tooltip="Successful, failed or backed out; raises the effectiveness review"),
        Binding("T", "targets", "Affects", id="change.targets", show=False,
                tooltip="Add or remove services and CIs the change affects"),
        Binding("U", "apply_updates", "Apply CI updates", id="change.apply_updates",
                tooltip="Apply the CI updates it planned (all, pick, or skip), under this change"),
        Binding("f", "add_remedial", "Remedial", id="change.add_remedial",
                tooltip="Record a remedial action agreed for the failed change"),
        Binding("F", "remedial_done", "Remedial done", id="change.remedial_done",
                tooltip="Mark a remedial action done"),
    ]
    CSS_PATH = ["detail.tcss", "change_detail.tcss"]

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.detail: ChangeDetail | None = None

    def on_mount(self) -> None:
        self.query_one("#body").mount(
            Static(Text("Assessment", style="bold underline"), classes="section-title"),
            Static(id="assessment"), after="#headline")  # above the long field grid

    def fetcher(self, backend: Any, ref: str | None = None) -> Callable[[], Any]:
        service, ref = change_service(backend), ref or self.ref
        return lambda: service.detail(ref)

    def present(self, data: Any) -> None:
        self.show_change(data)

    def show_change(self, detail: ChangeDetail) -> None:
        if self.detail is not None and is_older(detail.record, self.detail.record):
            return  # a read from before this screen's last write (see is_older)
        before = self.detail.record.status if self.detail else None
        self.detail = detail
        self.show(detail.record)
        self.query_one("#assessment", Static).update(assessment_text(detail))
        self.refresh_bindings()
        if before is not None and before != "implementing" and detail.record.status == "implementing" \
                and detail.pending_updates:
            self.action_apply_updates()  # implementing offers the CI updates it planned

    def record_written(self, view) -> None:
        super().record_written(view)
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.detail.record.status if self.detail else None
        allowed = {
            "approve": ("new", "assessing"), "reject": ("new", "assessing"),
            "schedule": ("new", "assessing", "approved", "scheduled"), "outcome": ("implementing",),
            "targets": ("new", "assessing", "approved", "scheduled", "implementing"),
        }
        if action == "add_remedial":
            return bool(self.detail and _unsuccessful(self.detail) and status != "closed")
        if action == "remedial_done":
            return bool(self.detail and any(not a.done for a in self.detail.remedial))
        if action == "apply_updates":
            return status == "implementing" and bool(self.detail and self.detail.pending_updates)
        if action == "approve":  # offered only where its category may be approved now
            return status in allowed[action] and self._approval_closed() is None
        if action == "targets" and self.detail is not None:  # part of what is approved
            return status in allowed[action] and substance_refusal(
                ref=self.ref, change_type=self.detail.change_type, status=status or "",
                changed=["services"]) is None
        if action in allowed:
            return status in allowed[action]
        return super().check_action(action, parameters)

    def _approval_closed(self) -> str | None:
        """Why this change's category is not approved in its status (None: it may be)."""
        if self.detail is None:
            return None
        return approval_open(change_type=self.detail.change_type, status=self.detail.record.status)

    def on_key(self, event: events.Key) -> None:
        """The approve key on a change not offered approval says why, at once, in one line:
        the dialog is not opened to be refused after it is filled in."""
        if self.detail is None or self.detail.record.status not in ("new", "assessing"):
            return
        keys = [b.key for b in self._bindings.key_to_bindings.get(event.key, ())
                if b.id == "change.approve"]
        reason = self._approval_closed()
        if keys and reason is not None:
            event.stop()
            event.prevent_default()
            self.app.notify(f"{self.ref} cannot be approved yet: {reason} (t moves it to assessing)",
                            severity="warning", timeout=6, markup=False)

    def action_approve(self) -> None:
        detail = self.detail
        if detail is not None:  # what the service would refuse, said before the rationale is typed
            reason = approval_refusal(
                change_type=detail.change_type, status=detail.record.status,
                backout_plan=str(detail.record.extra.get("backout_plan") or ""),
                implementation_plan=str(detail.record.extra.get("implementation_plan") or ""),
                risk_assessed=detail.risk_likelihood is not None and detail.risk_impact is not None,
                expedited=detail.change_type == "emergency")
            if reason is not None:
                self.app.refuse(f"{self.ref} cannot be approved yet: {reason}", timeout=6)
                return
        self._dialog(lambda view: DecisionDialog(view, decision="approve"))

    def action_reject(self) -> None:
        self._dialog(lambda view: DecisionDialog(view, decision="reject"))

    def action_schedule(self) -> None:
        self._dialog(ScheduleDialog)

    def action_outcome(self) -> None:
        self._dialog(OutcomeDialog)

    def action_add_remedial(self) -> None:
        actions = self.detail.remedial if self.detail else []
        self._dialog(lambda view: RemedialDialog(view, actions))

    def action_remedial_done(self) -> None:
        actions = self.detail.remedial if self.detail else []
        self._dialog(lambda view: RemedialDoneDialog(view, actions))

    def action_targets(self) -> None:
        self._dialog(TargetsDialog)

    def action_apply_updates(self) -> None:
        from .change_updates_dialog import ApplyUpdatesDialog

        if self.detail is None or not self.detail.pending_updates:
            return

        def applied(result: Any) -> None:
            if result is not None:
                self.app.notify(f"{len(result.applied) + len(result.already)} CI update(s) applied "
                                f"under {result.ref}", timeout=4, markup=False)
                self.app.check_for_changes()
                self.load()

        self.app.push_screen(ApplyUpdatesDialog(self.detail.ref, self.detail.pending_updates), applied)
