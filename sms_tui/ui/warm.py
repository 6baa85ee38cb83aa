"""Screens built while the analyst is not typing, so that none is built when a key asks (issue 20).

Building a screen -- its widgets, their styles, the first read of its data --
costs 150 ms to a second, far more than a key may take. Each section and each
kept form is built once and then only shown again (a few tens of ms), so the
only slow open left was the first. :class:`Warmer` moves that first build to
idle moments after start-up: once the services are open it builds, one at a
time, the record screen Enter would open on the queue (with that record read
first), the new incident form, the help and the kept dialogs about one record
(note, status, assign, escalate, link: built for the record read ahead, refilled for
the one they open on, as every later open is), then every section's screen (off
screen, in its own stack, exactly as Textual's first switch to the section
would), the new-record form of the other kinds
(:func:`~sms_tui.ui.screens.form.kept_form`'s) and the edit forms of incidents,
problems and changes (built for the record on the cursor of their queue, refilled
for the one they open on).

It keeps out of the keyboard's way: a build starts only when no key has come
for :data:`QUIET_S`, no key is waiting in the type-ahead gate
(:mod:`sms_tui.ui.typeahead`) and the last build has settled (it and every
widget on it handled what was pending); a key arriving meanwhile waits at most
for the part of the one build under way that Textual does in one go (composing
and styling the screen's widgets), and the keys typed after it go on through
the gate, in order, as ever.

A built screen is then made ready to be shown (:meth:`Warmer._lay_out`): marked
as styled for the current stylesheet, laid out at the terminal's size and
rendered, off screen; a section then reads its data
(:meth:`~sms_tui.ui.screens.base.DeskScreen.load_ahead`: once laid out, as what it
draws may depend on its size) and is laid out and rendered again with it. Its
first show only composites what is ready, and re-reads only if something was
written since. Nothing is shown, focused or written: a built screen is not on
the screen stack until its key is pressed.

``SMS_TUI_WARM=0`` turns it off (to measure the first opens it saves, or if a
future Textual changes what it relies on: the mode stacks and screen
registration it shares with :meth:`textual.app.App._init_mode`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# No key for this long: the analyst is reading, not typing. A key that comes during a build
# waits for the part Textual does in one go (up to 100-300 ms for a form of 25 fields on a
# loaded machine), so builds wait for a real pause (reading), not the gap between two keys:
# someone typing, at any pace faster than a key every 2 s, never meets a build.
QUIET_S = 2.0
GAP_S = 0.05  # between two builds: keys and repaints get the loop first
SETTLE_S = 0.02  # how often a build settling (see Warmer._settled) is asked again
WARM_ENV = "SMS_TUI_WARM"
# A built screen is laid out and rendered off screen until it has nothing left to lay out
# (its widgets may change size or content when they learn theirs): at most this many times.
LAYOUT_ROUNDS = 4


class _Reading:
    """What is being built while the record it is built for is read (never mounted)."""

    is_mounted = False


def enabled() -> bool:
    return os.environ.get(WARM_ENV, "").strip() != "0"


class Warmer:
    """Builds the app's screens one at a time at idle (see the module's docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._jobs: deque[tuple[str, Callable[[], Any]]] = deque()
        self._last_input = time.monotonic()
        self._building: Any = None  # the screen whose mounting is awaited
        self._timer: Any = None
        self.built: list[str] = []  # what was built, in order (for the log and the tests)
        self._ahead: dict[str, tuple[Any, int, Any]] = {}  # what: (key, data version, data)

    def read_ahead(self, version: int) -> None:
        """Read, in the thread that opened the services, the data the first opens wait for
        longest: the service report the reports screen opens on (half a second at a million
        records, all of it in the database) and the change calendar's opening fortnight (the
        changes' targets, 50-100 ms). A first open then shows it at once -- as a later open
        shows what it showed last -- and reads it again only if something was written since
        ``version`` (the data version it was read at), as a later open does."""
        if not enabled():
            return
        for what, read in (("report", self._read_report), ("calendar", self._read_calendar)):
            try:
                key, data = read()
            except Exception:  # a busy or closing desk: the screen reads it when opened
                log.debug("reading the %s ahead failed", what, exc_info=True)
                continue
            self._ahead[what] = (key, version, data)

    def _read_report(self) -> tuple[Any, Any]:
        from ..services.reporting.service import ReportService
        from .screens.reports import opening_period

        period = opening_period(self.app.clock())
        return period, self.app.backend.service(ReportService).service_report(period)

    def _read_calendar(self) -> tuple[Any, Any]:
        from ..services.changes.service import ChangeService
        from .screens.change_calendar import opening_window

        window = opening_window(self.app.clock())
        return window, self.app.backend.service(ChangeService).calendar(*window)

    def read_ahead_of(self, what: str, key: Any) -> tuple[Any, bool] | None:
        """What was read ahead as ``what`` ("report", "calendar") for ``key`` (a period, a
        window), and whether it is still current (nothing written since); None if nothing
        was read for that key."""
        found = self._ahead.get(what)
        if found is None or found[0] != key:
            return None
        return found[2], found[1] == self.app.data_version

    def input_seen(self) -> None:
        """A key or a paste came: the next build waits for the next quiet moment."""
        self._last_input = time.monotonic()

    def since_input(self) -> float:
        """Seconds since the last key or paste (the scheduler's checks wait for a pause too)."""
        return time.monotonic() - self._last_input

    def start(self) -> None:
        """Queue every build (the services are open); the first runs at the next quiet moment."""
        if not enabled() or self._jobs or self.built:
            return
        from .sections import SECTIONS

        # the analyst's most frequent moves first: a record, a new incident, the help, what
        # is done on a record (its dialogs, small: built before the sections, so that on a
        # loaded machine, where the builds take 2-3 times as long, they are not left last)
        self._jobs.append(("record screen", self._build_detail))
        self._jobs.append(("new incident form", lambda: self._build_form("incident")))
        self._jobs.append(("help", self._build_help))
        for name in ("note", "status", "assign", "escalate", "link"):
            self._jobs.append((f"{name} dialog", lambda name=name: self._build_dialog(name)))
        for section in SECTIONS:
            self._jobs.append((f"section {section.name}",
                               lambda name=section.name: self._build_mode(name)))
        for kind in ("change", "problem", "known_error"):
            self._jobs.append((f"new {kind} form", lambda kind=kind: self._build_form(kind)))
        for kind in ("incident", "problem", "change"):
            self._jobs.append((f"{kind} edit form", lambda kind=kind: self._build_edit_form(kind)))
        log.debug("services open: %d screens to build at idle", len(self._jobs))
        self._schedule(QUIET_S)

    def stop(self) -> None:
        self._jobs.clear()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # ---------------------------------------------------------------- pacing
    def _schedule(self, delay: float) -> None:
        if self._jobs or self._building is not None:
            self._timer = self.app.set_timer(delay, self._step, name="warm screens")

    def _quiet(self) -> bool:
        gate = self.app.type_ahead
        if gate.busy() or gate.waiting():
            return False
        if self._building is not None and not self._settled(self._building):
            return False
        return time.monotonic() - self._last_input >= QUIET_S

    def _settled(self, screen: Any) -> bool:
        """Whether ``screen`` and every widget on it have handled what was pending (composed,
        mounted): asked once it is mounted, answered through each one's message queue."""
        if not screen.is_mounted or self._reading(screen):
            return False
        asked = getattr(screen, "_warm_pending", None)
        if asked is None:
            nodes = [screen, *screen.walk_children(with_self=False)]
            screen._warm_pending = 0

            def one_done() -> None:
                screen._warm_pending -= 1

            for node in nodes:
                if node.call_later(one_done):
                    screen._warm_pending += 1
            return screen._warm_pending <= 0
        return asked <= 0

    def _reading(self, screen: Any) -> bool:
        """Whether a worker of ``screen`` or of a widget on it is still at work (the first
        read of its data: the screen is laid out and rendered with its data, not before)."""
        def on_screen(node: Any) -> bool:
            try:
                return node is screen or node.screen is screen
            except Exception:  # not on any screen (the app's own workers, a removed widget)
                return False

        return any(not worker.is_finished and on_screen(worker.node) for worker in self.app.workers)

    def _step(self) -> None:
        self._timer = None
        if getattr(self.app, "_exit", False):
            return  # the desk is closing: nothing more to build
        if not self._quiet():
            # a build settling (its widgets handling what was posted) is asked again soon;
            # keys (typing, or one waiting) put the next build off for QUIET_S anyway
            settling = self._building is not None and not self._settled(self._building)
            self._schedule(SETTLE_S if settling else GAP_S * 2)
            return
        if self._building is not None:
            if self._lay_out(self._building):
                self._schedule(GAP_S)  # its widgets handle their Resize and Show, then the next
                return
            self._building = None
            self._freeze_built()  # this build is done
            self._schedule(GAP_S)
            return
        if not self._jobs:
            log.debug("every screen is built: %s", ", ".join(self.built))
            return
        name, build = self._jobs.popleft()
        started = time.perf_counter()
        try:
            self._building = build()
        except Exception:  # a screen that cannot be built ahead is built when asked, as before
            log.warning("building %s ahead failed; it is built when first opened", name,
                        exc_info=True)
            self._building = None
        else:
            if self._building is not None:
                self.built.append(name)
                log.debug("built %s ahead (%.0f ms to start it)", name,
                          (time.perf_counter() - started) * 1000)
        self._schedule(GAP_S)

    def _lay_out(self, screen: Any) -> bool:
        """Lay ``screen`` out at the terminal's size and render every widget on it, off
        screen, as Textual does when it first shows a screen; True if that was needed (then
        it settles -- its widgets handle their Resize and Show -- and is asked again).

        Shown later, the screen has its size (Textual lays out a resumed screen only if its
        size differs) and every widget its rendered lines (kept until the widget changes),
        so its first show composites what is ready instead of laying out and rendering
        every widget while the key waits (issue 13).
        """
        app = self.app
        if screen.is_current or screen.stack_updates or not screen.is_attached:
            return False  # shown meanwhile: Textual laid it out
        size = app.size
        rounds = getattr(screen, "_warm_layouts", 0)
        if rounds >= LAYOUT_ROUNDS or (rounds and not layout_pending(screen, size)
                                       and not getattr(screen, "_load_when_shown", False)):
            return False
        screen._warm_layouts = rounds + 1
        started = time.perf_counter()
        lay_out_off_screen(screen, size)
        load_ahead = getattr(screen, "load_ahead", None)
        if load_ahead is not None:  # a section: its data, now that its size is known
            load_ahead()
        screen._warm_pending = None  # settled again once the events just posted are handled
        log.debug("laid out %s ahead (%.0f ms)", type(screen).__name__,
                  (time.perf_counter() - started) * 1000)
        return True

    def _freeze_built(self) -> None:
        """Collect the garbage a build left, then freeze what it built (as the app does with
        what it has loaded when the services open: :func:`~sms_tui.ui.app.quiet_collector`).

        The built screens, their data and rendered lines are ~10^5 objects that live as long
        as the app, and building them leaves about as many in cycles (Textual's styles,
        selectors, nodes): Python's next full collection walked them all while the analyst
        typed (450-590 ms in a real terminal on a quiet machine; ~1 s at load 7). Done after
        each build, at the quiet moment it had, each collection walks only what that build
        made (the earlier ones are frozen), and later full collections (the app's every five
        minutes) none of it. Frozen objects are still freed when nothing refers to them; only
        a cycle among them would be kept, as with quiet_collector."""
        started = time.perf_counter()
        collected = gc.collect()
        gc.freeze()
        log.debug("collected %d objects after a build and froze the rest (%.0f ms)", collected,
                  (time.perf_counter() - started) * 1000)

    # ---------------------------------------------------------------- builds
    def _register(self, screen: Any) -> Any:
        """Start ``screen`` (compose, mount, its first load) without showing it."""
        app = self.app
        app._get_screen(screen)
        app._load_screen_css(screen)
        # its widgets are styled as they mount; the first show need not restyle them all
        # again (screens.base.KeptStyles) unless the stylesheet changes meanwhile
        screen._styled_for_css = app._css_update_count
        # ... and Textual's first switch to a section whose screen is not marked as styled
        # for the current CSS re-parses the whole stylesheet and restyles the app (60-80 ms):
        # a theme switch meanwhile still counts up past this and gets the full pass
        screen._css_update_count = app._css_update_count
        return screen

    def _build_mode(self, name: str) -> Any:
        app = self.app
        if name in app._screen_stacks or name not in app._modes:
            return None  # already built (shown, or the start section)
        factory = app._modes[name]
        screen = factory() if callable(factory) else None
        if screen is None:
            return None
        if hasattr(screen, "built_ahead"):  # screens.base.DeskScreen: its data once laid out
            screen.built_ahead = True
        self._register(screen)
        app._screen_stacks[name] = [screen]  # switch_mode finds it built, as after a first visit
        return screen

    def _build_detail(self) -> Any:
        """The kept screen of the record under the queue's cursor (its kind's, as Enter would
        open it), built with the record read first: its first open is then a refill."""
        from .sections import START_SECTION, detail_screen_class

        app = self.app
        ref = self._cursor_ref(START_SECTION)
        if ref is None or detail_screen_class(ref) in app._detail_screens:
            return None
        screen = detail_screen_class(ref)(ref)

        def built(data: Any) -> None:
            cls = type(screen)
            if data is None or cls in app._detail_screens or not app.is_running:
                self._building = None
                return
            screen.preload(data)
            app._detail_screens[cls] = screen
            app.install_screen(screen, name=f"detail:{cls.__name__}")
            self._register(screen)

        self._read_ahead(ref, screen.fetcher(app.backend, ref), built)
        return screen  # settled once built (or given up: _building None)

    def _build_dialog(self, name: str) -> Any:
        """A kept dialog about one record (note, status, assign, escalate, link), built for the record
        the record screen built ahead shows; it is refilled for the record it opens on."""
        from .screens.assign_dialog import AssignDialog
        from .screens.escalate_dialog import EscalateDialog
        from .screens.link_dialog import LinkDialog
        from .screens.note_dialog import NoteDialog
        from .screens.transition_dialog import TransitionDialog

        cls = {"note": NoteDialog, "status": TransitionDialog, "assign": AssignDialog,
               "escalate": EscalateDialog, "link": LinkDialog}[name]
        app = self.app
        views = [screen.current_view() for screen in app._detail_screens.values()]
        view = next((v for v in views if v is not None), None)
        if view is None or cls in app._kept_screens:
            return None
        dialog, reused = app.kept_screen(cls, lambda: cls(view))
        return None if reused else self._register(dialog)

    def _build_form(self, kind: str) -> Any:
        from ..domain.kinds import parse_kind
        from .screens.form import RecordForm

        app = self.app
        key = (RecordForm, parse_kind(kind), False)  # kept_form's key for a new record
        if key in app._kept_screens:
            return None
        form, reused = app.kept_screen(key, lambda: RecordForm(kind, lazy=False))
        return None if reused else self._register(form)

    def _build_edit_form(self, kind: str) -> Any:
        """The kept edit form of ``kind`` (:func:`~sms_tui.ui.screens.form.kept_form`'s), built
        for the record on the cursor of that kind's queue, read first; it is refilled for the
        record it opens on, as every later open is."""
        from ..domain.kinds import parse_kind
        from .screens.form import RecordForm
        from .sections import QUEUE_SECTION

        app = self.app
        key = (RecordForm, parse_kind(kind), True)  # kept_form's key for an edit
        ref = self._cursor_ref(QUEUE_SECTION[kind])
        if ref is None or key in app._kept_screens:
            return None
        records = app.backend.records

        def built(view: Any) -> None:
            self._building = None
            if view is None or key in app._kept_screens or not app.is_running:
                return
            form, reused = app.kept_screen(key, lambda: RecordForm(kind, view, lazy=False))
            if not reused:
                self._building = self._register(form)

        self._read_ahead(ref, lambda: records.get(ref), built)
        return _Reading()  # not settled until the form is built (or given up: _building None)

    def _cursor_ref(self, section: str) -> str | None:
        """The reference under the cursor of ``section``'s queue (built at start-up), if any."""
        stack = self.app._screen_stacks.get(section) or [None]
        current_ref = getattr(stack[0], "current_ref", None)
        return current_ref() if current_ref is not None else None

    def _read_ahead(self, ref: str, fetch: Callable[[], Any], built: Callable[[Any], Any]) -> None:
        """``fetch()`` in a thread, then ``built(result)`` on the UI thread -- ``built(None)``
        if the read failed (gone meanwhile, or a busy database: built when first opened)."""
        app = self.app

        def read() -> None:
            try:
                data = fetch()
            except Exception:
                log.debug("reading %s ahead failed", ref, exc_info=True)
                data = None
            with contextlib.suppress(RuntimeError):  # the app is closing
                app.call_from_thread(built, data)

        app.run_worker(read, thread=True, exit_on_error=False, name="read a record ahead")

    def _build_help(self) -> Any:
        from .screens.help import HelpScreen

        app = self.app
        if HelpScreen in app._kept_screens:
            return None
        help_screen, reused = app.kept_screen(HelpScreen, lambda: HelpScreen(app.screen))
        return None if reused else self._register(help_screen)


def layout_pending(screen: Any, size: Any) -> bool:
    """Whether ``screen`` (not shown) has anything for :func:`lay_out_off_screen` to do at
    ``size``: a size it was not laid out at, or a widget whose content or size changed."""
    return screen._size != size or bool(
        screen._layout_required or screen._dirty_widgets or screen._scroll_required)


def lay_out_off_screen(screen: Any, size: Any) -> None:
    """Lay ``screen`` (not current) out at ``size`` and render every widget's lines into its
    cache, as Textual does when it shows a screen: shown later, it composites what is ready
    (for a screen built ahead, :meth:`Warmer._lay_out`; for the record read ahead,
    :mod:`sms_tui.ui.ahead`)."""
    screen._refresh_layout(size)  # not current: reflow only, nothing is drawn
    screen._layout_required = screen._scroll_required = False
    screen._dirty_widgets.clear()
    screen._compositor.render_strips()  # each widget renders its lines into its cache
