"""A footer that fits its line: keys that do not fit are left to the help and the palette.

Textual's footer scrolls sideways when a screen has more keys than the
terminal is wide, which at 80 columns hides the keys at the end -- including
help. This one keeps the order the screen declares, always keeps help and the
palette, and drops keys from the end until the rest fits. Every key stays in
the help screen (``?``) and the command palette (ctrl+p).
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS = ("help",)  # actions kept whatever the width


class DeskFooter(Footer):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)

    def compose(self):
        items = list(super().compose())
        keys = [w for w in items if isinstance(w, FooterKey) and not w.has_class("-command-palette")]
        others = [w for w in items if w not in keys]
        kept = [k for k in keys if k.action.split(".")[-1] in ALWAYS]
        room = (self.app.size.width or 80) - sum(self._width(w) + 3 for w in others)
        room -= sum(self._width(k) for k in kept)
        for key in keys:
            if key in kept:
                continue
            if self._width(key) <= room:
                room -= self._width(key)
            else:
                key.display = False
        # help goes last among the keys, just before the palette
        yield from [k for k in keys if k not in kept] + kept + others

    @staticmethod
    def _width(key: FooterKey) -> int:
        return len(key.key_display) + 1 + len(key.description) + 1

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
