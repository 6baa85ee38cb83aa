"""Which field a refusal is about, so that the dialog moves the focus there.

After "an escalation needs a reason" the analyst types the reason at once: if
the focus stayed where it was, the reason went into the name (issue 13). A
dialog's own checks raise :class:`FieldError` naming the widget; a refusal
from a service is matched to the field whose label it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..domain.errors import ValidationError

MIN_LABEL = 4  # "To", "CI": too common as words to be recognised in a sentence


class FieldError(ValidationError):
    """A refusal about one field of a dialog: ``field`` is the id of its widget."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def named_field(message: str, candidates: Iterable[tuple[str, Any]]) -> Any | None:
    """The widget of the (label, widget) pair whose label ``message`` names as a word, longest
    label first; None when it names none."""
    text = message.lower()
    for label, widget in sorted(candidates, key=lambda pair: len(pair[0]), reverse=True):
        words = label.strip().lower()
        if len(words) >= MIN_LABEL and re.search(rf"\b{re.escape(words)}\b", text):
            return widget
    return None


def labelled_fields(screen: Any) -> list[tuple[str, Any]]:
    """(label, widget) for each ``.field`` row of ``screen``: its label and its first focusable widget."""
    from textual.widgets import Label

    pairs = []
    for row in screen.query(".field"):
        label = next((w for w in row.children if isinstance(w, Label)), None)
        widget = next((w for w in row.children if w.focusable), None)
        if label is not None and widget is not None:
            pairs.append((str(label.render()), widget))
    return pairs


def focus_field_in_error(screen: Any, exc: Exception,
                         candidates: Iterable[tuple[str, Any]] | None = None) -> Any | None:
    """Focus the widget ``exc`` is about (a :class:`FieldError`'s, else the one its message
    names among ``candidates``, by default the screen's labelled rows); returns it, or None."""
    widget = None
    name = getattr(exc, "field", None)
    if isinstance(name, str) and name:
        widget = next(iter(screen.query(f"#{name}")), None)
    if widget is None:
        widget = named_field(str(exc), labelled_fields(screen) if candidates is None else candidates)
    if widget is not None:
        widget.focus()
    return widget
