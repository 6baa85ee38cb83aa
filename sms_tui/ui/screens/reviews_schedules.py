"""The schedule editor: every recurring activity, its interval, next due date and owner.

Enter edits the highlighted schedule (interval, owner, next due date, days to
complete, paused); ``p`` pauses or resumes it at once. Every change is
journaled on the schedule (``SCH:<activity>``) by the service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from ...domain.bounds import check_date
from ...domain.errors import ValidationError
from .. import display
from ..widgets.desk_footer import DeskFooter
from ..widgets.row_table import RowTable
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .reviews_dialogs import Field, ReviewDialog
from .service_lookup import review_service

DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d")
WIDTHS = {"state": 8, "clause": 7, "interval": 12, "next": 10, "owner": 10}


def parse_due(text: str) -> datetime:
    """'2026-07-01' or '2026-07-01 09:00' in the analyst's local time -> aware UTC."""
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            when = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return check_date(when, "next due").astimezone().astimezone(UTC)
    raise ValidationError(f"'{text}' is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM")


class ScheduleScreen(DeskScreen):
    """Schedules of the recurring review activities, in clause order."""

    CSS_PATH = "reviews.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="schedules.back"),
        Binding("enter", "edit", "Edit", id="schedules.edit"),
        Binding("p", "toggle_pause", "Pause/resume", id="schedules.pause"),
        Binding("r", "reload", "Refresh", id="schedules.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.schedules: list[Any] = []

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        yield Static(Text("Review schedules", style="bold"), id="schedule-title")
        yield RowTable(id="schedule-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="schedule-detail", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#schedule-table", DataTable).focus()

    def load(self) -> None:
        backend = self.backend
        self.service(lambda: review_service(backend).list_schedules(), self._show,
                     group="schedules", exclusive=True)

    def _show(self, schedules: list[Any]) -> None:
        self.schedules = schedules
        table = self.query_one("#schedule-table", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        title_width = max(16, self.size.width - sum(WIDTHS.values()) - 2 * (len(WIDTHS) + 1) - 2)
        table.add_column("State", key="state", width=WIDTHS["state"])
        table.add_column("Clause", key="clause", width=WIDTHS["clause"])
        table.add_column("Activity", key="title", width=title_width)
        table.add_column("Interval", key="interval", width=WIDTHS["interval"])
        table.add_column("Next due", key="next", width=WIDTHS["next"])
        table.add_column("Owner", key="owner", width=WIDTHS["owner"])
        for s in schedules:
            table.add_row(
                Text("‖ PAUSED", style="bold") if s.paused else Text("active"),
                Text(s.clause), display.line(s.title, limit=title_width - 1),
                # the column says "Interval": "every 2 weeks" was cut to "every 2 week"
                display.line(s.interval.removeprefix("every ")),
                Text(display.when(s.next_due)[:10]), display.line(s.owner or "–"), key=s.activity)
        if schedules:
            table.move_cursor(row=min(cursor, len(schedules) - 1))
        self._describe()

    def current(self) -> Any:
        table = self.query_one("#schedule-table", DataTable)
        if not self.schedules or table.row_count == 0:
            return None
        return self.schedules[min(table.cursor_row, len(self.schedules) - 1)]

    def _describe(self) -> None:
        s = self.current()
        text = Text()
        if s is not None:
            text = Text.assemble(
                (s.activity, "bold"), f"  next review covers {s.next_period}, due ",
                display.when(s.next_due), f"; {s.days_to_complete} days to complete",
                "  ·  Enter edits · p pauses/resumes")
        self.query_one("#schedule-detail", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    # --------------------------------------------------------------- actions
    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.load()

    def action_edit(self) -> None:
        s = self.current()
        if s is None:
            return
        backend, activity, version = self.backend, s.activity, s.version
        shown_due = display.when(s.next_due)

        def perform(values: dict[str, Any]) -> Any:
            try:
                days = int(values["days"])
            except ValueError:
                raise ValidationError("days to complete must be a whole number of days") from None
            return review_service(backend).update_schedule(
                activity, interval=values["interval"], owner=values["owner"],
                # an untouched date is not re-entered (it is shown to the minute only)
                next_due=None if values["next_due"].strip() == shown_due else parse_due(values["next_due"]),
                days_to_complete=days,
                paused=values["paused"] == "paused", note=values["note"], expected_version=version)

        fields = [
            Field("interval", "Interval", s.interval,
                  placeholder="monthly, quarterly, yearly, every 2 weeks…"),
            Field("next_due", "Next due", shown_due, placeholder="YYYY-MM-DD HH:MM"),
            Field("owner", "Owner", s.owner),
            Field("days", "Days to do", str(s.days_to_complete)),
            Field("note", "Why", placeholder="for the journal"),
            Field("paused", "State", "paused" if s.paused else "active",
                  choices=(("active", "active"), ("paused", "paused: raise nothing"))),
        ]
        subject = Text.assemble((s.clause, "bold"), "  ", display.line(s.title), f"  v{s.version}")
        self.app.push_screen(ReviewDialog(f"Schedule: {s.activity}", subject, fields, perform,
                                          draft_id=s.activity), self._edited)

    def _edited(self, view: Any) -> None:
        if view is not None:
            self.app.notify(f"{view.activity}: {view.interval}, next due "
                            f"{display.when(view.next_due)}", timeout=4, markup=False)
            self.load()
            self.app.check_for_changes()

    def action_toggle_pause(self) -> None:
        s = self.current()
        if s is None:
            return
        backend, activity, version, paused = self.backend, s.activity, s.version, not s.paused
        self.service(lambda: review_service(backend).update_schedule(
            activity, paused=paused, expected_version=version), self._edited,
            group="write", exclusive=True)
