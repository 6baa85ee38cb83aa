"""A service request: the record, its fulfilment instructions ticked off, its approval.

The instructions come from the request type (8.6.2) and are shown as a
checklist right under the headline, above the fields: ``[x]`` done (by whom, when) or ``[ ]`` to do, so
the state reads without colour. The steps have the cursor when the request
opens (``›`` marks the highlighted one); space, Enter or ``k`` ticks (or
unticks) it and moves to the next, each press exactly once however fast they
come; ``A``/``R`` record the approval decision with its rationale;
``F`` records the customer's satisfaction (and closes a fulfilled request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.sla import format_hours
from .. import display
from ..ticks import TickQueue
from ..widgets.marked_option_list import MarkedOptionList
from .base import is_older
from .decision_dialog import DecisionDialog
from .detail import RecordScreen
from .satisfaction_dialog import SatisfactionDialog
from .service_lookup import request_service

if TYPE_CHECKING:
    from ...services.requests.service import RequestDetail


def steps_options(detail: RequestDetail) -> list[Option]:
    """One option per step: '[x] 2. text  (when, who)' or '[ ] 3. text' (the cursor's '›'
    is drawn left of it)."""
    if not detail.steps:
        return [Option(Text("This request has no fulfilment instructions.", style="dim"), disabled=True)]
    options = []
    for step in detail.steps:
        text = Text.assemble(("[x] " if step.done else "[ ] ", "bold"), f"{step.position}. ",
                             display.line(step.text))
        if step.done:
            text.append(f"  ({display.when(step.done_at)}, ", style="dim")
            text.append_text(display.line(step.done_by, style="dim"))
            text.append(")", style="dim")
        options.append(Option(text, id=f"step-{step.position}"))
    return options


def request_summary(detail: RequestDetail) -> Text:
    """Type, SLA due time, and where the approval stands."""
    out = Text()
    rtype = detail.request_type
    if rtype is not None:
        out.append_text(Text.assemble(("Request type ", "bold"), display.line(rtype.title),
                                      f" ({rtype.name}, SLA {format_hours(rtype.sla_hours)})\n"))
    if detail.due_at is not None:
        out.append_text(Text.assemble(("Fulfil by ", "bold"), display.when(detail.due_at),
                                      ("  OVERDUE" if detail.overdue else "", "bold reverse"), "\n"))
    elif detail.due_paused:
        out.append_text(Text.assemble(("Fulfil by ", "bold"), ("paused", "bold"),
                                      " (the SLA clock stops while it is ",
                                      detail.record.status.replace("_", " "), ")\n"))
    elif detail.overdue:
        out.append_text(Text.assemble(("Fulfil by ", "bold"), ("OVERDUE", "bold reverse"), "\n"))
    if detail.sla_state:
        style = {"breached": "bold reverse", "near": "bold"}.get(detail.sla_state, "")
        out.append_text(Text.assemble(("SLA ", "bold"), (detail.sla_label, style),
                                      f" ({detail.sla_targets})\n"))
    if detail.needs_approval or detail.approvals:
        if detail.approved:
            state = "approved"
        elif detail.record.status == "rejected":
            state = "rejected"
        else:
            state = "NEEDED before fulfilment — A approves, R rejects"
        out.append_text(Text.assemble(("Approval ", "bold"), state, "\n"))
    for decision in detail.approvals:
        out.append_text(Text.assemble(
            "  ", decision.decision, " by ", display.line(decision.approver), " on ",
            display.when(decision.decided_at), ": ", display.block(decision.rationale), "\n"))
    out.rstrip()
    return out


class RequestScreen(RecordScreen):
    """The detail of a service request, with its instructions and approval."""

    BINDINGS = [
        Binding("k,space", "tick", "Tick step", id="request.tick",
                tooltip="Tick (or untick) the highlighted fulfilment step, then go to the next"),
        Binding("A", "approve", "Approve", id="request.approve",
                tooltip="Record the approval: who, when, why"),
        Binding("R", "reject", "Reject", id="request.reject", tooltip="Record a rejection"),
        Binding("F", "satisfaction", "Satisfaction", id="request.satisfaction",
                tooltip="The customer's satisfaction 1-5 (closes a fulfilled request)"),
        # the steps have the focus (space ticks): PgUp/PgDn moved their cursor, and the
        # fields and the journal below could not be reached without Tab; they scroll the
        # record, as on every other record (the steps are a few lines, ↑↓ move along them)
        Binding("pagedown", "page(1)", "Page down", show=False, priority=True),
        Binding("pageup", "page(-1)", "Page up", show=False, priority=True),
    ]
    CSS_PATH = ["detail.tcss", "request_detail.tcss"]

    def action_page(self, direction: int) -> None:
        body = self.query_one("#body", VerticalScroll)
        if direction > 0:
            body.scroll_page_down()
        else:
            body.scroll_page_up()

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.detail: RequestDetail | None = None
        self.ticks = TickQueue(self, self._tick_call, self.show_request)

    def on_mount(self) -> None:
        body = self.query_one("#body")
        body.mount(Static(id="request-summary"), Static(Text("Fulfilment instructions",
                                                              style="bold underline"),
                                                         id="steps-title", classes="section-title"),
                   MarkedOptionList(id="steps"), after="#headline")  # what the analyst works from

    # ------------------------------------------------------------------ data
    def fetcher(self, backend: Any, ref: str | None = None) -> Callable[[], Any]:
        service, ref = request_service(backend), ref or self.ref
        return lambda: service.detail(ref)

    def present(self, data: Any) -> None:
        self.show_request(data)

    def show_request(self, detail: RequestDetail) -> None:
        if self.detail is not None and is_older(detail.record, self.detail.record):
            return  # a read from before this screen's last write (see is_older)
        other = self.detail is None or self.detail.record.ref != detail.record.ref
        if other:
            self.ticks.reset()
        self.detail = detail
        self.show(detail.record)
        done = f"Fulfilment instructions ({detail.steps_done}/{len(detail.steps)} done)"
        self.query_one("#steps-title", Static).update(Text(done, style="bold underline"))
        self.query_one("#request-summary", Static).update(request_summary(detail))
        steps = self.query_one("#steps", OptionList)
        highlighted = steps.highlighted
        steps.clear_options()
        steps.add_options(steps_options(detail))
        if detail.steps:
            first_open = next((s.position - 1 for s in detail.steps if not s.done), 0)
            keep = highlighted is not None and not other
            steps.highlighted = min(highlighted, len(detail.steps) - 1) if keep else first_open
            if self.focused in (None, self.query_one("#body")) and self._tickable():
                steps.focus()  # the steps are the work: the cursor starts there, visibly
        # requests take no links: no empty "Links" block inviting one
        self.query_one("#links", OptionList).display = bool(detail.record.links)
        for title in self.query(".section-title"):
            if str(title.render()) == "Links":
                title.display = bool(detail.record.links)
        self.refresh_bindings()

    def reuse_for(self, ref: str, data: Any) -> None:
        super().reuse_for(ref, data)  # shows it, then puts the cursor on the body
        if self._tickable():
            self.query_one("#steps", OptionList).focus()

    def record_written(self, view) -> None:
        super().record_written(view)
        self.load()  # the steps and decisions changed with it

    # --------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        detail = self.detail
        if action == "tick":
            return self._tickable()
        if action in ("approve", "reject"):
            return bool(detail and detail.record.status in ("new", "awaiting_approval")
                        and (detail.needs_approval or action == "approve"))
        if action == "satisfaction":
            return bool(detail and detail.record.status in ("fulfilled", "closed"))
        if action == "link":
            return False  # requests take no links (incidents, problems, changes do)
        return super().check_action(action, parameters)

    def _tickable(self) -> bool:
        detail = self.detail
        return bool(detail and detail.steps and detail.record.status in ("new", "in_progress", "on_hold"))

    def action_tick(self) -> None:
        steps = self.query_one("#steps", OptionList)
        if self.detail is None or not self.detail.steps or steps.highlighted is None:
            return
        index = steps.highlighted
        step = self.detail.steps[index]
        self.ticks.toggle(step.position, step.done)
        steps.highlighted = min(index + 1, len(self.detail.steps) - 1)  # on to the next step

    def _tick_call(self, position: int, done: bool) -> Callable[[], Any]:
        service, ref = request_service(self.backend), self.ref
        return lambda: service.tick(ref, position, done=done)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "steps":
            event.prevent_default()  # not a link: the detail's handler must not see it
            event.stop()
            self.action_tick()

    def action_approve(self) -> None:
        self._dialog(lambda view: DecisionDialog(view, decision="approve"))

    def action_reject(self) -> None:
        self._dialog(lambda view: DecisionDialog(view, decision="reject"))

    def action_satisfaction(self) -> None:
        self._dialog(SatisfactionDialog)
