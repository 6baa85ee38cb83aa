"""Floor for keystrokes: a bare Textual app that does the least each key can do.

    python floors/keys_app.py

Header + 50-row list + Footer, like ``bare_app.py``. Keys:
``j`` moves a marker down the list (a repaint of two lines), ``s`` pushes a
plain screen (one Static), ``f`` pushes a screen with an 18-field form
(Labels, Inputs, Selects, a TextArea: what a record form holds), ``b`` and
Esc pop. ``--desk-driver`` runs it with sms-tui's terminal driver
(``sms_tui.ui.driver``) instead of Textual's. Every screen shows one word (``PLAIN SCREEN``, ``FORM SCREEN``)
the bench waits for, as it waits for sms-tui's own markers.
"""

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select, Static, TextArea


class Plain(Screen):
    BINDINGS = [Binding("escape,b", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Static("PLAIN SCREEN")
        yield Footer()


class Form(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("FORM SCREEN")
            for i in range(12):
                yield Label(f"Field {i}")
                yield Input(placeholder=f"value {i}")
            for i in range(5):
                yield Label(f"Choice {i}")
                yield Select([(w, w) for w in ("high", "medium", "low")], value="medium")
            yield Label("Description")
            yield TextArea()
        yield Footer()


class Keys(App):
    BINDINGS = [("q", "quit", "Quit"), ("j", "down", "Down"), ("s", "plain", "Plain"),
                ("f", "form", "Form")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="rows")
        yield Footer()

    def on_mount(self) -> None:
        self.cursor = 0
        self.paint()

    def paint(self) -> None:
        lines = [f"{'›' if i == self.cursor else ' '} ROW-{i:06d}  P3  Row number {i}" for i in range(50)]
        self.query_one("#rows", Static).update("\n".join(lines))

    def action_down(self) -> None:
        self.cursor = (self.cursor + 1) % 50
        self.paint()

    def action_plain(self) -> None:
        self.push_screen(Plain())

    def action_form(self) -> None:
        self.push_screen(Form())


if __name__ == "__main__":
    import sys

    driver = None
    if "--desk-driver" in sys.argv:  # sms-tui's driver: Esc at the escape delay
        from sms_tui.ui.driver import desk_driver_class

        driver = desk_driver_class()
    Keys(driver_class=driver).run()
