"""The request queue (8.6.2), with the catalogue on ``T``."""

from __future__ import annotations

from textual.binding import Binding

from .queue import QueueScreen
from .service_lookup import request_service


class RequestQueueScreen(QueueScreen):
    """The request queue, with ``T`` for the request catalogue."""

    BINDINGS = [
        Binding("T", "catalogue", "Catalogue", id="requests.catalogue",
                tooltip="Request types: SLAs, approval rules, fulfilment instructions"),
    ]

    def __init__(self, kind: str = "request") -> None:
        super().__init__(kind)

    def action_catalogue(self) -> None:
        # the types are read first and the catalogue opens with them: keys typed after T
        # (Down, Enter, a title) wait for it and act on its rows -- on an empty list Enter did
        # nothing and the title's letters ran as the catalogue's commands ('e' edited a type)
        # (the catalogue's module is imported here, not with the queue: its dialog's text
        # areas cost the requests section's first open, in the first second, 8 ms)
        from .request_types import RequestTypesScreen

        backend = self.backend  # the services may still be opening: looked up in the worker
        self.service(lambda: request_service(backend).types(include_retired=True),
                     lambda types: self.app.push_screen(RequestTypesScreen(types)),
                     opens_screen=True)
