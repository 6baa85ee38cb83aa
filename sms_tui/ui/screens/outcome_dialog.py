"""Record a change's outcome (8.5.1.3)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, Static

from ...services.core.views import RecordView
from ..widgets.choice_picker import ChoicePicker
from .action_dialog import ENTER_SAVES, ActionDialog, field

# Enter saves from a choice picker too (an Input saves on Enter by itself).
from .service_lookup import change_service


class OutcomeDialog(ActionDialog):
    """How the implementation went; failed or backed out needs an investigation note."""

    BINDINGS = ENTER_SAVES
    hint = "s/f/b or ←/→ picks · Enter saves · Esc cancels"
    OUTCOMES = [("successful", "successful"), ("failed", "failed"), ("backed_out", "backed out")]

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        self.heading = f"Implementation outcome of {record.ref}"

    def compose_fields(self):
        yield field("Outcome", ChoicePicker(self.OUTCOMES, "successful", id="outcome"))
        # what the change already records (its form's Investigation note): kept, not blanked
        noted = str(self.record.extra.get("investigation_note") or "")
        yield field("Investigation", Input(noted, id="investigation", compact=True,
                                           placeholder="required when failed or backed out"))
        yield Static(Text("Saving raises the effectiveness review (8.5.1.3)."), classes="dialog-explain")

    def on_mount(self) -> None:
        self.query_one("#outcome", ChoicePicker).focus()

    def collect(self) -> dict[str, Any]:
        return {"outcome": self.query_one("#outcome", ChoicePicker).value,
                "investigation": self.query_one("#investigation", Input).value.strip()}

    def perform(self, records, record, values):
        return change_service(self.backend).record_outcome(
            record.ref, values["outcome"], investigation_note=values["investigation"]).record
