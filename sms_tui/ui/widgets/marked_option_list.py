"""An OptionList whose highlighted option carries a '›' in its first cell.

Textual marks the highlighted option by colour only, which NO_COLOR and
monochrome terminals lose. Prompts given to this list should start with a
space: the marker is drawn there.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import OptionList

MARK = "›"


class MarkedOptionList(OptionList):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            index, offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return strip
        if offset or index != self.highlighted or not strip.cell_length:
            return strip
        first = next(iter(strip), None)
        style = first.style if first is not None else None
        return Strip.join([Strip([Segment(MARK, style)], 1), strip.crop(1)])
