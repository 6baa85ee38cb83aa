"""The request queue (8.6.2), with the catalogue on ``T``."""

from __future__ import annotations

from textual.binding import Binding

from .queue import QueueScreen
from .request_types import RequestTypesScreen


class RequestQueueScreen(QueueScreen):
    """The request queue, with ``T`` for the request catalogue."""

    BINDINGS = [
        Binding("T", "catalogue", "Catalogue", id="requests.catalogue",
                tooltip="Request types: SLAs, approval rules, fulfilment instructions"),
    ]

    def __init__(self, kind: str = "request") -> None:
        super().__init__(kind)

    def action_catalogue(self) -> None:
        self.app.push_screen(RequestTypesScreen())
