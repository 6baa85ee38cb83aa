"""Move a record to one of the statuses its lifecycle allows from where it is."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ...domain.errors import ValidationError
from ...services.core.views import RecordView
from .. import display
from ..widgets.marked_option_list import MarkedOptionList
from .action_dialog import ActionDialog, field


class TransitionDialog(ActionDialog):
    heading = "Change status"
    hint = "↑↓ or a first letter picks · Enter saves · Tab: note · Esc cancels"
    KEPT = True

    def compose_fields(self):
        yield MarkedOptionList(*self._options(self.record), id="targets", letters_pick=True)
        yield field("Note", Input(id="note", placeholder="optional: what was done, why", compact=True))

    @staticmethod
    def _options(record: RecordView) -> list[Option]:
        if not record.allowed_transitions:
            return [Option(Text(f"{display.status_label(record.status)} is final: no further status",
                                style="italic"), disabled=True)]
        return [Option(Text(display.status_label(s)), id=s) for s in record.allowed_transitions]

    def on_mount(self) -> None:
        self.query_one("#targets", OptionList).focus()

    def record_reloaded(self, view: RecordView) -> None:
        targets = self.query_one("#targets", OptionList)
        targets.clear_options()
        targets.add_options(self._options(view))
        targets.highlighted = 0 if view.allowed_transitions else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> dict[str, Any]:
        targets = self.query_one("#targets", OptionList)
        option = targets.highlighted_option if targets.highlighted is not None else None
        if option is None or not option.id:
            raise ValidationError(f"{self.record.ref} has no status to move to from "
                                  f"'{display.status_label(self.record.status)}'")
        return {"status": option.id, "note": self.query_one("#note", Input).value.strip()}

    def perform(self, records, record, values):
        return records.transition(record.ref, values["status"], note=values["note"],
                                  expected_version=record.version)
