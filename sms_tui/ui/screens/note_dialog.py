"""Add a work note: the record is updated with every action taken (8.6.1)."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import TextArea

from ...domain.errors import ValidationError
from .action_dialog import ActionDialog


class NoteDialog(ActionDialog):
    heading = "Add a note"
    hint = "ctrl+s saves · Enter starts a new line · Esc cancels"
    KEPT = True
    BINDINGS = [Binding("ctrl+s", "submit", "Save", id="note.submit", priority=True)]

    def compose_fields(self):
        yield TextArea(id="note", soft_wrap=True, show_line_numbers=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()

    def collect(self) -> dict[str, Any]:
        text = self.query_one("#note", TextArea).text
        if not text.strip():
            raise ValidationError("write the note first (it must not be empty)")
        return {"note": text}

    def perform(self, records, record, values):
        return records.add_note(record.ref, values["note"], expected_version=record.version)
