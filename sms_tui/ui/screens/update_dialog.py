"""Send a major incident update to the people the procedure names."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import TextArea

from ...domain.errors import ValidationError
from .major_action import MajorAction


class UpdateDialog(MajorAction):
    heading = "Status update to top management"
    hint = "Recorded in the outbox and emailed if configured · ctrl+s sends · Esc cancels"
    BINDINGS = [Binding("ctrl+s", "submit", "Send", id="major-update.submit", priority=True)]

    def compose_fields(self):
        yield TextArea(id="message", soft_wrap=True, show_line_numbers=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#message", TextArea).focus()

    def collect(self) -> dict[str, Any]:
        text = self.query_one("#message", TextArea).text
        if not text.strip():
            raise ValidationError("write the update first (it must not be empty)")
        return {"message": text}

    def write(self, service, record, values):
        service.send_update(record.ref, values["message"], expected_version=record.version)
