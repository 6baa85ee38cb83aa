"""The information security incident screen: risk, priority rule and the handling steps (8.7.3.3).

Opened with ``i`` from an incident. Enter (or space) ticks or reopens the
highlighted step, journaled with who and when, against the version shown.
The risk itself is set in the incident's form (``e``), beside impact and urgency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.errors import ConflictError
from .. import display
from ..ticks import TickQueue
from ..widgets.marked_option_list import MarkedOptionList
from .base import DeskModal, FollowsChanges, is_older

if TYPE_CHECKING:
    from ...services.incidents.security import SecurityService, SecurityView


def _security(backend: Any) -> SecurityService:
    from ...services.incidents.security import SecurityService

    return backend.service(SecurityService)


class SecurityScreen(FollowsChanges, DeskModal):
    """Handling steps of one information security incident."""

    HELP_TITLE = "Security incident"

    CSS_PATH = ["dialogs.tcss", "security.tcss"]
    BINDINGS = [
        Binding("enter,space", "tick", "Tick step", id="security.tick", show=False),
        Binding("escape", "close", "Close", id="security.close"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.view: SecurityView | None = None
        # ticks typed in a burst: each toggles its step once, written one after the other
        self.ticks = TickQueue(self, self._tick_call, self._ticked, self._tick_refused)

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(Text("Information security incident"), classes="dialog-title")
            yield Static(Text(self.ref), id="sec-record", classes="dialog-record")
            yield Static(id="sec-info")
            yield MarkedOptionList(id="sec-steps")
            yield Static(Text("Enter ticks/reopens a step · the risk is set with e (edit) · "
                              "Esc closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#sec-steps", OptionList).focus()
        self.app.when_ready(self.load)

    def load(self, group: str = "security") -> None:
        backend, ref = self.backend, self.ref
        self.service(lambda: _security(backend).get(ref), self._show, group=group, exclusive=True)

    def load_changes(self) -> None:
        self.load(group="security-changes")  # see FollowsChanges.load_changes

    def _show(self, view: SecurityView) -> None:
        if is_older(view, self.view):
            return  # a read from before this dialog's last write (see is_older)
        self.view = view
        self.query_one("#sec-record", Static).update(Text.assemble(
            (view.ref, "bold"), f"  {display.priority_label(view.priority)}  ",
            display.status_label(view.status), f"  v{view.version}  ",
            display.line(view.title, limit=60), no_wrap=True, overflow="ellipsis"))
        if not view.steps:
            info = Text("Not a security incident (risk none). Set its security risk with e (edit).",
                        style="italic")
        else:
            contacts = ", ".join(view.contacts) or "no contacts configured ([security_incident] contacts)"
            info = Text("\n").join([
                Text.assemble(("Security risk ", "bold"), (view.security_risk, "bold reverse"),
                              f"  · {view.open_steps} of {len(view.steps)} steps open"),
                Text.assemble(("Priority rule: ", "bold"), view.rule),
                Text.assemble(("Security manager: ", "bold"), display.line(contacts)),
            ])
        self.query_one("#sec-info", Static).update(info)
        steps = self.query_one("#sec-steps", OptionList)
        highlighted = steps.highlighted
        steps.clear_options()
        for step in view.steps:
            prompt = Text(f"{'[x]' if step.done else '[ ]'} {step.position}. ")
            prompt.append_text(display.line(step.title))
            if step.done:
                prompt.append_text(Text.assemble("  (", display.when(step.done_at)[-5:], " ",
                                                 display.line(step.done_by), ")", style="dim"))
            steps.add_option(Option(prompt, id=str(step.position)))
        if view.steps:
            steps.highlighted = min(highlighted or 0, len(view.steps) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_tick()

    def _changed(self, _result: Any = None) -> None:
        self.app.check_for_changes()
        self.load()

    def action_tick(self) -> None:
        steps = self.query_one("#sec-steps", OptionList)
        if self.view is None or steps.highlighted is None or not self.view.steps:
            return
        step = self.view.steps[steps.highlighted]
        self.ticks.toggle(step.position, step.done)

    def _tick_call(self, position: int, done: bool):
        # built when its turn comes: the version the previous tick left (TickQueue)
        backend, ref = self.backend, self.ref
        version = self.view.version if self.view is not None else None
        return lambda: _security(backend).tick_step(ref, position, undo=not done,
                                                    expected_version=version)

    def _ticked(self, view: SecurityView) -> None:
        self._show(view)
        self.app.check_for_changes()

    def _tick_refused(self, _position: int, exc: BaseException) -> None:
        if isinstance(exc, ConflictError):  # the steps as they are now, for the next Enter
            self.load()

    def action_close(self) -> None:
        self.dismiss(None)
