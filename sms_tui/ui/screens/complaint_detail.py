"""A service complaint (8.3.2): the record, its requester, and resolving it with an outcome.

``o`` records the outcome (what was found and done) and resolves the
complaint in one write; a complaint cannot be resolved without one. ``x``
with "hierarchical" escalates it to management and moves it to ``escalated``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from .. import display
from .detail import RecordScreen
from .reviews_dialogs import Field, ReviewDialog


class ComplaintScreen(RecordScreen):
    """The detail of a complaint, with resolving it."""

    NO_LINKS = "A complaint is not linked to other records: name them in a note (c)."

    BINDINGS = [
        Binding("o", "outcome", "Resolve", id="complaint.outcome",
                tooltip="Record the outcome (what was found and done) and resolve it"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "outcome":
            return self.view is not None and "resolved" in self.view.allowed_transitions
        if action == "link":  # a complaint is linked to nothing: not offered (actions.py says why)
            return False
        return super().check_action(action, parameters)

    def action_outcome(self) -> None:
        view = self.view
        if view is None:
            return
        from ...services.customers.complaints import ComplaintService

        service = self.backend.service(ComplaintService)
        ref, version = view.ref, view.version
        self.app.push_screen(ReviewDialog(
            f"Resolve {ref}", Text.assemble((ref, "bold"), "  ", display.line(view.title)),
            [Field("outcome", "Outcome: what was found and done", str(view.extra.get("outcome") or ""),
                   multiline=True, required=True),
             Field("note", "Note", placeholder="optional")],
            lambda values: service.resolve(ref, values["outcome"], note=values["note"],
                                           expected_version=version)), self._resolved)

    def _resolved(self, view: Any) -> None:
        if view is not None:
            self.record_written(view)
