"""A bare Textual app on sms-tui's terminal driver that writes every key it gets to a file.

    python keyecho.py LOG [--stock]

One line per event: the key's name, or ``paste:`` and the pasted text. The
driver tests (``test_escape_driver.py``) write escape sequences to its
terminal in pieces and read back what the app was told.
"""

import sys

from textual import events
from textual.app import App
from textual.widgets import Static

from sms_tui.ui.driver import desk_driver_class, resolve_key


class KeyEcho(App):
    def __init__(self, log: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.out = open(log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for the app's life

    def compose(self):
        yield Static("READY")

    def on_key(self, event: events.Key) -> None:
        event.prevent_default()
        for key in resolve_key(event, text_focused=False):  # no text field here, as the desk's gate
            self.out.write(key.key + "\n")
        if event.key == "ctrl+q":
            self.exit()

    def on_paste(self, event: events.Paste) -> None:
        left_out = getattr(event, "left_out", 0)  # escape sequences the driver took out
        self.out.write("paste:" + event.text.replace("\n", "\\n")
                       + (f" ({left_out} left out)" if left_out else "") + "\n")


if __name__ == "__main__":
    driver = None if "--stock" in sys.argv else desk_driver_class()
    KeyEcho(sys.argv[1], driver_class=driver).run()
