"""The change calendar (8.5.1): planned windows day by day, conflicts marked in words.

Fourteen days from today by default; ``[`` and ``]`` move a week back or on,
``t`` returns to today, Enter opens the highlighted change. A change that
touches the same service or CI as another in an overlapping window carries
``✗ conflicts with CHG-…`` on its line, so the clash reads without colour.
Only changes still to be done count as planned; implemented ones are shown where their
window has begun, dimmed and marked ``done: <outcome>`` (the service decides which).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.kinds import parse_ref
from .. import display
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .service_lookup import change_service

if TYPE_CHECKING:
    from ...services.changes.views import CalendarEntry

DAYS = 14
STEP_DAYS = 7


def local_midnight(moment: datetime) -> datetime:
    """The start of ``moment``'s day in the analyst's local time."""
    local = display.aware(moment).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def entry_prompt(entry: CalendarEntry) -> Text:
    """Window, reference, status, category, risk / title and targets / '✗ conflicts with …'.

    The title is cut between words (never through a reference); the services
    and CIs, and the conflicts, wrap instead of being cut."""
    start = display.when(entry.start)[-5:]
    end = display.when(entry.end)
    end = end[-5:] if end[:10] == display.when(entry.start)[:10] else end
    if entry.done:  # what was done, not the plan: said in words, dimmed
        outcome = entry.outcome.replace("_", " ") or "implemented"
        return Text.assemble(
            f"{start}–{end}", "  ", entry.ref, f"  done: {outcome}  {display.status_label(entry.status)}",
            "\n    ", display.line(entry.title, limit=44), style="dim")
    first = Text.assemble(
        (f"{start}–{end}", "bold"), "  ", (entry.ref, "bold"), f"  {display.status_label(entry.status)}",
        f"  {entry.change_type}", f"  risk {display.status_label(entry.risk_level) or '–'}",
        ("  MAJOR IMPACT" if entry.major_impact else "", "bold"))
    second = Text.assemble("    ", display.line(entry.title, limit=44), "  · ",
                           display.line(", ".join([*entry.services, *entry.cis]) or "no service/CI",
                                        style="italic"))
    out = Text.assemble(first, "\n", second)
    if entry.conflicts_with:
        out.append(f"\n    ✗ conflicts with {', '.join(entry.conflicts_with)}", style="bold reverse")
    return out


def calendar_options(entries: list[CalendarEntry], start: datetime, end: datetime) -> list[Option]:
    """Day headings (not selectable) with the changes starting that day."""
    if not entries:
        return [Option(Text(f"No changes planned between {display.when(start)[:10]} and "
                            f"{display.when(end)[:10]}.  [ and ] move the window.", style="italic"),
                       disabled=True)]
    by_day: dict[str, list[CalendarEntry]] = defaultdict(list)
    for entry in entries:
        day = display.aware(max(entry.start, start)).astimezone().strftime("%a %d %b %Y")
        by_day[day].append(entry)
    options: list[Option] = []
    for day, items in by_day.items():
        options.append(Option(Text(day, style="bold underline"), disabled=True))
        options.extend(Option(entry_prompt(e), id=e.ref) for e in items)
    return options


def opening_window(now: datetime) -> tuple[datetime, datetime]:
    """The fortnight the calendar opens on: from today's local midnight."""
    start = local_midnight(now)
    return start, start + timedelta(days=DAYS)


class ChangeCalendarScreen(DeskScreen):
    """Planned changes over two weeks, with their conflicts."""

    BINDINGS = [
        Binding("left_square_bracket", "shift(-1)", "Week back", id="calendar.back"),
        Binding("right_square_bracket", "shift(1)", "Week on", id="calendar.on"),
        Binding("t", "today", "Today", id="calendar.today"),
        Binding("r", "reload", "Refresh", id="calendar.reload", show=False),
    ]
    CSS_PATH = "change_calendar.tcss"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.start: datetime | None = None
        self._shown = False  # entries shown once: later loads read them afresh

    def compose(self):
        yield Header()
        yield SectionBar("calendar")
        yield Static(id="calendar-title")
        yield MarkedOptionList(id="calendar")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#calendar", OptionList).focus()

    def _window(self) -> tuple[datetime, datetime]:
        if self.start is None:
            self.start = opening_window(self.app.clock())[0]
        return self.start, self.start + timedelta(days=DAYS)

    def load(self) -> None:
        start, end = self._window()
        if not self._shown:
            ahead = self.app.warmer.read_ahead_of("calendar", (start, end))
            if ahead is not None:  # read while the analyst was at the queue (ui/warm.py)
                entries, current = ahead
                self.show_entries(entries)
                if current:
                    return
        service = change_service(self.backend)
        self.service(lambda: service.calendar(start, end), self.show_entries, group="calendar",
                     exclusive=True)

    def show_entries(self, entries: list[CalendarEntry]) -> None:
        self._shown = True
        start, end = self._window()
        clashes = sum(1 for e in entries if e.conflicts_with)
        done = sum(1 for e in entries if e.done)
        title = Text.assemble(("Change calendar ", "bold"), display.when(start)[:10], " – ",
                              display.when(end - timedelta(minutes=1))[:10],
                              f"   {len(entries) - done} planned", f", {done} done" if done else "")
        if clashes:
            title.append(f"   ✗ {clashes} in conflict", style="bold")
        self.query_one("#calendar-title", Static).update(title)
        calendar = self.query_one("#calendar", OptionList)
        was = calendar.highlighted_option.id if calendar.highlighted_option is not None else None
        calendar.clear_options()
        calendar.add_options(calendar_options(entries, start, end))
        # the change highlighted before a refresh stays so; else the first: Enter opens it
        refs = [option.id for option in calendar.options]
        calendar.highlighted = (refs.index(was) if was is not None and was in refs else
                                next((i for i, o in enumerate(calendar.options) if not o.disabled),
                                     None))

    def action_shift(self, weeks: int) -> None:
        start, _ = self._window()
        self.start = start + timedelta(days=STEP_DAYS * weeks)
        self.load()

    def action_today(self) -> None:
        self.start = None
        self.load()

    def action_reload(self) -> None:
        self.load()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            parse_ref(event.option.id)
            from ..sections import detail_screen

            self.app.push_screen(detail_screen(event.option.id))
