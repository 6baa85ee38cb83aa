"""The columns of a queue and how they fit the terminal's width.

Columns are data: a feature that adds a column (the SLA clock of the incident
issue: time to breach) appends a :class:`Column` to :data:`COLUMNS` (before
``age``) with a ``cell`` function reading the :class:`RecordRow`. The title
column takes whatever width is left; columns with ``min_total`` disappear on
narrower terminals, and ``narrow`` widths apply below :data:`WIDE`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from rich.text import Text

from ...services.core.views import RecordRow
from .. import display

WIDE = 100  # table widths from here on get the comfortable layout
MIN_TITLE = 12
# what goes first when the terminal is too narrow even for the narrow layout
DROP_ORDER = ("requester", "service", "window", "assignee", "age", "status")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int  # 0 = flexible (the title): takes the rest
    cell: Callable[[RecordRow, datetime], Text | str]
    narrow: int | None = None  # width below WIDE
    min_total: int = 0  # hidden when the table is narrower than this
    justify: Literal["left", "right"] = "left"

    def width_for(self, total: int) -> int:
        if total < WIDE and self.narrow is not None:
            return self.narrow
        return self.width


def _flag(row: RecordRow, _now: datetime) -> Text:
    return Text(display.flags(row.priority, row.major, row.escalation_level), style="bold")


COLUMNS: list[Column] = [
    Column("flag", "", 4, _flag),
    # 11: a reference is never cut, up to INC-9999999 (the million-record desk)
    Column("ref", "Ref", 11, lambda r, _: r.ref),
    Column("priority", "P", 2, lambda r, _: display.priority_label(r.priority)),
    Column("title", "Title", 0, lambda r, _: display.line(r.title)),
    Column("status", "Status", 13, lambda r, _: display.status_label(r.status), narrow=11),
    Column("assignee", "Assignee", 12, lambda r, _: display.line(r.assignee or "–"), narrow=8),
    Column("service", "Service", 14, lambda r, _: display.line(r.service or "–"), min_total=WIDE),
    # ages are at most three characters: 59s, 23h, 13d, 51w, 2y
    Column("age", "Age", 3, lambda r, now: display.age(r.created_at, now), justify="right"),
]


def _requester(row: RecordRow, _now: datetime) -> Text:
    return display.line(row.requester or "–")


# Who asked (incidents, requests: on wide terminals; complaints: always, it is their point).
REQUESTER_COLUMN = Column("requester", "Requester", 16, _requester, narrow=12, min_total=120)


def _window(row: RecordRow, now: datetime) -> Text:
    """A change's planned start in the analyst's local time: '12-08 14:00' this year,
    '2027-01-05' in another; '–' not planned yet."""
    if row.planned_start is None:
        return Text("–", style="dim")
    start = display.when(row.planned_start)  # '2026-12-08 14:00'
    return Text(start[5:] if start[:4] == display.when(now)[:4] else start[:10])


# When a change is planned (the change queue: the change manager's next windows).
WINDOW_COLUMN = Column("window", "Window", 11, _window)


def before_age(column: Column) -> list[Column]:
    """The default columns with ``column`` before the age (a kind's own: its SLA clock, a
    change's window)."""
    out: list[Column] = []
    for each in COLUMNS:
        if each.key == "age":
            out.append(column)
        out.append(each)
    return out


def change_columns() -> list[Column]:
    """The change queue's columns: the window before the age."""
    return before_age(WINDOW_COLUMN)


def with_requester(columns: list[Column], *, always: bool = False) -> list[Column]:
    """``columns`` with the requester's after the assignee (``always``: at every width)."""
    column = Column("requester", "Requester", 16, _requester, narrow=12) if always \
        else REQUESTER_COLUMN
    out: list[Column] = []
    for each in columns:
        out.append(each)
        if each.key == "assignee":
            out.append(column)
    return out


def layout(columns: list[Column], total: int) -> list[tuple[Column, int]]:
    """The visible columns and their widths for a table ``total`` cells wide.

    One space separates columns. If even the narrow layout leaves the title
    less than MIN_TITLE, columns are dropped in DROP_ORDER.
    """
    visible = [c for c in columns if total >= c.min_total]

    def fixed(cols: list[Column]) -> int:
        return sum(c.width_for(total) for c in cols if c.width) + max(0, len(cols) - 1)

    for key in DROP_ORDER:
        if total - fixed(visible) >= MIN_TITLE:
            break
        visible = [c for c in visible if c.key != key]
    flex = max(MIN_TITLE, total - fixed(visible))
    return [(c, c.width_for(total) if c.width else flex) for c in visible]
