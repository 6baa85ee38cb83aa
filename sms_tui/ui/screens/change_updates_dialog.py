"""The CI updates a change planned, offered when it is implemented (8.5.1 with 8.2.6).

Every pending update is listed, marked to be applied. ``a`` applies them all;
space unmarks (or marks) the highlighted one and Enter applies the marked ones
(pick); ``s`` or Esc skips them for now (``U`` on the change offers them again).
Each is applied under the change, so the CI's journal names it; one refusal
and none is applied. CI names and values are user text, shown literally.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static
from textual.widgets.option_list import Option

from ...domain.errors import DeskError
from .. import display
from ..widgets.marked_option_list import MarkedOptionList
from .base import DeskModal


class ApplyUpdatesDialog(DeskModal):
    """Apply all, pick, or skip the pending CI updates of a change."""

    CSS_PATH = ["dialogs.tcss", "change_updates_dialog.tcss"]
    BINDINGS = [
        Binding("a", "apply_all", "Apply all", id="apply_updates.all"),
        Binding("space", "toggle", "Mark/unmark", id="apply_updates.toggle"),
        Binding("enter", "apply_marked", "Apply marked", id="apply_updates.marked", priority=True),
        Binding("s,escape", "skip", "Skip", id="apply_updates.skip"),
    ]

    def __init__(self, ref: str, pending: list[Any]) -> None:
        super().__init__()
        self.ref = ref
        self.pending = pending
        self.marked = {u.position for u in pending}

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(Text(f"{self.ref} is implementing: apply the CI updates it planned?"),
                         classes="dialog-title")
            yield MarkedOptionList(*[Option(self._prompt(u), id=str(u.position)) for u in self.pending],
                                   id="updates")
            yield Static(id="dialog-error", classes="error-line")
            yield Static(Text("a: apply all · space: mark/unmark · Enter: apply marked · s/Esc: skip "
                              "(U offers them again)"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#updates", MarkedOptionList).focus()

    def _prompt(self, update: Any) -> Text:
        mark = "[x]" if update.position in self.marked else "[ ]"
        return Text.assemble(f"{mark} {update.position}. ", display.line(update.describe(), limit=70),
                             no_wrap=True, overflow="ellipsis")

    def action_toggle(self) -> None:
        listing = self.query_one("#updates", MarkedOptionList)
        index = listing.highlighted
        if index is None:
            return
        update = self.pending[index]
        self.marked ^= {update.position}
        listing.replace_option_prompt_at_index(index, self._prompt(update))

    def _apply(self, positions: list[int] | None) -> None:
        from ...services.changes.ci_updates import ChangeCIUpdates

        service, ref = self.backend.service(ChangeCIUpdates), self.ref
        self.service(lambda: service.apply(ref, positions), self.dismiss, on_error=self._error,
                     group="apply-updates", exclusive=True)

    def action_apply_all(self) -> None:
        self._apply(None)

    def action_apply_marked(self) -> None:
        chosen = [u.position for u in self.pending if u.position in self.marked]
        if not chosen:
            self._error(DeskError("nothing is marked: space marks an update, s skips them all"))
            return
        self._apply(chosen)

    def action_skip(self) -> None:
        self.dismiss(None)

    def _error(self, exc: DeskError) -> bool:
        error = self.query_one("#dialog-error", Static)
        error.update(display.line(str(exc)))
        error.add_class("-shown")
        return True
