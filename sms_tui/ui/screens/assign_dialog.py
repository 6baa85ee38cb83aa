"""Assign a record to a person (and group); an empty name unassigns it."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from .action_dialog import ActionDialog, field


class AssignDialog(ActionDialog):
    heading = "Assign"
    hint = "Enter saves · an empty assignee unassigns · Esc cancels"
    KEPT = True

    def compose_fields(self):
        yield field("Assignee", Input(self.record.assignee, id="assignee", compact=True,
                                      placeholder=f"who works on it (you are {self.app.actor})"))
        yield field("Group", Input(self.record.assignment_group, id="group", compact=True,
                                   placeholder="assignment group (optional)"))
        yield field("Note", Input(id="note", compact=True, placeholder="optional"))

    def refill(self) -> None:
        self.query_one("#assignee", Input).value = self.record.assignee or ""
        self.query_one("#group", Input).value = self.record.assignment_group or ""

    def on_mount(self) -> None:
        assignee = self.query_one("#assignee", Input)
        assignee.focus()
        # the name is selected at once, not when the focus event comes: a name typed in the
        # same burst as "a" replaces it, as typed slowly, instead of being appended to it
        assignee.select_all()

    def collect(self) -> dict[str, Any]:
        return {name: self.query_one(f"#{name}", Input).value.strip()
                for name in ("assignee", "group", "note")}

    def perform(self, records, record, values):
        return records.assign(record.ref, values["assignee"], group=values["group"],
                              note=values["note"], expected_version=record.version)
