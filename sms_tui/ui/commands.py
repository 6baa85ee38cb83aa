"""The command palette (ctrl+p): every key of the current screen, the sections, open by reference.

Commands are generated from the desk's bindings (those with an ``id``) active
on the screen the palette was opened over (the same ones its footer and help
show) -- never Textual's generic scroll and cursor keys -- so each action is
reachable by name as well as by key, and a new binding needs no extra code.
Typing a reference (``inc-42``) offers to open that record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..domain.errors import ValidationError
from ..domain.kinds import format_ref, parse_ref
from .sections import SECTIONS

Command = tuple[str, str, Callable[[], Any]]


class DeskCommands(Provider):
    """Screen-dependent commands: the current screen's actions, then the sections."""

    def _commands(self) -> Iterator[Command]:
        app = self.app
        seen: set[str] = set()
        for _key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action.startswith("app.section"):
                continue
            if not binding.id:  # Textual's own scroll/cursor keys and pickers' arrows: not commands
                continue
            if binding.description in seen:
                continue
            seen.add(binding.description)
            help_text = f"key {app.get_key_display(binding)}"
            if binding.tooltip:
                help_text += f" — {binding.tooltip}"
            yield binding.description, help_text, partial(app.run_action, binding.action, active.node)
        for sec in SECTIONS:
            name = f"Go to {sec.title}" + (f" ({sec.also})" if sec.also else "")
            yield name, f"key {sec.key_label}", partial(app.run_action, f"section('{sec.name}')")

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        try:
            kind, number = parse_ref(query)
        except ValidationError:
            return
        ref = format_ref(kind, number)
        yield Hit(1.0, f"Open {ref}", partial(self.app.run_action, f"open_ref('{ref}')"),
                  help="open the record by its reference")


def desk_palette() -> Any:
    """The palette the desk opens: Textual's, but Enter waits for the search of what was typed.

    Textual searches as you type, in a worker. With the name of a command and Enter in one
    burst (a paste, a fast typist over SSH), Enter ran whatever the list showed for the first
    letters -- "new incident" Enter on the reports switched them to weeks. Here an Enter that
    comes while the search for the text typed is still running waits for it, and the keys after
    it wait too (:mod:`sms_tui.ui.typeahead`), so it picks what the words find, as typed slowly.
    """
    from textual import on
    from textual.command import CommandPalette
    from textual.widgets import Input
    from textual.worker import Worker, WorkerState

    from .typeahead import hold_keys

    class DeskCommandPalette(CommandPalette):
        _enter_waits: Any = None  # the type-ahead hold while an Enter waits for its search

        def _action_command_list(self, action: str) -> None:
            # PageUp/PageDown before the list is laid out (typed with ctrl+p, in one burst):
            # Textual looks up lines it has not measured yet, and the desk ended (KeyError: 0)
            try:
                super()._action_command_list(action)
            except KeyError:
                return

        def _searching(self) -> bool:
            return any(w.group == self._GATHER_COMMANDS_GROUP and not w.is_finished
                       for w in self.workers)

        @on(Input.Submitted)
        def _enter_after_the_search(self, event: Input.Submitted) -> None:
            if not self._searching():
                return  # Textual's own handling: select or run what is highlighted
            event.stop()
            event.prevent_default()  # not the base class's handler, not now
            if self._enter_waits is None:
                self._enter_waits = hold_keys(self.app)

        def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
            if (self._enter_waits is None or event.worker.group != self._GATHER_COMMANDS_GROUP
                    or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR)
                    or self._searching()):
                return
            hold, self._enter_waits = self._enter_waits, None
            try:
                self._select_or_command()
            finally:
                hold.release()

    return DeskCommandPalette(id="--command-palette")
