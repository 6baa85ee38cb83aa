"""What every sms-tui screen shares: access to the services and live refresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.reactive import Reactive
from textual.screen import ModalScreen, Screen

from ...domain.errors import DeskError, NotFound
from ..messages import DataChanged
from ..work import run_service

if TYPE_CHECKING:
    from ..app import DeskApp
    from ..backend import Backend

T = TypeVar("T")


def is_older(incoming: Any, shown: Any) -> bool:
    """True when ``incoming`` is an earlier state of the record ``shown`` already shows.

    A read that started before one of the screen's own writes committed (a refresh that
    write's notice set off) can arrive after the write's result: shown, it would put the
    record back as it was, and the next write would pass that old version and be refused as
    a conflict with the screen's own previous write (four ticks typed in one burst recorded
    two). Versions only grow, so the older state is dropped.
    """
    if incoming is None or shown is None:
        return False
    ref = getattr(incoming, "ref", None)
    return (ref is not None and ref == getattr(shown, "ref", None)
            and getattr(incoming, "version", 0) < getattr(shown, "version", 0))


class ServiceMixin:
    """Calls into the services from a screen (see :func:`sms_tui.ui.work.run_service`)."""

    app: DeskApp

    @property
    def backend(self) -> Backend:
        return self.app.backend

    _holding_keys = False  # set by load_holding_keys: the reads it starts hold the keys

    def service(self, call: Callable[[], T], then: Callable[[T], Any] | None = None, *,
                on_error: Callable[[DeskError], bool] | None = None, group: str = "db",
                exclusive: bool = False, opens_screen: bool = False,
                needs_services: bool = True) -> None:
        opens_screen = opens_screen or self._holding_keys
        run_service(self, call, then, on_error=on_error, group=group,  # type: ignore[arg-type]
                    exclusive=exclusive, opens_screen=opens_screen, needs_services=needs_services)

    def load_holding_keys(self) -> None:
        """``load()``, the keys typed meanwhile waiting for what it reads: after a filter or a
        search the analyst asked for, Enter acts on the rows it finds, as typed slowly."""
        self._holding_keys = True
        try:
            self.load()  # type: ignore[attr-defined]
        finally:
            self._holding_keys = False


class FieldFocusMixin:
    """Marks the ``.field`` row holding the focused widget with ``-focused``.

    The row's label is then shown reversed, so the focused field is plain to
    see without colour. (CSS ``:focus-within`` would do, but Textual does not
    restyle the label when focus leaves the row.)
    """

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_row(event.widget, True)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._mark_row(event.widget, False)

    @staticmethod
    def _mark_row(widget: Any, focused: bool) -> None:
        for node in widget.ancestors_with_self:
            if node.has_class("field"):
                node.set_class(focused, "-focused")
                return


class KeptStyles:
    """For a screen shown again after it was put away (a section switched back to, a kept
    form, dialog or record screen reopened): its styles are not recomputed unless the
    app's CSS changed (a theme switch) since they last were.

    Textual re-applies the stylesheet to every widget of a screen each time it is pushed
    or switched to: 20-80 ms for a form of 25 fields, on every open (issue 20). While a
    screen is put away its widgets still restyle themselves when their classes or focus
    change; only a stylesheet change (counted by the app) needs the full pass.
    """

    app: Any
    _styled_for_css: int | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # runs before Textual's own handler of the event, which reads refresh_styles
        current = getattr(self.app, "_css_update_count", None)
        if current is not None and self._styled_for_css == current:
            event.refresh_styles = False
        self._styled_for_css = current


class FocusWithoutRepaint:
    """A change of focus does not paint the whole screen again.

    Textual's ``Screen.focused`` is a reactive that repaints the screen when it changes:
    every widget on it was drawn again -- all the rows of a queue, three times over when
    Esc left the search box -- though only the widgets the focus left and reached change
    (they restyle themselves: ``:focus`` and ``:focus-within`` are applied to them and
    their parents, which then repaint). The same reactive, without the repaint; its
    watcher (the footer's keys) still runs.
    """

    focused: Reactive[Any] = Reactive(None, repaint=False)


class DeskScreen(FocusWithoutRepaint, KeptStyles, ServiceMixin, Screen):
    """A full screen that shows data from the store and keeps it current.

    Subclasses implement :meth:`load` (called once the database is open, and
    again whenever another process or another screen wrote to it).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_version: int | None = None
        # built at idle before its key was pressed (ui/warm.py): its data is read once it is
        # laid out (what a screen draws from its data may depend on its size), off screen
        # (load_ahead), or when first shown if that comes first
        self.built_ahead = False
        self._load_when_shown = False

    def on_mount(self) -> None:
        self.app.when_ready(self._first_load)

    # True: keys typed in the burst that opened the screen wait for its first read (a list
    # acted on by the keys after it: the known errors' w, the services' Down Enter)
    HOLD_KEYS_ON_FIRST_LOAD = False

    def _first_load(self) -> None:
        if self.built_ahead and not self.is_current:
            self._load_when_shown = True
            return
        self.seen_version = self.app.data_version
        if self.HOLD_KEYS_ON_FIRST_LOAD:
            self.load_holding_keys()
        else:
            self.load()

    def load(self) -> None:
        """(Re)load what the screen shows; runs on the UI thread, starts workers."""

    def _load_failed(self, exc: DeskError) -> bool:
        """``on_error`` for a screen about one record: a reference that matches nothing
        (never loaded, so ``view`` is still None) is reported and the screen closes."""
        if isinstance(exc, NotFound) and getattr(self, "view", None) is None:
            self.app.notify(str(exc), severity="error", markup=False)
            self.dismiss()
            return True
        if isinstance(exc, NotFound) and self.app.screen is self:
            # the record shown went away (purged, an erasure request, by another analyst or
            # the command line): its data left the screen too -- it stayed, fields and all,
            # under a "Not found" toast, and a note typed on it was refused only at ctrl+s
            ref = getattr(getattr(self, "view", None), "ref", "") or "the record"
            self.app.notify(f"{ref} is no longer on the desk (purged since it was opened).",
                            severity="warning", markup=False)
            self.dismiss()
            return True
        return False

    def on_data_changed(self, message: DataChanged) -> None:
        if self.seen_version is not None and message.version != self.seen_version:
            self.seen_version = message.version
            self.load()

    def load_ahead(self) -> None:
        """Read the data of a screen built ahead, off screen, now that it is laid out (the
        warmer, at idle): its first show is then of the data read -- or re-read, if anything
        was written since."""
        if self._load_when_shown:
            self._load_when_shown = False
            self.seen_version = self.app.data_version
            self.load()

    def on_screen_resume(self) -> None:
        # a screen kept and shown again (a record's, over another section) says where it is
        from ..widgets.section_bar import SectionBar

        for bar in self.query(SectionBar):
            bar.show(self.app.current_mode)
        if self._load_when_shown:
            self._load_when_shown = False
            self._first_load()
            return
        # Changes made while another screen was on top (or another section shown).
        if self.seen_version is not None and self.app.data_version != self.seen_version:
            self.seen_version = self.app.data_version
            self.load()


class DeskModal(FocusWithoutRepaint, KeptStyles, FieldFocusMixin, ServiceMixin, ModalScreen[Any]):
    """A dialog over a screen; it calls services the same way."""


class FollowsChanges:
    """For a dialog that shows a record as it is now, not one the analyst is typing into
    (the major incident's and the security incident's steps): read again whenever anyone
    writes -- :class:`DataChanged` goes to the screen on top -- and when it is on top again
    after a dialog of its own if anything was written meanwhile, as :class:`DeskScreen` is.
    It showed the state it opened on until closed and opened again, and each tick was then
    refused as "changed by someone else". (An :class:`ActionDialog` holds what was typed
    against the version it showed: it learns of a change by the conflict, and ctrl+r.)"""

    app: Any
    seen_version: int | None = None

    def load_changes(self) -> None:
        """Read what was written. Its own worker group, not the dialog's ``load``'s: the
        notice of the dialog's own write came while the read after that write held the keys
        typed next (Enter after a, a name, Enter), and cancelled it, so that Enter ticked with
        the version from before the write and was refused as changed by someone else."""
        raise NotImplementedError

    def on_mount(self) -> None:
        # (Textual runs every class's on_mount along the MRO: the dialog's own runs too)
        self.seen_version = self.app.data_version

    def on_data_changed(self, message: DataChanged) -> None:
        if message.version != self.seen_version:
            self.seen_version = message.version
            self.load_changes()

    def on_screen_resume(self) -> None:
        if self.seen_version is not None and self.app.data_version != self.seen_version:
            self.seen_version = self.app.data_version
            self.load_changes()
