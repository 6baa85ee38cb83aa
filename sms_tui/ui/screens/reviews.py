"""The review queue (section 6): overdue, due soon and upcoming reviews, then finished ones.

Each row says where the review stands in words with a marker ("‼ OVERDUE",
"! due soon", "✓ done"), not by colour alone. Enter opens the review; ``s``
opens the schedule editor; ``g`` the findings (improvement opportunities and
nonconformities); ``f`` switches between open, finished and all.
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
from .reviews_common import date, state_text
from .service_lookup import review_service

FILTERS = ("open", "finished", "all")
SHOWN = 500  # reviews listed at most; the command line lists them all
FILTER_TEXT = {"open": "open reviews, most urgent first", "finished": "done and skipped, newest first",
               "all": "every review"}
# fixed column widths; the review title takes what is left
WIDTHS = {"state": 10, "ref": 10, "due": 10, "clause": 7, "checklist": 4}


class ReviewQueueScreen(DeskScreen):
    """Review tasks raised by the schedules and by events."""

    CSS_PATH = "reviews.tcss"
    BINDINGS = [
        Binding("enter", "open_review", "Open", id="reviews.open", show=False),
        Binding("f", "cycle_filter", "Open/finished/all", id="reviews.filter"),
        Binding("s", "schedules", "Schedules", id="reviews.schedules"),
        Binding("g", "findings", "Findings", id="reviews.findings",
                tooltip="Improvement opportunities and nonconformities found by reviews"),
        Binding("u", "raise_due", "Raise due now", id="reviews.raise",
                tooltip="Raise every review that has fallen due (the scheduler does this by itself)"),
        Binding("r", "reload", "Refresh", id="reviews.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = "open"
        self.rows: list[Any] = []

    def compose(self):
        yield Header()
        yield SectionBar("reviews")
        yield Static(Text("Reviews  loading…"), id="review-summary")
        yield Static(id="review-filter", classes="hint")
        yield RowTable(id="review-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="review-empty", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#review-table", DataTable).focus()
        self._show_filter()

    def _show_filter(self, capped: bool = False) -> None:
        # more than the list holds: said, not cut silently (End stopped at row 500)
        more = (f"  the first {SHOWN:,} only: sms-tui reviews list shows all", "bold") if capped else ""
        self.query_one("#review-filter", Static).update(Text.assemble(
            ("Showing: ", "bold"), FILTER_TEXT[self.filter], "  (f: open/finished/all)", more))

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        flt = self.filter
        backend = self.backend

        def fetch() -> tuple[dict[str, int], list[Any]]:
            reviews = review_service(backend)
            if flt == "open":
                rows = reviews.list_reviews(open_only=True, limit=SHOWN + 1)
            elif flt == "finished":
                rows = reviews.list_reviews(status="done", limit=SHOWN + 1) + \
                    reviews.list_reviews(status="skipped", limit=SHOWN + 1)
                rows.sort(key=lambda r: (r.completed_at or r.raised_at), reverse=True)
            else:
                rows = reviews.list_reviews(limit=SHOWN + 1)
            return reviews.counts(), rows

        self.service(fetch, self._show, group="reviews", exclusive=True)

    def _show(self, result: tuple[dict[str, int], list[Any]]) -> None:
        counts, rows = result
        capped = len(rows) > SHOWN  # one more was read than is shown
        rows = rows[:SHOWN]
        self.rows = rows
        self._show_filter(capped)
        summary = Text.assemble(
            ("Reviews  ", "bold"),
            (f"‼ {counts['overdue']} overdue", "bold" if counts["overdue"] else ""), "  ·  ",
            f"! {counts['due soon']} due soon", "  ·  ", f"{counts['open']} open")
        self.query_one("#review-summary", Static).update(summary)
        table = self.query_one("#review-table", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        title_width = max(16, self.size.width - sum(WIDTHS.values()) - 2 * (len(WIDTHS) + 1) - 2)
        table.add_column("State", key="state", width=WIDTHS["state"])
        table.add_column("Ref", key="ref", width=WIDTHS["ref"])
        table.add_column("Due", key="due", width=WIDTHS["due"])
        table.add_column("Review", key="title", width=title_width)
        table.add_column("Clause", key="clause", width=WIDTHS["clause"])
        table.add_column("Done", key="checklist", width=WIDTHS["checklist"])
        for row in rows:
            emphasis = "bold" if row.state == "overdue" else ""
            # narrow (80 columns): the short mark, or it leaves one word of the title
            late = (" (raised late)" if title_width >= 40 else " (late)") if row.raised_late else ""
            # cut here, between words and never through a reference, not by the table
            title = display.line(row.title, style=emphasis, limit=max(8, title_width - 1 - len(late)))
            if late:
                title = Text.assemble(title, (late, "italic"))
            table.add_row(
                state_text(row.state), Text(row.ref, style=emphasis), Text(date(row.due)), title,
                Text(row.clause), Text(f"{row.checklist_done}/{row.checklist_total}", justify="right"),
                key=row.ref,
            )
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        empty = "" if rows else {
            "open": "No open reviews. The scheduler raises them when they fall due; s shows when.",
            "finished": "No finished reviews yet.", "all": "No reviews yet."}[self.filter]
        hint = self.query_one("#review-empty", Static)
        hint.update(Text(empty))
        hint.display = not rows

    # --------------------------------------------------------------- actions
    def current_ref(self) -> str | None:
        table = self.query_one("#review-table", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def action_open_review(self) -> None:
        ref = self.current_ref()
        if ref is not None:
            from .reviews_detail import ReviewScreen

            self.app.push_screen(ReviewScreen(ref))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_review()

    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self._show_filter()
        self.load_holding_keys()  # Enter right after f opens a review of the new list

    def action_schedules(self) -> None:
        from .reviews_schedules import ScheduleScreen

        self.app.push_screen(ScheduleScreen())

    def action_findings(self) -> None:
        from .findings import FindingsScreen

        self.app.push_screen(FindingsScreen())

    def action_reload(self) -> None:
        self.load()

    def action_raise_due(self) -> None:
        backend = self.backend

        def done(result: Any) -> None:
            if result.raised:
                late = f" ({len(result.late)} raised late)" if result.late else ""
                self.app.notify(f"{len(result.raised)} review(s) raised{late}", timeout=4, markup=False)
            else:
                self.app.notify("Nothing has fallen due.", timeout=3)
            self.app.check_for_changes()
            self.load()

        self.service(lambda: review_service(backend).raise_due(), done, group="raise", exclusive=True)
