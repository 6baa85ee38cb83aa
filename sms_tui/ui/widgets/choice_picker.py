"""Pick high, medium or low with one key (h, m, l) or the arrows; the choice is bracketed.

Brackets rather than colour mark the choice, so it reads under NO_COLOR too.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

LEVELS = ("high", "medium", "low")


class LevelPicker(Widget, can_focus=True):
    """An impact or urgency level."""

    DEFAULT_CSS = """
    LevelPicker {
        width: auto;
        height: 1;
        & > .level-picker--chosen { text-style: bold reverse; }
        &:focus > .level-picker--chosen { text-style: bold reverse underline; }
    }
    """
    COMPONENT_CLASSES = {"level-picker--chosen"}
    BINDINGS = [
        Binding("left", "step(-1)", "Higher", show=False),
        Binding("right", "step(1)", "Lower", show=False),
        Binding("h", "choose('high')", "High", show=False),
        Binding("m", "choose('medium')", "Medium", show=False),
        Binding("l", "choose('low')", "Low", show=False),
    ]

    value: reactive[str] = reactive("medium")

    class Changed(Message):
        def __init__(self, picker: LevelPicker, value: str) -> None:
            self.picker, self.value = picker, value
            super().__init__()

        @property
        def control(self) -> LevelPicker:
            return self.picker

    def __init__(self, value: str = "medium", **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(LevelPicker.value, value if value in LEVELS else "medium")

    def render(self) -> Text:
        chosen = self.get_component_rich_style("level-picker--chosen", partial=True)
        text = Text(no_wrap=True)
        for level in LEVELS:
            if level == self.value:
                text.append(f"[{level}]", style=chosen)
            else:
                text.append(f" {level} ")
            text.append(" ")
        return text

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def action_step(self, delta: int) -> None:
        index = LEVELS.index(self.value) + delta
        self.value = LEVELS[max(0, min(index, len(LEVELS) - 1))]

    def action_choose(self, level: str) -> None:
        self.value = level
