"""A table whose cursor is a row: Home and End go to the first and last row, j and k move."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    """A :class:`DataTable` of rows, as the queues move: Home/End go to the first/last row.

    Textual's own Home/End scroll to the first/last *column* (ctrl+Home/End move between
    rows), which on a row cursor does nothing: Home then Enter opened the wrong review.
    """

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
        Binding("j", "cursor_down", "Down", show=False),  # as in the queues (README: keys)
        Binding("k", "cursor_up", "Up", show=False),
    ]
