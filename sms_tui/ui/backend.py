"""The services the UI talks to, opened in a worker thread after the first paint.

Importing the services pulls in SQLAlchemy and SQLModel (most of a second on
our machines) and opening the Store may migrate the database, so the app paints
its frame first and calls :meth:`Backend.open` from a thread worker. Nothing in
this module imports the services at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..config import Config

if TYPE_CHECKING:
    from ..services.core.records import RecordService
    from ..services.core.store import Store

T = TypeVar("T")


class Backend:
    """One database, the config, who is acting, the clock, and the services over them."""

    def __init__(self, db_path: Path | str, config: Config, actor: str,
                 clock: Callable[[], datetime] | None = None) -> None:
        from ..storage.url import desk_location

        # a file path, or a postgresql:// URL (team mode: no stdlib first page)
        self.db_path = desk_location(db_path) if isinstance(db_path, str) else Path(db_path)
        self.config = config
        self.actor = actor
        self.clock = clock
        self.store: Store | None = None
        self._records: RecordService | None = None
        self._services: dict[Any, Any] = {}

    @property
    def on_server(self) -> bool:
        return isinstance(self.db_path, str)

    @property
    def desk_name(self) -> str:
        """The desk as the UI names it: the file's name, or the URL without its password."""
        from ..storage.url import display_name

        return display_name(self.db_path) if self.on_server else self.db_path.name

    @property
    def ready(self) -> bool:
        return self.store is not None

    def open(self) -> None:
        """Open (create, migrate) the database. Runs in a worker thread; raises DeskError."""
        from ..services.core.records import RecordService
        from ..services.core.store import Store

        self.store = Store(self.db_path, self.config, self.actor, self.clock)
        self._records = RecordService(self.store)

    @property
    def records(self) -> RecordService:
        if self._records is None:
            raise RuntimeError("the database is not open yet")
        return self._records

    def service(self, factory: Callable[[Store], T]) -> T:
        """The one instance of another service class (e.g. a review service) over this store."""
        if self.store is None:
            raise RuntimeError("the database is not open yet")
        if factory not in self._services:
            self._services[factory] = factory(self.store)
        return self._services[factory]

    def listen(self, on_change: Callable[[], None]) -> bool:
        """Team mode: call ``on_change`` (from a thread) whenever anyone commits. False on SQLite."""
        if self.store is None or not self.on_server:
            return False
        from ..services.core.live import ChangeListener

        self._listener = ChangeListener(self.store, on_change)
        self._listener.start()
        return True

    def close(self) -> None:
        listener = getattr(self, "_listener", None)
        if listener is not None:
            listener.close()
        if self.store is not None:
            self.store.close()
