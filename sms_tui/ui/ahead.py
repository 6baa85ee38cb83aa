"""The record under the queue's cursor, read and laid out while the analyst reads its line (issue 20).

Enter on a queue row read the record in a thread, refilled the kept record screen
with it, and only then did Textual lay the screen out and draw it: 55-85 ms from
the key to the record's frame in a real terminal on the million-record desk, over
the 50 ms a key may take. The analyst, though, rests on a row before opening it
(reading its title): when the cursor has not moved for :data:`REST_S`,
:class:`RecordAhead` does that work then -- the read in a thread, the refill of
the kept screen and its layout, off screen, each step on the UI thread only while
no key is waiting -- and marks the screen ready for that record. Enter on it
pushes the screen at once (:func:`sms_tui.ui.actions.open_record`); any other
Enter (a record opened the moment the cursor got there, a screen not free) takes
the old way, unchanged.

What the screen shows is never older than what the desk knows: the screen that
was filled ahead reads the record again when it is shown if anything was written
since its refill (:meth:`~sms_tui.ui.screens.base.DeskScreen.on_screen_resume`), and
Enter asks the database at once whether anyone wrote (another process's write is
otherwise noticed at the next poll, up to two seconds), which makes the shown
record read again. A write from it still names the version it shows, so a
stale one is refused as a conflict, never applied.

``SMS_TUI_WARM=0`` turns this off with the rest of the work done ahead (ui/warm.py).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from .warm import enabled, lay_out_off_screen, layout_pending

log = logging.getLogger(__name__)

# The cursor still for this long: the analyst is reading the row, not moving through the
# queue (keys held down repeat every 30-50 ms; a press at a time comes 100+ ms apart, and
# each rest before the last only costs a read that the next move makes moot). Shorter
# would fill the screen for rows passed over; longer would leave a quick reader's Enter
# on the old way. Each step of the work (a refill 7-12 ms, a layout 10-30 ms) waits for
# a moment with no key waiting, and a key that comes meanwhile puts it off again.
REST_S = 0.1
LAYOUT_ROUNDS = 6
FILLED_KEPT = 100  # references kept in RecordAhead.filled (the log's and the tests')
STEP_S = 0.01  # between two steps: the widgets handle what the last one posted, keys go first


class RecordAhead:
    """Fills the kept record screen with the record under a queue's cursor, at rest."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._timer: Any = None
        self._moved = 0  # counts pokes: a step started before the last one is moot
        self.filled: list[str] = []  # references filled ahead, in order (log and tests)

    def poke(self) -> None:
        """A key came, or a queue's rows or cursor changed: wait for the next rest."""
        self._moved += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if enabled() and getattr(self.app, "is_running", False):
            self._timer = self.app.set_timer(REST_S, self._rested, name="record ahead")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # ------------------------------------------------------------------ steps
    def _target(self) -> tuple[Any, str, Any] | None:
        """(queue screen, reference under its cursor, kept record screen) when there is a
        record to fill ahead now; None otherwise."""
        app = self.app
        if getattr(app, "_exit", False) or not app.backend.ready:
            return None
        try:
            queue = app.screen
        except Exception:  # no screen left: the app is closing
            return None
        if not getattr(queue, "READS_AHEAD", False) or not queue.is_current:
            return None
        ref = queue.current_ref()
        if ref is None:
            return None
        from .sections import detail_screen_class

        kept = app._detail_screens.get(detail_screen_class(ref))
        if (kept is None or not kept.is_mounted or kept is app.warmer._building
                or any(kept in stack for stack in app._screen_stacks.values())):
            return None  # not built yet (ui/warm.py builds it), or open: Enter makes a new one
        return queue, ref, kept

    def _keys_pending(self) -> bool:
        """Whether a key is waiting or still being handled (the type-ahead gate's)."""
        gate = self.app.type_ahead
        return gate.busy() or gate.waiting()

    def _later(self, step: Any, delay: float = STEP_S) -> None:
        self._timer = self.app.set_timer(delay, step, name="record ahead")

    def _rested(self) -> None:
        self._timer = None
        if self._keys_pending():
            self._later(self._rested, REST_S)  # the last key is still at work
            return
        target = self._target()
        if target is None:
            return
        queue, ref, kept = target
        moved, app = self._moved, self.app
        if kept.seen_version == app.data_version:  # nothing written since it was filled
            if kept.ready_for == ref:
                return  # filled for this record already
            view = kept.current_view()
            if view is not None and view.ref == ref:
                # it shows this record already, as it is (the analyst came back from it):
                # back to its top, without reading and filling it again
                kept.back_to_top()
                kept.ready_for = ref
                self._later(lambda: self._lay_out(moved, ref, 0))
                return
        fetch = kept.fetcher(app.backend, ref)

        def read() -> None:
            try:
                data = fetch()
            except Exception:  # gone meanwhile, a busy database: Enter reads it as ever
                log.debug("reading %s ahead failed", ref, exc_info=True)
                return
            with contextlib.suppress(RuntimeError):  # the app is closing
                app.call_from_thread(self._fill, moved, ref, data)

        app.run_worker(read, thread=True, group="record ahead", exclusive=True,
                       exit_on_error=False, name="read the record ahead")

    def _kept_now(self, moved: int, ref: str, step: Callable[[], None]) -> Any:
        """The kept screen for the next step of the work for ``ref``, if nothing moved since
        the rest began and no key is at work; None otherwise: the step is moot (moved), or
        put off and ``step`` tried again shortly (a key is at work: it goes first)."""
        if moved != self._moved:
            return None
        if self._keys_pending():
            self._later(step)
            return None
        target = self._target()
        return target[2] if target is not None and target[1] == ref else None

    def _fill(self, moved: int, ref: str, data: Any) -> None:
        kept = self._kept_now(moved, ref, lambda: self._fill(moved, ref, data))
        if kept is None:
            return
        started = time.perf_counter()
        kept.reuse_for(ref, data)
        # Enter on it shows it from now on: laid out already, or (a key that came before the
        # layouts below) laid out as it is shown, as any screen is, without reading it again
        kept.ready_for = ref
        log.debug("filled %s ahead (%.1f ms)", ref, (time.perf_counter() - started) * 1000)
        # its widgets take their new content (their messages), then it is laid out
        self._later(lambda: self._lay_out(moved, ref, 0))

    def _lay_out(self, moved: int, ref: str, rounds: int) -> None:
        kept = self._kept_now(moved, ref, lambda: self._lay_out(moved, ref, rounds))
        if kept is None:
            return
        size = self.app.size
        if rounds < LAYOUT_ROUNDS and (rounds == 0 or layout_pending(kept, size)):
            lay_out_off_screen(kept, size)
            # its widgets handle their Resize and Show, and the journal's rest is drawn after
            # the first layout (JournalList.show): laid out again until nothing is left
            self._later(lambda: self._lay_out(moved, ref, rounds + 1))
            return
        self.filled.append(ref)
        del self.filled[:-FILLED_KEPT]  # a day of rests: the last ones only
        log.debug("%s ready ahead (%d layouts)", ref, rounds)
