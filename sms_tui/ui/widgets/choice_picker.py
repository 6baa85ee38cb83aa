"""Pick one of a few choices with one key each or the arrows; the choice is bracketed.

Brackets rather than colour mark the choice (Textual's RadioButton marks it by
colour only), so it reads under NO_COLOR too: ``[high]  medium   low``.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.events import Key
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class ChoicePicker(Widget, can_focus=True):
    """One value out of ``choices`` ((value, label) pairs); a choice's first letter or digit
    selects it (pressed again, the next choice with that letter: minor, then major)."""

    DEFAULT_CSS = """
    ChoicePicker {
        width: auto;
        height: 1;
        & > .choice-picker--chosen { text-style: bold reverse; }
        &:focus > .choice-picker--chosen { text-style: bold reverse underline; }
    }
    """
    COMPONENT_CLASSES = {"choice-picker--chosen"}
    BINDINGS = [
        Binding("left", "step(-1)", "Previous", show=False),
        Binding("right", "step(1)", "Next", show=False),
    ]

    value: reactive[str] = reactive("")

    class Changed(Message):
        def __init__(self, picker: ChoicePicker, value: str) -> None:
            self.picker, self.value = picker, value
            super().__init__()

        @property
        def control(self) -> ChoicePicker:
            return self.picker

    def __init__(self, choices: list[tuple[str, str]], value: str | None = None, *,
                 none_chosen: bool = False, **kwargs) -> None:
        """``none_chosen``: nothing is picked until a key picks it (value ""): a customer's
        score, which no default may stand for."""
        super().__init__(**kwargs)
        self.choices = choices
        values = [v for v, _ in choices]
        start = value if value in values else ("" if none_chosen else values[0])
        self.set_reactive(ChoicePicker.value, start)

    def render(self) -> Text:
        chosen = self.get_component_rich_style("choice-picker--chosen", partial=True)
        text = Text(no_wrap=True)
        for value, label in self.choices:
            if value == self.value:
                text.append(f"[{label}]", style=chosen)
            else:
                text.append(f" {label} ")
            text.append(" ")
        return text

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def action_step(self, delta: int) -> None:
        values = [v for v, _ in self.choices]
        if self.value not in values:  # none chosen yet: the first step picks an end
            self.value = values[0] if delta > 0 else values[-1]
            return
        index = max(0, min(values.index(self.value) + delta, len(values) - 1))
        self.value = values[index]

    def on_key(self, event: Key) -> None:
        # A choice's first letter or digit picks it (h/m/l, f/h, 1..5...); choices sharing
        # that letter take turns, starting after the current one.
        if not (event.character and event.character.isalnum()):
            return
        key = event.character.lower()
        values = [v for v, _ in self.choices]
        start = values.index(self.value) + 1 if self.value in values else 0
        order = self.choices[start:] + self.choices[:start]
        for value, label in order:
            if label[:1].lower() == key:
                self.value = value
                event.stop()
                event.prevent_default()
                return


LEVEL_CHOICES = [("high", "high"), ("medium", "medium"), ("low", "low")]
