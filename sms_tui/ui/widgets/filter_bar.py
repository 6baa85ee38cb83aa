"""The line above a queue naming the queue, how many records match, and the filter."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...services.core.views import QueueFilter
from .. import display


class FilterBar(Widget):
    """'Incidents  12 records  open · P1 · text "vpn"' -- the active filter is always on screen."""

    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        padding: 0 1;
        & > .filter-bar--title { text-style: bold; }
        & > .filter-bar--filter { color: $text-accent; }
    }
    """
    COMPONENT_CLASSES = {"filter-bar--title", "filter-bar--filter"}

    def __init__(self, title: str, flt: QueueFilter, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.flt = flt
        self.total: int | None = None

    def show(self, flt: QueueFilter, total: int | None) -> None:
        self.flt, self.total = flt, total
        self.refresh()

    def render(self) -> Text:
        title_style = self.get_component_rich_style("filter-bar--title", partial=True)
        filter_style = self.get_component_rich_style("filter-bar--filter", partial=True)
        if self.total is None:
            count = "loading…"
        else:
            count = f"{self.total:,} record{'s' if self.total != 1 else ''}"
        # holds the analyst's search text: cut to the room left, or a long word went to a
        # second line the bar does not have, and the search text vanished
        room = self.size.width - len(self.title) - len(count) - len("    filter: ")
        described = display.line(self.flt.describe(), limit=max(12, room) if self.size.width else None)
        described.stylize(filter_style)
        return Text.assemble(
            (self.title, title_style), "  ", count, "  ", ("filter: ", "bold"), described,
            end="", no_wrap=True, overflow="ellipsis",
        )
