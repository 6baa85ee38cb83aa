"""Where typing goes on in a field the desk filled in: after its text."""

from __future__ import annotations

from typing import Any


def cursors_to_end(node: Any) -> None:
    """Every text field under ``node`` with its cursor after its text.

    Textual's Input puts the cursor at the end only the first time its value is set; a kept
    dialog or form refilled for another record, or a draft put back, kept the cursor at 0, so
    keys typed right away went in front of the text (``a`` then ``Z`` assigned "Zesilva").
    """
    from textual.widgets import Input, TextArea

    for widget in node.query("Input, TextArea"):
        if isinstance(widget, TextArea):
            widget.move_cursor(widget.document.end)
        elif isinstance(widget, Input):
            widget.cursor_position = len(widget.value)
