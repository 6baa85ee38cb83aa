"""A queue of one record kind: filter, search, and act on the selected record."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from textual import events
from textual.binding import Binding
from textual.widgets import Header, Input

from ...domain.kinds import KINDS, Kind, parse_kind
from ...domain.lifecycle import lifecycle_for
from ...services.core.views import QueueFilter, RecordRow
from ..actions import RECORD_ACTIONS, RecordActions
from ..sections import QUEUE_SECTION
from ..typeahead import hold_keys
from ..widgets.desk_footer import DeskFooter
from ..widgets.filter_bar import FilterBar
from ..widgets.incident_columns import IncidentQueue, incident_columns, request_columns
from ..widgets.queue_columns import COLUMNS, Column, change_columns, with_requester
from ..widgets.queue_table import PAGE, QueueTable, RecordQueue
from ..widgets.section_bar import SectionBar
from .base import DeskScreen

log = logging.getLogger(__name__)

SORTS = ("priority", "newest", "oldest", "updated")
SEARCH_DELAY = 0.03
"""Seconds of typing pause before the search runs. A search over a million records takes
about 10 ms and runs in a worker that the next one replaces, so searching as the analyst
types costs nothing they feel; what the pause saves is only a search per key of a burst
(a paste, keys over SSH). A burst arrives in one read and its keys are handled a few
milliseconds apart, well within 30 ms (the escape delay's reasoning, ``ui/driver.py``); a
burst split by a loaded machine runs two searches, the last one's rows shown. At 0.3 s,
then 0.08 s, every search showed its rows that long after the last key (issue 20)."""


class QueueScreen(RecordActions, DeskScreen):
    """Records of one kind, by priority then age, paged from the database."""

    CSS_PATH = "queue.tcss"
    READS_AHEAD = True  # the record on the cursor is read ahead when it rests (ui/ahead.py)

    BINDINGS = [
        Binding("enter", "open_record", "Open", id="queue.open", show=False),
        Binding("n", "new", "New", id="queue.new", tooltip="Record a new one"),
        Binding("e", "edit", "Edit", id="queue.edit", show=False),
        Binding("t", "transition", "Status", id="queue.transition",
                tooltip="Move the record along its lifecycle"),
        Binding("c", "note", "Note", id="queue.note", tooltip="Add a work note"),
        Binding("a", "assign", "Assign", id="queue.assign"),
        Binding("M", "take", "Assign to me", id="queue.take", show=False,
                tooltip="Assign it to you, in one key"),
        Binding("l", "link", "Link", id="queue.link", tooltip="Link to another record"),
        Binding("x", "escalate", "Escalate", id="queue.escalate"),
        Binding("slash", "search", "Search", id="queue.search", tooltip="Type to filter by text"),
        Binding("o", "toggle_open", "Open/all", id="queue.open_only", show=False),
        Binding("m", "mine", "Mine", id="queue.mine", show=False),
        Binding("u", "unassigned", "Unassigned", id="queue.unassigned", show=False),
        Binding("i", "security", "Security filter", id="queue.security", show=False,
                tooltip="Incidents: only information security incidents (again: all)"),
        Binding("p", "priority", "Priority filter", id="queue.priority", show=False,
                tooltip="Cycle P1..P5 and any"),
        Binding("s", "status_filter", "Status filter", id="queue.status", show=False),
        Binding("S", "sort", "Sort", id="queue.sort", show=False,
                tooltip="Cycle priority, newest, oldest, recently updated"),
        Binding("f", "clear_filters", "Clear filters", id="queue.clear", show=False),
        Binding("r", "reload", "Refresh", id="queue.reload", show=False),
        Binding("escape", "escape", "Back to list", id="queue.escape", show=False),
    ]

    def __init__(self, kind: str) -> None:
        self.kind = parse_kind(kind)
        self.info = KINDS[self.kind]
        super().__init__(name=QUEUE_SECTION[self.kind.value])
        self.flt = QueueFilter()
        self._search_timer: Any = None
        self._filter_hold: Any = None  # keys wait for the rows of a filter set before the services opened

    def compose(self):
        yield Header()
        # The search box takes the section bar's line while it is typed in, not a line of
        # its own: showing or hiding it leaves the rows where they are (no layout of the
        # queue, no row drawn again), and the filter bar under it counts what the words
        # find as they are typed.
        yield SectionBar(QUEUE_SECTION[self.kind.value])
        yield Input(placeholder="search title, reference, description — Enter to apply, "
                                "Esc to leave", id="search", compact=True)
        yield FilterBar(self.info.plural.replace("-", " ").capitalize(), self.flt)
        yield QueueTable(clock=self.app.clock, id="queue", columns=self._columns(),
                         empty_text=f"No {self.info.plural.replace('-', ' ')} match this filter "
                                    "(f clears it, n records a new one).")
        yield DeskFooter()

    def _columns(self) -> list[Column] | None:
        if self.kind is Kind.INCIDENT:
            return with_requester(incident_columns())
        if self.kind is Kind.REQUEST:
            return with_requester(request_columns())
        if self.kind is Kind.COMPLAINT:
            return with_requester(COLUMNS, always=True)
        if self.kind is Kind.CHANGE:
            return change_columns()
        return None

    def on_mount(self) -> None:
        self.query_one(QueueTable).focus()
        self.app.every(60, self.query_one(QueueTable).refresh_ages, name="queue ages", node=self)
        if not self.backend.ready:
            self._show_first_page()

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        if not self.backend.ready:
            return  # the first rows are the file's, read a moment ago; the services read on
        table = self.query_one(QueueTable)
        if table.source is None:
            # after a first page read straight from the file, the cursor stays on its record
            # a filter set before the services opened, its rows not read yet: keys wait for them
            # and a queue not shown yet (a section opened before it was built ahead): keys
            # typed in the burst that opened it (2 Enter) act on its rows, not on no rows
            table.set_source(self._source(), keep_cursor=table.total is not None,
                             hold_keys=self._filter_hold is not None
                             or (table.total is None and self.is_current))
            self._release_filter_hold()
        else:
            table.reload()

    def _show_first_page(self) -> None:
        """The first rows read with the standard library while the services load (issue 9):
        the same rows and SLA labels the services give, about half a second sooner."""
        backend, kind, flt, now = self.backend, self.kind, self.flt, self.app.clock()

        def read() -> Any:
            if backend.on_server:
                return None  # the stdlib fast path reads SQLite files only: the services do it
            try:
                from ...services.core.quick_queue import (
                    first_page,  # in the worker, not the UI thread
                )

                return first_page(backend.db_path, backend.config, kind, flt, PAGE, now)
            except Exception:  # the services will open the file and say what is wrong with it
                log.debug("first page without the services failed", exc_info=True)
                return None

        def shown(page: Any) -> None:
            if page is None:
                self.app.first_page_shown()
                return
            self.query_one(QueueTable).show_first_page(page.total, page.rows, page.last,
                                                       page.last_start)
            self._release_filter_hold()  # the filter's rows are shown
            self.call_after_refresh(self.app.first_page_shown)

        # keys typed before the rows are shown act on them (Down, then c: a note on the second
        # row), as typed by someone watching them appear
        self.service(read, shown, group="queue-first-page", exclusive=True, needs_services=False,
                     opens_screen=True)

    def _source(self) -> RecordQueue | IncidentQueue:
        if self.kind in (Kind.INCIDENT, Kind.REQUEST):  # rows carry their SLA reading (and major)
            from ...services.incidents.sla import SlaService

            return IncidentQueue(self.backend.records, self.kind.value, self.flt,
                                 self.backend.service(SlaService))
        return RecordQueue(self.backend.records, self.kind.value, self.flt)

    def _apply(self, flt: QueueFilter) -> None:
        self.flt = flt
        self.query_one(FilterBar).show(flt, None)
        # keys typed after the filter (Enter after a search) act on its rows, not the old
        if self.backend.ready:
            self.query_one(QueueTable).set_source(self._source(), hold_keys=True)
        else:  # until its rows are shown, from the file or (if it cannot) from the services
            self._release_filter_hold()
            self._filter_hold = hold_keys(self.app)
            self._show_first_page()

    def _release_filter_hold(self) -> None:
        hold, self._filter_hold = self._filter_hold, None
        if hold is not None:
            hold.release()

    def on_queue_table_loaded(self, message: QueueTable.Loaded) -> None:
        self.query_one(FilterBar).show(self.flt, message.total)
        self.refresh_bindings()
        self.app.record_ahead.poke()  # the rows under the cursor may be others now

    def on_screen_resume(self) -> None:
        # back from a record (or another section): the row the cursor rests on is read ahead
        # again once it rests (DeskScreen's handler, which may reload, runs after this one)
        self.app.record_ahead.poke()

    def on_queue_table_selected(self, message: QueueTable.Selected) -> None:
        self.action_open_record(message.row.ref)

    # --------------------------------------------------------- record actions
    def current_ref(self) -> str | None:
        row = self.query_one(QueueTable).current_row
        return row.ref if row else None

    def row_of(self, ref: str) -> RecordRow | None:
        """The queue's line of record ``ref`` when the cursor is on it (opened before the
        services are, the record's screen shows it until the record is read)."""
        row = self.query_one(QueueTable).current_row
        return row if row is not None and row.ref == ref else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in RECORD_ACTIONS and self.is_mounted:
            return True if self.current_ref() else None  # None: shown dimmed in the footer
        return True

    def action_new(self) -> None:
        from .request_form import record_form

        def created(view: Any) -> None:
            if view is None:
                return
            self.app.notify(f"{view.ref} recorded — P{view.priority}", timeout=4, markup=False)
            self.app.check_for_changes()
            self.action_open_record(view.ref)

        self.app.push_screen(record_form(self.kind.value, app=self.app), created)

    def action_reload(self) -> None:
        self.load()

    # ---------------------------------------------------------------- search
    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        self.query_one(SectionBar).display = False
        search.display = True
        # at once, not deferred like focus(): keys typed right after "/" belong to the search
        self.set_focus(search)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._search_now)

    def on_key(self, event: events.Key) -> None:
        """Down in the search box goes to the rows it found, as Enter does. A record's key on
        a queue with no record (dimmed in the footer) is refused with why, and the keys typed
        after it are dropped: it did nothing, said nothing, and a note typed after ``c`` ran
        as commands."""
        if event.key == "down" and isinstance(self.focused, Input) and self.focused.id == "search":
            event.stop()
            event.prevent_default()
            self._search_now()
            self._leave_search()
            return
        if isinstance(self.focused, Input) or self.current_ref() is not None:
            return
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.action in RECORD_ACTIONS:
                event.stop()
                event.prevent_default()
                self.app.refuse(f"{binding.description} needs a record, and no "
                                f"{self.info.plural.replace('-', ' ')} match this filter")
                return

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self._search_now()
            self._leave_search()

    def _search_now(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        text = self.query_one("#search", Input).value.strip()
        if text != self.flt.text:
            self._apply(replace(self.flt, text=text))

    def _leave_search(self) -> None:
        # once left, the filter bar says what it searches for (text "vpn"), / edits it
        # again and Esc clears it
        self._hide_search()
        self.query_one(QueueTable).focus()

    def _hide_search(self) -> None:
        self.query_one("#search", Input).display = False
        self.query_one(SectionBar).display = True

    def action_escape(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus:
            self._search_now()
            self._leave_search()
        elif self.flt.text:
            search.value = ""
            self._hide_search()
            self._apply(replace(self.flt, text=""))

    # ---------------------------------------------------------- quick filters
    def action_toggle_open(self) -> None:
        self._apply(replace(self.flt, open_only=not self.flt.open_only, status=None))

    def action_mine(self) -> None:
        mine = self.flt.assignee == self.app.actor
        self._apply(replace(self.flt, assignee=None if mine else self.app.actor, unassigned=False))

    def action_unassigned(self) -> None:
        self._apply(replace(self.flt, unassigned=not self.flt.unassigned, assignee=None))

    def action_security(self) -> None:
        if self.kind is Kind.INCIDENT:
            self._apply(replace(self.flt, security_only=not self.flt.security_only))

    def action_priority(self) -> None:
        nxt = {None: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: None}[self.flt.priority]
        self._apply(replace(self.flt, priority=nxt))

    def action_sort(self) -> None:
        nxt = SORTS[(SORTS.index(self.flt.sort) + 1) % len(SORTS)]
        self._apply(replace(self.flt, sort=nxt))

    def action_status_filter(self) -> None:
        from .status_picker import StatusPicker

        lifecycle = lifecycle_for(self.kind)

        def picked(status: str | None) -> None:
            if status is None:
                return
            if status == "":
                self._apply(replace(self.flt, status=None, open_only=True))
            else:
                self._apply(replace(self.flt, status=status, open_only=False))

        self.app.push_screen(StatusPicker(self.info.label, lifecycle.states, self.flt.status), picked)

    def action_clear_filters(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        self._hide_search()
        self._apply(QueueFilter())
