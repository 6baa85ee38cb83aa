"""The background scheduler inside the TUI: started once the database is open, stopped on exit.

It runs the same :class:`~sms_tui.services.core.scheduler.DeskScheduler` as
``sms-tui scheduler run``, on its own thread, so raising reviews (and the SLA
check) never blocks the UI. It talks to the app only through
``call_from_thread``: a short notification when a check has something to say,
the app's error reporter when one fails, and a refresh so queues show what it
wrote.

``[reviews] scheduler_in_tui = true|false`` in the config turns it on or off;
left out, it runs except in headless apps (tests drive time with a fake
clock and must not have jobs writing behind their back).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from .. import timing

if TYPE_CHECKING:
    from .app import DeskApp

log = logging.getLogger(__name__)

TOAST_S = 2.5  # how long a scheduler message stays over the screen
# A message that comes while a dialog or form is open waits until it is closed (it covered
# the right half of the dialog for the toast's time); whether it is, is looked at this often.
HELD_CHECK_S = 0.25
# The checks first run this long after the desk opens, not at once: on a desk not opened for
# a while the first SLA check writes hundreds of breach entries (7.6 s on a million records,
# each a commit), in the seconds the analyst starts working and the screens are built.
FIRST_RUN_AFTER_S = 30.0
# A check waits, at most this long, for a pause in the typing (the warmer's quiet time): the
# first SLA check on a million records holds the interpreter for 1-2 s in its thread, and a
# key pressed meanwhile took 300 ms. Every check is periodic; a few seconds late is harmless.
MAX_WAIT_FOR_QUIET_S = 20.0


class TuiScheduler:
    """Owns the app's DeskScheduler; safe to stop before it finished starting."""

    def __init__(self, app: DeskApp) -> None:
        self.app = app
        self.scheduler: Any = None
        self._lock = threading.Lock()
        self._closed = False
        self._held: dict[str, str] = {}  # notices held while a dialog or form is open (UI thread)
        self._holding: Any = None  # the timer that shows them once it is closed

    @property
    def enabled(self) -> bool:
        setting = self.app.config.section("reviews").get("scheduler_in_tui")
        return setting if isinstance(setting, bool) else not self.app.is_headless

    def start(self) -> None:
        """Start in a thread worker (APScheduler and the services are imported there)."""
        if self.enabled:
            self.app.run_worker(self._start, thread=True, exit_on_error=False, name="start scheduler")

    def _start(self) -> None:
        from ..services.core.scheduler import DeskScheduler

        store = self.app.backend.store
        if store is None:
            return
        scheduler = DeskScheduler(store, on_result=self._result, on_error=self._error,
                                  before_check=self.wait_for_quiet)
        with self._lock:
            if self._closed:
                return
            scheduler.start(first_after=timing.interval(FIRST_RUN_AFTER_S))
            self.scheduler = scheduler

    def stop(self) -> None:
        """Stop the jobs (they see the stop flag) and wait for the worker thread."""
        with self._lock:
            self._closed = True
            scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)

    @property
    def running(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    # called on the scheduler's thread
    def wait_for_quiet(self) -> None:
        """Until the analyst has not typed for the warmer's quiet time (they are reading), or
        :data:`MAX_WAIT_FOR_QUIET_S` at most, or the desk closes."""
        from .warm import QUIET_S

        deadline = time.monotonic() + timing.interval(MAX_WAIT_FOR_QUIET_S)
        while not self._closed and time.monotonic() < deadline:
            if self.app.warmer.since_input() >= QUIET_S:
                return
            time.sleep(0.05)

    def _result(self, name: str, message: str) -> None:
        def show() -> None:
            # one short line, briefly: the screens show what it wrote (a toast over the
            # queue for seconds at every start hid the rows the analyst came for)
            self._held[name] = message  # a check's latest news only
            self._show_held()
            self.app.check_for_changes()

        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(show)

    # on the UI thread
    def _typing_in_a_dialog(self) -> bool:
        """A dialog or a form is open: a notice would cover half of it (the right side, where
        the toasts are) while the analyst types."""
        from textual.screen import ModalScreen

        screen = self.app.screen
        return isinstance(screen, ModalScreen) or getattr(screen, "SECTION_KEYS", True) is False

    def _show_held(self) -> None:
        """The notices held, now if no dialog or form is open, else once it is closed."""
        if not self._held:
            return
        if self._typing_in_a_dialog() and not self._closed:
            if self._holding is None:
                self._holding = self.app.every(HELD_CHECK_S, self._show_held,
                                               name="scheduler notices held")
            return
        if self._holding is not None:
            self._holding.stop()
            self._holding = None
        held, self._held = self._held, {}
        for message in held.values():
            self.app.notify(message, timeout=TOAST_S, markup=False)

    def _error(self, name: str, exc: BaseException) -> None:
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(self.app.report_error, exc)
