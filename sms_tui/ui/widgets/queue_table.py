"""A queue of records that pages from the database and renders only what is visible.

Toolong's approach rather than ``DataTable``'s: the widget knows the total
(``source.count()``), sets its virtual height to it, and in ``render_line``
draws the visible rows only, fetching the pages they fall in (``source.rows``
with an offset and a limit) in thread workers and keeping a bounded cache of
pages. A million-record queue costs what a fifty-record one does.

The cursor is a row index; ``reload`` keeps it on the same record when the
data changes underneath (another process wrote) if that record is still near.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...domain.text import clip
from ...services.core.views import QueueFilter, RecordRow
from .. import display
from ..work import run_service
from .marked_option_list import MARK, MARK_UNFOCUSED
from .queue_columns import COLUMNS, Column, layout

if TYPE_CHECKING:
    from ...services.core.records import RecordService

PAGE = 100  # rows per fetch
MAX_PAGES = 40  # pages kept; older ones are fetched again when scrolled back to
MAX_LINES = 2000  # drawn lines kept; beyond this the cache starts again


@dataclass(frozen=True)
class RecordQueue:
    """A queue source: one kind under one filter, read through the RecordService."""

    records: RecordService
    kind: str
    flt: QueueFilter
    # pages by keyset from a neighbouring page, the far half from the end (issue 9)
    pager: Any = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        from ...services.core.queue_query import QueuePager  # not before the first paint

        object.__setattr__(self, "pager", QueuePager(self.records, self.kind, self.flt))

    def count(self) -> int:
        return self.pager.count()

    @property
    def count_reads_rows(self) -> bool:
        return self.pager.count_reads_rows

    def rows(self, offset: int, limit: int) -> list[RecordRow]:
        return self.pager.rows(offset, limit)


class QueueSource(Protocol):
    """Where a queue's rows come from (a RecordService call with a filter)."""

    def count(self) -> int: ...

    def rows(self, offset: int, limit: int) -> list[RecordRow]: ...


# every style a line is drawn in ("": the widget's own)
STYLE_NAMES = ("", "queue-table--header", "queue-table--cursor", "queue-table--cursor-blurred",
               "queue-table--urgent", "queue-table--closed", "queue-table--placeholder")


class QueueTable(ScrollView, can_focus=True):
    """The rows of one queue, with a cursor."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--cursor-blurred",
        "queue-table--urgent",
        "queue-table--closed",
        "queue-table--placeholder",
    }

    DEFAULT_CSS = """
    QueueTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
        & > .queue-table--header { text-style: bold underline; background: $panel; }
        & > .queue-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .queue-table--cursor-blurred { background: $block-cursor-blurred-background; }
        & > .queue-table--urgent { text-style: bold; }
        & > .queue-table--closed { color: $text-muted; }
        & > .queue-table--placeholder { color: $text-muted; text-style: italic; }
    }
    """

    class Selected(Message):
        """Enter was pressed on a row."""

        def __init__(self, row: RecordRow) -> None:
            self.row = row
            super().__init__()

    class Loaded(Message):
        """The count (and the first window) arrived after a reload."""

        def __init__(self, total: int) -> None:
            self.total = total
            super().__init__()

    def __init__(self, *, clock: Callable[[], datetime] | None = None,
                 columns: list[Column] | None = None, empty_text: str = "Nothing here.",
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.columns = columns or COLUMNS
        self.empty_text = empty_text
        self.source: QueueSource | None = None
        self.total: int | None = None  # None until the first count arrives
        self.cursor = 0
        self._pages: OrderedDict[int, list[RecordRow]] = OrderedDict()
        self._pending: set[int] = set()
        self._missing: set[int] = set()
        self._fetch_scheduled = False
        self._generation = 0
        self._lines: dict[tuple[int, int, int], Strip] = {}
        self._styles_by_name: dict[str, Style] = {}
        self._drawn_with: tuple[Style, ...] | None = None  # the styles the kept lines were drawn in
        self._counted_source: QueueSource | None = None  # whose count self.total is
        self._layout: tuple[int, list[tuple[Column, int]]] | None = None

    # ------------------------------------------------------------------ data
    @property
    def current_row(self) -> RecordRow | None:
        """The record under the cursor, if its page is loaded."""
        return self._row(self.cursor) if self.total else None

    def set_source(self, source: QueueSource, *, keep_cursor: bool = False,
                   hold_keys: bool = False) -> None:
        """Show another filter's rows; the cursor stays on its record if the first rows hold
        it, else goes to the top (``keep_cursor``: it stays where it is).

        ``hold_keys``: keys typed meanwhile wait for the new rows (a search or a filter the
        analyst asked for: Enter right after it opens a row of the new rows, as typed slowly)."""
        # (a search cleared with Esc: the record the analyst was on, not the search's first row)
        follow = None if keep_cursor else self.current_row
        self.source = source
        if not keep_cursor:
            self.cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        self.reload(hold_keys=hold_keys, follow=follow)

    def show_first_page(self, total: int, rows: list[RecordRow], last: list[RecordRow] = (),
                        last_start: int = 0) -> None:
        """Rows read before the services were open (issue 9), shown until :meth:`set_source`:
        the first page, and the last (``last``, from row ``last_start``) so that End works.

        Pages between show "…" until the source arrives and fetches them.
        """
        if self.source is not None:
            return  # the services were quicker: their rows are on their way or shown
        self._generation += 1
        self._put_rows(0, rows[:PAGE])
        if last and last_start % PAGE == 0:
            self._pages[last_start // PAGE] = list(last[:PAGE])
        self.cursor = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._set_total(total)
        self.post_message(self.Loaded(total))

    def reload(self, *, hold_keys: bool = False, follow: RecordRow | None = None) -> None:
        """Count again and fetch the window around the cursor, keeping it on its record.

        The rows and the count are read at once, in two workers, and the rows are
        shown as soon as they arrive: counting the 370,000 P3 incidents of a million
        reads their whole index (30 ms when cached, 300 ms from disk) while their
        first page takes a few milliseconds. Until the count arrives the queue is as
        long as what is known of it (the filter bar says "loading…").
        """
        if self.source is None:
            return
        self._generation += 1
        generation, source = self._generation, self.source
        keep = self.current_row
        same_queue = self._counted_source is source and self.total is not None
        # only the page(s) on screen: every row fetched costs its SLA reading too (issue 9)
        top = round(self.scroll_y)
        first_page = top // PAGE
        pages = (top + self._body_height) // PAGE - first_page + 1
        state: dict[str, Any] = {}

        def show_rows(rows: list[RecordRow]) -> None:
            # the record under the cursor when the rows arrive: a key that moved the cursor
            # while they were read (the services taking over the first page) is not undone
            held = follow if follow is not None else (self.current_row or keep)
            self._put_rows(first_page, rows)
            if held is not None:
                for i, row in enumerate(rows):
                    if row.ref == held.ref:
                        self.cursor = first_page * PAGE + i
                        break

        def counted(total: int) -> None:
            self._counted_source = source
            self._set_total(total)
            self.post_message(self.Loaded(total))

        if getattr(source, "count_reads_rows", False):  # its pages come from what it counted
            def fetch() -> tuple[int, list[RecordRow]]:
                total = source.count()
                return total, source.rows(first_page * PAGE, pages * PAGE) if total else []

            def arrived(result: tuple[int, list[RecordRow]]) -> None:
                if generation == self._generation:
                    show_rows(result[1])
                    counted(result[0])

            run_service(self, fetch, arrived, group="queue-reload", exclusive=True,
                        opens_screen=hold_keys)
            return

        def rows_arrived(rows: list[RecordRow]) -> None:
            if generation != self._generation:
                return  # a newer reload is on its way
            show_rows(rows)
            state["rows"] = True
            if "total" in state:
                counted(state["total"])
                return
            known = first_page * PAGE + len(rows)
            if first_page == 0 and len(rows) < pages * PAGE:
                counted(known)  # the whole queue is here: that is the count
                state["done"] = True
            else:  # as long as what is known, until the count arrives
                self._set_total(max(known, self.total or 0) if same_queue else known)

        def count_arrived(total: int) -> None:
            if generation != self._generation or state.get("done"):
                return
            state["total"] = total
            if state.get("rows"):
                counted(total)

        run_service(self, lambda: source.rows(first_page * PAGE, pages * PAGE), rows_arrived,
                    group="queue-reload", exclusive=True, opens_screen=hold_keys)
        run_service(self, source.count, count_arrived, group="queue-count", exclusive=True)

    def _put_rows(self, first_page: int, rows: list[RecordRow]) -> None:
        """Forget every page, then keep ``rows`` as the pages from ``first_page`` on."""
        self._pages.clear()
        self._pending.clear()
        for i in range(0, len(rows), PAGE):
            self._pages[first_page + i // PAGE] = rows[i:i + PAGE]

    def _set_total(self, total: int) -> None:
        self.total = total
        self.cursor = max(0, min(self.cursor, total - 1))
        self._lines.clear()
        self.virtual_size = Size(0, total + 1)  # (see on_resize)
        self._scroll_cursor_into_view()
        # and again once the new size is laid out: a scroll now is bounded by the old one
        # (a search of one row cleared, the cursor kept on its record further down, was
        # left below the screen with no row marked)
        self.call_after_refresh(self._scroll_cursor_into_view)
        self.refresh()

    def _row(self, index: int) -> RecordRow | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        self._pages.move_to_end(index // PAGE)
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

    def _fetch_missing(self) -> None:
        """Fetch the pages the last render lacked: one query per run of adjacent pages.

        A window on the boundary of two pages (or a jump to the end) costs one
        query, not two; on a large queue each query is the expensive part.
        """
        self._fetch_scheduled = False
        missing = sorted(self._missing - self._pending - set(self._pages))
        self._missing.clear()
        if not missing or self.source is None:
            return
        runs: list[list[int]] = [[missing[0]]]
        for page in missing[1:]:
            if page == runs[-1][-1] + 1:
                runs[-1].append(page)
            else:
                runs.append([page])
        for run in runs:
            self._request_pages(run[0], len(run))

    def _request_pages(self, first: int, count: int) -> None:
        pages = range(first, first + count)
        self._pending.update(pages)
        generation, source = self._generation, self.source
        assert source is not None

        def arrived(rows: list[RecordRow]) -> None:
            if generation != self._generation:
                return
            for page in pages:
                self._pending.discard(page)
                offset = (page - first) * PAGE
                self._pages[page] = rows[offset:offset + PAGE]
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
            self.refresh()  # lines waiting for these rows were not cached: they draw now

        run_service(self, lambda: source.rows(first * PAGE, count * PAGE), arrived, group="queue-page")

    def refresh_ages(self) -> None:
        """Ages move with the clock; redraw them."""
        self._lines.clear()
        self.refresh()

    # ---------------------------------------------------------------- cursor
    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # minus the header line

    def move_cursor(self, index: int) -> None:
        if not self.total:
            return
        self.cursor = max(0, min(index, self.total - 1))
        self._scroll_cursor_into_view()
        self.refresh()  # only the old and new cursor lines are drawn again (see render_line)

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self._body_height:
            self.scroll_to(y=self.cursor - self._body_height + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * self._body_height)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor((self.total or 1) - 1)

    def action_select(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Selected(row))

    def on_click(self, event) -> None:
        if event.y >= 1 and self.total:
            self.move_cursor(round(self.scroll_y) + event.y - 1)
            if event.chain == 2:
                self.action_select()

    def on_focus(self) -> None:
        self._refresh_cursor_line()

    def on_blur(self) -> None:
        self._refresh_cursor_line()

    _focus_drawn: bool | None = None

    def focus(self, scroll_visible: bool = True) -> Any:
        self._focus_drawn = not self.has_focus  # the refresh Textual asks for here: see refresh
        return super().focus(scroll_visible)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Any:
        """Textual draws a widget whole when it gains or loses the focus; here only the
        cursor's line shows the focus, so only it is drawn again."""
        if (not regions and repaint and not layout and not recompose
                and self._focus_drawn is not None and self._focus_drawn != self.has_focus):
            self._focus_drawn = self.has_focus
            self._refresh_cursor_line()
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _refresh_cursor_line(self) -> None:
        """Only the cursor's line shows the focus (› or ·): the other lines are not drawn
        again when it comes or goes (the search box, a dialog)."""
        y = self.cursor - round(self.scroll_y) + 1  # under the column header
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))
        else:
            self.refresh()

    def notify_style_update(self) -> None:
        """The styles may have changed: the kept lines are drawn again if the styles they are
        drawn in did. A change of focus comes here too (the search box, a dialog): it changes
        only the cursor's line, which is kept per focus, so the rows are not all redrawn
        (leaving the search box redrew every visible row: 17 ms)."""
        super().notify_style_update()
        self._styles_by_name.clear()  # the kept lines are checked at the next render

    def _check_styles(self) -> None:
        drawn_with = tuple(self._style(name) for name in STYLE_NAMES)
        if drawn_with != self._drawn_with:
            self._drawn_with = drawn_with
            self._lines.clear()

    def on_resize(self) -> None:
        # lines are kept by width: a change of height alone (the search box shown or hidden)
        # keeps them, and leaving the search box no longer draws every row again
        if len(self._lines) > MAX_LINES:
            self._lines.clear()
        if self.total is not None:
            # no width: a line is as wide as the table (overflow-x hidden), and a width here
            # changed when the search box hid, asking for one more layout pass (16 ms more
            # to leave the search box)
            self.virtual_size = Size(0, self.total + 1)
            self._scroll_cursor_into_view()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if len(self._lines) > MAX_LINES:
            self._lines.clear()

    # ---------------------------------------------------------------- render
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if not self._styles_by_name:  # the styles were updated (or never looked up)
            self._check_styles()
        if y == 0:
            return self._header(width)
        if self.total is None:
            return self._message("Loading…" if y == 1 else "", width)
        if self.total == 0:
            return self._message(self.empty_text if y == 1 else "", width)
        index = round(self.scroll_y) + y - 1
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        # Lines are drawn once and kept: only the cursor's line depends on the cursor
        # and the focus, so moving the cursor or the focus redraws two lines, not all.
        key = (index, width, (1 if self.has_focus else 2) if index == self.cursor else 0)
        cached = self._lines.get(key)
        if cached is not None:
            return cached
        row = self._row(index)
        if row is None:
            self._pending_page_later(index // PAGE)
            return self._message("…", width, cursor=index == self.cursor)
        strip = self._render_row(row, width, index == self.cursor)
        self._lines[key] = strip
        return strip

    def _pending_page_later(self, page: int) -> None:
        # collected during this render, fetched together right after it
        if page not in self._pending:
            self._missing.add(page)
            if not self._fetch_scheduled:
                self._fetch_scheduled = True
                self.call_later(self._fetch_missing)

    def _cells(self, width: int) -> list[tuple[Column, int]]:
        # one cell for the cursor gutter; laid out once per width, not once per line
        if self._layout is None or self._layout[0] != width:
            self._layout = (width, layout(self.columns, width - 1))
        return self._layout[1]

    def _assemble(self, parts: list[tuple[Text | str, int, str]], gutter: str) -> Text:
        line = Text(gutter, end="")
        for i, (value, size, justify) in enumerate(parts):
            cell = value.copy() if isinstance(value, Text) else Text(value, end="")
            if cell.cell_len > size and not cell.spans:  # titles: between words, refs whole
                cell = Text(clip(cell.plain, size), style=cell.style, end="")
            cell.truncate(size, overflow="ellipsis", pad=False)
            if cell.cell_len < size:
                pad = " " * (size - cell.cell_len)
                cell = Text.assemble(pad, cell) if justify == "right" else Text.assemble(cell, pad)
            if i:
                line.append(" ")
            line.append_text(cell)
        return line

    def _to_strip(self, text: Text, width: int, style: Style) -> Strip:
        segments = list(text.render(self.app.console, end=""))
        strip = Strip(segments).adjust_cell_length(width)
        return strip.apply_style(self._style("") + style)

    def _header(self, width: int) -> Strip:
        parts = [(c.header, w, c.justify) for c, w in self._cells(width)]
        style = self._style("queue-table--header")
        return self._to_strip(self._assemble(parts, " "), width, style)

    def _message(self, text: str, width: int, cursor: bool = False) -> Strip:
        style = self._style("queue-table--placeholder")
        if cursor:
            style += self._cursor_style()
        return self._to_strip(Text((" › " if cursor else "   ") + text, end=""), width, style)

    def _style(self, name: str) -> Style:  # a name in STYLE_NAMES
        """A component's style ("": the widget's own), looked up once until the styles
        change (every row uses them)."""
        style = self._styles_by_name.get(name)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles_by_name[name] = style
        return style

    def _cursor_style(self) -> Style:
        name = "queue-table--cursor" if self.has_focus else "queue-table--cursor-blurred"
        return self._style(name)

    def _render_row(self, row: RecordRow, width: int, is_cursor: bool) -> Strip:
        now = self.clock()
        parts = [(c.cell(row, now), w, c.justify) for c, w in self._cells(width)]
        # The gutter marks the cursor with a character, so it shows without colour too.
        # (· while the table does not have the focus: the search box has it, or a dialog)
        text = self._assemble(parts, (MARK if self.has_focus else MARK_UNFOCUSED) if is_cursor else " ")
        style = Style()
        if not row.is_open:
            style += self._style("queue-table--closed")
        if display.is_urgent(row.priority, row.major):
            style += self._style("queue-table--urgent")
        if is_cursor:
            style += self._cursor_style()
        return self._to_strip(text, width, style)

