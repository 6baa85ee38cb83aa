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

    def closed_saved(self, result: Any) -> None:
        """Saved over another analyst's change: said, as the record screen now shows it."""
        if result is not None and result.version > self.record.version + 1:
            self.app.notify(f"{result.ref} was changed by someone else while you wrote: "
                            "its screen shows it as it is now", title="Note added", timeout=6,
                            markup=False)
        super().closed_saved(result)

    def perform(self, records, record, values):
        # no expected_version: a note only adds to the journal, so a record another analyst
        # changed meanwhile still takes it (a purged one is not found, a closed one refuses)
        return records.add_note(record.ref, values["note"])
