"""Display helpers: every piece of user text reaches the screen through here.

User text (titles, notes, descriptions, names) is data, never markup. Textual
parses plain ``str`` given to ``Static``, ``Label``, ``OptionList``, ``notify``
and friends as markup, so a title like ``[@click=app.quit]x[/]`` would become a
live link and ``x[/]`` would crash the app. Rich :class:`~rich.text.Text`
never parses markup, so widgets receive ``Text`` built here; control
characters are made visible first (:mod:`sms_tui.domain.text`) so that an
escape sequence in a title cannot reach the analyst's terminal.

The module is pure formatting: no Textual imports, no services.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from ..domain.priority import PRIORITY_NAMES
from ..domain.text import one_line, visible_controls


def line(value: object, style: str = "", limit: int | None = None) -> Text:
    """User text on one line: controls visible, newlines as spaces, never markup."""
    return Text(one_line("" if value is None else str(value), limit), style=style)


def block(value: object, style: str = "") -> Text:
    """Multi-line user text (descriptions, notes): controls visible, never markup."""
    return Text(visible_controls("" if value is None else str(value)), style=style)


def label_value(label: str, value: object, *, label_style: str = "bold") -> Text:
    """``Label: value`` with the label ours and the value the user's."""
    return Text.assemble((f"{label}: ", label_style), line(value if value not in (None, "") else "–"))


ACRONYMS = {"rca": "RCA", "ci": "CI", "cis": "CIs", "sla": "SLA"}


# labels not made from the field's name: "back-out" as the change form's other fields say it
LABELS = {"backout_plan": "Back-out plan", "backout_tested": "Back-out tested",
          "backout_untested_reason": "Why back-out untested"}


def field_label(key: str) -> str:
    """A field name as a label: 'rca_method' -> 'RCA method', 'backout_plan' -> 'Back-out plan'."""
    if key in LABELS:
        return LABELS[key]
    words = [ACRONYMS.get(w, w) for w in key.split("_")]
    first = words[0] if words[0] in ACRONYMS.values() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def status_label(status: str) -> str:
    """'in_progress' -> 'in progress' (statuses are ours, but read better with spaces)."""
    return status.replace("_", " ")


def priority_label(priority: int) -> str:
    """'P1'."""
    return f"P{priority}"


def priority_long(priority: int) -> str:
    """'P1 Critical'."""
    return f"P{priority} {PRIORITY_NAMES.get(priority, '')}".rstrip()


def flags(priority: int, major: bool = False, escalation_level: int = 0) -> str:
    """Text markers that set urgent rows apart without colour: '▲MAJ', '●' (P1), '↑'.

    Colour alone is lost under NO_COLOR and on monochrome terminals, so a
    major incident and a P1 carry a marker of their own. ('!' is kept for one
    meaning everywhere: a deadline is near.)
    """
    if major:
        mark = "▲MAJ"
    elif priority == 1:
        mark = "●"
    else:
        mark = ""
    if escalation_level and len(mark) < 4:
        mark += "↑"
    return mark


def is_urgent(priority: int, major: bool = False) -> bool:
    """Rows drawn bold in queues: P1 and major."""
    return major or priority == 1


def aware(moment: datetime) -> datetime:
    """SQLite may hand back naive datetimes; ours are always UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age(created: datetime, now: datetime) -> str:
    """Compact age for a queue column: '45s', '12m', '3h', '5d', '7w', '2y'."""
    seconds = max(0, int((aware(now) - aware(created)).total_seconds()))
    for unit, size in (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        # weeks only from two of them on: "9d" reads better than "1w"
        if seconds >= size * (2 if unit == "w" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(moment: datetime | None) -> str:
    """A timestamp in the analyst's local time, to the minute: '2026-03-02 09:00'."""
    if moment is None:
        return "–"
    return aware(moment).astimezone().strftime("%Y-%m-%d %H:%M")


