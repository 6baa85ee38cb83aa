"""Mark a remedial action of a failed or backed-out change done (8.5.1.3): ``F`` on it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ...domain.errors import ValidationError
from ...services.core.views import RecordView
from ..widgets.marked_option_list import MarkedOptionList
from .action_dialog import ActionDialog, field
from .remedial_dialog import remedial_line
from .service_lookup import remedial_service


class RemedialDoneDialog(ActionDialog):
    """Mark one open remedial action of an unsuccessful change done."""

    hint = "↑↓ picks · Enter marks it done · Tab: note · Esc cancels"

    def __init__(self, record: RecordView, actions: list[Any] | None = None) -> None:
        super().__init__(record)
        self.open_actions = [a for a in actions or [] if not a.done]
        self.heading = f"Remedial action done on {record.ref}"

    def compose_fields(self):
        options = [Option(remedial_line(a), id=str(a.position)) for a in self.open_actions] or [
            Option(Text("No remedial action is open.", style="italic"), disabled=True)]
        yield MarkedOptionList(*options, id="open-actions")
        yield field("Note", Input(id="note", compact=True, placeholder="optional: how it was done"))

    def on_mount(self) -> None:
        self.query_one("#open-actions", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> dict[str, Any]:
        listing = self.query_one("#open-actions", OptionList)
        option = listing.highlighted_option if listing.highlighted is not None else None
        if option is None or not option.id:
            raise ValidationError(f"{self.record.ref} has no open remedial action")
        return {"position": option.id, "note": self.query_one("#note", Input).value.strip()}

    def perform(self, records, record, values):
        remedial_service(self.backend).complete(record.ref, values["position"], note=values["note"])
        return records.get(record.ref)
