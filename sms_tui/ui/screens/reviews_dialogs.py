"""Small dialogs of the review screens: outcome, skip reason, owner, findings, schedule edits.

A :class:`ReviewDialog` shows its fields, runs the write itself in a worker
(passing the version the analyst saw, so a concurrent change is refused, not
overwritten) and shows a refused write in place -- what was typed is kept.
It is dismissed with the service's result, or ``None`` when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, TextArea

from ...domain.errors import ConflictError, DeskError
from .. import display
from ..drafts import DraftMixin
from ..field_errors import FieldError, focus_field_in_error
from ..hints import error_message
from ..widgets.choice_picker import ChoicePicker
from .base import DeskModal


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: str = ""
    multiline: bool = False
    required: bool = False
    placeholder: str = ""
    # a few fixed choices, picked with the arrows or their first letter (shown bracketed)
    choices: tuple[tuple[str, str], ...] = ()


class ReviewDialog(DraftMixin, DeskModal):
    """Fields, then ``perform(values)`` in a worker; dismissed with its result."""

    CSS_PATH = "reviews.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="review_dialog.submit", priority=True),
        Binding("escape", "cancel", "Cancel", id="review_dialog.cancel"),
        Binding("f2", "restore_draft", "Restore draft", id="review_dialog.restore_draft",
                tooltip="Put back what was typed here before (kept after Esc or a crash)"),
    ]

    def __init__(self, heading: str, subject: Text, fields: list[Field],
                 perform: Callable[[dict[str, Any]], Any], hint: str = "",
                 draft_id: str | None = None) -> None:
        super().__init__()
        self.heading = heading
        self.subject = subject
        # what the draft is kept under: the record's reference where the subject line also
        # shows its status and version (a tick between two opens orphaned the draft)
        self.draft_id = draft_id
        self.fields = fields
        self.perform = perform
        multiline = any(f.multiline for f in fields)
        self.hint = hint or ("ctrl+s saves · Esc cancels" if multiline
                             else "Enter or ctrl+s saves · Esc cancels")

    def compose(self):
        with Vertical(classes="dialog review-dialog"):
            yield Static(Text(self.heading, style="bold"), classes="dialog-title")
            yield Static(self.subject, classes="dialog-record")
            yield self.draft_line()
            for f in self.fields:
                if f.choices:
                    yield Horizontal(Label(f.label, classes="field-label"),
                                     ChoicePicker(list(f.choices), f.value, id=f"f-{f.key}"),
                                     classes="field")
                elif f.multiline:
                    yield Label(Text(f.label + (" (required)" if f.required else ""), style="bold"))
                    area = TextArea(f.value, id=f"f-{f.key}", soft_wrap=True, show_line_numbers=False,
                                    compact=True)
                    yield area
                else:
                    yield Horizontal(Label(f.label, classes="field-label"),
                                     Input(f.value, placeholder=f.placeholder, id=f"f-{f.key}",
                                           compact=True),
                                     classes="field")
            yield Static(id="dialog-error", classes="error-line")
            yield Static(Text(self.hint), classes="dialog-hint")

    def on_mount(self) -> None:
        first = self.query(f"#f-{self.fields[0].key}").first() if self.fields else None
        if first is not None:
            first.focus()
        self.start_drafts()

    def draft_key(self) -> str:
        return f"review:{self.heading}:{self.draft_id or self.subject.plain}"

    def collect(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.key}")
            if isinstance(widget, ChoicePicker):
                values[f.key] = widget.value
                continue
            text = widget.text if isinstance(widget, TextArea) else widget.value
            if f.required and not text.strip():
                raise FieldError(f"f-{f.key}", f"{f.label.lower()} must not be empty")
            values[f.key] = text
        return values

    def action_submit(self) -> None:
        try:
            values = self.collect()
        except DeskError as exc:
            self.show_error(exc)
            return
        self.service(lambda: self.perform(values), self.closed_saved, on_error=self.show_error,
                     group="submit", exclusive=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def show_error(self, exc: DeskError) -> bool:
        message = error_message(exc)  # the key or field that resolves it, not a CLI command
        if isinstance(exc, ConflictError):
            message += " — press Esc, then look again"
        error = self.query_one("#dialog-error", Static)
        error.update(display.line(message))
        error.add_class("-shown")
        if not isinstance(exc, ConflictError):  # the next keys go to the field concerned
            focus_field_in_error(self, exc, [(f.label, self.query_one(f"#f-{f.key}")) for f in self.fields])
        return True
