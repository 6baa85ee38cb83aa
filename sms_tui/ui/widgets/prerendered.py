"""A Static that draws its Rich renderable (a table, a group) to plain lines once per width.

Textual measures a renderable's height by rendering it, and then renders it again
to draw it: for a record's field grid and journal that was half the cost of
opening a record (issue 9). Lines of text measure for nothing, so this widget
renders once for its width and shows the lines; a resize draws them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import Static

Source = RenderableType | Callable[[int], RenderableType]


class Prerendered(Static):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._source: Source | None = None
        self._drawn_width = 0

    def show_renderable(self, source: Source) -> None:
        """Show ``source``: a renderable, or a function of the width returning one."""
        self._source = source
        self._draw()

    def _width(self) -> int:
        if self.size.width:
            return self.size.width
        return max(20, self.app.size.width - 4)  # not laid out yet: about the body's width

    def _draw(self) -> None:
        if self._source is None:
            return
        width = self._width()
        renderable = self._source(width) if callable(self._source) else self._source
        console = self.app.console
        lines = console.render_lines(renderable, console.options.update_width(width), pad=False)
        text = Text("\n", end="", no_wrap=True, overflow="crop").join(
            Text.assemble(*((seg.text, seg.style) for seg in line if not seg.control), end="")
            for line in lines)
        self._drawn_width = width
        self.update(text)

    def on_resize(self) -> None:
        if self._source is not None and self.size.width and self.size.width != self._drawn_width:
            self._draw()
