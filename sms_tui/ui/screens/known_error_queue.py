"""The known error queue (8.6.3): known errors ranked like any queue, with the search on ``K``."""

from __future__ import annotations

from textual.binding import Binding

from .known_error_search import KnownErrorSearchScreen
from .queue import QueueScreen


class KnownErrorQueueScreen(QueueScreen):
    """The known error queue, with ``K`` to search the database by symptoms and workaround."""

    BINDINGS = [
        Binding("K", "search_known_errors", "Search KEDB", id="known_errors.search",
                tooltip="Ranked search over title, symptoms, workaround and root cause"),
    ]

    def __init__(self, kind: str = "known_error") -> None:
        super().__init__(kind)

    def action_search_known_errors(self) -> None:
        self.app.push_screen(KnownErrorSearchScreen())
