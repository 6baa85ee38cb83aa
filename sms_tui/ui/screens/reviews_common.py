"""Shared pieces of the review screens: the service, and how a review's state is shown.

A state is always shown as a word with a marker ("‼ OVERDUE", "! due soon",
"✓ done"), so it reads the same under NO_COLOR and on a monochrome terminal;
style only adds emphasis.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from .. import display

# state -> (marker and word, style)
STATES: dict[str, tuple[str, str]] = {
    "overdue": ("‼ OVERDUE", "bold reverse"),
    "due soon": ("! due soon", "bold"),
    "upcoming": ("  upcoming", ""),  # no mark: · marks the cursor of an unfocused list
    "done": ("✓ done", "dim"),
    "skipped": ("– skipped", "dim"),
}



def state_text(state: str) -> Text:
    word, style = STATES.get(state, (state, ""))
    return Text(word, style=style)


def date(moment: Any) -> str:
    """'2026-04-15' in the analyst's local time."""
    return display.when(moment)[:10] if moment is not None else "–"


def review_subject(view: Any) -> Text:
    """The line a dialog shows about the review it acts on."""
    return Text.assemble((view.ref, "bold"), "  ", display.status_label(view.status),
                         f"  v{view.version}  ", display.line(view.title, limit=60),
                         no_wrap=True, overflow="ellipsis")
