"""Improvement opportunities (10.2) and nonconformities (10.1): their queue and detail.

Reached with ``g`` from the review queue. The queue lists both kinds, open ones
first (``f`` shows all); Enter opens one. In the detail, ``t`` moves it along
its lifecycle (the dialog asks for what the next status needs: a decision note,
a root cause, how effectiveness was verified), ``a`` adds a corrective action
to a nonconformity and space marks the highlighted action done.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from .. import display
from ..widgets.desk_footer import DeskFooter
from ..widgets.row_table import RowTable
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .finding import KIND_LABEL, FindingScreen
from .service_lookup import review_service


class FindingsScreen(DeskScreen):
    """Both queues in one table: kind, reference, status, title, owner, the review that found it."""

    CSS_PATH = "reviews.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="findings.back"),
        Binding("enter", "open", "Open", id="findings.open", show=False),
        Binding("f", "toggle_open", "Open/all", id="findings.filter"),
        Binding("r", "reload", "Refresh", id="findings.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.open_only = True
        self.rows: list[Any] = []

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        yield Static(id="findings-title")
        yield RowTable(id="findings-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="findings-empty", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#findings-table", DataTable).focus()

    def load(self) -> None:
        backend, open_only = self.backend, self.open_only

        def fetch() -> list[Any]:
            reviews = review_service(backend)
            return (reviews.list_findings("nonconformity", open_only=open_only)
                    + reviews.list_findings("improvement", open_only=open_only))

        self.service(fetch, self._show, group="findings", exclusive=True)

    def _show(self, rows: list[Any]) -> None:
        self.rows = rows
        self.query_one("#findings-title", Static).update(Text.assemble(
            ("Findings  ", "bold"), "open ones" if self.open_only else "all",
            "  ·  NC nonconformity (NC▲ major)  ·  OFI improvement"))
        table = self.query_one("#findings-table", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        title_width = max(16, self.size.width - (4 + 10 + 14 + 8 + 10) - 2 * 6 - 2)
        table.add_column("Kind", key="kind", width=4)
        table.add_column("Ref", key="ref", width=10)
        table.add_column("Status", key="status", width=14)
        table.add_column("Title", key="title", width=title_width)
        table.add_column("Owner", key="owner", width=8)
        table.add_column("Review", key="review", width=10)
        for row in rows:
            kind = KIND_LABEL[row.kind] + ("▲" if row.severity == "major" else "")
            table.add_row(Text(kind, style="bold" if row.severity == "major" else ""),
                          Text(row.ref), Text(display.status_label(row.status)),
                          display.line(row.title, limit=title_width - 1),  # as the table shows it
                          display.line(row.owner or "–", limit=7),
                          Text(row.review_ref or "–"), key=row.ref)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        hint = self.query_one("#findings-empty", Static)
        hint.update(Text("Nothing here. From a review, i records an improvement opportunity and "
                         "n a nonconformity.", style="dim"))
        hint.display = not rows

    def action_open(self) -> None:
        table = self.query_one("#findings-table", DataTable)
        if self.rows and table.row_count:
            ref = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            self.app.push_screen(FindingScreen(ref))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_toggle_open(self) -> None:
        self.open_only = not self.open_only
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.load()
