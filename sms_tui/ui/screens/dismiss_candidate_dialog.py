"""Dismiss a problem candidate, with the reason (kept, journaled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from ...domain.trends import DIMENSION_LABELS
from .. import display
from .base import DeskModal
from .service_lookup import problem_service

if TYPE_CHECKING:
    from ...services.problems.service import CandidateView


def candidate_prompt(candidate: CandidateView) -> Text:
    """'4 incidents on service mail  2 Mar 09:00 – 3 Mar 00:00' / the references / the key."""
    head = Text.assemble((f"{candidate.count} incidents", "bold"), " on ",
                         DIMENSION_LABELS[candidate.dimension], " ",
                         display.line(candidate.value, style="bold", limit=30), "   ",
                         display.when(candidate.first_at), " – ", display.when(candidate.last_at)[5:])
    refs = " ".join(candidate.incident_refs)
    return Text.assemble(head, "\n    ", display.line(refs, limit=70), "\n    ",
                         (f"key {candidate.key}", "dim"))


class DismissCandidateDialog(DeskModal):
    """Why these incidents are not a problem; the set is not proposed again."""

    CSS_PATH = ["dialogs.tcss", "dismiss_candidate_dialog.tcss"]
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dismiss.cancel")]

    def __init__(self, candidate: CandidateView) -> None:
        super().__init__()
        self.candidate = candidate

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(Text("Dismiss problem candidate", style="bold"), classes="dialog-title")
            yield Static(candidate_prompt(self.candidate), classes="dialog-record")
            yield Input(id="reason", compact=True, placeholder="why it is not a problem (kept)")
            yield Static(Text("Enter dismisses · Esc cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        service, key = problem_service(self.backend), self.candidate.key
        reason = event.value.strip()
        self.service(lambda: service.dismiss_candidate(key, reason=reason), self.dismiss, group="submit")

    def action_cancel(self) -> None:
        self.dismiss(None)
