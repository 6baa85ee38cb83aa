"""Record an approval decision on a request or a change: who decided, and why."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, Static

from ...services.core.views import RecordView
from ..field_errors import FieldError
from .action_dialog import ActionDialog, field

# Enter saves from a choice picker too (an Input saves on Enter by itself).
from .service_lookup import change_service, request_service


class DecisionDialog(ActionDialog):
    """Approve or reject a request or a change: why, and who decided (default: you)."""

    hint = "The rationale is kept with the decision · Enter saves · Esc cancels"

    def __init__(self, record: RecordView, *, decision: str) -> None:
        super().__init__(record)
        self.decision = decision  # "approve" | "reject"
        self.heading = f"{decision.capitalize()} {record.ref}"

    def compose_fields(self):
        yield field("Rationale", Input(id="rationale", compact=True,
                                       placeholder=f"why it is {self.decision}d (required)"))
        yield field("Approver", Input(id="approver", compact=True,
                                      placeholder=f"who decided (default: {self.app.actor})"))
        if self.record.kind == "change" and self.decision == "approve":
            yield Static(Text(_change_approval_rule(self.record)), classes="dialog-explain")

    def on_mount(self) -> None:
        self.query_one("#rationale", Input).focus()

    def collect(self) -> dict[str, Any]:
        rationale = self.query_one("#rationale", Input).value.strip()
        if not rationale:
            raise FieldError("rationale", f"write the rationale: why it is {self.decision}d")
        return {"rationale": rationale, "approver": self.query_one("#approver", Input).value.strip()}

    def perform(self, records, record, values):
        service = request_service(self.backend) if record.kind == "request" else change_service(self.backend)
        detail = getattr(service, self.decision)(record.ref, values["rationale"],
                                                 approver=values["approver"] or None)
        return detail.record


def _change_approval_rule(record: RecordView) -> str:
    kind = record.extra.get("change_type", "normal")
    if kind == "emergency":
        return "Emergency: expedited approval; needs a back-out plan; reviewed after implementation."
    if kind == "standard":
        return "Standard: pre-approved by the change policy."
    return ("Normal: approved while assessing, with a risk assessment, an implementation plan "
            "and a back-out plan.")
