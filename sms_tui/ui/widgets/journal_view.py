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


def _lines_at_least(entry: JournalView) -> int:
    """How many lines ``entry`` takes at the least (its note's lines unwrapped)."""
    return 2 + len(entry.changes) + (entry.note.count("\n") + 1 if entry.note else 0)


class JournalList(Prerendered):
    """Every journal entry of a record (the services return them newest first).

    Drawing a long journal is most of the cost of showing a record (a major incident's
    thirty entries took longer than reading the record, issue 20). The entries that can
    show on the terminal are drawn with the record; the rest right after its first frame,
    before the analyst can scroll to them.
    """

    DEFAULT_CSS = "JournalList { height: auto; }"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: list[JournalView] | None = None

    def show(self, entries: list[JournalView]) -> None:
        self._shown = entries
        if not entries:
            self.show_renderable(Text("No journal entries.", style="dim"))
            return
        lines, first = 0, 0
        while first < len(entries) and lines < self.app.size.height:
            lines += _lines_at_least(entries[first])
            first += 1
        self.show_renderable(Group(*(entry_renderable(e) for e in entries[:first])))
        if first < len(entries):
            self.call_after_refresh(self._show_rest, entries)

    def _show_rest(self, entries: list[JournalView]) -> None:
        if self._shown is entries:  # not another record's since
            self.show_renderable(Group(*(entry_renderable(e) for e in entries)))
