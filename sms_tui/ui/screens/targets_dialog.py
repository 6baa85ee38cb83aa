"""The services and CIs a change targets (8.5.1)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from ...services.core.views import RecordView
from ..field_errors import FieldError
from ..widgets.choice_picker import ChoicePicker
from .action_dialog import ENTER_SAVES, ActionDialog, field

# Enter saves from a choice picker too (an Input saves on Enter by itself).
from .service_lookup import change_service


class TargetsDialog(ActionDialog):
    """Services and CIs a change affects: add or remove several at once."""

    BINDINGS = ENTER_SAVES
    hint = "Names separated by commas · Enter saves · Esc cancels"

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        self.heading = f"Services and CIs affected by {record.ref}"

    def compose_fields(self):
        yield field("Add/remove", ChoicePicker([("add", "add"), ("remove", "remove")], "add", id="mode"))
        yield field("Services", Input(id="services", compact=True, placeholder="e.g. mail, web"))
        yield field("CIs", Input(id="cis", compact=True, placeholder="e.g. srv-mail-01"))

    def on_mount(self) -> None:
        self.query_one("#services", Input).focus()

    def collect(self) -> dict[str, Any]:
        def names(wid: str) -> list[str]:
            return [n.strip() for n in self.query_one(wid, Input).value.split(",") if n.strip()]

        services, cis = names("#services"), names("#cis")
        if not services and not cis:
            raise FieldError("services", "name at least one service or CI")
        return {"services": services, "cis": cis,
                "remove": self.query_one("#mode", ChoicePicker).value == "remove"}

    def perform(self, records, record, values):
        return change_service(self.backend).set_targets(
            record.ref, services=values["services"], cis=values["cis"], remove=values["remove"]).record
