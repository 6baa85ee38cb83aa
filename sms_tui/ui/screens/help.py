"""Every key, generated from the bindings themselves (so it cannot drift from them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..widgets.desk_footer import DeskFooter
from .base import KeptStyles


def _queue_screen() -> type:
    from .queue import QueueScreen

    return QueueScreen


def _queue_table() -> type:
    from ..widgets.queue_table import QueueTable

    return QueueTable


def _record_screen() -> type:
    from .detail import RecordScreen

    return RecordScreen


def _record_form() -> type:
    from .form import RecordForm

    return RecordForm


def _action_dialog() -> type:
    from .action_dialog import ActionDialog

    return ActionDialog


def _dashboard() -> type:
    from .dashboard import DashboardScreen

    return DashboardScreen


# Screens and widgets whose keys the help lists, after the global ones and the current
# screen's: a title and a loader of the class (imported when the help first opens).
HELP_TARGETS: tuple[tuple[str, Callable[[], type]], ...] = (
    ("Queues", _queue_screen),
    ("Moving in a queue", _queue_table),
    ("Record detail", _record_screen),
    ("Forms (new, edit)", _record_form),
    ("Dialogs (status, note, assign, link, escalate)", _action_dialog),
    ("Home", _dashboard),
)


# What the markers in queues and records mean; each symbol means one thing everywhere.
MARKERS: tuple[tuple[str, str], ...] = (
    ("!", "a deadline is near: an SLA clock nearing breach ('!2h05m'), a review due soon"),
    ("BREACHED", "the resolution target is missed"),
    ("resp.BRCH", "the first-response target is missed; the resolution clock still runs"),
    ("(2h05m)", "on hold: the SLA clock is paused"),
    ("‼ OVERDUE", "a review is past its due date"),
    ("▲MAJ", "a major incident ('▲MAJ?': no responsible manager yet); NC▲ a major nonconformity"),
    ("●", "priority P1 (critical)"),
    ("↑", "escalated"),
    ("→", "a reminder: something to do on this record"),
    ("✗ Conflict", "another change touches the same service or CI at the same time"),
)


def screen_title(cls: type) -> str:
    """A screen's name for people: its HELP_TITLE, else its class name in words
    ('KnownErrorSearchScreen' -> 'Known error search')."""
    title = getattr(cls, "HELP_TITLE", "")
    if title:
        return title
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|\d+", cls.__name__)
    while len(words) > 1 and words[-1] in ("Screen", "Dialog", "Modal"):
        words.pop()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def _own_actions(cls: type) -> set[str]:
    """Actions bound by the desk's own classes in ``cls``'s ancestry (not Textual's)."""
    actions: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.startswith("sms_tui."):
            for binding in base.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding):
                    actions.add(binding.action)
    return actions


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


class HelpScreen(KeptStyles, ModalScreen[None]):
    """A scrollable list of every key, grouped by where it works."""

    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def __init__(self, under: Screen[Any] | None = None) -> None:
        super().__init__()
        self.under = under

    _shown_for: Any = None  # what the text was rendered for (see _keys_of)

    def _keys_of(self, under: Screen[Any] | None) -> Any:
        """What the text depends on: the screen under the help, the keys active there (by
        the widget that has them, and whether they are on), and the user's keymap."""
        if under is None:
            return None
        active = tuple((key, type(a.node), a.binding.action, a.binding.description, a.enabled)
                       for key, a in under.active_bindings.items())
        keymap = tuple(sorted((getattr(self.app, "_keymap", {}) or {}).items()))
        return type(under), active, keymap

    def compose(self):
        self._shown_for = self._keys_of(self.under)
        with VerticalScroll(id="help-body"):
            yield Static(self._content(), id="help-text")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def reopen(self, under: Screen[Any] | None) -> None:
        """Kept built (as forms and dialogs are, issue 20): the keys of ``under`` now, from the top.
        The text is rendered again only when they differ from what it shows (a long table:
        rendering it is most of the cost of opening the help)."""
        self.under = under
        shown = self._keys_of(under)
        if shown != self._shown_for:
            self.query_one("#help-text", Static).update(self._content())
            self._shown_for = shown
        body = self.query_one("#help-body")
        body.scroll_home(animate=False, immediate=True)
        self.set_focus(body)

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
        targets = [(title, load()) for title, load in HELP_TARGETS]
        under = type(self.under) if self.under is not None else None
        if under is not None:
            title = next((t for t, cls in targets if cls is under), screen_title(under))
            groups.append(self._table(f"Here: {title}", self._rows(self._working_here())))
        app_rows = self._rows(bindings_of(type(self.app), keymap))
        app_rows.append((self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING, "")),
                         "Command palette", "every action by name; type a reference to open it"))
        groups.append(self._table("Everywhere", app_rows))
        groups.append(self._markers())
        here = {type(a.node) for a in self.under.active_bindings.values()} if self.under else set()
        for title, cls in targets:
            if cls is not under and cls not in here:
                groups.append(self._table(f"Elsewhere: {title}", self._rows(bindings_of(cls, keymap))))
        return Group(*groups)

    def _working_here(self) -> list[tuple[str, Binding]]:
        """The keys that do something on the screen under the help, right now: its own
        and its focused widgets' (the user's keymap applied), not the app-wide ones,
        none its check_action turns off."""
        assert self.under is not None
        merged: dict[tuple[str, str], tuple[list[str], Binding]] = {}
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            if (active.node is self.app or not active.enabled or not binding.description
                    or binding.action.startswith("app.")):
                continue
            if not binding.id and binding.action not in _own_actions(type(active.node)):
                continue  # Textual's generic scroll/copy keys of a focused widget
            keys, _ = merged.setdefault((binding.action, binding.description), ([], binding))
            if key not in keys:
                keys.append(key)
        return [(",".join(keys), binding) for keys, binding in merged.values()]

    def _markers(self) -> RenderableType:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True, min_width=12)
        table.add_column()
        for mark, meaning in MARKERS:
            table.add_row(Text(mark), Text(meaning))
        return Group(Text("Markers", style="bold underline"), table, Text(""))

    def action_close(self) -> None:
        self.dismiss(None)
