"""Run service calls off the UI thread and bring results back to it.

Every database call from the UI goes through :func:`run_service`: the call runs
in a thread worker, its result is handed to ``then`` on the UI thread, and any
error goes to one place, :meth:`DeskApp.report_error` (a DeskError becomes a
notification with its message; anything else a notification naming the
error) unless the caller's ``on_error`` handles it in place (a form showing a
validation message next to the field). The app never crashes on a worker error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from ..domain.errors import DeskError

T = TypeVar("T")

# Calls the next key depends on: forms and dialogs saving what was typed (the key after
# ctrl+s belongs to the screen the save uncovers), checklist ticks (the key after a tick acts
# on the record as the tick left it: 'c' completes a review with all its items ticked), and
# a conflict's reload (ctrl+r then ctrl+s saves over the record as reloaded: typed in one
# burst, the save ran first, was refused again, and the reload then wiped the message).
SAVE_GROUPS = ("save", "submit", "tick", "reload")


def run_service(
    node: DOMNode,
    call: Callable[[], T],
    then: Callable[[T], Any] | None = None,
    *,
    on_error: Callable[[DeskError], bool] | None = None,
    group: str = "db",
    exclusive: bool = False,
    opens_screen: bool = False,
    needs_services: bool = True,
) -> Worker[None] | None:
    """Run ``call()`` in a thread worker owned by ``node``; ``then(result)`` on the UI thread.

    ``on_error(exc)`` may handle a DeskError in place and return True; otherwise
    the app reports it. Results for a node that has left the screen are dropped.
    ``opens_screen``: ``then`` opens a screen or dialog; keys typed meanwhile wait
    for it (:mod:`sms_tui.ui.typeahead`) instead of running on this one, and are
    dropped, said with the error, if the call fails. A save
    (``group`` "save" or "submit") holds keys the same way: it closes its form or
    dialog, and keys typed after ctrl+s belong to the screen it uncovers (typed
    slowly, they would have reached it); so does a checklist tick ("tick").

    Before the database is open (the first half second, while the first page
    shows rows read without the services) the call waits for it instead of
    failing: a key pressed the moment the rows appear still does its work
    (returns None then: the worker starts later). ``needs_services=False`` is for
    the few calls that read the file without them (the first page).
    """
    app = node.app
    type_ahead = getattr(app, "type_ahead", None)
    opens_screen = opens_screen or group in SAVE_GROUPS
    hold = type_ahead.hold() if opens_screen and type_ahead is not None else None
    release: Callable[[], None] = hold.release if hold is not None else (lambda: None)

    def deliver(result: T) -> None:
        try:
            if then is not None and node.is_attached:
                then(result)
        finally:
            release()

    def fail(exc: BaseException) -> None:
        # what the keys typed meanwhile were waiting for will not come: they are dropped
        dropped = hold.fail() if hold is not None else None
        if isinstance(exc, DeskError) and on_error is not None and node.is_attached and on_error(exc):
            if dropped is not None:
                app.keys_dropped(dropped)
            return
        app.report_error(exc, dropped=dropped)

    def body() -> None:
        worker = get_current_worker()
        try:
            result = call()
        except Exception as exc:  # every error ends up in front of the analyst, none crashes
            _call_ui(app, fail if not worker.is_cancelled else _released(release), exc)
            return
        _call_ui(app, deliver if not worker.is_cancelled else _released(release), result)

    def start() -> Worker[None] | None:
        if not node.is_attached:
            release()
            return None
        worker = node.run_worker(body, thread=True, group=group, exclusive=exclusive,
                                 exit_on_error=False, name=getattr(call, "__name__", "service"))
        if hold is not None:
            hold.worker = worker  # a worker cancelled before it ran lets the keys go
        return worker

    backend = getattr(app, "backend", None)
    if needs_services and backend is not None and not backend.ready and hasattr(app, "when_ready"):
        app.when_ready(start)
        return None
    return start()


def _call_ui(app: Any, fn: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the app is shutting down; nobody is left to tell
        app.call_from_thread(fn, *args)


def _released(release: Callable[[], None]) -> Callable[[Any], None]:
    """A cancelled call delivers nothing, but the keys it held go on."""
    return lambda _result: release()
