"""A record's journal, newest first: who did what when, what changed, and the note."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ...services.core.views import JournalView
from .. import display
from .prerendered import Prerendered


def _value(value: Any) -> str:
    if value in (None, ""):
        return "–"
    return str(value)


def entry_renderable(entry: JournalView) -> RenderableType:
    """One entry: a heading line, one line per changed field, then the note as written."""
    head = Text.assemble(
        (display.when(entry.at), "bold"), "  ", display.line(entry.actor), "  ",
        (entry.action.replace("_", " "), "bold"),
    )
    lines: list[RenderableType] = [head]
    for field, (old, new) in entry.changes.items():
        lines.append(Text.assemble(
            "  ", (field.replace("_", " "), "italic"), ": ",
            display.line(_value(old), limit=60), " → ", display.line(_value(new), limit=60),
        ))
    if entry.note:
        lines.append(Padding(display.block(entry.note), (0, 0, 0, 2)))
    return Group(*lines, Text(""))


class JournalList(Prerendered):
    """Every journal entry of a record (the services return them newest first)."""

    DEFAULT_CSS = "JournalList { height: auto; }"

    def show(self, entries: list[JournalView]) -> None:
        if not entries:
            self.show_renderable(Text("No journal entries.", style="dim"))
            return
        self.show_renderable(Group(*(entry_renderable(e) for e in entries)))
