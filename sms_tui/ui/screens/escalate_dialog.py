"""Escalate: functionally (to a more skilled person or group) or hierarchically (to a manager)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, RadioButton, RadioSet

from ...domain.errors import ValidationError
from .action_dialog import ActionDialog, field


class EscalateDialog(ActionDialog):
    heading = "Escalate"
    hint = "↑↓ Space picks the kind · Enter saves · a reason is required · Esc cancels"

    def compose_fields(self):
        yield RadioSet(
            RadioButton("Functional: to a more skilled person or group", value=True, id="functional"),
            RadioButton("Hierarchical: raise to a manager", id="hierarchical"),
            id="how", compact=True,
        )
        yield field("To", Input(id="to", compact=True, placeholder="person or manager"))
        yield field("Group", Input(id="group", compact=True, placeholder="group (functional, optional)"))
        yield field("Reason", Input(id="reason", compact=True, placeholder="what the next person reads first"))

    def on_mount(self) -> None:
        self.query_one("#how", RadioSet).focus()

    def collect(self) -> dict[str, Any]:
        values = {name: self.query_one(f"#{name}", Input).value.strip()
                  for name in ("to", "group", "reason")}
        values["hierarchical"] = self.query_one("#hierarchical", RadioButton).value
        if not values["reason"]:
            raise ValidationError("an escalation needs a reason: say why it goes up")
        if not values["to"] and not values["group"]:
            raise ValidationError("say who to escalate to (a person, a manager or a group)")
        return values

    def perform(self, records, record, values):
        return records.escalate(record.ref, to=values["to"], hierarchical=values["hierarchical"],
                                group=values["group"] or None, reason=values["reason"],
                                expected_version=record.version)
