"""Pick a status to filter a queue by (or any open one)."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from .. import display
from ..widgets.marked_option_list import MarkedOptionList


class StatusPicker(ModalScreen[str | None]):
    """Dismissed with a status, "" for "any open status", or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def __init__(self, label: str, states: tuple[str, ...], current: str | None) -> None:
        super().__init__()
        self.label, self.states, self.current = label, states, current

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(f"Show {self.label.lower()}s with status", classes="dialog-title")
            options = [Option(display.line("any open status"), id="")]
            options += [Option(display.line(display.status_label(s)), id=s) for s in self.states]
            picker = MarkedOptionList(*options, id="statuses", letters_pick=True)
            yield picker
            yield Static("↑↓ or its first letter · Enter picks · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        ids = ["", *self.states]
        picker.highlighted = ids.index(self.current) if self.current in ids else 0
        picker.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")

    def action_cancel(self) -> None:
        self.dismiss(None)
