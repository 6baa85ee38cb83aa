"""Declare an incident major, with the reason (8.6.1)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from ...domain.errors import ValidationError
from .action_dialog import field
from .major_action import MajorAction


class DeclareDialog(MajorAction):
    heading = "Declare a major incident"
    hint = "Starts the procedure and informs top management · Enter saves · Esc cancels"

    def compose_fields(self):
        yield field("Reason", Input(id="reason", compact=True, placeholder="why it is major"))

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def collect(self) -> dict[str, Any]:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise ValidationError("say why it is a major incident")
        return {"reason": reason}

    def write(self, service, record, values):
        service.declare(record.ref, values["reason"], expected_version=record.version)
