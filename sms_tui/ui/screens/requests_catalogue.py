"""The request catalogue (8.6.2) on screen, and the request queue that leads to it.

``T`` on the request queue opens the catalogue: each type with its priority,
SLA, approval rule and fulfilment instructions. Enter raises a new request of
the highlighted type (its priority, SLA, approval and steps come with it);
``e`` edits the highlighted
type (instructions one per line), ``n`` adds a type, ``x`` retires it (kept
for the requests raised from it) or offers it again. Every edit is journaled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Header, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ...domain.bounds import whole_number
from ...domain.errors import DeskError
from .. import display
from ..field_errors import FieldError, focus_field_in_error
from ..widgets.choice_picker import LEVEL_CHOICES, ChoicePicker
from ..widgets.section_bar import SectionBar
from .action_dialog import field
from .base import DeskModal, DeskScreen
from .queue import QueueScreen

if TYPE_CHECKING:
    from ...services.requests import RequestTypeView


def request_service(backend: Any):
    from ...services.requests import RequestService

    return backend.service(RequestService)


def type_prompt(rtype: RequestTypeView) -> Text:
    """'Password reset  P2  SLA 4 h  no approval  4 steps' then the steps, numbered."""
    approval = f"approval: {rtype.approver or 'needed'}" if rtype.needs_approval else "no approval"
    out = Text.assemble(display.line(rtype.title, style="bold", limit=36), f"  ({rtype.name})",
                        f"  P{rtype.priority}  SLA {rtype.sla_hours} h  {approval}",
                        Text.assemble("  ", display.line(rtype.service, limit=24)) if rtype.service else "",
                        ("" if rtype.active else "  RETIRED", "bold"))
    for number, step in enumerate(rtype.steps, start=1):
        out.append_text(Text.assemble(f"\n    {number}. ", display.block(step)))
    return out


class RequestTypesScreen(DeskScreen):
    """Every request type with its instructions; add, edit, retire."""

    BINDINGS = [
        Binding("enter", "new_request", "New request", id="catalogue.new_request",
                tooltip="Raise a request of the highlighted type"),
        Binding("e", "edit_type", "Edit", id="catalogue.edit"),
        Binding("n", "new_type", "New type", id="catalogue.new"),
        Binding("x", "retire", "Retire/offer", id="catalogue.retire",
                tooltip="Retire the type (kept for old requests) or offer it again"),
        Binding("escape", "back", "Back", id="catalogue.back"),
    ]
    DEFAULT_CSS = """
    RequestTypesScreen #types-title { height: 1; padding: 0 1; }
    RequestTypesScreen #types { height: 1fr; border: none; padding: 0 1; }
    RequestTypesScreen #types:focus > .option-list--option-highlighted { text-style: bold reverse; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.types: list[RequestTypeView] = []
        self._show_name: str | None = None

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        yield Static(Text.assemble(("Request catalogue: types, SLAs and fulfilment instructions",
                                    "bold"), ("  Enter raises a request", "italic")), id="types-title")
        yield OptionList(id="types")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#types", OptionList).focus()

    def load(self) -> None:
        service = request_service(self.backend)
        self.service(lambda: service.types(include_retired=True), self.show_types, group="types",
                     exclusive=True)

    def show_types(self, types: list[RequestTypeView]) -> None:
        self.types = types
        options = self.query_one("#types", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(Option(type_prompt(t), id=t.name) for t in types)
        names = [t.name for t in types]
        if self._show_name in names:  # the type just saved: show it
            options.highlighted = names.index(self._show_name)
            self._show_name = None
        elif types:
            options.highlighted = min(highlighted or 0, len(types) - 1)

    def _current(self) -> RequestTypeView | None:
        options = self.query_one("#types", OptionList)
        if options.highlighted is None or options.highlighted >= len(self.types):
            return None
        return self.types[options.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_new_request()

    def action_new_request(self) -> None:
        """A new request of the highlighted type, its defaults taken from the type."""
        current = self._current()
        if current is None:
            return
        if not current.active:
            self.app.notify(f"{current.title} is retired: x offers it again", severity="warning",
                            timeout=4, markup=False)
            return
        from .request_form import record_form, type_preset

        self.app.push_screen(record_form("request", preset=type_preset(current)), self._request_raised)

    def _request_raised(self, view: Any) -> None:
        if view is None:
            return
        from ..sections import detail_screen

        self.app.notify(f"{view.ref} recorded — P{view.priority}", timeout=4, markup=False)
        self.app.check_for_changes()
        self.app.push_screen(detail_screen(view.ref))

    def action_edit_type(self) -> None:
        current = self._current()
        if current is not None:
            self.app.push_screen(RequestTypeDialog(current), self._saved)

    def action_new_type(self) -> None:
        self.app.push_screen(RequestTypeDialog(None), self._saved)

    def _saved(self, saved: RequestTypeView | None) -> None:
        if saved is not None:
            self._show_name = saved.name
            self.app.notify(f"Request type {saved.name} saved (version {saved.version})",
                            timeout=4, markup=False)
            self.load()

    def action_retire(self) -> None:
        current = self._current()
        if current is None:
            return
        service = request_service(self.backend)
        self.service(lambda: service.save_type(current.name, active=not current.active,
                                               expected_version=current.version),
                     self._saved)

    def action_back(self) -> None:
        self.dismiss()


class RequestTypeDialog(DeskModal):
    """Add or edit a request type: title, defaults, SLA, approval, instructions (one per line)."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="rtype.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="rtype.cancel"),
    ]
    DEFAULT_CSS = "RequestTypeDialog { align: center middle; } RequestTypeDialog TextArea { height: 8; }"

    def __init__(self, rtype: RequestTypeView | None) -> None:
        super().__init__()
        self.rtype = rtype

    def compose(self):
        t = self.rtype
        with Vertical(classes="dialog"):
            yield Static(Text(f"Edit request type {t.name}" if t else "New request type", style="bold"),
                         classes="dialog-title")
            if t is None:
                yield field("Name", Input(id="name", compact=True, placeholder="short key, e.g. vpn-token"))
            yield field("Title", Input(t.title if t else "", id="title", compact=True))
            yield field("Service", Input(t.service if t else "", id="service", compact=True,
                                         placeholder="the service its requests are for (optional)"))
            yield field("Impact", ChoicePicker(LEVEL_CHOICES, t.impact if t else "medium", id="impact"))
            yield field("Urgency", ChoicePicker(LEVEL_CHOICES, t.urgency if t else "medium", id="urgency"))
            yield field("SLA hours", Input(str(t.sla_hours) if t else "24", id="sla", compact=True))
            yield field("Approval", ChoicePicker([("no", "no"), ("yes", "yes")],
                                                 "yes" if t and t.needs_approval else "no", id="approval"))
            yield field("Approver", Input(t.approver if t else "", id="approver", compact=True,
                                          placeholder="who decides (person or role)"))
            yield Static(Text("Fulfilment instructions, one step per line:"), classes="dialog-title")
            yield TextArea("\n".join(t.steps) if t else "", id="steps", soft_wrap=True, compact=True)
            yield Static(id="dialog-error", classes="error-line")
            yield Static(Text("ctrl+s saves · Esc cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#name" if self.rtype is None else "#title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        try:
            values = self._values()
        except DeskError as exc:
            self._error(exc)
            return
        service = request_service(self.backend)
        name = values.pop("name")
        self.service(lambda: service.save_type(name, **values), self.dismiss, on_error=self._error,
                     group="submit")

    def _values(self) -> dict[str, Any]:
        sla = self.query_one("#sla", Input).value.strip()
        if whole_number(sla, 0, 100_000) is None:
            raise FieldError("sla", f"SLA hours '{sla}' must be a whole number of hours")
        name = self.rtype.name if self.rtype else self.query_one("#name", Input).value.strip()
        if not name:
            raise FieldError("name", "give the type a short name, e.g. vpn-token")
        steps = [line.strip() for line in self.query_one("#steps", TextArea).text.splitlines() if line.strip()]
        return {
            "name": name, "title": self.query_one("#title", Input).value,
            "service": self.query_one("#service", Input).value.strip(),
            "impact": self.query_one("#impact", ChoicePicker).value,
            "urgency": self.query_one("#urgency", ChoicePicker).value, "sla_hours": int(sla),
            "needs_approval": self.query_one("#approval", ChoicePicker).value == "yes",
            "approver": self.query_one("#approver", Input).value, "steps": steps,
            "expected_version": self.rtype.version if self.rtype else None,
        }

    def _error(self, exc: DeskError) -> bool:
        error = self.query_one("#dialog-error", Static)
        error.update(display.line(str(exc)))
        error.add_class("-shown")
        focus_field_in_error(self, exc)
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)


class RequestQueueScreen(QueueScreen):
    """The request queue, with ``T`` for the request catalogue."""

    BINDINGS = [
        Binding("T", "catalogue", "Catalogue", id="requests.catalogue",
                tooltip="Request types: SLAs, approval rules, fulfilment instructions"),
    ]

    def __init__(self, kind: str = "request") -> None:
        super().__init__(kind)

    def action_catalogue(self) -> None:
        self.app.push_screen(RequestTypesScreen())
