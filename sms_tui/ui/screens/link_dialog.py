"""Link the record to another one by reference (incident → problem, problem → change...)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from ...domain.kinds import format_ref, parse_ref
from ..field_errors import FieldError
from .action_dialog import ActionDialog, field


class LinkDialog(ActionDialog):
    heading = "Link to another record"
    hint = ("incident → problem or change · problem → change or incident · "
            "known error → problem · Enter saves · Esc cancels")

    def compose_fields(self):
        yield field("Reference", Input(id="target", compact=True, placeholder="e.g. PRB-000001 or prb-1"))
        yield field("Note", Input(id="note", compact=True, placeholder="optional: why they belong together"))

    def on_mount(self) -> None:
        self.query_one("#target", Input).focus()

    def collect(self) -> dict[str, Any]:
        text = self.query_one("#target", Input).value.strip()
        if not text:
            raise FieldError("target", "type the reference of the record to link (e.g. PRB-000001)")
        target = format_ref(*parse_ref(text))
        if target == self.record.ref:
            raise FieldError("target", "a record cannot be linked to itself")
        return {"target": target, "note": self.query_one("#note", Input).value.strip()}

    def perform(self, records, record, values):
        return records.link(record.ref, values["target"], note=values["note"])
