"""A footer that fits its line: keys that do not fit are left to the help and the palette.

Textual's footer scrolls sideways when a screen has more keys than the
terminal is wide, which at 80 columns hides the keys at the end -- including
help. This one keeps the order the screen declares, always keeps help and the
palette, and drops keys from the end until the rest fits. Every key stays in
the help screen (``?``) and the command palette (ctrl+p).

It is one widget that draws one line (issue 9). Textual's footer mounts a
widget per key and rebuilds them all whenever the focus or a key's state
changes -- a layout of the whole screen each time, several times per
keystroke in a queue (10-20 ms each). This one redraws its line, and only when
what it shows changes. It looks like Textual's compact footer; a click on a key
presses it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.text import Text
from textual import events
from textual.widget import Widget

ALWAYS = ("help",)  # actions kept whatever the width


class Key(NamedTuple):
    key: str  # the key to press
    display: str  # how it is shown, e.g. "^p"
    description: str
    action: str
    enabled: bool


class DeskFooter(Widget):
    """The keys of the focused widget and its screen, on the bottom line."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    DeskFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        & > .desk-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .desk-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .desk-footer--item { background: $footer-item-background; }
        & > .desk-footer--separator { color: $foreground 20%; }
    }
    """
    COMPONENT_CLASSES = {"desk-footer--key", "desk-footer--description", "desk-footer--item",
                         "desk-footer--separator"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: Any = None  # (width, keys) of the last line drawn
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Any) -> None:
        if self.is_attached and screen is self.screen and self._state() != self._shown:
            self.refresh()

    def on_resize(self) -> None:
        self.refresh()

    def _keys(self) -> tuple[list[Key], Key | None]:
        """The keys to show, in the screen's order, and the palette's key."""
        app = self.app
        keys: list[Key] = []
        seen: set[str] = set()
        palette: Key | None = None
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            shown = Key(key, app.get_key_display(binding), binding.description, binding.action,
                        bool(enabled))
            if key == app.COMMAND_PALETTE_BINDING:
                palette = shown
            elif binding.show and binding.action not in seen:  # one entry per action
                seen.add(binding.action)
                keys.append(shown)
        if not app.ENABLE_COMMAND_PALETTE:
            palette = None
        return keys, palette

    def _state(self) -> Any:
        return (self.size.width, self._keys())

    def render(self) -> Text:
        width = self.size.width or self.app.size.width or 80
        keys, palette = self._keys()
        self._shown = (self.size.width, (keys, palette))
        tail = Text(end="")
        if palette is not None:
            tail.append("▏", self.get_component_rich_style("desk-footer--separator"))
            tail.append_text(self._key_text(palette))
            tail.append(" ")
        kept = [k for k in keys if k.action.split(".")[-1] in ALWAYS]
        room = width - tail.cell_len - sum(self._width(k) + 1 for k in kept)
        fitting: list[Key] = []
        for key in keys:
            if key in kept:
                continue
            if self._width(key) + 1 <= room:
                room -= self._width(key) + 1
                fitting.append(key)
        line = Text(end="", no_wrap=True, overflow="crop")
        self._spans = []
        for key in fitting + kept:  # help goes last among the keys, just before the palette
            start = line.cell_len
            line.append_text(self._key_text(key))
            self._spans.append((start, line.cell_len, key.key))
            line.append(" ")
        if palette is not None:
            line.append(" " * max(0, width - line.cell_len - tail.cell_len))
            self._spans.append((line.cell_len + 1, width - 1, palette.key))
            line.append_text(tail)
        return line

    def _key_text(self, key: Key) -> Text:
        style = self.get_component_rich_style
        text = Text.assemble((key.display, style("desk-footer--key", partial=True)),
                             (" " + key.description if key.description else "",
                              style("desk-footer--description", partial=True)), end="")
        text.stylize_before(style("desk-footer--item", partial=True))
        if not key.enabled:
            text.stylize("dim")
        return text

    @staticmethod
    def _width(key: Key) -> int:
        return len(key.display) + (1 + len(key.description) if key.description else 0)

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
