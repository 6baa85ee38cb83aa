"""Every key, generated from the bindings themselves (so it cannot drift from them)."""

from __future__ import annotations

import importlib
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..widgets.desk_footer import DeskFooter

# Screens and widgets whose keys the help lists, after the global ones and the current screen's.
HELP_TARGETS: tuple[tuple[str, str], ...] = (
    ("Queues", "sms_tui.ui.screens.queue:QueueScreen"),
    ("Moving in a queue", "sms_tui.ui.widgets.queue_table:QueueTable"),
    ("Record detail", "sms_tui.ui.screens.detail:RecordScreen"),
    ("Forms (new, edit)", "sms_tui.ui.screens.form:RecordForm"),
    ("Dialogs (status, note, assign, link, escalate)",
     "sms_tui.ui.screens.action_dialog:ActionDialog"),
    ("Home", "sms_tui.ui.screens.dashboard:DashboardScreen"),
)


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def bindings_of(cls: Any, keymap: dict[str, str]) -> list[tuple[str, Binding]]:
    """(keys, binding) for each action a class binds (with its bases'), after the user's keymap.

    Keys bound to the same action are listed together ("?, f1").
    """
    bindings_map = cls._merge_bindings()
    if keymap:
        bindings_map.apply_keymap(keymap)
    merged: dict[tuple[str, str], tuple[list[str], Binding]] = {}
    for key, binding in bindings_map:
        if not binding.description:
            continue
        keys, _ = merged.setdefault((binding.action, binding.description), ([], binding))
        if key not in keys:
            keys.append(key)
    return [(",".join(keys), binding) for keys, binding in merged.values()]


class HelpScreen(ModalScreen[None]):
    """A scrollable list of every key, grouped by where it works."""

    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def __init__(self, under: Screen[Any] | None = None) -> None:
        super().__init__()
        self.under = under

    def compose(self):
        with VerticalScroll(id="help-body"):
            yield Static(self._content(), id="help-text")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def _table(self, title: str, bindings: list[tuple[str, str, str]]) -> RenderableType:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True, min_width=12)
        table.add_column()
        table.add_column(style="dim")
        for key, description, tooltip in bindings:
            table.add_row(Text(key), Text(description), Text(tooltip))
        return Group(Text(title, style="bold underline"), table, Text(""))

    def _rows(self, bindings: list[tuple[str, Binding]]) -> list[tuple[str, str, str]]:
        rows: list[tuple[str, str, str]] = []
        for keys, binding in bindings:
            shown = ", ".join(self.app.get_key_display(Binding(k.strip(), binding.action))
                              for k in keys.split(","))
            rows.append((shown, binding.description, binding.tooltip or ""))
        return rows

    def _content(self) -> RenderableType:
        keymap = getattr(self.app, "_keymap", {}) or {}
        groups: list[RenderableType] = [
            Text.assemble(("sms-tui keys", "bold"), "  (Esc closes; ctrl+p finds any command by name)\n")
        ]
        targets = [(title, _resolve(target)) for title, target in HELP_TARGETS]
        under = type(self.under) if self.under is not None else None
        if under is not None and not any(cls is under for _, cls in targets):
            targets.insert(0, (under.__name__, under))
        here = [(f"Here: {title}", cls) for title, cls in targets if cls is under]
        elsewhere = [(title, cls) for title, cls in targets if cls is not under]
        for title, cls in here:
            groups.append(self._table(title, self._rows(bindings_of(cls, keymap))))
        app_rows = self._rows(bindings_of(type(self.app), keymap))
        app_rows.append((self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING, "")),
                         "Command palette", "every action by name; type a reference to open it"))
        groups.append(self._table("Everywhere", app_rows))
        for title, cls in elsewhere:
            groups.append(self._table(title, self._rows(bindings_of(cls, keymap))))
        return Group(*groups)

    def action_close(self) -> None:
        self.dismiss(None)
