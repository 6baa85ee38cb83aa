"""The home view's review panel: overdue reviews first, then how many are due soon.

The dashboard composes :class:`OverdueReviews` below its counts and calls
:meth:`OverdueReviews.load` whenever it reloads.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from .. import display
from ..work import run_service
from .reviews_common import date, state_text
from .service_lookup import review_service

SHOWN = 5  # the home view is a summary; the review queue (6) has the rest


class OverdueReviews(Static):
    """'Reviews: ‼ 2 overdue · ! 1 due soon' and the overdue ones by due date."""

    DEFAULT_CSS = "OverdueReviews { height: auto; margin: 1 0 0 0; text-wrap: nowrap; text-overflow: ellipsis; }"

    def load(self) -> None:
        backend = self.app.backend

        def fetch() -> tuple[dict[str, int], list[Any]]:
            reviews = review_service(backend)
            return reviews.counts(), reviews.list_reviews(overdue=True, limit=SHOWN)

        run_service(self, fetch, self._show, group="home-reviews", exclusive=True)

    def _show(self, result: tuple[dict[str, int], list[Any]]) -> None:
        counts, overdue = result
        head = Text.assemble(("Reviews  ", "bold"),
                             (f"‼ {counts['overdue']} overdue", "bold" if counts["overdue"] else ""),
                             f"  ·  ! {counts['due soon']} due soon  ·  {counts['open']} open")
        lines = [head]
        for row in overdue:
            lines.append(Text.assemble("  ", state_text(row.state), "  ", (row.ref, "bold"),
                                       f"  due {date(row.due)}  ",
                                       display.line(row.title, limit=60), no_wrap=True,
                                       overflow="ellipsis"))
        if counts["overdue"] > len(overdue):
            lines.append(Text(f"  … and {counts['overdue'] - len(overdue)} more", style="italic"))
        if not counts["overdue"]:
            lines.append(Text("  No review is overdue.", style="dim"))
        lines.append(Text("  6 opens the review queue", style="dim"))
        self.update(Text("\n", no_wrap=True, overflow="ellipsis").join(lines))
