"""Resolve a problem: fixed, or by a change it then waits for (8.6.3)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, Static

from ...services.core.views import RecordView
from ..widgets.choice_picker import ChoicePicker
from .action_dialog import ENTER_SAVES, ActionDialog, field

# Enter saves from a choice picker too (an Input saves on Enter by itself).
from .service_lookup import problem_service


class ResolveProblemDialog(ActionDialog):
    """Resolve a problem with its permanent fix; a fix that needs a change raises an RFC."""

    BINDINGS = ENTER_SAVES
    hint = "n/y or ←/→ picks · Enter saves · Esc cancels"

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        self.heading = f"Resolve {record.ref}"

    def compose_fields(self):
        fix = self.record.extra.get("permanent_fix") or ""
        yield field("Fix", Input(fix, id="fix", compact=True, placeholder="the permanent fix"))
        yield field("Needs change", ChoicePicker([("no", "no"), ("yes", "yes")], "no", id="needs"))
        yield field("Existing RFC", Input(id="change", compact=True,
                                          placeholder="optional: CHG-… to link instead of raising one"))
        yield Static(Text("A fix that needs a change goes through change management: an RFC is "
                          "raised with the root cause and fix, and linked."), classes="dialog-explain")

    def on_mount(self) -> None:
        self.query_one("#fix", Input).focus()

    def collect(self) -> dict[str, Any]:
        return {"fix": self.query_one("#fix", Input).value.strip() or None,
                "needs_change": self.query_one("#needs", ChoicePicker).value == "yes",
                "change": self.query_one("#change", Input).value.strip() or None}

    def perform(self, records, record, values):
        return problem_service(self.backend).resolve(
            record.ref, permanent_fix=values["fix"], needs_change=values["needs_change"],
            change_ref=values["change"])
