"""The reporting screen (9.4): the service report for a period, with trends.

A period picker (week, month, quarter, custom; its first letter picks it)
chooses the calendar period; ``[`` and ``]`` step to the one before or after
(never past the current one), ``t`` jumps to the current one so far, ``p``
cycles week, month and quarter, ``c`` asks for a custom period. The screen
opens on the last complete month with the focus on the report itself (PgDn
scrolls it), and its heading names the current period and how to see it. Figures come from
:class:`~sms_tui.services.reporting.service.ReportService` in a thread worker, never on
the UI thread, and are drawn by :mod:`sms_tui.reports.terminal` (every figure
with its previous-period value and its trend in words).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Static

from ..widgets.choice_picker import ChoicePicker
from ..widgets.prerendered import Prerendered
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .custom_period_dialog import CustomPeriodDialog

if TYPE_CHECKING:
    from ...services.reporting.model import Period, ServiceReport

KINDS = [("week", "week"), ("month", "month"), ("quarter", "quarter"), ("custom", "custom")]
OPENING_KIND, OPENING_OFFSET = "month", -1  # the screen opens on the last complete month


AFTER_SHOWN_S = 0.1
"""A report shown again is read afresh this long after the switch (its frame comes first)."""


def opening_period(now: datetime) -> Period:
    """The period the screen opens on (read ahead at start-up: :mod:`sms_tui.ui.warm`)."""
    from ...services.reporting.model import calendar_period

    return calendar_period(OPENING_KIND, now, OPENING_OFFSET)


class ReportsScreen(DeskScreen):
    """Figures for a period against the previous period of equal length."""

    CSS_PATH = "reports.tcss"
    BINDINGS = [
        Binding("left_square_bracket", "shift(-1)", "Earlier", id="reports.earlier",
                tooltip="The period before this one"),
        Binding("right_square_bracket", "shift(1)", "Later", id="reports.later",
                tooltip="The period after this one (up to the current one)"),
        Binding("t", "current", "This period", id="reports.current",
                tooltip="The current week, month or quarter so far"),
        Binding("p", "next_kind", "Week/month/quarter", id="reports.kind",
                tooltip="Report on weeks, months or quarters (in turn)"),
        Binding("c", "custom", "Custom period", id="reports.custom"),
    ]

    def __init__(self) -> None:
        super().__init__(name="reports")
        self.kind = OPENING_KIND
        self.period_offset = OPENING_OFFSET  # the last complete period
        self.custom: Period | None = None
        self.report: ServiceReport | None = None
        self._read_at: int | None = None  # the data version the report shown was read at

    def compose(self):
        yield Header()
        yield SectionBar("reports")
        with Horizontal(id="report-picker-row"):
            yield Static(Text("Period: "), id="report-picker-label")
            yield ChoicePicker(KINDS, OPENING_KIND, id="report-kind")
        yield Static(Text(""), id="report-period")
        with VerticalScroll(id="report-scroll"):
            # lines drawn once per width: Textual would render the report's tables twice
            # (to measure, then to draw), half the cost of showing it
            yield Prerendered(Text("Loading the report…", style="italic"), id="report-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#report-scroll").focus()  # PgDn reads on; the picker is a Tab away

    # ----------------------------------------------------------------- period
    def period(self) -> Period:
        from ...services.reporting.model import calendar_period

        if self.kind == "custom" and self.custom is not None:
            return self.custom
        return calendar_period(self.kind, self.app.clock(), self.period_offset)

    def on_choice_picker_changed(self, event: ChoicePicker.Changed) -> None:
        if event.value == self.kind:
            return
        if event.value == "custom":
            self.action_custom()
            return
        self.kind, self.period_offset = event.value, -1
        self.load()

    def action_shift(self, steps: int) -> None:
        if self.kind == "custom":
            self.notify("[ and ] step through weeks, months and quarters; "
                        "pick one first", markup=False)
            return
        self.period_offset = min(0, self.period_offset + steps)  # no reports on the future
        self.load()

    def action_current(self) -> None:
        if self.kind == "custom":
            self.kind = "month"
            self.query_one("#report-kind", ChoicePicker).value = "month"
        self.period_offset = 0
        self.load()

    def action_next_kind(self) -> None:
        order = [k for k, _ in KINDS if k != "custom"]
        kind = order[(order.index(self.kind) + 1) % len(order)] if self.kind in order else "month"
        self.query_one("#report-kind", ChoicePicker).value = kind  # Changed loads it

    def action_custom(self) -> None:
        current = self.period()
        dialog = CustomPeriodDialog(current.start.date().isoformat(), current.end.date().isoformat())

        def chosen(period: Period | None) -> None:
            picker = self.query_one("#report-kind", ChoicePicker)
            if period is None:
                picker.value = self.kind  # back to what was shown
                return
            self.kind, self.custom = "custom", period
            picker.value = "custom"
            self.load()

        self.app.push_screen(dialog, chosen)

    # ----------------------------------------------------------------- data
    def load(self) -> None:
        period, version = self.period(), self.app.data_version
        shown = False
        if self.report is not None and self.report.period == period:
            if self._read_at == version:
                return  # the figures shown are current
            # written since: they stay shown while the new ones are read (the read ahead is
            # older still)
            shown = True
        else:
            ahead = self.app.warmer.read_ahead_of("report", period)
            if ahead is not None:  # read while the analyst was at the queue
                report, current = ahead
                self._show(report, version if current else None)
                if current:
                    return
                # written since: shown meanwhile, as a later open shows the figures it last had
        self._heading(period, loading=True)
        from_ = self.backend

        def build() -> ServiceReport:
            from ...services.reporting.service import ReportService

            return from_.service(ReportService).service_report(period)

        def read() -> None:
            self.service(build, lambda report: self._show(report, version), group="report",
                         exclusive=True)

        if shown and self.is_current:
            # the screen is being shown again: its frame first, then the read (a report read
            # in a worker shares the interpreter, and slowed the switch to 150 ms)
            self.set_timer(AFTER_SHOWN_S, read)
        else:
            read()

    def _heading(self, period: Period, loading: bool = False) -> None:
        from ...services.reporting.model import calendar_period

        now: datetime = self.app.clock()
        state = " · in progress" if period.end > now else ""
        text = Text.assemble(
            f"{period.label()}{state}", ("  compared with ", "italic"),
            period.previous().label(), (" · loading…" if loading else "", "italic"))
        if period.end <= now:  # a past period: say where the current one is
            kind = self.kind if self.kind != "custom" else "month"
            current = calendar_period(kind, now, 0)
            text.append(f"\nNow: this {kind}, {current.label()} so far — press t", style="dim")
        self.query_one("#report-period", Static).update(text)

    def _show(self, report: ServiceReport, read_at: int | None = None) -> None:
        """Show ``report``, read at data version ``read_at`` (None: older than the current)."""
        from ...reports.terminal import report_view

        if report.period != self.period():
            return  # the analyst moved on while this one was computed
        self._heading(report.period)
        self._read_at = read_at
        if report is self.report:
            return  # shown already: drawing the same figures again cost 50-150 ms on each open
        self.report = report
        self.query_one("#report-body", Prerendered).show_renderable(report_view(report))
