"""The base of the dialogs that act on one record (status, note, assign, link, escalate).

A dialog shows which record (and which version of it) the analyst is acting
on, runs the write itself in a worker with that version as
``expected_version``, and shows a refused write in place -- a validation
message, or a conflict with the offer to reload (what was typed is kept) --
instead of closing. It is dismissed with the updated :class:`RecordView`, or
``None`` when cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, TextArea

from ...domain.errors import ConflictError, DeskError
from ...services.core.views import RecordView
from .. import display
from ..cursor import cursors_to_end
from ..drafts import DraftMixin
from ..field_errors import focus_field_in_error
from ..hints import error_message
from .base import DeskModal

if TYPE_CHECKING:
    from ...services.core.records import RecordService


def field(label: str, widget: Any, *, id: str | None = None) -> Horizontal:
    """A labelled row; its label turns reverse while the widget has focus."""
    return Horizontal(Label(label, classes="field-label"), widget, classes="field", id=id)

# Enter saves the dialog (its fields are single lines or pickers)
ENTER_SAVES = [Binding("enter", "submit", "Save", id="practice.submit", show=False)]


class ActionDialog(DraftMixin, DeskModal):
    """Subclasses give ``heading``, ``compose_fields``, ``collect`` and ``perform``."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="dialog.submit"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+r", "reload", "Reload record", id="dialog.reload",
                tooltip="After a conflict: load the record as it is now"),
        Binding("f2", "restore_draft", "Restore draft", id="dialog.restore_draft",
                tooltip="Put back what was typed here before (kept after Esc or a crash)"),
    ]
    heading = ""
    hint = "Enter or ctrl+s saves · Esc cancels"
    KEPT = False
    """True: one dialog of the class is kept built and refilled (:meth:`reopen`); the class
    must then put every starting value of its fields in :meth:`refill` and ``on_mount``."""

    def __init__(self, record: RecordView) -> None:
        super().__init__()
        self.record = record
        self.conflict = False

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(Text(self.heading), classes="dialog-title")
            yield Static(self._record_line(), classes="dialog-record")
            yield self.draft_line()
            yield from self.compose_fields()
            yield Static(id="dialog-error", classes="error-line")
            yield Static(Text(self.hint), classes="dialog-hint")

    def _record_line(self) -> Text:
        rec = self.record
        return Text.assemble(
            (rec.ref, "bold"), f"  {display.priority_label(rec.priority)}  ",
            display.status_label(rec.status), f"  v{rec.version}  ",
            display.line(rec.title, limit=80), end="", no_wrap=True, overflow="ellipsis",
        )

    # -- to implement -----------------------------------------------------
    def compose_fields(self):
        """The dialog's own widgets."""
        return iter(())

    def collect(self) -> dict[str, Any]:
        """Read the widgets (UI thread); raise ValidationError to refuse before writing."""
        return {}

    def perform(self, records: RecordService, record: RecordView, values: dict[str, Any]) -> RecordView:
        """The write (worker thread); must pass ``record.version`` as expected_version
        (a note, which changes nothing the analyst saw, need not)."""
        raise NotImplementedError

    def record_reloaded(self, view: RecordView) -> None:
        """Refresh anything that depends on the record (e.g. the allowed statuses)."""

    # -- behaviour --------------------------------------------------------
    def action_submit(self) -> None:
        try:
            values = self.collect()
        except DeskError as exc:
            self.show_error(exc)
            return
        record, backend = self.record, self.backend  # services may still be opening
        self.service(lambda: self.perform(backend.records, record, values), self.closed_saved,
                     on_error=self.show_error, group="submit", exclusive=True)

    def _on_mount(self, event: Any) -> None:
        # after the subclass's on_mount has filled and focused its fields
        self.call_after_refresh(self.start_drafts)

    def draft_key(self) -> str:
        return f"dialog:{type(self).__name__}:{self.record.ref}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def show_error(self, exc: DeskError) -> bool:
        """Show a refused write in the dialog (returns True: handled)."""
        self.conflict = isinstance(exc, ConflictError)
        message = error_message(exc)
        if self.conflict:
            message += " — press ctrl+r to reload it; what you typed is kept"
        error = self.query_one("#dialog-error", Static)
        error.update(display.line(message))
        error.add_class("-shown")
        if not self.conflict:  # the analyst's next keys go to the field concerned
            focus_field_in_error(self, exc)
        self.refresh_bindings()
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reload":
            return self.conflict
        if action == "restore_draft":
            return self.draft_offered()
        return True

    def action_reload(self) -> None:
        self.service(lambda: self.backend.records.get(self.record.ref), self._reloaded,
                     group="reload")

    def _reloaded(self, view: RecordView) -> None:
        self.record = view
        self.conflict = False
        self.query_one(".dialog-record", Static).update(self._record_line())
        self.query_one("#dialog-error", Static).remove_class("-shown")
        self.record_reloaded(view)
        self.refresh_bindings()
        self.app.notify(f"Reloaded {view.ref} (version {view.version})", timeout=3, markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)

    # -- kept and refilled (issue 20) ----------------------------------------
    def reopen(self, record: RecordView) -> None:
        """Make this dialog, built for an earlier record and closed since, the one for
        ``record``: as a new dialog would open, with nothing of the earlier record left
        (its text, an error, a draft offer, focus), before it is pushed again."""
        self.record = record
        self.conflict = False
        self.reset_drafts()
        self.query_one(".dialog-record", Static).update(self._record_line())
        self.query_one("#dialog-error", Static).remove_class("-shown")
        for row in self.query(".-invalid"):
            row.remove_class("-invalid")
        for widget in self.query("Input, TextArea"):
            if isinstance(widget, TextArea):
                widget.text = ""
            else:
                widget.value = ""  # type: ignore[attr-defined]
        self.refill()
        self.record_reloaded(record)
        cursors_to_end(self)
        self.on_mount()  # the subclass's: focus, and whatever it starts with
        self.start_drafts()
        self.refresh_bindings()

    def refill(self) -> None:
        """Put the record's starting values in the fields (text fields are empty already)."""

    def on_mount(self) -> None:
        """The subclass focuses its first field here (also when the dialog is reopened)."""

def kept_dialog(app: Any, cls: type[ActionDialog], record: RecordView) -> ActionDialog:
    """``cls(record)``, or the dialog of that class kept built and refilled for ``record``."""
    if not cls.KEPT:
        return cls(record)
    dialog, reused = app.kept_screen(cls, lambda: cls(record))
    if reused:
        dialog.reopen(record)
    return dialog
