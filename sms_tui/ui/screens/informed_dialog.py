"""How top management was told of a major incident, when no message went to them (8.6.1)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from ...domain.errors import ValidationError
from .action_dialog import field
from .major_action import MajorAction


class InformedDialog(MajorAction):
    """Ticks the procedure's "inform top management" step with how they were told: no
    message about the incident went to anyone (no contacts configured), and a tick alone
    said they were informed while the evidence report said nobody was."""

    heading = "How was top management told?"
    hint = "No message went to them (no contacts) · Enter ticks the step · Esc cancels"

    def __init__(self, record: Any, position: int) -> None:
        super().__init__(record)
        self.position = position

    def compose_fields(self):
        yield field("How", Input(id="how", compact=True, placeholder="a call, a meeting: who, when"))

    def on_mount(self) -> None:
        self.query_one("#how", Input).focus()

    def collect(self) -> dict[str, Any]:
        how = self.query_one("#how", Input).value.strip()
        if not how:
            raise ValidationError("how: say how top management was told (a call, a meeting)")
        return {"how": how}

    def write(self, service, record, values):
        service.tick_step(record.ref, self.position, note=values["how"],
                          expected_version=record.version)
