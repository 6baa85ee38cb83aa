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


def run_service(
    node: DOMNode,
    call: Callable[[], T],
    then: Callable[[T], Any] | None = None,
    *,
    on_error: Callable[[DeskError], bool] | None = None,
    group: str = "db",
    exclusive: bool = False,
) -> Worker[None]:
    """Run ``call()`` in a thread worker owned by ``node``; ``then(result)`` on the UI thread.

    ``on_error(exc)`` may handle a DeskError in place and return True; otherwise
    the app reports it. Results for a node that has left the screen are dropped.
    """
    app = node.app

    def deliver(result: T) -> None:
        if then is not None and node.is_attached:
            then(result)

    def fail(exc: BaseException) -> None:
        if isinstance(exc, DeskError) and on_error is not None and node.is_attached and on_error(exc):
            return
        app.report_error(exc)

    def body() -> None:
        worker = get_current_worker()
        try:
            result = call()
        except Exception as exc:  # every error ends up in front of the analyst, none crashes
            if not worker.is_cancelled:
                _call_ui(app, fail, exc)
            return
        if not worker.is_cancelled:
            _call_ui(app, deliver, result)

    return node.run_worker(body, thread=True, group=group, exclusive=exclusive,
                           exit_on_error=False, name=getattr(call, "__name__", "service"))


def _call_ui(app: Any, fn: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the app is shutting down; nobody is left to tell
        app.call_from_thread(fn, *args)
