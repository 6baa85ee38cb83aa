"""Add or edit a request type of the catalogue: its levels, service, SLA and steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static, TextArea

from ...domain.bounds import whole_number
from ...domain.errors import DeskError
from .. import display
from ..drafts import DraftMixin
from ..field_errors import FieldError, focus_field_in_error
from ..widgets.choice_picker import LEVEL_CHOICES, ChoicePicker
from .action_dialog import field
from .base import DeskModal
from .service_lookup import request_service

if TYPE_CHECKING:
    from ...services.requests.service import RequestTypeView


class RequestTypeDialog(DraftMixin, DeskModal):
    """Add or edit a request type: title, defaults, SLA, approval, instructions (one per line).

    What is typed is kept as a draft, as in the other forms: a type and its steps typed, then
    Esc, were lost."""

    CSS_PATH = ["dialogs.tcss", "request_type_dialog.tcss"]
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="rtype.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="rtype.cancel"),
        Binding("f2", "restore_draft", "Restore draft", id="rtype.restore_draft",
                tooltip="Put back what was typed here before (kept after Esc or a crash)"),
    ]

    def __init__(self, rtype: RequestTypeView | None) -> None:
        super().__init__()
        self.rtype = rtype

    def compose(self):
        t = self.rtype
        with Vertical(classes="dialog"):
            yield Static(Text(f"Edit request type {t.name}" if t else "New request type", style="bold"),
                         classes="dialog-title")
            yield self.draft_line()
            if t is None:
                yield field("Name", Input(id="name", compact=True, placeholder="short key, e.g. vpn-token"))
            yield field("Title", Input(t.title if t else "", id="title", compact=True))
            yield field("Service", Input(t.service if t else "", id="service", compact=True,
                                         placeholder="the service its requests are for (optional)"))
            yield field("Impact", ChoicePicker(LEVEL_CHOICES, t.impact if t else "medium", id="impact"))
            yield field("Urgency", ChoicePicker(LEVEL_CHOICES, t.urgency if t else "medium", id="urgency"))
            yield field("SLA hours", Input(str(t.sla_hours) if t else "24", id="sla", compact=True))
            yield field("Approval", ChoicePicker([("no", "no"), ("yes", "yes")],
                                                 "yes" if t and t.needs_approval else "no", id="approval"))
            yield field("Approver", Input(t.approver if t else "", id="approver", compact=True,
                                          placeholder="who decides (person or role)"))
            yield Static(Text("Fulfilment instructions, one step per line:"), classes="dialog-title")
            yield TextArea("\n".join(t.steps) if t else "", id="steps", soft_wrap=True, compact=True)
            yield Static(id="dialog-error", classes="error-line")
            yield Static(Text("ctrl+s saves · Esc cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#name" if self.rtype is None else "#title", Input).focus()
        self.start_drafts()

    def draft_key(self) -> str:
        return f"request-type:{self.rtype.name if self.rtype else '(new)'}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        try:
            values = self._values()
        except DeskError as exc:
            self._error(exc)
            return
        service = request_service(self.backend)
        name = values.pop("name")
        self.service(lambda: service.save_type(name, **values), self.closed_saved, on_error=self._error,
                     group="submit")

    def _values(self) -> dict[str, Any]:
        sla = self.query_one("#sla", Input).value.strip()
        if whole_number(sla, 0, 100_000) is None:
            raise FieldError("sla", f"SLA hours '{sla}' must be a whole number of hours")
        name = self.rtype.name if self.rtype else self.query_one("#name", Input).value.strip()
        if not name:
            raise FieldError("name", "give the type a short name, e.g. vpn-token")
        steps = [line.strip() for line in self.query_one("#steps", TextArea).text.splitlines() if line.strip()]
        return {
            "name": name, "title": self.query_one("#title", Input).value,
            "service": self.query_one("#service", Input).value.strip(),
            "impact": self.query_one("#impact", ChoicePicker).value,
            "urgency": self.query_one("#urgency", ChoicePicker).value, "sla_hours": int(sla),
            "needs_approval": self.query_one("#approval", ChoicePicker).value == "yes",
            "approver": self.query_one("#approver", Input).value, "steps": steps,
            "expected_version": self.rtype.version if self.rtype else None,
        }

    def _error(self, exc: DeskError) -> bool:
        error = self.query_one("#dialog-error", Static)
        error.update(display.line(str(exc)))
        error.add_class("-shown")
        focus_field_in_error(self, exc)
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)
