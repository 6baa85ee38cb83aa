"""The sms-tui application: sections, the database opened after the first paint, live refresh.

Start-up order matters (issue 9): the app paints its frame (header, section bar,
an empty queue, footer) before anything imports SQLAlchemy; the queue then shows
its first rows read with the standard library (``services.quick_queue``), and
the database is opened in a thread worker (:meth:`Backend.open` migrates it)
once they are painted; screens waiting in :meth:`DeskApp.when_ready` then load
through the services. This module
therefore never imports ``sms_tui.services`` or ``sms_tui.storage`` at the top.

Sections (the one-key destinations: home, each queue, later reviews, outbox,
calendar, reports) come from :mod:`sms_tui.ui.sections`; adding one needs no
edit here. Errors from every worker reach :meth:`DeskApp.report_error`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import ModalScreen
from textual.worker import get_current_worker

from .. import timing
from ..config import Config
from ..domain.errors import ConflictError, DeskError, NotFound, ValidationError
from ..domain.text import one_line
from .ahead import RecordAhead
from .backend import Backend
from .commands import DeskCommands
from .drafts import DraftStore
from .give_way import giving_way
from .glyphs import AsciiFilter, ControlFilter, ascii_only
from .messages import DataChanged
from .scheduler import TuiScheduler
from .sections import SECTIONS, START_SECTION
from .typeahead import TypeAhead
from .warm import Warmer

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
# Importing the services keeps a core busy for half a second and shares the GIL
# with the UI thread: it waits (at most this long) until the start screen has
# painted the first rows it read without them (issue 9).
FIRST_PAGE_WAIT_S = 0.3
FULL_COLLECTION_S = 300.0  # see quiet_collector
CRASH_EXIT_S = 3.0  # see DeskApp._exit_soon_whatever_happens
BURST_S = 0.05  # the keys of one burst, read together, have all reached the gate by then
ERROR_TOAST_S = 8.0  # how long an error stays on screen
QUIT_AGAIN_S = 5.0  # q again within this quits, drafts unwritten


def _section_bindings() -> list[Binding]:
    return [
        Binding(sec.key, f"app.section('{sec.name}')", sec.title, show=False, id=f"section.{sec.name}",
                key_display=sec.shown_key or None)
        for sec in SECTIONS
    ]


def quiet_collector() -> None:
    """Keep Python's cyclic garbage collector out of the analyst's keystrokes (issue 9).

    A full collection walks every object: ~120 ms with SQLAlchemy, SQLModel and
    the schema loaded, several times a minute while the analyst works. The
    objects loaded so far live as long as the app, so they are frozen (never
    walked again), full collections run on their own a tenth as often, and the
    app runs one every few minutes instead (so cycles left by closed screens are
    still freed). Garbage is collected first so that none of it is frozen.
    """
    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


def stopped_message(signum: int, kept: bool = True) -> str:
    """What the desk says when a signal stopped it (after ``sms-tui: ``); ``kept``: whether
    the drafts could be written (a state folder on a full or read-only disk: the message
    said they were kept)."""
    import signal

    name = signal.Signals(signum).name
    if not kept:
        return (f"stopped by {name}; what was typed in a form is lost: its draft could not be "
                "written (see SMS_TUI_STATE_DIR)")
    return f"stopped by {name}; what was typed in a form is kept as a draft (F2)"


def _dropped_keys(count: int) -> str:
    return (f"The {count} keys typed after it were dropped." if count > 1
            else "The key typed after it was dropped.")


class DeskApp(App[None]):
    """The analyst's desk."""

    CSS_PATH = "app.tcss"
    TITLE = "sms-tui"
    MODES = {sec.name: sec.factory() for sec in SECTIONS}
    DEFAULT_MODE = START_SECTION
    COMMANDS = {DeskCommands}  # the desk's own commands only (no theme, screenshot, scroll...)
    BINDINGS = [
        *_section_bindings(),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("G", "configuration", "Services and CIs", id="app.configuration", show=False,
                tooltip="Their relationships, impact and records; edit them under change control"),
        Binding("q", "quit_key", "Quit", id="app.quit", show=False,
                tooltip="From a queue or a record; a form or dialog is saved or left (Esc) first"),
        Binding("ctrl+z", "suspend_process", "Suspend", id="app.suspend", show=False,
                tooltip="Back to the shell for a moment (fg returns to the desk); in a text box, undo"),
    ]

    def __init__(self, *, db_path: Path | str, config: Config | None = None, actor: str = "analyst",
                 clock: Callable[[], datetime] | None = None,
                 poll_interval: float | None = POLL_SECONDS, backend: Backend | None = None) -> None:
        # NO_COLOR (no-color.org): no colour codes at all, not Textual's greyscale; the
        # cursor, focus and states are drawn with reverse, bold and underline anyway.
        super().__init__(ansi_color=True if os.environ.get("NO_COLOR") is not None else None)
        self.config = config or Config()
        self.actor = actor
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.backend = backend or Backend(db_path, self.config, actor, clock)
        self.poll_interval = poll_interval
        self.data_version = 0
        self.startup_error: str | None = None
        self._waiting: list[Callable[[], Any]] = []
        self._first_page = threading.Event()
        self._detail_screens: dict[type, Any] = {}  # one built detail screen per kind, reused
        self._kept_screens: dict[Any, Any] = {}  # one built form or dialog per kind, refilled
        self.review_scheduler = TuiScheduler(self)  # raises due reviews in the background
        self.type_ahead = TypeAhead(self, lambda event: App.on_event(self, event))
        self.warmer = Warmer(self)  # screens built at idle, before their key is pressed
        self.record_ahead = RecordAhead(self)  # the record on the queue's cursor, at rest
        self.drafts = DraftStore(self.backend.desk_name if self.backend.on_server
                                 else str(Path(db_path).expanduser().absolute()),
                                 on_failure=self._drafts_failed)
        self._drafts_before: list[str] = []  # an earlier session's, read as the services open
        self._refused_writes: str | None = None  # why the desk takes no writes (read-only role)
        self.crash: tuple[BaseException, Path | None, str] | None = None
        # the actor and the file name come from the user: controls made visible
        self.sub_title = one_line(f"{actor} · {self.backend.desk_name}")
        # TERM=vt100 / linux, or a locale that is not UTF-8: draw everything in ASCII
        self.ascii_filter = AsciiFilter() if ascii_only() else None
        self.control_filter = ControlFilter()  # no control character reaches the terminal
        self._errors_shown: dict[str, float] = {}  # error message -> when shown (monotonic)
        self._quit_asked_at = -1e9  # when q last asked again (drafts unwritten)
        self._forced_exit: Any = None  # the clock ending a desk that does not end by itself

    @property
    def _background_screens(self) -> list[Any]:
        """The screens seen through the top one: none under a screen with a solid background.

        Textual counts the screen under the top one as seen whatever the top one's
        background, so the queue under an open record was "current": every refresh of its
        rows (the record's key, a blur, the minute's ages, a reload) laid it out, drew it,
        and drew the same part of the record's screen again, none of it seen (issue 20).
        A dialog's translucent background still shows the screen under it.
        """
        stack = self._screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return super()._background_screens

    def get_driver_class(self):  # noqa: ANN201 - Textual's signature
        """Textual's choice, but on Linux/macOS a driver that delivers Esc at the escape delay
        (:mod:`sms_tui.ui.driver`; the stock driver if the installed Textual's loop differs)."""
        from textual import constants

        chosen = super().get_driver_class()
        if chosen.__module__ == "textual.drivers.linux_driver" and constants.DRIVER is None:
            from .driver import desk_driver_class

            return desk_driver_class(chosen)
        return chosen

    def get_line_filters(self):  # noqa: ANN201 - Textual's signature
        filters = [*super().get_line_filters(), self.control_filter]
        return [*filters, self.ascii_filter] if self.ascii_filter is not None else filters

    # --------------------------------------------------------------- start-up
    signalled = 0  # SIGTERM, SIGHUP or SIGINT stopped the desk (its number)

    def on_mount(self) -> None:
        if not self.is_headless:
            self._handle_stop_signals()
            self.app_resume_signal.subscribe(self, self._redraw_after_resume)
        keys = {k: v for k, v in self.config.section("keys").items() if isinstance(v, str)}
        if keys:
            self.set_keymap(keys)  # Posting-style: remap any binding by its id
        self.run_worker(self._open_backend, thread=True, exit_on_error=False, name="open database")

    def _redraw_after_resume(self, _app: Any = None) -> None:
        """Back from ctrl+z (``fg``), or from a SIGTSTP sent by another program: the terminal
        was given back to the shell, whose screen is what it shows. Textual resumed without
        drawing: the desk stayed blank until a key, and then only the rows came back."""
        self.refresh(layout=True)

    def _handle_stop_signals(self) -> None:
        """SIGTERM (a shutdown, ``kill``) and SIGHUP (the SSH connection dropped, the terminal
        closed) ended the desk at once, and SIGINT from another program with status 0: what
        was typed since the last pause in the typing was lost with the drafts not yet on
        disk, and the terminal was left in raw mode with the mouse reported. Now the drafts
        are written first, and the desk ends as on ``q``."""
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # (ctrl+c is a key here)
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._stop_on_signal, signum)

    def _stop_on_signal(self, signum: int) -> None:
        with contextlib.suppress(Exception):
            self.drafts.flush()  # first: the terminal may be gone, the disk is not
        if self.signalled:  # asked again while ending: whatever holds the ending up, end now
            self._force_exit(f"sms-tui: {stopped_message(self.signalled, self._drafts_kept())}",
                             128 + self.signalled)
        self.signalled = signum
        self.exit(return_code=128 + signum)
        # Ending can hang where a crash's does -- a terminal gone with the SSH connection, a
        # screen being built -- and a desk left running on a dropped connection holds its
        # locks and drafts (seen once on a loaded machine: it outlived SIGHUP and SIGTERM)
        self._exit_soon_whatever_happens(
            f"sms-tui: {stopped_message(signum, self._drafts_kept())}", 128 + signum)

    def _drafts_kept(self) -> bool:
        """Whether what was typed in forms is on disk (the stop message says it is)."""
        try:
            return not self.drafts.unwritten
        except Exception:  # the drafts' own state unreadable: do not promise them
            return False

    def drafts_left(self) -> str | None:
        """What the desk says on the terminal as it ends on q or ctrl+q (after ``sms-tui: ``)
        when text typed in a form this session was not saved: ctrl+q from a form quit without
        a word, and the analyst did not know the draft was kept, nor how to get it back."""
        from .drafts import describe

        try:
            self.drafts.flush()
            typed = [key for key in self.drafts.kept() if key in self.drafts.typed]  # oldest first
            lost = self.drafts.unwritten
        except Exception:  # the drafts' own state unreadable: do not promise them
            log.debug("reading the drafts as the desk ends failed", exc_info=True)
            return None
        if not typed:
            return None
        shown = [describe(key) for key in reversed(typed[-3:])]  # the newest first
        more = f", and {len(typed) - 3} more" if len(typed) > 3 else ""
        what = (f"what was typed in {shown[0]}" if len(typed) == 1 else
                f"what was typed in {len(typed)} forms ({'; '.join(shown)}{more})")
        if lost:
            return f"{what} is lost: the draft could not be written (see SMS_TUI_STATE_DIR)"
        if len(typed) == 1:
            return f"{what} is kept as a draft: open the same form again and press F2 to put it back"
        return f"{what} is kept as drafts: open the same forms again and press F2 to put each back"

    def first_page_shown(self) -> None:
        """The start screen has painted its first rows (or has none to show): open the services."""
        self._first_page.set()

    def _open_backend(self) -> None:
        self._first_page.wait(FIRST_PAGE_WAIT_S)
        try:
            with giving_way(self.type_ahead.key_just_handed):  # a key's screen builds first
                self.backend.open()
            version = self.backend.records.data_version()
            self._refused_writes = self._writes_refused()
            quiet_collector()
            self._drafts_before = self._earlier_drafts()
        except DeskError as exc:
            self.call_from_thread(self._startup_failed, str(exc))
            return
        except Exception as exc:  # a corrupt file, a permission problem: one line, no traceback
            log.exception("opening the database failed")
            self.call_from_thread(self._startup_failed, f"cannot open {self.backend.desk_name}: {exc}")
            return
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._backend_ready, version)
            self.warmer.read_ahead(version)  # still off the UI thread

    def _startup_failed(self, message: str) -> None:
        self.startup_error = one_line(message)
        self.exit(return_code=1)

    def _backend_ready(self, version: int) -> None:
        self.data_version = version
        store = self.backend.store
        if getattr(store, "created", False):  # a first run, or a path typed wrong: said
            self.notify(f"A new, empty desk was created at {store.path}", title="New desk",
                        timeout=10, markup=False)
        if self._refused_writes:  # a role granted SELECT only: said now, not at the first save
            self.notify(f"{self._refused_writes}: records can be read, not changed",
                        title="Read-only desk", severity="warning", timeout=12, markup=False)
        self._tell_drafts_kept()
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback()
        self.review_scheduler.start()
        self.warmer.start()
        self.every(FULL_COLLECTION_S, gc.collect, name="full collection")
        if self.backend.listen(self._heard_change):
            pass  # team mode: the server says when anyone commits (LISTEN/NOTIFY), no polling
        elif self.poll_interval:
            self.every(self.poll_interval, self.check_for_changes, name="poll data_version")

    def _writes_refused(self) -> str | None:
        """Why this desk takes no writes from this analyst (a server role granted SELECT
        only), or None (on the worker's thread, as the services open)."""
        try:
            return self.backend.store.refused_writes()
        except Exception:  # cannot tell: the first refused write says so
            log.debug("asking whether the desk is read-only failed", exc_info=True)
            return None

    def _earlier_drafts(self) -> list[str]:
        """The drafts on disk as the services open (on the worker's thread, after the first
        rows; its own read of the file): an earlier session's, not those typed since."""
        from .drafts import DraftStore

        try:
            return DraftStore(self.drafts.desk).kept()
        except Exception:  # unreadable: nothing to say (the forms say so when opened)
            log.debug("reading the drafts kept failed", exc_info=True)
            return []

    def _tell_drafts_kept(self) -> None:
        """Drafts kept from an earlier session (a dropped SSH connection, a crash) are said at
        start: the form offered its draft only when opened again on the same record, and an
        analyst who did not remember which record it was never found it."""
        from .drafts import describe

        kept = self._drafts_before
        if not kept:
            return
        shown = [describe(key) for key in reversed(kept[-3:])]  # the newest first
        more = f", and {len(kept) - 3} more" if len(kept) > 3 else ""
        self.notify(f"Typed and not saved before: {'; '.join(shown)}{more}. Open the same form "
                    "again and press F2 to put it back.", title="Drafts kept", timeout=12,
                    markup=False)

    def every(self, seconds: float, callback: Callable[[], Any], *, name: str,
              node: Any = None) -> Any:
        """Run ``callback`` every ``seconds`` (on ``node``, default the app): the one way the
        TUI installs a periodic timer (:mod:`sms_tui.timing`: scaled for tests, counted).

        The timer gets a plain function, never ``callback`` itself: Textual inspects a
        timer's callback, and a builtin such as ``gc.collect`` made its first tick, five
        minutes after start, end the app (issue 13).
        """
        def run() -> Any:
            timing.tick(name)
            return callback()

        return (node or self).set_interval(timing.interval(seconds), run, name=name)

    def when_ready(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` once the database is open (now, if it already is)."""
        if self.backend.ready and not self._waiting:
            callback()
        else:
            self._waiting.append(callback)

    def on_unmount(self) -> None:
        self.warmer.stop()
        self.record_ahead.stop()
        self.review_scheduler.stop()  # before the store it uses is closed
        self.backend.close()

    # ----------------------------------------------------------- live refresh
    def _heard_change(self) -> None:
        """From the listener thread: another process (or we) committed on the server desk."""
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(self.check_for_changes)

    def check_for_changes(self) -> None:
        """Ask the database whether anyone wrote since we last looked (CLI, scheduler, us)."""
        if not self.backend.ready:
            return

        def body() -> None:
            try:
                version = self.backend.records.data_version()
            except Exception:  # a busy database: try again at the next tick
                log.debug("data_version failed", exc_info=True)
                return
            with contextlib.suppress(RuntimeError):
                self.call_from_thread(self._version_seen, version)

        self.run_worker(body, thread=True, group="poll", exclusive=True, exit_on_error=False)

    def _version_seen(self, version: int) -> None:
        if version != self.data_version:
            self.data_version = version
            self.screen.post_message(DataChanged(version))

    def action_command_palette(self) -> None:
        """Textual's palette, whose Enter waits for the search of what was typed (commands.py)."""
        from textual.command import CommandPalette

        from .commands import desk_palette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(desk_palette())

    # ------------------------------------------------------------------ input
    async def on_event(self, event: events.Event) -> None:
        # Keys and pastes from the terminal go through the type-ahead gate, in order.
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self.warmer.input_seen()
            self.record_ahead.poke()
            if left_out := getattr(event, "left_out", 0):  # see driver.PasteFilter
                self.notify(f"The pasted text held {left_out} terminal control "
                            f"{'sequence' if left_out == 1 else 'sequences'} (colours, cursor "
                            "moves): left out, the text kept in order.", title="Paste",
                            markup=False)
            await self.type_ahead.feed(event)
        else:
            await super().on_event(event)

    # ----------------------------------------------------------------- errors
    def _drafts_failed(self, message: str) -> None:
        """A draft could not be written (read-only or full disk): said once, as a warning."""
        def tell() -> None:
            self.notify(message, severity="warning", timeout=10, markup=False)

        if threading.get_ident() == getattr(self, "_thread_id", None):
            tell()
        else:
            with contextlib.suppress(RuntimeError):  # the app has already stopped
                self.call_from_thread(tell)

    def _handle_exception(self, error: Exception) -> None:
        """An error nobody caught (Textual ends the app): traceback to a private crash log,
        one line for the analyst (:func:`sms_tui.ui.run.run_tui`), a non-zero exit.

        Textual would print a many-line traceback after restoring the terminal; the
        crash log keeps it instead. Drafts are already on disk (written as typed).
        """
        from textual.css.query import NoMatches
        from textual.widget import MountError

        from ..crashlog import write_crash_log

        with contextlib.suppress(Exception):
            self.drafts.flush()  # what the analyst typed last, before anything else
        if isinstance(error, (NoMatches, MountError)) and (getattr(self, "_exit", False)
                                                          or self.signalled):
            # the desk is closing (the analyst quit, a SIGHUP): a screen being built (ui/
            # warm.py, a section opened a moment before) found its widgets, or itself,
            # already taken down -- not a crash to report (a crash log was written for
            # each SIGHUP in the first seconds)
            log.debug("closing: %s", error)
            return
        if self.crash is None:
            path, why_not = write_crash_log(error)
            self.crash = (error, path, why_not)
            log.error("unexpected error, the desk stops (crash log: %s)", path, exc_info=error)
        super()._handle_exception(error)
        if not self.is_headless:
            self._exit_renderables.clear()  # the one line replaces Textual's traceback
            from ..crashlog import crash_line

            self._exit_soon_whatever_happens(
                f"sms-tui: error: {one_line(crash_line(*self.crash))}", 1)

    def _exit_soon_whatever_happens(self, line: str, status: int) -> None:
        """Textual can fail to end: an error while the first screen was being built left a
        blank terminal and a desk that never exited (the app waited for a screen that would
        never mount). If the desk is still running :data:`CRASH_EXIT_S` after a crash or a
        stop signal, it ends anyway (:meth:`_force_exit`). The clock is a thread of its own,
        not the event loop's: a loop blocked (a write to a terminal nobody reads) would
        never run it."""
        import threading

        if self.is_headless or self._forced_exit is not None:
            return
        self._forced_exit = threading.Timer(CRASH_EXIT_S, self._force_exit, (line, status))
        self._forced_exit.daemon = True
        self._forced_exit.start()

    def ended(self) -> None:
        """The desk ended by itself: nothing is to be forced any more."""
        if self._forced_exit is not None:
            self._forced_exit.cancel()

    def _force_exit(self, line: str, status: int) -> None:
        """The terminal restored as far as it can be in a second, ``line`` on stderr, and
        the process ended with ``status``. Drafts are on disk already, and every write is a
        committed transaction or none."""
        import threading

        def restore() -> None:
            with contextlib.suppress(Exception):
                if self._driver is not None:  # the terminal as it was, then the one line
                    with contextlib.suppress(Exception):
                        self._driver._disable_mouse_support()
                    self._driver.stop_application_mode()
                    self._driver.close()  # its writer thread has written all of that
            with contextlib.suppress(Exception):
                # not sys.stderr: Textual captures it while the app runs
                os.write(2, f"{line}\n".encode(errors="replace"))

        restoring = threading.Thread(target=restore, daemon=True)  # may block on the terminal
        restoring.start()
        restoring.join(1.0)
        os._exit(status)

    def report_error(self, exc: BaseException, dropped: int | None = None) -> None:
        """The one place worker errors end up: a notification, never a crash. The same
        message again while it is still shown is not stacked under it (a desk file replaced
        under the desk failed every read, each with its toast, filling the screen).
        ``dropped``: keys typed after the failed call, waiting for what it would have
        opened, were dropped (that many so far; None: no keys were waiting on it)."""
        if isinstance(exc, DeskError):
            title = {ConflictError: "Changed by someone else", NotFound: "Not found",
                     ValidationError: "Not possible"}.get(type(exc), "Error")
            from .hints import error_message  # the key to press, not a CLI command

            message, timeout = one_line(error_message(exc)), ERROR_TOAST_S
        else:
            log.error("unexpected error in a worker", exc_info=exc)
            title, message = "Unexpected error", one_line(f"{type(exc).__name__}: {exc}")
            timeout = 10
        def tell(dropped: int) -> None:
            said = f"{message} {_dropped_keys(dropped)}" if dropped else message
            if not self._shown_lately(said, timeout):
                self.notify(said, title=title, severity="error", timeout=timeout, markup=False)

        if dropped is None:
            tell(0)
        else:
            self._after_the_burst(dropped, tell)

    def refuse(self, message: str, *, timeout: float = 4) -> None:
        """A key's action refused (``message`` says why): what was typed after that key, in
        the same burst, was typed for what it would have opened, and is dropped, not run as
        commands where the analyst still is (Enter on a retired request type, then a title:
        its letters edited the type)."""
        gate = getattr(self, "type_ahead", None)
        dropped = gate.drop_waiting() if gate is not None else 0

        def tell(dropped: int) -> None:
            said = f"{message}. {_dropped_keys(dropped)}" if dropped else message
            self.notify(said, severity="warning", timeout=timeout, markup=False)

        self._after_the_burst(dropped, tell)

    def keys_dropped(self, dropped: int) -> None:
        """Say that ``dropped`` keys typed after a refused call were not run (the refusal
        itself is shown where it belongs: a form's field)."""
        def tell(count: int) -> None:
            if count:
                self.notify(_dropped_keys(count), severity="warning", timeout=ERROR_TOAST_S)

        self._after_the_burst(dropped, tell)

    def _after_the_burst(self, dropped: int, tell: Callable[[int], None]) -> None:
        """``tell(count)`` once the rest of the burst the refused key came in has reached
        the gate and been dropped too (:meth:`TypeAhead.drop_waiting`): the keys dropped."""
        gate = getattr(self, "type_ahead", None)

        def told() -> None:
            tell(dropped + (gate.dropped_late if gate is not None else 0))

        self.set_timer(BURST_S, told)

    def _shown_lately(self, message: str, seconds: float) -> bool:
        import time

        now = time.monotonic()
        shown = self._errors_shown = {m: at for m, at in self._errors_shown.items()
                                      if now - at < seconds}
        if message in shown:
            return True
        shown[message] = now
        return False

    # ---------------------------------------------------------------- actions
    # keys that leave what is on screen: not from a dialog or a form (ctrl+q still quits)
    LEAVING_ACTIONS = frozenset({"section", "quit_key", "configuration"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog is about one record: finish or cancel it before going elsewhere. So is a
        # form: a digit, @ or C typed into it while a choice has the focus is not a way out
        # (it went to another section, and the letters after it ran there as commands), nor
        # is q (it quit the desk from a form's picker) or G
        # The palette is asked from the screen under it: G and q were missing from its list
        # ("services" found nothing), the palette itself being a dialog
        screen = self.screen
        if isinstance(screen, CommandPalette) and len(self.screen_stack) > 1:
            screen = self.screen_stack[-2]
        return not (action in self.LEAVING_ACTIONS
                    and (isinstance(screen, ModalScreen)
                         or not getattr(screen, "SECTION_KEYS", True)))

    async def action_quit_key(self) -> None:
        """q: quit, from a queue or a record (not from a form or a dialog). When drafts
        could not be written (a full disk), what was typed in forms left with Esc is in
        memory only: q says so first, and q again within :data:`QUIT_AGAIN_S` quits."""
        import time

        now = time.monotonic()
        if self.drafts.unwritten and now - self._quit_asked_at > QUIT_AGAIN_S:
            self._quit_asked_at = now
            self.notify("The drafts could not be written to disk: quitting loses what was typed "
                        "in forms left with Esc. Save them, or press q again to quit.",
                        title="Quit?", severity="warning", timeout=QUIT_AGAIN_S, markup=False)
            return
        await self.action_quit()

    def action_section(self, name: str) -> None:
        """Go to a section: its queue (or home...), not the record last open there.

        Record screens opened in the section are put away; a form stays (with
        what was typed in it) and is shown instead, so nothing is lost.
        """
        from .screens.base import DeskScreen

        self.switch_mode(name)
        while len(self.screen_stack) > 1 and isinstance(self.screen, DeskScreen):
            self.pop_screen()

    def switch_mode(self, mode: str) -> Any:
        """Textual's switch, but the frame is held only until the section's screen has taken
        its resume (styles and layout refreshed), not a fixed 50 ms (see :meth:`delay_update`)."""
        self._switching_mode = True
        try:
            result = super().switch_mode(mode)
        finally:
            self._switching_mode = False
        release, self._release_switch_hold = self._release_switch_hold, None
        if release is not None and not self.screen.call_later(release):  # not running: now
            release()
        return result

    _switching_mode = False
    _release_switch_hold: Callable[[], None] | None = None

    def delay_update(self, delay: float = 0.05) -> None:
        """Hold updates while a section is switched in, as Textual does, to never show a
        half-switched frame -- but let go as soon as the new screen has handled its
        ScreenResume (queued behind it), which on a built section is a few ms where Textual
        always waits 50 ms. ``delay`` stays as the longest hold, should that never come."""
        if not self._switching_mode:
            super().delay_update(delay)
            return
        self._begin_batch()
        held = True

        def release() -> None:
            nonlocal held
            if not held:
                return
            held = False
            self._end_batch()
            if not self._batch_count:
                self.screen.refresh()

        self._release_switch_hold = release
        self.set_timer(delay, release, name="delay_update")

    def detail_screen_for(self, ref: str) -> tuple[Any, bool]:
        """A screen to show record ``ref``: the kept screen of its kind when it is not open
        anywhere (True: it must be refilled), else a new one (kept if it is the first)."""
        from .sections import detail_screen_class

        cls = detail_screen_class(ref)
        kept = self._detail_screens.get(cls)
        if kept is not None and not any(kept in stack for stack in self._screen_stacks.values()):
            return kept, True
        screen = cls(ref)
        if kept is None:
            self._detail_screens[cls] = screen
            self.install_screen(screen, name=f"detail:{cls.__name__}")
        return screen, False

    def kept_screen(self, key: Any, make: Callable[[], Any]) -> tuple[Any, bool]:
        """A form or dialog for ``key`` (its class, and what decides its fields): the one kept
        for it when it is built and not open anywhere (True: refill it before pushing it),
        else ``make()`` (kept if it is the first for ``key``).

        Building a form or dialog (widgets, styles, layout) costs 100-300 ms, more than
        any key may take (issue 20); refilling a built one costs a few milliseconds.
        """
        kept = self._kept_screens.get(key)
        if (kept is not None and kept.is_mounted
                and not any(kept in stack for stack in self._screen_stacks.values())):
            return kept, True
        screen = make()
        if kept is None:
            self._kept_screens[key] = screen
            self.install_screen(screen, name=f"kept:{len(self._kept_screens)}")
        return screen, False

    def action_open_ref(self, ref: str) -> None:
        """Open a record by reference (from the palette), over the current section."""
        from .sections import detail_screen

        self.push_screen(detail_screen(ref))

    def action_configuration(self) -> None:
        """Services and CIs (8.2.6), over the current section."""
        from .screens.configuration import ConfigurationScreen

        if not isinstance(self.screen, ConfigurationScreen):
            self.push_screen(ConfigurationScreen())

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            under = self.screen
            help_screen, reused = self.kept_screen(HelpScreen, lambda: HelpScreen(under))
            if reused:
                help_screen.reopen(under)
            self.push_screen(help_screen)
