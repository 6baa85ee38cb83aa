"""The major incident screen: the documented procedure, the manager, updates to management.

Opened with ``m`` from an incident. Enter (or space) ticks or reopens the
highlighted step; ``a`` appoints the major incident manager, ``u`` sends a
status update to top management, ``d`` declares the incident major (or
undeclares it, with a reason). Every action is one service call with the
version the analyst saw, journaled with who and when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.comms import sending_tally
from ...domain.errors import ConflictError
from .. import display
from ..ticks import TickQueue
from ..widgets.marked_option_list import MarkedOptionList
from .base import DeskModal, FollowsChanges, is_older
from .declare_dialog import DeclareDialog
from .manager_dialog import ManagerDialog
from .service_lookup import major_service
from .undeclare_dialog import UndeclareDialog
from .update_dialog import UpdateDialog

if TYPE_CHECKING:
    from ...services.core.views import RecordView
    from ...services.incidents.rules import MajorView


class MajorScreen(FollowsChanges, DeskModal):
    """Procedure checklist and actions of one major incident, kept as it is now (FollowsChanges)."""

    HELP_TITLE = "Major incident"

    CSS_PATH = ["dialogs.tcss", "major.tcss"]
    BINDINGS = [
        Binding("enter,space", "tick", "Tick step", id="major.tick", show=False),
        Binding("a", "manager", "Manager", id="major.manager",
                tooltip="Appoint the major incident manager"),
        Binding("u", "update", "Update mgmt", id="major.update",
                tooltip="Send a status update to top management"),
        Binding("d", "declare", "Declare/undeclare", id="major.declare"),
        Binding("escape", "close", "Close", id="major.close"),
        Binding("ctrl+r", "reload", "Reload", id="major.reload", show=False,
                tooltip="Read the incident as it is now (done by itself after a refused tick)"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.view: MajorView | None = None
        self.record: RecordView | None = None
        # ticks typed in a burst: each toggles its step once, written one after the other
        self.ticks = TickQueue(self, self._tick_call, self._ticked, self._tick_refused)
        self._after_dialog = False  # the next read follows a dialog's write (see _show)

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(Text("Major incident"), classes="dialog-title")
            yield Static(Text(self.ref), id="major-record", classes="dialog-record")
            yield Static(id="major-info")
            yield MarkedOptionList(id="steps")  # the highlighted step marked "›", not by colour only
            yield Static(Text("Enter ticks/reopens a step · a manager · u update management · "
                              "d declare/undeclare · Esc closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#steps", OptionList).focus()
        # keys typed in the burst that opened it (a to appoint, a name, Enter) wait for its
        # steps: before them, a went nowhere and the name's letters ran as commands
        self.load(hold_keys=True)

    def load(self, hold_keys: bool = False, then: Any = None, group: str = "major") -> None:
        backend, ref = self.backend, self.ref

        def fetch() -> tuple[MajorView, RecordView]:
            return major_service(backend).get(ref), backend.records.get(ref)

        def show(result: tuple[MajorView, RecordView]) -> None:
            self._show(result)
            if then is not None:
                then(result[1])

        self.service(fetch, show, group=group, exclusive=True, opens_screen=hold_keys)

    def load_changes(self) -> None:
        self.load(group="major-changes")  # see FollowsChanges.load_changes

    def action_reload(self) -> None:
        """ctrl+r, as in the note and status dialogs and the forms: the incident as it is now."""
        self.load(then=self._reloaded)

    def _reloaded(self, record: RecordView) -> None:
        self.app.notify(f"Reloaded {record.ref} (version {record.version})", timeout=3,
                        markup=False)

    def _show(self, result: tuple[MajorView, RecordView]) -> None:
        if is_older(result[1], self.record):
            return  # a read from before this dialog's last write (see is_older)
        self.view, self.record = result
        rec = self.record
        self.query_one("#major-record", Static).update(Text.assemble(
            (rec.ref, "bold"), f"  {display.priority_label(rec.priority)}  ",
            display.status_label(rec.status), f"  v{rec.version}  ",
            display.line(rec.title, limit=60), no_wrap=True, overflow="ellipsis"))
        self.query_one("#major-info", Static).update(self._summary(self.view))
        steps = self.query_one("#steps", OptionList)
        highlighted = steps.highlighted
        steps.clear_options()
        for step in self.view.steps:
            # the highlight's "›" is drawn left of it (MarkedOptionList)
            prompt = Text(f"{'[x]' if step.done else '[ ]'} {step.position}. ")
            prompt.append_text(display.line(step.title))
            if step.done:
                prompt.append_text(Text.assemble("  (", display.when(step.done_at)[-5:], " ",
                                                 display.line(step.done_by), ")", style="dim"))
            steps.add_option(Option(prompt, id=str(step.position)))
        if self.view.steps:
            first_open = next((i for i, step in enumerate(self.view.steps) if not step.done), None)
            # opened: on the first step still to do, as the others do; after a dialog that
            # did the highlighted step (a appoints the manager: step 1), on to the next to do,
            # or Enter, meant for that one, would untick it
            after_dialog, self._after_dialog = self._after_dialog, False
            if highlighted is None or (after_dialog and first_open is not None
                                       and highlighted < len(self.view.steps)
                                       and self.view.steps[highlighted].done):
                highlighted = first_open if first_open is not None else 0
            steps.highlighted = min(highlighted, len(self.view.steps) - 1)

    @staticmethod
    def _summary(view: MajorView) -> Text:
        """A few lines, each cut to the width: why, who, when next, what is not sent, reminders."""
        if not view.major:
            return Text("Not a major incident. d declares it major (with a reason).", style="italic")
        manager = display.line(view.manager) if view.manager else Text("NONE (a appoints)", style="bold")
        nxt = f" · next update by {display.when(view.next_update_due)}" if view.next_update_due else ""
        lines = [
            Text.assemble(("▲ MAJOR ", "bold reverse"), " ", display.line(view.reason)),
            Text.assemble(("Manager: ", "bold"), manager, nxt),
            Text(f"Messages to management: {len(view.communications)} "
                 f"({sending_tally(c.status for c in view.communications)})"
                 + (f" · review {view.review}" if view.review else "")),
            *(Text.assemble(("→ ", "bold"), display.line(nag)) for nag in view.nags
              if "no responsible manager" not in nag),  # already said on the manager line
        ]
        return Text("\n").join(lines)  # each line cut to the width by the CSS (text-wrap: nowrap)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_tick()

    def _changed(self, _result: Any = None) -> None:
        self._after_dialog = True
        self.app.check_for_changes()
        # keys typed after the dialog's save act on what it wrote (Enter ticks with the new
        # version, a the next dialog opens on it): typed fast, they were refused as "changed
        # by someone else", the change being the dialog's own
        self.load(hold_keys=True)

    # ---------------------------------------------------------------- actions
    def action_tick(self) -> None:
        steps = self.query_one("#steps", OptionList)
        if self.view is None or self.record is None or steps.highlighted is None or not self.view.major:
            return
        index = steps.highlighted
        step = self.view.steps[index]
        if not step.done and self._untold(step.title):
            from .informed_dialog import InformedDialog

            self._dialog(lambda record: InformedDialog(record, step.position))
            return
        self.ticks.toggle(step.position, step.done)
        # on to the next step, as the request steps and the review checklist do
        steps.highlighted = min(index + 1, len(self.view.steps) - 1)

    def _untold(self, title: str) -> bool:
        """Whether ``title`` is the step of informing top management while no message about
        the incident went to anyone: ticking it asks how they were told."""
        from ...domain.comms import informs_management
        from ...domain.major import step_role

        return step_role(title) == "inform" and self.view is not None and not any(
            informs_management(c.purpose, c.recipients) for c in self.view.communications)

    def _ticked(self, result: tuple[MajorView, RecordView]) -> None:
        self._show(result)
        self.app.check_for_changes()

    def _tick_refused(self, position: int, exc: BaseException) -> None:
        """The highlight back on the step refused (it had moved on as if the tick were done);
        refused as changed by someone else, the incident is read again, so that the analyst
        sees what was done meanwhile and the next Enter is sent with the version it shows:
        the dialog kept the old one, and every Enter after was refused the same way."""
        steps = self.query_one("#steps", OptionList)
        index = next((i for i, step in enumerate(self.view.steps) if step.position == position),
                     None) if self.view is not None else None
        if index is not None:
            steps.highlighted = index
        if isinstance(exc, ConflictError):
            self.action_reload()

    def _tick_call(self, position: int, done: bool):
        # built when its turn comes: the version the previous tick left (TickQueue)
        backend, ref = self.backend, self.ref
        version = self.record.version if self.record is not None else None

        def tick() -> tuple[MajorView, RecordView]:
            view = major_service(backend).tick_step(ref, position, undo=not done,
                                                    expected_version=version)
            return view, backend.records.get(ref)

        return tick

    def _dialog(self, make: Any) -> None:
        if self.record is not None:
            self.app.push_screen(make(self.record), lambda view: self._changed() if view else None)

    def action_manager(self) -> None:
        self._dialog(ManagerDialog)

    def action_update(self) -> None:
        self._dialog(UpdateDialog)

    def action_declare(self) -> None:
        if self.view is not None:
            self._dialog(UndeclareDialog if self.view.major else DeclareDialog)

    def action_close(self) -> None:
        self.dismiss(self.record)
