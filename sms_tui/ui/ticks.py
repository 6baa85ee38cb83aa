"""Ticking a checklist from quick key presses: each press toggles its item exactly once.

Presses arrive faster than the writes finish (a burst over SSH, a fast hand):
three presses of space on a request's steps must tick three steps, not tick,
untick and tick the first one again. :class:`TickQueue` decides at the press
what it does to its item (done or not, counting the presses still queued on
the same item) and runs the writes one after the other, each built when its
turn comes -- so it reads the version the previous write left, and is not
refused as a conflict with it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any


class TickQueue:
    """Serialised toggles of checklist items, for a screen with ``service`` (ServiceMixin).

    ``write(key, done)`` returns the call to run in a worker (built when the write's turn
    comes); ``written(result)`` shows its result on the UI thread; ``refused(key, exc)``, if
    given, is told of a write refused (after the error is reported), to put the screen right.
    """

    def __init__(self, owner: Any, write: Callable[[Any, bool], Callable[[], Any]],
                 written: Callable[[Any], Any],
                 refused: Callable[[Any, BaseException], Any] | None = None) -> None:
        self.owner = owner
        self.write = write
        self.written = written
        self.refused = refused
        self._queue: deque[tuple[Any, bool]] = deque()
        self._pending: dict[Any, bool] = {}  # the state each queued item will have
        self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy or bool(self._queue)

    def toggle(self, key: Any, done_now: bool) -> bool:
        """Queue a toggle of item ``key`` (shown as ``done_now``); the state it will have."""
        target = not self._pending.get(key, done_now)
        self._pending[key] = target
        self._queue.append((key, target))
        self._next()
        return target

    def reset(self) -> None:
        """Forget queued toggles (the screen now shows another record)."""
        self._queue.clear()
        self._pending.clear()
        self._busy = False

    def _next(self) -> None:
        if self._busy or not self._queue:
            return
        key, done = self._queue.popleft()
        self._busy = True
        call = self.write(key, done)

        def guarded() -> tuple[bool, Any]:
            try:
                return True, call()
            except Exception as exc:  # handed back, so that the queue never stays busy
                return False, exc

        def finished(outcome: tuple[bool, Any]) -> None:
            ok, value = outcome
            self._busy = False
            if not ok:
                self._queue.clear()  # the presses after a refused one were meant after it
                self._pending.clear()
                self.owner.app.report_error(value)
                if self.refused is not None:
                    self.refused(key, value)
                return
            if all(k != key for k, _ in self._queue):
                self._pending.pop(key, None)
            self.written(value)
            self._next()

        self.owner.service(guarded, finished, group="tick")
