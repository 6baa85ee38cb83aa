"""Messages the app sends to its screens."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """Something was written to the database (by us, the CLI or the scheduler)."""

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__()

