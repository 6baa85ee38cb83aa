"""The outbox: the mail the desk sends (to top management about major incidents, and to requesters).

Newest first, with whether it was sent. A failed send reads ``FAILED (n
tries), retrying`` with its last error; ``r`` retries every unsent message now
(in a worker: the mail server may be slow), ``u`` shows only unsent ones,
Enter shows the whole message and ``o`` opens its incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.comms import sending_tally
from .. import display
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen

if TYPE_CHECKING:
    from ...services.mail.outbox import CommunicationView, DeliveryReport, Outbox


class OutboxScreen(DeskScreen):
    """The mail the desk sends, newest first."""

    CSS_PATH = "outbox.tcss"
    BINDINGS = [
        Binding("enter", "show", "Show", id="outbox.show", show=False),
        Binding("r", "retry", "Retry sending", id="outbox.retry",
                tooltip="Send every unsent message now"),
        Binding("u", "unsent", "Unsent only", id="outbox.unsent"),
        Binding("o", "open_incident", "Open record", id="outbox.open"),
    ]

    def __init__(self) -> None:
        super().__init__(name="outbox")
        self.unsent_only = False
        self.messages: list[CommunicationView] = []
        self._shown: int | None = None  # the message whose text is shown below the list

    def compose(self):
        yield Header()
        yield SectionBar("outbox")
        yield Static(Text("Outbox: mail to top management and to requesters"), id="outbox-title")
        yield MarkedOptionList(id="messages")
        with VerticalScroll(id="message"):
            yield Static(Text("Enter shows a message.", style="dim"), id="message-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#messages", OptionList).focus()

    def _outbox(self) -> Outbox:
        from ...services.mail.outbox import Outbox

        return self.backend.service(Outbox)

    def load(self) -> None:
        unsent = self.unsent_only
        self.service(lambda: self._outbox().list(unsent_only=unsent), self._show,
                     group="outbox", exclusive=True)

    def _show(self, messages: list[CommunicationView]) -> None:
        before = self._current()  # the message under the cursor stays under it
        self.messages = messages
        listing = self.query_one("#messages", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        which = "unsent only" if self.unsent_only else "all"
        # what was sent, is to send, or was only recorded (no mail set up, no recipient): one
        # line at 80 columns (what the outbox holds is said in its help)
        self.query_one("#outbox-title", Static).update(Text(
            f"Outbox — {len(messages)} shown ({which}): "
            f"{sending_tally(m.status for m in messages)}"))
        if not messages:
            listing.add_option(Option(Text("No communications yet.", style="dim"), disabled=True))
            return
        for message in messages:
            listing.add_option(Option(self._prompt(message), id=str(message.id)))
        # by message, not by row: a new message above moved the cursor onto another one while
        # the preview still showed the first, and r/o acted on the one under the cursor
        ids = [m.id for m in messages]
        if before is not None and before.id in ids:
            listing.highlighted = ids.index(before.id)
        else:
            listing.highlighted = min(highlighted or 0, len(messages) - 1)
        if self._shown is not None:
            self.action_show()  # the preview follows: the message under the cursor, as it is now

    @staticmethod
    def _prompt(message: CommunicationView) -> Text:
        failed = message.status == "pending" and message.attempts > 0
        state = Text(message.state, style="bold" if failed else "")
        line = Text.assemble(
            (f"#{message.id:<4}", "bold"), f"{display.when(message.created_at)}  ",
            (message.record_ref, "bold"), f"  {message.purpose:<10} ", state)
        if failed and message.last_error:
            line.append_text(Text.assemble("\n      last error: ", display.block(message.last_error)))
        return line

    def _current(self) -> CommunicationView | None:
        index = self.query_one("#messages", OptionList).highlighted
        return self.messages[index] if self.messages and index is not None else None

    def action_show(self) -> None:
        message = self._current()
        if message is None:
            return
        self._shown = message.id
        body = Text.assemble(("To: ", "bold"), display.line(message.recipients or "(no contacts)"),
                             "\n", ("Subject: ", "bold"), display.line(message.subject), "\n\n",
                             display.block(message.body))
        self.query_one("#message-body", Static).update(body)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_show()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # once a message is shown, the text below follows the cursor: it never shows one
        # message while r and o act on another
        if self._shown is not None and event.option_list.id == "messages":
            self.action_show()

    def action_unsent(self) -> None:
        self.unsent_only = not self.unsent_only
        self.load()

    def action_open_incident(self) -> None:
        message = self._current()
        if message is not None:
            # the incident's own screen (known-error suggestions, K), as from the queue
            from ..sections import detail_screen

            self.app.push_screen(detail_screen(message.record_ref))

    def action_retry(self) -> None:
        self.app.notify("Sending unsent messages…", timeout=2, markup=False)
        self.service(lambda: self._outbox().deliver(force=True), self._retried, group="outbox-send",
                     exclusive=True)

    def _retried(self, report: DeliveryReport) -> None:
        from ...services.mail.outbox import smtp_settings

        if smtp_settings(self.backend.config) is None:
            self.app.notify("Email is not configured ([smtp] host): messages are recorded only.",
                            timeout=5, markup=False)
        elif report.failed:
            self.app.notify(display.line(f"Sent {report.sent}, failed {report.failed}: "
                                         f"{report.errors[0]}").plain,
                            severity="error", timeout=8, markup=False)
        else:
            self.app.notify(f"Sent {report.sent} message(s).", timeout=4, markup=False)
        for warning in report.warnings:
            self.app.notify(f"Warning: {warning}", severity="warning", timeout=8, markup=False)
        self.app.check_for_changes()
        self.load()
