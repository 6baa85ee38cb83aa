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
            yield f"Go to {sec.title}", f"key {sec.key_label}", partial(app.run_action, f"section('{sec.name}')")

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
