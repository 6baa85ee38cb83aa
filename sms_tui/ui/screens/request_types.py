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
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.sla import format_hours
from .. import display
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .request_type_dialog import RequestTypeDialog
from .service_lookup import request_service

if TYPE_CHECKING:
    from ...services.requests.service import RequestTypeView


def type_prompt(rtype: RequestTypeView) -> Text:
    """'Password reset  P2  SLA 4h  no approval  4 steps' then the steps, numbered."""
    approval = f"approval: {rtype.approver or 'needed'}" if rtype.needs_approval else "no approval"
    out = Text.assemble(display.line(rtype.title, style="bold", limit=36), f"  ({rtype.name})",
                        f"  P{rtype.priority}  SLA {format_hours(rtype.sla_hours)}  {approval}",
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
    CSS_PATH = "request_types.tcss"

    def __init__(self, types: list[RequestTypeView] | None = None) -> None:
        super().__init__()
        self.types: list[RequestTypeView] = []
        self._show_name: str | None = None
        self._preloaded = types  # read before the screen opened: shown on mount

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        yield Static(Text.assemble(("Request catalogue: types, SLAs, fulfilment steps",
                                    "bold"), ("  Enter raises a request", "italic")), id="types-title")
        yield MarkedOptionList(id="types")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#types", OptionList).focus()

    def load(self) -> None:
        if self._preloaded is not None:
            types, self._preloaded = self._preloaded, None
            self.show_types(types)
            return
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
            self.app.refuse(f"{current.title} is retired: x offers it again")
            return
        from .request_form import record_form, type_preset

        self.app.push_screen(record_form("request", preset=type_preset(current)), self._request_raised)

    def _request_raised(self, view: Any) -> None:
        if view is None:
            return
        from ..actions import open_record

        self.app.notify(f"{view.ref} recorded — P{view.priority}", timeout=4, markup=False)
        self.app.check_for_changes()
        # opened as from the queue (read first): keys typed after ctrl+s land on its steps
        open_record(self, view.ref)

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
