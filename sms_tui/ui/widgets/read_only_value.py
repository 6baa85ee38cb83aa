"""A field a form shows but does not edit: its value is recorded by another action."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from .. import display


class ReadOnlyValue(Static):
    """A record's value in a form, read-only and no focus stop (e.g. a change's outcome,
    recorded by ``o`` on the change when its implementation ends, as the status dialog
    says). ``value`` is read and set like an input's, so the form's reload and reopen put
    the record's value in it; the save never reads it."""

    def __init__(self, value: str, *, empty: str, note: str = "", id: str | None = None) -> None:
        super().__init__(id=id, classes="read-only-value")
        self._empty, self._note = empty, note
        self._value = ""
        self.value = value

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, value: str) -> None:
        self._value = value or ""
        if self._value:
            shown = display.line(self._value.replace("_", " "), style="bold")
            if self._note:
                shown.append(f"  ({self._note})", style="dim")
        else:
            shown = Text(self._empty, style="dim")
        self.update(shown)
