"""Escalate: functionally (to a more skilled person or group) or hierarchically (to a manager)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, Static

from ..field_errors import FieldError
from ..widgets.choice_picker import ChoicePicker
from .action_dialog import ENTER_SAVES, ActionDialog, field

HOW = {
    "functional": "Functional: to a more skilled person or group (becomes the assignee).",
    "hierarchical": "Hierarchical: raise to a manager; the assignee stays.",
}


class EscalateDialog(ActionDialog):
    heading = "Escalate"
    hint = "f/h picks the kind · Enter saves · a reason is required · Esc cancels"
    KEPT = True
    BINDINGS = ENTER_SAVES  # on the kind too, as the hint says (it did nothing there)

    def compose_fields(self):
        yield field("Kind", ChoicePicker([("functional", "functional"), ("hierarchical", "hierarchical")],
                                         id="how"))
        yield Static(id="how-help", classes="dialog-explain")
        yield field("To", Input(id="to", compact=True, placeholder="person or manager"))
        yield field("Group", Input(id="group", compact=True, placeholder="group (functional, optional)"))
        yield field("Reason", Input(id="reason", compact=True, placeholder="what the next person reads first"))

    def refill(self) -> None:
        self.query_one("#how", ChoicePicker).value = "functional"

    def on_mount(self) -> None:
        self.query_one("#how", ChoicePicker).focus()
        self._explain("functional")

    def on_choice_picker_changed(self, event: ChoicePicker.Changed) -> None:
        self._explain(event.value)

    def _explain(self, how: str) -> None:
        self.query_one("#how-help", Static).update(Text(HOW[how]))
        # a hierarchical escalation keeps the assignment: no group to type, Tab skips it
        # (one typed already stays editable, so that the refusal of it can be acted on)
        group = self.query_one("#group", Input)
        group.disabled = how == "hierarchical" and not group.value.strip()

    def collect(self) -> dict[str, Any]:
        values = {name: self.query_one(f"#{name}", Input).value.strip()
                  for name in ("to", "group", "reason")}
        values["hierarchical"] = self.query_one("#how", ChoicePicker).value == "hierarchical"
        if values["hierarchical"] and values["group"]:
            # a hierarchical escalation keeps the assignment: a group typed here would be lost
            raise FieldError("group", "a hierarchical escalation goes to a manager, not a group: "
                                      "clear the group, or press f for a functional one")
        if values["hierarchical"] and not values["to"]:
            raise FieldError("to", "name the manager it goes up to")
        if not values["to"] and not values["group"]:
            raise FieldError("to", "say who to escalate to (a person, a manager or a group)")
        if not values["reason"]:
            raise FieldError("reason", "an escalation needs a reason: say why it goes up")
        return values

    def perform(self, records, record, values):
        return records.escalate(record.ref, to=values["to"], hierarchical=values["hierarchical"],
                                group=values["group"] or None, reason=values["reason"],
                                expected_version=record.version)
