"""The fields of one record, as a grid that folds to one column on narrow terminals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...services.core.views import RecordView
from .. import display
from .prerendered import Prerendered

# Extra fields shown as blocks of text under the grid rather than as a cell.
LONG_FIELDS = ("reason", "root_cause", "workaround", "backout_plan", "implementation_plan",
               "test_plan", "symptoms")
# Kinds whose records have a requester (a contact: shown as "Name <email>", user text).
REQUESTER_KINDS = ("incident", "request", "complaint")
WIDE = 76  # from this width on, two fields per line


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return display.when(value)
    if value in (None, ""):
        return "–"
    return str(value)


def _label(key: str) -> str:
    return display.field_label(key)


def field_pairs(view: RecordView) -> list[tuple[str, str]]:
    """(label, value) for the grid, ours first then the kind's own scalar fields."""
    escalated = view.escalated_to or "–"
    if view.escalation_level:
        escalated += f" (level {view.escalation_level})"
    pairs = [
        ("Status", display.status_label(view.status) + ("" if view.is_open else " (not open)")),
        ("Priority", display.priority_long(view.priority)),
        ("Impact", f"{view.impact} (urgency {view.urgency})"),
        ("Service", view.service or "–"),
        ("CI", view.ci or "–"),
        ("Category", view.category or "–"),
        *([("Requester", f"{view.requester} <{view.requester_email}>" if view.requester_ref
            else "–")] if view.kind in REQUESTER_KINDS else []),
        ("Assignee", view.assignee or "–"),
        ("Group", view.assignment_group or "–"),
        ("Escalated to", escalated),
        ("Created", display.when(view.created_at)),
        ("Created by", view.created_by or "–"),
        ("Updated", display.when(view.updated_at)),
        ("Resolved", display.when(view.resolved_at)),
        ("Closed", display.when(view.closed_at)),
    ]
    for key, value in view.extra.items():
        if key in LONG_FIELDS or (isinstance(value, str) and ("\n" in value or len(value) > 60)) \
                or (view.kind == "complaint" and key == "outcome") \
                or (view.kind == "request" and key == "due_at"):  # "Fulfil by", from its clock
            continue
        pairs.append((_label(key), _value(value)))
    pairs.append(("Version", str(view.version)))
    return pairs


def long_blocks(view: RecordView) -> list[tuple[str, str]]:
    """(label, text) for the description and the kind's long text fields."""
    blocks = [("Description", view.description)]
    for key, value in view.extra.items():
        if key in LONG_FIELDS or (view.kind == "complaint" and key == "outcome") or (isinstance(value, str) and ("\n" in value or len(value) > 60)):
            blocks.append((_label(key), value or ""))
    if view.attachments:  # what came by mail; saved with 'sms-tui attachments save'
        blocks.append(("Attachments by mail", "\n".join(a.line() for a in view.attachments)))
    return blocks


def fields_renderable(view: RecordView, width: int) -> RenderableType:
    """The grid: two label/value pairs per line when wide, one when narrow."""
    pairs = field_pairs(view)
    per_line = 2 if width >= WIDE else 1
    grid = Table.grid(padding=(0, 1), expand=True)
    label_width = max([13, *(len(label) for label, _ in pairs)])  # labels are never cut
    for _ in range(per_line):
        grid.add_column(style="bold", no_wrap=True, width=label_width)
        grid.add_column(ratio=1, overflow="fold")
    for i in range(0, len(pairs), per_line):
        cells: list[Text] = []
        for label, value in pairs[i:i + per_line]:
            cells += [Text(label), display.line(value)]
        grid.add_row(*cells)
    return grid


def blocks_renderable(view: RecordView) -> RenderableType:
    parts: list[RenderableType] = []
    for label, text in long_blocks(view):
        parts.append(Text(label, style="bold underline"))
        parts.append(display.block(text) if text.strip() else Text("–", style="dim"))
        parts.append(Text(""))
    return Group(*parts)


class RecordFields(Prerendered):
    """The grid of a record's fields; re-laid out when the terminal is resized."""

    DEFAULT_CSS = "RecordFields { height: auto; margin: 0 0 1 0; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view: RecordView | None = None

    def show(self, view: RecordView) -> None:
        self.view = view
        self.show_renderable(lambda width: fields_renderable(view, width))
