"""The incident detail: the record screen with its known-error suggestions (8.6.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from .. import display
from .detail import RecordScreen
from .known_error_search import KnownErrorSearchScreen
from .service_lookup import problem_service

if TYPE_CHECKING:
    from ...services.problems.service import KnownErrorHit

SUGGESTIONS = 3


def suggestion_text(hits: list[KnownErrorHit]) -> Text:
    """'Known errors that may match: KE-1 title (workaround …) · K to search and apply'."""
    if not hits:
        return Text("No known error matches this incident (K searches the database).", style="dim")
    out = Text.assemble(("May match a known error", "bold"), " — K to review and apply:")
    for hit in hits:
        out.append_text(Text.assemble("\n  ", (hit.ref, "bold"), " ", display.line(hit.title, limit=40),
                                      " — ", display.line(hit.workaround or "–", limit=28)))
    return out


class IncidentScreen(RecordScreen):
    """An incident's detail, with the known errors that may match it and ``K`` to apply one."""

    BINDINGS = [
        # not in the footer (full at 80 columns): the suggestions line names the key,
        # and help and the palette list it
        Binding("K", "known_errors", "Known errors", id="incident.known_errors", show=False,
                tooltip="Does this match a known error? Search and apply its workaround"),
    ]
    CSS_PATH = ["detail.tcss", "incident.tcss"]

    def on_mount(self) -> None:
        self.query_one("#body").mount(Static(id="ke-suggestions"), after="#next-steps")

    def show(self, view) -> None:
        super().show(view)
        if view.is_open:
            service, ref = problem_service(self.backend), view.ref
            self.service(lambda: service.suggest_for_incident(ref, limit=SUGGESTIONS),
                         self._show_suggestions, group="ke-suggest", exclusive=True)
        else:
            self.query_one("#ke-suggestions", Static).display = False

    def _show_suggestions(self, hits: list[KnownErrorHit]) -> None:
        panel = self.query_one("#ke-suggestions", Static)
        panel.display = bool(hits)  # nothing to say when nothing matches; K still searches
        panel.update(suggestion_text(hits))

    def action_known_errors(self) -> None:
        view = self.view
        if view is None:
            return
        self.app.push_screen(KnownErrorSearchScreen(view.ref, incident_title=view.title),
                             lambda result: self.load() if result is not None else None)
