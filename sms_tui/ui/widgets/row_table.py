"""A table whose cursor is a row: Home and End go to the first and last row, j and k move,
and the cursor's row is marked with '›' (NO_COLOR and monochrome terminals show no
highlight colour), '·' while the table does not have the focus."""

from __future__ import annotations

from rich.segment import Segment
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import DataTable

from .marked_option_list import MARK, MARK_UNFOCUSED


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

    def render_line(self, y: int) -> Strip:
        """The line, with the mark in the cell padding left of the cursor row's first cell
        (rows are one line high here, and no row is fixed)."""
        strip = super().render_line(y)
        if (self.cursor_type != "row" or not self.show_cursor or self.fixed_rows
                or self.scroll_offset.x or not self.row_count):
            return strip
        header = self.header_height if self.show_header else 0
        row = y - header + self.scroll_offset.y
        if y < header or row != self.cursor_row or row >= self.row_count:
            return strip
        first = next(iter(strip), None)
        if first is None or not first.text.startswith(" "):
            return strip  # no padding to draw in
        mark = MARK if self.has_focus else MARK_UNFOCUSED
        return Strip.join([Strip([Segment(mark, first.style)], 1), strip.crop(1)])

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
