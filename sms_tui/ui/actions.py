"""Actions on "the current record", shared by the queue and the detail screen.

Each screen declares its own bindings (so they show in its footer and the
palette) and mixes this in for the behaviour. A dialog receives the
:class:`RecordView` the analyst is acting on -- its ``version`` is what the
write passes as ``expected_version`` -- calls the service itself (so a refused
write is shown in place, in the dialog) and is dismissed with the updated
record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..domain.kinds import parse_ref

if TYPE_CHECKING:
    from ..services.core.views import RecordView


def open_record(node: Any, ref: str) -> None:
    """Open record ``ref``'s screen from ``node`` (a screen with ``service``): the record is
    read first, then its screen (one already built, when there is one free) opens showing
    it -- one frame, with the record in it (issue 9) -- and keys typed meanwhile wait for it
    and land on it (a space ticks a request's first step, not the empty screen's body)."""
    from .sections import detail_screen

    app = node.app
    if not app.backend.ready:  # it loads once the database is open
        screen = detail_screen(ref)
        row = getattr(node, "row_of", lambda _ref: None)(ref)
        if row is not None:  # meanwhile it shows the queue's line, and keys wait for the record
            from .typeahead import hold_keys

            screen.preview(row, hold_keys(app))
        app.push_screen(screen)
        return
    screen, reused = app.detail_screen_for(ref)
    if reused and screen.ready_for == ref:
        # read, filled and laid out while the cursor rested on its row (ui/ahead.py): shown
        # now; anything written since its refill is read again as it is shown (on_screen_resume)
        # and the database is asked now, not at the next poll, whether anyone wrote since
        app.push_screen(screen)
        app.check_for_changes()
        return

    def opened(data: Any) -> None:
        if reused:
            screen.reuse_for(ref, data)
        else:
            screen.preload(data)
        app.push_screen(screen)

    node.service(screen.fetcher(app.backend, ref), opened, group="open-record", exclusive=True,
                 opens_screen=True)


class RecordActions:
    """Mixin for a screen (with ServiceMixin) that has a current record."""

    app: Any
    backend: Any
    service: Callable[..., None]

    # -- to implement -------------------------------------------------------
    def current_ref(self) -> str | None:
        """Reference of the record the actions apply to (None: nothing selected)."""
        raise NotImplementedError

    def current_view(self) -> RecordView | None:
        """The full record if the screen already shows it (its version is what the analyst saw)."""
        return None

    def record_written(self, view: RecordView) -> None:
        """Called after a successful write from a dialog or form."""
        self.app.notify(f"{view.ref} saved (version {view.version})", timeout=3, markup=False)
        # what the save journaled as a warning (a change started outside its window) is
        # said too: the TUI said only "saved", the command line the warning
        latest = view.journal[0].at if view.journal else None
        for entry in view.journal:
            if entry.at != latest:
                break
            if entry.action == "window_warning":
                self.app.notify(entry.note, title="Outside the window", severity="warning",
                                timeout=8, markup=False)
            elif entry.action == "link":  # a link that moved the record off another one
                self._tell_fix(view, entry.changes)
                for field, (old, new) in entry.changes.items():
                    if old and new:
                        self.app.notify(f"{view.ref} is linked to {new} now, no longer to {old}",
                                        title=f"{field.replace('_', ' ').capitalize()} moved",
                                        timeout=6, markup=False)
        self.app.check_for_changes()

    def _tell_fix(self, view: RecordView, changes: dict[str, Any]) -> None:
        """A problem's change is its fix: the problem is resolved with it once it is
        implemented successfully (services/problems/rules.py). A link made for context
        resolved a problem by surprise: said when the link is made."""
        from ..domain.changes import fix_said
        from ..domain.kinds import Kind

        kind = parse_ref(view.ref)[0]
        pairs = []
        if kind is Kind.PROBLEM and (change := (changes.get("change") or (None, None))[1]):
            pairs.append((change, view.ref))
        if kind is Kind.CHANGE and (problem := (changes.get("linked_problem") or (None, None))[1]):
            pairs.append((view.ref, problem))
        for change, problem in pairs:
            self.app.notify(fix_said(change, problem), title="The problem's fix", timeout=8,
                            markup=False)

    # -- plumbing -----------------------------------------------------------
    def has_record(self) -> bool:
        return self.current_ref() is not None

    def with_record(self, then: Callable[[RecordView], Any]) -> None:
        view = self.current_view()
        if view is not None:
            then(view)
            return
        ref = self.current_ref()
        if ref is None:
            self.app.refuse("Select a record first", timeout=3)
            return
        # the record is read first: keys typed meanwhile belong to the screen it opens
        self.service(lambda: self.backend.records.get(ref), then, opens_screen=True)

    def _dialog(self, make: Callable[[RecordView], Any]) -> None:
        from .screens.action_dialog import kept_dialog

        def opened(view: RecordView) -> None:
            # a dialog class: kept built and refilled (issue 20); anything else is made
            dialog = kept_dialog(self.app, make, view) if isinstance(make, type) else make(view)
            self.app.push_screen(dialog, self._dialog_closed)

        self.with_record(opened)

    def _dialog_closed(self, view: RecordView | None) -> None:
        if view is not None:
            self.record_written(view)

    # -- actions ------------------------------------------------------------
    def action_open_record(self, ref: str | None = None) -> None:
        ref = ref or self.current_ref()
        if ref is not None:
            open_record(self, ref)

    def action_edit(self) -> None:
        from .screens.request_form import record_form

        self.with_record(lambda view: self.app.push_screen(
            record_form(parse_ref(view.ref)[0].value, view, app=self.app), self._dialog_closed))

    def action_transition(self) -> None:
        from .screens.transition_dialog import TransitionDialog

        self._dialog(TransitionDialog)

    def action_note(self) -> None:
        from .screens.note_dialog import NoteDialog

        self._dialog(NoteDialog)

    def action_assign(self) -> None:
        from .screens.assign_dialog import AssignDialog

        self._dialog(AssignDialog)

    def action_take(self) -> None:
        """Assign the record to oneself in one key (``M``: make it mine), as the assign
        dialog would with one's own name; journaled as any assignment."""
        records, actor = self.backend.records, self.app.actor

        def take(view: RecordView) -> None:
            if view.assignee == actor:
                self.app.notify(f"{view.ref} is assigned to you already", timeout=3, markup=False)
                return
            self.service(lambda: records.assign(view.ref, actor, expected_version=view.version),
                         self.record_written, group="save")

        self.with_record(take)

    def action_link(self) -> None:
        from ..domain.kinds import KINDS
        from ..services.core.records import RecordService
        from .screens.link_dialog import LinkDialog

        ref = self.current_ref()
        if ref is not None and not RecordService.link_targets(kind := parse_ref(ref)[0]):
            # the dialog opened on "links to: nothing" and took the words typed for nothing
            self.app.refuse(f"A {KINDS[kind].label.lower()} is not linked to other records: "
                            "name them in a note (c)", timeout=5)
            return
        self._dialog(LinkDialog)

    def action_escalate(self) -> None:
        from .screens.escalate_dialog import EscalateDialog

        self._dialog(EscalateDialog)


RECORD_ACTIONS = ("open_record", "edit", "transition", "note", "assign", "take", "link", "escalate")
