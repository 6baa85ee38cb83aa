"""Appoint the major incident manager (8.6.1)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from ...domain.errors import ValidationError
from .action_dialog import field
from .major_action import MajorAction


class ManagerDialog(MajorAction):
    heading = "Appoint the major incident manager"
    hint = "The one person responsible for the major incident · Enter saves · Esc cancels"

    def compose_fields(self):
        yield field("Manager", Input(id="manager", compact=True, placeholder="name"))

    def on_mount(self) -> None:
        self.query_one("#manager", Input).focus()

    def collect(self) -> dict[str, Any]:
        name = self.query_one("#manager", Input).value.strip()
        if not name:
            raise ValidationError("name the major incident manager")
        return {"name": name}

    def write(self, service, record, values):
        service.set_manager(record.ref, values["name"], expected_version=record.version)
