"""The base of the score dialogs: a score 1-5 picked with the arrows, and a comment."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, Static

from ..widgets.choice_picker import ChoicePicker
from .action_dialog import ENTER_SAVES, ActionDialog, field

# Enter saves from a choice picker too (an Input saves on Enter by itself).


class ScoreDialog(ActionDialog):
    """A score 1-5 picked with the arrows and a comment: what a customer said."""

    BINDINGS = ENTER_SAVES
    hint = "1-5 or ←/→ picks the score · Enter saves · Esc cancels"
    SCORES = [(str(n), str(n)) for n in range(1, 6)]
    comment_placeholder = "the customer's words"

    def compose_fields(self):
        # nothing picked: a default score was saved as the customer's when Enter came first
        yield field("Score", ChoicePicker(self.SCORES, None, none_chosen=True, id="score"))
        yield Static(Text("1 very dissatisfied · 3 neutral · 5 very satisfied"), classes="dialog-explain")
        yield field("Comment", Input(id="comment", compact=True, placeholder=self.comment_placeholder))

    def on_mount(self) -> None:
        self.query_one("#score", ChoicePicker).focus()

    def collect(self) -> dict[str, Any]:
        score = self.query_one("#score", ChoicePicker).value
        if not score:
            from ...domain.errors import ValidationError

            raise ValidationError("score: pick the score the customer gave (1-5)")
        return {"score": int(score),
                "comment": self.query_one("#comment", Input).value.strip()}
