"""The line of one-key destinations at the top of every screen ("1 Incidents ...")."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..sections import SECTIONS


class SectionBar(Widget):
    """Shows the sections with their keys; the current one in brackets (not by colour alone)."""

    DEFAULT_CSS = """
    SectionBar {
        height: 1;
        background: $panel;
        color: $text-muted;
        & > .section-bar--key { text-style: bold; color: $accent; }
        & > .section-bar--active { text-style: bold reverse; color: $text; }
    }
    """
    COMPONENT_CLASSES = {"section-bar--key", "section-bar--active"}

    def __init__(self, current: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = current

    def show(self, current: str) -> None:
        """Bracket section ``current`` (a screen kept and shown again in another section)."""
        if current != self.current:
            self.current = current
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        # full titles, then short ones, then keys only (but the current section's name)
        for level in (0, 1, 2):
            text = self._build(level)
            if text.cell_len <= width:
                return text
        return text

    def _build(self, level: int) -> Text:
        key_style = self.get_component_rich_style("section-bar--key", partial=True)
        active_style = self.get_component_rich_style("section-bar--active", partial=True)
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        for sec in SECTIONS:
            label = sec.title if level == 0 else sec.bar_label
            if sec.name == self.current:
                text.append(f"[{sec.key_label} {label}]", style=active_style)
            elif level == 2:
                text.append(f" {sec.key_label}", style=key_style)
            else:
                text.append(f" {sec.key_label}", style=key_style)
                text.append(f" {label} ")
            text.append(" " if level == 0 else "")
        return text
