"""Team mode: hear the other analysts' writes as they commit (PostgreSQL LISTEN/NOTIFY).

Every write transaction on a server desk sends a notification on
:data:`~sms_tui.storage.server.CHANGES_CHANNEL` (see ``Store.write``); the
server delivers it when, and only if, the transaction commits. A TUI runs one
:class:`ChangeListener` thread that waits on its own connection and calls
``on_change`` for each burst of notifications, so the queues refresh within a
second of another analyst's save, without polling any table. On SQLite the TUI
keeps its own mechanism (the journal's newest id, read at a short interval).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .store import Store

log = logging.getLogger(__name__)
WAIT_S = 0.5  # how often the thread looks at its stop flag


class ChangeListener:
    """A daemon thread that LISTENs on the desk's channel and calls ``on_change()``."""

    def __init__(self, store: Store, on_change: Callable[[], None]) -> None:
        self.store = store
        self.on_change = on_change
        self.stop = threading.Event()
        self.listening = threading.Event()  # set once LISTEN is in place (tests wait on it)
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self.store.on_server

    def start(self) -> None:
        if not self.available or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="sms-tui listen", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2 * WAIT_S + 1)

    def _run(self) -> None:
        from ...storage.server import CHANGES_CHANNEL

        heard_before = False  # listening once already: writes may have gone by unheard since
        while not self.stop.is_set():
            try:
                raw = self.store.engine.raw_connection()
                try:
                    con = raw.driver_connection
                    con.autocommit = True
                    con.execute(f"LISTEN {CHANGES_CHANNEL}")
                    self.listening.set()
                    if heard_before:
                        # what the others saved while the connection was down (a server
                        # restart, a dropped network) was never announced: read it all again
                        # -- screens stayed at the old version until someone else wrote
                        self.on_change()
                    heard_before = True
                    while not self.stop.is_set():
                        heard = list(con.notifies(timeout=WAIT_S, stop_after=1))
                        if heard:
                            self.on_change()
                finally:
                    raw.invalidate()  # never hand a LISTENing session back to the pool
            except Exception:  # the server went away: try again shortly
                log.debug("change listener failed; retrying", exc_info=True)
                self.listening.clear()
                self.stop.wait(2.0)
