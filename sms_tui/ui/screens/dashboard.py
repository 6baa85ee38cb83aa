"""Home: open records per queue and priority, and where to go next.

Later features (overdue reviews, breaches, the outbox) add their own panels
to ``compose`` below the counts.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from ...domain.kinds import KINDS, Kind
from ..sections import QUEUE_SECTION, SECTIONS
from ..widgets.desk_footer import DeskFooter
from ..widgets.row_table import RowTable
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .reviews_home import OverdueReviews

PRIORITIES = (1, 2, 3, 4, 5)


class DashboardScreen(DeskScreen):
    """Counts of open records by queue and priority; Enter opens the queue."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS = [
        Binding("enter", "open_queue", "Open queue", id="home.open"),
        Binding("r", "reload", "Refresh", id="home.reload", show=False),
    ]

    def compose(self):
        yield Header()
        yield SectionBar("home")
        with VerticalScroll(id="home-body"):
            yield Static(Text("Open records by priority", style="bold"), id="home-title")
            # a RowTable as every list: j/k move, and '›' marks the queue Enter opens (under
            # NO_COLOR the highlighted row was told only by bold)
            table: DataTable = RowTable(id="counts", cursor_type="row", zebra_stripes=False)
            table.add_column("Queue", key="queue", width=14)
            for p in PRIORITIES:
                table.add_column(Text(f"P{p}", justify="right"), key=f"p{p}", width=5)
            table.add_column(Text("Open", justify="right"), key="open", width=6)
            yield table
            yield OverdueReviews(id="home-reviews")
            yield Static(id="home-hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#counts", DataTable).focus()
        keys = " · ".join(f"{s.key_label} {s.title}" for s in SECTIONS if s.name != "home")
        self.query_one("#home-hint", Static).update(Text.assemble(
            ("Enter", "bold"), " opens the highlighted queue.  ", ("Keys: ", "bold"), keys,
            "  ·  ? help  ·  ctrl+p commands"))

    def load(self) -> None:
        self.service(self.backend.records.dashboard, self._show, group="home", exclusive=True)
        self.query_one(OverdueReviews).load()

    def action_reload(self) -> None:
        self.load()

    def _show(self, counts: dict[str, dict[int, int]]) -> None:
        table = self.query_one("#counts", DataTable)
        row = table.cursor_row
        table.clear()
        totals = dict.fromkeys(PRIORITIES, 0)
        for kind in Kind:
            per = counts.get(kind.value, {})
            cells: list[Text] = [Text(KINDS[kind].plural.replace("-", " ").capitalize())]
            for p in PRIORITIES:
                n = per.get(p, 0)
                totals[p] += n
                # P1s carry a marker, not only a colour
                cells.append(Text(f"{n}●" if p == 1 and n else str(n) if n else "·",
                                  style="bold" if p == 1 and n else "", justify="right"))
            cells.append(Text(str(sum(per.values())), style="bold", justify="right"))
            table.add_row(*cells, key=kind.value)
        total_cells = [Text("All", style="bold")]
        total_cells += [Text(str(totals[p]), style="bold", justify="right") for p in PRIORITIES]
        total_cells.append(Text(str(sum(totals.values())), style="bold", justify="right"))
        table.add_row(*total_cells, key="all")
        table.move_cursor(row=min(row, len(Kind) - 1))

    def action_open_queue(self) -> None:
        table = self.query_one("#counts", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        if key in QUEUE_SECTION:
            self.app.switch_mode(QUEUE_SECTION[key])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_queue()
