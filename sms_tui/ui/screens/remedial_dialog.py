"""Record a remedial action of a failed or backed-out change (8.5.1.3), from its screen.

An unsuccessful change closes only once the actions agreed with the interested
parties are recorded and every one is done (``services/changes/remedial.py``).
:class:`RemedialDialog` (``f`` on the change) records one: what, who owns it,
with whom it was agreed; ``F`` marks one done (``remedial_done_dialog.py``).
Each is journaled on the change.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, Static

from ...domain.errors import ValidationError
from ...services.core.views import RecordView
from .. import display
from .action_dialog import ActionDialog, field
from .service_lookup import remedial_service


def remedial_line(action: Any) -> Text:
    """'[ ] 2. Pin the old driver  (owner ops; agreed with print service owner)', and when
    done who did it, when, and the note given then."""
    who = "; ".join(part for part in (f"owner {action.owner}" if action.owner else "",
                                      f"agreed with {action.agreed_with}" if action.agreed_with
                                      else "") if part)
    line = Text.assemble(("[x] " if action.done else "[ ] ", "bold"), f"{action.position}. ",
                         display.line(action.action))
    if who:
        line.append_text(Text.assemble("  (", display.line(who), ")"))
    if action.done:
        line.append_text(Text.assemble(("  done by ", "dim"), display.line(action.done_by, style="dim"),
                                       (f" {display.when(action.done_at)}", "dim")))
        if action.note:  # what was done, as said when it was marked done
            line.append_text(Text.assemble(": ", display.line(action.note, limit=80)))
    return line


class RemedialDialog(ActionDialog):
    """Record a remedial action agreed for an unsuccessful change."""

    hint = "Enter saves · Tab: next field · Esc cancels"

    def __init__(self, record: RecordView, actions: list[Any] | None = None) -> None:
        super().__init__(record)
        self.actions = list(actions or [])
        self.heading = f"Remedial action for {record.ref}"

    def compose_fields(self):
        if self.actions:
            yield Static(Text("\n").join(remedial_line(a) for a in self.actions),
                         classes="dialog-explain")
        yield field("Action", Input(id="action", compact=True,
                                    placeholder="what was agreed to remedy the failure"))
        yield field("Owner", Input(id="owner", compact=True, placeholder="who does it (optional)"))
        yield field("Agreed with", Input(id="agreed", compact=True,
                                         placeholder="the interested parties (optional)"))

    def on_mount(self) -> None:
        self.query_one("#action", Input).focus()

    def collect(self) -> dict[str, Any]:
        action = self.query_one("#action", Input).value.strip()
        if not action:
            raise ValidationError("write the remedial action first (it must not be empty)")
        return {"action": action, "owner": self.query_one("#owner", Input).value.strip(),
                "agreed": self.query_one("#agreed", Input).value.strip()}

    def perform(self, records, record, values):
        remedial_service(self.backend).add(record.ref, values["action"], owner=values["owner"],
                                           agreed_with=values["agreed"])
        return records.get(record.ref)
