"""A footer that fits its line: keys that do not fit are left to the help and the palette.

Textual's footer scrolls sideways when a screen has more keys than the
terminal is wide, which at 80 columns hides the keys at the end -- including
help. This one keeps the order the screen declares, always keeps help and the
palette, and drops keys from the end until the rest fits. Every key stays in
the help screen (``?``) and the command palette (ctrl+p).

It is also cheaper than Textual's (issue 9): keys that do not fit are not
mounted at all, and the footer is rebuilt only when what it shows would
change -- not at every focus change or resize that leaves the keys as they are.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS = ("help",)  # actions kept whatever the width


class DeskFooter(Footer):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)
        self._shown: Any = None  # what the last compose showed

    def compose(self):
        items = list(super().compose())
        keys = [w for w in items if isinstance(w, FooterKey) and not w.has_class("-command-palette")]
        others = [w for w in items if w not in keys]
        kept = [k for k in keys if k.action.split(".")[-1] in ALWAYS]
        room = self._room() - sum(self._width(w) + 3 for w in others)
        room -= sum(self._width(k) for k in kept)
        fitting = []
        for key in keys:
            if key in kept:
                continue
            if self._width(key) <= room:
                room -= self._width(key)
                fitting.append(key)
        if self._bindings_ready:
            self._shown = self._signature()
        # help goes last among the keys, just before the palette
        yield from fitting + kept + others

    def _room(self) -> int:
        return self.app.size.width or 80

    def _signature(self) -> Any:
        """What the footer would show: the screen's keys, whether each is enabled, the width."""
        return (self._room(), tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show))

    def bindings_changed(self, screen) -> None:
        if self._shown is not None and self.is_attached and screen is self.screen \
                and self._signature() == self._shown:
            return  # the same keys: nothing to rebuild
        super().bindings_changed(screen)

    @staticmethod
    def _width(key: FooterKey) -> int:
        return len(key.key_display) + 1 + len(key.description) + 1

    def on_resize(self) -> None:
        if self._shown is None or self._shown[0] != self._room():
            self.call_after_refresh(self.recompose)
