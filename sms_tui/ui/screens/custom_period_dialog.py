"""Pick a custom report period: from and to dates."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...domain.errors import ValidationError


class CustomPeriodDialog(ModalScreen["Period | None"]):
    """Ask for a custom period: first day and the day after the last (both YYYY-MM-DD)."""

    CSS_PATH = "custom_period_dialog.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reports.custom.cancel")]

    def __init__(self, start: str, end: str) -> None:
        super().__init__()
        self.start, self.end = start, end

    def compose(self):
        with Vertical():
            yield Static(Text("Custom period", style="bold"))
            with Horizontal(classes="row"):
                yield Static(Text("From (first day)"))
                yield Input(self.start, placeholder="YYYY-MM-DD", id="custom-from", compact=True)
            with Horizontal(classes="row"):
                yield Static(Text("To (day after the last)"))
                yield Input(self.end, placeholder="YYYY-MM-DD", id="custom-to", compact=True)
            yield Static("", id="custom-error")
            yield Static(Text("Enter shows the report · Esc cancels · times are UTC"),
                         id="custom-hint")

    def on_mount(self) -> None:
        self.query_one("#custom-from", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from ...services.reporting.model import Period, parse_when

        try:
            start = parse_when(self.query_one("#custom-from", Input).value, "from")
            end = parse_when(self.query_one("#custom-to", Input).value, "to")
            period = Period(start, end)
        except ValidationError as exc:
            self.query_one("#custom-error", Static).update(Text(str(exc)))
            return
        self.dismiss(period)

    def action_cancel(self) -> None:
        self.dismiss(None)
