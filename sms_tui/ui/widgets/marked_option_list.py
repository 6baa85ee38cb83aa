"""An OptionList whose highlighted option carries a '›' in a one-cell gutter ('·' while the
list does not have the focus), and j/k.

Textual marks the highlighted option by colour only, which NO_COLOR and
monochrome terminals lose. The marker is drawn in a gutter left of the
prompts (Textual's own gutter, as its SelectionList draws its boxes), so the
prompts need no room for it. j and k move as ↓ and ↑, as in the queues, unless
the list picks by letter or its screen binds the key to something else; neither wraps
round at the ends.

With ``letters_pick`` (a list of statuses to pick from), a letter moves to the next
option starting with it and a digit to that option, as the desk's other pickers do.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widgets import OptionList

MARK = "›"
MARK_UNFOCUSED = "·"  # where the cursor is in a list that does not have the focus


class MarkedOptionList(OptionList):
    def __init__(self, *content: Any, letters_pick: bool = False, **kwargs: Any) -> None:
        super().__init__(*content, **kwargs)
        self.letters_pick = letters_pick

    def _move_page(self, direction: Any) -> None:
        """Page up or down, or nothing if the list has not been laid out yet: Textual looks
        up lines it has not measured, and a page key typed in the same burst as the key that
        showed a list (ctrl+p then PageUp, in the palette) ended the desk (KeyError: 0)."""
        try:
            super()._move_page(direction)
        except KeyError:
            return

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if not self.letters_pick and event.key in ("j", "k") and not self._screen_binds(event.key):
            event.stop()
            event.prevent_default()
            if event.key == "j":
                self.action_cursor_down()
            else:
                self.action_cursor_up()
            return
        if not self.letters_pick or not event.is_printable or not char or not char.strip():
            return
        index = self._picked_by(char.lower())
        if index is not None:
            event.stop()
            event.prevent_default()
            self.highlighted = index

    def _screen_binds(self, key: str) -> bool:
        """Whether the screen binds ``key`` itself (k skips a review item, ticks a step)."""
        try:
            return bool(self.screen._bindings.key_to_bindings.get(key))
        except Exception:  # no screen yet
            return False

    def _picked_by(self, char: str) -> int | None:
        """The option ``char`` picks: the n-th for a digit n, else the next starting with it."""
        enabled = [i for i in range(self.option_count) if not self.get_option_at_index(i).disabled]
        if char.isdigit():
            n = int(char)
            return enabled[n - 1] if 1 <= n <= len(enabled) else None
        start = self.highlighted if self.highlighted is not None else -1
        for i in sorted(enabled, key=lambda i: (i <= start, i)):  # after the highlight, then round
            prompt = self.get_option_at_index(i).prompt
            label = prompt.plain if isinstance(prompt, Text) else str(prompt)
            if label.strip().lower().startswith(char):
                return i
        return None

    # ↓/↑ (and j/k) stop at the ends instead of wrapping round: a list ticked by space moves
    # on by itself, and "space j space" on its last step went round and unticked the first
    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        from textual._widget_navigation import find_next_enabled_no_wrap

        found = find_next_enabled_no_wrap(self.options, anchor=self.highlighted,
                                          direction=direction)  # type: ignore[arg-type]
        if found is not None:
            self.highlighted = found

    def _get_left_gutter_width(self) -> int:
        return 1

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        width = self.scrollable_content_region.width
        if strip.cell_length >= width:  # a blank line below the options: already whole
            return strip
        try:
            index, offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            index, offset = None, 1
        first = next(iter(strip), None)
        style = first.style if first is not None else None
        mark = " "
        if offset == 0 and index == self.highlighted:
            mark = MARK if self.has_focus else MARK_UNFOCUSED
        return Strip.join([Strip([Segment(mark, style)], 1), strip])

    # the mark says which of two lists (services and their CIs) the keys act on
    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
