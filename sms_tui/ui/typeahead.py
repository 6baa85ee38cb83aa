"""Type-ahead: keys typed in a burst land where they would have landed typed slowly (issue 13).

Over SSH, from a paste or from a fast typist, many keys arrive in one read.
Textual hands each key to the widget focused *at the moment the app reads it*,
and goes straight on to the next key. A key that moves focus (Tab), opens a
dialog or closes one takes effect only when the widget it went to has handled
it -- by then the keys after it were already handed to the old widget. That
is how "Budget ok", Tab, "Priya" became the rationale "Budget okPriya", and how
letters typed while a dialog was opening ran as commands on the screen under it.

:class:`TypeAhead` puts keys (and pastes) through one at a time, in order:

* a key is handed on, then the next one waits until the first has been
  handled all the way up the widget tree (a marker follows it from the
  focused widget to the app, one message queue at a time) and, for a command
  key, until what it set off there has been handled too;
* while the current screen is new (pushed, popped, switched) the keys wait
  until the screen and every widget on it have handled what was pending, so
  its ``on_mount`` focus is in place;
* while an action is fetching what a screen needs before it can open, or a
  save or tick is being written (:meth:`hold`, used by
  :func:`~sms_tui.ui.work.run_service`), the keys wait for it.

A key that arrives when nothing is pending is handled at once, and a letter
typed into the text field the previous letter went to goes straight on, so
typing at human speed costs nothing. A watchdog lets keys through if something that
was waited for never reports (a widget removed mid-key): a lost wait must
never freeze the keyboard.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events

from .driver import resolve_key

log = logging.getLogger(__name__)

# A key or a screen not reported done by then is given up on (a wait that was lost must not
# freeze the keyboard). 2 s was within reach of a real wait on a loaded machine: a request
# form opening from the catalogue under two test workers and a trial lost the first letter
# typed into it twice in ten runs, as if the watchdog had let it go early.
STUCK_AFTER_S = 5.0
HOLD_LIMIT_S = 15.0  # an opening screen waited for at most this long (a very slow disk)


class TypeAhead:
    """The app's key gate; ``dispatch`` is the app's own handling of one input event."""

    def __init__(self, app: Any, dispatch: Callable[[events.Event], Awaitable[None]]) -> None:
        self.app = app
        self._dispatch = dispatch
        self._queue: deque[events.Event] = deque()
        self._in_flight: tuple[int, float] | None = None  # (serial, since)
        self._typing_into: Any = None  # the text field the key in flight was typed into
        self._serial = 0
        self.handed = 0  # keys and pastes handed on so far (a form tells its own filling from typing)
        self.handed_at = float("-inf")  # when the last one was (monotonic)
        self._holds: dict[int, Hold] = {}
        self._next_token = 0
        self._settled: Any = None  # the current screen, once it handled what was pending
        self._settling: Any = None
        self._settling_since = 0.0
        self._watchdog: Any = None
        self._draining = False
        self._drop_before = float("-inf")  # keys read before this are dropped (drop_waiting)
        self.dropped_late = 0  # how many, since the last drop_waiting

    # -------------------------------------------------------------- the gate
    def waiting(self) -> bool:
        """Whether keys are queued, not yet handed on (the warmer waits for them)."""
        return bool(self._queue) or self._draining

    def next_typed(self) -> str | None:
        """The character of the next key waiting behind the one being handled (typed in the
        same burst), or None: a command letter followed at once by letters was a word."""
        if not self._queue:
            return None
        event = self._queue[0]
        return getattr(event, "character", None) if isinstance(event, events.Key) else None

    def key_just_handed(self) -> bool:
        """Whether a key was handed on so recently that what it set off may still be
        building (read from another thread: :mod:`sms_tui.ui.give_way`)."""
        from .give_way import AFTER_KEY_S

        return time.monotonic() - self.handed_at < AFTER_KEY_S

    def busy(self) -> bool:
        now = time.monotonic()
        if self._in_flight is not None and now - self._in_flight[1] > STUCK_AFTER_S:
            self._in_flight = None
        for token, hold in list(self._holds.items()):
            if now - hold.since > HOLD_LIMIT_S or hold.worker_gone():
                del self._holds[token]
        if self._in_flight is not None or self._holds:
            return True
        return not self._screen_settled()

    def _screen_settled(self) -> bool:
        screen = self._current_screen()
        if screen is None or screen is self._settled:
            return True
        if screen is not self._settling:
            self._settling = screen
            self._settling_since = time.monotonic()
            self._await_screen(screen)
        elif time.monotonic() - self._settling_since > STUCK_AFTER_S:
            self._settled = screen
        return screen is self._settled

    def _await_screen(self, screen: Any) -> None:
        """Settled once the screen and every widget on it handled what was pending
        (composing, mounting, its ``on_mount`` asking for focus) -- as Textual's Pilot
        waits for a screen -- and the app then ran the focus change it was asked for."""
        nodes = [screen, *screen.walk_children(with_self=False)]
        pending = 0

        def one_done() -> None:
            nonlocal pending
            pending -= 1
            if pending == 0:
                self.app.call_later(self._screen_ready, screen)

        for node in nodes:
            if node.call_later(one_done):
                pending += 1
        if pending == 0:
            self.app.call_later(self._screen_ready, screen)

    def _screen_ready(self, screen: Any) -> None:
        if self._settling is screen:
            self._settled = screen
        self._release()

    # --------------------------------------------------------------- holding
    def hold(self) -> Hold:
        """Keys wait from now until the hold is released (a screen is opening)."""
        self._next_token += 1
        hold = Hold(self, self._next_token)
        self._holds[hold.token] = hold
        return hold

    def _let_go(self, token: int) -> None:
        if self._holds.pop(token, None) is not None:
            self._release()

    def drop_waiting(self) -> int:
        """Forget the keys typed so far: they were typed for a screen that did not open (or
        a form a save would have closed) and would run as commands where the analyst is.

        Those waiting here are dropped now; those read from the terminal before now but not
        handed to the gate yet (the rest of the same burst, still in the app's queue) are
        dropped as they come (:meth:`feed`) and counted in :attr:`dropped_late`. A key typed
        after this moment goes on as usual."""
        from textual._time import get_time

        self._drop_before = get_time()  # the clock Textual stamps each event with
        self.dropped_late = 0
        dropped = len(self._queue)
        self._queue.clear()
        return dropped

    # ------------------------------------------------------------ the events
    async def feed(self, event: events.Event) -> None:
        """A key or paste from the terminal: handle it now, or queue it behind the others."""
        if event.time < self._drop_before:  # read before a refusal: see drop_waiting
            self.dropped_late += 1
            return
        if not self._queue and not self._draining and self._streams(event):
            await self._handle(event)
            return
        if self._queue or self._draining or self.busy():
            log.debug("key %r waits (in flight %s, holds %d, screen settled %s)",
                      getattr(event, "key", "paste"), self._in_flight, len(self._holds),
                      self._settled is self._current_screen())
            self._queue.append(event)
            self._arm_watchdog()
            return
        await self._handle(event)

    def _streams(self, event: events.Event) -> bool:
        """A letter typed into the text field the previous letter went to goes at once: the
        field takes it and nothing moves focus, so waiting would only slow typing down."""
        return (self._typing_into is not None and self._in_flight is not None
                and not self._holds and _typed(event) and self.app.focused is self._typing_into
                and self._screen_settled())

    async def _handle(self, event: events.Event) -> None:
        focused = self.app.focused
        # ESC b / ESC f: word movement in a text field, else Esc then the letter -- decided
        # now, with the focus the keys before it left (sms_tui.ui.driver)
        keys = resolve_key(event, _is_text_field(focused))
        if len(keys) > 1:
            event = keys[0]
            self._queue.extendleft(reversed(keys[1:]))
        if isinstance(event, events.Paste) and _is_one_line_field(focused):
            event = self._one_line(event)
        elif _invisible_typed(event) and _is_text_field(focused):
            # a joiner, a direction mark, a no-break space typed (not pasted): Textual's text
            # fields take only what Python calls printable, and dropped them -- "nbsp y" became
            # "nbspy", 👩‍💻 two emoji; pasted, they were kept
            event = events.Paste(event.character or "")
        log.debug("key %r to %r", getattr(event, "key", "paste"), focused)
        self.handed += 1
        self.handed_at = time.monotonic()
        await self._dispatch(event)
        forwarded = event.is_forwarded and not event._stop_propagation
        # set before _follow, which may find the key done at once and read it
        typed = forwarded and _typed(event) and _is_text_field(focused)
        self._typing_into = focused if typed else None
        if forwarded:
            self._follow(event, focused or self._current_screen())

    def _one_line(self, paste: events.Paste) -> events.Paste:
        """Lines pasted into a one-line field (a title), joined with spaces: Textual kept the
        first line and dropped the rest without a word."""
        lines = [line.strip() for line in paste.text.splitlines()]
        kept = [line for line in lines if line]
        if len(kept) <= 1:
            return events.Paste(kept[0] if kept else "") if len(lines) > 1 else paste
        self.app.notify(f"The {len(kept)} pasted lines were joined into one: this field "
                        "holds one line.", title="Paste", markup=False)
        return events.Paste(" ".join(kept))

    def _current_screen(self) -> Any:
        try:
            return self.app.screen
        except Exception:  # no screen yet (starting) or none any more (closing)
            return None

    def _follow(self, event: events.Event, node: Any) -> None:
        """Mark ``event`` in flight until it has been handled by ``node`` and its ancestors."""
        self._serial += 1
        serial = self._serial
        self._in_flight = (serial, time.monotonic())
        if node is None or not node.call_later(self._step, event, node, serial, node, False):
            self._done(serial, None)

    def _step(self, event: events.Event, node: Any, serial: int, origin: Any,
              trailing: bool) -> None:
        # ``node`` has handled ``event``: it stopped there, or went on to the parent's queue.
        # Trailing, the marker walks up from where the key went once more, behind what
        # handling the key posted there (Enter in an Input posts Submitted, which bubbles
        # up to the dialog that saves): the next key waits for that too.
        parent = getattr(node, "_parent", None)
        # A key the app handed down (keys from Pilot; not the driver's, which have no sender)
        # is stopped by the screen as it goes back up to the app -- Textual stops a message
        # at its sender -- but still goes there, and the app's bindings (an option list's
        # Enter) run only then: the marker goes too. Stopping at the screen, it let the next
        # key go before the option picked was acted on (the catalogue's Enter, then a
        # title's first letter ran on the catalogue).
        handed_up = event is not None and parent is not None and event._sender is parent
        finished = ((not trailing and event._stop_propagation and not handed_up)
                    or parent is None or node is self.app)
        if finished:
            self._done(serial, None if trailing else origin)
        elif not parent.call_later(self._step, event, parent, serial, origin, trailing):
            self._done(serial, None)

    def _done(self, serial: int, origin: Any) -> None:
        if self._in_flight is None or self._in_flight[0] != serial:
            return
        if self._typing_into is not None:
            self._done_now(serial)  # a letter in a text field: nothing follows from it
        elif origin is not None and origin.call_later(self._step, None, origin, serial, None, True):
            return  # a command key: trail what it set off (see _step)
        else:
            # and what its action asked the app to do next (a screen to push, a focus to
            # move) runs before the next key is looked at
            self.app.call_later(self._done_now, serial)

    def _done_now(self, serial: int) -> None:
        if self._in_flight is not None and self._in_flight[0] == serial:
            self._in_flight = None
            self._release()

    # ---------------------------------------------------------------- drain
    def _release(self) -> None:
        if self._queue:
            # through the app's queue: after any focus change the last key asked for
            self.app.call_later(self._drain)

    async def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self._queue and not self.busy():
                await self._handle(self._queue.popleft())
        finally:
            self._draining = False
        if self._queue:
            self._arm_watchdog()

    def _arm_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = self.app.every(0.25, self._tick, name="type-ahead watchdog")

    def _tick(self) -> None:
        if not self._queue:
            # a tick already under way when the watchdog was stopped comes here with none
            # (seen on a loaded machine: the app ended on it)
            if self._watchdog is not None:
                self._watchdog.stop()
                self._watchdog = None
            return
        if not self.busy():
            self.app.call_later(self._drain)


def _typed(event: events.Event) -> bool:
    return isinstance(event, events.Key) and event.is_printable


def _invisible_typed(event: events.Event) -> bool:
    """A key whose character is text Python does not call printable but that is no control
    character: format characters (U+200D, U+200F) and spaces other than ' ' (U+00A0)."""
    if not isinstance(event, events.Key) or event.is_printable or not event.character:
        return False
    import unicodedata

    return len(event.character) == 1 and unicodedata.category(event.character) in ("Cf", "Zs")


def _is_one_line_field(widget: Any) -> bool:
    from textual.widgets import Input

    return isinstance(widget, Input)


def _is_text_field(widget: Any) -> bool:
    from textual.widgets import Input, TextArea

    return isinstance(widget, Input | TextArea)


def hold_keys(app: Any) -> Hold | NoHold:
    """Keys typed from now wait until the returned hold is released (an app without the
    type-ahead gate, a bare test app, gets one that holds nothing)."""
    gate = getattr(app, "type_ahead", None)
    return gate.hold() if gate is not None else NoHold()


class NoHold:
    """What :func:`hold_keys` gives an app without the gate: nothing to release."""

    def release(self) -> None:
        pass

    def fail(self) -> int:
        return 0


class Hold:
    """Keys wait while this is held: until :meth:`release`, or its worker ended without it
    (cancelled before it ran: nothing will open)."""

    def __init__(self, gate: TypeAhead, token: int) -> None:
        self.gate, self.token = gate, token
        self.since = time.monotonic()
        self.worker: Any = None

    def release(self) -> None:
        self.gate._let_go(self.token)

    def fail(self) -> int:
        """What was held for will not happen (the screen could not open, the save was
        refused): the keys typed meanwhile are dropped, not run on the screen still shown
        -- a note typed after ``c`` ran as queue commands. Returns how many were dropped."""
        dropped = self.gate.drop_waiting()
        self.release()
        return dropped

    def worker_gone(self) -> bool:
        # cancelled counts: an exclusive worker replaced before its thread ran stays RUNNING
        # and never reports, and a cancelled one's result is dropped anyway (run_service)
        return self.worker is not None and (self.worker.is_finished or self.worker.is_cancelled)
