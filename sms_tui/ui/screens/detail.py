"""One record: all its fields, its links (followed with Enter), its journal newest first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.errors import DeskError
from ...domain.kinds import parse_ref
from ...domain.lifecycle import lifecycle_for
from ...services.core.views import RecordRow, RecordView
from .. import display
from ..actions import RECORD_ACTIONS, RecordActions
from ..widgets.desk_footer import DeskFooter
from ..widgets.journal_view import JournalList
from ..widgets.major_panel import IncidentPanel, is_incident
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.record_fields import RecordFields, blocks_renderable
from ..widgets.section_bar import SectionBar
from .base import DeskScreen, is_older

log = logging.getLogger(__name__)


class RecordScreen(RecordActions, DeskScreen):
    """The detail of a record; it follows changes made elsewhere while it is open."""

    CSS_PATH = "detail.tcss"
    NO_LINKS = "No links. Press l to link a record."  # what the links box says when empty

    BINDINGS = [
        Binding("escape", "back", "Back", id="detail.back", show=False),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("t", "transition", "Status", id="detail.transition",
                tooltip="Move the record along its lifecycle"),
        Binding("c", "note", "Note", id="detail.note", tooltip="Add a work note"),
        Binding("a", "assign", "Assign", id="detail.assign"),
        Binding("M", "take", "Assign to me", id="detail.take", show=False,
                tooltip="Assign it to you, in one key"),
        Binding("l", "link", "Link", id="detail.link", tooltip="Link to another record"),
        Binding("x", "escalate", "Escalate", id="detail.escalate"),
        Binding("g", "links", "Go to link", id="detail.links", show=False,
                tooltip="Move to the links; Enter opens one"),
        Binding("r", "reload", "Reload", id="detail.reload", show=False),
        Binding("m", "major", "Major", id="detail.major",
                tooltip="Major incident: procedure, manager, updates to management"),
        Binding("i", "security", "Security", id="detail.security", show=False,
                tooltip="Information security incident: risk, priority rule, handling steps"),
        Binding("n", "new", "New", id="detail.new", show=False,
                tooltip="Record a new one of this kind (as n in its queue)"),
        Binding("V", "survey", "Survey answer", id="detail.survey", show=False,
                tooltip="The requester's answer (1-5) to the satisfaction survey sent about "
                        "this incident or request"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.view: RecordView | None = None
        self._preloaded: Any = None
        self._preview: RecordRow | None = None
        self._until_shown: Any = None  # keys held until the record is shown (opened early)
        self._early: RecordView | None = None  # what the file read showed before the services
        # the record it was filled with and laid out for ahead, off screen (ui/ahead.py):
        # Enter on that record's queue row shows it at once
        self.ready_for: str | None = None

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        with VerticalScroll(id="body"):
            row = self._preview
            if row is None:
                yield Static(Text(f"{self.ref}  loading…"), id="headline")
                yield Static(id="next-steps")
            else:  # what the queue's line already says; the rest once the record is read
                yield Static(self._headline(row), id="headline")
                allowed = lifecycle_for(parse_ref(row.ref)[0]).allowed(row.status)
                yield Static(self._next_steps(row.status, allowed), id="next-steps")
            # links first after the status: where this record belongs (problem, change...)
            yield Static(Text("Links", style="bold underline"), classes="section-title")
            yield MarkedOptionList(id="links")
            yield RecordFields(id="fields")
            # opened early (see preview): says that the rest is on its way
            yield Static(Text("Reading the record…", style="dim") if self._preview else "",
                         id="blocks")
            if is_incident(self.ref):  # SLA clocks, major incident procedure, reminders
                yield IncidentPanel(id="incident-panel")
            yield Static(Text("Journal (newest first)", style="bold underline"),
                         classes="section-title")
            yield JournalList(id="journal")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#body").focus()
        if self._preview is not None and not self.backend.ready:
            self._read_early()

    def _read_early(self) -> None:
        """Opened in the desk's first second (see :meth:`preview`): the whole record read
        from the file without the services (an incident: ``quick_detail``), shown until
        they read it again. Keys still wait for theirs: they act through the services."""
        backend, ref = self.backend, self.ref

        def read() -> RecordView | None:
            if backend.on_server:
                return None  # the stdlib read is of SQLite files: the services read it
            try:
                from ...services.core.quick_detail import record_view  # in the worker

                return record_view(backend.db_path, ref)
            except Exception:  # the services will read it and say what is wrong
                log.debug("record read without the services failed", exc_info=True)
                return None

        self.service(read, self._show_early, group="detail-early", needs_services=False)

    def _show_early(self, view: RecordView | None) -> None:
        if view is not None and self.view is None and view.ref == self.ref:
            self._early = view
            self._fill(view)

    # ------------------------------------------------------------------ data
    def fetcher(self, backend: Any, ref: str | None = None) -> Callable[[], Any]:
        """The service call reading what this screen shows (run in a worker), or record ``ref``."""
        records, ref = backend.records, ref or self.ref
        return lambda: records.get(ref)

    def present(self, data: Any) -> None:
        """Show what :meth:`fetcher` read."""
        self.show(data)

    def preview(self, row: RecordRow, hold: Any) -> None:
        """Opened before the services are (the first second of the desk): the screen's first
        frame shows the queue line's ``row`` -- reference, priority, status, title and the
        statuses it can move to -- and ``hold`` (of the keys typed meanwhile) is let go once
        the whole record is shown, so that a key acts on the record, not on the preview."""
        self._preview, self._until_shown = row, hold

    def _shown(self) -> None:
        hold, self._until_shown = self._until_shown, None
        if hold is not None:
            hold.release()

    def on_unmount(self) -> None:
        self._shown()

    def on_screen_resume(self) -> None:
        # shown (then scrolled, focused, written from): filled again before the next fast open;
        # (DeskScreen's handler runs after this one, as Textual calls each class's)
        self.ready_for = None

    def _load_failed(self, exc: DeskError) -> bool:
        self._shown()  # keys held for the record go on
        return super()._load_failed(exc)

    def preload(self, data: Any) -> None:
        """What :meth:`fetcher` read before the screen is opened: its first frame shows it."""
        self._preloaded = data

    def reuse_for(self, ref: str, data: Any) -> None:
        """Show record ``ref`` in this screen, already built, before it is opened again.

        Opening a record is the analyst's most frequent move: building its screen
        (widgets, styles, layout) cost more than reading the record (issue 9). The
        app keeps one detail screen of each kind and refills it (:meth:`DeskApp.detail_screen_for`).
        """
        self.ref, self.view, self.ready_for = ref, None, None
        self.query_one("#links", OptionList).highlighted = None
        self.present(data)
        self.seen_version = self.app.data_version
        self._to_top()

    def back_to_top(self) -> None:
        """As it would be opened again on the record it shows (the analyst came back from it
        to the queue and nothing was written since): at its top, its first link highlighted."""
        links = self.query_one("#links", OptionList)
        links.highlighted = 0 if self.view is not None and self.view.links else None
        self._to_top()

    def _to_top(self) -> None:
        body = self.query_one("#body")
        body.scroll_home(animate=False, immediate=True)
        self.set_focus(body)

    def load(self) -> None:
        if self._preloaded is not None:
            data, self._preloaded = self._preloaded, None
            self.present(data)
            return
        self.service(self.fetcher(self.backend), self.present, on_error=self._load_failed,
                     group="detail", exclusive=True)

    def show(self, view: RecordView) -> None:
        if is_older(view, self.view):
            return  # a read from before this screen's last write (see is_older)
        self.view = view
        self.ref = view.ref
        early, self._early = self._early, None
        if view != early:  # the services read what the file read showed: drawn already
            self._fill(view)
        for panel in self.query(IncidentPanel):
            panel.show_for(view.ref)
        self.refresh_bindings()
        self._shown()

    def _fill(self, view: RecordView) -> None:
        """The record's headline, fields, links and journal (what the services read, or the
        file read before them)."""
        self.query_one("#headline", Static).update(self._headline(view))
        self.query_one(RecordFields).show(view)
        self.query_one("#next-steps", Static).update(
            self._next_steps(view.status, view.allowed_transitions))
        self.query_one("#blocks", Static).update(blocks_renderable(view))
        links = self.query_one("#links", OptionList)
        highlighted = links.highlighted
        links.clear_options()
        if view.links:
            links.add_options(Option(self._link_prompt(link), id=link.ref) for link in view.links)
            links.highlighted = min(highlighted or 0, len(view.links) - 1)
        else:
            links.add_option(Option(Text(self.NO_LINKS, style="dim"), disabled=True))
            links.highlighted = None
        self.query_one(JournalList).show(view.journal)

    @staticmethod
    def _headline(view: RecordView | RecordRow) -> Text:
        major = view.major if isinstance(view, RecordRow) else view.extra.get("major")
        marks = display.flags(view.priority, bool(major), view.escalation_level)
        return Text.assemble(
            (view.ref, "bold"), "  ", (display.priority_long(view.priority), "bold"), "  ",
            (marks + "  " if marks else "", "bold"), display.status_label(view.status), "\n",
            display.line(view.title, style="bold"),
        )

    @staticmethod
    def _next_steps(status: str, allowed: list[str]) -> Text:
        if not allowed:
            return Text(f"{display.status_label(status)} is final: no further status.",
                        style="italic")
        steps = ", ".join(display.status_label(s) for s in allowed)
        return Text.assemble(("Next status: ", "bold"), steps, ("  (t)", "dim"))

    @staticmethod
    def _link_prompt(link: Any) -> Text:
        return Text.assemble(
            (f"{link.relation:<13}", "italic"), " ", (link.ref, "bold"), " ",
            f"[{display.status_label(link.status)}] ", display.line(link.title),
            no_wrap=True, overflow="ellipsis",
        )

    # --------------------------------------------------------------- actions
    def current_ref(self) -> str | None:
        return self.view.ref if self.view else None

    def current_view(self) -> RecordView | None:
        return self.view

    def record_written(self, view: RecordView) -> None:
        self.show(view)  # the service returned the record as it now is
        super().record_written(view)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in RECORD_ACTIONS:
            return True if self.view is not None else None
        if action in ("major", "security"):
            return is_incident(self.ref)
        if action == "survey":  # surveys ask about resolved incidents and fulfilled requests
            return self.ref.upper().startswith(("INC-", "REQ-"))
        return True

    def action_survey(self) -> None:
        from .survey_answer_dialog import SurveyAnswerDialog

        self._dialog(SurveyAnswerDialog)

    def action_major(self) -> None:
        from .major import MajorScreen

        self.app.push_screen(MajorScreen(self.ref), lambda _view: self.load())

    def action_security(self) -> None:
        from .security import SecurityScreen

        self.app.push_screen(SecurityScreen(self.ref), lambda _view: self.load())

    def action_back(self) -> None:
        self.dismiss()

    def action_new(self) -> None:
        """A new record of this kind, as ``n`` does in its queue (the queue's own way when
        it is under this screen): the form opens at once, so whatever is typed next goes
        into it, never to this record's keys."""
        from .queue import QueueScreen
        from .request_form import record_form

        kind = parse_ref(self.ref)[0]
        queue = next((s for s in self.app.screen_stack
                      if isinstance(s, QueueScreen) and s.kind is kind), None)
        if queue is not None:
            queue.action_new()
            return

        def created(view: Any) -> None:
            if view is not None:
                self.app.notify(f"{view.ref} recorded — P{view.priority}", timeout=4, markup=False)
                self.app.check_for_changes()
                self.action_open_record(view.ref)

        self.app.push_screen(record_form(kind.value, app=self.app), created)

    def action_reload(self) -> None:
        self.load()

    def action_links(self) -> None:
        links = self.query_one("#links", OptionList)
        links.focus()
        links.scroll_visible()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            parse_ref(event.option.id)  # our own data; a bad ref would be a bug
            self.action_open_record(event.option.id)
